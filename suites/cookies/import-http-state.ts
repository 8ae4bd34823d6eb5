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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeaderValue } from './bytes.js';
import { importSetCookie, vectorBytes } from './import-common.js';
import type { CookieVector } from './vector.js';

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
      const imported = importSetCookie(h.value, now);
      if ('error' in imported) {
        skip(name, imported.error);
        continue tests;
      }
      for (const r of imported.rewritten) warnings.push(`${name}: future Expires date rewritten as relative, ${r}`);
      setCookie.push(imported.value);
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
