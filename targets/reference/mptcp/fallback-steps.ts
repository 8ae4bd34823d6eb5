/**
 * The fallback to TCP (RFC 8684 §3.7) as steps (steps.ts): fallback.ts says
 * whether a fallback is possible and keeps why it happened; this moves the
 * mode, hands the octets gathered for an unchecked mapping to the data level,
 * and returns what the Connection does (count, free the token, tell the
 * application, end the data stream on a FIN that came while MPTCP was in use).
 * Apart from fallback.ts because that file is imported by steps.ts.
 */
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/** Falls back to TCP (§3.7), for good; the first reason counts. */
export function* noteFallback(v: InputView, reason: string): Steps {
  if (!v.fb.note(reason)) return;
  v.life.modeOn('fall-back');
  yield { do: 'count', stat: 'fallbacks' };
  yield { do: 'forget-token' };
  yield { do: 'event', event: { type: 'fallback', reason } };
}

/** Falls back an established MPTCP connection on its single subflow `s`; `rxDelta` maps the subflow's sequence to the data level. */
export function* fallBack(v: InputView, s: Subflow, reason: string, rxDelta: number): Steps {
  if (v.mode !== 'mptcp') return;
  // Octets gathered for a mapping not yet checked go through as they are.
  for (const p of v.mp(s).rx.fallBack(rxDelta)) yield { do: 'deliver', off: p.off, data: p.data };
  v.tx.dropReinjections();
  yield* noteFallback(v, reason);
  // From now on the subflow's ACKs are the data ACKs: what it acknowledged already (released from it while the connection
  // was MPTCP, as the ACK that showed the fallback may have done, or one before an MP_FAIL) is acknowledged at the data
  // level too, or the send buffer would keep it for ever when nothing follows it.
  const acked = v.mp(s).ackedDataEnd;
  if (acked !== undefined) yield { do: 'data-ack', ackOff: acked, window: 0 };
  // A FIN that came while MPTCP was in use ends the data stream now.
  if (s.peerFinReceived && v.rx.finOffset === undefined) yield { do: 'stream-end' };
}
