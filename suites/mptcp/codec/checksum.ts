/**
 * The Internet checksum (RFC 1071) and its three uses here: the IPv4 header
 * checksum, the TCP checksum over a pseudo-header (RFC 9293 §3.1 for IPv4,
 * RFC 8200 §8.1 for IPv6), and the DSS checksum of RFC 8684 §3.3.1.
 */

/**
 * The unfolded one's complement sum of big-endian 16-bit words, added to
 * `initial`. An odd final byte is padded with a zero byte, so only the last
 * chunk of a multi-part sum may have an odd length.
 */
export function onesSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (even < bytes.length) sum += bytes[even]! << 8;
  // Fold now and then so the sum stays a small integer even for huge inputs.
  return sum > 0x7fffffff ? fold(sum) : sum;
}

/** Folds the carries back in: a 16-bit one's complement sum. */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum to put in a field: the complement of the folded sum. */
export function finish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/** The IPv4 header checksum (RFC 791 §3.1) of a header whose checksum field is zero. */
export function ipv4HeaderChecksum(header: Uint8Array): number {
  return finish(onesSum(header));
}

/** Sum of the TCP pseudo-header for IPv4 (RFC 9293 §3.1): src, dst, zero, protocol 6, TCP length. */
export function ipv4PseudoSum(src: Uint8Array, dst: Uint8Array, tcpLength: number): number {
  let sum = onesSum(src);
  sum = onesSum(dst, sum);
  return sum + 6 + tcpLength;
}

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1): src, dst, 32-bit upper-layer length, zeros, next header 6. */
export function ipv6PseudoSum(src: Uint8Array, dst: Uint8Array, tcpLength: number): number {
  let sum = onesSum(src);
  sum = onesSum(dst, sum);
  return sum + Math.floor(tcpLength / 0x10000) + (tcpLength & 0xffff) + 6;
}

/**
 * The DSS checksum of RFC 8684 §3.3.1: the one's complement of the one's
 * complement sum of a pseudo-header (the 64-bit DSN, the 32-bit relative
 * subflow sequence number, the 16-bit data-level length and 16 zero bits)
 * and the payload the mapping covers.
 *
 * The DSN is always summed as 64 bits, even when the option carries only its
 * low 32 bits; `dsn` must be the full data sequence number.
 */
export function dssChecksum(dsn: bigint, subflowSeq: number, dataLevelLength: number, payload: Uint8Array): number {
  return finish(onesSum(payload, dssPseudoSum(dsn, subflowSeq, dataLevelLength, 0)));
}

/** Whether a DSS checksum matches: the sum with the checksum in place of the zero bits folds to 0xffff. */
export function verifyDssChecksum(dsn: bigint, subflowSeq: number, dataLevelLength: number, payload: Uint8Array, checksum: number): boolean {
  return fold(onesSum(payload, dssPseudoSum(dsn, subflowSeq, dataLevelLength, checksum))) === 0xffff;
}

function dssPseudoSum(dsn: bigint, subflowSeq: number, dataLevelLength: number, checksum: number): number {
  const hi = Number((dsn >> 32n) & 0xffffffffn);
  const lo = Number(dsn & 0xffffffffn);
  return (hi >>> 16) + (hi & 0xffff) + (lo >>> 16) + (lo & 0xffff) + (subflowSeq >>> 16) + (subflowSeq & 0xffff) + dataLevelLength + checksum;
}
