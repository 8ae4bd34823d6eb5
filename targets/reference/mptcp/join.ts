/**
 * The decisions of the MP_JOIN handshake (RFC 8684 §3.2) and of the address
 * ids a join announces, in one place. Pure functions of the options received,
 * the keys and the nonces: each returns what the join learnt, or why the
 * subflow goes (the Connection resets it, counts it and says so).
 */
import { joinAckHmac, joinSynAckHmac, type MpJoin, type MptcpOption } from '../../../suites/mptcp/codec/index.js';

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The connection's keys as a join sees them (the remote key is known once MP_CAPABLE went through). */
export interface JoinKeys {
  localKey: bigint;
  remoteKey: bigint | undefined;
}

/** What a join's SYN/ACK or third ACK decides: the peer's side of the join, or why the subflow is reset. */
export type JoinOutcome<T> = { ok: true; peer: T } | { ok: false; reason: string };

/** The peer's side of a join, from its SYN or SYN/ACK. */
export interface JoinPeer {
  nonce: number;
  addressId: number;
  backup: boolean;
}

/** The SYN/ACK of our join SYN (join initiator): its MP_JOIN with a good HMAC-B, or why not. */
export function joinSynAckOutcome(keys: JoinKeys, nonceLocal: number, options: MptcpOption[]): JoinOutcome<JoinPeer> {
  const j = options.find((o): o is MpJoin & { form: 'syn-ack' } => o.subtype === 'mp_join' && o.form === 'syn-ack');
  const expected = j && joinSynAckHmac({ keyA: keys.localKey, keyB: keys.remoteKey!, nonceA: nonceLocal, nonceB: j.nonce });
  if (!j || !expected || !sameBytes(j.hmac, expected)) return { ok: false, reason: j ? 'MP_JOIN SYN/ACK with a bad HMAC' : 'SYN/ACK without MP_JOIN' };
  return { ok: true, peer: { nonce: j.nonce, addressId: j.addressId, backup: j.backup } };
}

/** The third ACK of a join (join listener): an MP_JOIN with a good HMAC-A on an MPTCP connection, or why not. */
export function joinThirdAckOutcome(keys: JoinKeys, nonces: { local: number; remote: number }, options: MptcpOption[], mptcp: boolean): JoinOutcome<undefined> {
  const j = options.find((o): o is MpJoin & { form: 'ack' } => o.subtype === 'mp_join' && o.form === 'ack');
  const expected = joinAckHmac({ keyA: keys.remoteKey!, keyB: keys.localKey, nonceA: nonces.remote, nonceB: nonces.local });
  if (!j || !sameBytes(j.hmac, expected) || !mptcp) return { ok: false, reason: j ? 'MP_JOIN third ACK with a bad HMAC' : 'third ACK without MP_JOIN' };
  return { ok: true, peer: undefined };
}

/** Our address id for a local address: 0 for that of the first subflow, else its place among the host's addresses (255 when unknown). */
export function addressIdFor(address: string, firstLocal: string | undefined, hostAddresses: readonly string[]): number {
  if (firstLocal === undefined || firstLocal === address) return 0;
  const i = hostAddresses.indexOf(address);
  return i >= 0 ? i + 1 : 255;
}

/**
 * Throws (an Error, as the API's refusals) when a join cannot go from `local` to `remote`: the local address must be
 * ours, and of the remote's family (the peer may announce an address of the other family with ADD_ADDR, and a
 * subflow between two families cannot even be sent).
 */
export function assertJoinAddresses(local: string, remote: string, isLocal: boolean): void {
  if (!isLocal) throw new Error(`${local} is not an address of this host`);
  if (local.includes(':') !== remote.includes(':')) throw new Error(`no subflow from ${local} to ${remote}: the address families differ`);
}
