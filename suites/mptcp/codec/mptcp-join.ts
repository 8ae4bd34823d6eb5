/** MP_JOIN (RFC 8684 §3.2): its three forms, told apart by length, their decoder and their encoder. */
import { checkBytes, checkUint, u32, type ByteWriter } from './bytes.js';
import { ok, type DecodeResult } from './errors.js';
import { badLength, MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

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

/** Decodes an MP_JOIN option (`b` from its kind byte). */
export function decodeMpJoin(b: Uint8Array, base: number): DecodeResult<MpJoin> {
  const low = b[2]! & 0x0f;
  const backup = (low & 0x01) !== 0;
  const reserved = low >> 1;
  switch (b.length) {
    case 12:
      return ok({ type: 'mptcp', subtype: 'mp_join', form: 'syn', backup, addressId: b[3]!, token: u32(b, 4), nonce: u32(b, 8), reserved });
    case 16:
      return ok({ type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup, addressId: b[3]!, hmac: b.slice(4, 12), nonce: u32(b, 12), reserved });
    case 24:
      return ok({ type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: b.slice(4, 24), reserved: (low << 8) | b[3]! });
    default:
      return badLength(MptcpSubtype.MP_JOIN, b.length, base, '12, 16, 24');
  }
}

/** Writes an MP_JOIN option after its kind and length. */
export function writeMpJoin(w: ByteWriter, o: MpJoin): void {
  if (o.form === 'ack') {
    const r = checkUint('MP_JOIN reserved', o.reserved ?? 0, 0xfff);
    writeSubtype(w, MptcpSubtype.MP_JOIN, r >> 8);
    w.u8(r & 0xff);
    w.bytes(checkBytes('MP_JOIN ack hmac', o.hmac, 20));
    return;
  }
  writeSubtype(w, MptcpSubtype.MP_JOIN, (checkUint('MP_JOIN reserved', o.reserved ?? 0, 7) << 1) | (o.backup ? 1 : 0));
  w.u8(checkUint('MP_JOIN addressId', o.addressId, 255));
  if (o.form === 'syn') w.u32(checkUint('MP_JOIN token', o.token, 0xffffffff));
  else w.bytes(checkBytes('MP_JOIN syn-ack hmac', o.hmac, 8));
  w.u32(checkUint('MP_JOIN nonce', o.nonce, 0xffffffff));
}
