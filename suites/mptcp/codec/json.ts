/**
 * A JSON view of decoded structures, for people and for tools (the `mptcp`
 * command prints it). The rules, the same everywhere:
 *
 * - byte strings (HMACs, payloads, unknown option data, IP options, padding):
 *   lowercase hex, no separators;
 * - 64-bit values (keys, DSNs, data ACKs, IDSNs): lowercase hex, always 16
 *   digits, even when the wire carried only 32 bits (see dsn64/dataAck64);
 * - 32-bit identifiers (MP_JOIN tokens and nonces): lowercase hex, 8 digits;
 * - checksums: lowercase hex, 4 digits;
 * - every other number (ports, sequence numbers, lengths, ids, reason codes):
 *   a JSON number;
 * - MP_TCPRST gets a `reasonName` beside its `reason` code.
 */
import { hex64, hexN, toHex } from './bytes.js';
import { tcpRstReasonName } from './mptcp-options.js';

const HEX8_KEYS = new Set(['token', 'nonce']);
const HEX4_KEYS = new Set(['checksum', 'expected']);

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function toJson(value: unknown, key = ''): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return hex64(value);
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'number') {
    if (HEX8_KEYS.has(key)) return hexN(value, 8);
    if (HEX4_KEYS.has(key)) return hexN(value, 4);
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = toJson(v, k);
      if (k === 'reason' && typeof v === 'number' && (value as { subtype?: unknown }).subtype === 'mp_tcprst') out.reasonName = tcpRstReasonName(v);
    }
    return out;
  }
  return String(value);
}
