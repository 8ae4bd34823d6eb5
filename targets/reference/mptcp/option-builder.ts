/**
 * The MPTCP options of an outgoing segment (RFC 8684 §3), as a function of
 * the connection's state and the subflow's: MP_CAPABLE and MP_JOIN in the
 * handshakes, the DSS (data ACK, mapping, DATA_FIN), the infinite mapping of
 * a fallback (§3.7), and the control options waiting on the subflow
 * (ADD_ADDR, REMOVE_ADDR, MP_PRIO, MP_FAIL) as far as they fit.
 *
 * It changes nothing: what sending these options changes (an infinite
 * mapping or a DATA_FIN gone out, control options taken off the subflow's
 * queue, counters) comes back as Effects, which the Connection applies.
 */
import { dssChecksum, joinAckHmac, joinSynAckHmac, mptcpOptionLength, type Dss, type MpCapable, type MptcpOption } from '../../../suites/mptcp/codec/index.js';
import { dsnOf } from './seq.js';
import type { Chunk, SegmentKind } from './subflow.js';

export type ConnectionMode = 'pending' | 'mptcp' | 'tcp';

/** What the options depend on at the connection (data level). */
export interface ConnectionView {
  mode: ConnectionMode;
  role: 'client' | 'server';
  /** Options asked for at connect() or listen(). */
  opts: { checksum: boolean; flagB: boolean; denyJoinToFirstAddress: boolean; omitFlagH: boolean; version: 0 | 1; mpCapableWithData: boolean };
  /** The SYN goes without MP_CAPABLE (blackhole fallback). */
  synWithoutMpc: boolean;
  localKey: bigint;
  remoteKey: bigint | undefined;
  remoteToken: number;
  /** DSS checksums in use. */
  checksum: boolean;
  fullyEstablished: boolean;
  /** Data-level bases (IDSN + 1) of each direction. */
  sndBase: bigint;
  rcvBase: bigint;
  /** The data ACK: the next data-level offset expected. */
  rcvNxt: number;
  /** The next DSS with data carries the infinite mapping (§3.7). */
  infiniteMapPending: boolean;
  /** After a checksum failure, data ACKs go on until the peer answers. */
  fallbackDataAcks: boolean;
  /** Our DATA_FIN's offset once the stream is ended and not acknowledged, and where new data is scheduled up to. */
  dataFinOff: number | undefined;
  dataFinAcked: boolean;
  dataNxt: number;
}

/** What the options depend on at the subflow. */
export interface SubflowView {
  initial: boolean;
  backup: boolean;
  localAddressId: number;
  nonceLocal: number;
  nonceRemote: number;
  joined: boolean;
  initiatedHere: boolean;
  joinVerified: boolean;
  /** Control options waiting for a segment that can carry them. */
  pendingOptions: readonly MptcpOption[];
}

/** What sending the options changes; the Connection applies it. */
export interface Effects {
  /** The infinite mapping went out. */
  infiniteMapSent?: boolean;
  /** A DATA_FIN went out on this subflow. */
  dataFinSent?: boolean;
  /** The subflow's control options still waiting (when they changed). */
  pending?: MptcpOption[];
  /** Some are still waiting: the subflow owes an ACK that can carry them. */
  ackPending?: boolean;
  /** Control options that went out (for the counters). */
  sent?: MptcpOption[];
}

export interface Built {
  options: MptcpOption[];
  effects: Effects;
}

const H_ONLY = { A: false, B: false, C: false, D: false, E: false, F: false, G: false, H: true };

const only = (options: MptcpOption[]): Built => ({ options, effects: {} });

/** The MPTCP options of a segment of `kind` on a subflow (`chunk`, `payloadLen` and `seq` for data). */
export function buildOptions(c: ConnectionView, s: SubflowView, kind: SegmentKind, chunk: Chunk | undefined, payloadLen: number, seq: number): Built {
  if (kind === 'syn') {
    if (s.initial) {
      if (c.mode !== 'pending' || c.synWithoutMpc) return only([]);
      const flags = { ...H_ONLY, A: c.opts.checksum, B: c.opts.flagB, C: c.opts.denyJoinToFirstAddress, H: !c.opts.omitFlagH };
      if (c.opts.version === 0) return only([{ type: 'mptcp', subtype: 'mp_capable', form: 'syn', version: 0, flags, senderKey: c.localKey }]);
      return only([{ type: 'mptcp', subtype: 'mp_capable', form: 'syn', version: 1, flags }]);
    }
    return only([{ type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: s.backup, addressId: s.localAddressId, token: c.remoteToken, nonce: s.nonceLocal }]);
  }
  if (kind === 'syn-ack') {
    if (s.initial) {
      if (c.mode !== 'pending') return only([]);
      return only([
        {
          type: 'mptcp',
          subtype: 'mp_capable',
          form: 'syn-ack',
          version: 1,
          flags: { ...H_ONLY, A: c.checksum, C: c.opts.denyJoinToFirstAddress },
          senderKey: c.localKey,
        },
      ]);
    }
    const hmac = joinSynAckHmac({ keyA: c.remoteKey!, keyB: c.localKey, nonceA: s.nonceRemote, nonceB: s.nonceLocal });
    return only([{ type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup: s.backup, addressId: s.localAddressId, hmac, nonce: s.nonceLocal }]);
  }
  if (c.infiniteMapPending && kind === 'data' && chunk) {
    // §3.7: one DSS with an infinite mapping, then no more options.
    const dss: Dss = {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dataAck: dsnOf(c.rcvBase, c.rcvNxt),
      mapping: { dsn: dsnOf(c.sndBase, chunk.dataOff + (seq - chunk.seq)), subflowSeq: seq, dataLevelLength: 0, ...(c.checksum ? { checksum: 0 } : {}) },
    };
    const built = withPending(s.pendingOptions, [dss], kind);
    return { options: built.options, effects: { ...built.effects, infiniteMapSent: true } };
  }
  if (c.mode === 'tcp') {
    // After a fallback only MP_FAIL still goes out (§3.7), with data ACKs while the peer has not answered it.
    const pending = s.pendingOptions.filter((o) => o.subtype === 'mp_fail');
    const base: MptcpOption[] =
      c.fallbackDataAcks && c.remoteKey !== undefined ? [{ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: dsnOf(c.rcvBase, c.rcvNxt) }] : [];
    const built = withPending(pending, base, kind);
    return { options: built.options, effects: { pending, ...built.effects } };
  }
  if (c.mode === 'pending') return only([]);
  const key = c.remoteKey!;
  // The third ACK of a join, until the fourth ACK.
  if (!s.initial && !s.joined && s.initiatedHere && s.joinVerified && kind === 'ack') {
    return only([
      { type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: joinAckHmac({ keyA: c.localKey, keyB: key, nonceA: s.nonceLocal, nonceB: s.nonceRemote }) },
    ]);
  }
  // The initiator's first subflow until it is fully established (§3.1).
  if (s.initial && c.role === 'client' && !c.fullyEstablished) {
    if (kind === 'data' && chunk && chunk.dataOff === 0 && chunk.seq === 1 && seq === 1 && c.opts.mpCapableWithData && payloadLen === chunk.data.length) {
      const o: MpCapable = {
        type: 'mptcp',
        subtype: 'mp_capable',
        form: 'ack-data',
        version: 1,
        flags: { ...H_ONLY, A: c.checksum },
        senderKey: c.localKey,
        receiverKey: key,
        dataLevelLength: payloadLen,
      };
      if (c.checksum) o.checksum = dssChecksum(c.sndBase, 1, payloadLen, chunk.data);
      return only([o]);
    }
    if (kind === 'ack')
      return withPending(
        s.pendingOptions,
        [{ type: 'mptcp', subtype: 'mp_capable', form: 'ack', version: 1, flags: { ...H_ONLY, A: c.checksum }, senderKey: c.localKey, receiverKey: key }],
        kind,
      );
  }
  const dss: Dss = { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: dsnOf(c.rcvBase, c.rcvNxt) };
  let dataFinSent = false;
  if (kind === 'data' && chunk) {
    const dsn = dsnOf(c.sndBase, chunk.dataOff);
    dss.mapping = { dsn, subflowSeq: chunk.seq, dataLevelLength: chunk.data.length };
    if (c.checksum) dss.mapping.checksum = dssChecksum(dsn, chunk.seq, chunk.data.length, chunk.data);
  } else if ((kind === 'ack' || kind === 'fin') && c.dataFinOff !== undefined && !c.dataFinAcked && c.dataNxt === c.dataFinOff) {
    // DATA_FIN on a segment without data: subflow sequence 0, length 1 (§3.3.3).
    const dsn = dsnOf(c.sndBase, c.dataFinOff);
    dss.dataFin = true;
    dss.mapping = { dsn, subflowSeq: 0, dataLevelLength: 1 };
    if (c.checksum) dss.mapping.checksum = dssChecksum(dsn, 0, 1, new Uint8Array(0));
    dataFinSent = true;
  }
  const built = withPending(s.pendingOptions, [dss], kind);
  return dataFinSent ? { options: built.options, effects: { ...built.effects, dataFinSent } } : built;
}

/** Adds the pending control options that fit (40 octets in all); they go on segments without data. */
function withPending(pending: readonly MptcpOption[], base: MptcpOption[], kind: SegmentKind): Built {
  if (pending.length === 0 || kind === 'data') return { options: base, effects: pending.length > 0 ? { ackPending: true } : {} };
  let used = base.reduce((n, o) => n + mptcpOptionLength(o), 0);
  const out = [...base];
  const keep: MptcpOption[] = [];
  const sent: MptcpOption[] = [];
  for (const o of pending) {
    const len = mptcpOptionLength(o);
    if (used + len <= 40) {
      out.push(o);
      used += len;
      sent.push(o);
    } else if (o.subtype === 'add_addr' && out.length === base.length && len <= 40) {
      // Like Linux: an ADD_ADDR that does not fit with the DSS goes alone.
      out.length = 0;
      out.push(o);
      used = len;
      sent.push(o);
    } else keep.push(o);
  }
  return { options: out, effects: { pending: keep, sent, ...(keep.length > 0 ? { ackPending: true } : {}) } };
}
