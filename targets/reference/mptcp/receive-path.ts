/**
 * The receive path of one MPTCP subflow (RFC 8684 §3.3): in-order subflow
 * octets walked through the subflow's receive mappings (mappings.ts), each
 * mapped piece checked (DSS checksum, when in use) and turned into what the
 * Connection does with it. It calls nothing back: it yields its steps one at
 * a time, in order, and the Connection applies each before it asks for the
 * next (so a step that ends the subflow or the MPTCP mode stops the walk).
 */
import { verifyDssChecksum } from '../../../suites/mptcp/codec/index.js';
import type { RxMapping, RxMappings } from './mappings.js';
import { dsnOf } from './seq.js';

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
