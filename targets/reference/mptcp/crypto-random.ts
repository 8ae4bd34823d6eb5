/** A RandomSource backed by the operating system (node:crypto), for real use; tests use seededRandom. */
import { randomBytes } from 'node:crypto';
import type { RandomSource } from './random.js';

export function cryptoRandom(): RandomSource {
  let pool = Buffer.alloc(0);
  let at = 0;
  return {
    u32(): number {
      if (at + 4 > pool.length) {
        pool = randomBytes(1024);
        at = 0;
      }
      const v = pool.readUInt32BE(at);
      at += 4;
      return v;
    },
  };
}
