/**
 * MP_CAPABLE (RFC 8684 §3.1; RFC 6824 §3.1 for version 0): its four forms,
 * told apart by length, their decoder and their encoder.
 */
import { checkUint, checkUint64, u16, u64, type ByteWriter } from './bytes.js';
import { ok, type DecodeResult } from './errors.js';
import { badLength, MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

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

/** Decodes an MP_CAPABLE option (`b` from its kind byte; the 12-byte form: see decodeMptcpOption). */
export function decodeMpCapable(b: Uint8Array, base: number, context: MptcpDecodeContext): DecodeResult<MpCapable> {
  const len = b.length;
  const low = b[2]! & 0x0f;
  if (len < 4) return badLength(MptcpSubtype.MP_CAPABLE, len, base, '4, 12, 20, 22, 24');
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
      return badLength(MptcpSubtype.MP_CAPABLE, len, base, '4, 12, 20, 22, 24');
  }
}

/** Writes an MP_CAPABLE option after its kind and length. */
export function writeMpCapable(w: ByteWriter, o: MpCapable): void {
  writeSubtype(w, MptcpSubtype.MP_CAPABLE, checkUint('MP_CAPABLE version', o.version, 15));
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
}
