/**
 * A connection's state (connecting, established, closing, closed, reset) and
 * mode (pending, MPTCP, TCP), with every move between them in two tables, as
 * h11 keeps its states: the Connection says what happened, the tables say
 * where that leads, and a move the tables do not list does not happen. The
 * Connection does what a move entails (events, the token table, timers).
 */
import type { ConnectionMode } from './option-builder.js';
import type { ConnectionState } from './types.js';

/** What moves the state. */
export type StateEvent =
  /** The first subflow's handshake completed. */
  | 'handshake-done'
  /** This end shut its sending side down, or the peer's stream ended. */
  | 'ending'
  /** Every subflow is closed or in TIME_WAIT, and both streams ended. */
  | 'all-down'
  | 'reset';

/** What moves the mode. */
export type ModeEvent =
  /** MP_CAPABLE went through (SYN/ACK or third ACK). */
  | 'negotiated'
  /** The SYN, SYN/ACK or third ACK refused MPTCP, or the connection fell back (§3.7). */
  | 'fall-back';

type Table<S extends string, E extends string> = Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>;

export const STATE_MOVES: Table<ConnectionState, StateEvent> = {
  connecting: { 'handshake-done': 'established', 'all-down': 'closed', reset: 'reset' },
  established: { ending: 'closing', 'all-down': 'closed', reset: 'reset' },
  closing: { 'all-down': 'closed', reset: 'reset' },
  closed: {},
  reset: {},
};

export const MODE_MOVES: Table<ConnectionMode, ModeEvent> = {
  pending: { negotiated: 'mptcp', 'fall-back': 'tcp' },
  mptcp: { 'fall-back': 'tcp' },
  tcp: { 'fall-back': 'tcp' },
};

export class Lifecycle {
  state: ConnectionState = 'connecting';
  mode: ConnectionMode;
  /** Why the connection was reset, when it was. */
  resetReason: string | undefined;

  /** `mptcp`: the connection asks for MPTCP (pending until the handshake says). */
  constructor(mptcp: boolean) {
    this.mode = mptcp ? 'pending' : 'tcp';
  }

  /** Closed or reset: nothing moves any more. */
  get over(): boolean {
    return this.state === 'closed' || this.state === 'reset';
  }

  /** Moves the state on `e`; true when it moved. */
  on(e: StateEvent): boolean {
    const next = STATE_MOVES[this.state][e];
    if (next === undefined) return false;
    this.state = next;
    return true;
  }

  /** Resets with `reason`; true the first time. */
  reset(reason: string): boolean {
    if (!this.on('reset')) return false;
    this.resetReason = reason;
    return true;
  }

  /** Moves the mode on `e`. */
  modeOn(e: ModeEvent): void {
    this.mode = MODE_MOVES[this.mode][e] ?? this.mode;
  }

  /** Both streams ended: what lets the subflows all go (the DATA_FINs acknowledged in MPTCP, the peer's FIN in TCP). */
  streamsDone(ourFinAcked: boolean, peerEnded: boolean): boolean {
    return this.mode === 'mptcp' ? ourFinAcked && peerEnded : peerEnded;
  }
}
