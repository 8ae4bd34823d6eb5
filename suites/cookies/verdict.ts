/**
 * How a cookie vector's verdict is reached: each request's Cookie header, as
 * the target sent it, is compared octet for octet with the vector's expectation
 * under the run's profile. Requests without an expectation are not checked.
 */
import type { Outcome } from '../../runner/suite.js';
import { fromBytes, sameBytes, showHeader, toBytes } from './bytes.js';
import { expectationFor, isAbsent, type CookieVector, type Profile } from './vector.js';

export interface Observed {
  url: string;
  method: string;
  now?: number;
  setCookie: Buffer[];
  /** The Cookie header the target sent with this request; null: none. */
  cookie: Buffer | null;
}

export function judge(vector: CookieVector, profile: Profile, observed: Observed[]): Outcome {
  const expected: { request: number; cookie: unknown }[] = [];
  const actual: { request: number; cookie: unknown }[] = [];
  const mismatches: string[] = [];
  vector.requests.forEach((req, i) => {
    const want = expectationFor(req.cookie, profile);
    if (want === undefined) return;
    const got = observed[i]!.cookie;
    const where = `request ${i + 1} (${req.method ?? 'GET'} ${req.url})`;
    actual.push({ request: i + 1, cookie: got === null ? null : fromBytes(got) });
    if (isAbsent(want)) {
      // Strictly no header field.
      expected.push({ request: i + 1, cookie: { absent: true } });
      if (got !== null) mismatches.push(`${where}: expected no Cookie header field at all, got ${got.length ? showHeader(got) : 'an empty Cookie header'}`);
      return;
    }
    const wantBytes = want === null ? null : toBytes(want);
    expected.push({ request: i + 1, cookie: wantBytes === null ? null : fromBytes(wantBytes) });
    // No cookies: no header field, or an empty one (§5.8.1: the user agent MAY omit the field).
    const none = wantBytes === null && got !== null && got.length === 0;
    if (!none && !sameBytes(wantBytes, got)) mismatches.push(`${where}: expected ${showHeader(wantBytes)}, got ${showHeader(got)}`);
  });
  const details = {
    exchange: observed.map((o) => ({
      url: o.url,
      method: o.method,
      ...(o.now !== undefined ? { now: new Date(o.now).toISOString() } : {}),
      cookie: o.cookie === null ? null : fromBytes(o.cookie),
      setCookie: o.setCookie.map((b) => fromBytes(b)),
    })),
  };
  if (mismatches.length === 0) return { verdict: 'pass', expected, actual, details };
  return { verdict: 'fail', expected, actual, reason: mismatches.join('; '), details };
}
