/**
 * Randomness is an input of the endpoint: initial sequence numbers, MPTCP
 * keys, MP_JOIN nonces and ephemeral ports all come from a RandomSource the
 * caller hands over. seededRandom gives a deterministic one for tests;
 * cryptoRandom (crypto-random.ts) one backed by the operating system.
 */

export interface RandomSource {
  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number;
}

/** A 64-bit value from two draws. */
export function random64(r: RandomSource): bigint {
  return (BigInt(r.u32()) << 32n) | BigInt(r.u32());
}

/**
 * A small deterministic generator (xoshiro128**), seeded through splitmix32,
 * so that the same seed always gives the same connection.
 */
export function seededRandom(seed: number): RandomSource {
  let x = seed >>> 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return {
    u32(): number {
      const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
      const t = (b << 9) >>> 0;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      a >>>= 0;
      b >>>= 0;
      c >>>= 0;
      d >>>= 0;
      return result;
    },
  };
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0;
}
