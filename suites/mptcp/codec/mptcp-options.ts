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
 * Each family has its file, with its types, decoder and encoder:
 * mptcp-capable.ts, mptcp-join.ts, mptcp-dss.ts, mptcp-addresses.ts (ADD_ADDR,
 * REMOVE_ADDR, MP_PRIO), mptcp-close.ts (MP_FAIL, MP_FASTCLOSE, MP_TCPRST);
 * mptcp-subtype.ts has what they share. This file has the union and the
 * dispatch, and exports them all.
 *
 * Numbers: 64-bit values (keys, DSNs, data ACKs) are bigints; tokens, nonces
 * and sequence numbers are unsigned 32-bit numbers; HMACs are bytes.
 */
import { ByteWriter, checkUint } from './bytes.js';
import { EncodeError, fail, ok, type DecodeResult } from './errors.js';
import {
  decodeAddAddr,
  decodeMpPrio,
  decodeRemoveAddr,
  writeAddAddr,
  writeMpPrio,
  writeRemoveAddr,
  type AddAddr,
  type MpPrio,
  type RemoveAddr,
} from './mptcp-addresses.js';
import { decodeMpCapable, writeMpCapable, type MpCapable, type MptcpDecodeContext } from './mptcp-capable.js';
import {
  decodeMpFail,
  decodeMpFastclose,
  decodeMpTcpRst,
  writeMpFailOrFastclose,
  writeMpTcpRst,
  type MpFail,
  type MpFastclose,
  type MpTcpRst,
} from './mptcp-close.js';
import { decodeDss, writeDss, type Dss } from './mptcp-dss.js';
import { decodeMpJoin, writeMpJoin, type MpJoin } from './mptcp-join.js';
import { MPTCP_OPTION_KIND, MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

// The codec's public names, as before the split (the families' decoders and writers stay inside).
export type { AddAddr, MpPrio, RemoveAddr } from './mptcp-addresses.js';
export type { MpCapable, MpCapableAck, MpCapableAckData, MpCapableFlags, MpCapableSyn, MpCapableSynAck, MptcpDecodeContext } from './mptcp-capable.js';
export { TcpRstReason, tcpRstReasonName, type MpFail, type MpFastclose, type MpTcpRst, type MpTcpRstFlags } from './mptcp-close.js';
export type { Dss, DssMapping } from './mptcp-dss.js';
export type { MpJoin, MpJoinAck, MpJoinSyn, MpJoinSynAck } from './mptcp-join.js';
export { MPTCP_OPTION_KIND, MptcpSubtype, mptcpSubtypeName } from './mptcp-subtype.js';

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
  switch (sub) {
    case MptcpSubtype.MP_CAPABLE:
      return decodeMpCapable(b, base, context);
    case MptcpSubtype.MP_JOIN:
      return decodeMpJoin(b, base);
    case MptcpSubtype.DSS:
      return decodeDss(b, base);
    case MptcpSubtype.ADD_ADDR:
      return decodeAddAddr(b, base);
    case MptcpSubtype.REMOVE_ADDR:
      return decodeRemoveAddr(b, base);
    case MptcpSubtype.MP_PRIO:
      return decodeMpPrio(b, base);
    case MptcpSubtype.MP_FAIL:
      return decodeMpFail(b, base);
    case MptcpSubtype.MP_FASTCLOSE:
      return decodeMpFastclose(b, base);
    case MptcpSubtype.MP_TCPRST:
      return decodeMpTcpRst(b, base);
    default:
      return ok({ type: 'mptcp', subtype: 'unknown', subtypeNumber: sub, bits: low, data: b.slice(3) });
  }
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
  switch (o.subtype) {
    case 'mp_capable':
      writeMpCapable(w, o);
      break;
    case 'mp_join':
      writeMpJoin(w, o);
      break;
    case 'dss':
      writeDss(w, o);
      break;
    case 'add_addr':
      writeAddAddr(w, o);
      break;
    case 'remove_addr':
      writeRemoveAddr(w, o);
      break;
    case 'mp_prio':
      writeMpPrio(w, o);
      break;
    case 'mp_fail':
    case 'mp_fastclose':
      writeMpFailOrFastclose(w, o);
      break;
    case 'mp_tcprst':
      writeMpTcpRst(w, o);
      break;
    case 'unknown':
      writeSubtype(w, checkUint('MPTCP subtypeNumber', o.subtypeNumber, 15), checkUint('MPTCP bits', o.bits, 15));
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
