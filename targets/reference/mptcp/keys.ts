/**
 * A connection's MPTCP keys and what follows from them (RFC 8684 §3.1): the
 * tokens that name the connection on each host, the initial data sequence
 * numbers, and the data-level bases (IDSN + 1) from which data-level offsets
 * count (seq.ts). Ours is drawn here, the peer's learnt from its MP_CAPABLE.
 */
import { deriveIdsn, deriveToken } from '../../../suites/mptcp/codec/index.js';
import { random64, type RandomSource } from './random.js';

export class Keys {
  localKey = 0n;
  remoteKey: bigint | undefined;
  localToken = 0;
  remoteToken = 0;
  localIdsn = 0n;
  remoteIdsn = 0n;
  /** Data-level base of what we send (our IDSN + 1). */
  sndBase = 1n;
  /** Data-level base of what we receive (the peer's IDSN + 1). */
  rcvBase = 1n;

  /** Draws our key; its token must be unique on the host (`tokenInUse`). */
  draw(random: RandomSource, tokenInUse: (token: number) => boolean): void {
    for (;;) {
      const key = random64(random);
      const token = deriveToken(key);
      if (key === 0n || tokenInUse(token)) continue;
      this.localKey = key;
      this.localToken = token;
      this.localIdsn = deriveIdsn(key);
      this.sndBase = (this.localIdsn + 1n) & 0xffffffffffffffffn;
      return;
    }
  }

  /** The peer's key, from its MP_CAPABLE. */
  learnRemote(key: bigint): void {
    this.remoteKey = key;
    this.remoteToken = deriveToken(key);
    this.remoteIdsn = deriveIdsn(key);
    this.rcvBase = (this.remoteIdsn + 1n) & 0xffffffffffffffffn;
  }
}
