/**
 * The options that end things (RFC 8684 §3.5–§3.7): MP_FAIL, MP_FASTCLOSE and
 * MP_TCPRST with its reason codes, their decoders and their encoders.
 */
import { checkUint, checkUint64, u64, type ByteWriter } from './bytes.js';
import { ok, type DecodeResult } from './errors.js';
import { badLength, MptcpSubtype, writeSubtype } from './mptcp-subtype.js';

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

/** Decodes an MP_FAIL option (`b` from its kind byte). */
export function decodeMpFail(b: Uint8Array, base: number): DecodeResult<MpFail> {
  if (b.length !== 12) return badLength(MptcpSubtype.MP_FAIL, b.length, base, '12');
  return ok({ type: 'mptcp', subtype: 'mp_fail', dsn: u64(b, 4), reserved: ((b[2]! & 0x0f) << 8) | b[3]! });
}

/** Decodes an MP_FASTCLOSE option (`b` from its kind byte). */
export function decodeMpFastclose(b: Uint8Array, base: number): DecodeResult<MpFastclose> {
  if (b.length !== 12) return badLength(MptcpSubtype.MP_FASTCLOSE, b.length, base, '12');
  return ok({ type: 'mptcp', subtype: 'mp_fastclose', receiverKey: u64(b, 4), reserved: ((b[2]! & 0x0f) << 8) | b[3]! });
}

/** Decodes an MP_TCPRST option (`b` from its kind byte). */
export function decodeMpTcpRst(b: Uint8Array, base: number): DecodeResult<MpTcpRst> {
  const low = b[2]! & 0x0f;
  if (b.length !== 4) return badLength(MptcpSubtype.MP_TCPRST, b.length, base, '4');
  return ok({
    type: 'mptcp',
    subtype: 'mp_tcprst',
    flags: { U: (low & 0x8) !== 0, V: (low & 0x4) !== 0, W: (low & 0x2) !== 0, T: (low & 0x1) !== 0 },
    reason: b[3]!,
  });
}

/** Writes an MP_FAIL or MP_FASTCLOSE option after its kind and length (the same shape: 12 reserved bits and 64 bits). */
export function writeMpFailOrFastclose(w: ByteWriter, o: MpFail | MpFastclose): void {
  const r = checkUint(`${o.subtype} reserved`, o.reserved ?? 0, 0xfff);
  writeSubtype(w, o.subtype === 'mp_fail' ? MptcpSubtype.MP_FAIL : MptcpSubtype.MP_FASTCLOSE, r >> 8);
  w.u8(r & 0xff);
  w.u64(o.subtype === 'mp_fail' ? checkUint64('MP_FAIL dsn', o.dsn) : checkUint64('MP_FASTCLOSE receiverKey', o.receiverKey));
}

/** Writes an MP_TCPRST option after its kind and length. */
export function writeMpTcpRst(w: ByteWriter, o: MpTcpRst): void {
  writeSubtype(w, MptcpSubtype.MP_TCPRST, (o.flags.U ? 8 : 0) | (o.flags.V ? 4 : 0) | (o.flags.W ? 2 : 0) | (o.flags.T ? 1 : 0));
  w.u8(checkUint('MP_TCPRST reason', o.reason, 255));
}
