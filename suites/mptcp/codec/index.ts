/**
 * The MPTCP wire codec: a sans-IO decoder and encoder of IPv4/IPv6 packets
 * carrying TCP with every MPTCP option of RFC 8684 (and the v0 forms of
 * RFC 6824), the checksums, the MPTCP cryptography and classic pcap files.
 *
 *   decodePacket(bytes)            -> { ok, value: { packet, checks } } | { ok: false, error }
 *   encodePacket(packet, opts?)    -> bytes (checksums computed unless kept)
 *   decodeTcpOptions / encodeTcpOptions, decodeMptcpOption / encodeMptcpOption
 *   deriveToken, deriveIdsn, joinSynAckHmac, joinAckHmac, addAddrHmac
 *   dssChecksum, verifyDssChecksum
 *   writePcap, readPcap, ipPayload
 *   toJson (the JSON view the `mptcp` command prints)
 *
 * Decoders never throw; encoders throw an EncodeError for a structure that
 * cannot be written.
 */
export * from './errors.js';
export { toHex, fromHex, hex64, concatBytes } from './bytes.js';
export * from './address.js';
export * from './checksum.js';
export * from './crypto.js';
export * from './mptcp-options.js';
export * from './tcp-options.js';
export * from './tcp.js';
export * from './packet.js';
export * from './pcap.js';
export * from './json.js';
