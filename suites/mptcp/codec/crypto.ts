/**
 * MPTCP cryptography (RFC 8684 §3.1, §3.2, §3.4.1), with node:crypto.
 *
 * Keys are 64-bit bigints, put on the wire and into hashes as 8 big-endian
 * bytes; nonces are 32-bit numbers, 4 big-endian bytes. Version 1 (RFC 8684)
 * uses SHA-256 and HMAC-SHA256; version 0 (RFC 6824) SHA-1 and HMAC-SHA1.
 */
import { createHash, createHmac } from 'node:crypto';
import { addressBytes } from './address.js';
import { checkUint, checkUint64, concatBytes, u32, u64 } from './bytes.js';

export type MptcpVersion = 0 | 1;

function keyBytes(field: string, key: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, checkUint64(field, key));
  return b;
}

function nonceBytes(field: string, nonce: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, checkUint(field, nonce, 0xffffffff));
  return b;
}

const algorithm = (version: MptcpVersion) => (version === 0 ? 'sha1' : 'sha256');

/** SHA-256 (v1) or SHA-1 (v0) of the key's 8 bytes. */
export function keyDigest(key: bigint, version: MptcpVersion = 1): Uint8Array {
  return new Uint8Array(createHash(algorithm(version)).update(keyBytes('key', key)).digest());
}

/**
 * §3.1: the token is the most significant 32 bits of the key's hash and
 * identifies the connection in MP_JOIN; the IDSN, the initial data sequence
 * number of the key's owner, is the least significant 64 bits.
 */
export function deriveToken(key: bigint, version: MptcpVersion = 1): number {
  return u32(keyDigest(key, version), 0);
}

export function deriveIdsn(key: bigint, version: MptcpVersion = 1): bigint {
  const d = keyDigest(key, version);
  return u64(d, d.length - 8);
}

/**
 * The two sides of an MP_JOIN exchange (§3.2). Host A sends the MP_JOIN SYN;
 * keyA is the key A sent in the MP_CAPABLE exchange of the connection, and
 * nonceA the random number of A's SYN. Host B receives the SYN (its token is
 * the one in the SYN) and answers with the SYN/ACK carrying nonceB.
 */
export interface JoinSecrets {
  keyA: bigint;
  keyB: bigint;
  nonceA: number;
  nonceB: number;
  version?: MptcpVersion;
}

/** HMAC(key = first ‖ second key, message = first ‖ second nonce), the whole digest. */
export function joinHmacFull(keyFirst: bigint, keySecond: bigint, nonceFirst: number, nonceSecond: number, version: MptcpVersion = 1): Uint8Array {
  const key = concatBytes([keyBytes('key', keyFirst), keyBytes('key', keySecond)]);
  const msg = concatBytes([nonceBytes('nonce', nonceFirst), nonceBytes('nonce', nonceSecond)]);
  return new Uint8Array(createHmac(algorithm(version), key).update(msg).digest());
}

/**
 * The truncated HMAC of the MP_JOIN SYN/ACK, sent by B:
 * HMAC-B = HMAC(Key = KeyB ‖ KeyA, Msg = R_B ‖ R_A), leftmost 64 bits.
 */
export function joinSynAckHmac(s: JoinSecrets): Uint8Array {
  return joinHmacFull(s.keyB, s.keyA, s.nonceB, s.nonceA, s.version ?? 1).slice(0, 8);
}

/**
 * The HMAC of the MP_JOIN third ACK, sent by A:
 * HMAC-A = HMAC(Key = KeyA ‖ KeyB, Msg = R_A ‖ R_B), leftmost 160 bits
 * (the whole digest with SHA-1 in v0).
 */
export function joinAckHmac(s: JoinSecrets): Uint8Array {
  return joinHmacFull(s.keyA, s.keyB, s.nonceA, s.nonceB, s.version ?? 1).slice(0, 20);
}

/** What an ADD_ADDR's HMAC covers (§3.4.1). */
export interface AddAddrSecrets {
  /** The key of the host that sends the ADD_ADDR. */
  senderKey: bigint;
  /** The key of the host that receives it. */
  receiverKey: bigint;
  addressId: number;
  /** IPv4 or IPv6 text (IPv6 when it contains ':'). */
  address: string;
  /** The advertised port; the message carries 0 when the option has none. */
  port?: number;
}

/**
 * The truncated HMAC of ADD_ADDR (§3.4.1): HMAC-SHA256 with
 * Key = sender's key ‖ receiver's key over
 * Msg = address id (1 byte) ‖ address (4 or 16 bytes) ‖ port (2 bytes, 0 if absent),
 * and the option carries the RIGHTMOST 64 bits of it. (Unlike MP_JOIN,
 * which takes the leftmost bits. The project's digest says "leftmost" here;
 * RFC 8684 §3.4.1 and Linux since its fix for ADD_ADDR v1 take the
 * rightmost, and the kernel on this machine was checked to agree; see
 * test/mptcp/crypto.test.ts.)
 */
export function addAddrHmac(s: AddAddrSecrets): Uint8Array {
  const key = concatBytes([keyBytes('senderKey', s.senderKey), keyBytes('receiverKey', s.receiverKey)]);
  const port = checkUint('port', s.port ?? 0, 0xffff);
  const msg = concatBytes([
    Uint8Array.of(checkUint('addressId', s.addressId, 255)),
    addressBytes('address', s.address, s.address.includes(':') ? 6 : 4),
    Uint8Array.of(port >> 8, port & 0xff),
  ]);
  const digest = createHmac('sha256', key).update(msg).digest();
  return new Uint8Array(digest.subarray(digest.length - 8));
}
