/**
 * A Host: one sans-IO network stack with its own addresses. Packets come in
 * with input(packet, now); what it sends is collected by takeOutput(); time
 * moves only through input() and poll(now), and nextDeadline() says when
 * poll() is next needed. Nothing here opens a socket, reads a clock or draws
 * randomness by itself.
 */
import { decodePacket, encodePacket, type MptcpOption, type MpJoin, type TcpSegment } from '../../../suites/mptcp/codec/index.js';
import type { ConnectionHost } from './connection-host.js';
import { Connection, type HostEvent, type ResolvedMptcpOptions } from './connection.js';
import type { RandomSource } from './random.js';
import { TFO_OPTION_KIND } from './subflow-output.js';
import { Subflow, type ParsedOptions, type SubflowConfig } from './subflow.js';
import type { ConnectOptions, HostOptions, HostStats, ListenOptions, MptcpOptions } from './types.js';

export class Listener {
  readonly port: number;
  readonly options: ResolvedMptcpOptions;
  readonly backlog: number;
  /** Takes SYN data (ListenOptions.fastOpen, when the host allows it). */
  readonly fastOpen: boolean;
  private readonly queue: Connection[] = [];
  /** Connections in the handshake. */
  private readonly handshaking = new Set<Connection>();
  closed = false;

  constructor(port: number, options: ResolvedMptcpOptions, backlog: number, fastOpen = false) {
    this.port = port;
    this.options = options;
    this.backlog = backlog;
    this.fastOpen = fastOpen;
  }

  /** The next established connection, if any. */
  accept(): Connection | undefined {
    return this.queue.shift();
  }

  /** Connections established and not accepted yet. */
  get queued(): number {
    return this.queue.length;
  }

  /** @internal Room for one more connection (handshaking or waiting). */
  hasRoom(): boolean {
    return this.handshaking.size + this.queue.length < this.backlog;
  }

  /** @internal */
  started(c: Connection): void {
    this.handshaking.add(c);
  }

  /** @internal Once per connection: a fast open one is queued on its SYN, not again on its third ACK. */
  push(c: Connection): boolean {
    if (!this.handshaking.delete(c)) return false;
    this.queue.push(c);
    return true;
  }

  /** @internal A connection that died in its handshake. */
  forget(c: Connection): void {
    this.handshaking.delete(c);
  }
}

function emptyStats(): HostStats {
  return {
    packetsIn: 0,
    packetsOut: 0,
    badPackets: 0,
    resetsSent: 0,
    resetsForUnknown: 0,
    mpTcpRstSent: 0,
    mpFailSent: 0,
    mpFailReceived: 0,
    infiniteMapSent: 0,
    infiniteMapReceived: 0,
    fastcloseSent: 0,
    fastcloseReceived: 0,
    joinSynAckHmacFailure: 0,
    joinAckHmacFailure: 0,
    joinNoToken: 0,
    joinRefused: 0,
    addAddrReceived: 0,
    addAddrBadHmac: 0,
    addAddrEchoSent: 0,
    dssChecksumFailure: 0,
    retransmits: 0,
    fallbacks: 0,
  };
}

export function parseOptions(seg: TcpSegment): ParsedOptions {
  const out: ParsedOptions = { mptcp: [] };
  for (const o of seg.options) {
    if (o.type === 'mss') out.mss = o.mss;
    else if (o.type === 'window-scale') out.wscale = o.shift;
    else if (o.type === 'mptcp') out.mptcp.push(o);
  }
  return out;
}

export class Host implements ConnectionHost<Connection> {
  readonly addresses: string[];
  readonly random: RandomSource;
  readonly mtu: number;
  readonly receiveBuffer: number;
  readonly windowScale: number | null;
  readonly timeWaitMs: number;
  readonly initialRto: number;
  readonly minRto: number;
  readonly maxRetries: number;
  readonly synRetriesBeforeFallback: number | null;
  readonly fastOpenServer: boolean;
  readonly maxCwndSegments: number;
  readonly sendResets: boolean;
  readonly maxJoinedSubflows: number;
  readonly defaults: ResolvedMptcpOptions;
  /** What every subflow of the host is given. */
  readonly subflowConfig: SubflowConfig;
  readonly stats: HostStats = emptyStats();
  /** The time of the latest input() or poll(). */
  now = 0;

  private outbox: Uint8Array[] = [];
  private events: HostEvent[] = [];
  private readonly table = new Map<string, Subflow>();
  private readonly listeners = new Map<number, Listener>();
  private readonly tokenMap = new Map<number, Connection>();
  private readonly conns = new Map<number, Connection>();
  private nextConnId = 1;
  private ipId: number;
  private nextPort: number;

  constructor(opts: HostOptions) {
    if (opts.addresses.length === 0) throw new Error('a host needs at least one address');
    this.addresses = [...opts.addresses];
    this.random = opts.random;
    this.mtu = opts.mtu ?? 1500;
    this.receiveBuffer = opts.receiveBuffer ?? 4 * 1024 * 1024;
    this.windowScale = opts.windowScale === undefined ? 7 : opts.windowScale;
    this.timeWaitMs = opts.timeWaitMs ?? 2000;
    this.initialRto = opts.initialRtoMs ?? 1000;
    this.minRto = opts.minRtoMs ?? 200;
    this.maxRetries = opts.maxRetries ?? 8;
    this.synRetriesBeforeFallback = opts.synRetriesBeforeFallback === undefined ? 2 : opts.synRetriesBeforeFallback;
    this.fastOpenServer = opts.fastOpenServer ?? false;
    this.maxCwndSegments = opts.maxCwndSegments ?? 512;
    this.sendResets = opts.sendResets ?? true;
    this.maxJoinedSubflows = opts.maxJoinedSubflows ?? Number.POSITIVE_INFINITY;
    this.defaults = resolve(opts, {});
    this.subflowConfig = {
      mtu: this.mtu,
      initialRto: this.initialRto,
      minRto: this.minRto,
      maxRetries: this.maxRetries,
      maxCwndSegments: this.maxCwndSegments,
      timeWaitMs: this.timeWaitMs,
    };
    this.ipId = this.random.u32() & 0xffff;
    this.nextPort = 32768 + (this.random.u32() % 28000);
  }

  // ---------------------------------------------------------------- sockets

  listen(port: number, options: ListenOptions = {}): Listener {
    if (this.listeners.has(port)) throw new Error(`port ${port} is already listening`);
    const l = new Listener(port, resolve(this.defaults, options), options.backlog ?? 128, options.fastOpen === true && this.fastOpenServer);
    this.listeners.set(port, l);
    return l;
  }

  unlisten(port: number): void {
    const l = this.listeners.get(port);
    if (l) l.closed = true;
    this.listeners.delete(port);
  }

  /** The next connection accepted on a port (or on any port). */
  accept(port?: number): Connection | undefined {
    if (port !== undefined) return this.listeners.get(port)?.accept();
    for (const l of this.listeners.values()) {
      const c = l.accept();
      if (c) return c;
    }
    return undefined;
  }

  connect(options: ConnectOptions): Connection {
    const family = options.remote.includes(':') ? 6 : 4;
    const local = options.local ?? this.addresses.find((a) => (a.includes(':') ? 6 : 4) === family);
    if (!local) throw new Error(`no local IPv${family} address`);
    if (!this.isLocal(local)) throw new Error(`${local} is not an address of this host`);
    const c = new Connection(this, this.nextConnId++, 'client', resolve(this.defaults, options));
    this.conns.set(c.id, c);
    const port = options.localPort ?? this.ephemeralPort(local, options.remote, options.port);
    c.startConnect(local, port, options.remote, options.port, options.fastOpen === true);
    return c;
  }

  connection(id: number): Connection | undefined {
    return this.conns.get(id);
  }

  connections(): Connection[] {
    return [...this.conns.values()];
  }

  isLocal(address: string): boolean {
    return this.addresses.includes(address);
  }

  /** Adds an address to the host (for a later subflow or ADD_ADDR). */
  addAddress(address: string): void {
    if (!this.addresses.includes(address)) this.addresses.push(address);
  }

  // ---------------------------------------------------------------- I/O

  /** One IP packet from the network, at time `now` (ms). */
  input(packet: Uint8Array, now: number): void {
    this.advance(now);
    this.stats.packetsIn++;
    const d = decodePacket(packet, { lenient: true });
    if (!d.ok) {
      this.stats.badPackets++;
      return;
    }
    const { packet: p, checks } = d.value;
    if (checks.ipHeaderChecksum === false || !checks.tcpChecksum) {
      this.stats.badPackets++;
      return;
    }
    if (!this.isLocal(p.ip.dst)) return;
    const seg = p.tcp;
    const opts = parseOptions(seg);
    const key = Subflow.keyOf(p.ip.dst, seg.dstPort, p.ip.src, seg.srcPort);
    const f = seg.flags;
    let s = this.table.get(key);
    if (s && s.state === 'time-wait' && f.syn && !f.ack && !f.rst && this.listeners.has(seg.dstPort)) {
      // A new connection on the 4-tuple of one in TIME_WAIT: let the old one go (RFC 9293 §3.6.1).
      s.becomeClosed(undefined);
      s = undefined;
    }
    if (s) {
      s.input(seg, opts, now);
      return;
    }
    if (f.rst) return;
    const family = p.ip.version;
    if (f.syn && !f.ack) {
      const join = opts.mptcp.find((o): o is MpJoin & { form: 'syn' } => o.subtype === 'mp_join' && o.form === 'syn');
      const mpc = opts.mptcp.some((o) => o.subtype === 'mp_capable');
      if (join && !mpc) {
        this.onJoinSyn(seg, opts, join, p.ip.dst, p.ip.src, family);
        return;
      }
      const l = this.listeners.get(seg.dstPort);
      if (l && l.hasRoom()) {
        const c = new Connection(this, this.nextConnId++, 'server', l.options);
        l.started(c);
        c.listenerPort = l.port;
        this.conns.set(c.id, c);
        const s = c.acceptSyn(seg, opts, p.ip.dst, p.ip.src);
        // TCP Fast Open (RFC 7413 §4.2.2, without a cookie): the SYN's data is acknowledged in the SYN/ACK and the
        // connection is the application's at once; the data is delivered at the third ACK (Subflow.synData).
        if (l.fastOpen && seg.payload.length > 0 && seg.options.some((o) => o.type === 'unknown' && o.kind === TFO_OPTION_KIND)) {
          s.synData = seg.payload;
          s.rcvNxt = 1 + seg.payload.length;
          this.enqueueAccept(c);
        }
        return;
      }
      if (l) return; // backlog full: drop, the peer retries
    }
    if (this.sendResets) {
      this.stats.resetsForUnknown++;
      this.sendReset(p.ip.dst, seg.dstPort, p.ip.src, seg.srcPort, seg, family);
    }
  }

  private onJoinSyn(seg: TcpSegment, opts: ParsedOptions, join: MpJoin & { form: 'syn' }, local: string, remote: string, family: 4 | 6): void {
    const c = this.tokenMap.get(join.token);
    const first = c?.subflowList[0];
    const portOk = c && first && (first.localPort === seg.dstPort || this.listeners.has(seg.dstPort));
    // A connection that shut down its sending side (closing) still takes joins: data may still flow the other way.
    if (!c || c.mode !== 'mptcp' || (c.state !== 'established' && c.state !== 'closing') || !portOk || c.keys.remote === undefined) {
      this.stats.joinNoToken++;
      this.stats.mpTcpRstSent++;
      this.sendReset(local, seg.dstPort, remote, seg.srcPort, seg, family, [
        { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: false }, reason: 1 },
      ]);
      return;
    }
    // Flag C (§3.1): no join to the address and port of the first subflow; or the subflow limit is reached.
    const toFirst = c.opts.denyJoinToFirstAddress && first.local === local && first.localPort === seg.dstPort;
    if (toFirst || c.joinedSubflowCount() >= this.maxJoinedSubflows) {
      this.stats.joinRefused++;
      this.stats.mpTcpRstSent++;
      this.sendReset(local, seg.dstPort, remote, seg.srcPort, seg, family, [
        { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: false }, reason: 3 },
      ]);
      return;
    }
    c.acceptJoinSyn(seg, opts, join, local, remote);
  }

  /** Runs the timers due at `now`. */
  poll(now: number): void {
    this.advance(now);
    for (const s of [...this.table.values()]) {
      const d = s.nextDeadline();
      if (d !== undefined && d <= now) s.onTimer(now);
    }
    for (const c of this.conns.values()) {
      const d = c.nextDeadline();
      if (d !== undefined && d <= now) c.onTimer(now);
    }
  }

  /** The earliest time poll() has something to do, or undefined. */
  nextDeadline(): number | undefined {
    let best: number | undefined;
    for (const s of this.table.values()) {
      const d = s.nextDeadline();
      if (d !== undefined && (best === undefined || d < best)) best = d;
    }
    for (const c of this.conns.values()) {
      const d = c.nextDeadline();
      if (d !== undefined && (best === undefined || d < best)) best = d;
    }
    return best;
  }

  /** The packets to send (sending what is due first). */
  takeOutput(): Uint8Array[] {
    for (const c of [...this.conns.values()]) c.flush(this.now);
    this.gc();
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  takeEvents(): HostEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  private advance(now: number): void {
    if (now > this.now) this.now = now;
  }

  /** Forgets connections that are over and have no subflow left. */
  private gc(): void {
    for (const [id, c] of this.conns) {
      if (c.state === 'reset' && c.listenerPort !== undefined) this.listeners.get(c.listenerPort)?.forget(c);
      if ((c.state === 'closed' || c.state === 'reset') && c.subflowList.every((s) => s.closed)) this.conns.delete(id);
    }
  }

  // ---------------------------------------------------------------- internal

  /** @internal */
  send(s: Subflow, seg: TcpSegment): void {
    this.outbox.push(this.encode(s.local, s.remote, s.family, seg));
  }

  private encode(src: string, dst: string, family: 4 | 6, seg: TcpSegment): Uint8Array {
    this.stats.packetsOut++;
    if (family === 4) {
      this.ipId = (this.ipId + 1) & 0xffff;
      return encodePacket({ ip: { version: 4, src, dst, identification: this.ipId }, tcp: seg });
    }
    return encodePacket({ ip: { version: 6, src, dst }, tcp: seg });
  }

  /** A RST answering `seg` (RFC 9293 §3.10.7.1). */
  sendReset(local: string, localPort: number, remote: string, remotePort: number, seg: TcpSegment, family: 4 | 6, options: MptcpOption[] = []): void {
    if (seg.flags.rst) return;
    this.stats.resetsSent++;
    const len = seg.payload.length + (seg.flags.syn ? 1 : 0) + (seg.flags.fin ? 1 : 0);
    const rst: TcpSegment = seg.flags.ack
      ? { srcPort: localPort, dstPort: remotePort, seq: seg.ack, ack: 0, flags: { rst: true }, window: 0, options, payload: new Uint8Array(0) }
      : {
          srcPort: localPort,
          dstPort: remotePort,
          seq: 0,
          ack: (seg.seq + len) >>> 0,
          flags: { rst: true, ack: true },
          window: 0,
          options,
          payload: new Uint8Array(0),
        };
    this.outbox.push(this.encode(local, remote, family, rst));
  }

  /** @internal */
  register(s: Subflow): void {
    this.table.set(s.key, s);
  }

  /** @internal */
  unregister(s: Subflow): void {
    if (this.table.get(s.key) === s) this.table.delete(s.key);
  }

  /** @internal */
  tokenInUse(token: number): boolean {
    return this.tokenMap.has(token);
  }

  /** @internal */
  registerToken(c: Connection): void {
    this.tokenMap.set(c.tokens.local, c);
  }

  /** @internal */
  unregisterToken(c: Connection): void {
    if (this.tokenMap.get(c.tokens.local) === c) this.tokenMap.delete(c.tokens.local);
  }

  /** @internal */
  emitEvent(e: HostEvent): void {
    this.events.push(e);
  }

  /** @internal A server connection finished its handshake. */
  enqueueAccept(c: Connection): void {
    const l = c.listenerPort !== undefined ? this.listeners.get(c.listenerPort) : undefined;
    if (l && !l.push(c)) return; // already queued (fast open: on its SYN)
    this.emitEvent({ type: 'incoming', conn: c, port: c.listenerPort ?? 0 });
  }

  /** @internal An unused local port for a connection to remote:port. */
  ephemeralPort(local: string, remote: string, remotePort: number): number {
    for (let i = 0; i < 28232; i++) {
      const p = this.nextPort;
      this.nextPort = this.nextPort >= 60999 ? 32768 : this.nextPort + 1;
      if (!this.table.has(Subflow.keyOf(local, p, remote, remotePort)) && !this.listeners.has(p)) return p;
    }
    throw new Error('no free ephemeral port');
  }
}

function resolve(base: MptcpOptions, over: MptcpOptions): ResolvedMptcpOptions {
  return {
    mptcp: over.mptcp ?? base.mptcp ?? true,
    checksum: over.checksum ?? base.checksum ?? false,
    version: over.version ?? base.version ?? 1,
    mpCapableWithData: over.mpCapableWithData ?? base.mpCapableWithData ?? true,
    flagB: over.flagB ?? base.flagB ?? false,
    omitFlagH: over.omitFlagH ?? base.omitFlagH ?? false,
    denyJoinToFirstAddress: over.denyJoinToFirstAddress ?? base.denyJoinToFirstAddress ?? false,
  };
}
