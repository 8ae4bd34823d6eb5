/**
 * A cookie fuzz scenario: a few requests, each with the Set-Cookie fields of
 * its response, and the Cookie header every target sends on each request is
 * what is compared. Lines are octets: a string stands for its UTF-8 (and may
 * hold {{now...}} placeholders, docs/vectors.md), {"hex": ...} for any octets.
 */
import type { HeaderValue } from '../bytes.js';
import { fromBytes, toBytes } from '../bytes.js';
import { badPlaceholders } from '../time.js';
import { rottingExpires, unsendableOctet } from '../vector.js';

export interface CookieScenario {
  /** How it was made: "grammar", or "mutation of <vector id>". */
  from: string;
  /**
   * Each request, and the Set-Cookie fields of its response. `advance` moves
   * the clock forward (seconds) before the request, as in a vector: a target
   * without the clock capability cannot run such a scenario and is left out
   * of its partition (it reports the vector unsupported).
   */
  requests: { url: string; setCookie: HeaderValue[]; advance?: number }[];
}

/**
 * A line a vector may hold: one that can travel in a header field (no NUL,
 * CR, LF), whose placeholders parse, and with no literal Expires date still
 * in the future (docs/vectors.md: it would rot in a vector without a clock).
 */
export function usableLine(line: HeaderValue): boolean {
  if (unsendableOctet(line)) return false;
  if (typeof line !== 'string') return true;
  return badPlaceholders(line).length === 0 && rottingExpires(line) === undefined;
}

export function usable(s: CookieScenario): boolean {
  return s.requests.length > 0 && s.requests.every((r) => r.setCookie.every(usableLine));
}

/** The line as octets, and back (a string when it is UTF-8). */
export const octets = toBytes;
export const line = (bytes: Uint8Array): HeaderValue => fromBytes(bytes);

/** Octets of the Set-Cookie lines and URLs, plus one per line and one per clock advance: a shrink step makes it smaller. */
export function scenarioSize(s: CookieScenario): number {
  return s.requests.reduce((n, r) => n + r.url.length + (r.advance ? 1 : 0) + r.setCookie.reduce((m, l) => m + 1 + octets(l).length, 0), 0);
}

/** For reports: each request and its Set-Cookie lines, octets that are not printable ASCII as \xNN. */
export function showScenario(s: CookieScenario): string {
  const shown = (l: HeaderValue) =>
    [...octets(l)].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  return s.requests
    .map((r, i) => [`${i + 1}. ${r.advance ? `(clock +${r.advance} s) ` : ''}GET ${r.url}`, ...r.setCookie.map((l) => `   Set-Cookie: ${shown(l)}`)].join('\n'))
    .join('\n');
}
