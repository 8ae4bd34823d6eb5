/**
 * What passes between a Subflow and its owner (the Connection): the interface
 * a Subflow talks to, the settings it is given, and the chunks, segment kinds
 * and parsed options they exchange.
 */
import type { MptcpOption, TcpSegment } from '../../../suites/mptcp/codec/index.js';

/** Octets queued on a subflow: one DSS mapping at most (a chunk is never split into two mappings). */
export interface Chunk {
  /** Relative subflow sequence number of the first octet. */
  seq: number;
  data: Uint8Array;
  /** Data-level offset of the first octet. */
  dataOff: number;
}

/** What a segment is, for the Connection that adds options to it. */
export type SegmentKind = 'syn' | 'syn-ack' | 'ack' | 'data' | 'fin' | 'rst';

export interface ParsedOptions {
  mss?: number;
  wscale?: number;
  mptcp: MptcpOption[];
}

/**
 * What a Subflow asks of and reports to the connection that owns it. The
 * handshake reports return false when the owner reset the subflow. Generic in
 * the subflow type S so that this file does not import subflow.ts.
 */
export interface SubflowOwner<S> {
  /** Sends one segment of the subflow. */
  emit(s: S, seg: TcpSegment): void;
  /** Answers a segment that does not belong to the subflow with a RST (RFC 9293 §3.10.7.1). */
  answerWithReset(s: S, seg: TcpSegment): void;
  /** The subflow is closed: its 4-tuple is free (before onSubflowClosed). */
  forget(s: S): void;
  /** A segment was sent again (host statistics). */
  countRetransmit(): void;

  /** The MPTCP options of an outgoing segment. */
  optionsFor(s: S, kind: SegmentKind, chunk: Chunk | undefined, payloadLen: number, seq: number): MptcpOption[];
  /** Octets of options a data segment may carry. */
  optionOverhead(): number;
  /** The receive window to advertise (octets), shared by the connection's subflows. */
  receiveWindow(): number;
  /** The owner wants a pure ACK on this subflow now (control options waiting, a DATA_FIN). */
  wantsPureAck(s: S): boolean;
  /** The owner wants an ACK of its own before any data (an MP_FAIL waiting). */
  wantsAckFirst(s: S): boolean;
  /** A join initiator waits for the fourth ACK: the third ACK is retransmitted. */
  joinAckOutstanding(s: S): boolean;

  onSynAck(s: S, seg: TcpSegment, opts: ParsedOptions, now: number): boolean;
  onHandshakeAck(s: S, seg: TcpSegment, opts: ParsedOptions, now: number): boolean;
  onSynRetransmit(s: S, retries: number): void;
  onSegmentOptions(s: S, seg: TcpSegment, opts: ParsedOptions, newlyAcked: number, hadMptcp: boolean, seq: number, now: number): void;
  onChunksAcked(s: S, chunks: Chunk[]): void;
  onChunkPartlyAcked(s: S, c: Chunk, acked: number): void;
  onSubflowData(s: S, rel: number, bytes: Uint8Array, now: number): void;
  /** The peer's FIN in order, before the subflow changes state; afterSubflowFin once it has. */
  onSubflowFin(s: S, now: number): void;
  afterSubflowFin(s: S, now: number): void;
  subflowReset(s: S, reason: string, opts: ParsedOptions, now: number): void;
  /** Too many retransmissions: the owner resets the subflow. */
  subflowFailed(s: S, reason: string, now: number): void;
  onIdleTimer(s: S, now: number): void;
  /** The subflow entered TIME_WAIT or CLOSED. */
  onSubflowClosed(s: S): void;
}

/** Host-wide settings a Subflow needs. */
export interface SubflowConfig {
  mtu: number;
  initialRto: number;
  minRto: number;
  maxRetries: number;
  maxCwndSegments: number;
  timeWaitMs: number;
}

export interface SubflowInit {
  id: number;
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  initial: boolean;
  isn: number;
}
