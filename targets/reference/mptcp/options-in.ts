/**
 * What the Connection does for each thing the MPTCP options of an incoming
 * segment do (incoming-options.ts reads the options and returns an
 * OptionEffect per thing, in order): the option dispatch, as steps
 * (steps.ts). Data ACKs and mappings go to the data level, ADD_ADDR and
 * REMOVE_ADDR to addresses.ts, MP_FASTCLOSE and the subflow resets to
 * resets.ts; MP_FAIL, an infinite mapping and options removed on the path
 * (§3.7) fall back or reset the subflow.
 */
import { TcpRstReason, type MptcpOption, type TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { fallBack } from './fallback-steps.js';
import { readSegmentOptions, type IncomingView, type OptionEffect } from './incoming-options.js';
import { joinDone } from './join-steps.js';
import { dropSubflow, onFastclose, tcpRst } from './resets.js';
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/**
 * The MPTCP options of an acceptable segment on `s`, an established subflow of
 * an MPTCP connection, before its data: their effects in order, each one's
 * steps, until the subflow closes or MPTCP ends.
 */
export function* segmentOptions(
  v: InputView,
  s: Subflow,
  seg: TcpSegment,
  options: readonly MptcpOption[],
  newlyAcked: number,
  hadMptcp: boolean,
  now: number,
): Steps {
  for (const e of readSegmentOptions(incomingView(v, s), seg, options, newlyAcked, hadMptcp)) {
    yield* optionSteps(v, s, e, now);
    if (v.mode !== 'mptcp' || s.closed) return;
  }
}

/** What incoming-options.ts reads of the connection and the subflow. */
function incomingView(v: InputView, s: Subflow): IncomingView {
  const { localKey, sndBase, rcvBase } = v.key;
  return {
    role: v.role,
    localKey,
    checksum: v.hs.checksum,
    fullyEstablished: v.hs.fullyEstablished,
    sndBase,
    rcvBase,
    dataUna: v.tx.una,
    rcvNxt: v.rx.rcvNxt,
    initial: s.initial,
    peerWscale: s.peerWscale,
    joined: v.mp(s).joined,
    joinVerified: v.mp(s).joinVerified,
  };
}

/** The steps of one effect `e` of an option that arrived on `s`. */
export function* optionSteps(v: InputView, s: Subflow, e: OptionEffect, now: number): Steps {
  switch (e.do) {
    case 'fully-established':
      v.hs.fullyEstablished = true;
      return;
    case 'data-ack':
    case 'data-fin':
      yield e;
      return;
    case 'mapping': {
      const { dataFinAt } = v.mp(s).rx.add(e.mapping, s.rcvNxt);
      if (dataFinAt !== undefined) yield { do: 'data-fin', off: dataFinAt };
      return;
    }
    case 'infinite-mapping':
      yield { do: 'count', stat: 'infiniteMapReceived' };
      if (v.mayFallBack(s)) yield* fallBack(v, s, 'infinite mapping received', e.delta);
      else yield* dropSubflow(v, s, 'infinite mapping on a connection with several subflows', [tcpRst(TcpRstReason.MPTCP_SPECIFIC)]);
      return;
    case 'reset-subflow':
      yield* dropSubflow(v, s, e.reason, [tcpRst(e.rst)]);
      return;
    case 'add-addr':
      yield* v.addresses.onAddAddr(v, s, e.option);
      return;
    case 'remove-addr':
      yield* v.addresses.onRemoveAddr(v, e.addressIds, now);
      return;
    case 'mp-prio':
      v.mp(s).peerBackup = e.backup;
      yield { do: 'event', event: { type: 'mp-prio', subflow: s.id, backup: e.backup } };
      return;
    case 'mp-fail':
      yield* onMpFail(v, s, e.dsn);
      return;
    case 'fastclose':
      yield* onFastclose(v, s);
      return;
    case 'join-done':
      yield* joinDone(v, s);
      return;
    case 'acked-without-options':
      if (v.mayFallBack(s)) {
        // §3.7: one final mapping with data-level length 0 (the infinite mapping) on the next data, then no options.
        v.fb.infiniteMapPending = true;
        yield* fallBack(v, s, 'data acknowledged without a data ACK (MPTCP options removed)', v.mp(s).rx.lastDelta ?? -1);
      } else if (s.initial || v.mp(s).joined) yield* dropSubflow(v, s, 'data acknowledged without a data ACK', [tcpRst(TcpRstReason.MIDDLEBOX_INTERFERENCE)]);
  }
}

/** The peer's MP_FAIL on `s` (§3.7). */
function* onMpFail(v: InputView, s: Subflow, dsn: bigint): Steps {
  yield { do: 'count', stat: 'mpFailReceived' };
  yield { do: 'event', event: { type: 'mp-fail', dsn } };
  // Several subflows: the peer resets the subflow. One: answer with MP_FAIL and an infinite mapping, and fall back.
  if (v.fb.onMpFail(v.mayFallBack(s)) !== 'fall-back') return;
  yield { do: 'send', s, option: { type: 'mptcp', subtype: 'mp_fail', dsn } };
  yield* fallBack(v, s, 'MP_FAIL received (DSS checksum failed at the peer)', v.mp(s).rx.lastDelta ?? -1);
}
