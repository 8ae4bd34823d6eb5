/**
 * Sequence numbers. Inside the endpoint every sequence number is a relative
 * offset (a plain number, never wrapping): a subflow counts from its initial
 * sequence number (0 is the SYN, 1 the first data octet), the data level from
 * the initial data sequence number (0 is the octet at IDSN + 1). Only the wire
 * has 32-bit sequence numbers and 32- or 64-bit DSNs; these helpers convert,
 * choosing the offset nearest to a reference for the truncated forms.
 */

const MASK64 = 0xffffffffffffffffn;

/** The 32-bit wire value of a relative offset. */
export function wire32(isn: number, rel: number): number {
  return (isn + (rel % 0x100000000)) >>> 0;
}

/** The relative offset of a 32-bit wire value, the one nearest `ref`. */
export function unwrap32(isn: number, wire: number, ref: number): number {
  const refWire = wire32(isn, ref);
  const diff = (wire - refWire) | 0; // signed 32-bit difference
  return ref + diff;
}

/** The 64-bit DSN of a data-level offset; `base` is the DSN of offset 0 (IDSN + 1). */
export function dsnOf(base: bigint, off: number): bigint {
  return (base + BigInt(off)) & MASK64;
}

/**
 * The data-level offset of a DSN or data ACK as found on the wire (64 bits,
 * or only the low 32), the candidate nearest `ref`.
 */
export function unwrapDsn(base: bigint, value: bigint, wide: boolean, ref: number): number {
  if (wide) {
    const refDsn = dsnOf(base, ref);
    return ref + Number(BigInt.asIntN(64, (value - refDsn) & MASK64));
  }
  const refLow = Number(dsnOf(base, ref) & 0xffffffffn);
  const diff = (Number(value & 0xffffffffn) - refLow) | 0;
  return ref + diff;
}
