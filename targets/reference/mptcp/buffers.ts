/**
 * The byte containers of the endpoint: a send buffer addressed by offset, an
 * out-of-order reassembly store, and a FIFO of received octets.
 */

/** Octets written by the application, addressed by their offset in the stream, released once acknowledged. */
export class SendBuffer {
  private chunks: { off: number; data: Uint8Array }[] = [];
  private head = 0;
  /** Offset of the first octet still held. */
  base = 0;
  /** Offset just after the last octet written. */
  end = 0;

  append(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push({ off: this.end, data });
    this.end += data.length;
  }

  /** Octets [off, off + len), a view when they lie in one chunk. */
  slice(off: number, len: number): Uint8Array {
    if (off < this.base || off + len > this.end) throw new RangeError(`send buffer holds [${this.base}, ${this.end}), asked [${off}, ${off + len})`);
    let i = this.find(off);
    const first = this.chunks[i]!;
    const at = off - first.off;
    if (at + len <= first.data.length) return first.data.subarray(at, at + len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const c = this.chunks[i++]!;
      const from = off + done - c.off;
      const n = Math.min(len - done, c.data.length - from);
      out.set(c.data.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }

  /** Forgets the octets before `upTo`. */
  release(upTo: number): void {
    if (upTo <= this.base) return;
    this.base = Math.min(upTo, this.end);
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      if (c.off + c.data.length > this.base) break;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  private find(off: number): number {
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]!.off <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Segments that arrived ahead of the next expected offset, kept without overlaps. */
export class Reassembly {
  private segs: { off: number; data: Uint8Array }[] = [];
  private held = 0;

  /** Octets held. */
  get size(): number {
    return this.held;
  }

  get count(): number {
    return this.segs.length;
  }

  /** Keeps the parts of [off, off + data.length) not held yet. */
  insert(off: number, data: Uint8Array): void {
    let start = off;
    let bytes = data;
    const out: { off: number; data: Uint8Array }[] = [];
    let i = 0;
    // Segments that end before this one starts stay as they are.
    while (i < this.segs.length && this.segs[i]!.off + this.segs[i]!.data.length <= start) out.push(this.segs[i++]!);
    while (bytes.length > 0 && i < this.segs.length) {
      const s = this.segs[i]!;
      const end = start + bytes.length;
      if (s.off >= end) break;
      if (s.off > start) {
        out.push({ off: start, data: bytes.subarray(0, s.off - start) });
        this.held += s.off - start;
      }
      const sEnd = s.off + s.data.length;
      out.push(s);
      i++;
      if (sEnd >= end) {
        bytes = bytes.subarray(0, 0);
        break;
      }
      bytes = bytes.subarray(Math.max(0, sEnd - start));
      start = Math.max(start, sEnd);
    }
    if (bytes.length > 0) {
      out.push({ off: start, data: bytes });
      this.held += bytes.length;
    }
    while (i < this.segs.length) out.push(this.segs[i++]!);
    this.segs = out;
  }

  /** Removes and returns the octets that follow on from `next` (with the part before `next` cut off), in order. */
  take(next: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = next;
    while (this.segs.length > 0) {
      const s = this.segs[0]!;
      const sEnd = s.off + s.data.length;
      if (s.off > at) break;
      this.segs.shift();
      this.held -= s.data.length;
      if (sEnd > at) {
        out.push(s.data.subarray(at - s.off));
        at = sEnd;
      }
    }
    return out;
  }

  /** Drops everything held. */
  clear(): void {
    this.segs = [];
    this.held = 0;
  }
}

/** Received octets waiting for the application. */
export class ByteQueue {
  private parts: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.length += data.length;
  }

  read(max: number): Uint8Array {
    const n = Math.min(max, this.length);
    if (n === 0) return new Uint8Array(0);
    const first = this.parts[this.head]!;
    if (first.length === n) {
      this.head++;
      this.compact();
      this.length -= n;
      return first;
    }
    if (first.length > n) {
      this.parts[this.head] = first.subarray(n);
      this.length -= n;
      return first.slice(0, n);
    }
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const p = this.parts[this.head]!;
      const k = Math.min(n - done, p.length);
      out.set(p.subarray(0, k), done);
      done += k;
      if (k === p.length) this.head++;
      else this.parts[this.head] = p.subarray(k);
    }
    this.compact();
    this.length -= n;
    return out;
  }

  clear(): void {
    this.parts = [];
    this.head = 0;
    this.length = 0;
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.head = 0;
    }
  }
}
