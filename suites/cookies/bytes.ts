/**
 * Octet strings in vectors and results: a JSON string stands for its UTF-8
 * encoding; {"hex": "..."} stands for any octets. Values are shown as strings
 * when they are clean UTF-8, and as hex otherwise.
 */
export type HeaderValue = string | { hex: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function toBytes(value: HeaderValue): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.hex, 'hex');
}

/** The value as a vector would write it: a string when it is valid UTF-8, else hex. */
export function fromBytes(bytes: Uint8Array): HeaderValue {
  try {
    return utf8.decode(bytes);
  } catch {
    return { hex: Buffer.from(bytes).toString('hex') };
  }
}

export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(a, b) === 0;
}

/** For messages: a quoted string with escapes, or "no Cookie header". */
export function showHeader(bytes: Uint8Array | null): string {
  if (bytes === null) return 'no Cookie header';
  const v = fromBytes(bytes);
  return typeof v === 'string' ? JSON.stringify(v) : `hex ${v.hex}`;
}
