/**
 * The input side of a Subflow, decided in one place: what an arriving segment
 * is to the subflow, in the order of RFC 9293 §3.10.7 (the SYN-SENT checks,
 * then sequence acceptability, RST, SYN, ACK). A pure function of the segment
 * and what the subflow has seen; the Subflow applies the verdict (its
 * handshake, its ACK processing, data and FIN), and its output is elsewhere.
 */
import type { TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { unwrap32 } from './seq.js';
import type { SubflowState } from './types.js';

/** What the checks read of the subflow (relative sequence numbers, seq.ts). */
export interface Receiving {
  readonly state: SubflowState;
  readonly isn: number;
  readonly irs: number;
  readonly rcvNxt: number;
  readonly sndUna: number;
  readonly sndMax: number;
  /** The right edge last advertised (octets from rcvNxt). */
  readonly lastAdvWindow: number;
}

/** What the subflow does with a segment. */
export type Arrival =
  /** Dropped without an answer. */
  | { do: 'ignore' }
  /** Not for this subflow: a RST answers it (RFC 9293 §3.10.7.1). */
  | { do: 'answer-with-reset' }
  /** The peer reset the subflow (or refused our SYN). */
  | { do: 'reset'; reason: string }
  /** Out of the window, a challenge ACK (RFC 5961), a SYN in a synchronized state: an ACK at once (and TIME_WAIT again on a FIN). */
  | { do: 'ack-now'; restartTimeWait: boolean }
  /** The SYN again (listener side): our SYN/ACK was lost. */
  | { do: 'syn-again' }
  /** The SYN/ACK of our SYN. */
  | { do: 'syn-ack' }
  /** An acceptable segment with an ACK (relative `seq` and `ack`); `handshake` when it completes our SYN/ACK's handshake. */
  | { do: 'process'; seq: number; ack: number; handshake: boolean };

const IGNORE: Arrival = { do: 'ignore' };

/**
 * What `seg` is to a subflow in `r`'s state. `receiveWindow` is asked only
 * where the window matters (the acceptability test), as the RFC orders it.
 */
export function arrival(r: Receiving, seg: TcpSegment, receiveWindow: () => number): Arrival {
  const f = seg.flags;
  if (r.state === 'closed') return IGNORE;
  if (r.state === 'syn-sent') return synSentArrival(r, seg);

  const segLen = seg.payload.length + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
  const seq = unwrap32(r.irs, seg.seq, r.rcvNxt);
  if (r.state === 'syn-received' && f.syn && !f.ack && !f.rst) return seq === 0 ? { do: 'syn-again' } : IGNORE;

  // 1. Sequence number acceptability.
  const window = Math.max(r.lastAdvWindow, 65535, receiveWindow());
  const acceptable = segLen === 0 ? seq >= r.rcvNxt && seq <= r.rcvNxt + window : seq + segLen > r.rcvNxt && seq < r.rcvNxt + window;
  if (!acceptable) return f.rst ? IGNORE : { do: 'ack-now', restartTimeWait: r.state === 'time-wait' && !!f.fin };
  // 2. RST: in the window but not at rcvNxt, a challenge ACK (RFC 5961).
  if (f.rst) return seq === r.rcvNxt || r.state === 'syn-received' ? { do: 'reset', reason: 'reset by peer' } : { do: 'ack-now', restartTimeWait: false };
  // 3. SYN in a synchronized state: challenge ACK (RFC 5961 §4).
  if (f.syn) return { do: 'ack-now', restartTimeWait: false };
  // 4. ACK.
  if (!f.ack) return IGNORE;
  const ack = unwrap32(r.isn, seg.ack, r.sndUna);
  if (r.state === 'syn-received') {
    if (ack < 1 || ack > r.sndMax) return { do: 'answer-with-reset' };
    return { do: 'process', seq, ack, handshake: true };
  }
  if (ack > r.sndMax) return { do: 'ack-now', restartTimeWait: false };
  return { do: 'process', seq, ack, handshake: false };
}

/** In SYN-SENT only the SYN/ACK of our SYN counts; a RST counts when it acknowledges the SYN. */
function synSentArrival(r: Receiving, seg: TcpSegment): Arrival {
  const f = seg.flags;
  let ackOk = false;
  if (f.ack) {
    if (unwrap32(r.isn, seg.ack, 1) !== 1) return f.rst ? IGNORE : { do: 'answer-with-reset' };
    ackOk = true;
  }
  if (f.rst) return ackOk ? { do: 'reset', reason: 'connection refused' } : IGNORE;
  // Simultaneous open is not supported: a bare SYN is ignored.
  return f.syn && ackOk ? { do: 'syn-ack' } : IGNORE;
}
