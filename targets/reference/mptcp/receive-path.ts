/**
 * The receive path of one MPTCP subflow (RFC 8684 §3.3): in-order subflow
 * octets walked through the subflow's receive mappings (mappings.ts), each
 * mapped piece checked (DSS checksum, when in use) and turned into what the
 * Connection does with it (subflowData: deliver, a DATA_FIN, a fallback or a
 * reset when a mapping is missing or a checksum fails). It calls nothing back:
 * it yields its steps one at a time, in order, and the Connection applies each
 * before it asks for the next (so a step that ends the subflow or the MPTCP
 * mode stops the walk).
 */
import { TcpRstReason, verifyDssChecksum } from '../../../suites/mptcp/codec/index.js';
import type { RxMapping, RxMappings } from './mappings.js';
import { fallBack } from './fallback-steps.js';
import { dropSubflow, tcpRst } from './resets.js';
import { dsnOf } from './seq.js';
import type { InputView, Steps } from './steps.js';
import type { Subflow } from './subflow.js';

/** One step of the walk. */
export type ReceiveStep =
  /** Data-level octets at offset `off`. */
  | { do: 'deliver'; off: number; data: Uint8Array }
  /** The peer's DATA_FIN at data-level offset `off`. */
  | { do: 'data-fin'; off: number }
  /** Octets from `at` with no mapping: the walk ends here. `sawMapping`: the subflow had mappings before. */
  | { do: 'unmapped'; at: number; rest: Uint8Array; sawMapping: boolean }
  /**
   * A whole mapping whose DSS checksum failed (`dsn` its first octet). When the
   * Connection goes on with the walk, it goes on after it; `at` and `rest` are
   * what follows it in these octets.
   */
  | { do: 'checksum-failed'; mapping: RxMapping; data: Uint8Array; dsn: bigint; at: number; rest: Uint8Array };

/** What the walk reads of the connection. */
export interface ReceiveView {
  /** The peer's IDSN + 1 (data-level offset 0). */
  rcvBase: bigint;
  /** DSS checksums are in use. */
  checksum: boolean;
}

/** Walks the octets `bytes`, from relative subflow sequence `rel`, through `maps`. */
export function* walkMappings(maps: RxMappings, view: ReceiveView, rel: number, bytes: Uint8Array): Generator<ReceiveStep, void, void> {
  let at = rel;
  let rest = bytes;
  while (rest.length > 0) {
    const m = maps.find(at);
    if (!m) {
      yield { do: 'unmapped', at, rest, sawMapping: maps.sawMapping };
      return;
    }
    const end = m.ssn + m.subLen;
    const n = Math.min(rest.length, end - at);
    const piece = rest.subarray(0, n);
    if (m.checksum !== undefined && view.checksum && (m.got !== undefined || at === m.ssn)) {
      const data = maps.gather(m, piece);
      if (data) {
        const dsn = dsnOf(view.rcvBase, m.dataOff);
        if (verifyDssChecksum(dsn, m.ssn, m.dataLevelLength, data, m.checksum)) {
          yield { do: 'deliver', off: m.dataOff, data };
          if (m.dataFin) yield { do: 'data-fin', off: m.dataOff + m.subLen };
        } else {
          yield { do: 'checksum-failed', mapping: m, data, dsn, at: at + n, rest: rest.subarray(n) };
        }
      }
    } else {
      yield { do: 'deliver', off: m.dataOff + (at - m.ssn), data: piece };
      if (at + n === end && m.dataFin) yield { do: 'data-fin', off: m.dataOff + m.subLen };
    }
    at += n;
    rest = rest.subarray(n);
    if (at >= end) maps.consumed(m);
  }
}

/** In-order octets of `s`, from relative sequence `rel`: what the Connection does with them (steps.ts). */
export function* subflowData(v: InputView, s: Subflow, rel: number, bytes: Uint8Array): Steps {
  const maps = v.mp(s).rx;
  if (v.mode !== 'mptcp') {
    if (maps.delta === undefined) maps.delta = -1;
    yield { do: 'deliver', off: rel + maps.delta, data: bytes };
    return;
  }
  for (const step of walkMappings(maps, { rcvBase: v.key.rcvBase, checksum: v.hs.checksum }, rel, bytes)) {
    switch (step.do) {
      case 'deliver':
      case 'data-fin':
        yield step;
        break;
      case 'unmapped':
        if (!v.mayFallBack(s)) return yield* dropSubflow(v, s, 'data without a DSS mapping', [tcpRst(TcpRstReason.MIDDLEBOX_INTERFERENCE)]);
        yield* fallBack(v, s, step.sawMapping ? 'DSS mapping missing on data (infinite mapping fallback)' : 'first data without DSS', maps.lastDelta ?? -1);
        yield { do: 'deliver', off: step.at + maps.delta!, data: step.rest };
        return;
      case 'checksum-failed':
        yield* checksumFailed(v, s, step.mapping, step.data, step.dsn);
        if (s.closed) return;
        // Fell back: the rest goes through as TCP.
        if (v.mode !== 'mptcp') {
          if (step.rest.length > 0) yield { do: 'deliver', off: step.at + maps.delta!, data: step.rest };
          return;
        }
    }
  }
}

/** Mapping `m` of `s` (its octets `data`, its first at `dsn`) failed its DSS checksum. */
function* checksumFailed(v: InputView, s: Subflow, m: RxMapping, data: Uint8Array, dsn: bigint): Steps {
  yield { do: 'count', stat: 'dssChecksumFailure' };
  if (v.mayFallBack(s)) {
    // §3.7, single subflow: MP_FAIL, and TCP from this mapping on. The
    // octets stay in the stream (TCP delivered them), as in Linux: the
    // peer's infinite mapping "acts retroactively" from the last
    // data-acknowledged segment, so nothing is sent again.
    yield { do: 'send', s, option: { type: 'mptcp', subtype: 'mp_fail', dsn } };
    s.ackPending = true;
    v.fb.checksumFailed();
    v.mp(s).rx.remove(m);
    yield* fallBack(v, s, 'DSS checksum failed (MP_FAIL sent)', m.dataOff - m.ssn);
    yield { do: 'deliver', off: m.dataOff, data };
    return;
  }
  // Several subflows: reset this one with MP_FAIL; the data comes again on another.
  yield { do: 'count', stat: 'mpFailSent' };
  yield* dropSubflow(v, s, 'DSS checksum failed', [{ type: 'mptcp', subtype: 'mp_fail', dsn }, tcpRst(TcpRstReason.MIDDLEBOX_INTERFERENCE)]);
}
