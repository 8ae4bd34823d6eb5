// `conformatrix import http-state`: the classic corpus layout becomes vectors of this project's format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, FIXTURES, readRun, tempDir, verdicts } from '../helpers.js';

describe('conformatrix import http-state', function () {
  this.timeout(60_000);
  let dest: string;
  let doc: { vectors: any[] };
  let result: ReturnType<typeof cli>;

  before(() => {
    dest = join(tempDir(), 'imported.json');
    result = cli(['import', 'http-state', join(FIXTURES, 'http-state'), '--out', dest]);
    doc = JSON.parse(readFileSync(dest, 'utf8'));
  });

  it('converts each test with an expected file, and warns about the one without', () => {
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /0006: no 0006-expected file; skipped/);
    assert.deepEqual(
      doc.vectors.map((v) => v.id),
      ['0001', '0002', '0007', '0008', '0009', 'ordering0005', 'path0003', 'value0004'].map((n) => `cookies/import/http-state/${n}`),
    );
  });

  it('skips a test whose Set-Cookie holds a NUL or a bare CR, saying why, and counts the skipped tests', () => {
    assert.match(result.stderr, /warning: 0010: a Set-Cookie value holds octet 0x00 \(NUL\), which cannot travel in an HTTP\/1\.1 header field; skipped/);
    assert.match(result.stderr, /warning: 0011: a Set-Cookie value holds octet 0x0d \(CR\), which cannot travel in an HTTP\/1\.1 header field; skipped/);
    assert.match(result.stdout, /wrote 8 vectors to .*imported\.json \(3 test\(s\) skipped, see the warnings\)/);
  });

  it('turns a literal Expires date still in the future into a relative one of the same shape, and keeps a past one', () => {
    const future = doc.vectors.find((x) => x.id.endsWith('/0008')).requests[0].response.setCookie[0];
    const m = /^future=1; Expires=\{\{now\+(\d+)d\|%a, %d %b %Y %H:%M:%S GMT\}\}$/.exec(future);
    assert.ok(m, future);
    // As far ahead of the run as 2100-01-01 was ahead of the import.
    const days = (Date.UTC(2100, 0, 1) - Date.now()) / 86_400_000;
    assert.ok(Math.abs(Number(m[1]) - days) <= 1, `${m[1]} days, expected about ${days}`);
    assert.match(result.stderr, /0008: future Expires date rewritten as relative, Fri, 01 Jan 2100 00:00:00 GMT -> \{\{now\+\d+d\|/);
    assert.deepEqual(doc.vectors.find((x) => x.id.endsWith('/0009')).requests[0].response.setCookie, ['past=1; Expires=Mon, 01 Jan 2007 00:00:00 GMT']);
  });

  it('says that the vectors are rfc6265 only, at import and in the skip reason of a default run', () => {
    assert.match(result.stdout, /profile rfc6265 only: run them with --profile rfc6265/);
    const out = tempDir();
    const r = cli(['run', '--vectors', dest, '--target', 'reference', '--out', out, '--reporter', 'dot']);
    // A gate that ran nothing on the target it names fails closed, and says why (every vector skipped).
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no vector ran on reference \(named by --target\): 8 skipped/);
    const skipped = readRun(out).results.filter((x) => x.targetId === 'reference');
    assert.equal(skipped.length, 8);
    for (const x of skipped) {
      assert.equal(x.verdict, 'skipped');
      assert.equal(x.reason, 'expectation only under profile rfc6265 (use --profile rfc6265)');
    }
  });

  it('serves the test at /cookie-parser?N and checks the Cookie header of /cookie-parser-result?N', () => {
    const v = doc.vectors.find((x) => x.id.endsWith('/0001'));
    assert.deepEqual(v.profiles, ['rfc6265']);
    assert.deepEqual(v.requests, [
      { url: 'http://home.example.org:8888/cookie-parser?0001', response: { setCookie: ['alpha=one'] } },
      { url: 'http://home.example.org:8888/cookie-parser-result?0001', cookie: 'alpha=one' },
    ]);
  });

  it('turns a Location into a redirect that the next request follows', () => {
    const v = doc.vectors.find((x) => x.id.endsWith('/0002'));
    assert.equal(v.requests[0].response.status, 302);
    assert.equal(v.requests[0].response.location, 'http://home.example.org:8888/deep/er?0002');
    assert.equal(v.requests[1].url, 'http://home.example.org:8888/deep/er?0002');
  });

  it('keeps non-UTF-8 octets as hex, an empty expected file as "no Cookie header", and never lets {{ become a placeholder', () => {
    const value = doc.vectors.find((x) => x.id.endsWith('/value0004'));
    assert.deepEqual(value.requests[0].response.setCookie, [{ hex: Buffer.from('delta=\xff\xfe', 'latin1').toString('hex') }]);
    assert.deepEqual(value.requests[1].cookie, { hex: Buffer.from('delta=\xff\xfe', 'latin1').toString('hex') });
    assert.equal(doc.vectors.find((x) => x.id.endsWith('/path0003')).requests[1].cookie, null);
    assert.equal(doc.vectors.find((x) => x.id.endsWith('/ordering0005')).level, 'SHOULD');
    assert.ok('hex' in doc.vectors.find((x) => x.id.endsWith('/0007')).requests[0].response.setCookie[0]);
  });

  it('writes vectors that validate and that the reference passes under profile rfc6265', () => {
    const v = cli(['validate', dest]);
    assert.equal(v.status, 0, v.stderr);
    const out = tempDir();
    const r = cli(['run', '--vectors', dest, '--target', 'reference', '--profile', 'rfc6265', '--out', out, '--reporter', 'dot']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const got = verdicts(readRun(out), 'reference');
    assert.equal(Object.keys(got).length, 8);
    assert.ok(
      Object.values(got).every((x) => x === 'pass'),
      JSON.stringify(got),
    );
  });

  it('refuses an unknown corpus format with exit code 2', () => {
    const r = cli(['import', 'wpt', FIXTURES, '--out', join(tempDir(), 'x.json')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown corpus format "wpt"/);
  });
});
