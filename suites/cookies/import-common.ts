/**
 * What every cookie-corpus importer (`conformatrix import FORMAT`) shares: how
 * octets are written into a vector, how a literal Expires date that would rot
 * becomes a relative placeholder, why a Set-Cookie value cannot be imported
 * at all, and how the imported file is written.
 */
import { dirname, relative, resolve } from 'node:path';
import { UsageError } from '../../runner/errors.js';
import { writeFileAtomic } from '../../runner/fsutil.js';
import { MAX_VECTORS_PER_FILE } from '../../runner/limits.js';
import { SCHEMA_DIR } from '../../runner/paths.js';
import { fromBytes, type HeaderValue } from './bytes.js';
import { formatDate, literalCookieDate } from './time.js';
import { unsendableOctet, type CookieVector } from './vector.js';

/** Octets as a vector writes them; strings holding "{{" go as hex so they are never read as date placeholders. */
export function vectorBytes(bytes: Buffer): HeaderValue {
  const v = fromBytes(bytes);
  return typeof v === 'string' && v.includes('{{') ? { hex: bytes.toString('hex') } : v;
}

const OCTET_NAMES: Record<number, string> = { 0x00: 'NUL', 0x0a: 'LF', 0x0d: 'CR' };

/**
 * Why a Set-Cookie value cannot be imported: a NUL, CR or LF cannot travel in
 * an HTTP/1.1 header field, so no target could receive the test as written
 * (and validate rejects such a vector). Undefined when it can.
 */
export function unsendableReason(value: HeaderValue): string | undefined {
  const bad = unsendableOctet(value);
  if (!bad) return undefined;
  return `a Set-Cookie value holds octet 0x${bad.octet.toString(16).padStart(2, '0')} (${OCTET_NAMES[bad.octet]}), which cannot travel in an HTTP/1.1 header field`;
}

const DAY = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * The strftime-like pattern of a literal date, field by field, in the order
 * §5.1.1 reads them (the first time, day-of-month, month and year tokens).
 * A two-digit year becomes %Y: a placeholder that prints %y needs a fixed clock.
 */
function datePattern(literal: string): string {
  const seen = new Set<string>();
  const first = (field: string) => !seen.has(field) && seen.add(field);
  return literal.replace(/%|[A-Za-z]+|\d+:\d+:\d+|\d+/g, (token) => {
    const lower = token.toLowerCase();
    if (token === '%') return '%%';
    if (/^\d+:\d+:\d+$/.test(token)) return first('time') ? '%H:%M:%S' : token;
    if (/^\d{1,2}$/.test(token) && first('day')) return '%d';
    if (/^\d{2,4}$/.test(token) && first('year')) return '%Y';
    if (WEEKDAYS.includes(lower)) return '%A';
    if (WEEKDAYS.some((d) => d.slice(0, 3) === lower)) return '%a';
    if (MONTH_NAMES.includes(lower) && first('month')) return '%B';
    if (MONTH_NAMES.some((m) => m.slice(0, 3) === lower) && first('month')) return '%b';
    return token;
  });
}

/**
 * A literal Expires date still in the future rots: one day it will be past and
 * the test will mean something else. Such a date becomes {{now+Nd|pattern}},
 * as far ahead of the run as it was ahead of the import, in the same shape.
 * Returns the rewritten string, or an error when the date cannot be rewritten.
 */
export function relativeExpires(setCookie: string, now: number): { value: string; rewritten: string[] } | { error: string } {
  const rewritten: string[] = [];
  const [pair, ...avs] = setCookie.split(';');
  for (let i = 0; i < avs.length; i++) {
    const [name, ...rest] = avs[i]!.split('=');
    if (name!.trim().toLowerCase() !== 'expires' || rest.length === 0) continue;
    const value = rest.join('=');
    const date = literalCookieDate(value);
    if (date === null || date <= now) continue;
    const literal = value.trim();
    const days = Math.ceil((date - now) / DAY);
    const pattern = datePattern(literal);
    const shown = literalCookieDate(formatDate(now + days * DAY, pattern));
    if (/[{}|]/.test(literal) || shown === null || shown <= now)
      return { error: `the future Expires date ${JSON.stringify(literal)} has no relative form that keeps its meaning` };
    avs[i] = `${name}=${value.slice(0, value.indexOf(literal))}{{now+${days}d|${pattern}}}${value.slice(value.indexOf(literal) + literal.length)}`;
    rewritten.push(`${literal} -> {{now+${days}d|${pattern}}}`);
  }
  return { value: [pair, ...avs].join(';'), rewritten };
}

/**
 * A Set-Cookie value read from a corpus, as a vector writes it: octets that
 * are not UTF-8 as hex, a future Expires date made relative. Returns the
 * reason when the value cannot be imported.
 */
export function importSetCookie(bytes: Buffer, now: number): { value: HeaderValue; rewritten: string[] } | { error: string } {
  const value = vectorBytes(bytes);
  const unsendable = unsendableReason(value);
  if (unsendable) return { error: unsendable };
  if (typeof value !== 'string') return { value, rewritten: [] };
  return relativeExpires(value, now);
}

/**
 * Writes an imported vector file (the same layout whatever the corpus). A file
 * of more vectors than the loader takes would not validate: refused, unwritten.
 * Its `$schema`, relative to the file as an editor reads it, is what tells
 * the runner it holds cookie vectors.
 */
export function writeImported(dest: string, description: string, vectors: CookieVector[]): void {
  if (vectors.length > MAX_VECTORS_PER_FILE)
    throw new UsageError(
      `${vectors.length} vectors: more than the limit of ${MAX_VECTORS_PER_FILE} per vector file (see docs/vectors.md); import the corpus in parts`,
    );
  const $schema = relative(dirname(resolve(dest)), resolve(SCHEMA_DIR, 'cookie-vectors.schema.json'))
    .split('\\')
    .join('/');
  writeFileAtomic(dest, JSON.stringify({ $schema, description, vectors }, null, 2) + '\n');
}
