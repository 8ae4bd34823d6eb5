/**
 * How a connection's subflows end abnormally, and when that ends the
 * connection: a RST from the peer (with MP_TCPRST, MP_FASTCLOSE or MP_FAIL),
 * a subflow that gave up retransmitting, one we reset ourselves (a failed
 * join, a checksum failure, a removed address), MP_FASTCLOSE in an ACK, and
 * the application's abort (RFC 8684 §3.5, §3.6). It decides and returns what
 * the Connection does, one step at a time and in order (a step that resets a
 * subflow changes what the next one sees): reset or close a subflow, reset
 * the connection, count.
 */
import { TcpRstReason, type MptcpOption } from '../../../suites/mptcp/codec/index.js';
import type { ParsedOptions } from './subflow-owner.js';
import type { Subflow } from './subflow.js';
import type { ConnectionMode } from './option-builder.js';
import type { ConnectionState, HostStats, TcpRstInfo } from './types.js';

/** One thing for the Connection to do. */
export type ResetEffect =
  /** RST on `s` (with these options); `rst` is the MP_TCPRST it carries, for the subflow's record. */
  | { do: 'reset-subflow'; s: Subflow; reason: string; options: MptcpOption[]; rst?: TcpRstInfo }
  /** `s` was reset by the peer: it is closed, nothing is sent. */
  | { do: 'close-subflow'; s: Subflow; reason: string; rst: TcpRstInfo | undefined }
  /** The connection is reset (once: later ones do nothing). */
  | { do: 'reset-connection'; reason: string; extra: { tcpRst?: TcpRstInfo; fastclose?: boolean } }
  | { do: 'count'; stat: keyof HostStats };

/** What this reads of the connection, at the moment it reads it. */
export interface ResetView {
  mode: ConnectionMode;
  state: ConnectionState;
  localKey: bigint;
  remoteKey: bigint | undefined;
  /** Its subflows, in the order they were made. */
  subflows: readonly Subflow[];
  /** Its subflows not closed, but `except` (now). */
  live(except?: Subflow): Subflow[];
}

type Steps = Generator<ResetEffect, void, void>;

/** An MP_TCPRST option (§3.6). */
export const tcpRst = (reason: number, transient = false): MptcpOption => ({
  type: 'mptcp',
  subtype: 'mp_tcprst',
  flags: { U: false, V: false, W: false, T: transient },
  reason,
});

/** The application resets the connection: RST on every subflow, with MP_FASTCLOSE when MPTCP is in use (§3.5). */
export function* abort(v: ResetView): Steps {
  if (v.state === 'closed' || v.state === 'reset') return;
  const fast = v.mode === 'mptcp' && v.remoteKey !== undefined;
  const live = v.live();
  yield { do: 'reset-connection', reason: fast ? 'aborted locally (MP_FASTCLOSE sent)' : 'aborted locally', extra: { fastclose: fast } };
  for (const s of live) {
    const options: MptcpOption[] = [];
    if (fast) {
      options.push({ type: 'mptcp', subtype: 'mp_fastclose', receiverKey: v.remoteKey! });
      options.push(tcpRst(TcpRstReason.UNSPECIFIED));
      yield { do: 'count', stat: 'fastcloseSent' };
      yield { do: 'count', stat: 'mpTcpRstSent' };
    }
    yield { do: 'count', stat: 'resetsSent' };
    yield { do: 'reset-subflow', s, reason: 'aborted locally', options };
  }
}

/** MP_FASTCLOSE in an ACK on `s`: the connection is reset, every subflow with it. */
export function* onFastclose(v: ResetView, s: Subflow): Steps {
  yield { do: 'count', stat: 'fastcloseReceived' };
  yield { do: 'reset-connection', reason: 'MP_FASTCLOSE received', extra: { fastclose: true } };
  for (const x of [...v.subflows]) {
    if (x.closed || x === s) continue;
    yield { do: 'count', stat: 'resetsSent' };
    yield { do: 'reset-subflow', s: x, reason: 'MP_FASTCLOSE received', options: [] };
  }
  if (!s.closed) {
    yield { do: 'count', stat: 'resetsSent' };
    yield { do: 'reset-subflow', s, reason: 'MP_FASTCLOSE received', options: [] };
  }
}

/** A RST arrived on `s`: the subflow ends; the connection too when it was plain TCP, the last subflow, or its handshake. */
export function* subflowReset(v: ResetView, s: Subflow, reason: string, opts: ParsedOptions): Steps {
  const rstOpt = opts.mptcp.find((o) => o.subtype === 'mp_tcprst');
  const rst: TcpRstInfo | undefined = rstOpt && rstOpt.subtype === 'mp_tcprst' ? { reason: rstOpt.reason, transient: rstOpt.flags.T } : undefined;
  const fast = opts.mptcp.find((o) => o.subtype === 'mp_fastclose');
  if (fast && fast.subtype === 'mp_fastclose' && fast.receiverKey === v.localKey && v.mode === 'mptcp') {
    yield { do: 'count', stat: 'fastcloseReceived' };
    yield { do: 'reset-connection', reason: 'MP_FASTCLOSE received', extra: { fastclose: true } };
    yield { do: 'close-subflow', s, reason: 'MP_FASTCLOSE received', rst };
    for (const x of [...v.subflows]) {
      if (x.closed) continue;
      yield { do: 'count', stat: 'resetsSent' };
      yield { do: 'reset-subflow', s: x, reason: 'MP_FASTCLOSE received', options: [] };
    }
    return;
  }
  if (opts.mptcp.some((o) => o.subtype === 'mp_fail')) yield { do: 'count', stat: 'mpFailReceived' };
  const text = rst ? `${reason} (MP_TCPRST reason ${rst.reason})` : reason;
  const others = v.live(s);
  yield { do: 'close-subflow', s, reason: text, rst };
  if (v.mode !== 'mptcp' || others.length === 0 || (s.initial && v.state === 'connecting')) {
    for (const x of others) yield { do: 'reset-subflow', s: x, reason: 'connection reset', options: [] };
    yield { do: 'reset-connection', reason: text, extra: rst ? { tcpRst: rst } : {} };
  }
}

/** `s` gave up (retransmission timeout): reset it, and the connection when it was plain TCP or the last subflow. */
export function* subflowFailed(v: ResetView, s: Subflow, reason: string): Steps {
  const others = v.live(s);
  yield { do: 'count', stat: 'resetsSent' };
  yield { do: 'reset-subflow', s, reason, options: v.mode === 'mptcp' ? [tcpRst(TcpRstReason.UNSPECIFIED)] : [] };
  if (v.mode !== 'mptcp' || others.length === 0) {
    for (const x of others) yield { do: 'reset-subflow', s: x, reason, options: [] };
    yield { do: 'reset-connection', reason, extra: {} };
  }
}

/** We reset `s` (with MPTCP options), keeping the connection when others are left. */
export function* dropSubflow(v: ResetView, s: Subflow, reason: string, options: MptcpOption[]): Steps {
  yield { do: 'count', stat: 'resetsSent' };
  if (options.some((o) => o.subtype === 'mp_tcprst')) yield { do: 'count', stat: 'mpTcpRstSent' };
  const others = v.subflows.filter((x) => x !== s && !x.closed && x.synchronized);
  const rstOpt = options.find((o) => o.subtype === 'mp_tcprst');
  yield {
    do: 'reset-subflow',
    s,
    reason,
    options,
    ...(rstOpt && rstOpt.subtype === 'mp_tcprst' ? { rst: { reason: rstOpt.reason, transient: rstOpt.flags.T } } : {}),
  };
  if (s.initial && others.length === 0 && v.state !== 'reset') yield { do: 'reset-connection', reason, extra: {} };
}
