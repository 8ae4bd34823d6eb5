/** DSS (RFC 8684 §3.3): the data ACK, the mapping and DATA_FIN, their decoder and their encoder. */
import { checkUint, checkUint64, u16, u32, u64, type ByteWriter } from './bytes.js';
import { fail, ok, type DecodeResult } from './errors.js';
import { MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

/** The mapping part of a DSS option (§3.3.1). */
export interface DssMapping {
  /**
   * The data sequence number. When the option carries only 32 bits (dsn64
   * false), a decoder gives those 32 bits; an encoder writes the low 32 bits
   * of what it is given and uses the whole value for the DSS checksum.
   */
  dsn: bigint;
  /** The subflow sequence number, relative to the subflow's initial sequence number. */
  subflowSeq: number;
  /** Data-level length; 0 with a checksum of 0 is the infinite mapping (§3.7). */
  dataLevelLength: number;
  /** Present when checksums are in use (2 more bytes). */
  checksum?: number;
}

/**
 * DSS (§3.3): flags A (data ACK present), a (data ACK is 8 bytes), M (mapping
 * present), m (DSN is 8 bytes), F (DATA_FIN). The flags are derived from the
 * fields, except a and m, which say how wide the fields are written.
 */
export interface Dss {
  type: 'mptcp';
  subtype: 'dss';
  dataFin: boolean;
  /** The data ACK; like the DSN, only 32 bits when dataAck64 is false. */
  dataAck?: bigint;
  /** Flag a. Defaults to true when dataAck is present, false otherwise. */
  dataAck64?: boolean;
  mapping?: DssMapping;
  /** Flag m. Defaults to true when a mapping is present, false otherwise. */
  dsn64?: boolean;
  /** The 7 reserved bits: the low nibble of byte 2, then the top 3 bits of the flags byte. */
  reserved?: number;
}

const DSS_A = 0x01;
const DSS_a = 0x02;
const DSS_M = 0x04;
const DSS_m = 0x08;
const DSS_F = 0x10;

/** DSS, §3.3 Figure 9: the lengths follow from the flags, plus 2 when a checksum is present. */
export function decodeDss(b: Uint8Array, base: number): DecodeResult<Dss> {
  const len = b.length;
  if (len < 4) return fail('bad-length', base + 1, `DSS option length ${len} is too short: it needs at least 4 bytes`);
  const fl = b[3]!;
  const ackLen = fl & DSS_A ? (fl & DSS_a ? 8 : 4) : 0;
  const mapLen = fl & DSS_M ? (fl & DSS_m ? 8 : 4) + 6 : 0;
  const plain = 4 + ackLen + mapLen;
  const withSum = fl & DSS_M ? plain + 2 : plain;
  if (len !== plain && len !== withSum) {
    const want = plain === withSum ? `${plain}` : `${plain} or ${withSum}`;
    return fail('bad-length', base + 1, `DSS option length ${len} does not match its flags 0x${fl.toString(16).padStart(2, '0')}, which need ${want}`);
  }
  const o: Dss = {
    type: 'mptcp',
    subtype: 'dss',
    dataFin: (fl & DSS_F) !== 0,
    dataAck64: (fl & DSS_a) !== 0,
    dsn64: (fl & DSS_m) !== 0,
    reserved: ((b[2]! & 0x0f) << 3) | (fl >> 5),
  };
  let at = 4;
  if (fl & DSS_A) {
    o.dataAck = fl & DSS_a ? u64(b, at) : BigInt(u32(b, at));
    at += ackLen;
  }
  if (fl & DSS_M) {
    const dsn = fl & DSS_m ? u64(b, at) : BigInt(u32(b, at));
    at += fl & DSS_m ? 8 : 4;
    const mapping: DssMapping = { dsn, subflowSeq: u32(b, at), dataLevelLength: u16(b, at + 4) };
    if (len === withSum && withSum !== plain) mapping.checksum = u16(b, at + 6);
    o.mapping = mapping;
  }
  return ok(o);
}

/** Writes a DSS option after its kind and length. */
export function writeDss(w: ByteWriter, o: Dss): void {
  const r = checkUint('DSS reserved', o.reserved ?? 0, 0x7f);
  const wideAck = o.dataAck64 ?? o.dataAck !== undefined;
  const wideDsn = o.dsn64 ?? o.mapping !== undefined;
  const fl =
    ((r & 0x7) << 5) |
    (o.dataFin ? DSS_F : 0) |
    (wideDsn ? DSS_m : 0) |
    (o.mapping ? DSS_M : 0) |
    (wideAck ? DSS_a : 0) |
    (o.dataAck !== undefined ? DSS_A : 0);
  writeSubtype(w, MptcpSubtype.DSS, r >> 3);
  w.u8(fl);
  if (o.dataAck !== undefined) {
    const ack = checkUint64('DSS dataAck', o.dataAck);
    if (wideAck) w.u64(ack);
    else w.u32(Number(ack & 0xffffffffn));
  }
  if (o.mapping) {
    const m = o.mapping;
    const dsn = checkUint64('DSS dsn', m.dsn);
    if (wideDsn) w.u64(dsn);
    else w.u32(Number(dsn & 0xffffffffn));
    w.u32(checkUint('DSS subflowSeq', m.subflowSeq, 0xffffffff));
    w.u16(checkUint('DSS dataLevelLength', m.dataLevelLength, 0xffff));
    if (m.checksum !== undefined) w.u16(checkUint('DSS checksum', m.checksum, 0xffff));
  }
}
