/**
 * Cookie scenarios for the differential fuzzer, from a grammar of Set-Cookie
 * (odd names, values and octets, attributes in any case, order and spacing,
 * lengths about the 4096-octet limit) and from mutations of the octets of the
 * project's own vectors. Scenario i of seed s depends on nothing else than
 * (s, i) and the vectors/ folder (runner/fuzz/prng.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../../runner/paths.js';
import { Random } from '../../../runner/fuzz/prng.js';
import type { HeaderValue } from '../bytes.js';
import type { CookieVector } from '../vector.js';
import { line, octets, usable, usableLine, type CookieScenario } from './scenario.js';

const URLS = [
  'http://example.com/',
  'http://example.com/a/b',
  'http://example.com/a',
  'http://www.example.com/',
  'http://sub.www.example.com/a/',
  'https://example.com/',
  'https://example.com/a/b',
  'http://example.org/',
];

const NAMES = ['a', 'SID', 'x1', 'A', '__Secure-a', '__Host-a', '__secure-a', '__HOST-a', '', ' a', 'a ', 'a b', 'a"b', '"a"', '$Version', 'a\tb', 'é', 'a,b'];
const VALUES = ['1', '', 'v', '"q"', '"', '" q "', 'a b', ' lead', 'trail ', 'a=b', 'a,b', 'x\\y', 'é', '%41', 'a\tb', '"a=b"'];
/** Octets that often split parsers: controls, separators, quotes, 8-bit. NUL, CR and LF cannot travel in a header field. */
const ODD_OCTETS = [0x01, 0x09, 0x0b, 0x1f, 0x20, 0x22, 0x2c, 0x2f, 0x3b, 0x3d, 0x5c, 0x7f, 0x80, 0xa0, 0xc3, 0xe9, 0xff, 0x41, 0x2e];

const ATTRIBUTES: [string, (string | null)[]][] = [
  ['Path', ['/', '/a', '/a/', '/a/b', '', 'a', '/A', '/%61', '/a/b/', ' /a']],
  [
    'Domain',
    ['example.com', '.example.com', 'EXAMPLE.COM', 'www.example.com', 'example.org', '', 'com', 'example.com.', '..example.com', ' example.com', 'ample.com'],
  ],
  ['Max-Age', ['0', '-1', '3600', '', '1e3', '+5', ' 10', '99999999999999999999', 'abc', '0x10', '-0', '00', '1.5']],
  [
    'Expires',
    [
      '{{now+1d}}',
      '{{now-1d}}',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'garbage',
      '',
      '{{now+1d|rfc850}}',
      '{{now+1d|asctime}}',
      'Sun, 06 Nov 1994 08:49:37 GMT',
      '{{now+1y|%Y-%m-%d}}',
      '0',
    ],
  ],
  ['Secure', [null, '', 'x']],
  ['HttpOnly', [null, '', 'x']],
  ['SameSite', ['Lax', 'Strict', 'None', 'bogus', '', 'lax', null]],
  ['Partitioned', [null]],
  ['Comment', ['x']],
  ['Version', ['1']],
];
const SEPARATORS = ['; ', ';', ' ; ', ';  ', ';\t', ';; '];

function recase(r: Random, name: string): string {
  switch (r.int(6)) {
    case 0:
      return name.toLowerCase();
    case 1:
      return name.toUpperCase();
    case 2:
      return [...name].map((c) => (r.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
    default:
      return name;
  }
}

function oddOctets(r: Random, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => r.pick(ODD_OCTETS)));
}

/** A name or value: mostly from the lists, sometimes odd octets, sometimes long. */
function token(r: Random, list: string[]): Buffer {
  const roll = r.int(10);
  if (roll < 6) return Buffer.from(r.pick(list), 'utf8');
  if (roll < 9) return Buffer.concat([Buffer.from(r.pick(list), 'utf8'), oddOctets(r, 1 + r.int(3))]);
  // About the name-plus-value limit (4096) and the attribute-value limit (1024).
  return Buffer.alloc(r.pick([1023, 1024, 1025, 2047, 4090, 4095, 4096, 4097]), 'x');
}

function grammarLine(r: Random): HeaderValue {
  const parts: Buffer[] = [];
  const name = token(r, NAMES);
  const value = token(r, VALUES);
  if (r.chance(0.9)) {
    const eq = r.pick(['=', '=', '=', ' = ', '= ', ' =']);
    parts.push(name, Buffer.from(eq), value);
  } else parts.push(value);
  const count = r.int(5);
  for (let i = 0; i < count; i++) {
    const [attr, values] = r.pick(ATTRIBUTES);
    const v = r.pick(values);
    const text = v === null ? recase(r, attr) : `${recase(r, attr)}${r.pick(['=', '=', ' = ', '= '])}${v}`;
    parts.push(Buffer.from(r.pick(SEPARATORS) + text, 'utf8'));
  }
  if (r.chance(0.1)) parts.push(Buffer.from(r.pick([';', '; ', ' ', '\t'])));
  return line(Buffer.concat(parts));
}

function grammarScenario(r: Random): CookieScenario {
  const first = r.pick(URLS);
  const lines = Array.from({ length: 1 + r.int(3) }, () => grammarLine(r));
  const requests: CookieScenario['requests'] = [{ url: first, setCookie: lines }];
  const second = r.chance(0.6) ? first : r.pick(URLS);
  requests.push({ url: second, setCookie: r.chance(0.25) ? [grammarLine(r)] : [] });
  if (r.chance(0.4)) requests.push({ url: r.pick(URLS), setCookie: [] });
  return { from: 'grammar', requests };
}

interface Seed {
  id: string;
  requests: CookieScenario['requests'];
}

let corpus: Seed[] | undefined;

/**
 * The project's own cookie vectors that any non-browser target runs as they
 * are (no clock, no script, no browser context, at most 6 requests), in file
 * and vector order. Vectors flagged `generated` are left out, so that adding
 * what the fuzzer found does not change the scenarios of a seed.
 */
export function mutationCorpus(dir = join(VECTORS_DIR, 'cookies')): Seed[] {
  if (corpus && dir === join(VECTORS_DIR, 'cookies')) return corpus;
  const seeds: Seed[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { vectors: CookieVector[] };
    for (const v of doc.vectors) {
      if (v.ua === 'browser' || v.clock || (v.flags ?? []).includes('generated') || v.requests.length > 6) continue;
      if (v.requests.some((q) => q.script || q.context || q.advance || q.reload || q.response?.location || (q.method ?? 'GET') !== 'GET')) continue;
      if (v.requests.some((q) => (q.response?.setCookie ?? []).some((l) => !usableLine(l)))) continue;
      seeds.push({ id: v.id, requests: v.requests.map((q) => ({ url: q.url, setCookie: [...(q.response?.setCookie ?? [])] })) });
    }
  }
  if (dir === join(VECTORS_DIR, 'cookies')) corpus = seeds;
  return seeds;
}

/** One to three octet edits of one Set-Cookie line of a project vector. */
function mutationScenario(r: Random): CookieScenario | undefined {
  const seeds = mutationCorpus().filter((s) => s.requests.some((q) => q.setCookie.length));
  if (!seeds.length) return undefined;
  const seed = r.pick(seeds);
  const requests = seed.requests.map((q) => ({ url: q.url, setCookie: [...q.setCookie] }));
  const withLines = requests.filter((q) => q.setCookie.length);
  const q = r.pick(withLines);
  const k = r.int(q.setCookie.length);
  let bytes = octets(q.setCookie[k]!);
  const edits = 1 + r.int(3);
  for (let e = 0; e < edits; e++) {
    const at = r.int(bytes.length + 1);
    switch (r.int(4)) {
      case 0:
        bytes = Buffer.concat([bytes.subarray(0, at), oddOctets(r, 1), bytes.subarray(at)]);
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + r.int(4))]);
        break;
      case 2:
        if (at < bytes.length) bytes = Buffer.concat([bytes.subarray(0, at), oddOctets(r, 1), bytes.subarray(at + 1)]);
        break;
      default: {
        const len = 1 + r.int(8);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + len), bytes.subarray(at)]);
      }
    }
  }
  q.setCookie[k] = line(bytes);
  return { from: `mutation of ${seed.id}`, requests };
}

/**
 * Clock advances (seconds) about the lifetimes the grammar writes: Max-Age=1
 * and 3600, {{now+1d}}, and the 400-day cap of rfc6265bis §5.6.1 and §5.6.2.
 */
const ADVANCES = [1, 2, 59, 61, 3599, 3601, 86_399, 86_401, 400 * 86_400 + 1];

/**
 * One clock advance, one time in four, before one request after the first.
 * Drawn from a stream of its own, keyed by (seed, index) as the scenario's
 * is: a scenario without an advance is the very one it was before advances
 * were generated, so the scenario numbers of earlier findings still hold.
 */
function withAdvance(s: CookieScenario, seed: number, index: number): CookieScenario {
  const r = new Random((seed ^ 0x632be5ab) >>> 0, index);
  if (s.requests.length < 2 || !r.chance(0.25)) return s;
  const at = 1 + r.int(s.requests.length - 1);
  const advance = r.pick(ADVANCES);
  return { ...s, requests: s.requests.map((q, i) => (i === at ? { ...q, advance } : q)) };
}

/** Scenario `index` of `seed`: about two in three from the grammar, the rest mutations; redrawn until every line is usable; sometimes a clock advance. */
export function generateScenario(seed: number, index: number): CookieScenario {
  const r = new Random(seed, index);
  for (;;) {
    const s = r.chance(0.65) ? grammarScenario(r) : (mutationScenario(r) ?? grammarScenario(r));
    if (usable(s)) return withAdvance(s, seed, index);
  }
}
