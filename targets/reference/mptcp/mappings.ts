/**
 * The receive mappings of one subflow (RFC 8684 §3.3.1): which subflow octets
 * are which data-level octets, as the peer's DSS options (or the implicit
 * mapping of MP_CAPABLE with data) said; in checksum mode a mapping's octets
 * are gathered until it is whole, to be checked at once. After a fallback to
 * TCP, one offset (delta) maps the subflow to the data level.
 *
 * The Connection keeps one per subflow; the Subflow itself knows nothing of
 * mappings (it is plain TCP).
 */
import { concatBytes } from '../../../suites/mptcp/codec/index.js';

/** A receive mapping (DSS, or the implicit one of MP_CAPABLE with data). */
export interface RxMapping {
  /** Relative subflow sequence number of the first octet mapped. */
  ssn: number;
  /** Subflow octets covered (the data-level length less one for a DATA_FIN). */
  subLen: number;
  /** Data-level offset of the first octet. */
  dataOff: number;
  dataLevelLength: number;
  dataFin: boolean;
  checksum?: number;
  /** Octets of it gathered so far (checksum mode: the mapping is checked whole). */
  parts?: Uint8Array[];
  got?: number;
}

const concat = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0]! : concatBytes(parts));

export class RxMappings {
  /** Mappings not yet consumed, by subflow sequence. */
  private maps: RxMapping[] = [];
  /** In TCP mode (plain or fallback): data offset = subflow sequence + delta. */
  delta: number | undefined;
  /** data offset - subflow sequence of the last mapping consumed (for a fallback). */
  lastDelta: number | undefined;
  /** The subflow saw at least one data mapping. */
  sawMapping = false;

  /**
   * A new mapping, on a subflow that has received up to `subflowRcvNxt`.
   * A mapping of no subflow octets is only a DATA_FIN: its data-level offset is returned.
   */
  add(m: RxMapping, subflowRcvNxt: number): { dataFinAt?: number } {
    this.sawMapping = true;
    if (m.subLen <= 0) return m.dataFin ? { dataFinAt: m.dataOff + m.dataLevelLength - 1 } : {};
    if (m.ssn + m.subLen <= subflowRcvNxt) return {}; // consumed already
    for (const x of this.maps) if (x.ssn === m.ssn && x.subLen === m.subLen) return {};
    let i = this.maps.length;
    while (i > 0 && this.maps[i - 1]!.ssn > m.ssn) i--;
    this.maps.splice(i, 0, m);
    return {};
  }

  /** The mapping of subflow octet `at`, dropping the spent ones before it. */
  find(at: number): RxMapping | undefined {
    while (this.maps.length > 0 && this.maps[0]!.ssn + this.maps[0]!.subLen <= at && this.maps[0]!.got === undefined) this.maps.shift();
    for (const m of this.maps) {
      if (m.ssn <= at && at < m.ssn + m.subLen) return m;
      if (m.ssn > at) break;
    }
    return undefined;
  }

  /** Checksum mode: adds `piece` to the mapping's octets; the whole mapping once complete. */
  gather(m: RxMapping, piece: Uint8Array): Uint8Array | undefined {
    if (m.got === undefined) {
      m.got = 0;
      m.parts = [];
    }
    m.parts!.push(piece);
    m.got += piece.length;
    if (m.got !== m.subLen) return undefined;
    const data = concat(m.parts!);
    m.parts = [];
    return data;
  }

  /** Forgets a mapping. */
  remove(m: RxMapping): void {
    const i = this.maps.indexOf(m);
    if (i >= 0) this.maps.splice(i, 1);
  }

  /** All of the mapping was received. */
  consumed(m: RxMapping): void {
    this.lastDelta = m.dataOff - m.ssn;
    this.remove(m);
  }

  /**
   * A fallback: from now on `delta` maps the subflow. Returns the octets
   * gathered for mappings not yet checked, which go through as they are.
   */
  fallBack(delta: number): { off: number; data: Uint8Array }[] {
    const pending: { off: number; data: Uint8Array }[] = [];
    for (const m of this.maps) if (m.parts && m.got) pending.push({ off: m.dataOff, data: concat(m.parts) });
    this.maps = [];
    this.delta = delta;
    return pending;
  }
}
