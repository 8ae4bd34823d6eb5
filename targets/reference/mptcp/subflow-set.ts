/**
 * The subflows of one connection, in the order they were made, with what the
 * Connection keeps about each at the MPTCP level (SubflowMptcp), and the
 * questions asked of them: which are open, which may carry new data, which
 * carries the DATA_FIN. It owns the list and the ids; the Connection makes
 * the subflows and adds them.
 */
import type { Subflow } from './subflow.js';
import { SubflowMptcp, subflowInfo } from './subflow-mptcp.js';
import type { SubflowInfo } from './types.js';

export class SubflowSet {
  readonly list: Subflow[] = [];
  private readonly mptcp = new Map<Subflow, SubflowMptcp>();
  private nextId = 1;

  /** The id of the next subflow. */
  takeId(): number {
    return this.nextId++;
  }

  add(s: Subflow): void {
    this.list.push(s);
  }

  /** The MPTCP-level state of a subflow (subflow-mptcp.ts). */
  mp(s: Subflow): SubflowMptcp {
    let m = this.mptcp.get(s);
    if (!m) this.mptcp.set(s, (m = new SubflowMptcp()));
    return m;
  }

  /** What the application sees of a subflow. */
  info(s: Subflow): SubflowInfo {
    return subflowInfo(s, this.mp(s));
  }

  /** The subflow with this id, unless it is closed. */
  find(id: number): Subflow | undefined {
    return this.list.find((x) => x.id === id && !x.closed);
  }

  /** The subflows not closed (TIME_WAIT included), but `except`. */
  live(except?: Subflow): Subflow[] {
    return this.list.filter((x) => x !== except && !x.closed);
  }

  /** Subflows besides the first that are open or opening (for the subflow limit). */
  joinedCount(): number {
    return this.list.filter((s) => !s.initial && !s.closed && s.state !== 'time-wait').length;
  }

  /** Subflows that may carry new data (or a DATA_FIN): open, joined; backups only when `includeBackup`. */
  usable(includeBackup: boolean): Subflow[] {
    return this.list.filter(
      (s) => s.canSend && !s.noNewData && (s.initial || this.mp(s).joined) && (includeBackup || !(this.mp(s).backup || this.mp(s).peerBackup)),
    );
  }

  /** The subflow our DATA_FIN goes on: a usable one that neither end made a backup, else any usable one. */
  dataFinCarrier(): Subflow | undefined {
    return this.usable(false).find((x) => !this.mp(x).backup && !this.mp(x).peerBackup) ?? this.usable(false)[0] ?? this.usable(true)[0];
  }
}
