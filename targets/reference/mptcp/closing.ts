/**
 * How a connection ends (RFC 8684 §3.3.3, RFC 9293 §3.6): the peer's FIN on a
 * subflow (in MPTCP it ends that subflow only, the data stream ends with
 * DATA_FIN), a subflow that closed (its data goes on the others; the last one
 * closing before both streams ended resets the connection), and the check that
 * moves the state on once the streams end and the subflows are down. It moves
 * the lifecycle and queues the subflows' FINs itself, and returns the rest as
 * steps (steps.ts): events, the connection reset or closed.
 */
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/** The data-level octets a dead or closing subflow still owed go on the others. */
export function reinjectFrom(v: InputView, s: Subflow): void {
  if (v.mode !== 'mptcp') return;
  if (v.tx.reinjectChunks(s.unackedChunks()).reinjected) v.fb.allowInfinite = false;
}

/** After `s` moved on from the peer's FIN. */
export function* afterSubflowFin(v: InputView, s: Subflow): Steps {
  if (v.mode === 'mptcp') {
    // MPTCP: only this subflow ends (the data stream ends with DATA_FIN).
    const others = v.usable().filter((x) => x !== s);
    if ((v.rx.eof && v.tx.finAcked) || others.length > 0 || v.state === 'reset') {
      s.noNewData = true;
      if (others.length > 0) reinjectFrom(v, s);
      s.queueFin();
    }
  }
  yield* checkClose(v);
}

/** `s` entered TIME_WAIT or CLOSED. */
export function* subflowClosed(v: InputView, s: Subflow): Steps {
  const abnormal = s.closeReason !== undefined;
  if (v.mode === 'mptcp' && abnormal) reinjectFrom(v, s);
  if (v.mode === 'mptcp' || !s.initial) {
    const rst = s.closeRst ? { tcpRst: s.closeRst } : {};
    yield { do: 'event', event: { type: 'subflow-removed', subflow: v.info(s), reason: s.closeReason ?? 'closed', ...rst } };
  }
  if (v.state === 'reset' || v.state === 'closed') return;
  const open = v.subflows.filter((x) => !x.closed && x.state !== 'time-wait');
  if (open.length === 0 && !v.life.streamsDone(v.tx.finAcked, v.rx.eof)) {
    yield {
      do: 'reset-connection',
      reason: s.closeReason ?? 'all subflows closed before the end of the data',
      extra: s.closeRst ? { tcpRst: s.closeRst } : {},
    };
    return;
  }
  yield* checkClose(v);
}

/** Moves the state on as the streams end; queues the subflows' FINs once both DATA_FINs went through; closes when all are down. */
export function* checkClose(v: InputView): Steps {
  const { life, tx, rx } = v;
  if (life.over) return;
  if (tx.shutdownRequested || rx.eof) life.on('ending');
  if (v.mode === 'mptcp' && tx.finAcked && rx.eof) {
    for (const s of v.subflows) if (!s.closed && !s.finQueued && s.synchronized) s.queueFin();
  }
  const allDown = v.subflows.every((s) => s.closed || s.state === 'time-wait');
  if (allDown && v.subflows.length > 0 && life.streamsDone(tx.finAcked, rx.eof) && life.on('all-down')) yield { do: 'closed' };
}
