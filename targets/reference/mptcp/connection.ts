/**
 * A connection: plain TCP, or MPTCP v1 (RFC 8684) over one or more subflows.
 *
 * It owns its components and applies what they decide: the keys (keys.ts),
 * what MP_CAPABLE settled (handshake.ts), the data level (data-sender.ts,
 * data-receiver.ts), its subflows (subflow-set.ts), its state and mode
 * (lifecycle.ts), the fallback (fallback.ts), the addresses (addresses.ts) and
 * the options out (options-out.ts). The components that decide what happens
 * (the handshakes, the options in, the receive path, the fallback, the resets,
 * the addresses, the connection's end) return steps (steps.ts), which `apply`
 * carries out one at a time. What is still here: the application's API, the
 * subflows' making, the interface a Subflow reports to, and `apply`.
 *
 * Data-level positions are offsets (seq.ts): 0 is the octet at IDSN + 1.
 */
import { TcpRstReason, type MpJoin, type MptcpOption, type TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { Addresses } from './addresses.js';
import { afterSubflowFin, checkClose, reinjectFrom, subflowClosed } from './closing.js';
import type { ConnectionHost, HostEventOf } from './connection-host.js';
import { DataReceiver, type Received } from './data-receiver.js';
import { DataSender, type SendContext } from './data-sender.js';
import { Fallback } from './fallback.js';
import { Keys } from './keys.js';
import { Lifecycle } from './lifecycle.js';
import { Negotiation } from './handshake.js';
import { negotiated, synAck, synRetransmit, thirdAck } from './handshake-steps.js';
import { addressIdFor, assertJoinAddresses } from './join.js';
import { joinSynAck, joinThirdAck } from './join-steps.js';
import type { ConnectionMode } from './option-builder.js';
import { segmentOptions } from './options-in.js';
import { OutgoingOptions } from './options-out.js';
import { subflowData } from './receive-path.js';
import { abort, dropSubflow, subflowFailed, subflowReset, tcpRst } from './resets.js';
import type { ConnectionStep, InputView } from './steps.js';
import type { SubflowMptcp } from './subflow-mptcp.js';
import { SubflowSet } from './subflow-set.js';
import { Subflow, type Chunk, type ParsedOptions, type SegmentKind, type SubflowInit, type SubflowOwner } from './subflow.js';
import type { ConnectionState, MptcpOptions, SubflowInfo, TcpRstInfo } from './types.js';

export type ResolvedMptcpOptions = Required<MptcpOptions>;

export type { ConnectionMode };

/** What the application hears from a Host (takeEvents). */
export type HostEvent = HostEventOf<Connection>;

export class Connection implements SubflowOwner<Subflow> {
  readonly id: number;
  private readonly host: ConnectionHost<Connection>;
  readonly role: 'client' | 'server';
  readonly opts: ResolvedMptcpOptions;
  /** Its state and mode, and the moves between them (lifecycle.ts). */
  private readonly life: Lifecycle;

  /** MPTCP keys and what follows from them: tokens, IDSNs, data-level bases (keys.ts). */
  private readonly key = new Keys();
  /** What MP_CAPABLE settled: DSS checksums, flag C, full establishment (handshake.ts). */
  private readonly hs: Negotiation;

  /** Its subflows, and what it keeps about each at the MPTCP level (subflow-set.ts). */
  private readonly subs = new SubflowSet();

  /** The data-level send side (data-sender.ts). */
  private readonly tx: DataSender;

  /** The data-level receive side (data-receiver.ts). */
  private readonly rx: DataReceiver;

  /** The fallback to TCP, MP_FAIL and the infinite mapping (fallback.ts, §3.7). */
  private readonly fb = new Fallback();

  /** The MPTCP options our segments carry, and what sending them changes (options-out.ts). */
  private readonly out: OutgoingOptions;

  /** ADD_ADDR and REMOVE_ADDR, ours and the peer's (addresses.ts). */
  private readonly addresses = new Addresses();
  /** Listener port this connection came from (server). */
  listenerPort: number | undefined;

  constructor(host: ConnectionHost<Connection>, id: number, role: 'client' | 'server', opts: ResolvedMptcpOptions) {
    this.host = host;
    this.id = id;
    this.role = role;
    this.opts = opts;
    this.life = new Lifecycle(opts.mptcp);
    this.hs = new Negotiation(this.key, opts);
    this.rx = new DataReceiver(host.receiveBuffer);
    this.tx = new DataSender({ initialRto: host.initialRto, minRto: host.minRto });
    const { life, key, hs, fb, tx, rx, subs } = this;
    this.out = new OutgoingOptions({ role, opts, life, key, hs, fb, tx, rx, subs, stats: host.stats });
  }

  // ================================================================ public API

  get state(): ConnectionState {
    return this.life.state;
  }

  get mode(): ConnectionMode {
    return this.life.mode;
  }

  /** Why the connection was reset, when it was. */
  get resetReason(): string | undefined {
    return this.life.resetReason;
  }

  /** MPTCP is in use: the handshake completed and there was no fallback. */
  get isMptcp(): boolean {
    return this.mode === 'mptcp';
  }

  /** Set once the connection fell back to TCP (§3.7), with why. */
  get fallback(): { reason: string } | undefined {
    return this.fb.info;
  }

  /** DSS checksums in use (flag A on either side). */
  get checksum(): boolean {
    return this.hs.checksum;
  }

  /** Initiator: a DSS with a data ACK came from the peer (§3.1); the listener is fully established with the third ACK. */
  get fullyEstablished(): boolean {
    return this.hs.fullyEstablished;
  }

  /** The peer set flag C (§3.1): no join to the address and port of its end of the first subflow. */
  get peerDeniesJoinToFirstAddress(): boolean {
    return this.hs.peerDeniesJoinToFirstAddress;
  }

  get version(): number {
    return this.opts.version;
  }

  get keys(): { local: bigint; remote: bigint | undefined } {
    return { local: this.key.localKey, remote: this.key.remoteKey };
  }

  get tokens(): { local: number; remote: number } {
    return { local: this.key.localToken, remote: this.key.remoteToken };
  }

  get idsn(): { local: bigint; remote: bigint } {
    return { local: this.key.localIdsn, remote: this.key.remoteIdsn };
  }

  /** Octets received and not read yet. */
  get readableLength(): number {
    return this.rx.length;
  }

  /** The peer ended its data stream and everything was read. */
  get readableEnded(): boolean {
    return this.rx.eof && this.rx.length === 0;
  }

  /** The first data-level octet (offset) not yet acknowledged by the peer. */
  get dataUna(): number {
    return this.tx.una;
  }

  /** Octets written and not yet acknowledged at the data level. */
  get writableLength(): number {
    return this.tx.unacknowledged;
  }

  /** Its subflows, in the order they were made (closed ones included). */
  get subflowList(): Subflow[] {
    return this.subs.list;
  }

  subflows(): SubflowInfo[] {
    return this.subflowList.map((s) => this.subs.info(s));
  }

  /** Subflows besides the first that are open or opening (for the subflow limit). */
  joinedSubflowCount(): number {
    return this.subs.joinedCount();
  }

  /** Queues octets to send (copied). */
  write(data: Uint8Array): number {
    if (this.tx.shutdownRequested) throw new Error('write after shutdown');
    if (this.state === 'closed' || this.state === 'reset') throw new Error(`write on a connection that is ${this.state}`);
    this.tx.write(data);
    return data.length;
  }

  /** Up to `max` received octets (empty when there are none). */
  read(max = Number.POSITIVE_INFINITY): Uint8Array {
    const { data, windowUpdate } = this.rx.read(max);
    if (windowUpdate) for (const s of this.subs.usable(true)) s.ackPending = true;
    return data;
  }

  /** Ends our data stream: FIN (TCP) or DATA_FIN (MPTCP), after what was written. */
  shutdown(): void {
    if (this.state === 'closed' || this.state === 'reset') return;
    this.tx.shutdownRequested = true;
  }

  /** shutdown() and forget what arrives from now on; a RST (MP_FASTCLOSE) when unread data is waiting, as Linux does. */
  close(): void {
    if (this.rx.length > 0) {
      this.abort();
      return;
    }
    this.rx.discardIncoming = true;
    this.shutdown();
  }

  /** Resets the connection: RST on every subflow, with MP_FASTCLOSE when MPTCP is in use (§3.5). */
  abort(): void {
    this.apply(abort(this.view()), this.host.now);
  }

  /**
   * Opens an MP_JOIN subflow (§3.2) from one of our addresses to the peer
   * (its address of the first subflow, or one it announced).
   */
  addSubflow(localAddress: string, remoteAddress: string, port?: number, opts: { backup?: boolean; localPort?: number } = {}): SubflowInfo {
    if (this.mode !== 'mptcp' || this.key.remoteKey === undefined) throw new Error('addSubflow needs an established MPTCP connection');
    // Also once this end has shut down its sending side (closing): data may still come, and go out.
    if (this.state !== 'established' && this.state !== 'closing') throw new Error(`addSubflow on a connection that is ${this.state}`);
    assertJoinAddresses(localAddress, remoteAddress, this.host.isLocal(localAddress));
    const first = this.subflowList[0]!;
    const remotePort = port ?? first.remotePort;
    const localPort = opts.localPort ?? this.host.ephemeralPort(localAddress, remoteAddress, remotePort);
    const s = this.newSubflow({ local: localAddress, localPort, remote: remoteAddress, remotePort, initial: false }, 'syn-sent');
    s.offeredWscale = this.host.windowScale ?? undefined;
    s.initiatedHere = true;
    this.mp(s).startJoin(this.host.random.u32(), this.addressIdFor(localAddress), opts.backup ?? false);
    return this.subs.info(s);
  }

  /** MP_PRIO (§3.3.8): ask the peer to treat a subflow as backup, or not. */
  setBackup(subflowId: number, backup: boolean): void {
    const s = this.subs.find(subflowId);
    if (!s) throw new Error(`no open subflow ${subflowId}`);
    if (this.mode !== 'mptcp') throw new Error('MP_PRIO needs MPTCP');
    this.mp(s).backup = backup;
    this.mp(s).pendingOptions.push({ type: 'mptcp', subtype: 'mp_prio', backup });
  }

  /**
   * ADD_ADDR (§3.4.1): announce one of our addresses (with its HMAC), with the id given or its own. Returns the address id.
   * An id that names another of our addresses is withdrawn first (REMOVE_ADDR): one id never names two addresses.
   */
  announceAddress(address: string, port?: number, addressId?: number): number {
    const before = addressId !== undefined ? this.addresses.ours.get(addressId) : undefined;
    if (before !== undefined && before !== address) this.removeAddress(addressId!);
    const announced = this.addresses.announce(this.view(), address, port, addressId);
    this.apply([announced.send], this.host.now);
    return announced.addressId;
  }

  /** REMOVE_ADDR (§3.4.2): withdraw an address id; our subflows on it are reset. */
  removeAddress(addressId: number): void {
    this.apply(this.addresses.remove(this.view(), addressId), this.host.now);
  }

  /** Closes one subflow with a FIN (its unacknowledged data goes on the others). */
  closeSubflow(subflowId: number): void {
    const s = this.subs.find(subflowId);
    if (!s) return;
    s.noNewData = true;
    reinjectFrom(this.view(), s);
    s.queueFin();
  }

  // ================================================================ opening

  /** Active open; `fastOpen` asks for a TCP Fast Open cookie in the SYN. */
  startConnect(local: string, localPort: number, remote: string, remotePort: number, fastOpen = false): void {
    if (this.mode === 'pending') this.apply(negotiated(this.view(), this.hs.start(this.host)), this.host.now);
    const s = this.newSubflow({ local, localPort, remote, remotePort, initial: true }, 'syn-sent');
    s.offeredWscale = this.host.windowScale ?? undefined;
    s.fastOpenRequest = fastOpen;
    s.initiatedHere = true;
  }

  /** Passive open: a SYN on a listening port. */
  acceptSyn(seg: TcpSegment, opts: ParsedOptions, local: string, remote: string): Subflow {
    if (this.mode === 'pending') this.apply(negotiated(this.view(), this.hs.onSyn(opts.mptcp, this.host)), this.host.now);
    return this.passiveSubflow(seg, opts, local, remote, true);
  }

  /** A new subflow (its id and ISN drawn here), in the Host's table. */
  private newSubflow(init: Omit<SubflowInit, 'id' | 'isn'>, state: 'syn-sent' | 'syn-received'): Subflow {
    const s = new Subflow(this, this.host.subflowConfig, { id: this.subs.takeId(), ...init, isn: this.host.random.u32() }, state);
    this.subs.add(s);
    this.host.register(s);
    return s;
  }

  /** The subflow of a SYN that arrived (the first one, or a join). */
  private passiveSubflow(seg: TcpSegment, opts: ParsedOptions, local: string, remote: string, initial: boolean): Subflow {
    const s = this.newSubflow({ local, localPort: seg.dstPort, remote, remotePort: seg.srcPort, initial }, 'syn-received');
    s.offeredWscale = opts.wscale !== undefined ? (this.host.windowScale ?? undefined) : undefined;
    s.acceptSyn(seg, opts, s.offeredWscale);
    return s;
  }

  /** Our SYN/ACK was answered (listener side). Returns false when the subflow was reset. */
  onHandshakeAck(s: Subflow, seg: TcpSegment, opts: ParsedOptions, now: number): boolean {
    if (!s.initial) {
      this.apply(joinThirdAck(this.view(), s, opts.mptcp), now);
      return !s.closed; // reset when the join failed (join-steps.ts)
    }
    this.apply(thirdAck(this.view(), s, seg, opts.mptcp, now), now);
    return true;
  }

  /** The SYN/ACK of our SYN. Returns false when the subflow was reset. */
  onSynAck(s: Subflow, seg: TcpSegment, opts: ParsedOptions, now: number): boolean {
    if (!s.initial) {
      this.apply(joinSynAck(this.view(), s, opts.mptcp, now), now);
      return !s.closed; // reset when the join failed (join-steps.ts)
    }
    this.apply(synAck(this.view(), s, opts.mptcp), now);
    void seg;
    return true;
  }

  onSynRetransmit(s: Subflow, retries: number): void {
    this.apply(synRetransmit(this.view(), s, retries, this.host.synRetriesBeforeFallback), this.host.now);
  }

  // ---------------------------------------------------------------- MP_JOIN

  /** A SYN with MP_JOIN for this connection (listener side of the join). */
  acceptJoinSyn(seg: TcpSegment, opts: ParsedOptions, join: MpJoin & { form: 'syn' }, local: string, remote: string): Subflow {
    const s = this.passiveSubflow(seg, opts, local, remote, false);
    this.mp(s).acceptJoin({ nonce: join.nonce, addressId: join.addressId, backup: join.backup }, this.host.random.u32(), this.addressIdFor(local));
    return s;
  }

  /** The initiator of a join is waiting for the fourth ACK. */
  joinAckOutstanding(s: Subflow): boolean {
    return !s.initial && this.mp(s).awaitingFourthAck && s.state === 'established' && this.mode === 'mptcp';
  }

  /** Our address id for a local address (join.ts). */
  addressIdFor(address: string): number {
    return addressIdFor(address, this.subflowList[0]?.local, this.host.addresses);
  }

  // ================================================================ options out

  /** Octets of options every data segment may carry (options-out.ts). */
  optionOverhead(): number {
    return this.out.optionOverhead();
  }

  wantsPureAck(s: Subflow): boolean {
    return this.out.wantsPureAck(s);
  }

  wantsAckFirst(s: Subflow): boolean {
    return this.out.wantsAckFirst(s);
  }

  /** The MPTCP options of an outgoing segment, with what sending them changes applied (options-out.ts). */
  optionsFor(s: Subflow, kind: SegmentKind, chunk: Chunk | undefined, payloadLen: number, seq: number): MptcpOption[] {
    return this.out.optionsFor(s, kind, chunk, payloadLen, seq);
  }

  // ================================================================ options in

  /** MPTCP options of an acceptable segment on an established subflow, before its data. */
  onSegmentOptions(s: Subflow, seg: TcpSegment, opts: ParsedOptions, newlyAcked: number, hadMptcp: boolean, seq: number, now: number): void {
    void seq;
    if (this.mode === 'tcp') {
      const counts = this.fb.afterFallback(opts.mptcp);
      this.host.stats.infiniteMapReceived += counts.infiniteMapReceived;
      this.host.stats.mpFailReceived += counts.mpFailReceived;
      return;
    }
    if (this.mode === 'mptcp') this.apply(segmentOptions(this.view(), s, seg, opts.mptcp, newlyAcked, hadMptcp, now), now);
  }

  /** The MPTCP-level state of a subflow (subflow-mptcp.ts). */
  private mp(s: Subflow): SubflowMptcp {
    return this.subs.mp(s);
  }

  /** What the components that return steps read of the connection (steps.ts; mode and state as they are when read). */
  private view(): InputView {
    // The getters below read the connection's live mode and state; a getter's own `this` is the view, hence the alias.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const c = this;
    const { localKey, remoteKey } = this.key;
    return {
      get mode() {
        return c.mode;
      },
      get state() {
        return c.state;
      },
      localKey,
      remoteKey,
      subflows: this.subflowList,
      live: (except?: Subflow) => this.subs.live(except),
      usable: () => this.subs.usable(true),
      mp: (s) => this.mp(s),
      addressIdFor: (a) => this.addressIdFor(a),
      minRto: this.host.minRto,
      role: this.role,
      hs: this.hs,
      fb: this.fb,
      addresses: this.addresses,
      key: this.key,
      tx: this.tx,
      rx: this.rx,
      life: this.life,
      info: (s) => this.subs.info(s),
      mayFallBack: (s) => this.fb.possible(s.initial, this.subs.live().length),
    };
  }

  // ================================================================ receive

  /** In-order subflow octets, from relative sequence `rel` (receive-path.ts). */
  onSubflowData(s: Subflow, rel: number, bytes: Uint8Array, now: number): void {
    this.apply(subflowData(this.view(), s, rel, bytes), now);
  }

  /** Tells the application what the receive side changed; the end of the stream is acknowledged at once. */
  private received(r: Received): void {
    if (r.readable) this.host.emitEvent({ type: 'readable', conn: this });
    if (!r.ended) return;
    for (const s of this.subs.usable(true)) s.ackPending = true;
    this.host.emitEvent({ type: 'end', conn: this });
  }

  /** The window we advertise: free room in the receive buffer, never moving the right edge back. */
  receiveWindow(): number {
    return this.rx.window();
  }

  // ================================================================ subflow events

  emit(s: Subflow, seg: TcpSegment): void {
    this.host.send(s, seg);
  }

  answerWithReset(s: Subflow, seg: TcpSegment): void {
    this.host.sendReset(s.local, s.localPort, s.remote, s.remotePort, seg, s.family);
  }

  forget(s: Subflow): void {
    this.host.unregister(s);
  }

  countRetransmit(): void {
    this.host.stats.retransmits++;
  }

  onChunksAcked(s: Subflow, chunks: Chunk[]): void {
    if (chunks.length === 0) return;
    const last = chunks[chunks.length - 1]!;
    this.subflowAcked(s, last.dataOff + last.data.length);
  }

  onChunkPartlyAcked(s: Subflow, c: Chunk, acked: number): void {
    this.subflowAcked(s, c.dataOff + acked);
  }

  /** The subflow's ACK covered data up to data-level `end`: a data ACK once the connection is TCP. */
  private subflowAcked(s: Subflow, end: number): void {
    const m = this.mp(s);
    m.ackedDataEnd = Math.max(m.ackedDataEnd ?? end, end);
    if (this.mode === 'tcp') this.tx.onDataAck(end, 0, this.host.now, this.sendContext());
  }

  /** The peer's FIN on a subflow, in order (before the subflow changes state). */
  onSubflowFin(s: Subflow, now: number): void {
    void s;
    void now;
    if (this.mode !== 'mptcp') {
      // TCP: the end of the data stream.
      this.received(this.rx.finHere(false));
    }
  }

  /** After the subflow moved on from the peer's FIN (closing.ts). */
  afterSubflowFin(s: Subflow, now: number): void {
    this.apply(afterSubflowFin(this.view(), s), now);
  }

  /** A subflow entered TIME_WAIT or CLOSED (closing.ts). */
  onSubflowClosed(s: Subflow): void {
    this.apply(subflowClosed(this.view(), s), this.host.now);
  }

  /** A RST arrived on a subflow. */
  subflowReset(s: Subflow, reason: string, opts: ParsedOptions, now: number): void {
    this.apply(subflowReset(this.view(), s, reason, opts), now);
  }

  /** A subflow gave up (retransmission timeout). */
  subflowFailed(s: Subflow, reason: string, now: number): void {
    this.apply(subflowFailed(this.view(), s, reason), now);
  }

  /** Resets one subflow (with MPTCP options), keeping the connection when others are left. */
  private dropSubflow(s: Subflow, reason: string, options: MptcpOption[], now: number): void {
    this.apply(dropSubflow(this.view(), s, reason, options), now);
  }

  /** Applies, in order, what a component decided (steps.ts): each step before the next is asked for. */
  private apply(steps: Iterable<ConnectionStep>, now: number): void {
    for (const e of steps) {
      if (e.do === 'count') this.host.stats[e.stat]++;
      else if (e.do === 'event') this.host.emitEvent({ ...e.event, conn: this });
      else if (e.do === 'reset-connection') this.becomeReset(e.reason, e.extra);
      else if (e.do === 'close-subflow') e.s.becomeClosed(e.reason, e.rst);
      else if (e.do === 'reset-subflow') e.s.reset(e.reason, e.options, now, e.rst);
      else if (e.do === 'send') this.mp(e.s).pendingOptions.push(e.option);
      else if (e.do === 'drop') this.dropSubflow(e.s, e.reason, [tcpRst(TcpRstReason.UNSPECIFIED)], now);
      else if (e.do === 'probe') e.s.sendWindowProbe(now);
      else if (e.do === 'closed') {
        this.host.unregisterToken(this);
        this.host.emitEvent({ type: 'closed', conn: this });
      } else if (e.do === 'deliver') this.received(this.rx.deliver(e.off, e.data, this.mode === 'mptcp'));
      else if (e.do === 'data-fin') this.received(this.rx.finAt(e.off, this.mode === 'mptcp'));
      else if (e.do === 'data-ack') this.tx.onDataAck(e.ackOff, e.window, now, this.sendContext());
      else if (e.do === 'stream-end') this.received(this.rx.finHere(this.mode === 'mptcp'));
      else if (e.do === 'register-token') this.host.registerToken(this);
      else if (e.do === 'forget-token') this.host.unregisterToken(this);
      else this.host.enqueueAccept(this);
    }
  }

  onIdleTimer(s: Subflow, now: number): void {
    void s;
    void now;
  }

  private becomeReset(reason: string, extra: { tcpRst?: TcpRstInfo; fastclose?: boolean }): void {
    if (!this.life.reset(reason)) return;
    this.tx.stop();
    this.host.unregisterToken(this);
    this.host.emitEvent({ type: 'reset', conn: this, reason, ...extra });
  }

  // ================================================================ sending

  /** Puts data on the subflows and sends what is due. */
  flush(now: number): void {
    if (this.state !== 'reset') this.schedule(now);
    for (const s of [...this.subflowList]) s.output(now);
    this.apply(checkClose(this.view()), now);
    // Subflow FINs queued by checkClose go out now.
    for (const s of this.subflowList) if (s.finQueued) s.output(now);
  }

  private schedule(now: number): void {
    this.tx.schedule(now, this.sendContext(), () => this.subs.dataFinCarrier());
  }

  /** What the data sender sees of this connection for one call. */
  private sendContext(): SendContext {
    return {
      mode: this.mode,
      state: this.state,
      subflows: this.subflowList,
      usable: (includeBackup) => this.subs.usable(includeBackup),
      joined: (s) => this.mp(s).joined,
    };
  }

  nextDeadline(): number | undefined {
    const a = this.tx.nextDeadline();
    const b = this.addresses.nextDeadline();
    return a === undefined || (b !== undefined && b < a) ? b : a;
  }

  onTimer(now: number): void {
    this.apply(this.addresses.onTimer(this.view(), now), now);
    if (this.tx.onTimer(now, this.sendContext(), () => this.subs.dataFinCarrier()).reinjected) this.fb.allowInfinite = false;
  }
}
