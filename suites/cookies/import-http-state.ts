/**
 * `conformatrix import http-state SRC --out DEST`: converts the classic
 * http-state parser corpus (one NNNN-test and one NNNN-expected file per test)
 * into cookie vectors of this project's format, under profile rfc6265.
 *
 *   NNNN-test      one header per line: "Set-Cookie: ..." or "Location: ..."
 *   NNNN-expected  one "Cookie: ..." line, or nothing for no Cookie header
 *
 * The test's headers answer http://home.example.org:8888/cookie-parser?NNNN;
 * the client then requests /cookie-parser-result?NNNN on that origin, or
 * follows the test's Location.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../runner/errors.js';
import { writeFileAtomic } from '../../runner/fsutil.js';
import type { SuiteCommand } from '../../runner/suite.js';
import { fromBytes, type HeaderValue } from './bytes.js';
import { formatDate, literalCookieDate } from './time.js';
import { unsendableOctet, type CookieVector } from './vector.js';

const ORIGIN = 'http://home.example.org:8888';

/** RFC 6265 sections by the corpus's test-name prefixes. */
function citationFor(name: string): { section: string; anchor: string; level: 'MUST' | 'SHOULD' } {
  const prefix = name.replace(/^disabled-/, '').replace(/[0-9]+$/, '');
  switch (prefix) {
    case 'domain':
    case 'optional-domain':
      return { section: '5.3', anchor: 'section-5.3', level: 'MUST' };
    case 'path':
      return { section: '5.1.4', anchor: 'section-5.1.4', level: 'MUST' };
    case 'ordering':
      return { section: '5.4', anchor: 'section-5.4', level: 'SHOULD' };
    default:
      return { section: '5.2', anchor: 'section-5.2', level: 'MUST' };
  }
}

/** Header lines of a corpus file, as octets: split at LF, a trailing CR dropped. */
function headerLines(bytes: Buffer): { name: string; value: Buffer }[] {
  const lines: { name: string; value: Buffer }[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    let line = bytes.subarray(start, i);
    start = i + 1;
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.length === 0) continue;
    const colon = line.indexOf(0x3a);
    if (colon < 0) throw new Error(`not a header line: ${JSON.stringify(line.toString('latin1'))}`);
    const name = line.subarray(0, colon).toString('latin1').trim().toLowerCase();
    // Like an HTTP parser, drop the optional whitespace around the field value.
    let a = colon + 1;
    let b = line.length;
    while (a < b && (line[a] === 0x20 || line[a] === 0x09)) a++;
    while (b > a && (line[b - 1] === 0x20 || line[b - 1] === 0x09)) b--;
    lines.push({ name, value: line.subarray(a, b) });
  }
  return lines;
}

/** Octets as a vector writes them; strings holding "{{" go as hex so they are never read as date placeholders. */
function vectorBytes(bytes: Buffer): HeaderValue {
  const v = fromBytes(bytes);
  return typeof v === 'string' && v.includes('{{') ? { hex: bytes.toString('hex') } : v;
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

export function convertHttpState(src: string, now = Date.now()): { vectors: CookieVector[]; warnings: string[]; skipped: number } {
  const names = readdirSync(src)
    .filter((f) => f.endsWith('-test'))
    .map((f) => f.slice(0, -'-test'.length))
    .sort();
  const vectors: CookieVector[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  const skip = (name: string, why: string) => {
    warnings.push(`${name}: ${why}; skipped`);
    skipped++;
  };
  tests: for (const name of names) {
    const expectedFile = join(src, `${name}-expected`);
    if (!existsSync(expectedFile)) {
      skip(name, `no ${name}-expected file`);
      continue;
    }
    let test: { name: string; value: Buffer }[];
    let expected: { name: string; value: Buffer }[];
    try {
      test = headerLines(readFileSync(join(src, `${name}-test`)));
      expected = headerLines(readFileSync(expectedFile));
    } catch (err) {
      skip(name, (err as Error).message);
      continue;
    }
    const setCookie: HeaderValue[] = [];
    for (const h of test.filter((x) => x.name === 'set-cookie')) {
      // A bare CR or a NUL cannot travel in a header field: no target could receive this test as written.
      const bad = unsendableOctet({ hex: h.value.toString('hex') });
      if (bad) {
        skip(name, `a Set-Cookie value holds octet 0x${bad.octet.toString(16).padStart(2, '0')} (${bad.octet === 0 ? 'NUL' : 'CR'}), which cannot travel in an HTTP/1.1 header field`);
        continue tests;
      }
      let value = vectorBytes(h.value);
      if (typeof value === 'string') {
        const relative = relativeExpires(value, now);
        if ('error' in relative) {
          skip(name, relative.error);
          continue tests;
        }
        for (const r of relative.rewritten) warnings.push(`${name}: future Expires date rewritten as relative, ${r}`);
        value = relative.value;
      }
      setCookie.push(value);
    }
    const location = test.find((h) => h.name === 'location')?.value.toString('latin1');
    const other = test.filter((h) => h.name !== 'set-cookie' && h.name !== 'location');
    if (other.length) warnings.push(`${name}: ignored header(s) ${other.map((h) => h.name).join(', ')}`);
    const cookieLine = expected.find((h) => h.name === 'cookie');
    const first = `${ORIGIN}/cookie-parser?${name}`;
    const next = location ? new URL(location, first).href : `${ORIGIN}/cookie-parser-result?${name}`;
    const c = citationFor(name);
    const id = name.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
    const response: NonNullable<CookieVector['requests'][number]['response']> = { setCookie };
    if (location) {
      response.status = 302;
      response.location = next;
    }
    vectors.push({
      id: `cookies/import/http-state/${id}`,
      title: `http-state parser test ${name}`,
      spec: [{ doc: 'rfc6265', section: c.section, anchor: c.anchor }],
      level: c.level,
      ua: 'any',
      profiles: ['rfc6265'],
      flags: ['http-state', ...(name.startsWith('disabled-') ? ['disabled-upstream'] : [])],
      requests: [
        { url: first, response },
        { url: next, cookie: cookieLine ? vectorBytes(cookieLine.value) : null },
      ],
    });
  }
  return { vectors, warnings, skipped };
}

export const importCommand: SuiteCommand = {
  summary: 'convert an external cookie test corpus into vectors',
  usage: 'conformatrix import http-state SRC --out DEST (DEST: a .json file, or a folder for http-state.json)',
  async run(args: string[]): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`Usage: ${this.usage}\n`);
      return 0;
    }
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
    const [format, src] = positionals;
    if (format !== 'http-state') throw new UsageError(`unknown corpus format ${JSON.stringify(format)}; known: http-state`);
    if (!src || !values.out) throw new UsageError(`usage: ${this.usage}`);
    if (!existsSync(src) || !statSync(src).isDirectory()) throw new UsageError(`${src} is not a folder`);
    const { vectors, warnings, skipped } = convertHttpState(src);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (vectors.length === 0) throw new UsageError(`no NNNN-test files with NNNN-expected in ${src}`);
    const dest = values.out.endsWith('.json') ? values.out : join(values.out, 'http-state.json');
    const doc = {
      description: `Imported from the http-state parser corpus by conformatrix import http-state (${vectors.length} tests).`,
      vectors,
    };
    writeFileAtomic(dest, JSON.stringify(doc, null, 2) + '\n');
    process.stdout.write(`wrote ${vectors.length} vectors to ${dest}${skipped ? ` (${skipped} test(s) skipped, see the warnings)` : ''}\n`);
    // A default run (profile rfc6265bis) skips every imported vector; say so here, where the user is looking.
    process.stdout.write('the vectors state expectations under profile rfc6265 only: run them with --profile rfc6265\n');
    return 0;
  },
};
