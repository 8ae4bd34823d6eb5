/**
 * A path manager for the reference endpoint, in the manner of Linux's
 * in-kernel one with "subflow" endpoints: the endpoint itself opens no
 * subflow on its own, this policy does, from outside the sans-IO core, after
 * every step of the realtime driver.
 *
 * - A connection this host opened (the client), once fully established
 *   (§3.1: the peer's first data ACK came), gets one subflow from each extra
 *   address to the peer's address and port of the first subflow, unless the
 *   peer set flag C.
 * - An address the peer announces (ADD_ADDR with a right HMAC) gets one
 *   subflow from the address of the first subflow, in either role, up to
 *   `addAddrAccepted` announcements.
 * - Every connection has at most `subflows` subflows besides its first
 *   (opened and accepted alike; the Host refuses joins beyond it).
 * - Addresses to announce (Linux's "signal" endpoints) go to the peer in an
 *   ADD_ADDR once the connection is fully established, in either role; no
 *   subflow is opened from them.
 */
import type { Connection, Host, HostEvent } from './mptcp/index.js';

export interface PathLimits {
  /** Subflows besides the first, default 2 (Linux's default limit is 2 as well). */
  subflows?: number;
  /** ADD_ADDRs acted upon, default 2. */
  addAddrAccepted?: number;
}

/** What the manager does besides joining from extra addresses. */
export interface PathOptions extends PathLimits {
  /** Our addresses to announce (ADD_ADDR) on every connection, without opening subflows from them. */
  announce?: string[];
}

interface ConnState {
  endpointsDone: boolean;
  /** Whether our own addresses were announced. */
  signalled: boolean;
  announced: { address: string; port?: number }[];
  addAddrUsed: number;
  joined: Set<string>;
}

export class PathManager {
  private readonly host: Host;
  private readonly extra: string[];
  private readonly signal: string[];
  readonly subflowLimit: number;
  readonly addAddrLimit: number;
  private readonly conns = new Map<Connection, ConnState>();
  /** What the manager did or could not do, for logs. */
  readonly log: string[] = [];

  constructor(host: Host, extraAddresses: string[], limits: PathOptions = {}) {
    this.host = host;
    this.extra = extraAddresses;
    this.signal = limits.announce ?? [];
    this.subflowLimit = limits.subflows ?? 2;
    this.addAddrLimit = limits.addAddrAccepted ?? 2;
  }

  private state(c: Connection): ConnState {
    let s = this.conns.get(c);
    if (!s) {
      s = { endpointsDone: false, signalled: false, announced: [], addAddrUsed: 0, joined: new Set() };
      this.conns.set(c, s);
    }
    return s;
  }

  /** Events of the host, as the driver hands them over. */
  onEvent(e: HostEvent): void {
    if (e.type === 'add-addr') {
      const s = this.state(e.conn);
      if (s.addAddrUsed >= this.addAddrLimit) return;
      s.addAddrUsed++;
      s.announced.push({ address: e.address, ...(e.port !== undefined ? { port: e.port } : {}) });
    }
  }

  /** Opens the subflows that are due; run after every step. */
  step(): void {
    for (const c of this.host.connections()) {
      if (!c.isMptcp || (c.state !== 'established' && c.state !== 'closing') || c.keys.remote === undefined) continue;
      const s = this.state(c);
      const first = c.subflowList[0];
      if (!first) continue;
      if (!s.endpointsDone && c.role === 'client' && c.fullyEstablished) {
        s.endpointsDone = true;
        if (c.peerDeniesJoinToFirstAddress) {
          if (this.extra.length) this.log.push(`connection ${c.id}: the peer set flag C, no subflow to ${first.remote}:${first.remotePort}`);
        } else {
          for (const a of this.extra) this.open(c, s, a, first.remote, first.remotePort);
        }
      }
      if (!s.signalled && c.fullyEstablished) {
        s.signalled = true;
        for (const a of this.signal) this.announce(c, a);
      }
      while (s.announced.length > 0) {
        const a = s.announced.shift()!;
        this.open(c, s, first.local, a.address, a.port ?? first.remotePort);
      }
    }
    for (const c of [...this.conns.keys()]) if (c.state === 'closed' || c.state === 'reset') this.conns.delete(c);
  }

  private announce(c: Connection, address: string): void {
    try {
      const id = c.announceAddress(address);
      this.log.push(`connection ${c.id}: announced ${address} as address id ${id}`);
    } catch (err) {
      this.log.push(`connection ${c.id}: announcing ${address}: ${(err as Error).message}`);
    }
  }

  private open(c: Connection, s: ConnState, local: string, remote: string, port: number): void {
    const key = `${local}>${remote}:${port}`;
    if (s.joined.has(key)) return;
    if (c.joinedSubflowCount() >= this.subflowLimit) {
      this.log.push(`connection ${c.id}: subflow limit ${this.subflowLimit} reached, no subflow ${key}`);
      return;
    }
    s.joined.add(key);
    try {
      c.addSubflow(local, remote, port);
    } catch (err) {
      this.log.push(`connection ${c.id}: subflow ${key}: ${(err as Error).message}`);
    }
  }
}
