/**
 * Decoding never throws: every decoder returns a DecodeResult. A failure names
 * what is wrong (a code a program can switch on, a message for people) and the
 * byte offset, counted from the start of the input the caller handed over,
 * where the problem is.
 *
 * Encoding is different: an encoder is given a structure that the caller built,
 * so a structure that cannot be put on the wire (a port above 65535, a key
 * that needs more than 64 bits) is a bug of the caller, and the encoder throws
 * an EncodeError saying which field is wrong.
 */

export type DecodeErrorCode =
  /** The input ends before a field or a length it announced. */
  | 'truncated'
  /** A length field (IP header length, TCP data offset, option length) is impossible. */
  | 'bad-length'
  /** The IP version nibble is neither 4 nor 6. */
  | 'bad-version'
  /** IPv4 carries something else than TCP. */
  | 'unsupported-protocol'
  /** IPv6 has an extension header (or another next header than TCP). */
  | 'unsupported-next-header'
  /** An IPv4 fragment: a TCP segment cannot be decoded from a piece of it. */
  | 'unsupported-fragment'
  /** A field has a value that the layout does not allow. */
  | 'bad-value'
  /** A pcap file's header is not one this reader knows. */
  | 'bad-magic';

export interface DecodeError {
  code: DecodeErrorCode;
  /** Offset in bytes from the start of the input given to the top-level decoder. */
  offset: number;
  message: string;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: DecodeErrorCode, offset: number, message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { code, offset, message } };
}

/** Thrown by encoders for structures that cannot be written. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}
