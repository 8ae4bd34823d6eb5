/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) packets carrying one TCP segment, with
 * the checksums: the IPv4 header checksum, the TCP checksum over the
 * pseudo-header, and the DSS checksum of RFC 8684 §3.3.1 where a single
 * segment holds everything it covers.
 */
import { addressBytes, formatIPv4, formatIPv6 } from './address.js';
import { checkUint, u16 } from './bytes.js';
import { dssChecksum, finish, fold, ipv4HeaderChecksum, ipv4PseudoSum, ipv6PseudoSum, onesSum, verifyDssChecksum } from './checksum.js';
import { deriveIdsn, type MptcpVersion } from './crypto.js';
import { EncodeError, fail, ok, type DecodeResult } from './errors.js';
import type { DssMapping, MpCapableAckData, MptcpOption } from './mptcp-options.js';
import { decodeTcpSegment, encodeTcpSegmentWithRoom, type TcpSegment } from './tcp.js';
import type { TcpOption } from './tcp-options.js';

const IPPROTO_TCP = 6;

export interface Ipv4Header {
  version: 4;
  /** The whole second byte: DSCP (6 bits) and ECN (2 bits). Default 0. */
  tos?: number;
  identification?: number;
  /** Default: DF set. */
  flags?: { reserved?: boolean; df?: boolean; mf?: boolean };
  /** In 8-byte units; a decoded packet is never a fragment, so this is 0 there. */
  fragmentOffset?: number;
  /** Default 64. */
  ttl?: number;
  /** As found (decoder) or to keep (encoder with keepChecksums.ip). */
  checksum?: number;
  src: string;
  dst: string;
  /** Raw IPv4 options, a multiple of 4 bytes. */
  options?: Uint8Array;
}

export interface Ipv6Header {
  version: 6;
  /** Default 0. */
  trafficClass?: number;
  /** Default 0. */
  flowLabel?: number;
  /** Default 64. */
  hopLimit?: number;
  src: string;
  dst: string;
}

export interface Packet {
  ip: Ipv4Header | Ipv6Header;
  tcp: TcpSegment;
  /** Bytes after the end the IP length field gives (link-layer padding), kept for a faithful re-encode. */
  trailer?: Uint8Array;
}

/** Whether a DSS checksum (or that of an MP_CAPABLE with data) verifies. */
export type DssChecksumCheck = { status: 'valid' } | { status: 'invalid'; expected: number } | { status: 'unverifiable'; reason: string };

export interface PacketChecks {
  /** IPv4 only. */
  ipHeaderChecksum?: boolean;
  tcpChecksum: boolean;
  /** Present when the segment carries a DSS mapping or an MP_CAPABLE with a checksum. */
  dssChecksum?: DssChecksumCheck;
}

export interface DecodedPacket {
  packet: Packet;
  checks: PacketChecks;
}

export interface PacketDecodeOptions {
  /** See OptionDecodeOptions.lenient. */
  lenient?: boolean;
}

/**
 * Decodes an IPv4 or IPv6 packet carrying TCP. Never throws: bad input
 * gives a DecodeError with the offset of the field at fault. IPv6 extension
 * headers and IPv4 fragments are reported as unsupported.
 */
export function decodePacket(b: Uint8Array, opts: PacketDecodeOptions = {}): DecodeResult<DecodedPacket> {
  if (b.length === 0) return fail('truncated', 0, 'an IP packet needs at least 1 byte, the input is empty');
  const version = b[0]! >> 4;
  if (version === 4) return decodeIpv4(b, opts);
  if (version === 6) return decodeIpv6(b, opts);
  return fail('bad-version', 0, `IP version ${version} is neither 4 nor 6`);
}

function decodeIpv4(b: Uint8Array, opts: PacketDecodeOptions): DecodeResult<DecodedPacket> {
  if (b.length < 20) return fail('truncated', b.length - 1, `an IPv4 header needs 20 bytes, ${b.length} present`);
  const ihl = b[0]! & 0x0f;
  if (ihl < 5) return fail('bad-length', 0, `IPv4 header length ${ihl} is less than 5 (20 bytes)`);
  if (ihl * 4 > b.length) return fail('truncated', 0, `IPv4 header length ${ihl} needs ${ihl * 4} bytes, ${b.length} present`);
  const total = u16(b, 2);
  if (total < ihl * 4 + 20)
    return fail(
      'bad-length',
      2,
      `IPv4 total length ${total} leaves ${Math.max(0, total - ihl * 4)} bytes after the ${ihl * 4}-byte header, less than a 20-byte TCP header`,
    );
  if (total > b.length) return fail('truncated', 2, `IPv4 total length ${total}, ${b.length} bytes present`);
  const fragWord = u16(b, 6);
  if (fragWord & 0x3fff)
    return fail('unsupported-fragment', 6, `an IPv4 fragment (MF ${(fragWord >> 13) & 1}, offset ${fragWord & 0x1fff}) cannot be decoded as TCP`);
  if (b[9] !== IPPROTO_TCP) return fail('unsupported-protocol', 9, `IPv4 protocol ${b[9]} is not TCP (6)`);
  const header = b.subarray(0, ihl * 4);
  const ip: Ipv4Header = {
    version: 4,
    tos: b[1]!,
    identification: u16(b, 4),
    flags: { reserved: (fragWord & 0x8000) !== 0, df: (fragWord & 0x4000) !== 0, mf: false },
    fragmentOffset: 0,
    ttl: b[8]!,
    checksum: u16(b, 10),
    src: formatIPv4(b, 12),
    dst: formatIPv4(b, 16),
  };
  if (ihl > 5) ip.options = b.slice(20, ihl * 4);
  const seg = b.subarray(ihl * 4, total);
  const tcp = decodeTcpSegment(seg, { base: ihl * 4, lenient: opts.lenient ?? false });
  if (!tcp.ok) return tcp;
  const packet: Packet = { ip, tcp: tcp.value };
  if (total < b.length) packet.trailer = b.slice(total);
  const checks: PacketChecks = {
    ipHeaderChecksum: fold(onesSum(header)) === 0xffff,
    tcpChecksum: fold(onesSum(seg, ipv4PseudoSum(b.subarray(12, 16), b.subarray(16, 20), seg.length))) === 0xffff,
  };
  addDssCheck(checks, tcp.value);
  return ok({ packet, checks });
}

function decodeIpv6(b: Uint8Array, opts: PacketDecodeOptions): DecodeResult<DecodedPacket> {
  if (b.length < 40) return fail('truncated', b.length - 1, `an IPv6 header needs 40 bytes, ${b.length} present`);
  if (b[6] !== IPPROTO_TCP) return fail('unsupported-next-header', 6, `IPv6 next header ${b[6]} is not TCP (6); extension headers are not supported`);
  const payloadLength = u16(b, 4);
  if (payloadLength < 20) return fail('bad-length', 4, `IPv6 payload length ${payloadLength} is less than a 20-byte TCP header`);
  if (40 + payloadLength > b.length) return fail('truncated', 4, `IPv6 payload length ${payloadLength}, ${b.length - 40} bytes present`);
  const word = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const ip: Ipv6Header = {
    version: 6,
    trafficClass: (word >>> 20) & 0xff,
    flowLabel: word & 0xfffff,
    hopLimit: b[7]!,
    src: formatIPv6(b, 8),
    dst: formatIPv6(b, 24),
  };
  const seg = b.subarray(40, 40 + payloadLength);
  const tcp = decodeTcpSegment(seg, { base: 40, lenient: opts.lenient ?? false });
  if (!tcp.ok) return tcp;
  const packet: Packet = { ip, tcp: tcp.value };
  if (40 + payloadLength < b.length) packet.trailer = b.slice(40 + payloadLength);
  const checks: PacketChecks = {
    tcpChecksum: fold(onesSum(seg, ipv6PseudoSum(b.subarray(8, 24), b.subarray(24, 40), seg.length))) === 0xffff,
  };
  addDssCheck(checks, tcp.value);
  return ok({ packet, checks });
}

/** Where the DSS checksum of a segment comes from: a DSS mapping or an MP_CAPABLE with data. */
type ChecksumSource = { kind: 'dss'; option: MptcpOption & { subtype: 'dss' }; mapping: DssMapping } | { kind: 'mpc'; option: MpCapableAckData };

function checksumSource(options: readonly TcpOption[]): ChecksumSource | undefined {
  for (const o of options) {
    if (o.type !== 'mptcp') continue;
    if (o.subtype === 'dss' && o.mapping?.checksum !== undefined) return { kind: 'dss', option: o, mapping: o.mapping };
    if (o.subtype === 'mp_capable' && o.form === 'ack-data' && o.checksum !== undefined) return { kind: 'mpc', option: o };
  }
  return undefined;
}

/**
 * The pseudo-header fields of the DSS checksum for this segment, or why a
 * single segment is not enough to compute it. For an MP_CAPABLE with data
 * (§3.1) the mapping is implicit: DSN = IDSN + 1 of the sender's key,
 * relative subflow sequence number 1.
 */
function checksumInputs(src: ChecksumSource, seg: TcpSegment): { dsn: bigint; subflowSeq: number; length: number } | { reason: string } {
  if (src.kind === 'mpc') {
    const o = src.option;
    if (o.dataLevelLength !== seg.payload.length)
      return { reason: `the MP_CAPABLE data-level length ${o.dataLevelLength} is not the ${seg.payload.length} bytes of this segment` };
    const idsn = deriveIdsn(o.senderKey, (o.version === 0 ? 0 : 1) as MptcpVersion);
    return { dsn: (idsn + 1n) & 0xffffffffffffffffn, subflowSeq: 1, length: o.dataLevelLength };
  }
  const m = src.mapping;
  if (m.dataLevelLength === 0) return { reason: 'an infinite mapping (data-level length 0) has no checksum to verify' };
  const fin = src.option.dataFin ? 1 : 0;
  if (m.dataLevelLength !== seg.payload.length + fin)
    return { reason: `the mapping covers ${m.dataLevelLength} bytes, this segment carries ${seg.payload.length}${fin ? ' and a DATA_FIN' : ''}` };
  if (src.option.dsn64 === false) return { reason: 'the option carries only the low 32 bits of the DSN, the checksum needs all 64' };
  return { dsn: m.dsn, subflowSeq: m.subflowSeq, length: m.dataLevelLength };
}

function addDssCheck(checks: PacketChecks, seg: TcpSegment): void {
  const src = checksumSource(seg.options);
  if (!src) return;
  const inputs = checksumInputs(src, seg);
  if ('reason' in inputs) {
    checks.dssChecksum = { status: 'unverifiable', reason: inputs.reason };
    return;
  }
  const given = src.kind === 'mpc' ? src.option.checksum! : src.mapping.checksum!;
  checks.dssChecksum = verifyDssChecksum(inputs.dsn, inputs.subflowSeq, inputs.length, seg.payload, given)
    ? { status: 'valid' }
    : { status: 'invalid', expected: dssChecksum(inputs.dsn, inputs.subflowSeq, inputs.length, seg.payload) };
}

export interface PacketEncodeOptions {
  /**
   * Write the checksums found in the structure instead of computing them,
   * for packets that must be corrupt. `dss` covers the DSS checksum and that
   * of an MP_CAPABLE with data; without it they are computed whenever the
   * segment holds all the data they cover (see PacketChecks.dssChecksum), and
   * kept as given otherwise.
   */
  keepChecksums?: { ip?: boolean; tcp?: boolean; dss?: boolean };
}

/** The segment with its DSS checksum (if any, and if computable) recomputed. */
function withDssChecksum(seg: TcpSegment): TcpSegment {
  const src = checksumSource(seg.options);
  if (!src) return seg;
  const inputs = checksumInputs(src, seg);
  if ('reason' in inputs) return seg;
  const sum = dssChecksum(inputs.dsn, inputs.subflowSeq, inputs.length, seg.payload);
  const options = seg.options.map((o): TcpOption => {
    if (o !== src.option) return o;
    if (src.kind === 'mpc') return { ...src.option, checksum: sum };
    return { ...src.option, mapping: { ...src.mapping, checksum: sum } };
  });
  return { ...seg, options };
}

/**
 * Encodes a packet, computing the IP total/payload length, the IPv4 header
 * checksum, the TCP checksum and the DSS checksum unless told to keep them.
 * Throws an EncodeError when a field is out of range.
 */
export function encodePacket(p: Packet, opts: PacketEncodeOptions = {}): Uint8Array {
  const keep = opts.keepChecksums ?? {};
  const seg = keep.dss ? p.tcp : withDssChecksum(p.tcp);
  const ip = p.ip;
  const trailer = p.trailer ?? new Uint8Array(0);
  let hl: number;
  let src: Uint8Array;
  let dst: Uint8Array;
  if (ip.version === 4) {
    const options = ip.options ?? new Uint8Array(0);
    if (options.length % 4 !== 0 || options.length > 40) throw new EncodeError(`IPv4 options must be a multiple of 4 bytes up to 40, got ${options.length}`);
    hl = 20 + options.length;
    src = addressBytes('IPv4 src', ip.src, 4);
    dst = addressBytes('IPv4 dst', ip.dst, 4);
  } else if (ip.version === 6) {
    hl = 40;
    src = addressBytes('IPv6 src', ip.src, 6);
    dst = addressBytes('IPv6 dst', ip.dst, 6);
  } else {
    throw new EncodeError(`IP version must be 4 or 6, got ${String((ip as { version: unknown }).version)}`);
  }
  // One buffer for the whole packet: the segment is written after room for the IP header.
  const out = encodeTcpSegmentWithRoom(seg, 0, hl, trailer.length);
  const tcpLength = out.length - hl - trailer.length;
  const tcp = out.subarray(hl, hl + tcpLength);
  const v = new DataView(out.buffer, out.byteOffset);
  if (ip.version === 4) {
    const total = hl + tcpLength;
    if (total > 0xffff) throw new EncodeError(`the IPv4 packet would be ${total} bytes, more than 65535`);
    const f = ip.flags ?? { df: true };
    v.setUint8(0, 0x40 | (hl / 4));
    v.setUint8(1, checkUint('IPv4 tos', ip.tos ?? 0, 255));
    v.setUint16(2, total);
    v.setUint16(4, checkUint('IPv4 identification', ip.identification ?? 0, 0xffff));
    v.setUint16(6, (f.reserved ? 0x8000 : 0) | (f.df ? 0x4000 : 0) | (f.mf ? 0x2000 : 0) | checkUint('IPv4 fragmentOffset', ip.fragmentOffset ?? 0, 0x1fff));
    v.setUint8(8, checkUint('IPv4 ttl', ip.ttl ?? 64, 255));
    v.setUint8(9, IPPROTO_TCP);
    out.set(src, 12);
    out.set(dst, 16);
    if (ip.options) out.set(ip.options, 20);
    v.setUint16(10, keep.ip ? checkUint('IPv4 checksum', ip.checksum ?? 0, 0xffff) : ipv4HeaderChecksum(out.subarray(0, hl)));
    v.setUint16(hl + 16, keep.tcp ? checkUint('TCP checksum', p.tcp.checksum ?? 0, 0xffff) : finish(onesSum(tcp, ipv4PseudoSum(src, dst, tcpLength))));
  } else {
    if (tcpLength > 0xffff) throw new EncodeError(`the IPv6 payload would be ${tcpLength} bytes, more than 65535`);
    const tc = checkUint('IPv6 trafficClass', ip.trafficClass ?? 0, 255);
    const fl = checkUint('IPv6 flowLabel', ip.flowLabel ?? 0, 0xfffff);
    v.setUint32(0, ((6 << 28) | (tc << 20) | fl) >>> 0);
    v.setUint16(4, tcpLength);
    v.setUint8(6, IPPROTO_TCP);
    v.setUint8(7, checkUint('IPv6 hopLimit', ip.hopLimit ?? 64, 255));
    out.set(src, 8);
    out.set(dst, 24);
    v.setUint16(hl + 16, keep.tcp ? checkUint('TCP checksum', p.tcp.checksum ?? 0, 0xffff) : finish(onesSum(tcp, ipv6PseudoSum(src, dst, tcpLength))));
  }
  out.set(trailer, hl + tcpLength);
  return out;
}
