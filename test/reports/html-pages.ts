// The pages of the HTML report tests (html.test.ts, html-views.test.ts), which
// reportPages() builds in before(), and the helpers that open and read them.
// The page is built from a real results.json,
// made in before() by running the reference and curl over some cookie vector
// files (curl fails some of them) and over one hostile vector of this test's
// own, whose title and Set-Cookie try to end the page's script element. It is
// opened from file:// in Debian's chromium (playwright-core), with every
// request that is not file:// aborted and recorded. The tests compare what
// the page shows with results.json, work every filter and check the URL,
// restore a view from a URL, open a failing cell's diff and close it from the
// keyboard, and check that the hostile strings stay text. Interop results
// exist in no real run yet: the interop grid is tested on a results.json
// derived from the real one, with a vector with roles and four results added
// (see interopRun). Screenshots go to test-artifacts/html-report/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ResultRecord, RunResults, VectorRecord } from '../../runner/model.js';
import { htmlReport } from '../../runner/reports/html.js';
import { runCommand } from '../../runner/run.js';
import { validateValue } from '../../runner/schema.js';
import { runViews } from '../../runner/suites.js';
import { skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'html-report');
const COOKIES = join(ROOT, 'vectors', 'cookies');
export const FAILING = 'cookies/parse/names-case-sensitive';

/** What the hostile vector sets and expects: each would end a script element or open a comment if it were written as markup. */
export const HOSTILE_COOKIE = 'x=</script><img src=x onerror=window.__pwned=1><!--';
export const HOSTILE_WRONG = 'x=<script>window.__pwned=3</script>';
export const HOSTILE_TITLE = 'Hostile text stays text: </script><img src=x onerror="window.__pwned=2"> <!-- \u2028 \u2029 end';
export const HOSTILE_ID = 'cookies/hostile/script-breakout';

function hostileVectors(dir: string): string {
  const file = join(dir, 'hostile.json');
  writeFileSync(
    file,
    JSON.stringify({
      description: 'A vector of the HTML report test: hostile markup in a title, a Set-Cookie, an expected and an actual value.',
      vectors: [
        {
          id: HOSTILE_ID,
          title: HOSTILE_TITLE,
          spec: [{ doc: 'rfc6265bis', section: '5.6', anchor: 'set-cookie' }],
          level: 'MUST',
          ua: 'any',
          requests: [
            { url: 'http://home.example.org/', cookie: null, response: { setCookie: [HOSTILE_COOKIE] } },
            { url: 'http://home.example.org/', cookie: HOSTILE_COOKIE },
            // Wrong on purpose, so that the diff shows hostile text on both sides.
            { url: 'http://home.example.org/', cookie: HOSTILE_WRONG },
          ],
        },
      ],
    }),
  );
  return file;
}

export const INTEROP_ID = 'cookies/interop/constructed-client-server';

/**
 * CONSTRUCTED for this test: no runner makes interop results yet. The real
 * run, plus a vector with roles (client, server) and four results, one per
 * client x server of curl and reference; plus provenance fields, a flaky
 * result with its earlier attempts, and an expectation, which this runner
 * does not record yet either. It must still be a valid results.json.
 */
function interopRun(real: RunResults): RunResults {
  const run = structuredClone(real);
  const base = run.vectors.find((v) => v.id === FAILING)!;
  const vector: VectorRecord = {
    ...structuredClone(base),
    id: INTEROP_ID,
    title: 'Constructed interop scenario: a client stores what a server sets',
    roles: ['client', 'server'],
  };
  run.vectors.push(vector);
  const template = run.results.find((r) => r.vectorId === FAILING && r.targetId === 'curl')!;
  const plan: [string, string, ResultRecord['verdict']][] = [
    ['curl', 'reference', 'fail'],
    ['curl', 'curl', 'pass'],
    ['reference', 'reference', 'pass'],
    ['reference', 'curl', 'error'],
  ];
  for (const [client, server, verdict] of plan) {
    const r: ResultRecord = { ...structuredClone(template), vectorId: INTEROP_ID, targetId: `${client}+${server}`, roles: { client, server }, verdict };
    if (verdict === 'pass') {
      r.actual = r.expected;
      delete r.reason;
    } else r.reason = `constructed ${verdict} of ${client} against ${server}`;
    run.results.push(r);
  }
  const flaky = run.results.find((r) => r.targetId === 'curl' && r.verdict === 'pass')!;
  flaky.verdict = 'flaky';
  flaky.reason = 'failed, then passed when run again';
  flaky.attempts = [{ verdict: 'timeout', reason: 'constructed: no verdict within 10000 ms', durationMs: 10000 }];
  const known = run.results.find((r) => r.vectorId === FAILING && r.targetId === 'curl')!;
  known.expectation = {
    expected: 'fail',
    outcome: 'expected',
    reason: 'constructed: curl compares names case-insensitively',
    link: 'https://example.org/known/1',
  };
  const fresh = run.results.find((r) => r.targetId === 'curl' && r.verdict === 'fail' && r.vectorId !== FAILING)!;
  fresh.expectation = { expected: 'pass', outcome: 'new-failure' };
  const fixed = run.results.find((r) => r.targetId === 'reference' && r.verdict === 'pass')!;
  fixed.expectation = { expected: 'fail', outcome: 'unexpected-pass', reason: 'constructed: was broken' };
  Object.assign(run.run, {
    vectorSetHash: 'sha256:0123456789abcdef',
    vectorsVersion: '3.1.4',
    kernel: 'Linux 6.1.0-constructed',
    seed: 4242,
    shard: { index: 2, count: 3 },
    jobs: 4,
    retries: 1,
    expectations: ['conformance/curl.expectations.json'],
    interrupted: true,
    load: { cpus: 2, start: [9.5, 6.25, 3], end: [1.5, 4, 3.25], peak: 11.75 },
  });
  const problems = validateValue('urn:conformatrix:results', run);
  assert.deepEqual(problems, [], 'the constructed results.json is valid');
  return run;
}

export const HANG = 'cookies/faults/hang';

/**
 * CONSTRUCTED for this test: a failed packet expectation, as the MPTCP
 * suite's script engine reports one (suites/mptcp/script/engine.ts): the
 * step's expect pattern as expected, the decoded segment as actual, and the
 * matcher's finding in the reason. It replaces a pass of the faulty run.
 */
const PACKET_REASON =
  'step 3 (expect: the SYN-ACK): no matching segment within 1000 ms; the first the SUT sent, 10.0.1.1:80 > 10.0.1.2:40000 [S.] seq 0 ack 1 len 0 <mss, mp_capable(syn-ack)>, differs in mp_capable.flags.h: expected true, got false; 1 other segment(s) did not match either';
export function packetRun(real: RunResults): RunResults {
  const run = structuredClone(real);
  const r = run.results.find((x) => x.verdict === 'pass')!;
  const outcome = {
    verdict: 'fail' as const,
    reason: PACKET_REASON,
    expected: { flags: 'SA', options: [{ mp_capable: { version: 1, flags: { h: true }, sender: 'sut' } }] },
    actual: {
      ip: { src: '10.0.1.1', dst: '10.0.1.2' },
      tcp: {
        srcPort: 80,
        dstPort: 40000,
        flags: { syn: true, ack: true },
        seq: 0,
        ack: 1,
        options: [
          { type: 'mss', value: 1460 },
          { type: 'mptcp', form: 'syn-ack', version: 1, flags: { a: false, b: false, h: false } },
        ],
      },
    },
  };
  const exchange = [
    { t: 0, from: 'peer', packet: '10.0.1.2:40000 > 10.0.1.1:80 [S] seq 0 ack 0 len 0 <mp_capable(syn)>' },
    { t: 2, from: 'sut', packet: '10.0.1.1:80 > 10.0.1.2:40000 [S.] seq 0 ack 1 len 0 <mss, mp_capable(syn-ack)>' },
  ];
  // An MPTCP suite's result: the report draws the views that suite makes of it (runner/view.ts).
  Object.assign(r, { ...outcome, suite: 'mptcp', details: { exchange } });
  return run;
}

export const passOver = (rs: (ResultRecord | undefined)[]) => {
  const applicable = rs.filter((r): r is ResultRecord => !!r && r.verdict !== 'skipped');
  return `${applicable.filter((r) => r.verdict === 'pass').length}/${applicable.length}`;
};

export let browser: Browser | undefined;
export let out = '';
export let run: RunResults;
let page: Page;
export let pageFile = '';
export let interopFile = '';
export let interop: RunResults;
export let faultDir = '';
export let packetFile = '';
/** Requests the page made that were not file:// (aborted), console errors, uncaught errors. */
let offending: string[] = [];

/** Builds the report pages and launches the browser for the tests of the calling describe() (skipped without chromium). */
export function reportPages(): void {
  before(async function () {
    if (!existsSync(CHROMIUM)) return skipWithReason(this, `${CHROMIUM} is absent: install Debian's chromium package to run the HTML report tests`);
    out = tempDir('conformatrix-html-');
    const code = await runCommand({
      suites: ['cookies'],
      targets: ['reference', 'curl'],
      vectors: [join(COOKIES, 'parse.json'), join(COOKIES, 'retrieval.json'), join(COOKIES, 'samesite.json'), hostileVectors(out)],
      out,
      quiet: true,
    });
    assert.equal(code, 1, 'curl fails some vectors');
    run = readRun(out);
    pageFile = join(out, 'matrix.html');
    writeFileSync(pageFile, htmlReport(run, { views: await runViews(run) }));
    const dir2 = join(out, 'interop');
    mkdirSync(dir2);
    interop = interopRun(run);
    writeFileSync(join(dir2, 'results.json'), JSON.stringify(interop, null, 2));
    interopFile = join(dir2, 'matrix.html');
    writeFileSync(interopFile, htmlReport(interop, { views: await runViews(interop) }));
    // A real timeout, with the adapter's stderr: the faulty fixture adapter hangs on one vector (and says so on stderr).
    faultDir = join(out, 'faults');
    mkdirSync(faultDir);
    await runCommand({
      suites: ['cookies'],
      targets: ['faulty'],
      vectors: [join(FIXTURES, 'vectors', 'faults.json')],
      targetDirs: [join(FIXTURES, 'targets')],
      grep: 'hang$|ok-[12]$',
      timeoutMs: 1500,
      out: faultDir,
      quiet: true,
    });
    const dir3 = join(out, 'packet');
    mkdirSync(dir3);
    packetFile = join(dir3, 'matrix.html');
    const packet = packetRun(readRun(faultDir));
    writeFileSync(packetFile, htmlReport(packet, { views: await runViews(packet) }));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (page && !page.isClosed()) await page.close();
    offending = [];
  });
}

/** A test on pages opened with open(): at its end, no request but file:// was made, and nothing was logged as an error. */
export function browserIt(title: string, fn: () => Promise<void>) {
  it(title, async () => {
    await fn();
    assert.deepEqual(offending, [], 'no request but file://, no console error or warning, no uncaught error, no dialog');
  });
}

/** A blank page, closed after the test (afterEach). */
export async function blankPage(): Promise<Page> {
  page = await browser!.newPage();
  return page;
}

/** A fresh page on a report file, with a fragment; every request that is not file:// is aborted and recorded. */
export async function open(file: string, hash = '', viewport = { width: 1500, height: 1000 }): Promise<Page> {
  page = await browser!.newPage({ viewport });
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    offending.push(`request: ${url}`);
    return route.abort();
  });
  page.on('request', (req) => {
    if (!/^(file|data):/.test(req.url())) offending.push(`request seen: ${req.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') offending.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => offending.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    offending.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href + hash);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  return page;
}

/** The page's location.hash, as parameters: percent-decoded, "+" a plus (docs/reports.md). */
export const hashParams = async (p: Page) => {
  const pairs = ((await p.evaluate('location.hash')) as string)
    .slice(1)
    .split('&')
    .filter(Boolean)
    .map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, '']).map(decodeURIComponent) as [string, string]);
  return { get: (k: string) => pairs.find((x) => x[0] === k)?.[1] ?? null, getAll: (k: string) => pairs.filter((x) => x[0] === k).map((x) => x[1]) };
};
/** What the page's script leaves in an element's offsetParent: null when it or a parent is hidden. */
export type Box = { offsetParent: unknown; hidden: boolean };
/** The vector ids of the suite grid's rows that are shown. */
export const shownRows = (p: Page) =>
  p.$$eval('table.matrix tr.vrow', (trs) => trs.filter((tr) => (tr as unknown as Box).offsetParent !== null).map((tr) => tr.getAttribute('data-vector')!));
export const cookieVectors = () => run.vectors.filter((v) => v.suite === 'cookies');
export const result = (r: RunResults, v: string, t: string) => r.results.find((x) => x.vectorId === v && x.targetId === t);
export const cell = (v: string, t: string) => `button.cell[data-vector="${v}"][data-target="${t}"]`;
