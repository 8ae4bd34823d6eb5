// The non-HTTP API in cookie vectors: a request's script writes and reads document.cookie in the document it loads.
// And the context of a browser redirect chain or reload, which the SameSite vectors rely on; and requests from workers, framed and sandboxed documents.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import { runCommand } from '../../runner/run.js';
import { LOCAL_HARNESS, type Session, type TargetView } from '../../runner/suite.js';
import { OriginServer } from '../../suites/cookies/http/origin-server.js';
import { contextPages, planHttp, runHttp } from '../../suites/cookies/http/run-http.js';
import { judge } from '../../suites/cookies/verdict.js';
import type { CookieVector } from '../../suites/cookies/vector.js';
import { runCookieVector } from '../../targets/reference/cookies/adapter.js';
import { cli, FIXTURES, readRun, tempDir } from '../helpers.js';
import { expectVerdicts, runBrowser } from './browsers.js';

const NON_HTTP = join(VECTORS_DIR, 'cookies', 'non-http.json');
/** Scripts every browser runs as the spec says: reads that see cookies set over HTTP and leave HttpOnly ones out, writes that HTTP requests then carry. */
const SCRIPTED = ['read-sees-http-cookie', 'read-excludes-httponly', 'write-is-sent-over-http', 'write-httponly-ignored', 'same-site-frame-reads-strict'];
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

function scripted(reads: string[]): CookieVector {
  return {
    id: 'cookies/test/script',
    title: 'x',
    spec: [{ doc: 'rfc6265bis', section: '5.8.2' }],
    level: 'MUST',
    ua: 'browser',
    requests: [{ url: 'https://app.example.com/', script: [{ set: 'a=1' }, ...reads.map((read) => ({ read }))] }],
  };
}

describe('document.cookie in cookie vectors', function () {
  this.timeout(120_000);

  describe('verdict', () => {
    const observed = (reads?: string[]) => [{ url: 'https://app.example.com/', method: 'GET', setCookie: [], cookie: null, ...(reads ? { reads } : {}) }];

    it('passes when every read gives exactly the expected string', () => {
      const o = judge(scripted(['a=1', '']), 'rfc6265bis', observed(['a=1', '']));
      assert.equal(o.verdict, 'pass', o.reason);
      assert.deepEqual(o.expected, [
        { request: 1, read: 1, documentCookie: 'a=1' },
        { request: 1, read: 2, documentCookie: '' },
      ]);
    });

    it('fails on a read that differs, naming the request and the read', () => {
      const o = judge(scripted(['a=1', '']), 'rfc6265bis', observed(['a=1', 'a=1']));
      assert.equal(o.verdict, 'fail');
      assert.equal(o.reason, 'request 1 (GET https://app.example.com/): document.cookie read 2 expected "", got "a=1"');
    });

    it('fails when the target gives no value for a read', () => {
      const o = judge(scripted(['a=1']), 'rfc6265bis', observed());
      assert.equal(o.verdict, 'fail');
      assert.match(o.reason!, /document\.cookie read 1 expected "a=1", the target gave no value/);
    });
  });

  describe('validate', () => {
    const vector = (request: object, extra: object = {}) => ({
      id: 'cookies/test/script',
      title: 'a script vector',
      spec: [{ doc: 'rfc6265bis', section: '5.8.2', anchor: 'non-http' }],
      level: 'MUST',
      ua: 'browser',
      requests: [request],
      ...extra,
    });
    const validate = (vectors: unknown[]) => {
      const file = join(tempDir(), 'v.json');
      writeFileSync(file, JSON.stringify({ vectors, $schema: 'urn:conformatrix:cookie-vectors' }, null, 2) + '\n');
      return cli(['validate', file]);
    };

    it('accepts a vector whose only check is a read', () => {
      const r = validate([vector({ url: 'https://app.example.com/', script: [{ read: '' }] })]);
      assert.equal(r.status, 0, r.stderr);
    });

    it('refuses a script in a vector not for browsers, in an image and on a redirect, with the pointer', () => {
      const r = validate([
        vector({ url: 'https://app.example.com/', script: [{ read: '' }] }, { id: 'cookies/test/any', ua: 'any' }),
        vector(
          { url: 'https://app.example.com/p', context: { initiator: 'https://x.example.net/', destination: 'image' }, script: [{ read: '' }] },
          { id: 'cookies/test/image' },
        ),
        vector(
          {},
          {
            id: 'cookies/test/redirect',
            requests: [
              { url: 'https://app.example.com/a', response: { location: '/b' }, script: [{ read: '' }] },
              { url: 'https://app.example.com/b', cookie: null },
            ],
          },
        ),
      ]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /v\.json:\d+:\d+ at \/vectors\/0\/requests\/0\/script: document\.cookie only exists in browsers: set "ua": "browser"/);
      assert.match(r.stderr, /at \/vectors\/1\/requests\/0\/script: an image is not a document/);
      assert.match(r.stderr, /at \/vectors\/2\/requests\/0\/script: a redirect response loads no document/);
    });

    it('refuses an unknown script operation by the schema, with the pointer', () => {
      const r = validate([vector({ url: 'https://app.example.com/', script: [{ eval: 'x' }] })]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /v\.json:\d+:\d+ at \/vectors\/0\/requests\/0\/script\/0: unknown property "eval"/);
    });
  });

  describe('the reference', () => {
    const run = (requests: object[]) => runCookieVector({ vector: 'cookies/test/x', requests: requests as never });
    const doc = (url: string, setCookie: string[], script: object[], context?: object) => ({
      url,
      method: 'GET',
      ...(context ? { context } : {}),
      response: { status: 200, setCookie: setCookie.map(b64) },
      script,
    });

    it('leaves HttpOnly cookies out of reads, ignores HttpOnly writes (step 15) and cannot replace an HttpOnly cookie (step 23.2)', () => {
      const r = run([
        doc('https://app.example.com/', ['h=1; HttpOnly', 'a=1'], [{ read: true }, { set: 'w=1; HttpOnly' }, { set: 'h=2' }, { set: 'a=2' }, { read: true }]),
        { url: 'https://app.example.com/', method: 'GET', response: { status: 200, setCookie: [] } },
      ]);
      assert.deepEqual(r.reads, [['a=1', 'a=2'], []]);
      assert.equal(Buffer.from(r.cookies[1]!, 'base64').toString('latin1'), 'h=1; a=2');
    });

    it('a frame of a cross-site page cannot write a Strict cookie (step 18.1); one of a same-site page can', () => {
      const frame = (initiator: string, name: string) =>
        doc('https://app.example.com/f', [], [{ set: `${name}=1; SameSite=Strict` }], { initiator, destination: 'iframe' });
      const r = run([
        frame('https://attacker.example.net/', 'x'),
        frame('https://www.example.com/', 's'),
        doc('https://app.example.com/', [], [{ read: true }]),
      ]);
      assert.deepEqual(r.reads![2], ['s=1']);
    });
  });

  it('a browser target without the document-cookie capability reports every script vector unsupported, saying why', async () => {
    const out = tempDir();
    await assert.rejects(
      runCommand({ suites: ['cookies'], targets: ['scriptless'], vectors: [NON_HTTP], out, targetDirs: [join(FIXTURES, 'targets')], quiet: true }),
      (err: Error) => err.name === 'GateError',
    );
    const results = readRun(out).results;
    const count = (JSON.parse(readFileSync(NON_HTTP, 'utf8')) as { vectors: unknown[] }).vectors.length;
    assert.equal(results.filter((r) => r.verdict === 'unsupported').length, count);
    assert.match(
      results[0]!.reason!,
      /needs the non-HTTP API \(document\.cookie in a loaded document\); scriptless's adapter does not declare the document-cookie capability/,
    );
  });

  it('Chromium runs the scripts through its real document.cookie', async function () {
    this.timeout(360_000);
    const { byId } = await runBrowser(this, 'chromium', NON_HTTP);
    // Reads that see cookies set over HTTP, leave HttpOnly ones out, and writes that HTTP requests then carry.
    expectVerdicts(byId, [...SCRIPTED, 'write-cannot-replace-httponly'], {
      // Chromium blocks third-party cookies: the read in a cross-site frame is really made, and is empty.
      'cross-site-frame-reads-none-cookie': /document\.cookie read 1 expected "n=1", got ""$/,
    });
  });

  it('Firefox runs the scripts through its real document.cookie', async function () {
    this.timeout(360_000);
    const { byId } = await runBrowser(this, 'firefox', NON_HTTP);
    // A write has reached the parent process's cookie store before the next navigation.
    expectVerdicts(byId, SCRIPTED, {
      // Total Cookie Protection: the cross-site frame reads its own partition, which is empty (docs/targets/firefox.md).
      'cross-site-frame-reads-none-cookie': /document\.cookie read 1 expected "n=1", got ""$/,
      // The content process's copy of the cookies takes a write the store refused: the page reads it, requests do not carry it.
      'write-cannot-replace-httponly': /^request 1 \(GET https:\/\/app\.example\.com\/\): document\.cookie read 1 expected "", got "h=2"$/,
    });
  });

  it('WebKit runs the scripts through its real document.cookie, in a document and in a frame', async function () {
    this.timeout(360_000);
    const { byId } = await runBrowser(this, 'webkit', NON_HTTP);
    expectVerdicts(byId, [...SCRIPTED, 'write-cannot-replace-httponly'], {
      // WebKit has no Lax-by-default: the read in a cross-site frame is really made there, and sees the cookie without SameSite.
      'cross-site-frame-reads-no-samesite-cookies': /document\.cookie read 1 expected "", got "d=1"$/,
    });
  });
});

describe('browser redirect chains and reloads in cookie vectors', function () {
  this.timeout(120_000);

  const chain = (hop: object) => ({
    id: 'cookies/test/chain',
    title: 'a redirect chain started by a cross-site page',
    spec: [{ doc: 'rfc6265bis', section: '5.2', anchor: 'same-site-requests' }],
    level: 'MUST',
    ua: 'browser',
    profiles: ['rfc6265bis'],
    requests: [
      { url: 'https://app.example.com/', cookie: null, response: { setCookie: ['s=1; SameSite=Strict'] } },
      { url: 'https://app.example.com/a', context: { initiator: 'https://attacker.example.net/' }, cookie: null, response: { location: '/b' } },
      { url: 'https://app.example.com/b', cookie: null, ...hop },
    ],
  });
  const write = (vectors: unknown[]) => {
    const file = join(tempDir(), 'v.json');
    writeFileSync(file, JSON.stringify({ vectors, $schema: 'urn:conformatrix:cookie-vectors' }, null, 2) + '\n');
    return file;
  };

  it('a request that follows a redirect is made in the context of the chain, without repeating it', async () => {
    const out = tempDir();
    await runCommand({ suites: ['cookies'], targets: ['reference'], vectors: [write([chain({})])], out, quiet: true });
    const r = readRun(out).results[0]!;
    assert.equal(r.verdict, 'pass', r.reason);
  });

  it('a reload from the browser interface keeps the same-site status of the request that loaded the document', async () => {
    const out = tempDir();
    await runCommand({
      suites: ['cookies'],
      targets: ['reference'],
      vectors: [join(VECTORS_DIR, 'cookies', 'samesite.json')],
      grep: 'reload',
      out,
      quiet: true,
    });
    const results = readRun(out).results;
    assert.equal(results.length, 4);
    assert.deepEqual(
      results.filter((r) => r.verdict !== 'pass').map((r) => `${r.vectorId}: ${r.reason}`),
      [],
    );
  });

  it('refuses a reload with a context, or of another URL than the document before it', () => {
    const v = chain({});
    v.requests = [
      { url: 'https://app.example.com/', cookie: null },
      { url: 'https://app.example.com/', reload: true, context: { initiator: 'https://attacker.example.net/' }, cookie: null },
      { url: 'https://app.example.com/other', reload: true, cookie: null },
    ] as never;
    const r = cli(['validate', write([v])]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \/vectors\/0\/requests\/1\/context: a reload is made in the context of the document it reloads/);
    assert.match(r.stderr, /at \/vectors\/0\/requests\/2\/reload: a reload follows the request that loaded a top-level document, with that document's URL/);
  });

  it('refuses a redirect hop with a context of its own', () => {
    const r = cli(['validate', write([chain({ context: { initiator: 'https://www.example.com/' } })])]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \/vectors\/0\/requests\/2\/context: follows a redirect, so it is made in the context of the request before it/);
  });
});

describe('a browser adapter whose script fails (HTTP mode)', function () {
  this.timeout(60_000);

  it('gets an error verdict that says why, not a failure on reads never made', async () => {
    const server = new OriginServer({ outDir: tempDir() });
    const target: TargetView = {
      id: 'scripted',
      name: 'scripted',
      userAgentClass: 'browser',
      capabilities: new Set(['browser-context', 'document-cookie']),
      options: { mode: 'http' },
      harness: LOCAL_HARNESS,
    };
    // The client makes the request through the proxy, as a browser would, then reports that its script failed.
    const session: Session = {
      async call(_method, params) {
        const { proxy, navigations } = params as { proxy: string; navigations: { url: string }[] };
        for (const nav of navigations) {
          await new Promise<void>((resolve, reject) => {
            const { hostname, port } = new URL(proxy);
            request({ host: hostname, port, path: nav.url, headers: { host: new URL(nav.url).host } }, (res) => res.resume().on('end', resolve))
              .on('error', reject)
              .end();
          });
        }
        return { navigations: navigations.map(() => ({ status: 200, error: 'document.cookie: SecurityError' })) };
      },
      onNotification: () => undefined,
      signal: new AbortController().signal,
    };
    const v = scripted(['a=1']);
    v.requests[0]!.url = 'http://app.example.com/';
    try {
      const ctx = { profile: undefined, timeoutMs: 20_000, artifactDir: tempDir(), outDir: tempDir(), artifacts: {}, services: undefined, seed: 0 };
      const o = await runHttp(v, 'rfc6265bis', session, target, ctx, server, [Date.now()], [[]]);
      assert.equal(o.verdict, 'error');
      assert.equal(o.reason, 'the script did not run: navigation 1 (http://app.example.com/): document.cookie: SecurityError');
    } finally {
      await server.close();
    }
  });
});

describe('workers, framed and sandboxed documents in cookie vectors', function () {
  this.timeout(120_000);

  const SAMESITE = join(VECTORS_DIR, 'cookies', 'samesite.json');
  /** The vectors that use the worker, top and sandbox contexts. */
  const NEW_CONTEXTS = 'worker|sandbox|frame-of-same-site-page';
  const strict = (url: string, context: object) => [
    { url: 'https://app.example.com/', method: 'GET', response: { status: 200, setCookie: [b64('s=1; SameSite=Strict; Path=/')] } },
    { url, method: 'GET', context, response: { status: 200, setCookie: [] } },
  ];
  const sent = (context: object, url = 'https://app.example.com/data') => {
    const cookie = runCookieVector({ vector: 'cookies/test/x', requests: strict(url, context) as never }).cookies[1];
    return cookie === null ? null : Buffer.from(cookie!, 'base64').toString('latin1');
  };

  describe('the reference', () => {
    it('a worker started by a frame of a cross-site page has an opaque site for cookies (5.2.2.1 step 2.2), by a frame of a same-site page its own origin (step 3)', () => {
      for (const destination of ['worker', 'shared-worker']) {
        assert.equal(sent({ initiator: 'https://app.example.com/frame', destination, top: 'https://attacker.example.net/' }), null, destination);
        assert.equal(sent({ initiator: 'https://app.example.com/frame', destination, top: 'https://www.example.com/' }), 's=1', destination);
        assert.equal(sent({ initiator: 'https://attacker.example.net/', destination }), null, destination);
      }
    });

    it('a sandboxed document counts with the origin of its URI (5.2.1 steps 2 and 4.1), and every framed document is audited (step 3)', () => {
      const pixel = 'https://app.example.com/pixel';
      assert.equal(sent({ initiator: 'https://app.example.com/page', destination: 'image', sandbox: true }, pixel), 's=1');
      assert.equal(sent({ initiator: 'https://app.example.com/frame', destination: 'image', top: 'https://www.example.com/', sandbox: true }, pixel), 's=1');
      assert.equal(
        sent({ initiator: 'https://attacker.example.net/frame', destination: 'image', top: 'https://app.example.com/', sandbox: true }, pixel),
        null,
      );
      assert.equal(sent({ initiator: 'https://attacker.example.net/frame', destination: 'image', top: 'https://app.example.com/' }, pixel), null);
      // The frame is same-site with the image, but the page that holds it is not.
      assert.equal(sent({ initiator: 'https://app.example.com/frame', destination: 'image', top: 'https://attacker.example.net/' }, pixel), null);
    });

    it('passes every vector of samesite.json that uses these contexts', async () => {
      const out = tempDir();
      await runCommand({ suites: ['cookies'], targets: ['reference'], vectors: [SAMESITE], grep: NEW_CONTEXTS, out, quiet: true });
      const results = readRun(out).results;
      assert.equal(results.length, 27);
      assert.deepEqual(
        results.filter((r) => r.verdict !== 'pass').map((r) => `${r.vectorId}: ${r.reason}`),
        [],
      );
    });
  });

  describe('validate', () => {
    const vector = (context: object, extra: object = {}) => ({
      id: 'cookies/test/context',
      title: 'a request from a worker or a framed document',
      spec: [{ doc: 'rfc6265bis', section: '5.2.2.1', anchor: 'dedicated-and-shared-requests' }],
      level: 'MUST',
      ua: 'browser',
      profiles: ['rfc6265bis'],
      requests: [{ url: 'https://app.example.com/data', context, cookie: null, ...extra }],
    });
    const validate = (vectors: unknown[]) => {
      const file = join(tempDir(), 'v.json');
      writeFileSync(
        file,
        JSON.stringify(
          { vectors: vectors.map((v, i) => ({ ...(v as object), id: `cookies/test/c${i}` })), $schema: 'urn:conformatrix:cookie-vectors' },
          null,
          2,
        ) + '\n',
      );
      return cli(['validate', file]);
    };

    it('accepts workers, framed and sandboxed initiators as the format allows them', () => {
      const r = validate([
        vector({ initiator: 'https://app.example.com/', destination: 'worker' }),
        vector({ initiator: 'https://app.example.com/f', destination: 'shared-worker', top: 'https://attacker.example.net/' }),
        vector({ initiator: 'https://app.example.com/f', destination: 'image', top: 'https://www.example.com/', sandbox: true }),
        vector({ initiator: 'https://app.example.com/', destination: 'image', sandbox: true }),
      ]);
      assert.equal(r.status, 0, r.stderr);
    });

    it('refuses what these contexts cannot mean, with the pointer', () => {
      const r = validate([
        vector({ destination: 'worker' }),
        vector({ initiator: 'https://app.example.com/f', top: 'https://attacker.example.net/' }),
        vector({ initiator: 'https://app.example.com/', destination: 'worker', sandbox: true }),
        vector({ initiator: 'https://app.example.com/', destination: 'worker' }, { script: [{ read: '' }] }),
      ]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /v\.json:\d+:\d+ at \/vectors\/0\/requests\/0\/context\/destination: a worker is started by a document: give context\.initiator/);
      assert.match(r.stderr, /at \/vectors\/1\/requests\/0\/context\/top: a framed initiator makes image and worker requests only/);
      assert.match(r.stderr, /at \/vectors\/2\/requests\/0\/context\/sandbox: a sandboxed document makes image requests only/);
      assert.match(r.stderr, /at \/vectors\/3\/requests\/0\/script: a worker's request loads not a document/);
      // A destination the schema does not know (service workers are not in the format) is refused by the schema.
      const schema = validate([vector({ initiator: 'https://app.example.com/', destination: 'service-worker' })]);
      assert.equal(schema.status, 2);
      assert.match(
        schema.stderr,
        /at \/vectors\/0\/requests\/0\/context\/destination: must be one of "document", "iframe", "image", "worker", "shared-worker"/,
      );
    });
  });

  describe('the pages the origin server serves (HTTP mode)', () => {
    it('a framed initiator sits in a frame of the top page, sandboxed by its attribute; one at top level by a CSP sandbox header', () => {
      const framed = contextPages(
        'https://app.example.com/pixel',
        'GET',
        { initiator: 'https://app.example.com/f', destination: 'image', top: 'https://www.example.com/p', sandbox: true },
        3,
      );
      assert.deepEqual(
        framed.map((p) => p.url),
        ['https://www.example.com/p?conformatrix-navigation=3', 'https://app.example.com/f?conformatrix-frame=3'],
      );
      assert.match(framed[0]!.html, /<iframe id="frame" src="https:\/\/app\.example\.com\/f\?conformatrix-frame=3" sandbox><\/iframe>/);
      assert.equal(framed[1]!.headers, undefined);
      const top = contextPages('https://app.example.com/pixel', 'GET', { initiator: 'https://app.example.com/p', destination: 'image', sandbox: true }, 1);
      assert.deepEqual(top[0]!.headers, [['Content-Security-Policy', 'sandbox']]);
    });

    it("a worker's script comes from the initiator's origin and fetches the request's URL", () => {
      const pages = contextPages('https://app.example.com/data', 'GET', { initiator: 'https://attacker.example.net/p', destination: 'shared-worker' }, 2);
      assert.deepEqual(
        pages.map((p) => p.url),
        ['https://attacker.example.net/p?conformatrix-navigation=2', 'https://attacker.example.net/p?conformatrix-worker=2'],
      );
      assert.match(pages[0]!.html, /new SharedWorker\("https:\/\/attacker\.example\.net\/p\?conformatrix-worker=2"\)/);
      assert.equal(pages[1]!.contentType, 'text/javascript; charset=utf-8');
      assert.match(pages[1]!.html, /fetch\("https:\/\/app\.example\.com\/data", \{ credentials: 'include', mode: 'no-cors'/);
    });

    it('a browser target without the workers capability gets worker vectors unsupported, saying why', () => {
      const target: TargetView = {
        id: 'workerless',
        name: 'workerless',
        userAgentClass: 'browser',
        capabilities: new Set(['https', 'browser-context']),
        options: { mode: 'http' },
        harness: LOCAL_HARNESS,
      };
      const v = JSON.parse(readFileSync(SAMESITE, 'utf8')).vectors.find(
        (x: CookieVector) => x.id === 'cookies/samesite/shared-worker-strict-sent-same-site-document',
      ) as CookieVector;
      assert.deepEqual(planHttp(v, target), {
        run: false,
        verdict: 'unsupported',
        reason: "needs a request made by a dedicated or shared worker; workerless's adapter does not declare the workers capability",
      });
    });
  });

  /** Every browser makes these requests as the spec says: a worker's site for cookies is its own origin under a same-site document, opaque under a frame of a cross-site page. */
  const WORKERS = ['worker-strict-sent-same-site-document', 'worker-strict-not-sent-cross-site-document', 'worker-in-same-site-frame-strict-sent'];
  const FRAMED = [
    'worker-in-cross-site-frame-strict-not-sent',
    'shared-worker-in-same-site-frame-lax-sent',
    'shared-worker-in-cross-site-frame-lax-not-sent',
    'strict-not-sent-image-from-cross-site-frame-of-same-site-page',
  ];

  it('WebKit runs the worker, framed and sandboxed vectors for real', async function () {
    this.timeout(360_000);
    const { run, byId } = await runBrowser(this, 'webkit', SAMESITE, NEW_CONTEXTS);
    assert.equal(run.results.length, 27);
    expectVerdicts(byId, [...WORKERS, 'strict-sent-image-from-sandboxed-top-document'], {
      // WebKit judges a framed document's requests by the top document's site alone: a cross-site frame of the cookie's own site is not audited (docs/targets/webkit.md).
      'strict-not-sent-image-from-cross-site-frame-of-same-site-page':
        /request 2 \(GET https:\/\/app\.example\.com\/pixel\): expected no Cookie header, got "s=1"$/,
    });
  });

  // Chromium and Firefox make the sandboxed document's image request without the Strict cookie of its own site: Chromium sends
  // no cookies at all from a sandboxed document (docs/targets/chromium.md), Firefox leaves the Strict one out (docs/targets/firefox.md).
  for (const [browser, target] of [
    ['Chromium', 'chromium'],
    ['Firefox', 'firefox'],
  ] as const) {
    it(`${browser} runs the worker, framed and sandboxed vectors for real`, async function () {
      this.timeout(360_000);
      const { run, byId } = await runBrowser(this, target, SAMESITE, NEW_CONTEXTS);
      assert.equal(run.results.length, 27);
      // Every request was made: by a real dedicated or shared worker, from a real frame, in a real sandboxed document.
      expectVerdicts(byId, [...WORKERS, ...FRAMED], {
        'strict-sent-image-from-sandboxed-top-document': /request 2 \(GET https:\/\/app\.example\.com\/pixel\): expected "s=1", got no Cookie header$/,
      });
    });
  }
});
