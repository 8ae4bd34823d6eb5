// matrix.html in a real browser. The page is built from a real results.json,
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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { countVerdicts, VERDICTS, type ResultRecord, type RunResults, type VectorRecord } from '../../runner/model.js';
import { embedJson, htmlReport, packValue } from '../../runner/reports/html.js';
import { unpackSource } from '../../runner/reports/html/script.js';
import { groupBySection, SYMBOL } from '../../runner/reports/matrix.js';
import { runCommand } from '../../runner/run.js';
import { validateValue } from '../../runner/schema.js';
import { runViews } from '../../runner/suites.js';
import { skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';
import { kernelMissing } from '../mptcp/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'html-report');
const COOKIES = join(ROOT, 'vectors', 'cookies');
const FAILING = 'cookies/parse/names-case-sensitive';

/** What the hostile vector sets and expects: each would end a script element or open a comment if it were written as markup. */
const HOSTILE_COOKIE = 'x=</script><img src=x onerror=window.__pwned=1><!--';
const HOSTILE_WRONG = 'x=<script>window.__pwned=3</script>';
const HOSTILE_TITLE = 'Hostile text stays text: </script><img src=x onerror="window.__pwned=2"> <!-- \u2028 \u2029 end';
const HOSTILE_ID = 'cookies/hostile/script-breakout';

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

const INTEROP_ID = 'cookies/interop/constructed-client-server';

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

const HANG = 'cookies/faults/hang';

/**
 * CONSTRUCTED for this test: a failed packet expectation, as the MPTCP
 * suite's script engine reports one (suites/mptcp/script/engine.ts): the
 * step's expect pattern as expected, the decoded segment as actual, and the
 * matcher's finding in the reason. It replaces a pass of the faulty run.
 */
const PACKET_REASON =
  'step 3 (expect: the SYN-ACK): no matching segment within 1000 ms; the first the SUT sent, 10.0.1.1:80 > 10.0.1.2:40000 [S.] seq 0 ack 1 len 0 <mss, mp_capable(syn-ack)>, differs in mp_capable.flags.h: expected true, got false; 1 other segment(s) did not match either';
function packetRun(real: RunResults): RunResults {
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

const passOver = (rs: (ResultRecord | undefined)[]) => {
  const applicable = rs.filter((r): r is ResultRecord => !!r && r.verdict !== 'skipped');
  return `${applicable.filter((r) => r.verdict === 'pass').length}/${applicable.length}`;
};

describe('HTML report (matrix.html) in chromium', function () {
  this.timeout(300_000);

  let browser: Browser | undefined;
  let out = '';
  let run: RunResults;
  let page: Page;
  let pageFile = '';
  let interopFile = '';
  let interop: RunResults;
  let faultDir = '';
  let packetFile = '';
  /** Requests the page made that were not file:// (aborted), console errors, uncaught errors. */
  let offending: string[] = [];

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

  /** A test on pages opened with open(): at its end, no request but file:// was made, and nothing was logged as an error. */
  function browserIt(title: string, fn: () => Promise<void>) {
    it(title, async () => {
      await fn();
      assert.deepEqual(offending, [], 'no request but file://, no console error or warning, no uncaught error, no dialog');
    });
  }

  /** A fresh page on a report file, with a fragment; every request that is not file:// is aborted and recorded. */
  async function open(file: string, hash = '', viewport = { width: 1500, height: 1000 }): Promise<Page> {
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
  const hashParams = async (p: Page) => {
    const pairs = ((await p.evaluate('location.hash')) as string)
      .slice(1)
      .split('&')
      .filter(Boolean)
      .map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, '']).map(decodeURIComponent) as [string, string]);
    return { get: (k: string) => pairs.find((x) => x[0] === k)?.[1] ?? null, getAll: (k: string) => pairs.filter((x) => x[0] === k).map((x) => x[1]) };
  };
  /** What the page's script leaves in an element's offsetParent: null when it or a parent is hidden. */
  type Box = { offsetParent: unknown; hidden: boolean };
  /** The vector ids of the suite grid's rows that are shown. */
  const shownRows = (p: Page) =>
    p.$$eval('table.matrix tr.vrow', (trs) => trs.filter((tr) => (tr as unknown as Box).offsetParent !== null).map((tr) => tr.getAttribute('data-vector')!));
  const cookieVectors = () => run.vectors.filter((v) => v.suite === 'cookies');
  const result = (r: RunResults, v: string, t: string) => r.results.find((x) => x.vectorId === v && x.targetId === t);
  const cell = (v: string, t: string) => `button.cell[data-vector="${v}"][data-target="${t}"]`;

  it('the guard sees a request that is not file:// (so that its silence elsewhere means something)', async () => {
    page = await browser!.newPage();
    const seen: string[] = [];
    await page.route('**', (route) => {
      seen.push(route.request().url());
      return route.abort();
    });
    await page.goto('about:blank');
    await page.evaluate(() => fetch('http://192.0.2.1/probe').catch(() => undefined));
    assert.deepEqual(seen, ['http://192.0.2.1/probe']);
  });

  it('embeds the run so that it unpacks to results.json exactly, with nothing that can end its script element, at a sensible size', () => {
    const html = readFileSync(pageFile, 'utf8');
    const m = /<script type="application\/json" id="conformatrix-data">([^]*?)<\/script>/.exec(html);
    assert.ok(m, 'the data element');
    const text = m[1]!;
    assert.doesNotMatch(text, /[<>\u2028\u2029]/, 'no "<", ">", U+2028 or U+2029 in the embedded JSON');
    assert.equal(html.split('</script>').length - 1, 2, 'exactly two script elements end in the file');
    assert.ok(!html.includes('<img'), 'no hostile markup in the file as markup');
    const payload = JSON.parse(text) as { format: string; table: unknown[] };
    const unpack = new Function(`${unpackSource()}; return unpack;`)() as (t: unknown[]) => { run: RunResults };
    assert.deepEqual(unpack(payload.table).run, readRun(out), 'the page carries results.json exactly');
    // A key "__proto__" stays a key through packing; odd strings survive embedding.
    const odd = JSON.parse('{"__proto__": {"polluted": true}, "s": "</script>\\u2028\\u2029<!--&"}');
    const back = unpack(packValue(odd) as unknown[]) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(back), ['__proto__', 's']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(JSON.parse(embedJson(odd)), odd);
    // Nothing by URL outside the data: no src, no stylesheet or font by URL.
    const rest = html.replace(text, '');
    assert.doesNotMatch(rest, /\ssrc=|url\(|@import|<link(?![^>]*href="data:)/i);
    const size = Buffer.byteLength(html);
    process.stdout.write(
      `      matrix.html: ${size} bytes for ${run.results.length} results (results.json: ${readFileSync(join(out, 'results.json')).length} bytes)\n`,
    );
    assert.ok(size < readFileSync(join(out, 'results.json')).length, 'smaller than results.json');
  });

  browserIt('draws the suites x targets grid with the pass counts and verdict counts of results.json', async () => {
    const p = await open(pageFile);
    for (const t of run.targets) {
      const mine = run.results.filter((r) => r.targetId === t.id && r.suite === 'cookies');
      const counts = countVerdicts(mine);
      const td = `table.summary td[data-suite="cookies"][data-kind="targets"][data-target="${t.id}"]`;
      assert.equal(await p.textContent(`${td} .pass-count`), passOver(mine), t.id);
      for (const v of VERDICTS) {
        const shown = await p.$(`${td} .count[data-verdict="${v}"]`);
        assert.equal(shown ? Number(await shown.$eval('.n', (n) => n.textContent)) : 0, counts[v], `${t.id} ${v}`);
      }
    }
    assert.equal(await p.$$eval('table.summary tbody tr', (trs) => trs.length), 1, 'one row: no interop results in this run');
    assert.ok(countVerdicts(run.results.filter((r) => r.targetId === 'curl')).fail > 0, 'curl fails some');
    await p.screenshot({ path: join(ARTIFACTS, 'main-view.png') });
  });

  browserIt('draws each suite grid by section in matrix.md order, a cell per result with its symbol, class and title', async () => {
    const p = await open(pageFile);
    const vectors = cookieVectors();
    const groups = groupBySection(vectors);
    const headings = readFileSync(join(out, 'matrix.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('### ') && !l.startsWith('### Failures') && !l.startsWith('### Requirements coverage'))
      .map((l) => l.replace(/^### \[?/, '').replace(/\]\(.*\)$/, ''));
    const pageGroups = await p.$$eval('table.matrix tr.group th', (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(pageGroups, headings, 'the sections of matrix.md, in its order');
    assert.deepEqual(
      await p.$$eval('table.matrix tr.vrow', (trs) => trs.map((tr) => tr.getAttribute('data-vector'))),
      groups.flatMap((g) => g.vectors.map((v) => v.id)),
    );
    for (const r of run.results) {
      const b = await p.$(cell(r.vectorId, r.targetId));
      assert.ok(b, `a cell for ${r.vectorId} on ${r.targetId}`);
      const got = await b.evaluate((e) => ({ text: e.textContent, cls: e.className, title: e.getAttribute('title'), tag: e.tagName }));
      assert.equal(got.tag, 'BUTTON');
      assert.equal(got.text, SYMBOL[r.verdict]);
      assert.ok(got.cls.split(' ').includes(`v-${r.verdict}`), got.cls);
      assert.ok(got.title!.includes(`${r.vectorId}: ${r.verdict}`), got.title!);
    }
    // Per section and per target: passes over applicable, as matrix.md counts them.
    for (const g of groups) {
      const key = `${g.vectors[0]!.group.doc}:${g.vectors[0]!.group.section}`;
      for (const t of ['curl', 'reference']) {
        const shown = await p.textContent(`table.matrix tbody[data-section="${key}"] tr.group td[data-target="${t}"]`);
        // A section where no vector applies to the target (all skipped: browser-only vectors on curl) shows a dash.
        const count = passOver(g.vectors.map((v) => result(run, v.id, t)));
        assert.equal(shown, count === '0/0' ? '\u2014' : count, `${key} ${t}`);
      }
    }
    assert.equal(await p.textContent('table.matrix tr.totals td[data-target="curl"]'), passOver(run.results.filter((r) => r.targetId === 'curl')));
  });

  browserIt('filters by target, and the URL says so', async () => {
    const p = await open(pageFile);
    await p.check('#filters input[name=target][value="curl"]');
    assert.deepEqual((await hashParams(p)).getAll('target'), ['curl']);
    const visible = (t: string) =>
      p.$$eval(`table.matrix button.cell[data-target="${t}"]`, (bs) => bs.filter((b) => (b as unknown as Box).offsetParent !== null).length);
    assert.equal(await visible('curl'), run.results.filter((r) => r.targetId === 'curl').length);
    assert.equal(await visible('reference'), 0);
    assert.equal(await p.isVisible('table.summary th[data-target="reference"]'), false);
    await p.check('#filters input[name=target][value="reference"]');
    assert.deepEqual((await hashParams(p)).getAll('target'), ['curl', 'reference']);
    assert.equal(await visible('reference'), run.results.filter((r) => r.targetId === 'reference').length);
  });

  browserIt('filters by verdict: rows with such a verdict on a shown target, others dimmed; the URL says so', async () => {
    const p = await open(pageFile);
    await p.check('#filters input[name=verdict][value="fail"]');
    assert.deepEqual((await hashParams(p)).getAll('verdict'), ['fail']);
    const failing = cookieVectors()
      .filter((v) => run.results.some((r) => r.vectorId === v.id && r.verdict === 'fail'))
      .map((v) => v.id);
    assert.ok(failing.length > 0);
    assert.deepEqual((await shownRows(p)).sort(), failing.sort());
    assert.match((await p.getAttribute(`td:has(> ${cell(FAILING, 'reference')})`, 'class'))!, /\bdim\b/, 'the reference passes there: dimmed');
    assert.doesNotMatch((await p.getAttribute(`td:has(> ${cell(FAILING, 'curl')})`, 'class'))!, /\bdim\b/);
    // With the target filter too: only the rows where the reference fails.
    await p.check('#filters input[name=target][value="reference"]');
    assert.deepEqual(await shownRows(p), [HOSTILE_ID], 'the reference fails only the hostile vector');
    assert.equal(await p.textContent('#status'), `1 of ${cookieVectors().length} vectors shown`);
  });

  browserIt('filters by section (and its subsections), and the URL says so', async () => {
    const p = await open(pageFile);
    const choices = await p.$$eval('#f-section option', (os) => os.map((o) => o.getAttribute('value')));
    assert.ok(choices.indexOf('rfc6265bis:5.8') < choices.indexOf('rfc6265bis:5.8.1'), 'a section holding groups is a choice, before them');
    await p.selectOption('#f-section', 'rfc6265bis:5.8');
    assert.equal((await hashParams(p)).get('section'), 'rfc6265bis:5.8');
    const want = cookieVectors()
      .filter((v) => v.group.doc === 'rfc6265bis' && (v.group.section === '5.8' || v.group.section.startsWith('5.8.')))
      .map((v) => v.id);
    assert.ok(want.length > 0);
    assert.deepEqual((await shownRows(p)).sort(), want.sort());
    const shownGroups = await p.$$eval('table.matrix tbody[data-section]', (bs) =>
      bs.filter((b) => !(b as unknown as Box).hidden).map((b) => b.getAttribute('data-section')),
    );
    assert.ok(shownGroups.length >= 2 && shownGroups.every((k) => k!.startsWith('rfc6265bis:5.8.')), shownGroups.join(' '));
  });

  browserIt('filters by level; the pass counts follow the rows shown; the URL says so', async () => {
    const p = await open(pageFile);
    await p.check('#filters input[name=level][value="SHOULD"]');
    assert.deepEqual((await hashParams(p)).getAll('level'), ['SHOULD']);
    const should = cookieVectors().filter((v) => v.level === 'SHOULD');
    assert.ok(should.length > 0 && should.length < cookieVectors().length);
    assert.deepEqual((await shownRows(p)).sort(), should.map((v) => v.id).sort());
    assert.equal(await p.textContent('table.matrix tr.totals td[data-target="curl"]'), passOver(should.map((v) => result(run, v.id, 'curl'))));
    await p.check('#filters input[name=level][value="MAY"]');
    assert.deepEqual((await hashParams(p)).getAll('level'), ['SHOULD', 'MAY']);
    assert.equal((await shownRows(p)).length, cookieVectors().filter((v) => v.level !== 'MUST').length);
  });

  browserIt('filters by free text over vector ids and titles, and the URL says so', async () => {
    const p = await open(pageFile);
    await p.fill('#f-q', 'Case-Sensitive');
    assert.equal((await hashParams(p)).get('q'), 'Case-Sensitive');
    const want = cookieVectors()
      .filter((v) => `${v.id}\n${v.title}`.toLowerCase().includes('case-sensitive'))
      .map((v) => v.id);
    assert.ok(want.includes(FAILING));
    assert.deepEqual((await shownRows(p)).sort(), want.sort());
    await p.fill('#f-q', 'names hostile-nothing-matches');
    assert.deepEqual(await shownRows(p), []);
    assert.equal(await p.isVisible('section.suite .empty'), true, 'says that nothing matches');
  });

  browserIt('restores the filters and the open cell from a URL', async () => {
    const hash = `#target=curl&verdict=fail&level=MUST&q=case&open=${FAILING}|curl`;
    const p = await open(pageFile, hash);
    assert.equal(await p.isChecked('#filters input[name=target][value="curl"]'), true);
    assert.equal(await p.isChecked('#filters input[name=target][value="reference"]'), false);
    assert.equal(await p.isChecked('#filters input[name=verdict][value="fail"]'), true);
    assert.equal(await p.isChecked('#filters input[name=level][value="MUST"]'), true);
    assert.equal(await p.inputValue('#f-q'), 'case');
    const want = cookieVectors()
      .filter((v) => v.level === 'MUST' && `${v.id}\n${v.title}`.toLowerCase().includes('case') && result(run, v.id, 'curl')?.verdict === 'fail')
      .map((v) => v.id);
    assert.deepEqual((await shownRows(p)).sort(), want.sort());
    assert.equal(await p.isVisible('#panel'), true);
    assert.equal(await p.textContent('#panel-title code'), FAILING);
    assert.match((await p.getAttribute(cell(FAILING, 'curl'), 'class'))!, /\bis-open\b/);
    assert.equal(await p.getAttribute(cell(FAILING, 'curl'), 'aria-expanded'), 'true');
    // A changed fragment (a pasted link, Back) is followed too.
    await p.evaluate("location.hash = '#level=SHOULD'");
    await p.waitForFunction("document.getElementById('panel').hidden");
    assert.equal(await p.isChecked('#filters input[name=level][value="SHOULD"]'), true);
    assert.equal(await p.isChecked('#filters input[name=target][value="curl"]'), false);
  });

  browserIt(
    "opens a failing cell: its diff has results.json's expected and actual, the differing lines marked, and the exchange; Escape closes it",
    async () => {
      const p = await open(pageFile);
      const r = result(run, FAILING, 'curl')!;
      const v = run.vectors.find((x) => x.id === FAILING)!;
      assert.equal(r.verdict, 'fail');
      await p.click(cell(FAILING, 'curl'));
      assert.equal(await p.isVisible('#panel'), true);
      assert.equal((await hashParams(p)).get('open'), `${FAILING}|curl`);
      assert.ok(((await p.evaluate('location.hash')) as string).includes(`open=${FAILING}|curl`), 'a readable link');
      const panel = await p.textContent('#panel');
      for (const s of [v.title, r.reason!, 'curl 7.', v.level, 'rfc6265bis §5.7 Storage Model', v.source.file])
        assert.ok(panel!.includes(s), `the panel shows ${s}`);
      assert.equal(await p.getAttribute('#panel .p-vector a[href*="storage-model"]', 'href'), v.group.url);
      const column = (i: number) =>
        p.$$eval(`#panel table.diff tbody tr td:nth-child(${i})`, (tds) =>
          tds
            .filter((td) => !td.classList.contains('gap'))
            .map((td) => td.textContent)
            .join('\n'),
        );
      assert.equal(await column(2), JSON.stringify(r.expected, null, 2));
      assert.equal(await column(4), JSON.stringify(r.actual, null, 2));
      const changed = await p.$$eval('#panel table.diff tr.changed', (trs) => trs.map((tr) => [tr.children[1]!.textContent, tr.children[3]!.textContent]));
      assert.deepEqual(changed, [
        ['    "cookie": "a=1"', '    "cookie": null'],
        ['    "cookie": "A=2"', '    "cookie": null'],
      ]);
      assert.deepEqual(await p.$$eval('#panel table.diff tr.changed td.del mark', (ms) => ms.map((m) => m.textContent)), ['"a=1"', '"A=2"']);
      // The exchange: one row per request, with what the client sent and what it received.
      const exchange = (r.details as { exchange: { url: string; cookie: string | null; setCookie: string[] }[] }).exchange;
      const rows = await p.$$eval('#panel table.exchange tbody tr', (trs) =>
        trs.map((tr) => ({ cls: tr.className, cells: [...tr.children].map((td) => td.textContent) })),
      );
      assert.equal(rows.length, exchange.length);
      exchange.forEach((e, i) => {
        assert.ok(rows[i]!.cells[1]!.includes(e.url));
        assert.equal(rows[i]!.cells[2], e.cookie === null ? '(none)' : e.cookie);
        assert.equal(rows[i]!.cells[4], e.setCookie.length ? e.setCookie.join('') : '—');
      });
      assert.deepEqual(
        rows.filter((x) => x.cls.includes('mismatch')).map((x) => x.cells[0]),
        ['3', '6'],
      );
      await p.screenshot({ path: join(ARTIFACTS, 'failing-cell.png') });
      await p.$eval('#panel .p-diff', (e) => (e as unknown as { scrollIntoView(): void }).scrollIntoView());
      await p.screenshot({ path: join(ARTIFACTS, 'failing-cell-diff.png') });
      // Escape closes it, forgets it in the URL and gives the focus back to the cell.
      await p.keyboard.press('Escape');
      assert.equal(await p.isVisible('#panel'), false);
      assert.equal((await hashParams(p)).get('open'), null);
      assert.equal(await p.evaluate("document.activeElement.getAttribute('data-vector')"), FAILING);
      // Enter on a focused cell opens it.
      await p.focus(cell(FAILING, 'reference'));
      await p.keyboard.press('Enter');
      assert.equal(await p.isVisible('#panel'), true);
      assert.equal((await hashParams(p)).get('open'), `${FAILING}|reference`);
      assert.equal(await p.evaluate('document.activeElement.id'), 'panel-title');
      await p.click('#panel button.close');
      assert.equal(await p.isVisible('#panel'), false);
    },
  );

  browserIt('shows hostile vector strings as text and runs none of them', async () => {
    const p = await open(pageFile, `#open=${HOSTILE_ID}|reference`);
    const pwned = await p.evaluate('typeof window.__pwned');
    assert.equal(pwned, 'undefined', 'no injected handler ran');
    assert.equal(await p.$$eval('img, iframe, object, embed', (es) => es.length), 0, 'no element came out of the data');
    assert.equal(await p.$$eval('script', (es) => es.length), 2);
    assert.equal(await p.$$eval('[onerror], [onload], [onclick]', (es) => es.length), 0);
    assert.equal(await p.textContent(`tr.vrow[data-vector="${HOSTILE_ID}"] .title`), HOSTILE_TITLE, 'the title, as text, verbatim');
    assert.equal(await p.textContent('#panel .p-title'), HOSTILE_TITLE);
    const sent = await p.$$eval('#panel table.exchange td.sent', (tds) => tds.map((td) => td.textContent));
    assert.ok(sent.includes(HOSTILE_COOKIE), sent.join(' | '));
    const setCookie = await p.$$eval('#panel table.exchange ul.setcookie li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(setCookie, [HOSTILE_COOKIE]);
    const changed = await p.$$eval('#panel table.diff tr.changed', (trs) => trs.map((tr) => [tr.children[1]!.textContent, tr.children[3]!.textContent]));
    const r = result(run, HOSTILE_ID, 'reference')!;
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(changed, [[`    "cookie": ${JSON.stringify(HOSTILE_WRONG)}`, `    "cookie": ${JSON.stringify(HOSTILE_COOKIE)}`]]);
    await p.screenshot({ path: join(ARTIFACTS, 'hostile-cell.png') });
  });

  browserIt('draws an interop grid per scenario, clients as rows and servers as columns (constructed results)', async () => {
    const p = await open(interopFile);
    const grid = `table.interop[data-vector="${INTEROP_ID}"]`;
    assert.deepEqual(await p.$$eval(`${grid} tbody th`, (ths) => ths.map((th) => th.textContent)), ['curl', 'reference'], 'clients');
    assert.deepEqual(await p.$$eval(`${grid} thead th[data-target]`, (ths) => ths.map((th) => th.textContent)), ['curl', 'reference'], 'servers');
    const cells = await p.$$eval(`${grid} tbody tr`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('button.cell')].map((b) => `${b.getAttribute('data-target')}:${b.getAttribute('data-verdict')}`)),
    );
    assert.deepEqual(cells, [
      ['curl+curl:pass', 'curl+reference:fail'],
      ['reference+curl:error', 'reference+reference:pass'],
    ]);
    assert.equal(await p.$$eval(`table.matrix tr.vrow[data-vector="${INTEROP_ID}"]`, (trs) => trs.length), 0, 'not in the per-target grid');
    assert.equal(await p.textContent(`.scenario-group:has(${grid}) h3`), 'rfc6265bis §5.7 Storage Model', 'grouped under its section, as the suite grids are');
    // The summary counts each target's own results in one row, and the pairs it took part in (curl: 3, one passed) in another.
    const curl = interop.results.filter((r) => r.targetId === 'curl');
    assert.equal(await p.textContent('table.summary td[data-kind="targets"][data-target="curl"] .pass-count'), passOver(curl));
    assert.equal(await p.textContent('table.summary td[data-kind="interop"][data-target="curl"] .pass-count'), '1/3');
    assert.equal(await p.textContent('table.summary td[data-kind="interop"][data-target="reference"] .pass-count'), '1/3');
    assert.match((await p.textContent('p[data-interop="cookies"]'))!, /All interop pairs \(cookies\): 2\/4/);
    // A target filter keeps the cells that target takes part in.
    await p.check('#filters input[name=target][value="reference"]');
    assert.equal(await p.isVisible(`${grid} td:has(> button[data-target="curl+curl"])`), false);
    assert.equal(await p.isVisible(`${grid} button[data-target="curl+reference"]`), true);
    // A cell opens with both roles' targets.
    await p.click(`${grid} button[data-target="curl+reference"]`);
    const roles = await p.$$eval('#panel .p-targetinfo h4', (hs) => hs.map((h) => h.textContent));
    assert.deepEqual(roles, ['client: curl', 'server: reference']);
    assert.equal((await hashParams(p)).get('open'), `${INTEROP_ID}|curl+reference`);
    assert.ok(((await p.evaluate('location.hash')) as string).endsWith(`open=${INTEROP_ID}|curl+reference`), 'written readably, "+" as it is');
    await p.screenshot({ path: join(ARTIFACTS, 'interop.png') });
    // A link typed by hand, with "+" and "|" as they are, opens the same cell.
    await p.close();
    const q = await open(interopFile, `#open=${INTEROP_ID}|reference+curl`);
    assert.deepEqual(await q.$$eval('#panel .p-targetinfo h4', (hs) => hs.map((h) => h.textContent)), ['client: reference', 'server: curl']);
    assert.match((await q.textContent('#panel .p-result'))!, /constructed error of reference against curl/);
  });

  browserIt('shows the provenance of the run, a flaky result with its earlier attempts and an expectation (constructed results)', async () => {
    const p = await open(interopFile);
    const field = (name: string) => p.textContent(`#provenance div[data-field="${name}"] dd`);
    assert.equal(await field('Harness'), `conformatrix ${interop.run.harness.version}`);
    assert.equal(await field('Vector set hash'), 'sha256:0123456789abcdef');
    assert.equal(await field('Vectors version'), '3.1.4');
    assert.equal(await field('Kernel'), 'Linux 6.1.0-constructed');
    assert.equal(await field('Seed'), '4242');
    assert.equal(await field('Shard'), '2/3');
    assert.equal(await field('Profile'), interop.run.profile);
    assert.equal(await field('Started'), interop.run.startedAt);
    assert.ok((await field('Finished'))!.startsWith(interop.run.finishedAt));
    assert.match((await field('Interrupted'))!, /^yes/);
    assert.match((await p.textContent('#banner'))!, /interrupted.*partial/);
    assert.equal(await field('Machine load'), '2 CPUs; load 9.5 6.25 3 at the start, 1.5 4 3.25 at the end, 1-minute peak 11.75');
    assert.doesNotMatch((await p.textContent('#banner'))!, /busy/, 'no timeout in this run: no load warning');
    const flaky = interop.results.find((r) => r.verdict === 'flaky')!;
    await p.click(cell(flaky.vectorId, 'curl'));
    const attempts = await p.$$eval('#panel table.attempts tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(attempts.length, 2);
    assert.match(attempts[0]!, /timeout.*constructed: no verdict within 10000 ms/);
    await p.click(cell(FAILING, 'curl'));
    assert.match((await p.textContent('#panel .p-expectation'))!, /fail.*expected.*curl compares names case-insensitively/);
    assert.equal(await p.getAttribute('#panel .p-expectation a', 'href'), 'https://example.org/known/1');
    assert.match((await p.getAttribute(cell(FAILING, 'curl'), 'class'))!, /\bexp-expected\b/);
  });

  browserIt('lists the gate apart: new failures, unexpected passes, flaky, known failures (constructed results)', async () => {
    const p = await open(interopFile);
    assert.equal(
      await p.textContent('#gate .gate-line'),
      'Against conformance/curl.expectations.json: 1 new failure(s), 1 unexpected pass(es), 1 flaky, 1 known failure(s) still failing.',
    );
    const items = (key: string) =>
      p.$$eval(`#gate details[data-gate="${key}"] li button`, (bs) => bs.map((b) => `${b.getAttribute('data-vector')}|${b.getAttribute('data-target')}`));
    const key = (f: (r: ResultRecord) => boolean) => interop.results.filter(f).map((r) => `${r.vectorId}|${r.targetId}`);
    assert.deepEqual(
      await items('newFailures'),
      key((r) => r.expectation?.outcome === 'new-failure'),
    );
    assert.deepEqual(
      await items('unexpectedPasses'),
      key((r) => r.expectation?.outcome === 'unexpected-pass'),
    );
    assert.deepEqual(
      await items('flaky'),
      key((r) => r.verdict === 'flaky'),
    );
    assert.deepEqual(await items('knownFailures'), [`${FAILING}|curl`]);
    const [fresh] = key((r) => r.expectation?.outcome === 'new-failure');
    await p.click(`#gate details[data-gate="newFailures"] li button`);
    assert.equal((await hashParams(p)).get('open'), fresh);
    assert.match((await p.textContent('#panel .p-expectation'))!, /new-failure/);
  });

  /** Whether an element is on screen and not covered: the topmost element at its centre is it or inside it. */
  const onScreen = (p: Page, selector: string) =>
    p.$eval(selector, (e) => {
      const r = e.getBoundingClientRect();
      const w = globalThis as unknown as { innerHeight: number; innerWidth: number; document: { elementFromPoint(x: number, y: number): unknown } };
      const top = w.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return (
        r.top >= 0 &&
        r.bottom <= w.innerHeight &&
        r.left >= 0 &&
        r.right <= w.innerWidth &&
        (top === e || (e as unknown as { contains(x: unknown): boolean }).contains(top))
      );
    });

  browserIt('keeps the target column headers in view when the grid is scrolled to its last row', async () => {
    const p = await open(pageFile);
    const last = cookieVectors().length;
    assert.equal(await onScreen(p, 'table.matrix th.tcol[data-target="curl"]'), true, 'at first');
    const lastRow = await p.$$('table.matrix tr.vrow');
    assert.equal(lastRow.length, last);
    await lastRow[last - 1]!.evaluate((e) => (e as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'end' }));
    assert.equal(
      await lastRow[last - 1]!.evaluate((e) => {
        const r = e.getBoundingClientRect();
        return r.bottom > 0 && r.top < (globalThis as unknown as { innerHeight: number }).innerHeight;
      }),
      true,
      'the last row is on screen',
    );
    assert.equal(await onScreen(p, 'table.matrix th.tcol[data-target="curl"]'), true, 'the curl column is still named');
    assert.equal(await onScreen(p, 'table.matrix th.tcol[data-target="reference"]'), true);
    await p.screenshot({ path: join(ARTIFACTS, 'sticky-headers.png') });
  });

  browserIt('folds the filter bar: one small bar on a desktop, folded on a phone, where nothing overflows the page sideways (390 x 844)', async () => {
    const p = await open(pageFile);
    assert.equal(await p.$eval('#filter-box', (d) => (d as unknown as { open: boolean }).open), true, 'open at first on a wide screen');
    const desk = await p.$eval('#filters', (f) => (f as unknown as { offsetHeight: number }).offsetHeight);
    assert.ok(desk <= 150, `the bar is ${desk} px high on a 1000 px screen`);
    await p.close();
    const q = await open(pageFile, '', { width: 390, height: 844 });
    assert.equal(await q.$eval('#filter-box', (d) => (d as unknown as { open: boolean }).open), false, 'folded on a phone');
    const bar = await q.$eval('#filters', (f) => (f as unknown as { offsetHeight: number }).offsetHeight);
    assert.ok(bar <= 60, `the folded bar is ${bar} px high`);
    assert.match((await q.textContent('#filters summary'))!, /Filters \(none on\)/);
    const widths = () =>
      q.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return [d.scrollWidth, d.clientWidth];
      });
    const [scrollWidth, clientWidth] = await widths();
    assert.ok(scrollWidth <= clientWidth, `the page is ${scrollWidth} px wide in a ${clientWidth} px viewport`);
    assert.equal(
      await q.$eval('table.matrix', (t) => {
        const box = (t as unknown as { parentElement: { scrollWidth: number; clientWidth: number } }).parentElement;
        return box.scrollWidth > box.clientWidth;
      }),
      true,
      'the grid scrolls in its own box',
    );
    await q.screenshot({ path: join(ARTIFACTS, 'phone.png') });
    await q.click('#filters summary');
    await q.check('#filters input[name=verdict][value="fail"]');
    assert.match((await q.textContent('#filters summary'))!, /\(1 on\)/);
    const [w2, c2] = await widths();
    assert.ok(w2 <= c2, `with the filters open, the page is ${w2} px wide in ${c2} px`);
    await q.screenshot({ path: join(ARTIFACTS, 'phone-filters.png') });
  });

  browserIt("opens a timeout: no verdict rather than equal values, the adapter's stderr, and the command to run it again", async () => {
    const frun = readRun(faultDir);
    const r = frun.results.find((x) => x.vectorId === HANG)!;
    assert.equal(r.verdict, 'timeout');
    assert.match(r.logs?.faulty ?? '', /faulty adapter: hanging on cookies\/faults\/hang/);
    const p = await open(join(faultDir, 'matrix.html'), `#open=${HANG}|faulty`);
    const panel = (await p.textContent('#panel'))!;
    assert.doesNotMatch(panel, /equal/i);
    assert.match((await p.textContent('#panel .p-diff .no-verdict'))!, /^No verdict: the vector timed out/);
    assert.equal(await p.$$eval('#panel .p-diff table', (ts) => ts.length), 0, 'no expected vs actual table');
    assert.equal(await p.textContent('#panel .p-logs h4'), 'faulty');
    assert.equal(await p.textContent('#panel .p-logs pre.log'), r.logs!.faulty);
    const cmd = (await p.textContent('#panel .p-rerun pre.cmd'))!;
    assert.match(cmd, /^npx conformatrix run --suite cookies .*--target faulty --grep '\^faulty cookies\/faults\/hang: '/);
    await p.screenshot({ path: join(ARTIFACTS, 'timeout-cell.png') });
    // A pass has no logs and no command.
    await p.click(cell('cookies/faults/ok-2', 'faulty'));
    assert.equal(await p.$$eval('#panel .p-logs, #panel .p-rerun', (es) => es.length), 0);
  });

  browserIt('warns in the banner when the run timed out while the machine was busy (the same run with a constructed load)', async () => {
    const frun = readRun(faultDir);
    frun.run.load = { cpus: 2, start: [9.5, 6.25, 3], end: [1.5, 4, 3.25], peak: 11.75 };
    const timeouts = frun.results.filter((r) => r.verdict === 'timeout').length;
    assert.ok(timeouts > 0);
    const file = join(tempDir(), 'matrix.html');
    writeFileSync(file, htmlReport(frun, { views: await runViews(frun) }));
    const p = await open(file);
    assert.match(
      (await p.textContent('#banner'))!,
      new RegExp(`Warning: ${timeouts} timeout\\(s\\) while the machine was busy \\(load up to 11.75 on 2 CPUs\\)`),
    );
  });

  browserIt("shows a failed packet expectation as the matcher's finding, not as a line diff (constructed result)", async () => {
    const p = await open(packetFile);
    const r = packetRun(readRun(faultDir)).results.find((x) => x.verdict === 'fail')!;
    await p.click(cell(r.vectorId, 'faulty'));
    const row = await p.$$eval('#panel table.mismatch tbody td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(row, ['step 3 (expect: the SYN-ACK)', 'mp_capable.flags.h', 'true', 'false']);
    assert.match((await p.textContent('#panel .p-diff'))!, /1 other segment\(s\) did not match either/);
    assert.equal(await p.$$eval('#panel table.diff', (ts) => ts.length), 0, 'no line diff');
    const pre = await p.$$eval('#panel .pattern-pair pre', (ps) => ps.map((x) => x.textContent));
    assert.deepEqual(pre, [JSON.stringify(r.expected, null, 2), JSON.stringify(r.actual, null, 2)]);
    await p.screenshot({ path: join(ARTIFACTS, 'packet-mismatch.png') });
  });

  describe('an MPTCP run', () => {
    let mptcp = '';
    before(async function () {
      if (!browser) return this.skip();
      const why = kernelMissing();
      if (why) return skipWithReason(this, why);
      mptcp = tempDir('conformatrix-html-mptcp-');
      await runCommand({ suites: ['mptcp'], targets: ['linux-kernel'], vectors: [join(ROOT, 'vectors', 'mptcp', 'capable.json')], out: mptcp, quiet: true });
      const mrun = readRun(mptcp);
      writeFileSync(join(mptcp, 'matrix.html'), htmlReport(mrun, { views: await runViews(mrun) }));
    });
    after(() => {
      if (mptcp) rmSync(mptcp, { recursive: true, force: true });
    });

    browserIt('shows the decoded packets with their direction, and links the pcap relative to the page', async () => {
      const mrun = readRun(mptcp);
      const r = mrun.results[0]!;
      const p = await open(join(mptcp, 'matrix.html'), `#open=${r.vectorId}|linux-kernel`);
      const exchange = (r.details as { exchange: { t: number; from: string; packet: string }[] }).exchange;
      const rows = await p.$$eval('#panel table.packets tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
      assert.deepEqual(
        rows,
        exchange.map((e) => [`${e.t} ms`, e.from === 'peer' ? 'peer → SUT' : 'SUT → peer', e.packet]),
      );
      const href = await p.$eval('#panel .p-artifacts a', (a) => (a as unknown as { href: string }).href);
      assert.ok(href.startsWith('file:'));
      assert.equal(fileURLToPath(href), join(mptcp, r.artifacts!.pcap!));
      assert.ok(existsSync(fileURLToPath(href)), 'the pcap is there');
      await p.screenshot({ path: join(ARTIFACTS, 'mptcp-cell.png') });
    });
  });
});
