/**
 * The MP_CAPABLE handshake (RFC 8684 §3.1, fallback §3.7), in one place: for
 * each of the three segments, either MPTCP goes on or why the connection falls
 * back to TCP (pure functions of the option received and what this end
 * offered), and what the handshake settles (Negotiation: the keys, the use of
 * DSS checksums, flag C, full establishment). The Connection applies the
 * outcome to its mode, its token and its first subflow.
 */
import type { MpCapable, MptcpOption } from '../../../suites/mptcp/codec/index.js';
import type { Keys } from './keys.js';
import type { RandomSource } from './random.js';

/** A peer's MP_CAPABLE SYN (listener side): why it does not start MPTCP, or undefined when it does. */
export function synRefusal(mpc: MpCapable | undefined, ourVersion: 0 | 1): string | undefined {
  if (!mpc || mpc.form !== 'syn') return 'SYN without MP_CAPABLE';
  if (mpc.version === 0) return 'the peer offered MPTCP version 0 (RFC 6824)';
  if (ourVersion === 0) return `the peer offered MPTCP version ${mpc.version}, this end speaks version 0 only`;
  if (!mpc.flags.H) return 'MP_CAPABLE without an HMAC algorithm (flag H): ignored';
  if (mpc.flags.B) return 'MP_CAPABLE with flag B (an extension this end does not know): ignored';
  return undefined;
}

/** The SYN/ACK of our SYN (initiator side), with its MP_CAPABLE if any: why MPTCP does not go on, or undefined. */
export function synAckRefusal(mpc: MpCapable | undefined, ourVersion: 0 | 1): string | undefined {
  if (ourVersion === 0) return mpc ? 'version 0 is offered but not implemented past the handshake' : 'SYN/ACK without MP_CAPABLE';
  if (!mpc || mpc.form !== 'syn-ack') return 'SYN/ACK without MP_CAPABLE';
  if (mpc.version !== 1) return `SYN/ACK with MPTCP version ${mpc.version}`;
  if (!mpc.flags.H) return 'SYN/ACK MP_CAPABLE without flag H';
  if (mpc.flags.B) return 'SYN/ACK MP_CAPABLE with flag B (an extension this end does not know): ignored';
  return undefined;
}

/**
 * The third ACK (listener side), with its MP_CAPABLE (ACK form) if any, and
 * whether it carries data: why MPTCP does not go on, or undefined. The
 * SYN/ACK settled on version 1, so an MP_CAPABLE of another version (the
 * RFC 6824 layout included) or with flag B (an extension this end does not
 * know) is no MP_CAPABLE of this connection: it is ignored, as the SYN's
 * would be, and the listener falls back (§3.1; issue 13).
 */
export function thirdAckRefusal(mpc: MpCapable | undefined, localKey: bigint, withData: boolean): string | undefined {
  if (!mpc) return withData ? 'first data without MP_CAPABLE' : 'third ACK without MP_CAPABLE';
  if (mpc.version !== 1) return `MP_CAPABLE in the third ACK of version ${mpc.version}, not the version 1 agreed: ignored`;
  if (mpc.flags.B) return 'MP_CAPABLE in the third ACK with flag B (an extension this end does not know): ignored';
  if ('receiverKey' in mpc && mpc.receiverKey === localKey && mpc.flags.H) return undefined;
  if (!mpc.flags.H) return 'MP_CAPABLE in the third ACK without an HMAC algorithm (flag H): ignored';
  return 'MP_CAPABLE in the third ACK does not echo our key';
}

/** What a segment of the handshake does to the connection (the Connection applies it). */
export type Negotiated =
  /** Our key was drawn: the token goes in the host's table (the mode stays pending). */
  | { do: 'keyed' }
  /** MPTCP goes on: the mode moves to MPTCP; `data` is an MP_CAPABLE with data (third ACK), whose mapping is implicit. */
  | { do: 'mptcp'; data?: MpCapable & { form: 'ack-data' } }
  /** The connection falls back to TCP (§3.7). */
  | { do: 'fall-back'; reason: string }
  /** A SYN without MP_CAPABLE: plain TCP from the start, noted but no fallback to tell of. */
  | { do: 'plain-tcp'; reason: string }
  | { do: 'nothing' };

/** What drawing our key needs of the host: randomness, and the tokens in use. */
export interface KeyHost {
  readonly random: RandomSource;
  tokenInUse(token: number): boolean;
}

/** What MP_CAPABLE settles, and the handshake's three segments as they change it. */
export class Negotiation {
  /** DSS checksums in use (flag A on either side). */
  checksum = false;
  /** Initiator: a DSS with a data ACK came from the peer (§3.1); the listener is fully established with the third ACK. */
  fullyEstablished = false;
  /** The peer set flag C (§3.1): no join to the address and port of its end of the first subflow. */
  peerDeniesJoinToFirstAddress = false;

  /** `keys` are the connection's (filled here); `ours` what this end offers. */
  constructor(
    private readonly keys: Keys,
    private readonly ours: { version: 0 | 1; checksum: boolean },
  ) {}

  /** Active open: our key (unique on `host`), before the SYN. */
  start(host: KeyHost): Negotiated {
    this.keys.draw(host.random, (t) => host.tokenInUse(t));
    return { do: 'keyed' };
  }

  /** Passive open: a SYN on a listening port, with its options. */
  onSyn(options: readonly MptcpOption[], host: KeyHost): Negotiated {
    const mpc = options.find((o): o is MpCapable => o.subtype === 'mp_capable');
    const why = synRefusal(mpc, this.ours.version);
    if (why) return mpc || why !== 'SYN without MP_CAPABLE' ? { do: 'fall-back', reason: why } : { do: 'plain-tcp', reason: why };
    this.keys.draw(host.random, (t) => host.tokenInUse(t));
    this.checksum = this.ours.checksum || mpc!.flags.A;
    this.peerDeniesJoinToFirstAddress = mpc!.flags.C;
    return { do: 'keyed' };
  }

  /** The SYN/ACK of our SYN. */
  onSynAck(options: readonly MptcpOption[]): Negotiated {
    const mpc = options.find((o): o is MpCapable => o.subtype === 'mp_capable');
    const why = synAckRefusal(mpc, this.ours.version);
    if (why) return { do: 'fall-back', reason: why };
    if (!mpc || mpc.form !== 'syn-ack') return { do: 'nothing' };
    this.keys.learnRemote(mpc.senderKey);
    this.checksum = this.ours.checksum || mpc.flags.A;
    this.peerDeniesJoinToFirstAddress = mpc.flags.C;
    return { do: 'mptcp' };
  }

  /** The third ACK (listener side), which may carry data. */
  onThirdAck(options: readonly MptcpOption[], withData: boolean): Negotiated {
    const mpc = options.find((o): o is MpCapable => o.subtype === 'mp_capable' && (o.form === 'ack' || o.form === 'ack-data'));
    const why = thirdAckRefusal(mpc, this.keys.localKey, withData);
    if (why) return { do: 'fall-back', reason: why };
    if (!mpc || !('receiverKey' in mpc)) return { do: 'nothing' };
    this.keys.learnRemote(mpc.senderKey);
    this.fullyEstablished = true;
    if (mpc.flags.A) this.checksum = true;
    return mpc.form === 'ack-data' ? { do: 'mptcp', data: mpc } : { do: 'mptcp' };
  }
}
