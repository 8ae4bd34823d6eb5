/**
 * The decisions of the MP_CAPABLE handshake (RFC 8684 §3.1, fallback §3.7),
 * in one place: for each of the three segments, either MPTCP goes on or why
 * the connection falls back to TCP. Pure functions of the option received and
 * what this end offered; the Connection applies the outcome.
 */
import type { MpCapable } from '../../../suites/mptcp/codec/index.js';

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
