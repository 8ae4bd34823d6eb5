/**
 * What a Connection keeps about each of its subflows at the MPTCP level:
 * address ids, backup flags, the MP_JOIN nonces and progress, the control
 * options waiting for a segment, and the receive mappings. The Subflow itself
 * is plain TCP and knows none of this.
 */
import type { MptcpOption } from '../../../suites/mptcp/codec/index.js';
import { RxMappings } from './mappings.js';
import type { SubflowView } from './option-builder.js';
import type { Subflow } from './subflow.js';
import type { SubflowInfo } from './types.js';

export class SubflowMptcp {
  /** Address ids (0 on the initial subflow). */
  localAddressId = 0;
  remoteAddressId = 0;
  /** This end asked for backup (MP_JOIN B or MP_PRIO), the peer did. */
  backup = false;
  peerBackup = false;
  /** MP_JOIN: nonces, and whether the four-way handshake is done. */
  nonceLocal = 0;
  nonceRemote = 0;
  joined = false;
  /** The peer's truncated HMAC-B (join initiator) or HMAC-A (join listener) was checked. */
  joinVerified = false;
  /** MPTCP options to put on the next segment that can carry them (ADD_ADDR, MP_PRIO, MP_FAIL...). */
  pendingOptions: MptcpOption[] = [];
  /** The receive mappings (mappings.ts). */
  readonly rx = new RxMappings();
}

/** What the application sees of a subflow: its TCP part, and the MPTCP part its Connection keeps. */
export function subflowInfo(s: Subflow, m: SubflowMptcp): SubflowInfo {
  const t = s.info();
  return {
    id: t.id,
    localAddress: t.localAddress,
    localPort: t.localPort,
    remoteAddress: t.remoteAddress,
    remotePort: t.remotePort,
    state: t.state,
    initial: t.initial,
    localAddressId: m.localAddressId,
    remoteAddressId: m.remoteAddressId,
    backup: m.backup,
    peerBackup: m.peerBackup,
    joined: s.initial ? s.synchronized || s.state === 'closed' : m.joined,
    bytesSent: t.bytesSent,
    bytesReceived: t.bytesReceived,
    retransmits: t.retransmits,
    ...(t.closeReason !== undefined ? { closeReason: t.closeReason } : {}),
  };
}

/** What the option builder needs of a subflow. */
export function subflowView(s: Subflow, m: SubflowMptcp): SubflowView {
  return {
    initial: s.initial,
    initiatedHere: s.initiatedHere,
    backup: m.backup,
    localAddressId: m.localAddressId,
    nonceLocal: m.nonceLocal,
    nonceRemote: m.nonceRemote,
    joined: m.joined,
    joinVerified: m.joinVerified,
    pendingOptions: m.pendingOptions,
  };
}
