/**
 * The MPTCP options of an acceptable segment on an MPTCP subflow, read before
 * its data (RFC 8684 §3.3 DSS, §3.1 MP_CAPABLE with data, §3.4 ADD_ADDR and
 * REMOVE_ADDR, §3.3.8 MP_PRIO, §3.7 MP_FAIL, §3.5 MP_FASTCLOSE): what each
 * one means for the connection, as a list of effects in the order they apply.
 * A pure function of the options and a view of the connection; the
 * Connection applies the effects, and stops at the first that closes the
 * subflow or ends MPTCP.
 */
import { TcpRstReason, type AddAddr, type Dss, type MpCapable, type MptcpOption, type TcpSegment } from '../../../suites/mptcp/codec/index.js';
import type { RxMapping } from './mappings.js';
import { unwrapDsn } from './seq.js';

/** What the reading depends on at the connection and the subflow. */
export interface IncomingView {
  role: 'client' | 'server';
  localKey: bigint;
  /** DSS checksums in use. */
  checksum: boolean;
  fullyEstablished: boolean;
  /** Data-level bases (IDSN + 1) of each direction, and the references to unwrap truncated values near. */
  sndBase: bigint;
  rcvBase: bigint;
  dataUna: number;
  rcvNxt: number;
  /** The subflow: the first one, its peer's window scale, and a join's progress. */
  initial: boolean;
  peerWscale: number;
  joined: boolean;
  joinVerified: boolean;
}

/** One thing an option does to the connection. */
export type OptionEffect =
  /** The initiator's first data ACK: fully established (§3.1). */
  | { do: 'fully-established' }
  /** Our data acknowledged up to data-level `ackOff`, with the peer's `window`. */
  | { do: 'data-ack'; ackOff: number; window: number }
  /** A receive mapping for the subflow. */
  | { do: 'mapping'; mapping: RxMapping }
  /** The peer's DATA_FIN (a mapping of no subflow octets) at data-level `off`. */
  | { do: 'data-fin'; off: number }
  /** The infinite mapping (§3.7): TCP from here on on a single subflow, else the subflow goes; `delta` maps the subflow to the data level. */
  | { do: 'infinite-mapping'; delta: number }
  /** The subflow is reset with MP_TCPRST `rst`. */
  | { do: 'reset-subflow'; reason: string; rst: number }
  | { do: 'add-addr'; option: AddAddr }
  | { do: 'remove-addr'; addressIds: number[] }
  | { do: 'mp-prio'; backup: boolean }
  | { do: 'mp-fail'; dsn: bigint }
  /** MP_FASTCLOSE with our key: the connection is reset. */
  | { do: 'fastclose' }
  /** A join initiator's fourth ACK: the join is done (§3.2). */
  | { do: 'join-done' }
  /** §3.7: our data acknowledged at the subflow level without any MPTCP option (options removed on the path). */
  | { do: 'acked-without-options' };

/**
 * What the MPTCP options of `seg` do. `newlyAcked` octets of ours the segment
 * acknowledged at the subflow level; `hadMptcp`, whether it carried any MPTCP
 * option. Only the first DSS counts.
 */
export function readSegmentOptions(v: IncomingView, seg: TcpSegment, options: readonly MptcpOption[], newlyAcked: number, hadMptcp: boolean): OptionEffect[] {
  const out: OptionEffect[] = [];
  let sawDss = false;
  for (const o of options) {
    switch (o.subtype) {
      case 'dss':
        if (sawDss) break;
        sawDss = true;
        out.push(...dssEffects(v, seg, o));
        break;
      case 'mp_capable':
        // The initiator's MP_CAPABLE ACK again (or with its first data): the listener takes its implicit mapping.
        if (v.role === 'server' && v.initial && o.form === 'ack-data' && o.receiverKey === v.localKey && seg.payload.length > 0)
          out.push(implicitMapping(v, o));
        break;
      case 'add_addr':
        out.push({ do: 'add-addr', option: o });
        break;
      case 'remove_addr':
        out.push({ do: 'remove-addr', addressIds: o.addressIds });
        break;
      case 'mp_prio':
        out.push({ do: 'mp-prio', backup: o.backup });
        break;
      case 'mp_fail':
        out.push({ do: 'mp-fail', dsn: o.dsn });
        break;
      case 'mp_fastclose':
        if (o.receiverKey === v.localKey) return [...out, { do: 'fastclose' }];
        break;
      default:
        // MP_JOIN or MP_TCPRST out of place, unknown subtypes: ignored.
        break;
    }
  }
  // A join initiator is fully established with the first DSS after its third ACK (the fourth ACK).
  if (!v.initial && !v.joined && v.joinVerified && sawDss) out.push({ do: 'join-done' });
  if (newlyAcked > 0 && !hadMptcp && !seg.flags.fin) out.push({ do: 'acked-without-options' });
  return out;
}

/** A DSS: its data ACK, then its mapping (or DATA_FIN, or infinite mapping). */
export function dssEffects(v: IncomingView, seg: TcpSegment, o: Dss): OptionEffect[] {
  const out: OptionEffect[] = [];
  if (o.dataAck !== undefined) {
    if (v.role === 'client' && !v.fullyEstablished) out.push({ do: 'fully-established' });
    out.push({ do: 'data-ack', ackOff: unwrapDsn(v.sndBase, o.dataAck, o.dataAck64 ?? true, v.dataUna), window: seg.window * 2 ** v.peerWscale });
  }
  const m = o.mapping;
  if (!m) return out;
  const dataOff = unwrapDsn(v.rcvBase, m.dsn, o.dsn64 ?? true, v.rcvNxt);
  if (m.dataLevelLength === 0) out.push({ do: 'infinite-mapping', delta: dataOff - m.subflowSeq });
  else if (o.dataFin && m.subflowSeq === 0 && m.dataLevelLength === 1) out.push({ do: 'data-fin', off: dataOff });
  else if ((m.checksum !== undefined) !== v.checksum) {
    out.push({
      do: 'reset-subflow',
      reason: v.checksum ? 'DSS without the negotiated checksum' : 'DSS with a checksum that was not negotiated',
      rst: TcpRstReason.MPTCP_SPECIFIC,
    });
  } else {
    const checksum = m.checksum !== undefined ? { checksum: m.checksum } : {};
    out.push({
      do: 'mapping',
      mapping: {
        ssn: m.subflowSeq,
        subLen: m.dataLevelLength - (o.dataFin ? 1 : 0),
        dataOff,
        dataLevelLength: m.dataLevelLength,
        dataFin: o.dataFin,
        ...checksum,
      },
    });
  }
  return out;
}

/** The implicit mapping of MP_CAPABLE with data (§3.1): the first octets, from data-level offset 0. */
export function implicitMapping(v: Pick<IncomingView, 'checksum'>, o: MpCapable & { form: 'ack-data' }): OptionEffect {
  if ((o.checksum !== undefined) !== v.checksum)
    return { do: 'reset-subflow', reason: 'MP_CAPABLE with data and a checksum that does not match the negotiation', rst: TcpRstReason.MPTCP_SPECIFIC };
  const checksum = o.checksum !== undefined ? { checksum: o.checksum } : {};
  return { do: 'mapping', mapping: { ssn: 1, subLen: o.dataLevelLength, dataOff: 0, dataLevelLength: o.dataLevelLength, dataFin: false, ...checksum } };
}
