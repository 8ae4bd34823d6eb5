/**
 * The octets queued on one subflow, as chunks in subflow sequence order (a
 * chunk is one DSS mapping at most), from the first not yet acknowledged to
 * the last queued: what is sent, sent again, and reported acknowledged.
 */
import type { Chunk } from './subflow-owner.js';

export class SendQueue {
  private chunks: Chunk[] = [];
  /** Relative sequence number after the last octet queued (1: nothing yet, after the SYN). */
  end = 1;

  push(c: Chunk): void {
    this.chunks.push(c);
    this.end = c.seq + c.data.length;
  }

  /** The chunk holding relative sequence number `seq`, if any. */
  at(seq: number): Chunk | undefined {
    // Chunks are in order; most lookups are for the last few.
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i]!;
      if (c.seq <= seq) return seq < c.seq + c.data.length ? c : undefined;
    }
    return undefined;
  }

  /** The chunks not wholly acknowledged below `una`. */
  unacked(una: number): Chunk[] {
    return this.chunks.filter((c) => c.seq + c.data.length > una);
  }

  /** Drops the chunks acknowledged below `una`: those, and the first left when it is acknowledged in part. */
  release(una: number): { done: Chunk[]; partial: Chunk | undefined } {
    let i = 0;
    while (i < this.chunks.length && this.chunks[i]!.seq + this.chunks[i]!.data.length <= una) i++;
    const done = i > 0 ? this.chunks.splice(0, i) : [];
    const head = this.chunks[0];
    return { done, partial: head && head.seq < una ? head : undefined };
  }
}
