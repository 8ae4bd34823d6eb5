/**
 * What the connection's components ask the Connection to do, as one
 * vocabulary of steps: those of resets.ts and addresses.ts, and those of the
 * first handshake (handshake-steps.ts), the options in (options-in.ts), the
 * receive path (receive-path.ts), the joins (join-steps.ts), the fallback
 * (fallback-steps.ts) and the connection's end (closing.ts). A
 * component yields its steps one at a time; the Connection applies each before
 * it asks for the next, so a step that resets a subflow or ends the MPTCP mode
 * changes what the next one sees. And what those components read: InputView.
 */
import type { HostEventOf } from './connection-host.js';
import type { AddressEffect, Addresses, AddressView } from './addresses.js';
import type { DataReceiver } from './data-receiver.js';
import type { DataSender } from './data-sender.js';
import type { Fallback } from './fallback.js';
import type { Negotiation } from './handshake.js';
import type { Keys } from './keys.js';
import type { Lifecycle } from './lifecycle.js';
import type { ResetEffect } from './resets.js';
import type { Subflow } from './subflow.js';
import type { SubflowInfo } from './types.js';

/** An event for the application, without the connection (the Connection adds itself). */
export type EventBody<E = HostEventOf<unknown>> = E extends unknown ? Omit<E, 'conn'> : never;

export type ConnectionStep =
  | ResetEffect
  | AddressEffect
  /** Data-level octets at offset `off`, to the receive side. */
  | { do: 'deliver'; off: number; data: Uint8Array }
  /** The peer's DATA_FIN at data-level offset `off`. */
  | { do: 'data-fin'; off: number }
  /** Our data acknowledged up to data-level `ackOff`, with the peer's `window`. */
  | { do: 'data-ack'; ackOff: number; window: number }
  | { do: 'event'; event: EventBody }
  /** The connection closed (lifecycle.ts moved it): its token leaves the host's table, the application hears. */
  | { do: 'closed' }
  /** The peer's data stream ends where the receive side is (its FIN, after a fallback). */
  | { do: 'stream-end' }
  /** Our token goes in the host's table (MP_JOIN SYNs find the connection by it), or leaves it. */
  | { do: 'register-token' }
  | { do: 'forget-token' }
  /** The first subflow's handshake completed on a listener: the connection waits for accept(). */
  | { do: 'accept' };

export type Steps = Generator<ConnectionStep, void, void>;

/** What the options in and the receive path read of the connection (mode and state as they are when read), and the components they change. */
export interface InputView extends AddressView {
  role: 'client' | 'server';
  key: Keys;
  life: Lifecycle;
  /** What MP_CAPABLE settled (checksums, full establishment). */
  hs: Negotiation;
  fb: Fallback;
  addresses: Addresses;
  tx: DataSender;
  rx: DataReceiver;
  /** What the application is told of `s`. */
  info(s: Subflow): SubflowInfo;
  /** A fallback to TCP is still possible on `s` (§3.7). */
  mayFallBack(s: Subflow): boolean;
}
