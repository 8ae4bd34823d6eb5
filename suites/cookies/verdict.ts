/**
 * How a cookie vector's verdict is reached: each request's Cookie header, as
 * the target sent it, is compared octet for octet with the vector's expectation
 * under the run's profile. Requests without an expectation are not checked.
 * Each document.cookie read of a request's script is compared, as a string,
 * with the value the vector expects.
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
  /** What each read of the request's script gave, in order. */
  reads?: string[];
}

export function judge(vector: CookieVector, profile: Profile, observed: Observed[]): Outcome {
  const expected: ({ request: number; cookie: unknown } | { request: number; read: number; documentCookie: string })[] = [];
  const actual: ({ request: number; cookie: unknown } | { request: number; read: number; documentCookie: string | null })[] = [];
  const mismatches: string[] = [];
  vector.requests.forEach((req, i) => {
    const where = `request ${i + 1} (${req.method ?? 'GET'} ${req.url})`;
    judgeCookie(i, where);
    judgeReads(i, where);
  });

  function judgeReads(i: number, where: string): void {
    const reads = (vector.requests[i]!.script ?? []).flatMap((op) => ('read' in op ? [op.read] : []));
    reads.forEach((want, k) => {
      const got = observed[i]!.reads?.[k];
      expected.push({ request: i + 1, read: k + 1, documentCookie: want });
      actual.push({ request: i + 1, read: k + 1, documentCookie: got ?? null });
      if (got === undefined) mismatches.push(`${where}: document.cookie read ${k + 1} expected ${JSON.stringify(want)}, the target gave no value`);
      else if (got !== want) mismatches.push(`${where}: document.cookie read ${k + 1} expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    });
  }

  function judgeCookie(i: number, where: string): void {
    const req = vector.requests[i]!;
    const want = expectationFor(req.cookie, profile);
    if (want === undefined) return;
    const got = observed[i]!.cookie;
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
  }
  const details = {
    exchange: observed.map((o) => ({
      url: o.url,
      method: o.method,
      ...(o.now !== undefined ? { now: new Date(o.now).toISOString() } : {}),
      cookie: o.cookie === null ? null : fromBytes(o.cookie),
      setCookie: o.setCookie.map((b) => fromBytes(b)),
      ...(o.reads ? { documentCookie: o.reads } : {}),
    })),
  };
  if (mismatches.length === 0) return { verdict: 'pass', expected, actual, details };
  return { verdict: 'fail', expected, actual, reason: mismatches.join('; '), details };
}
