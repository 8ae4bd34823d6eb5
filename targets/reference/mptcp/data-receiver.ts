/**
 * The data-level receive side of a connection: octets in data-level order
 * (offsets, seq.ts), reassembled across subflows, queued for the application,
 * the receive window advertised on every subflow, and the end of the peer's
 * stream (DATA_FIN, or the FIN of a TCP connection).
 *
 * It owns its state and reports what changed (Received) instead of calling
 * out: the Connection turns `readable` and `ended` into events and ACKs.
 */
import { ByteQueue, Reassembly } from './buffers.js';

/** What a delivery or the end of the stream changed. */
export interface Received {
  /** Octets became readable and the application was not told yet: a 'readable' event. */
  readable: boolean;
  /** The peer's stream just ended (everything before its end arrived): an 'end' event, and ACKs. */
  ended: boolean;
}

const NOTHING: Received = { readable: false, ended: false };

export class DataReceiver {
  /** The next data-level offset expected. */
  rcvNxt = 0;
  private ooo = new Reassembly();
  private readable = new ByteQueue();
  private readonly rcvBufCap: number;
  private rcvEdge = 0;
  private peerFinOff: number | undefined;
  private eofSeen = false;
  /** The application closed: what arrives is acknowledged and dropped. */
  discardIncoming = false;
  private readablePending = false;

  constructor(receiveBuffer: number) {
    this.rcvBufCap = receiveBuffer;
  }

  /** Octets received and not read yet. */
  get length(): number {
    return this.readable.length;
  }

  /** The peer's stream ended (its DATA_FIN or FIN arrived in order). */
  get eof(): boolean {
    return this.eofSeen;
  }

  /** Where the peer's stream ends, once known. */
  get finOffset(): number | undefined {
    return this.peerFinOff;
  }

  /**
   * Up to `max` octets for the application, and whether the window opened
   * enough that the peer should hear of it at once (a window update).
   */
  read(max: number): { data: Uint8Array; windowUpdate: boolean } {
    const before = this.window();
    const data = this.readable.read(max);
    this.readablePending = false;
    let windowUpdate = false;
    if (data.length > 0) {
      const after = this.window();
      const mss = 1400;
      windowUpdate = before < Math.min(this.rcvBufCap / 2, 64 * 1024) && after - before >= Math.min(this.rcvBufCap / 4, 2 * mss);
    }
    return { data, windowUpdate };
  }

  /** Data-level octets at offset `off`; `mptcp` says whether a DATA_FIN takes a sequence number. */
  deliver(off: number, data: Uint8Array, mptcp: boolean): Received {
    let d = data;
    let at = off;
    if (at + d.length <= this.rcvNxt) return NOTHING;
    if (at < this.rcvNxt) {
      d = d.subarray(this.rcvNxt - at);
      at = this.rcvNxt;
    }
    if (at > this.rcvNxt) {
      this.ooo.insert(at, d);
      return NOTHING;
    }
    const parts = [d, ...this.ooo.take(at + d.length)];
    for (const p of parts) {
      this.rcvNxt += p.length;
      if (!this.discardIncoming) this.readable.push(p);
    }
    let readable = false;
    if (!this.discardIncoming && !this.readablePending) {
      this.readablePending = true;
      readable = true;
    }
    return { readable, ended: this.checkEnd(mptcp) };
  }

  /** The peer's stream ends at `off` (the first end heard counts). */
  finAt(off: number, mptcp: boolean): Received {
    if (this.peerFinOff === undefined) this.peerFinOff = off;
    return { readable: false, ended: this.checkEnd(mptcp) };
  }

  /** The stream ends where the data received so far ends (a TCP FIN), unless its end is known. */
  finHere(mptcp: boolean): Received {
    return this.finAt(this.rcvNxt, mptcp);
  }

  /** The window we advertise: free room in the receive buffer, never moving the right edge back. */
  window(): number {
    const free = Math.max(0, this.rcvBufCap - this.readable.length - this.ooo.size);
    const edge = Math.max(this.rcvEdge, this.rcvNxt + free);
    this.rcvEdge = edge;
    return edge - this.rcvNxt;
  }

  private checkEnd(mptcp: boolean): boolean {
    if (this.eofSeen || this.peerFinOff === undefined || this.rcvNxt !== this.peerFinOff) return false;
    this.eofSeen = true;
    if (mptcp) this.rcvNxt += 1; // the DATA_FIN takes one data sequence number
    return true;
  }
}
