/**
 * A connection's fallback to TCP (RFC 8684 §3.7) and MP_FAIL: whether a
 * fallback is still possible, why it happened, the infinite mapping still to
 * send, and the data ACKs that go on after a DSS checksum failure until the
 * peer answers. It owns that state and answers with what the Connection is
 * to do (which falls back, counts and raises the events).
 */
import type { MptcpOption } from '../../../suites/mptcp/codec/index.js';
import type { ConnectionMode } from './option-builder.js';

/** What an MP_FAIL from the peer asks of the Connection. */
export type MpFailAnswer =
  /** The answer to our own MP_FAIL: nothing more. */
  | 'answered'
  /** Several subflows: nothing (the peer resets the subflow). */
  | 'ignore'
  /** MP_FAIL back and the infinite mapping, and TCP from here on. */
  | 'fall-back';

export class Fallback {
  /** Set once the connection fell back to TCP, with why. */
  info: { reason: string } | undefined;
  /** At most one subflow so far and no data-level retransmission: a fallback to TCP is possible (§3.7). */
  allowInfinite = true;
  /** The SYN goes without MP_CAPABLE from now on (blackhole fallback). */
  synWithoutMpc = false;
  /** The next DSS with data carries the infinite mapping (§3.7). */
  infiniteMapPending = false;
  /** After a fallback caused by a checksum failure: keep sending data ACKs until the peer's answer. */
  dataAcks = false;
  private mpFailSent = false;

  /** The connection falls back for good: true the first time (the Connection then tells everyone). */
  note(reason: string): boolean {
    if (this.info) return false;
    this.info = { reason };
    return true;
  }

  /** A fallback is possible on subflow `initial` with `open` subflows not closed. */
  possible(initial: boolean, open: number): boolean {
    return this.allowInfinite && initial && open === 1;
  }

  /** Octets of options every data segment may carry in `mode` (the payload is that much smaller). */
  optionOverhead(mode: ConnectionMode, remoteKeyKnown: boolean): number {
    if (mode !== 'tcp' || this.infiniteMapPending) return 28;
    // After a checksum failure, data still carries a data ACK (DSS, 12 octets) until the peer answers.
    return this.dataAcks && remoteKeyKnown ? 12 : 0;
  }

  /** MPTCP options on a connection that fell back: the peer's answer to our MP_FAIL ends our data ACKs. Returns what to count. */
  afterFallback(options: readonly MptcpOption[]): { infiniteMapReceived: number; mpFailReceived: number } {
    const counts = { infiniteMapReceived: 0, mpFailReceived: 0 };
    if (!this.dataAcks) return counts;
    for (const o of options) {
      const infinite = o.subtype === 'dss' && o.mapping !== undefined && o.mapping.dataLevelLength === 0;
      if (infinite || o.subtype === 'mp_fail') this.dataAcks = false;
      if (infinite) counts.infiniteMapReceived++;
      if (o.subtype === 'mp_fail') counts.mpFailReceived++;
    }
    return counts;
  }

  /** Our DSS checksum failed on a single subflow: MP_FAIL goes out, and data ACKs until the peer answers. */
  checksumFailed(): void {
    this.mpFailSent = true;
    this.dataAcks = true;
  }

  /** The peer's MP_FAIL, where a fallback is `possible` or not. */
  onMpFail(possible: boolean): MpFailAnswer {
    if (this.mpFailSent) {
      this.dataAcks = false;
      return 'answered';
    }
    if (!possible) return 'ignore';
    this.infiniteMapPending = true;
    return 'fall-back';
  }
}
