/**
 * Classic pcap files (the libpcap format: a 24-byte file header, then a
 * 16-byte header before each packet). The writer makes microsecond files of
 * LINKTYPE_RAW (101: each packet is a bare IPv4 or IPv6 packet); timestamps
 * are inputs, nothing here reads a clock. The reader takes both byte orders,
 * microsecond and nanosecond files, and never throws.
 */
import { checkUint } from './bytes.js';
import { fail, ok, type DecodeResult } from './errors.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

export interface PcapRecord {
  /** Seconds since the epoch. */
  seconds: number;
  /** 0..999999. In a nanosecond file, the nanoseconds divided by 1000 (rounded down). */
  microseconds: number;
  /** Only from a nanosecond file: 0..999999999. */
  nanoseconds?: number;
  /** The captured bytes. */
  data: Uint8Array;
  /** The length on the wire; the writer uses data.length when absent. */
  originalLength?: number;
}

export interface PcapHeader {
  littleEndian: boolean;
  resolution: 'us' | 'ns';
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linktype: number;
}

export interface PcapFile {
  header: PcapHeader;
  records: PcapRecord[];
}

export interface PcapWriteOptions {
  /** Default 262144. */
  snaplen?: number;
  /** Default LINKTYPE_RAW (101). */
  linktype?: number;
}

/** Writes a little-endian microsecond pcap file. Throws an Error for an out-of-range field. */
export function writePcap(records: readonly PcapRecord[], opts: PcapWriteOptions = {}): Uint8Array {
  let size = 24;
  for (const r of records) size += 16 + r.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC_US, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone: timestamps are UTC
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, checkUint('snaplen', opts.snaplen ?? 262144, 0xffffffff), true);
  v.setUint32(20, checkUint('linktype', opts.linktype ?? LINKTYPE_RAW, 0xffffffff), true);
  let at = 24;
  for (const [i, r] of records.entries()) {
    v.setUint32(at, checkUint(`record ${i} seconds`, r.seconds, 0xffffffff), true);
    v.setUint32(at + 4, checkUint(`record ${i} microseconds`, r.microseconds, 999999), true);
    v.setUint32(at + 8, r.data.length, true);
    v.setUint32(at + 12, checkUint(`record ${i} originalLength`, r.originalLength ?? r.data.length, 0xffffffff), true);
    out.set(r.data, at + 16);
    at += 16 + r.data.length;
  }
  return out;
}

/** Reads a classic pcap file; a bad file gives a DecodeError with the offset at fault. */
export function readPcap(b: Uint8Array): DecodeResult<PcapFile> {
  if (b.length < 24) return fail('truncated', Math.max(0, b.length - 1), `a pcap file header needs 24 bytes, ${b.length} present`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const be = v.getUint32(0, false);
  const le = v.getUint32(0, true);
  let littleEndian: boolean;
  let resolution: 'us' | 'ns';
  if (le === MAGIC_US || le === MAGIC_NS) {
    littleEndian = true;
    resolution = le === MAGIC_US ? 'us' : 'ns';
  } else if (be === MAGIC_US || be === MAGIC_NS) {
    littleEndian = false;
    resolution = be === MAGIC_US ? 'us' : 'ns';
  } else {
    const hint = be === 0x0a0d0d0a ? ' (this is a pcapng file; convert it with editcap -F pcap)' : '';
    return fail('bad-magic', 0, `not a classic pcap file: magic 0x${be.toString(16).padStart(8, '0')}${hint}`);
  }
  const header: PcapHeader = {
    littleEndian,
    resolution,
    versionMajor: v.getUint16(4, littleEndian),
    versionMinor: v.getUint16(6, littleEndian),
    snaplen: v.getUint32(16, littleEndian),
    linktype: v.getUint32(20, littleEndian) & 0x0fffffff, // the top bits may carry FCS information
  };
  if (header.versionMajor !== 2) return fail('bad-value', 4, `pcap version ${header.versionMajor}.${header.versionMinor} is not 2.x`);
  const records: PcapRecord[] = [];
  let at = 24;
  while (at < b.length) {
    if (b.length - at < 16) return fail('truncated', at, `record ${records.length} needs a 16-byte header, ${b.length - at} bytes left`);
    const seconds = v.getUint32(at, littleEndian);
    const frac = v.getUint32(at + 4, littleEndian);
    const incl = v.getUint32(at + 8, littleEndian);
    const orig = v.getUint32(at + 12, littleEndian);
    const limit = resolution === 'us' ? 1_000_000 : 1_000_000_000;
    if (frac >= limit) return fail('bad-value', at + 4, `record ${records.length} has a fraction of a second of ${frac}, not below ${limit}`);
    if (incl > b.length - at - 16) return fail('truncated', at + 8, `record ${records.length} has ${incl} captured bytes, ${b.length - at - 16} left`);
    const r: PcapRecord = {
      seconds,
      microseconds: resolution === 'us' ? frac : Math.floor(frac / 1000),
      data: b.slice(at + 16, at + 16 + incl),
      originalLength: orig,
    };
    if (resolution === 'ns') r.nanoseconds = frac;
    records.push(r);
    at += 16 + incl;
  }
  return ok({ header, records });
}

/**
 * The IP packet inside a captured frame, for the link types a Linux capture
 * gives: raw IP (101, 228, 229), Ethernet (1, with 802.1Q tags skipped) and
 * Linux cooked captures (113, 276). `base` is for error offsets.
 */
export function ipPayload(linktype: number, frame: Uint8Array, base = 0): DecodeResult<Uint8Array> {
  const etherTypeIsIp = (t: number) => t === 0x0800 || t === 0x86dd;
  switch (linktype) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
    case 12: // DLT_RAW on some BSDs
    case 14:
      return ok(frame);
    case LINKTYPE_ETHERNET: {
      let at = 12;
      while (true) {
        if (frame.length < at + 2)
          return fail('truncated', base + Math.max(0, frame.length - 1), `an Ethernet header needs ${at + 2} bytes, ${frame.length} present`);
        const t = (frame[at]! << 8) | frame[at + 1]!;
        if (t === 0x8100 || t === 0x88a8) {
          at += 4;
          continue;
        }
        if (!etherTypeIsIp(t)) return fail('unsupported-protocol', base + at, `EtherType 0x${t.toString(16).padStart(4, '0')} is not IPv4 or IPv6`);
        return ok(frame.subarray(at + 2));
      }
    }
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2: {
      const [hl, typeAt] = linktype === LINKTYPE_LINUX_SLL ? [16, 14] : [20, 0];
      if (frame.length < hl) return fail('truncated', base + Math.max(0, frame.length - 1), `a Linux cooked header needs ${hl} bytes, ${frame.length} present`);
      const t = (frame[typeAt]! << 8) | frame[typeAt + 1]!;
      if (!etherTypeIsIp(t)) return fail('unsupported-protocol', base + typeAt, `protocol 0x${t.toString(16).padStart(4, '0')} is not IPv4 or IPv6`);
      return ok(frame.subarray(hl));
    }
    default:
      return fail('bad-value', base, `link type ${linktype} is not one this reader can take IP packets from`);
  }
}
