/**
 * Options, states and events of the reference endpoint.
 */
import type { RandomSource } from './random.js';

/** What a connection offers and requires; host-wide defaults, overridable per listen() and connect(). */
export interface MptcpOptions {
  /** Offer (initiator) or accept (listener) MPTCP. Default true. */
  mptcp?: boolean;
  /** Require DSS checksums (flag A). Default false. */
  checksum?: boolean;
  /**
   * The MPTCP version offered: 1 (RFC 8684, default) or 0, to negotiate like
   * an RFC 6824 peer (a v0 SYN with the key; v0 is offered but never run, so
   * a v0 connection always falls back to TCP).
   */
  version?: 0 | 1;
  /**
   * As initiator, send the first data with MP_CAPABLE (keys and data-level
   * length) when the peer has not yet sent a data ACK (§3.1, reliable key
   * delivery). Default true; false sends a DSS instead.
   */
  mpCapableWithData?: boolean;
  /** Set flag B in the SYN (an extension this endpoint does not implement; for tests). Default false. */
  flagB?: boolean;
  /** Leave flag H out of the SYN (for tests: the option is then invalid). Default false. */
  omitFlagH?: boolean;
  /**
   * Accept no MP_JOIN to the address and port of the connection's first
   * subflow, and say so with flag C in the MP_CAPABLE SYN or SYN/ACK (§3.1;
   * Linux's net.mptcp.allow_join_initial_addr_port=0). Default false.
   */
  denyJoinToFirstAddress?: boolean;
}

export interface HostOptions extends MptcpOptions {
  /** The host's own addresses (IPv4 or IPv6 text); packets to others are ignored. */
  addresses: string[];
  /** Where ISNs, keys, nonces and ephemeral ports come from. */
  random: RandomSource;
  /** IP MTU, default 1500. */
  mtu?: number;
  /** Receive buffer per connection (octets), the most advertised. Default 4 MiB. */
  receiveBuffer?: number;
  /** Send window scale (RFC 7323) in SYNs; default 7. null sends none. */
  windowScale?: number | null;
  /** TIME_WAIT duration in ms (2 MSL), default 2000. */
  timeWaitMs?: number;
  /** Initial retransmission timeout (ms), default 1000; lower bound of the RTO, default 200. */
  initialRtoMs?: number;
  minRtoMs?: number;
  /** Retransmissions of a segment (SYN included) before the connection is given up. Default 8. */
  maxRetries?: number;
  /** Listeners opened with fastOpen take a SYN's data without a cookie (Linux: net.ipv4.tcp_fastopen with 0x2 and 0x200). Default false. */
  fastOpenServer?: boolean;
  /** SYN retransmissions with MP_CAPABLE before the next SYN goes without it (blackhole fallback), default 2; null never. */
  synRetriesBeforeFallback?: number | null;
  /** Largest congestion window in segments, default 512. */
  maxCwndSegments?: number;
  /** Answer segments for unknown connections with a RST (default true). */
  sendResets?: boolean;
  /**
   * The most subflows a connection has besides its first (joins accepted and
   * opened alike); an MP_JOIN SYN beyond it is refused with a RST (MP_TCPRST
   * reason 3, administratively prohibited). Default no limit.
   */
  maxJoinedSubflows?: number;
}

export interface ListenOptions extends MptcpOptions {
  /** Largest number of connections not yet accepted, default 128. */
  backlog?: number;
  /**
   * A TCP Fast Open listener (RFC 7413; RFC 8684 Appendix B.2), when the host takes SYN data
   * (HostOptions.fastOpenServer): a SYN with the TFO option and data is acknowledged with its data, and its
   * connection can be accepted (and written to) at once, before the third ACK. The data reaches the
   * application once the third ACK has given the initiator's key.
   */
  fastOpen?: boolean;
}

export interface ConnectOptions extends MptcpOptions {
  remote: string;
  port: number;
  /** Local address; default the host's first address of the remote's family. */
  local?: string;
  /** Local port; default an ephemeral one. */
  localPort?: number;
  /**
   * Ask for a TCP Fast Open cookie (RFC 7413) in the SYN, beside MP_CAPABLE (RFC 8684 Appendix B.1). The endpoint
   * keeps no cookie, so its SYN never carries data. Default false.
   */
  fastOpen?: boolean;
}

export type ConnectionState = 'connecting' | 'established' | 'closing' | 'closed' | 'reset';

export type SubflowState =
  'syn-sent' | 'syn-received' | 'established' | 'fin-wait-1' | 'fin-wait-2' | 'closing' | 'time-wait' | 'close-wait' | 'last-ack' | 'closed';

/** What the application sees of a subflow. */
export interface SubflowInfo {
  id: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: SubflowState;
  /** true for the subflow that opened the connection (MP_CAPABLE), false for an MP_JOIN subflow. */
  initial: boolean;
  /** The local and remote address ids (MP_JOIN, ADD_ADDR); 0 on the initial subflow. */
  localAddressId: number;
  remoteAddressId: number;
  /** This end asked for backup (MP_JOIN B or MP_PRIO), the peer asked for backup. */
  backup: boolean;
  peerBackup: boolean;
  /** A join that completed its four-way handshake (always true for the initial subflow once established). */
  joined: boolean;
  /** Octets sent (new data, retransmissions not counted) and received on the subflow. */
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  /** Why it ended, once closed. */
  closeReason?: string;
}

/** An MP_TCPRST as received or sent. */
export interface TcpRstInfo {
  reason: number;
  transient: boolean;
}

/** Counters of what the host did, for tests (names follow the kernel's MPTcpExt counters where there is one). */
export interface HostStats {
  packetsIn: number;
  packetsOut: number;
  badPackets: number;
  resetsSent: number;
  resetsForUnknown: number;
  mpTcpRstSent: number;
  mpFailSent: number;
  mpFailReceived: number;
  infiniteMapSent: number;
  infiniteMapReceived: number;
  fastcloseSent: number;
  fastcloseReceived: number;
  joinSynAckHmacFailure: number;
  joinAckHmacFailure: number;
  joinNoToken: number;
  /** MP_JOIN SYNs refused by policy (flag C, the subflow limit). */
  joinRefused: number;
  addAddrReceived: number;
  addAddrBadHmac: number;
  addAddrEchoSent: number;
  dssChecksumFailure: number;
  retransmits: number;
  fallbacks: number;
}
