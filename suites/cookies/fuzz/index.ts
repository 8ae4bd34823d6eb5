/**
 * The cookie suite's part of the differential fuzzer (runner/fuzz/,
 * docs/fuzz.md): scenarios from generate.ts, shrink steps from shrink.ts, and
 * what a target did: the Cookie header it sent on each request (none and an
 * empty one alike, as the verdict takes them, §5.8.1), or that it failed.
 */
import type { ResultRecord } from '../../../runner/model.js';
import type { FuzzSuite } from '../../../runner/fuzz/interface.js';
import type { LoadedVector } from '../../../runner/suite.js';
import suite from '../index.js';
import type { HeaderValue } from '../bytes.js';
import type { CookieVector } from '../vector.js';
import { generateScenario } from './generate.js';
import { octets, scenarioSize, showScenario, type CookieScenario } from './scenario.js';
import { shrinkScenario } from './shrink.js';

const SET_COOKIE = { doc: 'rfc6265bis', section: '5.6', anchor: 'set-cookie' };

/** Each request's Cookie header as the result records it (null: none, or an empty one). */
function cookiesOf(r: ResultRecord): (HeaderValue | null)[] | undefined {
  if (!Array.isArray(r.actual)) return undefined;
  return (r.actual as { request?: number; cookie?: HeaderValue | null }[])
    .filter((a) => a.request !== undefined && 'cookie' in a)
    .map((a) => (a.cookie === '' || a.cookie === undefined ? null : a.cookie));
}

/** The scheduler's reasons for a vector whose adapter did not start (runner/scheduler.ts). */
const NO_START = /^adapter (could not start|failed to start \d+ times)/;

export function observeCookies(r: ResultRecord): string | undefined {
  // An adapter that did not start (a browser under heavy load) did nothing with the scenario: it is left out, as a
  // target that cannot run it is, rather than parting from the reference on every scenario.
  // (A start that timed out is a `timeout` with the same reason.)
  if ((r.verdict === 'error' || r.verdict === 'timeout') && NO_START.test(r.reason ?? '')) return undefined;
  if (r.verdict === 'error' || r.verdict === 'timeout') return r.verdict;
  const cookies = cookiesOf(r);
  // An HTTP client that refused the response (a control octet in a field) is a behaviour; a scenario it cannot run is not.
  if (r.verdict === 'unsupported' || r.verdict === 'skipped') return cookies ? 'refused the response' : undefined;
  if (!cookies) return 'no result';
  return cookies.map((c, i) => `${i + 1}: ${c === null ? '(none)' : typeof c === 'string' ? JSON.stringify(c) : `hex ${c.hex}`}`).join('; ');
}

/** What is odd about the input, for clustering: octet classes and structure, not which attributes a line has. */
export function cookieFeatures(s: CookieScenario): string[] {
  const f = new Set<string>();
  for (const r of s.requests)
    for (const l of r.setCookie) {
      const b = octets(l);
      if (b.some((x) => (x < 0x20 && x !== 0x09) || x === 0x7f)) f.add('ctl');
      if (b.includes(0x09)) f.add('htab');
      if (b.some((x) => x >= 0x80)) f.add('8bit');
      if (b.includes(0x22)) f.add('dquote');
      if (b.length > 1024) f.add('long');
      const semi = b.indexOf(0x3b);
      const pair = semi < 0 ? b : b.subarray(0, semi);
      const eq = pair.indexOf(0x3d);
      if (eq < 0) f.add('no-equals');
      else if (pair.subarray(0, eq).toString('latin1').trim() === '') f.add('empty-name');
      if (/^\s*__(secure|host)-/i.test(pair.toString('latin1'))) f.add('prefix');
    }
  if (s.requests.some((r) => r.url.startsWith('https:'))) f.add('https');
  if (s.requests.some((r) => r.advance)) f.add('clock');
  return [...f].sort();
}

function vectorOf(s: CookieScenario, id: string, title: string, expected: (HeaderValue | null)[] | undefined, extra: Partial<CookieVector> = {}): CookieVector {
  return {
    id,
    title,
    spec: [SET_COOKIE],
    level: 'MUST',
    ua: 'any',
    ...extra,
    requests: s.requests.map((r, i) => ({
      url: r.url,
      ...(r.advance ? { advance: r.advance } : {}),
      cookie: expected ? (expected[i] ?? null) : null,
      ...(r.setCookie.length ? { response: { setCookie: r.setCookie } } : {}),
    })),
  } as CookieVector;
}

export const fuzzSuite: FuzzSuite<CookieScenario> = {
  suite,
  reference: 'reference',
  generate: generateScenario,
  shrink: shrinkScenario,
  size: scenarioSize,
  features: cookieFeatures,
  show: showScenario,
  observe: observeCookies,
  // No defaultTarget: by default every local cookie target takes part, the browsers too (a target that cannot run here is
  // left out with its reason). A browser's scenario is a navigation per request, so it bounds the throughput.
  toVector(s: CookieScenario, id: string): LoadedVector<CookieVector> {
    // The expectation (no cookie) only makes the result record each request's Cookie header; the verdict is not used.
    const data = vectorOf(s, id, `fuzz scenario (${s.from})`, undefined, { level: 'MAY' });
    return { id, title: data.title, level: 'MAY', citations: data.spec, flags: [], source: { file: '(fuzz)', pointer: '' }, data };
  },
  propose(s: CookieScenario, reference: ResultRecord, id: string): CookieVector {
    const expected = cookiesOf(reference);
    return vectorOf(s, id, `TODO: say what the spec requires here (found by the fuzzer in a ${s.from} scenario)`, expected, { flags: ['generated'] });
  },
};
