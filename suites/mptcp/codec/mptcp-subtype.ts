/**
 * What every MPTCP option shares (RFC 8684 §3, Figure 3): TCP option kind 30
 * and the subtype in the high nibble of byte 2; the subtypes' numbers and
 * names, and the pieces the option families' decoders and encoders share.
 */
import type { ByteWriter } from './bytes.js';
import { fail, type DecodeError } from './errors.js';

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

const SUBTYPE_NAMES = ['MP_CAPABLE', 'MP_JOIN', 'DSS', 'ADD_ADDR', 'REMOVE_ADDR', 'MP_PRIO', 'MP_FAIL', 'MP_FASTCLOSE', 'MP_TCPRST'];

/** The RFC's name of a subtype number ("MP_JOIN"), or "subtype 0xN". */
export function mptcpSubtypeName(n: number): string {
  return SUBTYPE_NAMES[n] ?? (n === 0xf ? 'MP_EXPERIMENTAL' : `subtype 0x${n.toString(16)}`);
}

/** The decode error of option `sub` whose length `len` is none of the `expected` ones (`base`: the offset of its kind byte). */
export function badLength(sub: number, len: number, base: number, expected: string): { ok: false; error: DecodeError } {
  return fail('bad-length', base + 1, `${mptcpSubtypeName(sub)} option length ${len} is not one of ${expected}`);
}

/** Writes byte 2 of an option: subtype `n` in the high nibble, `lowBits` in the low one. */
export function writeSubtype(w: ByteWriter, n: number, lowBits: number): void {
  w.u8((n << 4) | (lowBits & 0x0f));
}
