/**
 * `conformatrix import wpt-cookies SRC --out DEST`: converts a WPT-style
 * cookie test corpus into cookie vectors of this project's format.
 *
 * SRC is a JSON file, or a folder whose .json files (sorted, subfolders
 * included) each hold one test object or an array of them
 * (vectors/schema/wpt-cookies.schema.json):
 *
 *   { "name": "...", "cookie": "a=b" | ["a=b", ...], "location"?: "/path" | URL,
 *     "url"?: "/path" | URL, "expected": "a=b" | "" }
 *
 * Each test becomes a vector of two requests: GET ORIGIN/cookies/resources/set
 * answers with the test's Set-Cookie fields; then either that response
 * redirects to `location`, or the user agent requests `url`, or (with
 * neither) ORIGIN/cookies/resources/read, inside the default-path of the first
 * request; the Cookie header of that second request must be `expected`.
 *
 * A malformed corpus (not JSON, wrong types, missing fields, duplicate names)
 * is refused as a whole, every problem named by file, line and JSON pointer.
 * A well-formed test that cannot become a valid vector (a NUL, CR or LF in a
 * header, a URL that is not http(s), a future date with no relative form) is
 * skipped, with the reason and the same location.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatLocation, InputError, InputErrors } from '../../runner/errors.js';
import { JsonSource } from '../../runner/json-source.js';
import { validateSource } from '../../runner/schema.js';
import type { Citation, SpecLibrary } from '../../runner/specs.js';
import { displayPath } from '../../runner/vectors.js';
import type { HeaderValue } from './bytes.js';
import { importSetCookie } from './import-common.js';
import { loadCookieVectors, type CookieVector } from './vector.js';

export const DEFAULT_ORIGIN = 'http://web-platform.test';
const TEST_SCHEMA = 'urn:conformatrix:wpt-cookies#/$defs/test';
const ID_PREFIX = 'cookies/import/wpt-cookies/';

/** One test of the corpus, as its schema describes it. */
export interface WptCookieTest {
  name: string;
  cookie?: string | string[];
  setCookie?: string | string[];
  location?: string;
  url?: string;
  expected: string;
  note?: string;
}

/** A test and where it was read: its file (relative to SRC, for stable descriptions) and JSON pointer. */
interface Entry {
  test: WptCookieTest;
  source: JsonSource;
  pointer: string;
  file: string;
}

/** The corpus's files: SRC itself, or every .json file under the folder SRC, sorted. */
function corpusFiles(src: string): string[] {
  if (!statSync(src).isDirectory()) return [src];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) files.push(path);
    }
  };
  walk(src);
  return files;
}

/** Reads and checks the shape of every file; a problem anywhere is an InputError with file, line and pointer. */
function readCorpus(src: string): { entries: Entry[]; errors: InputError[] } {
  const entries: Entry[] = [];
  const errors: InputError[] = [];
  const root = statSync(src).isDirectory() ? src : join(src, '..');
  const files = corpusFiles(src);
  if (files.length === 0) errors.push(new InputError({ file: displayPath(src) }, 'no .json file in this folder: a corpus is a JSON file, or a folder of them'));
  for (const path of files) {
    let source: JsonSource;
    try {
      source = JsonSource.parse(displayPath(path), JsonSource.read(path).text);
    } catch (err) {
      // Name the file as the user gave it, not by its absolute path.
      if (err instanceof InputError) {
        errors.push(new InputError({ ...err.location, file: displayPath(path) }, err.detail));
        continue;
      }
      throw err;
    }
    const file = relative(root, path);
    const value = source.value;
    const items: { test: unknown; pointer: string }[] = Array.isArray(value)
      ? value.map((test, i) => ({ test, pointer: `/${i}` }))
      : value !== null && typeof value === 'object'
        ? [{ test: value, pointer: '' }]
        : [];
    if (items.length === 0) {
      errors.push(source.error('', Array.isArray(value) ? 'an empty array: the file holds no test' : 'must be a test object or an array of test objects'));
      continue;
    }
    for (const { test, pointer } of items) {
      const problems = validateSource(source, TEST_SCHEMA, test, pointer);
      const t = test as WptCookieTest;
      if (problems.length === 0) {
        if ((t.cookie === undefined) === (t.setCookie === undefined))
          problems.push(
            source.error(
              pointer,
              t.cookie === undefined ? 'missing the Set-Cookie values: "cookie" (or "setCookie")' : 'give "cookie" or "setCookie", not both',
            ),
          );
        if (t.location !== undefined && t.url !== undefined)
          problems.push(source.error(`${pointer}/url`, 'give "location" (a redirect) or "url" (a new request), not both'));
      }
      errors.push(...problems);
      if (problems.length === 0) entries.push({ test: t, source, pointer, file });
    }
  }
  return { entries, errors };
}

/**
 * The id's last part, from the test's name: lower case, runs of anything but
 * [a-z0-9] as one '-'. A name that leaves nothing, or too long a one, gets a
 * hash of the whole name, so that ids stay stable and distinct.
 */
export function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
  if (slug.length === 0) return `test-${hash}`;
  if (slug.length > 80) return `${slug.slice(0, 80).replace(/-+$/, '')}-${hash}`;
  return slug;
}

/** The attribute names of a set-cookie-string, split as §5.6 splits it, and the cookie's name. */
function parts(setCookie: string): { name: string; attributes: { name: string; value: string }[] } {
  const [pair, ...avs] = setCookie.split(';');
  const eq = pair!.indexOf('=');
  return {
    name: (eq < 0 ? '' : pair!.slice(0, eq)).trim(),
    attributes: avs.map((av) => {
      const at = av.indexOf('=');
      return { name: (at < 0 ? av : av.slice(0, at)).trim().toLowerCase(), value: at < 0 ? '' : av.slice(at + 1).trim() };
    }),
  };
}

const SECTIONS: Record<string, [string, string]> = {
  prefix: ['5.4', 'ua-name-prefixes'],
  samesite: ['5.6.7', 'the-samesite-attribute'],
  domain: ['5.6.3', 'the-domain-attribute'],
  path: ['5.6.4', 'the-path-attribute'],
  'max-age': ['5.6.2', 'ua-attribute-max-age'],
  expires: ['5.6.1', 'ua-attribute-expires'],
  secure: ['5.6.5', 'the-secure-attribute'],
  httponly: ['5.6.6', 'the-httponly-attribute'],
  parse: ['5.6', 'set-cookie'],
  storage: ['5.7', 'storage-model'],
  'domain-match': ['5.1.3', 'domain-matching'],
  'path-match': ['5.1.4', 'cookie-path'],
  retrieval: ['5.8.3', 'retrieval-algorithm'],
};

const cite = (key: string): Citation => ({ doc: 'rfc6265bis', section: SECTIONS[key]![0], anchor: SECTIONS[key]![1] });

/**
 * The rfc6265bis sections a test speaks to, the first one the section the
 * matrix groups it under: a name prefix, then the attributes it uses in the
 * order above (Path=/ alone, which corpora add to make a cookie visible
 * everywhere, does not count), else the storage model (§5.7) when one
 * response sets a name twice, else the parse algorithm (§5.6). Then the
 * storage model, which every test goes through (it is where most cookies are
 * dropped), the matching a read on another host or path depends on, and the retrieval
 * algorithm when the expected header holds more than one cookie, whose order
 * is a SHOULD (§5.8.3 step 2): such a test is SHOULD, any other MUST.
 */
export function citationsFor(setCookies: string[], setUrl: URL, readUrl: URL, expected: string): { spec: Citation[]; level: 'MUST' | 'SHOULD' } {
  const found = new Set<string>();
  for (const s of setCookies) {
    const { name, attributes } = parts(s);
    if (/^__(secure|host)-/i.test(name)) found.add('prefix');
    for (const a of attributes) if (a.name in SECTIONS && !(a.name === 'path' && a.value === '/')) found.add(a.name);
  }
  const keys = ['prefix', 'samesite', 'domain', 'path', 'max-age', 'expires', 'secure', 'httponly'].filter((k) => found.has(k));
  const names = setCookies.map((s) => parts(s).name);
  if (keys.length === 0) keys.push(new Set(names).size < names.length ? 'storage' : 'parse');
  if (!keys.includes('storage')) keys.push('storage');
  if (readUrl.hostname !== setUrl.hostname) keys.push('domain-match');
  if (readUrl.pathname.slice(0, readUrl.pathname.lastIndexOf('/')) !== setUrl.pathname.slice(0, setUrl.pathname.lastIndexOf('/'))) keys.push('path-match');
  const ordered = expected.split(';').length > 1;
  if (ordered) keys.push('retrieval');
  return { spec: keys.map(cite), level: ordered ? 'SHOULD' : 'MUST' };
}

const asList = (v: string | string[]) => (typeof v === 'string' ? [v] : v);

/** A lone UTF-16 surrogate (JSON lets a string hold one) stands for no octets. */
const LONE_SURROGATE = /\p{Cs}/u;

/** An octet a Cookie header cannot hold either (it could not have been sent). */
const UNSENDABLE = /[\0\r\n]/;

type Converted = { vector: CookieVector; rewritten: { pointer: string; what: string }[] } | { pointer: string; error: string };

function convertOne(e: Entry, origin: URL, now: number): Converted {
  const { test, pointer } = e;
  const slug = slugOf(test.name);
  const key = test.cookie !== undefined ? 'cookie' : 'setCookie';
  const raw = test.cookie ?? test.setCookie!;
  const setCookie: HeaderValue[] = [];
  const rewritten: { pointer: string; what: string }[] = [];
  for (const [k, s] of asList(raw).entries()) {
    const at = typeof raw === 'string' ? `${pointer}/${key}` : `${pointer}/${key}/${k}`;
    if (LONE_SURROGATE.test(s)) return { pointer: at, error: 'a Set-Cookie value holds a lone UTF-16 surrogate, which stands for no octets' };
    const imported = importSetCookie(Buffer.from(s, 'utf8'), now);
    if ('error' in imported) return { pointer: at, error: imported.error };
    for (const r of imported.rewritten) rewritten.push({ pointer: at, what: `future Expires date rewritten as relative, ${r}` });
    setCookie.push(imported.value);
  }
  if (LONE_SURROGATE.test(test.expected))
    return { pointer: `${pointer}/expected`, error: 'the expected Cookie header holds a lone UTF-16 surrogate, which stands for no octets' };
  if (UNSENDABLE.test(test.expected))
    return { pointer: `${pointer}/expected`, error: 'the expected Cookie header holds a NUL, CR or LF, which no Cookie header field can carry' };
  const setUrl = new URL(`/cookies/resources/set?${slug}`, origin);
  const where = test.location ?? test.url;
  let readUrl: URL;
  try {
    readUrl = new URL(where ?? `/cookies/resources/read?${slug}`, setUrl);
  } catch {
    return { pointer: `${pointer}/${test.location !== undefined ? 'location' : 'url'}`, error: `not a path or a URL: ${JSON.stringify(where)}` };
  }
  if (readUrl.protocol !== 'http:' && readUrl.protocol !== 'https:')
    return {
      pointer: `${pointer}/${test.location !== undefined ? 'location' : 'url'}`,
      error: `${readUrl.protocol} is not http or https: the harness only serves HTTP`,
    };
  const { spec, level } = citationsFor(asList(raw), setUrl, readUrl, test.expected);
  const response: NonNullable<CookieVector['requests'][number]['response']> = { setCookie };
  if (test.location !== undefined) {
    response.status = 302;
    response.location = readUrl.href;
  }
  const title = `WPT-style cookie test: ${test.name}`;
  const vector: CookieVector = {
    id: ID_PREFIX + slug,
    title: title.length > 200 ? `${title.slice(0, 199)}…` : title,
    description: `Imported by conformatrix import wpt-cookies from ${e.file} at ${pointer || '/'}${test.note ? `: ${test.note}` : ''}`,
    spec,
    level,
    ua: 'any',
    profiles: ['rfc6265bis'],
    flags: ['imported', 'wpt-cookies', ...(test.location !== undefined ? ['redirect'] : [])],
    requests: [
      { url: setUrl.href, response },
      { url: readUrl.href, cookie: test.expected === '' ? null : test.expected },
    ],
  };
  return { vector, rewritten };
}

/** Why a converted vector would not validate (schema, the suite's checks, citations), or undefined. */
function invalidity(vector: CookieVector, specs: SpecLibrary): string | undefined {
  const source = JsonSource.parse('(converted)', JSON.stringify({ vectors: [vector] }));
  const errors = validateSource(source, 'urn:conformatrix:cookie-vectors');
  if (errors.length === 0) errors.push(...loadCookieVectors(source).errors);
  const problems = errors.map((e) => `${e.location.pointer?.replace(/^\/vectors\/0/, '') || '/'}: ${e.detail}`);
  vector.spec.forEach((c) => {
    const p = specs.check(c);
    if (p) problems.push(`citation: ${p}`);
  });
  return problems.length ? problems.join('; ') : undefined;
}

export interface WptImport {
  vectors: CookieVector[];
  /** One line each: where in the corpus, the test's name, and what happened. */
  warnings: string[];
  skipped: number;
}

/**
 * Converts the corpus at src (a file or a folder). Throws InputErrors, and
 * converts nothing, when the corpus is malformed.
 */
export function convertWptCookies(src: string, specs: SpecLibrary, options: { origin?: string; now?: number } = {}): WptImport {
  const origin = new URL(options.origin ?? DEFAULT_ORIGIN);
  const now = options.now ?? Date.now();
  const { entries, errors } = readCorpus(src);
  // Ids come from names: two tests whose names give one id would make one vector of two.
  const byId = new Map<string, Entry>();
  for (const e of entries) {
    const id = ID_PREFIX + slugOf(e.test.name);
    const first = byId.get(id);
    if (first)
      errors.push(
        e.source.error(
          `${e.pointer}/name`,
          `the name ${JSON.stringify(e.test.name)} gives the id ${id}, as the test at ${formatLocation(first.source.locate(`${first.pointer}/name`))} does: names must differ in their letters and digits`,
        ),
      );
    else byId.set(id, e);
  }
  if (errors.length) throw new InputErrors(errors);
  const vectors: CookieVector[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  const at = (e: Entry, pointer: string) => `${formatLocation(e.source.locate(pointer))}: ${JSON.stringify(e.test.name)}`;
  for (const e of entries) {
    const converted = convertOne(e, origin, now);
    if ('error' in converted) {
      warnings.push(`${at(e, converted.pointer)}: ${converted.error}; skipped`);
      skipped++;
      continue;
    }
    const invalid = invalidity(converted.vector, specs);
    if (invalid) {
      warnings.push(`${at(e, e.pointer)}: the converted vector would not validate (${invalid}); skipped`);
      skipped++;
      continue;
    }
    for (const r of converted.rewritten) warnings.push(`${at(e, r.pointer)}: ${r.what}`);
    vectors.push(converted.vector);
  }
  return { vectors, warnings, skipped };
}
