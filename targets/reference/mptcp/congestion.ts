/**
 * The congestion window of one subflow: slow start, congestion avoidance,
 * fast retransmit after three duplicate ACKs and NewReno's fast recovery
 * (RFC 5681, RFC 6582), and a fresh start after a retransmission timeout.
 * Windows are in octets; `mss` is passed in, since it is known only after the
 * SYNs. The subflow sends; this only says when a segment is to go again.
 */
export class NewReno {
  /** The congestion window (octets). */
  cwnd: number;
  private ssthresh = Number.MAX_SAFE_INTEGER;
  private dupAcks = 0;
  private inRecovery = false;
  private recover = 0;
  private readonly maxSegments: number;

  constructor(initialCwnd: number, maxSegments: number) {
    this.cwnd = initialCwnd;
    this.maxSegments = maxSegments;
  }

  /** The handshake set the MSS: the initial window is ten segments. */
  start(mss: number): void {
    this.cwnd = 10 * mss;
  }

  /** A retransmission timeout with `inFlight` octets outstanding: one segment at a time again. */
  onTimeout(inFlight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss);
    this.cwnd = mss;
    this.inRecovery = false;
    this.dupAcks = 0;
  }

  /** New data acknowledged up to `ack` (`newly` octets). True when a partial ACK asks for the next hole to go again. */
  onAck(ack: number, newly: number, mss: number): boolean {
    let retransmit = false;
    if (this.inRecovery) {
      if (ack >= this.recover) {
        this.inRecovery = false;
        this.cwnd = this.ssthresh;
      } else {
        // Partial ACK: the next hole.
        retransmit = true;
        this.cwnd = Math.max(mss, this.cwnd - newly + mss);
      }
    } else if (this.cwnd < this.ssthresh) this.cwnd += Math.min(newly, mss);
    else this.cwnd += Math.max(1, Math.floor((mss * mss) / this.cwnd));
    this.cwnd = Math.min(this.cwnd, this.maxSegments * mss);
    this.dupAcks = 0;
    return retransmit;
  }

  /** A duplicate ACK (`inFlight` outstanding, `sndMax` the highest sent). True when it starts fast retransmit. */
  onDupAck(inFlight: number, sndMax: number, mss: number): boolean {
    this.dupAcks++;
    if (this.dupAcks === 3 && !this.inRecovery) {
      this.ssthresh = Math.max(Math.floor(inFlight / 2), 2 * mss);
      this.cwnd = this.ssthresh + 3 * mss;
      this.recover = sndMax;
      this.inRecovery = true;
      return true;
    }
    if (this.inRecovery) this.cwnd += mss;
    return false;
  }
}
