/**
 * Byte helpers shared by the codec: big-endian reads and writes (network byte
 * order), hex, and range checks for encoders.
 */
import { EncodeError } from './errors.js';

export function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function u64(b: Uint8Array, at: number): bigint {
  return (BigInt(u32(b, at)) << 32n) | BigInt(u32(b, at + 4));
}

/** Lowercase hex of bytes, no separators. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Bytes of a hex string (whitespace, ':' and a leading 0x allowed); null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** A bigint as lowercase hex, zero-padded to `digits`. */
export function hex64(v: bigint, digits = 16): string {
  return v.toString(16).padStart(digits, '0');
}

/** A number as lowercase hex, zero-padded to `digits`. */
export function hexN(v: number, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Throws an EncodeError unless v is an integer in [0, max]. */
export function checkUint(field: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${field} must be an integer in 0..${max}, got ${String(v)}`);
  return v;
}

export function checkUint64(field: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`${field} must be a bigint in 0..2^64-1, got ${String(v)}`);
  return v;
}

export function checkBytes(field: string, v: Uint8Array, length: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length)
    throw new EncodeError(`${field} must be ${length} bytes, got ${v instanceof Uint8Array ? v.length : typeof v}`);
  return v;
}

/** Appends big-endian fields to a growing buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private n = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.n++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.n++] = (v >>> 8) & 0xff;
    this.buf[this.n++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf[this.n++] = (v >>> 24) & 0xff;
    this.buf[this.n++] = (v >>> 16) & 0xff;
    this.buf[this.n++] = (v >>> 8) & 0xff;
    this.buf[this.n++] = v & 0xff;
    return this;
  }

  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  /** Overwrites a byte already written. */
  setU8(at: number, v: number): this {
    this.buf[at] = v & 0xff;
    return this;
  }

  /** Overwrites a 16-bit field already written. */
  setU16(at: number, v: number): this {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  /** What was written (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.n === this.buf.length ? this.buf : this.buf.subarray(0, this.n);
  }
}
