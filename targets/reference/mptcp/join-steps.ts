/**
 * The MP_JOIN handshake of one subflow (RFC 8684 §3.2) as steps (steps.ts):
 * join.ts decides whether the SYN/ACK's HMAC-B or the third ACK's HMAC-A is
 * good; this records the outcome in the subflow's SubflowMptcp and returns
 * what the Connection does (count and reset the subflow on a bad HMAC, tell
 * the application once the join is done). Apart from join.ts because that
 * file is imported by subflow-mptcp.ts, which the steps' view imports.
 */
import { TcpRstReason, type MptcpOption } from '../../../suites/mptcp/codec/index.js';
import { joinSynAckOutcome, joinThirdAckOutcome } from './join.js';
import { dropSubflow, tcpRst } from './resets.js';
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/** The SYN/ACK of our join SYN on `s` (join initiator): the subflow is reset unless its HMAC-B is good. */
export function* joinSynAck(v: InputView, s: Subflow, options: MptcpOption[], now: number): Steps {
  const out = joinSynAckOutcome(v, v.mp(s).nonceLocal, options);
  if (!out.ok) {
    yield { do: 'count', stat: 'joinSynAckHmacFailure' };
    yield* dropSubflow(v, s, out.reason, [tcpRst(TcpRstReason.MPTCP_SPECIFIC)]);
    return;
  }
  v.mp(s).synAckVerified(out.peer);
  s.ackPending = true; // the third ACK, with HMAC-A
  s.rtoDeadline = now + s.rto; // until the fourth ACK
}

/** The third ACK of a join on `s` (join listener): the subflow is reset unless its HMAC-A is good. */
export function* joinThirdAck(v: InputView, s: Subflow, options: MptcpOption[]): Steps {
  const out = joinThirdAckOutcome(v, { local: v.mp(s).nonceLocal, remote: v.mp(s).nonceRemote }, options, v.mode === 'mptcp');
  if (!out.ok) {
    yield { do: 'count', stat: 'joinAckHmacFailure' };
    yield* dropSubflow(v, s, out.reason, [tcpRst(TcpRstReason.MPTCP_SPECIFIC)]);
    return;
  }
  v.mp(s).thirdAckVerified();
  yield* joinDone(v, s);
  s.ackPending = true; // the fourth ACK
}

/** The join on `s` is done (the listener's third ACK, or the initiator's fourth): the application hears of the subflow. */
export function* joinDone(v: InputView, s: Subflow): Steps {
  if (!v.mp(s).finishJoin()) return;
  s.rtoDeadline = undefined;
  s.retries = 0;
  v.fb.allowInfinite = false;
  yield { do: 'event', event: { type: 'subflow-added', subflow: v.info(s) } };
}
