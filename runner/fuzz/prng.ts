/**
 * The fuzzer's seeded random numbers. A scenario is drawn from its own
 * stream, keyed by (seed, index), so that scenario i is the same whether or
 * not the ones before it were generated: a run bounded by time runs a prefix
 * of the very list a run bounded by count runs. Our own small generator
 * rather than fast-check's: its arbitraries draw from one runner-owned stream
 * and shrink on their own terms, while we need index-addressed scenarios and
 * shrinking by partition across processes.
 */

/** A 32-bit mix (the murmur3 finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Random {
  private state: number;

  /** The stream of scenario `index` under `seed`. */
  constructor(seed: number, index = 0) {
    this.state = mix(mix(seed ^ 0x9e3779b9) ^ Math.imul(index + 1, 0x27d4eb2f)) || 1;
  }

  /** The next 32 bits (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 2 ** 32) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Numbers in [0, 1) from the stream of `seed`: for a bench or a test that wants a reproducible sequence, not scenarios. */
export function uniform(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next() / 2 ** 32;
}
