/**
 * What passes between a Host and its Connections: the events the application
 * hears, and the narrow interface through which a Connection uses its Host.
 */
import type { MptcpOption, TcpSegment } from '../../../suites/mptcp/codec/index.js';
import type { RandomSource } from './random.js';
import type { Subflow, SubflowConfig } from './subflow.js';
import type { HostStats, SubflowInfo, TcpRstInfo } from './types.js';

/** What the application hears from a Host (takeEvents), about connections of type C (connection.ts: HostEvent). */
export type HostEventOf<C> =
  | { type: 'connected'; conn: C }
  | { type: 'incoming'; conn: C; port: number }
  | { type: 'readable'; conn: C }
  | { type: 'end'; conn: C }
  | { type: 'closed'; conn: C }
  | { type: 'reset'; conn: C; reason: string; tcpRst?: TcpRstInfo; fastclose?: boolean }
  | { type: 'fallback'; conn: C; reason: string }
  | { type: 'subflow-added'; conn: C; subflow: SubflowInfo }
  | { type: 'subflow-removed'; conn: C; subflow: SubflowInfo; reason: string; tcpRst?: TcpRstInfo }
  | { type: 'add-addr'; conn: C; addressId: number; address: string; port?: number }
  | { type: 'remove-addr'; conn: C; addressIds: number[] }
  | { type: 'mp-prio'; conn: C; subflow: number; backup: boolean }
  | { type: 'mp-fail'; conn: C; dsn: bigint };

/**
 * What a Connection asks of the Host that owns it: the clock and randomness,
 * host-wide settings and counters, the subflow and token tables, the outbox
 * and the event queue. The Host implements it; a Connection never sees more of
 * the Host than this (and does not import it). Generic in the connection
 * type so that this file does not import connection.ts (no import cycle).
 */
export interface ConnectionHost<C> {
  readonly now: number;
  readonly random: RandomSource;
  readonly stats: HostStats;
  readonly addresses: readonly string[];
  readonly receiveBuffer: number;
  readonly windowScale: number | null;
  readonly initialRto: number;
  readonly minRto: number;
  readonly synRetriesBeforeFallback: number | null;
  readonly subflowConfig: SubflowConfig;
  isLocal(address: string): boolean;
  ephemeralPort(local: string, remote: string, remotePort: number): number;
  /** The subflow table (4-tuple to subflow). */
  register(s: Subflow): void;
  unregister(s: Subflow): void;
  /** The token table (MP_JOIN SYNs find their connection by token). */
  tokenInUse(token: number): boolean;
  registerToken(c: C): void;
  unregisterToken(c: C): void;
  send(s: Subflow, seg: TcpSegment): void;
  sendReset(local: string, localPort: number, remote: string, remotePort: number, seg: TcpSegment, family: 4 | 6, options?: MptcpOption[]): void;
  emitEvent(e: HostEventOf<C>): void;
  /** A server connection finished its handshake: to the listener's queue. */
  enqueueAccept(c: C): void;
}
