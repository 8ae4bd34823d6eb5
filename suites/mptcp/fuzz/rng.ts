/**
 * The fuzzer's randomness: a small seeded generator (SplitMix32), so that a
 * seed gives the same scenarios on every machine and Node version. Nothing in
 * the fuzzer draws from Math.random.
 */

export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** A 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** A 64-bit unsigned integer. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** Numbers at the edges of a field of `bits` bits, or near a given value, or anywhere. */
  edge(bits: 8 | 16 | 32, near = 0): number {
    const max = 2 ** bits - 1;
    switch (this.int(5)) {
      case 0:
        return this.pick([0, 1, max, max - 1, 2 ** (bits - 1)]);
      case 1:
        return (((near + this.int(9) - 4) % (max + 1)) + max + 1) % (max + 1);
      default:
        return bits === 32 ? this.u32() : this.int(max + 1);
    }
  }

  /** A 64-bit value at the edges, near a value, or anywhere. */
  edge64(near = 0n): bigint {
    const mod = 1n << 64n;
    switch (this.int(4)) {
      case 0:
        return this.pick([0n, 1n, mod - 1n, 1n << 63n, 0xffffffffn, 1n << 32n]);
      case 1:
        return (((near + BigInt(this.int(4097) - 2048)) % mod) + mod) % mod;
      default:
        return this.u64();
    }
  }
}

/** A seed for one scenario of a run: a fixed mix of the run's seed and the scenario's index. */
export function scenarioSeed(runSeed: number, index: number): number {
  const r = new Rng((runSeed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
  r.u32();
  return r.u32();
}
