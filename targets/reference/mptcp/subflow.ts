/**
 * One TCP connection (RFC 9293): the handshake, sequence and acknowledgment
 * tracking, flow control, retransmission with an RTO (rtt.ts) and fast
 * retransmit, NewReno-like congestion control (congestion.ts), in-order
 * reassembly and the FIN states.
 * In an MPTCP connection it is a subflow; its owner (the Connection) decides
 * what data goes on it, and adds the MPTCP options to what it sends.
 *
 * A Subflow knows nothing of its owner but the SubflowOwner interface
 * (subflow-owner.ts): it hands its segments to emit() and reports what
 * happens (established, data, acknowledged chunks, FIN, reset, timeout,
 * closed) through the owner's on...() methods; it never reaches the Host.
 *
 * Sequence numbers are relative offsets (seq.ts): 0 is the SYN, 1 the first
 * data octet.
 */
import type { MptcpOption, TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { Reassembly } from './buffers.js';
import { NewReno } from './congestion.js';
import { RttEstimator } from './rtt.js';
import { SendQueue } from './send-queue.js';
import { arrival } from './subflow-input.js';
import { buildSegment } from './subflow-output.js';
import { CAN_RECEIVE, CAN_SEND, MAY_OUTPUT, ON_FIN_ACKED, ON_FIN_SENT, ON_PEER_FIN, PEER_FIN_RECEIVED, SYNCHRONIZED } from './tcp-states.js';
import type { Chunk, ParsedOptions, SegmentKind, SubflowConfig, SubflowInit, SubflowOwner } from './subflow-owner.js';
import type { SubflowInfo, SubflowState, TcpRstInfo } from './types.js';

/** A subflow's SubflowInfo without the MPTCP part. */
export type TcpSubflowInfo = Omit<SubflowInfo, 'localAddressId' | 'remoteAddressId' | 'backup' | 'peerBackup' | 'joined'>;

export type { Chunk, ParsedOptions, SegmentKind, SubflowConfig, SubflowInit, SubflowOwner } from './subflow-owner.js';

export class Subflow {
  readonly id: number;
  private readonly owner: SubflowOwner<Subflow>;
  private readonly config: SubflowConfig;
  readonly local: string;
  readonly localPort: number;
  readonly remote: string;
  readonly remotePort: number;
  readonly family: 4 | 6;
  readonly initial: boolean;
  readonly key: string;
  state: SubflowState;

  readonly isn: number;
  irs = 0;

  // Send side.
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  sndWnd = 65535;
  private sndWl1 = 0;
  private sndWl2 = 0;
  peerWscale = 0;
  /** The shift applied to the windows we advertise (0 unless both SYNs carried window scale). */
  ourWscale = 0;
  /** The shift we offered in our SYN, if any. */
  offeredWscale: number | undefined;
  /** Our SYN asks for a TCP Fast Open cookie (RFC 7413: an empty TFO option; RFC 8684 Appendix B.1). */
  fastOpenRequest = false;
  peerMss = 536;
  private readonly sendQueue = new SendQueue();
  finQueued = false;
  private finSeq = -1;
  /** The SYN or SYN/ACK is to be (re)sent. */
  private synDue = true;
  private probeDue = false;

  // Congestion control and timers.
  private readonly cc: NewReno;
  private readonly rtt: RttEstimator;
  retries = 0;
  rtoDeadline: number | undefined;
  timeWaitDeadline: number | undefined;

  // Receive side.
  rcvNxt = 0;
  /** TCP Fast Open: the SYN's data (acknowledged with the SYN: rcvNxt is past it), for the connection at the third ACK. */
  synData: Uint8Array | undefined;
  private ooo = new Reassembly();
  private finRcvSeq: number | undefined;
  ackPending = false;
  /** The right edge (relative) last advertised, so the window never shrinks. */
  lastAdvWindow = 0;

  /** This end sent the SYN. */
  initiatedHere = false;
  /** No new data goes on it (closing, or the peer closed it). */
  noNewData = false;
  closeReason: string | undefined;
  closeRst: TcpRstInfo | undefined;

  /**
   * How many acceptable segments with an ACK have arrived. A keepalive is answered when this grows after it went: a
   * count, not a time, since a segment that came in the same millisecond before the keepalive is no answer to it.
   */
  acceptedSegments = 0;

  bytesSent = 0;
  bytesReceived = 0;
  retransmits = 0;

  constructor(owner: SubflowOwner<Subflow>, config: SubflowConfig, init: SubflowInit, state: SubflowState, initialCwndSegments = 10) {
    this.owner = owner;
    this.config = config;
    this.id = init.id;
    this.local = init.local;
    this.localPort = init.localPort;
    this.remote = init.remote;
    this.remotePort = init.remotePort;
    this.family = init.local.includes(':') ? 6 : 4;
    this.initial = init.initial;
    this.isn = init.isn;
    this.state = state;
    this.key = Subflow.keyOf(init.local, init.localPort, init.remote, init.remotePort);
    this.rtt = new RttEstimator(config.initialRto, config.minRto);
    this.cc = new NewReno(initialCwndSegments * 1400, config.maxCwndSegments);
  }

  static keyOf(local: string, localPort: number, remote: string, remotePort: number): string {
    return `${local}|${localPort}|${remote}|${remotePort}`;
  }

  get ourMss(): number {
    return this.config.mtu - (this.family === 4 ? 40 : 60);
  }

  /** The largest payload of a segment, the options the connection adds included. */
  get maxPayload(): number {
    return Math.max(64, Math.min(this.peerMss, this.ourMss) - this.owner.optionOverhead());
  }

  get inFlight(): number {
    return this.sndNxt - this.sndUna;
  }

  get synchronized(): boolean {
    return SYNCHRONIZED.has(this.state);
  }

  get canSend(): boolean {
    return CAN_SEND.has(this.state);
  }

  /** The peer's FIN was received in order. */
  get peerFinReceived(): boolean {
    return PEER_FIN_RECEIVED.has(this.state);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Relative sequence number after the last octet queued. */
  get queueEnd(): number {
    return this.sendQueue.end;
  }

  /** Octets queued and not yet sent. */
  get unsent(): number {
    return this.queueEnd - this.sndNxt;
  }

  /** Octets sent and not acknowledged at the subflow level, and data-level offsets they carry. */
  unackedChunks(): Chunk[] {
    return this.sendQueue.unacked(this.sndUna);
  }

  /** What the application sees of it at the TCP level (the owner adds the MPTCP part). */
  info(): TcpSubflowInfo {
    return {
      id: this.id,
      localAddress: this.local,
      localPort: this.localPort,
      remoteAddress: this.remote,
      remotePort: this.remotePort,
      state: this.state,
      initial: this.initial,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      retransmits: this.retransmits,
      ...(this.closeReason !== undefined ? { closeReason: this.closeReason } : {}),
    };
  }

  /** Room for a new chunk of `len` octets right now (congestion and flow control). */
  roomFor(len: number): boolean {
    if (!this.canSend || this.noNewData || this.finQueued) return false;
    if (this.unsent > 0) return false;
    const flight = this.inFlight;
    if (flight === 0) return this.sndWnd > 0;
    return flight + len <= Math.min(this.cc.cwnd, this.sndWnd);
  }

  queueChunk(c: Chunk): void {
    this.sendQueue.push(c);
  }

  /** Our FIN, after everything queued. */
  queueFin(): void {
    if (this.finQueued) return;
    // Before the handshake completes, the FIN waits: output() sends it only in a synchronized state.
    this.finQueued = true;
    this.finSeq = this.queueEnd;
  }

  // ---------------------------------------------------------------- output

  /** Sends what is due: the SYN or SYN/ACK, data within the windows, the FIN, a pure ACK. */
  output(now: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'syn-sent' || this.state === 'syn-received') {
      if (this.synDue) {
        this.synDue = false;
        if (this.retransmits === 0) this.rtt.synSent(now);
        this.emit(this.state === 'syn-sent' ? 'syn' : 'syn-ack', 0, undefined, now);
        this.sndNxt = Math.max(this.sndNxt, 1);
        this.sndMax = Math.max(this.sndMax, 1);
        this.armRto(now);
      }
      return;
    }
    let sent = false;
    // An MP_FAIL goes out on its own ACK before any data (its answer, the infinite mapping, rides on the data).
    if (this.synchronized && this.owner.wantsAckFirst(this)) this.emit('ack', Math.max(this.sndNxt, this.sndMax), undefined, now);
    if (MAY_OUTPUT.has(this.state)) {
      // Data: from sndNxt (after an RTO this is sndUna again).
      while (this.sndNxt < this.queueEnd) {
        const c = this.sendQueue.at(this.sndNxt);
        if (!c) break;
        const len = Math.min(c.seq + c.data.length - this.sndNxt, Math.min(this.peerMss, this.ourMss));
        const flight = this.inFlight;
        const limit = Math.min(this.cc.cwnd, this.sndWnd);
        if (!(flight + len <= limit || (flight === 0 && (this.sndWnd > 0 || this.probeDue)))) break;
        this.probeDue = false;
        this.sendChunkPart(c, this.sndNxt, len, now);
        this.sndNxt += len;
        sent = true;
      }
      if (this.finQueued && this.sndNxt === this.finSeq && this.finSeq === this.queueEnd) {
        this.emit('fin', this.finSeq, undefined, now);
        this.sndNxt = this.finSeq + 1;
        if (this.sndMax < this.sndNxt) this.sndMax = this.sndNxt;
        this.state = ON_FIN_SENT[this.state] ?? this.state;
        this.armRtoIfIdle(now);
        sent = true;
      }
    }
    const wantPure = this.owner.wantsPureAck(this);
    if (this.synchronized && (wantPure || (this.ackPending && !sent))) this.emit('ack', Math.max(this.sndNxt, this.sndMax), undefined, now);
    this.ackPending = false;
    // Persist timer: data waits for a window.
    if (this.unsent > 0 && this.inFlight === 0 && this.rtoDeadline === undefined && this.canSend) this.armRto(now);
  }

  /** A pure ACK one below what the peer expects: it answers with an ACK and its current window. */
  sendWindowProbe(now: number): void {
    if (!this.synchronized) return;
    this.emit('ack', this.sndUna - 1, undefined, now);
  }

  private sendChunkPart(c: Chunk, seq: number, len: number, now: number): void {
    const at = seq - c.seq;
    const retransmit = seq < this.sndMax;
    if (retransmit) {
      this.retransmits++;
      this.owner.countRetransmit();
    } else {
      this.bytesSent += len;
      this.rtt.sent(seq + len, now);
    }
    this.emit('data', seq, { chunk: c, payload: c.data.subarray(at, at + len) }, now);
    if (seq + len > this.sndMax) this.sndMax = seq + len;
    this.armRtoIfIdle(now);
  }

  /** Builds (subflow-output.ts) and sends one segment. */
  emit(kind: SegmentKind, seq: number, data: { chunk: Chunk; payload: Uint8Array } | undefined, now: number, extra?: { rstOptions?: MptcpOption[] }): void {
    const mp = kind === 'rst' ? (extra?.rstOptions ?? []) : this.owner.optionsFor(this, kind, data?.chunk, data?.payload.length ?? 0, seq);
    const seg = buildSegment(this, kind, seq, data?.payload, mp, () => this.owner.receiveWindow());
    if (kind !== 'syn' && kind !== 'rst') {
      this.lastAdvWindow = seg.window * (kind === 'syn-ack' ? 1 : 2 ** this.ourWscale);
      this.ackPending = false;
    }
    void now;
    this.owner.emit(this, seg);
  }

  // ---------------------------------------------------------------- timers

  private armRto(now: number): void {
    this.rtoDeadline = now + this.rto;
  }

  private armRtoIfIdle(now: number): void {
    if (this.rtoDeadline === undefined) this.armRto(now);
  }

  nextDeadline(): number | undefined {
    if (this.state === 'time-wait') return this.timeWaitDeadline;
    return this.rtoDeadline;
  }

  /** Timers that expired at `now`. */
  onTimer(now: number): void {
    if (this.state === 'time-wait') {
      if (this.timeWaitDeadline !== undefined && now >= this.timeWaitDeadline) this.becomeClosed(undefined);
      return;
    }
    if (this.rtoDeadline === undefined || now < this.rtoDeadline) return;
    this.rtoDeadline = undefined;
    this.retries++;
    if (this.retries > this.config.maxRetries) {
      this.owner.subflowFailed(this, 'retransmission timeout', now);
      return;
    }
    this.rtt.backoff();
    if (this.state === 'syn-sent' || this.state === 'syn-received') {
      this.synDue = true;
      this.retransmits++;
      this.owner.countRetransmit();
      this.owner.onSynRetransmit(this, this.retries);
      return;
    }
    if (this.owner.joinAckOutstanding(this)) {
      // The third ACK of an MP_JOIN was not answered: send it again.
      this.retransmits++;
      this.ackPending = true;
      this.armRto(now);
      return;
    }
    if (this.sndUna < this.sndMax) {
      // Go back to the first unacknowledged octet, one segment at a time.
      this.cc.onTimeout(this.inFlight, this.mss());
      this.sndNxt = this.sndUna;
      this.rtt.cancel();
      if (this.queueEnd === this.sndUna && this.sndUna === this.sndMax) return;
      this.armRto(now);
      return;
    }
    if (this.unsent > 0 && this.sndWnd === 0) {
      // Zero window: probe with the next segment.
      this.probeDue = true;
      this.armRto(now);
      return;
    }
    this.owner.onIdleTimer(this, now);
  }

  private mss(): number {
    return Math.min(this.peerMss, this.ourMss);
  }

  // ---------------------------------------------------------------- input

  /** The first SYN (passive open): the peer's ISN and SYN options. */
  acceptSyn(seg: TcpSegment, opts: ParsedOptions, offerWscale: number | undefined): void {
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.offeredWscale = opts.wscale !== undefined ? offerWscale : undefined;
    this.takeSynOptions(opts);
    this.sndWnd = seg.window;
  }

  private takeSynOptions(opts: ParsedOptions): void {
    if (opts.mss !== undefined && opts.mss > 0) this.peerMss = opts.mss;
    else this.peerMss = this.family === 4 ? 536 : 1220;
    if (opts.wscale !== undefined && this.offeredWscale !== undefined) {
      this.peerWscale = Math.min(opts.wscale, 14);
      this.ourWscale = this.offeredWscale;
    } else {
      this.peerWscale = 0;
      this.ourWscale = 0;
    }
    this.cc.start(this.mss());
  }

  /** A segment for this subflow (RFC 9293 §3.10.7): subflow-input.ts says what it is, this applies it. */
  input(seg: TcpSegment, opts: ParsedOptions, now: number): void {
    const a = arrival(this, seg, () => this.owner.receiveWindow());
    switch (a.do) {
      case 'ignore':
        return;
      case 'answer-with-reset':
        this.owner.answerWithReset(this, seg);
        return;
      case 'reset':
        this.owner.subflowReset(this, a.reason, opts, now);
        return;
      case 'ack-now':
        if (a.restartTimeWait) this.restartTimeWait(now);
        this.ackPending = true;
        return;
      case 'syn-again':
        this.synDue = true;
        return;
      case 'syn-ack':
        this.onSynAck(seg, opts, now);
        return;
      case 'process':
        this.acceptedSegments++;
        if (a.handshake && !this.onHandshakeAck(seg, opts, a.seq, a.ack, now)) return;
        this.onAcceptable(seg, opts, a.seq, a.ack, now);
    }
  }

  /** The SYN/ACK of our SYN: the peer's ISN and options; established. */
  private onSynAck(seg: TcpSegment, opts: ParsedOptions, now: number): void {
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.takeSynOptions(opts);
    this.sndUna = 1;
    this.sndWnd = seg.window; // the window of a SYN/ACK is never scaled (RFC 7323 §2.2)
    this.sndWl1 = 0;
    this.sndWl2 = 1;
    this.rtoDeadline = undefined;
    this.retries = 0;
    if (this.retransmits === 0) this.rtt.handshakeDone(now);
    this.rtt.cancel();
    this.state = 'established';
    this.ackPending = true;
    this.owner.onSynAck(this, seg, opts, now);
  }

  /** The ACK of our SYN/ACK: established. False when the owner reset the subflow. */
  private onHandshakeAck(seg: TcpSegment, opts: ParsedOptions, seq: number, ack: number, now: number): boolean {
    this.sndUna = 1;
    this.sndWnd = seg.window * 2 ** this.peerWscale;
    this.sndWl1 = seq;
    this.sndWl2 = ack;
    this.rtoDeadline = undefined;
    this.retries = 0;
    if (this.retransmits === 0) this.rtt.handshakeDone(now);
    this.state = 'established';
    return this.owner.onHandshakeAck(this, seg, opts, now);
  }

  /** An acceptable segment with an ACK: the ACK, the MPTCP options (the owner's), data, FIN. */
  private onAcceptable(seg: TcpSegment, opts: ParsedOptions, seq: number, ack: number, now: number): void {
    const hadMptcp = opts.mptcp.length > 0;
    const newlyAcked = this.processAck(seq, ack, seg, now);
    if (this.closed) return;

    // MPTCP options (data ACK, mappings, address management...).
    this.owner.onSegmentOptions(this, seg, opts, newlyAcked, hadMptcp, seq, now);
    if (this.closed) return;

    // 5. Data.
    if (seg.payload.length > 0) {
      if (CAN_RECEIVE.has(this.state)) this.receiveData(seq, seg.payload, now);
      else this.ackPending = true;
    }
    if (this.closed) return;

    // 6. FIN.
    if (seg.flags.fin) {
      const finAt = seq + seg.payload.length;
      if (this.finRcvSeq === undefined) this.finRcvSeq = finAt;
      this.ackPending = true;
    }
    this.checkFin(now);
  }

  private processAck(seq: number, ack: number, seg: TcpSegment, now: number): number {
    let newly = 0;
    const wnd = seg.window * 2 ** this.peerWscale;
    const windowChanged = wnd !== this.sndWnd;
    if (this.sndWl1 < seq || (this.sndWl1 === seq && this.sndWl2 <= ack)) {
      this.sndWnd = wnd;
      this.sndWl1 = seq;
      this.sndWl2 = ack;
    }
    if (ack > this.sndUna) {
      newly = ack - this.sndUna;
      this.rtt.acked(ack, now);
      this.sndUna = ack;
      if (this.sndNxt < this.sndUna) this.sndNxt = this.sndUna;
      this.retries = 0;
      this.releaseAcked();
      // A partial ACK in fast recovery: the next hole goes at once.
      if (this.cc.onAck(ack, newly, this.mss())) this.retransmitAt(this.sndUna, now);
      if (this.sndUna >= this.sndMax && !this.owner.joinAckOutstanding(this)) this.rtoDeadline = undefined;
      else this.rtoDeadline = now + this.rto;
      // Our FIN acknowledged.
      if (this.finQueued && ack > this.finSeq) this.moveTo(ON_FIN_ACKED[this.state], now);
    } else if (ack === this.sndUna && seg.payload.length === 0 && !seg.flags.fin && !windowChanged && this.sndMax > this.sndUna) {
      // The third duplicate ACK: fast retransmit.
      if (this.cc.onDupAck(this.inFlight, this.sndMax, this.mss())) this.retransmitAt(this.sndUna, now);
    }
    return newly;
  }

  private retransmitAt(seq: number, now: number): void {
    const c = this.sendQueue.at(seq);
    if (!c) return;
    const len = Math.min(c.seq + c.data.length - seq, this.mss());
    this.rtt.cancel();
    this.sendChunkPart(c, seq, len, now);
  }

  private releaseAcked(): void {
    const { done, partial } = this.sendQueue.release(this.sndUna);
    if (done.length > 0) this.owner.onChunksAcked(this, done);
    if (partial) this.owner.onChunkPartlyAcked(this, partial, this.sndUna - partial.seq);
  }

  /** The retransmission timeout (ms). */
  get rto(): number {
    return this.rtt.rto;
  }

  get smoothedRtt(): number | undefined {
    return this.rtt.smoothed;
  }

  private receiveData(seq: number, payload: Uint8Array, now: number): void {
    let data = payload;
    let at = seq;
    if (at < this.rcvNxt) {
      data = data.subarray(this.rcvNxt - at);
      at = this.rcvNxt;
    }
    if (data.length === 0) {
      this.ackPending = true;
      return;
    }
    if (at > this.rcvNxt) {
      this.ooo.insert(at, data);
      this.ackPending = true; // a duplicate ACK at once, for fast retransmit
      return;
    }
    const parts = [data, ...this.ooo.take(at + data.length)];
    this.ackPending = true;
    for (const p of parts) {
      const from = this.rcvNxt;
      this.rcvNxt += p.length;
      this.bytesReceived += p.length;
      this.owner.onSubflowData(this, from, p, now);
      if (this.state === 'closed') return;
    }
  }

  private checkFin(now: number): void {
    if (this.finRcvSeq === undefined || this.rcvNxt !== this.finRcvSeq) return;
    this.finRcvSeq = undefined;
    this.rcvNxt += 1;
    this.ackPending = true;
    if (!CAN_RECEIVE.has(this.state)) return;
    // The connection hears of it first (in TCP mode it is the end of the data).
    this.owner.onSubflowFin(this, now);
    if (this.closed) return;
    const ourFinAcked = this.finQueued && this.sndUna > this.finSeq;
    this.moveTo(this.state === 'fin-wait-1' && ourFinAcked ? 'time-wait' : ON_PEER_FIN[this.state], now);
    this.owner.afterSubflowFin(this, now);
  }

  /** To the next state of tcp-states.ts (none: stays); TIME_WAIT and CLOSED start and stop timers. */
  private moveTo(next: SubflowState | undefined, now: number): void {
    if (next === 'time-wait') this.enterTimeWait(now);
    else if (next === 'closed') this.becomeClosed(undefined);
    else if (next) this.state = next;
  }

  private enterTimeWait(now: number): void {
    this.state = 'time-wait';
    this.rtoDeadline = undefined;
    this.restartTimeWait(now);
    this.owner.onSubflowClosed(this);
  }

  private restartTimeWait(now: number): void {
    this.timeWaitDeadline = now + this.config.timeWaitMs;
  }

  /** Ends the subflow at once (no packet sent). */
  becomeClosed(reason: string | undefined, rst?: TcpRstInfo): void {
    if (this.state === 'closed') return;
    const wasTimeWait = this.state === 'time-wait';
    this.state = 'closed';
    this.rtoDeadline = undefined;
    this.timeWaitDeadline = undefined;
    if (reason !== undefined && this.closeReason === undefined) this.closeReason = reason;
    if (rst) this.closeRst = rst;
    this.ooo.clear();
    this.owner.forget(this);
    if (!wasTimeWait) this.owner.onSubflowClosed(this);
  }

  /** Sends a RST (with the given MPTCP options) and closes. */
  reset(reason: string, options: MptcpOption[], now: number, rst?: TcpRstInfo): void {
    if (this.state === 'closed') return;
    if (this.state !== 'syn-sent' && this.state !== 'time-wait') this.emit('rst', Math.max(this.sndNxt, this.sndMax), undefined, now, { rstOptions: options });
    this.becomeClosed(reason, rst);
  }
}
