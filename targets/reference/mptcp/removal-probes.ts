/**
 * REMOVE_ADDR from the peer (RFC 8684 §3.4.2): a subflow on the removed
 * address gets a keepalive first, and goes only if nothing answers it within
 * its RTO. This keeps the keepalives in flight and says which are due; the
 * Connection sends them and removes the subflows.
 */
import type { Subflow } from './subflow.js';

export interface Probe {
  s: Subflow;
  /** The subflow's count of acceptable segments when the keepalive went (Subflow.acceptedSegments). */
  acceptedBefore: number;
  deadline: number;
}

export class RemovalProbes {
  private probes: Probe[] = [];

  /** A keepalive is in flight on `s`. */
  has(s: Subflow): boolean {
    return this.probes.some((p) => p.s === s);
  }

  /** A keepalive went on `s`; it is answered or not by `deadline`. */
  add(s: Subflow, deadline: number): void {
    this.probes.push({ s, acceptedBefore: s.acceptedSegments, deadline });
  }

  /** Whether anything came on the probe's subflow since its keepalive went. */
  static answered(p: Probe): boolean {
    return p.s.acceptedSegments > p.acceptedBefore;
  }

  /** Takes the probes whose time is up at `now`. */
  takeDue(now: number): Probe[] {
    const due = this.probes.filter((x) => now >= x.deadline);
    for (const p of due) this.probes.splice(this.probes.indexOf(p), 1);
    return due;
  }

  nextDeadline(): number | undefined {
    let best: number | undefined;
    for (const p of this.probes) if (best === undefined || p.deadline < best) best = p.deadline;
    return best;
  }
}
