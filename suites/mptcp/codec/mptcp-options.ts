/**
 * The MPTCP option (TCP option kind 30) of RFC 8684 §3 and its older form of
 * RFC 6824 (MPTCP v0), as a discriminated union on `subtype`, with a decoder
 * that never throws and an encoder that gives back the same bytes.
 *
 * Every option starts with kind (30), length, and a byte whose high nibble is
 * the subtype (§3, Figure 3). Reserved bits are kept in `reserved` so that a
 * decoded option encodes to the very same bytes; builders may leave them out
 * (they default to zero, as §3 asks of senders).
 *
 * Numbers: 64-bit values (keys, DSNs, data ACKs) are bigints; tokens, nonces
 * and sequence numbers are unsigned 32-bit numbers; HMACs are bytes.
 */
import { ByteWriter, checkBytes, checkUint, checkUint64, u16, u32, u64 } from './bytes.js';
import { addressBytes, formatIPv4, formatIPv6 } from './address.js';
import { EncodeError, fail, ok, type DecodeResult } from './errors.js';

export const MPTCP_OPTION_KIND = 30;

/** Subtype numbers (RFC 8684 §8, Table 2). */
export const MptcpSubtype = {
  MP_CAPABLE: 0x0,
  MP_JOIN: 0x1,
  DSS: 0x2,
  ADD_ADDR: 0x3,
  REMOVE_ADDR: 0x4,
  MP_PRIO: 0x5,
  MP_FAIL: 0x6,
  MP_FASTCLOSE: 0x7,
  MP_TCPRST: 0x8,
  MP_EXPERIMENTAL: 0xf,
} as const;

/** MP_TCPRST reason codes (RFC 8684 §3.6). */
export const TcpRstReason = {
  UNSPECIFIED: 0x00,
  MPTCP_SPECIFIC: 0x01,
  LACK_OF_RESOURCES: 0x02,
  ADMINISTRATIVELY_PROHIBITED: 0x03,
  TOO_MUCH_OUTSTANDING_DATA: 0x04,
  UNACCEPTABLE_PERFORMANCE: 0x05,
  MIDDLEBOX_INTERFERENCE: 0x06,
} as const;

const REASON_NAMES: Record<number, string> = {
  0: 'unspecified error',
  1: 'MPTCP-specific error',
  2: 'lack of resources',
  3: 'administratively prohibited',
  4: 'too much outstanding data',
  5: 'unacceptable performance',
  6: 'middlebox interference',
};

/** The name of an MP_TCPRST reason code, or "unknown reason 0xNN". */
export function tcpRstReasonName(reason: number): string {
  return REASON_NAMES[reason] ?? `unknown reason 0x${reason.toString(16).padStart(2, '0')}`;
}

/**
 * MP_CAPABLE flags (RFC 8684 §3.1): A checksum required, B extensibility,
 * C do not open subflows to this source address, D–G reserved (E–G were
 * crypto algorithm bits in v0), H HMAC-SHA256 (HMAC-SHA1 in v0).
 */
export interface MpCapableFlags {
  A: boolean;
  B: boolean;
  C: boolean;
  D: boolean;
  E: boolean;
  F: boolean;
  G: boolean;
  H: boolean;
}

interface MpCapableBase {
  type: 'mptcp';
  subtype: 'mp_capable';
  /** 1 for RFC 8684, 0 for RFC 6824. */
  version: number;
  flags: MpCapableFlags;
}

/**
 * MP_CAPABLE in a SYN. v1: 4 bytes, no key (§3.1). v0 (RFC 6824 §3.1): 12
 * bytes with the sender's key.
 */
export interface MpCapableSyn extends MpCapableBase {
  form: 'syn';
  senderKey?: bigint;
}

/** MP_CAPABLE in a SYN/ACK: 12 bytes with the sender's (the listener's) key. */
export interface MpCapableSynAck extends MpCapableBase {
  form: 'syn-ack';
  senderKey: bigint;
}

/** MP_CAPABLE in the third ACK: 20 bytes, the sender's key then the receiver's key. */
export interface MpCapableAck extends MpCapableBase {
  form: 'ack';
  senderKey: bigint;
  receiverKey: bigint;
}

/**
 * MP_CAPABLE with data (v1 only, §3.1): the keys and the data-level length
 * of the data the segment carries (22 bytes), plus the DSS checksum when
 * checksums are in use (24 bytes). The mapping is implicit: DSN = IDSN + 1 of
 * the sender, relative subflow sequence number 1.
 */
export interface MpCapableAckData extends MpCapableBase {
  form: 'ack-data';
  senderKey: bigint;
  receiverKey: bigint;
  dataLevelLength: number;
  checksum?: number;
}

export type MpCapable = MpCapableSyn | MpCapableSynAck | MpCapableAck | MpCapableAckData;

interface MpJoinBase {
  type: 'mptcp';
  subtype: 'mp_join';
}

/** MP_JOIN in a SYN (§3.2, 12 bytes): the receiver's token and the sender's nonce. */
export interface MpJoinSyn extends MpJoinBase {
  form: 'syn';
  /** B: the sender wants this subflow as a backup path. */
  backup: boolean;
  addressId: number;
  /** The token of the receiver (host B), 32 bits. */
  token: number;
  /** The sender's random number R_A, 32 bits. */
  nonce: number;
  /** The 3 reserved bits between subtype and B. */
  reserved?: number;
}

/** MP_JOIN in a SYN/ACK (§3.2, 16 bytes): the leftmost 64 bits of HMAC-B and the sender's nonce. */
export interface MpJoinSynAck extends MpJoinBase {
  form: 'syn-ack';
  backup: boolean;
  addressId: number;
  /** 8 bytes: the truncated HMAC of host B. */
  hmac: Uint8Array;
  /** The sender's random number R_B, 32 bits. */
  nonce: number;
  reserved?: number;
}

/** MP_JOIN in the third ACK (§3.2, 24 bytes): the leftmost 160 bits of HMAC-A. */
export interface MpJoinAck extends MpJoinBase {
  form: 'ack';
  /** 20 bytes. */
  hmac: Uint8Array;
  /** The 12 reserved bits after the subtype. */
  reserved?: number;
}

export type MpJoin = MpJoinSyn | MpJoinSynAck | MpJoinAck;

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

/**
 * ADD_ADDR (§3.4.1): an address (IPv4 or IPv6 text), an optional port, and
 * the truncated HMAC (8 bytes), which is absent when E (echo) is set. The
 * decoder tells the forms apart by length alone (8/10/16/18 for IPv4, 20/22/
 * 28/30 for IPv6), so an RFC 6824 ADD_ADDR (no HMAC, IPVer in the low
 * nibble) decodes too: its IPVer shows as echo false and reserved 2 or 3.
 */
export interface AddAddr {
  type: 'mptcp';
  subtype: 'add_addr';
  echo: boolean;
  addressId: number;
  address: string;
  port?: number;
  hmac?: Uint8Array;
  /** The 3 reserved bits between subtype and E. */
  reserved?: number;
}

/** REMOVE_ADDR (§3.4.2): one or more address ids. */
export interface RemoveAddr {
  type: 'mptcp';
  subtype: 'remove_addr';
  addressIds: number[];
  /** The low nibble of byte 2. */
  reserved?: number;
}

/** MP_PRIO (§3.3.8): B, the sender's wish about this subflow. RFC 6824 also had an address id (4 bytes). */
export interface MpPrio {
  type: 'mptcp';
  subtype: 'mp_prio';
  backup: boolean;
  addressId?: number;
  reserved?: number;
}

/** MP_FAIL (§3.7): the 64-bit DSN where a checksum failed. */
export interface MpFail {
  type: 'mptcp';
  subtype: 'mp_fail';
  dsn: bigint;
  /** The 12 reserved bits after the subtype. */
  reserved?: number;
}

/** MP_FASTCLOSE (§3.5): the key of the receiver of the option. */
export interface MpFastclose {
  type: 'mptcp';
  subtype: 'mp_fastclose';
  receiverKey: bigint;
  reserved?: number;
}

/**
 * MP_TCPRST flags (§3.6): U, V, W reserved for future use, T transient (the
 * error condition is expected to go away, the subflow may be retried).
 */
export interface MpTcpRstFlags {
  U: boolean;
  V: boolean;
  W: boolean;
  T: boolean;
}

/** MP_TCPRST (§3.6, 4 bytes). Reason codes: TcpRstReason, tcpRstReasonName. */
export interface MpTcpRst {
  type: 'mptcp';
  subtype: 'mp_tcprst';
  flags: MpTcpRstFlags;
  reason: number;
}

/** A subtype this codec does not know (9–14, MP_EXPERIMENTAL 15), kept byte for byte. */
export interface MptcpUnknown {
  type: 'mptcp';
  subtype: 'unknown';
  subtypeNumber: number;
  /** The low nibble of byte 2. */
  bits: number;
  /** The bytes after byte 2. */
  data: Uint8Array;
}

export type MptcpOption = MpCapable | MpJoin | Dss | AddAddr | RemoveAddr | MpPrio | MpFail | MpFastclose | MpTcpRst | MptcpUnknown;

/** What the decoder may know about the segment an option came in. */
export interface MptcpDecodeContext {
  /**
   * The TCP flags of the segment. Only used to tell a 12-byte MP_CAPABLE in
   * a SYN (v0) from one in a SYN/ACK; see decodeMptcpOption.
   */
  flags?: { syn: boolean; ack: boolean };
}

const flagsOf = (b: number): MpCapableFlags => ({
  A: (b & 0x80) !== 0,
  B: (b & 0x40) !== 0,
  C: (b & 0x20) !== 0,
  D: (b & 0x10) !== 0,
  E: (b & 0x08) !== 0,
  F: (b & 0x04) !== 0,
  G: (b & 0x02) !== 0,
  H: (b & 0x01) !== 0,
});

const flagsByte = (f: MpCapableFlags): number =>
  (f.A ? 0x80 : 0) | (f.B ? 0x40 : 0) | (f.C ? 0x20 : 0) | (f.D ? 0x10 : 0) | (f.E ? 0x08 : 0) | (f.F ? 0x04 : 0) | (f.G ? 0x02 : 0) | (f.H ? 0x01 : 0);

const SUBTYPE_NAMES = ['MP_CAPABLE', 'MP_JOIN', 'DSS', 'ADD_ADDR', 'REMOVE_ADDR', 'MP_PRIO', 'MP_FAIL', 'MP_FASTCLOSE', 'MP_TCPRST'];

/** The RFC's name of a subtype number ("MP_JOIN"), or "subtype 0xN". */
export function mptcpSubtypeName(n: number): string {
  return SUBTYPE_NAMES[n] ?? (n === 0xf ? 'MP_EXPERIMENTAL' : `subtype 0x${n.toString(16)}`);
}

/**
 * Decodes one MPTCP option: `b` holds exactly the option, from its kind byte
 * to the end its length says. `base` is the offset of `b[0]` in the caller's
 * input, for error offsets.
 *
 * The form is told by the length, except for one case: a 12-byte MP_CAPABLE
 * is the SYN form in v0 (RFC 6824, key of the initiator) and the SYN/ACK
 * form in both versions (key of the listener). With `context.flags` given, a
 * segment with SYN and without ACK gives 'syn' and one with SYN and ACK gives
 * 'syn-ack'. Otherwise (no context, or a non-SYN segment) version 0 gives
 * 'syn' and any other version 'syn-ack'.
 */
export function decodeMptcpOption(b: Uint8Array, base = 0, context: MptcpDecodeContext = {}): DecodeResult<MptcpOption> {
  const len = b.length;
  if (len < 3) return fail('bad-length', base + (len >= 2 ? 1 : 0), `MPTCP option length ${len} is too short: it needs at least 3 bytes for the subtype`);
  const sub = b[2]! >> 4;
  const low = b[2]! & 0x0f;
  const badLength = (expected: string) => fail('bad-length', base + 1, `${mptcpSubtypeName(sub)} option length ${len} is not one of ${expected}`);
  switch (sub) {
    case MptcpSubtype.MP_CAPABLE: {
      if (len < 4) return badLength('4, 12, 20, 22, 24');
      const head = { type: 'mptcp', subtype: 'mp_capable', version: low, flags: flagsOf(b[3]!) } as const;
      switch (len) {
        case 4:
          return ok({ ...head, form: 'syn' });
        case 12: {
          const senderKey = u64(b, 4);
          const f = context.flags;
          const isSyn = f && f.syn ? !f.ack : low === 0;
          return ok(isSyn ? { ...head, form: 'syn', senderKey } : { ...head, form: 'syn-ack', senderKey });
        }
        case 20:
          return ok({ ...head, form: 'ack', senderKey: u64(b, 4), receiverKey: u64(b, 12) });
        case 22:
        case 24: {
          const o: MpCapableAckData = { ...head, form: 'ack-data', senderKey: u64(b, 4), receiverKey: u64(b, 12), dataLevelLength: u16(b, 20) };
          if (len === 24) o.checksum = u16(b, 22);
          return ok(o);
        }
        default:
          return badLength('4, 12, 20, 22, 24');
      }
    }
    case MptcpSubtype.MP_JOIN: {
      const backup = (low & 0x01) !== 0;
      const reserved = low >> 1;
      switch (len) {
        case 12:
          return ok({ type: 'mptcp', subtype: 'mp_join', form: 'syn', backup, addressId: b[3]!, token: u32(b, 4), nonce: u32(b, 8), reserved });
        case 16:
          return ok({ type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup, addressId: b[3]!, hmac: b.slice(4, 12), nonce: u32(b, 12), reserved });
        case 24:
          return ok({ type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: b.slice(4, 24), reserved: (low << 8) | b[3]! });
        default:
          return badLength('12, 16, 24');
      }
    }
    case MptcpSubtype.DSS:
      return decodeDss(b, base);
    case MptcpSubtype.ADD_ADDR:
      return decodeAddAddr(b, base);
    case MptcpSubtype.REMOVE_ADDR:
      if (len < 4) return fail('bad-length', base + 1, `REMOVE_ADDR option length ${len} leaves no address id: it needs at least 4 bytes`);
      return ok({ type: 'mptcp', subtype: 'remove_addr', addressIds: Array.from(b.subarray(3)), reserved: low });
    case MptcpSubtype.MP_PRIO: {
      const o: MpPrio = { type: 'mptcp', subtype: 'mp_prio', backup: (low & 0x01) !== 0, reserved: low >> 1 };
      if (len === 4) o.addressId = b[3]!;
      else if (len !== 3) return badLength('3, 4 (RFC 6824, with an address id)');
      return ok(o);
    }
    case MptcpSubtype.MP_FAIL:
      if (len !== 12) return badLength('12');
      return ok({ type: 'mptcp', subtype: 'mp_fail', dsn: u64(b, 4), reserved: (low << 8) | b[3]! });
    case MptcpSubtype.MP_FASTCLOSE:
      if (len !== 12) return badLength('12');
      return ok({ type: 'mptcp', subtype: 'mp_fastclose', receiverKey: u64(b, 4), reserved: (low << 8) | b[3]! });
    case MptcpSubtype.MP_TCPRST:
      if (len !== 4) return badLength('4');
      return ok({
        type: 'mptcp',
        subtype: 'mp_tcprst',
        flags: { U: (low & 0x8) !== 0, V: (low & 0x4) !== 0, W: (low & 0x2) !== 0, T: (low & 0x1) !== 0 },
        reason: b[3]!,
      });
    default:
      return ok({ type: 'mptcp', subtype: 'unknown', subtypeNumber: sub, bits: low, data: b.slice(3) });
  }
}

const DSS_A = 0x01;
const DSS_a = 0x02;
const DSS_M = 0x04;
const DSS_m = 0x08;
const DSS_F = 0x10;

/** DSS, §3.3 Figure 9: the lengths follow from the flags, plus 2 when a checksum is present. */
function decodeDss(b: Uint8Array, base: number): DecodeResult<Dss> {
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

/** ADD_ADDR lengths (§3.4.1): address family, port and HMAC presence by length. */
const ADD_ADDR_FORMS: Record<number, { family: 4 | 6; port: boolean; hmac: boolean }> = {
  8: { family: 4, port: false, hmac: false },
  10: { family: 4, port: true, hmac: false },
  16: { family: 4, port: false, hmac: true },
  18: { family: 4, port: true, hmac: true },
  20: { family: 6, port: false, hmac: false },
  22: { family: 6, port: true, hmac: false },
  28: { family: 6, port: false, hmac: true },
  30: { family: 6, port: true, hmac: true },
};

function decodeAddAddr(b: Uint8Array, base: number): DecodeResult<AddAddr> {
  const form = ADD_ADDR_FORMS[b.length];
  if (!form) return fail('bad-length', base + 1, `ADD_ADDR option length ${b.length} is not one of 8, 10, 16, 18 (IPv4) or 20, 22, 28, 30 (IPv6)`);
  const low = b[2]! & 0x0f;
  const o: AddAddr = {
    type: 'mptcp',
    subtype: 'add_addr',
    echo: (low & 0x01) !== 0,
    addressId: b[3]!,
    address: form.family === 4 ? formatIPv4(b, 4) : formatIPv6(b, 4),
    reserved: low >> 1,
  };
  let at = form.family === 4 ? 8 : 20;
  if (form.port) {
    o.port = u16(b, at);
    at += 2;
  }
  if (form.hmac) o.hmac = b.slice(at, at + 8);
  return ok(o);
}

/** The length an option will have on the wire. */
export function mptcpOptionLength(o: MptcpOption): number {
  return encodeMptcpOption(o).length;
}

/**
 * Encodes one MPTCP option, kind and length included. Throws an EncodeError
 * when a field is out of range or a form lacks a field it needs.
 */
export function encodeMptcpOption(o: MptcpOption): Uint8Array {
  const w = new ByteWriter(32);
  writeMptcpOption(w, o);
  return w.finish();
}

/** Appends one MPTCP option to a writer (see encodeMptcpOption). */
export function writeMptcpOption(w: ByteWriter, o: MptcpOption): void {
  const start = w.length;
  w.u8(MPTCP_OPTION_KIND).u8(0); // length patched at the end
  const sub = (n: number, lowBits: number) => w.u8((n << 4) | (lowBits & 0x0f));
  switch (o.subtype) {
    case 'mp_capable': {
      sub(MptcpSubtype.MP_CAPABLE, checkUint('MP_CAPABLE version', o.version, 15));
      w.u8(flagsByte(o.flags));
      if (o.form === 'syn') {
        if (o.senderKey !== undefined) w.u64(checkUint64('MP_CAPABLE senderKey', o.senderKey));
      } else {
        w.u64(checkUint64('MP_CAPABLE senderKey', o.senderKey));
        if (o.form === 'ack' || o.form === 'ack-data') w.u64(checkUint64('MP_CAPABLE receiverKey', o.receiverKey));
        if (o.form === 'ack-data') {
          w.u16(checkUint('MP_CAPABLE dataLevelLength', o.dataLevelLength, 0xffff));
          if (o.checksum !== undefined) w.u16(checkUint('MP_CAPABLE checksum', o.checksum, 0xffff));
        }
      }
      break;
    }
    case 'mp_join': {
      if (o.form === 'ack') {
        const r = checkUint('MP_JOIN reserved', o.reserved ?? 0, 0xfff);
        sub(MptcpSubtype.MP_JOIN, r >> 8);
        w.u8(r & 0xff);
        w.bytes(checkBytes('MP_JOIN ack hmac', o.hmac, 20));
        break;
      }
      sub(MptcpSubtype.MP_JOIN, (checkUint('MP_JOIN reserved', o.reserved ?? 0, 7) << 1) | (o.backup ? 1 : 0));
      w.u8(checkUint('MP_JOIN addressId', o.addressId, 255));
      if (o.form === 'syn') w.u32(checkUint('MP_JOIN token', o.token, 0xffffffff));
      else w.bytes(checkBytes('MP_JOIN syn-ack hmac', o.hmac, 8));
      w.u32(checkUint('MP_JOIN nonce', o.nonce, 0xffffffff));
      break;
    }
    case 'dss': {
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
      sub(MptcpSubtype.DSS, r >> 3);
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
      break;
    }
    case 'add_addr': {
      const v6 = o.address.includes(':');
      sub(MptcpSubtype.ADD_ADDR, (checkUint('ADD_ADDR reserved', o.reserved ?? 0, 7) << 1) | (o.echo ? 1 : 0));
      w.u8(checkUint('ADD_ADDR addressId', o.addressId, 255));
      w.bytes(addressBytes('ADD_ADDR address', o.address, v6 ? 6 : 4));
      if (o.port !== undefined) w.u16(checkUint('ADD_ADDR port', o.port, 0xffff));
      if (o.hmac !== undefined) w.bytes(checkBytes('ADD_ADDR hmac', o.hmac, 8));
      break;
    }
    case 'remove_addr':
      if (o.addressIds.length === 0) throw new EncodeError('REMOVE_ADDR needs at least one address id');
      if (o.addressIds.length > 37) throw new EncodeError('REMOVE_ADDR carries at most 37 address ids in 40 bytes of options');
      sub(MptcpSubtype.REMOVE_ADDR, checkUint('REMOVE_ADDR reserved', o.reserved ?? 0, 0xf));
      for (const id of o.addressIds) w.u8(checkUint('REMOVE_ADDR address id', id, 255));
      break;
    case 'mp_prio':
      sub(MptcpSubtype.MP_PRIO, (checkUint('MP_PRIO reserved', o.reserved ?? 0, 7) << 1) | (o.backup ? 1 : 0));
      if (o.addressId !== undefined) w.u8(checkUint('MP_PRIO addressId', o.addressId, 255));
      break;
    case 'mp_fail':
    case 'mp_fastclose': {
      const r = checkUint(`${o.subtype} reserved`, o.reserved ?? 0, 0xfff);
      sub(o.subtype === 'mp_fail' ? MptcpSubtype.MP_FAIL : MptcpSubtype.MP_FASTCLOSE, r >> 8);
      w.u8(r & 0xff);
      w.u64(o.subtype === 'mp_fail' ? checkUint64('MP_FAIL dsn', o.dsn) : checkUint64('MP_FASTCLOSE receiverKey', o.receiverKey));
      break;
    }
    case 'mp_tcprst':
      sub(MptcpSubtype.MP_TCPRST, (o.flags.U ? 8 : 0) | (o.flags.V ? 4 : 0) | (o.flags.W ? 2 : 0) | (o.flags.T ? 1 : 0));
      w.u8(checkUint('MP_TCPRST reason', o.reason, 255));
      break;
    case 'unknown':
      sub(checkUint('MPTCP subtypeNumber', o.subtypeNumber, 15), checkUint('MPTCP bits', o.bits, 15));
      w.bytes(o.data);
      break;
    default: {
      const never: never = o;
      throw new EncodeError(`unknown MPTCP option ${JSON.stringify((never as { subtype: unknown }).subtype)}`);
    }
  }
  const len = w.length - start;
  if (len > 40) throw new EncodeError(`the ${o.subtype} option would be ${len} bytes, more than the 40 bytes of TCP options`);
  w.setU8(start + 1, len);
}
