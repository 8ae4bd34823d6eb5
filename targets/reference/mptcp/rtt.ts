/**
 * The round-trip time of one subflow and the retransmission timeout that
 * follows from it (RFC 6298): one segment timed at a time (Karn's rule: a
 * retransmitted segment is never timed), SRTT and RTTVAR smoothed, the RTO
 * between the host's lower bound and 60 s, doubled on every timeout.
 */
const MAX_RTO_MS = 60000;

export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private rtoMs: number;
  private readonly minRto: number;
  /** The segment being timed: its end (relative sequence) and when it left. */
  private timedSeq: number | undefined;
  private timedAt = 0;

  constructor(initialRto: number, minRto: number) {
    this.rtoMs = initialRto;
    this.minRto = minRto;
  }

  /** The current retransmission timeout (ms). */
  get rto(): number {
    return this.rtoMs;
  }

  /** The smoothed RTT, once there is a sample. */
  get smoothed(): number | undefined {
    return this.srtt;
  }

  /** The SYN (or SYN/ACK) left at `now`: its answer is timed with handshakeDone(). */
  synSent(now: number): void {
    this.timedAt = now;
  }

  /** The handshake's answer arrived at `now` (the caller skips it after a SYN retransmission). */
  handshakeDone(now: number): void {
    this.sample(now - this.timedAt);
  }

  /** New data ending at `end` left at `now`: timed unless a segment is already. */
  sent(end: number, now: number): void {
    if (this.timedSeq !== undefined) return;
    this.timedSeq = end;
    this.timedAt = now;
  }

  /** An ACK up to `ack` arrived at `now`: a sample when it covers the timed segment. */
  acked(ack: number, now: number): void {
    if (this.timedSeq === undefined || ack < this.timedSeq) return;
    this.sample(now - this.timedAt);
    this.timedSeq = undefined;
  }

  /** Stops timing (a retransmission: its ACK would be ambiguous). */
  cancel(): void {
    this.timedSeq = undefined;
  }

  /** A retransmission timeout: the RTO doubles. */
  backoff(): void {
    this.rtoMs = Math.min(this.rtoMs * 2, MAX_RTO_MS);
  }

  private sample(r: number): void {
    const rtt = Math.max(0, r);
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rtoMs = Math.min(MAX_RTO_MS, Math.max(this.minRto, this.srtt + Math.max(1, 4 * this.rttvar)));
  }
}
