/**
 * The MPTCP options a connection's subflows send (RFC 8684 §3). For each
 * outgoing segment, buildOptions (option-builder.ts) decides, and this applies
 * what sending them changes to the components that own it: the fallback's
 * infinite mapping, the data sender's DATA_FIN, the subflow's waiting control
 * options, the host's counters. It also answers what a Subflow asks about its
 * options (their room, a pure ACK or an ACK of its own wanted). It is given the
 * connection's components, never the Connection.
 */
import type { MptcpOption } from '../../../suites/mptcp/codec/index.js';
import type { DataReceiver } from './data-receiver.js';
import type { DataSender } from './data-sender.js';
import type { Fallback } from './fallback.js';
import type { Negotiation } from './handshake.js';
import type { Keys } from './keys.js';
import type { Lifecycle } from './lifecycle.js';
import { buildOptions, type ConnectionView } from './option-builder.js';
import { subflowView } from './subflow-mptcp.js';
import type { SubflowSet } from './subflow-set.js';
import type { Chunk, SegmentKind, Subflow } from './subflow.js';
import type { HostStats } from './types.js';

/** The components of the connection the options depend on, or change. */
export interface OutgoingParts {
  readonly role: 'client' | 'server';
  /** Options asked for at connect() or listen(). */
  readonly opts: ConnectionView['opts'];
  readonly life: Lifecycle;
  readonly key: Keys;
  readonly hs: Negotiation;
  readonly fb: Fallback;
  readonly tx: DataSender;
  readonly rx: DataReceiver;
  readonly subs: SubflowSet;
  readonly stats: HostStats;
}

export class OutgoingOptions {
  constructor(private readonly c: OutgoingParts) {}

  /** Octets of options every data segment may carry (the payload is that much smaller). */
  optionOverhead(): number {
    return this.c.fb.optionOverhead(this.c.life.mode, this.c.key.remoteKey !== undefined);
  }

  /** A pure ACK is wanted on this subflow (control options waiting, a DATA_FIN). */
  wantsPureAck(s: Subflow): boolean {
    const { tx, life, role, hs, subs } = this.c;
    if (subs.mp(s).pendingOptions.length > 0) return true;
    return tx.finDue && life.mode === 'mptcp' && (role === 'server' || hs.fullyEstablished) && s === subs.dataFinCarrier();
  }

  /** An ACK of its own is wanted before any data (an MP_FAIL waiting). */
  wantsAckFirst(s: Subflow): boolean {
    return this.c.subs.mp(s).pendingOptions.some((o) => o.subtype === 'mp_fail');
  }

  /** The MPTCP options of an outgoing segment (option-builder.ts), with what sending them changes applied here. */
  optionsFor(s: Subflow, kind: SegmentKind, chunk: Chunk | undefined, payloadLen: number, seq: number): MptcpOption[] {
    const { fb, tx, subs, stats } = this.c;
    const { options, effects } = buildOptions(this.optionView(), subflowView(s, subs.mp(s)), kind, chunk, payloadLen, seq);
    if (effects.infiniteMapSent) {
      fb.infiniteMapPending = false;
      stats.infiniteMapSent++;
    }
    if (effects.dataFinSent && s === subs.dataFinCarrier()) tx.finDue = false;
    if (effects.pending) subs.mp(s).pendingOptions = effects.pending;
    if (effects.ackPending) s.ackPending = true;
    for (const o of effects.sent ?? []) this.countSent(o);
    return options;
  }

  private optionView(): ConnectionView {
    const { role, opts, life, key, hs, fb, tx, rx } = this.c;
    return {
      mode: life.mode,
      role,
      opts,
      synWithoutMpc: fb.synWithoutMpc,
      localKey: key.localKey,
      remoteKey: key.remoteKey,
      remoteToken: key.remoteToken,
      checksum: hs.checksum,
      fullyEstablished: hs.fullyEstablished,
      sndBase: key.sndBase,
      rcvBase: key.rcvBase,
      rcvNxt: rx.rcvNxt,
      infiniteMapPending: fb.infiniteMapPending,
      fallbackDataAcks: fb.dataAcks,
      dataFinOff: tx.finOff,
      dataFinAcked: tx.finAcked,
      dataNxt: tx.nxt,
    };
  }

  private countSent(o: MptcpOption): void {
    const st = this.c.stats;
    if (o.subtype === 'mp_fail') st.mpFailSent++;
    else if (o.subtype === 'add_addr' && o.echo) st.addAddrEchoSent++;
  }
}
