/**
 * The TCP header (RFC 9293 §3.1) with its options and payload.
 */
import { checkUint, u16, u32 } from './bytes.js';
import { EncodeError, fail, ok, type DecodeResult } from './errors.js';
import { decodeTcpOptions, encodeTcpOptions, type TcpOption } from './tcp-options.js';

/**
 * The control bits. `ae` is the bit before CWR (the old NS bit, AccECN's AE).
 * Builders may leave flags out (false); the decoder gives all of them.
 */
export interface TcpFlags {
  ae?: boolean;
  cwr?: boolean;
  ece?: boolean;
  urg?: boolean;
  ack?: boolean;
  psh?: boolean;
  rst?: boolean;
  syn?: boolean;
  fin?: boolean;
}

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  /** The 3 reserved bits after the data offset (default 0). */
  reserved?: number;
  window: number;
  /** The checksum as found (decoder) or to keep (encoder with keepChecksums.tcp). */
  checksum?: number;
  urgentPointer?: number;
  /**
   * The options in order. The encoder pads the area to a multiple of 4 with
   * zero bytes (EOL); a decoded list already covers the whole area.
   */
  options: TcpOption[];
  payload: Uint8Array;
}

export interface SegmentDecodeOptions {
  /** Offset of the segment's first byte in the caller's input. */
  base?: number;
  /** See OptionDecodeOptions.lenient. */
  lenient?: boolean;
}

/**
 * Decodes a TCP segment (header, options, payload), without its checksum
 * check, which needs the IP pseudo-header (see decodePacket).
 */
export function decodeTcpSegment(b: Uint8Array, opts: SegmentDecodeOptions = {}): DecodeResult<TcpSegment> {
  const base = opts.base ?? 0;
  if (b.length < 20) return fail('truncated', base + Math.max(0, b.length - 1), `a TCP header needs 20 bytes, ${b.length} present`);
  const dataOffset = b[12]! >> 4;
  if (dataOffset < 5) return fail('bad-length', base + 12, `TCP data offset ${dataOffset} is less than 5 (20 bytes)`);
  if (dataOffset * 4 > b.length)
    return fail('truncated', base + 12, `TCP data offset ${dataOffset} needs a ${dataOffset * 4}-byte header, ${b.length} bytes present`);
  const fl = b[13]!;
  const flags: Required<TcpFlags> = {
    ae: (b[12]! & 0x01) !== 0,
    cwr: (fl & 0x80) !== 0,
    ece: (fl & 0x40) !== 0,
    urg: (fl & 0x20) !== 0,
    ack: (fl & 0x10) !== 0,
    psh: (fl & 0x08) !== 0,
    rst: (fl & 0x04) !== 0,
    syn: (fl & 0x02) !== 0,
    fin: (fl & 0x01) !== 0,
  };
  const options = decodeTcpOptions(b.subarray(20, dataOffset * 4), {
    base: base + 20,
    lenient: opts.lenient ?? false,
    flags: { syn: flags.syn, ack: flags.ack },
  });
  if (!options.ok) return options;
  return ok({
    srcPort: u16(b, 0),
    dstPort: u16(b, 2),
    seq: u32(b, 4),
    ack: u32(b, 8),
    flags,
    reserved: (b[12]! >> 1) & 0x07,
    window: u16(b, 14),
    checksum: u16(b, 16),
    urgentPointer: u16(b, 18),
    options: options.value,
    payload: b.slice(dataOffset * 4),
  });
}

/**
 * Encodes a segment with the given checksum (0 when absent); encodePacket
 * computes the real one. Throws an EncodeError when a field is out of range
 * or the options need more than 40 bytes.
 */
export function encodeTcpSegment(s: TcpSegment, checksum = s.checksum ?? 0): Uint8Array {
  return encodeTcpSegmentWithRoom(s, checksum, 0, 0);
}

/**
 * The same, in a buffer with `head` free bytes before the segment and `tail`
 * after it, so that a packet encoder copies the payload only once.
 */
export function encodeTcpSegmentWithRoom(s: TcpSegment, checksum: number, head: number, tail: number): Uint8Array {
  const raw = encodeTcpOptions(s.options);
  const padded = (raw.length + 3) & ~3;
  if (padded > 40) throw new EncodeError(`TCP options need ${raw.length} bytes, more than 40`);
  const f = s.flags;
  const out = new Uint8Array(head + 20 + padded + s.payload.length + tail);
  const v = new DataView(out.buffer, out.byteOffset + head);
  v.setUint16(0, checkUint('TCP srcPort', s.srcPort, 0xffff));
  v.setUint16(2, checkUint('TCP dstPort', s.dstPort, 0xffff));
  v.setUint32(4, checkUint('TCP seq', s.seq, 0xffffffff));
  v.setUint32(8, checkUint('TCP ack', s.ack, 0xffffffff));
  v.setUint8(12, (((20 + padded) / 4) << 4) | (checkUint('TCP reserved', s.reserved ?? 0, 7) << 1) | (f.ae ? 1 : 0));
  v.setUint8(
    13,
    (f.cwr ? 0x80 : 0) |
      (f.ece ? 0x40 : 0) |
      (f.urg ? 0x20 : 0) |
      (f.ack ? 0x10 : 0) |
      (f.psh ? 0x08 : 0) |
      (f.rst ? 0x04 : 0) |
      (f.syn ? 0x02 : 0) |
      (f.fin ? 0x01 : 0),
  );
  v.setUint16(14, checkUint('TCP window', s.window, 0xffff));
  v.setUint16(16, checkUint('TCP checksum', checksum, 0xffff));
  v.setUint16(18, checkUint('TCP urgentPointer', s.urgentPointer ?? 0, 0xffff));
  out.set(raw, head + 20); // the padding bytes stay zero (EOL)
  out.set(s.payload, head + 20 + padded);
  return out;
}
