/**
 * The data-level send side of a connection: the send buffer and its
 * data-level offsets (seq.ts; una, nxt), the peer's shared receive window,
 * the scheduler that puts chunks (one DSS mapping each) on the subflows,
 * reinjection of what a dead subflow owed, the data-level retransmission
 * timer, window probes, and our DATA_FIN with its own timer.
 *
 * It owns that state. It sees the subflows only through what a Connection
 * lends it for a call (SendContext: its siblings, not its parent) and
 * answers with what changed for the Connection (Sent).
 */
import { SendBuffer } from './buffers.js';
import type { ConnectionMode } from './option-builder.js';
import type { Chunk, Subflow } from './subflow.js';
import type { ConnectionState } from './types.js';

const MAX_TIMEOUT_MS = 60000;

/** What a call needs to know of the connection: its mode and state, and its subflows. */
export interface SendContext {
  mode: ConnectionMode;
  state: ConnectionState;
  subflows: readonly Subflow[];
  /** Subflows that may carry new data (or a DATA_FIN); backups only when `includeBackup`. */
  usable(includeBackup: boolean): Subflow[];
  /** The subflow belongs to the data level: the initial one, or a join that completed. */
  joined(s: Subflow): boolean;
}

/** What changed for the connection. */
export interface Sent {
  /** Data went a second time (reinjected): no fallback to TCP is possible from now on (§3.7). */
  reinjected: boolean;
}

export class DataSender {
  private readonly initialRto: number;
  private readonly minRto: number;
  private sendBuf = new SendBuffer();
  /** First octet not data-acknowledged. */
  una = 0;
  /** Next new octet to schedule. */
  nxt = 0;
  private peerDataEdge = 0;
  shutdownRequested = false;
  /** Our DATA_FIN: not yet, sent (and its offset), acknowledged. */
  finOff: number | undefined;
  finAcked = false;
  private finDeadline: number | undefined;
  private finBackoff = 0;
  /** The DATA_FIN is to go (again) on a pure ACK. */
  finDue = false;
  private reinject: { off: number; end: number }[] = [];
  /** Data-level retransmission: when data ACKs stop advancing, the first unacknowledged octets go again on a subflow. */
  private rtoDeadline: number | undefined;
  private rtoBackoff = 0;
  /** Window probes (zero window at the data level or on the subflows). */
  private probeDeadline: number | undefined;
  private probeBackoff = 0;
  private rr = 0;

  constructor(timing: { initialRto: number; minRto: number }) {
    this.initialRto = timing.initialRto;
    this.minRto = timing.minRto;
  }

  /** Octets written and not yet acknowledged at the data level. */
  get unacknowledged(): number {
    return this.sendBuf.end - this.una;
  }

  /** Queues octets to send (copied). */
  write(data: Uint8Array): void {
    this.sendBuf.append(data.slice());
  }

  /** The peer's window, from the handshake, until its first data ACK. */
  openWindow(window: number): void {
    this.peerDataEdge = window;
  }

  /** The connection is over: no DATA_FIN timer. */
  stop(): void {
    this.finDeadline = undefined;
  }

  /** After a fallback: nothing is reinjected. */
  dropReinjections(): void {
    this.reinject = [];
  }

  /** The peer acknowledged up to data-level `ackOff` with `window` (a data ACK, or a TCP ACK after a fallback). */
  onDataAck(ackOff: number, window: number, now: number, ctx: SendContext): void {
    const limit = this.nxt + (this.finOff !== undefined ? 1 : 0);
    if (ackOff > limit || ackOff < this.una - 0x40000000) return;
    if (ackOff + window > this.peerDataEdge) this.peerDataEdge = ackOff + window;
    if (ackOff <= this.una) return;
    this.una = ackOff;
    this.rtoBackoff = 0;
    this.rtoDeadline = this.una < this.nxt ? now + this.dataRto(ctx) : undefined;
    this.sendBuf.release(Math.min(ackOff, this.sendBuf.end));
    while (this.reinject.length > 0 && this.reinject[0]!.end <= ackOff) this.reinject.shift();
    if (this.reinject.length > 0 && this.reinject[0]!.off < ackOff) this.reinject[0]!.off = ackOff;
    if (this.finOff !== undefined && ackOff > this.finOff && !this.finAcked) {
      this.finAcked = true;
      this.finDeadline = undefined;
      this.finDue = false;
    }
  }

  /** The data-level octets a dead or closing subflow still owed (its unacknowledged chunks) go on the others. */
  reinjectChunks(chunks: Chunk[]): Sent {
    for (const c of chunks) {
      const off = Math.max(c.dataOff, this.una);
      const end = c.dataOff + c.data.length;
      if (end > off) this.reinject.push({ off, end });
    }
    this.reinject.sort((a, b) => a.off - b.off);
    return { reinjected: this.reinject.length > 0 };
  }

  /** Puts data on the subflows (the scheduler), and ends the stream once everything is scheduled. */
  schedule(now: number, ctx: SendContext, dataFinSubflow: () => Subflow | undefined): void {
    if (ctx.state === 'connecting' || ctx.state === 'closed') return;
    if (ctx.mode === 'pending') return;
    for (;;) {
      const re = this.reinject[0];
      const off = re ? re.off : this.nxt;
      const limit = re ? re.end : this.sendBuf.end;
      if (off >= limit) {
        if (re) {
          this.reinject.shift();
          continue;
        }
        break;
      }
      const s = this.pickSubflow(ctx);
      if (!s) break;
      let len = Math.min(limit - off, s.maxPayload);
      if (ctx.mode === 'mptcp' && !re) {
        // The receive window is shared by all subflows, relative to the data ACK (§3.3.4).
        const room = this.peerDataEdge - off;
        if (room <= 0) break;
        if (room < len) len = room;
      }
      if (!s.roomFor(len)) break;
      const c: Chunk = { seq: s.queueEnd, data: this.sendBuf.slice(off, len), dataOff: off };
      s.queueChunk(c);
      if (re) re.off += len;
      else this.nxt += len;
      if (this.rtoDeadline === undefined && ctx.mode === 'mptcp') this.rtoDeadline = now + this.dataRto(ctx);
      s.output(now);
    }
    // Data waits for a window and nothing is in flight: probe (a window update may have been lost).
    const waiting = this.reinject.length > 0 || this.nxt < this.sendBuf.end;
    if (waiting && ctx.subflows.every((x) => x.inFlight === 0 || x.closed)) {
      this.probeDeadline ??= now + this.probeInterval(ctx);
    } else {
      this.probeDeadline = undefined;
      this.probeBackoff = 0;
    }
    // The end of the stream.
    if (this.shutdownRequested && this.nxt === this.sendBuf.end && this.reinject.length === 0) {
      if (ctx.mode === 'tcp') {
        const s = ctx.subflows.find((x) => x.initial && !x.closed) ?? ctx.subflows.find((x) => !x.closed);
        if (s && !s.finQueued && (s.canSend || s.state === 'syn-received')) s.queueFin();
      } else if (this.finOff === undefined) {
        this.finOff = this.sendBuf.end;
        this.finDue = true;
        this.finBackoff = 0;
        this.finDeadline = now + this.finRto(dataFinSubflow());
      }
    }
  }

  private finRto(s: Subflow | undefined): number {
    return Math.min(MAX_TIMEOUT_MS, (s?.rto ?? this.initialRto) * 2 ** this.finBackoff);
  }

  private pickSubflow(ctx: SendContext): Subflow | undefined {
    if (ctx.mode === 'tcp') {
      const s = ctx.subflows.find((x) => !x.closed && x.initial) ?? ctx.subflows.find((x) => !x.closed);
      return s && s.canSend && s.roomFor(Math.min(1, s.maxPayload)) ? s : undefined;
    }
    let list = ctx.usable(false);
    if (list.length === 0) list = ctx.usable(true);
    if (list.length === 0) return undefined;
    // The subflow with the lowest smoothed RTT that has room (as Linux's default scheduler does), so
    // that data arrives in order as much as it can; ties go round robin.
    let best: Subflow | undefined;
    let bestRtt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < list.length; i++) {
      const s = list[(this.rr + i) % list.length]!;
      if (!s.roomFor(s.maxPayload)) continue;
      const rtt = s.smoothedRtt ?? this.initialRto;
      if (rtt < bestRtt) {
        best = s;
        bestRtt = rtt;
      }
    }
    if (best) this.rr = (ctx.subflows.indexOf(best) + 1) % Math.max(1, list.length);
    return best;
  }

  /** The earliest of the data-level timers. */
  nextDeadline(): number | undefined {
    let best: number | undefined;
    for (const d of [this.finDeadline, this.rtoDeadline, this.probeDeadline]) if (d !== undefined && (best === undefined || d < best)) best = d;
    return best;
  }

  private probeInterval(ctx: SendContext): number {
    return Math.min(MAX_TIMEOUT_MS, this.largestRto(ctx) * 2 ** this.probeBackoff);
  }

  /** The data-level RTO: twice the largest subflow RTO, at least a second, backed off. */
  private dataRto(ctx: SendContext): number {
    return Math.min(MAX_TIMEOUT_MS, Math.max(1000, 2 * this.largestRto(ctx)) * 2 ** this.rtoBackoff);
  }

  private largestRto(ctx: SendContext): number {
    let rto = this.minRto;
    for (const s of ctx.subflows) if (!s.closed) rto = Math.max(rto, s.rto);
    return rto;
  }

  /** The data-level timers due at `now`: window probes, data-level retransmission, the DATA_FIN again. */
  onTimer(now: number, ctx: SendContext, dataFinSubflow: () => Subflow | undefined): Sent {
    let reinjected = false;
    if (this.probeDeadline !== undefined && now >= this.probeDeadline) {
      // A segment below the window makes the peer answer with an ACK carrying its window (RFC 9293 §3.8.6.1).
      for (const s of ctx.subflows) if (s.canSend && (s.initial || ctx.joined(s))) s.sendWindowProbe(now);
      this.probeBackoff++;
      this.probeDeadline = now + this.probeInterval(ctx);
    }
    if (this.rtoDeadline !== undefined && now >= this.rtoDeadline) {
      this.rtoDeadline = undefined;
      if (ctx.mode === 'mptcp' && ctx.state !== 'reset' && this.una < this.nxt) {
        // The peer acknowledged these octets on a subflow but not at the data level (it may have dropped
        // them, or the subflow is stuck): send the first of them again on a subflow (§3.3.6).
        const end = Math.min(this.nxt, this.una + 64 * 1024);
        if (!this.reinject.some((r) => r.off <= this.una && r.end >= end)) {
          this.reinject.unshift({ off: this.una, end });
          reinjected = true;
        }
        this.rtoBackoff++;
        this.rtoDeadline = now + this.dataRto(ctx);
      }
    }
    if (this.finDeadline !== undefined && now >= this.finDeadline) {
      if (this.finAcked || ctx.mode !== 'mptcp' || ctx.state === 'reset') {
        this.finDeadline = undefined;
        return { reinjected };
      }
      this.finBackoff++;
      this.finDue = true;
      this.finDeadline = now + this.finRto(dataFinSubflow());
    }
    return { reinjected };
  }
}
