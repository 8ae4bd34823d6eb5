/**
 * What a Connection keeps about each of its subflows at the MPTCP level:
 * address ids, backup flags, the MP_JOIN nonces and progress, the control
 * options waiting for a segment, and the receive mappings. The Subflow itself
 * is plain TCP and knows none of this.
 */
import type { MptcpOption } from '../../../suites/mptcp/codec/index.js';
import type { JoinPeer } from './join.js';
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
  /**
   * The data-level end of what this subflow's own ACKs acknowledged, in any mode: once the connection falls back to it
   * (§3.7), what the peer acknowledged there is acknowledged at the data level too.
   */
  ackedDataEnd: number | undefined;

  // The MP_JOIN handshake (§3.2) as it applies to this subflow; join.ts checks the HMACs first.

  /** We open a join from our address `localAddressId`, with our nonce. */
  startJoin(nonce: number, localAddressId: number, backup: boolean): void {
    this.nonceLocal = nonce;
    this.localAddressId = localAddressId;
    this.backup = backup;
  }

  /** The peer's join SYN (we listen): its side of the join, our nonce and address id. */
  acceptJoin(peer: JoinPeer, nonce: number, localAddressId: number): void {
    this.nonceRemote = peer.nonce;
    this.nonceLocal = nonce;
    this.remoteAddressId = peer.addressId;
    this.peerBackup = peer.backup;
    this.localAddressId = localAddressId;
  }

  /** The SYN/ACK of our join, with a good HMAC-B: the peer's side of the join. */
  synAckVerified(peer: JoinPeer): void {
    this.nonceRemote = peer.nonce;
    this.remoteAddressId = peer.addressId;
    this.peerBackup = peer.backup;
    this.joinVerified = true;
  }

  /** The third ACK of the peer's join, with a good HMAC-A. */
  thirdAckVerified(): void {
    this.joinVerified = true;
  }

  /** The join initiator sent its third ACK and waits for the fourth. */
  get awaitingFourthAck(): boolean {
    return this.joinVerified && !this.joined;
  }

  /** The four-way handshake is done: true the first time. */
  finishJoin(): boolean {
    if (this.joined) return false;
    this.joined = true;
    return true;
  }
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
