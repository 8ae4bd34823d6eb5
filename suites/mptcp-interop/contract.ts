/**
 * The parameters of the interop adapter methods, as an adapter receives them
 * (docs/adapter-contract.md, "interop.*"; the schema is
 * vectors/schema/mptcp-interop-adapter.schema.json), and what both sides
 * agree on.
 */

/** interop.prepare: the node, its addresses and whether DSS checksums are asked for. */
export interface PrepareParams {
  role: 'client' | 'server';
  namespace?: string;
  address: string;
  extraAddresses?: string[];
  /** Addresses the endpoint owns and announces (ADD_ADDR) without opening subflows from them (capability interop-announce). */
  announceAddresses?: string[];
  gateway?: string;
  checksums: boolean;
}

/** interop.serve and interop.connect: where, and how much each way. */
export interface TransferParams {
  address?: string;
  port?: number;
  send: number;
  receive: number;
  /** The overall cap: give up once this long has passed since the call, whatever moved (TransferBound). */
  timeoutMs: number;
  /** Give up once no octet has moved either way for this long (TransferBound); without it, only timeoutMs bounds the transfer. */
  idleMs?: number;
  /** Give up on the connection itself (the client's connect, the server's accept) once this long has passed since the call; without it, timeoutMs. */
  handshakeMs?: number;
  /** Text the client sends ahead of its pattern (an FTP command), which the server reads as its first line (capability interop-preamble). */
  preamble?: string;
  /**
   * The server's reply to each line of the preamble, a line each, in order (capability interop-preamble). With them the
   * exchange goes in lockstep, as an FTP control connection does: the client sends a line and reads its reply before the
   * next line and before its pattern; the server reads a line and answers it at once, and starts its pattern after the last
   * reply. So each command is a segment (and a mapping) of its own and nothing of either pattern is in flight while the
   * commands are.
   */
  replies?: string;
}

/** What an endpoint says of its side of the transfer (interop.connect, interop.finish). */
export interface Report {
  mptcp: boolean;
  fallback: boolean;
  fallbackReason?: string;
  subflows: number;
  sent: number;
  received: number;
  intact: boolean;
  reset?: boolean;
  error?: string;
  counters?: Record<string, number>;
  /** The server's first line, when there was a preamble: what arrived of it. */
  preambleReceived?: string;
  /** The client's replies, when there were replies: what arrived of them (counted in `received`, as the preamble is in the server's). */
  repliesReceived?: string;
}

/** The client sends with seed 1, the server with seed 2 (docs/mptcp-interop.md). */
export const SEED = { client: 1, server: 2 } as const;

/**
 * The bound of one side's transfer (docs/mptcp-interop.md, "timeoutMs"): the side gives up once no octet has moved either way
 * for idleMs, or once timeoutMs has passed since it started, whichever comes first. A transfer that keeps moving on a slow link
 * or a busy machine is never cut short by a clock set for an idle one (issue 17); one that stalls still ends, and says which
 * bound ended it. `now` is the side's clock in milliseconds.
 */
export class TransferBound {
  private readonly started: number;
  private last: number;
  private octets = -1;

  constructor(
    private readonly p: Pick<TransferParams, 'timeoutMs' | 'idleMs' | 'handshakeMs'>,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.last = this.started;
  }

  /**
   * Milliseconds left for the connection itself (a connect, an accept), before any octet can move: handshakeMs from the
   * call, within the cap. A connection that never comes (a client that keeps sending a SYN the middlebox drops, and never
   * falls back) ends there, not at the whole cap: 120 s times the pair's timeFactor was 8 minutes of nothing for a 6.1 client.
   */
  handshakeLeft(): number {
    return this.started + Math.min(this.p.handshakeMs ?? this.p.timeoutMs, this.p.timeoutMs) - this.now();
  }

  /**
   * Notes how many octets have moved so far (acknowledged or received, both ways summed; the first call starts the idle
   * clock) and returns the milliseconds left before a bound ends the transfer: 0 or less once one has.
   */
  moved(octets: number): number {
    if (octets !== this.octets) {
      this.octets = octets;
      this.last = this.now();
    }
    const idle = this.p.idleMs !== undefined ? this.last + this.p.idleMs : Infinity;
    return Math.min(idle, this.started + this.p.timeoutMs) - this.now();
  }

  /** Which bound ended the transfer, for its report's error. */
  why(): string {
    const now = this.now();
    const idle = this.p.idleMs !== undefined && now - this.last >= this.p.idleMs;
    const moving = this.p.idleMs !== undefined && !idle;
    if (now - this.started >= this.p.timeoutMs)
      return `timed out: the transfer's cap of ${this.p.timeoutMs} ms passed${moving ? ' with octets still moving' : ''}`;
    return idle ? `stalled: no octet moved either way for ${this.p.idleMs} ms` : 'within its bounds';
  }
}
