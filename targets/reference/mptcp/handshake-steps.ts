/**
 * The first subflow's handshake as steps (steps.ts): handshake.ts decides
 * what each MP_CAPABLE segment settles (Negotiation); this moves the mode and
 * the state, opens the send window, and returns what the Connection does
 * (register our token, the implicit mapping of data in the third ACK, queue
 * the connection for accept(), tell the application it is connected). Apart
 * from handshake.ts because that file is imported by steps.ts.
 */
import type { MptcpOption, TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { noteFallback } from './fallback-steps.js';
import type { Negotiated } from './handshake.js';
import { implicitMapping } from './incoming-options.js';
import { optionSteps } from './options-in.js';
import { subflowData } from './receive-path.js';
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/** What a segment of the MP_CAPABLE handshake decided (handshake.ts). */
export function* negotiated(v: InputView, n: Negotiated): Steps {
  if (n.do === 'keyed') yield { do: 'register-token' };
  else if (n.do === 'mptcp') v.life.modeOn('negotiated');
  else if (n.do === 'fall-back') yield* noteFallback(v, n.reason);
  else if (n.do === 'plain-tcp') {
    v.life.modeOn('fall-back');
    v.fb.note(n.reason);
  }
}

/** Our SYN/ACK on the first subflow `s` was answered (listener side): the third ACK `seg`, with its MPTCP options. */
export function* thirdAck(v: InputView, s: Subflow, seg: TcpSegment, options: MptcpOption[], now: number): Steps {
  if (v.mode === 'pending') {
    const n = v.hs.onThirdAck(options, seg.payload.length > 0);
    yield* negotiated(v, n);
    if (n.do === 'mptcp' && n.data) yield* optionSteps(v, s, implicitMapping(v.hs, n.data), now);
    // A DSS with a data ACK at once, so that the initiator knows its key arrived (fully established, §3.1).
    else if (n.do === 'mptcp') s.ackPending = true;
  }
  const synData = s.synData;
  if (synData) {
    // A fast open SYN's data (RFC 8684 Appendix B.2): implicitly mapped at the start of the data stream, now that the key is known.
    s.synData = undefined;
    // (Added as of subflow octet 1: the subflow's rcvNxt is past them already, since the SYN/ACK acknowledged them.)
    if (v.mode === 'mptcp') v.mp(s).rx.add({ ssn: 1, subLen: synData.length, dataOff: 0, dataLevelLength: synData.length, dataFin: false }, 1);
    yield* subflowData(v, s, 1, synData);
  }
  v.tx.openWindow(s.sndWnd);
  v.life.on('handshake-done');
  yield { do: 'accept' };
}

/** The SYN/ACK of our SYN on the first subflow `s`, with its MPTCP options. */
export function* synAck(v: InputView, s: Subflow, options: MptcpOption[]): Steps {
  if (v.mode === 'pending') yield* negotiated(v, v.hs.onSynAck(options));
  v.tx.openWindow(s.sndWnd);
  v.life.on('handshake-done');
  s.ackPending = true; // the third ACK
  yield { do: 'event', event: { type: 'connected' } };
}

/** Our SYN on `s` went out again, `retries` times: past `limit`, the next goes without MP_CAPABLE (a fallback, §3.7). */
export function* synRetransmit(v: InputView, s: Subflow, retries: number, limit: number | null): Steps {
  if (s.initial && v.role === 'client' && v.mode === 'pending' && limit !== null && retries > limit && !v.fb.synWithoutMpc) {
    v.fb.synWithoutMpc = true;
    yield* noteFallback(v, `no answer to ${retries - 1} SYNs with MP_CAPABLE: the next SYN goes without it`);
  }
}
