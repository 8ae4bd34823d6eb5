/**
 * A subflow's TCP states (RFC 9293 §3.3.2) in one table-like place: what each
 * state allows, and where the FINs move it. The Subflow looks its next state
 * up here and applies it (entering TIME_WAIT or CLOSED starts or stops its
 * timers).
 */
import type { SubflowState } from './types.js';

type States = ReadonlySet<SubflowState>;

/** Both SYNs were exchanged. */
export const SYNCHRONIZED: States = new Set(['established', 'fin-wait-1', 'fin-wait-2', 'closing', 'time-wait', 'close-wait', 'last-ack']);
/** The peer may still send data. */
export const CAN_RECEIVE: States = new Set(['established', 'fin-wait-1', 'fin-wait-2']);
/** New data may be queued. */
export const CAN_SEND: States = new Set(['established', 'close-wait']);
/** Queued data and our FIN may (still) go out. */
export const MAY_OUTPUT: States = new Set(['established', 'close-wait', 'fin-wait-1', 'closing', 'last-ack']);
/** The peer's FIN was received in order. */
export const PEER_FIN_RECEIVED: States = new Set(['close-wait', 'closing', 'time-wait', 'last-ack']);

type Moves = Readonly<Partial<Record<SubflowState, SubflowState>>>;

/** Our FIN went out. */
export const ON_FIN_SENT: Moves = { established: 'fin-wait-1', 'close-wait': 'last-ack' };
/** The peer acknowledged our FIN. */
export const ON_FIN_ACKED: Moves = { 'fin-wait-1': 'fin-wait-2', closing: 'time-wait', 'last-ack': 'closed' };
/** The peer's FIN arrived in order (in FIN-WAIT-1 when our FIN is not acknowledged yet; once it is, TIME-WAIT). */
export const ON_PEER_FIN: Moves = { established: 'close-wait', 'fin-wait-1': 'closing', 'fin-wait-2': 'time-wait' };
