// `conformatrix import wpt-cookies`: a WPT-style corpus of our own (test/fixtures/wpt-cookies/) becomes vectors
// that validate and that the reference passes in a real run; a malformed corpus is refused with file, line and pointer.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, FIXTURES, readRun, tempDir, verdicts } from '../helpers.js';

const CORPUS = join(FIXTURES, 'wpt-cookies');
const MALFORMED = join(FIXTURES, 'wpt-cookies-malformed');
const P = 'cookies/import/wpt-cookies/';

/** The ids the fixture corpus gives, in file order (files sorted, tests in order); the NUL test is skipped. */
const IDS = [
  'max-age-0-removes-the-cookie-set-just-before',
  'an-expires-date-in-1970-means-the-cookie-is-not-kept',
  'an-expires-date-in-2100-keeps-the-cookie',
  'domain-web-platform-test-sends-the-cookie-to-a-subdomain',
  'a-host-only-cookie-is-not-sent-to-a-subdomain',
  'a-domain-attribute-naming-another-site-drops-the-cookie',
  'a-secure-cookie-from-an-http-origin-is-ignored',
  'host-prefix-without-secure-is-rejected',
  'httponly-cookies-are-sent-in-the-cookie-header',
  'samesite-strict-cookies-go-with-a-same-site-request',
  'a-cookie-is-sent-back-to-the-path-it-was-set-from',
  'two-cookies-from-one-response-come-back-in-the-order-they-were-created',
  'whitespace-around-the-name-and-the-value-is-dropped',
  'a-pair-without-is-a-nameless-cookie-sent-as-its-value-alone',
  'a-later-cookie-of-the-same-name-replaces-the-earlier-one',
  'non-ascii-caf-name-and-value-travel-as-their-utf-8-octets',
  'path-app-the-cookie-stays-away-from-other',
  'without-path-the-cookie-stays-away-from-the-parent-of-its-default-path',
  'path-app-the-cookie-goes-with-the-redirect-to-app-page',
].map((s) => P + s);

/** Writes a corpus of the given tests into a new folder and imports it. */
function importTests(tests: unknown, extra: string[] = []) {
  const dir = tempDir();
  mkdirSync(join(dir, 'corpus'));
  writeFileSync(join(dir, 'corpus', 'tests.json'), JSON.stringify(tests, null, 2));
  const dest = join(dir, 'out.json');
  const r = cli(['import', 'wpt-cookies', join(dir, 'corpus'), '--out', dest, ...extra]);
  return { ...r, dest, doc: existsSync(dest) ? (JSON.parse(readFileSync(dest, 'utf8')) as { vectors: any[] }) : undefined };
}

describe('conformatrix import wpt-cookies', function () {
  this.timeout(120_000);
  let dest: string;
  let doc: { vectors: any[] };
  let result: ReturnType<typeof cli>;
  const byId = (suffix: string) => doc.vectors.find((v) => v.id === P + suffix);

  before(() => {
    dest = join(tempDir(), 'out');
    result = cli(['import', 'wpt-cookies', CORPUS, '--out', dest]);
    doc = JSON.parse(readFileSync(join(dest, 'wpt-cookies.json'), 'utf8'));
  });

  it('converts every test of a folder (array files and single-test files, README ignored) with ids made from the names', () => {
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      doc.vectors.map((v) => v.id),
      IDS,
    );
    assert.match(result.stdout, /^wrote 19 vectors to .*wpt-cookies\.json \(1 test\(s\) skipped, see the warnings\)$/m);
  });

  it('skips a test whose Set-Cookie holds a NUL, naming file, line, JSON pointer and test, with the reason', () => {
    assert.match(
      result.stderr,
      /^warning: test\/fixtures\/wpt-cookies\/basics\.json:29:5 at \/5\/cookie: "A NUL in the value makes the whole field ignored": a Set-Cookie value holds octet 0x00 \(NUL\), which cannot travel in an HTTP\/1\.1 header field; skipped$/m,
    );
  });

  it('keeps ids when imported again, and from a single file of the corpus', () => {
    const one = join(tempDir(), 'basics.json');
    const r = cli(['import', 'wpt-cookies', join(CORPUS, 'basics.json'), '--out', one]);
    assert.equal(r.status, 0, r.stderr);
    const ids = (JSON.parse(readFileSync(one, 'utf8')) as { vectors: { id: string }[] }).vectors.map((v) => v.id);
    assert.deepEqual(ids, IDS.slice(10, 15));
  });

  it('sets the cookies from /cookies/resources/set and reads them inside its default-path unless the test says where', () => {
    const v = byId('a-cookie-is-sent-back-to-the-path-it-was-set-from');
    assert.deepEqual(v.requests, [
      { url: `http://web-platform.test/cookies/resources/set?a-cookie-is-sent-back-to-the-path-it-was-set-from`, response: { setCookie: ['a=1'] } },
      { url: `http://web-platform.test/cookies/resources/read?a-cookie-is-sent-back-to-the-path-it-was-set-from`, cookie: 'a=1' },
    ]);
    assert.deepEqual(v.profiles, ['rfc6265bis']);
    assert.equal(v.ua, 'any');
    assert.equal(v.description, 'Imported by conformatrix import wpt-cookies from basics.json at /0');
    // An empty expected header is "no cookies"; the setCookie spelling is the same as cookie.
    assert.equal(byId('a-secure-cookie-from-an-http-origin-is-ignored').requests[1].cookie, null);
    assert.deepEqual(byId('a-later-cookie-of-the-same-name-replaces-the-earlier-one').requests[0].response.setCookie, ['same=old', 'same=new']);
  });

  it('turns "location" into a redirect the next request follows, and "url" into a new request (a path or a URL)', () => {
    const redirect = byId('path-app-the-cookie-goes-with-the-redirect-to-app-page');
    assert.equal(redirect.requests[0].response.status, 302);
    assert.equal(redirect.requests[0].response.location, 'http://web-platform.test/app/page');
    assert.equal(redirect.requests[1].url, 'http://web-platform.test/app/page');
    assert.ok(redirect.flags.includes('redirect'));
    const path = byId('path-app-the-cookie-stays-away-from-other');
    assert.equal(path.requests[0].response.location, undefined);
    assert.equal(path.requests[1].url, 'http://web-platform.test/other/');
    assert.equal(byId('domain-web-platform-test-sends-the-cookie-to-a-subdomain').requests[1].url, 'http://www.web-platform.test/cookies/resources/read');
  });

  it('keeps non-ASCII names and values as their UTF-8 octets', () => {
    const v = byId('non-ascii-caf-name-and-value-travel-as-their-utf-8-octets');
    assert.deepEqual(v.requests[0].response.setCookie, ['café=crème brûlée']);
    assert.equal(v.requests[1].cookie, 'café=crème brûlée');
  });

  it('rewrites a literal Expires date still in the future as a relative one (the http-state rewrite), and says where', () => {
    const value = byId('an-expires-date-in-2100-keeps-the-cookie').requests[0].response.setCookie[0];
    const m = /^later=1; Expires=\{\{now\+(\d+)d\|%a, %d %b %Y %H:%M:%S GMT\}\}$/.exec(value);
    assert.ok(m, value);
    const days = (Date.UTC(2100, 0, 1) - Date.now()) / 86_400_000;
    assert.ok(Math.abs(Number(m[1]) - days) <= 1, `${m[1]} days, expected about ${days}`);
    assert.match(
      result.stderr,
      /^warning: test\/fixtures\/wpt-cookies\/attributes\.json:14:5 at \/2\/cookie: "An Expires date in 2100 keeps the cookie": future Expires date rewritten as relative, Fri, 01 Jan 2100 00:00:00 GMT -> \{\{now\+\d+d\|/m,
    );
    assert.deepEqual(byId('an-expires-date-in-1970-means-the-cookie-is-not-kept').requests[0].response.setCookie, [
      'old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ]);
  });

  it('cites the rfc6265bis sections a test speaks to, flags it imported, and makes a test of the order SHOULD', () => {
    const sections = (suffix: string) => byId(suffix).spec.map((c: { doc: string; section: string }) => `${c.doc} ${c.section}`);
    assert.deepEqual(sections('a-cookie-is-sent-back-to-the-path-it-was-set-from'), ['rfc6265bis 5.6', 'rfc6265bis 5.7']);
    assert.deepEqual(sections('a-later-cookie-of-the-same-name-replaces-the-earlier-one'), ['rfc6265bis 5.7']);
    assert.deepEqual(sections('host-prefix-without-secure-is-rejected'), ['rfc6265bis 5.4', 'rfc6265bis 5.7']);
    assert.deepEqual(sections('domain-web-platform-test-sends-the-cookie-to-a-subdomain'), ['rfc6265bis 5.6.3', 'rfc6265bis 5.7', 'rfc6265bis 5.1.3']);
    assert.deepEqual(sections('path-app-the-cookie-goes-with-the-redirect-to-app-page'), ['rfc6265bis 5.6.4', 'rfc6265bis 5.7', 'rfc6265bis 5.1.4']);
    assert.deepEqual(sections('two-cookies-from-one-response-come-back-in-the-order-they-were-created'), [
      'rfc6265bis 5.6',
      'rfc6265bis 5.7',
      'rfc6265bis 5.8.3',
    ]);
    assert.equal(byId('two-cookies-from-one-response-come-back-in-the-order-they-were-created').level, 'SHOULD');
    for (const v of doc.vectors) {
      assert.ok(v.flags.includes('imported') && v.flags.includes('wpt-cookies'), v.id);
      assert.equal(v.requirements, undefined, `${v.id}: imported vectors cite sections, not requirement ids`);
      if (!v.id.includes('two-cookies')) assert.equal(v.level, 'MUST', v.id);
    }
  });

  it('writes vectors that validate and that the reference passes in a default run', () => {
    const file = join(dest, 'wpt-cookies.json');
    const v = cli(['validate', file]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /cookies: 19 vectors valid/);
    const out = tempDir();
    const r = cli(['run', '--vectors', file, '--target', 'reference', '--out', out, '--reporter', 'dot']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const got = verdicts(readRun(out), 'reference');
    assert.deepEqual(Object.keys(got).sort(), [...IDS].sort());
    assert.ok(
      Object.values(got).every((x) => x === 'pass'),
      JSON.stringify(got),
    );
  });

  it('checks the expected header: a test that expects the wrong one fails on the reference, naming the request', () => {
    const { status, stderr, dest: file } = importTests([{ name: 'Wrong on purpose', cookie: 'a=1', expected: 'a=2' }]);
    assert.equal(status, 0, stderr);
    const out = tempDir();
    const r = cli(['run', '--vectors', file, '--target', 'reference', '--out', out, '--reporter', 'dot']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const [x] = readRun(out).results;
    assert.equal(x!.verdict, 'fail');
    assert.equal(x!.reason, 'request 2 (GET http://web-platform.test/cookies/resources/read?wrong-on-purpose): expected "a=2", got "a=1"');
  });

  it('skips, with the reason and the location, a test with LF in a header, a lone surrogate, or a URL that is not http(s)', () => {
    const r = importTests([
      { name: 'kept', cookie: 'k=1', expected: 'k=1' },
      { name: 'LF', cookie: ['a=1', 'b=1\nc=2'], expected: 'a=1' },
      { name: 'surrogate', cookie: 'a=\ud800', expected: '' },
      { name: 'LF expected', cookie: 'a=1', expected: 'a=1\n' },
      { name: 'ftp', cookie: 'a=1', location: 'ftp://web-platform.test/', expected: 'a=1' },
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.doc!.vectors.map((v) => v.id),
      [P + 'kept'],
    );
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 4, r.stderr);
    assert.match(
      lines[0]!,
      /^warning: .*tests\.json:\d+:\d+ at \/1\/cookie\/1: "LF": a Set-Cookie value holds octet 0x0a \(LF\), which cannot travel in an HTTP\/1\.1 header field; skipped$/,
    );
    assert.match(
      lines[1]!,
      /^warning: .*tests\.json:\d+:\d+ at \/2\/cookie: "surrogate": a Set-Cookie value holds a lone UTF-16 surrogate, which stands for no octets; skipped$/,
    );
    assert.match(
      lines[2]!,
      /^warning: .*tests\.json:\d+:\d+ at \/3\/expected: "LF expected": the expected Cookie header holds a NUL, CR or LF, which no Cookie header field can carry; skipped$/,
    );
    assert.match(lines[3]!, /^warning: .*tests\.json:\d+:\d+ at \/4\/location: "ftp": ftp: is not http or https: the harness only serves HTTP; skipped$/);
    assert.match(r.stdout, /wrote 1 vectors .*\(4 test\(s\) skipped/);
  });

  it('refuses a corpus of which no test converts, and writes nothing', () => {
    const r = importTests([{ name: 'only NUL', cookie: 'a=\u0000', expected: '' }]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /conformatrix: no test of .* could be converted \(1 skipped, see the warnings\)/);
    assert.equal(r.doc, undefined);
  });

  it('refuses a malformed corpus as a whole, each problem with file, line and JSON pointer, and writes nothing', () => {
    const out = join(tempDir(), 'bad.json');
    const r = cli(['import', 'wpt-cookies', MALFORMED, '--out', out]);
    assert.equal(r.status, 2);
    assert.equal(existsSync(out), false);
    const f = 'test/fixtures/wpt-cookies-malformed/';
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `${f}not-json.json:5:3: invalid JSON: property name expected`,
      `${f}scalar.json:1:1 at /: must be a test object or an array of test objects`,
      `${f}types.json:8:5 at /1/name: must be string`,
      `${f}types.json:14:23 at /2/cookie/1: must be string`,
      `${f}types.json:17:3 at /3: give "cookie" or "setCookie", not both`,
      `${f}types.json:23:3 at /4: missing the Set-Cookie values: "cookie" (or "setCookie")`,
      `${f}types.json:27:3 at /5: missing required property "expected"`,
      `${f}types.json:27:3 at /5: unknown property "expect"`,
      `${f}duplicates.json:3:5 at /1/name: the name "same id twice" gives the id ${P}same-id-twice, as the test at ${f}duplicates.json:2:5 at /0/name does: names must differ in their letters and digits`,
      '9 error(s)',
    ]);
  });

  it('refuses a corpus that would make a vector file larger than the loader takes', () => {
    const tests = Array.from({ length: 2001 }, (_, i) => ({ name: `test ${i}`, cookie: `c${i}=1`, expected: `c${i}=1` }));
    const r = importTests(tests);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /conformatrix: 2001 vectors: more than the limit of 2000 per vector file \(see docs\/vectors\.md\); import the corpus in parts/);
    assert.equal(r.doc, undefined);
  });

  it('refuses a folder without a .json file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.md'), 'no tests here\n');
    const r = cli(['import', 'wpt-cookies', dir, '--out', join(dir, 'out.json')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /: no \.json file in this folder: a corpus is a JSON file, or a folder of them\n1 error\(s\)\n$/);
  });

  it('takes --origin for the origin the tests run on, and refuses one that is not an http(s) origin', () => {
    const r = importTests([{ name: 'secure', cookie: 's=1; Secure', expected: 's=1' }], ['--origin', 'https://example.test:8443']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.doc!.vectors[0].requests[1].url, 'https://example.test:8443/cookies/resources/read?secure');
    const bad = importTests([{ name: 'x', cookie: 'a=1', expected: 'a=1' }], ['--origin', 'http://example.test/path']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--origin takes an http or https origin such as http:\/\/web-platform\.test, not "http:\/\/example\.test\/path"/);
  });

  it('lists wpt-cookies among the known formats', () => {
    const r = cli(['import', 'wpt', CORPUS, '--out', join(tempDir(), 'x.json')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown corpus format "wpt"; known: http-state, wpt-cookies/);
  });
});
