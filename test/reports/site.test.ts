// `conformatrix site`: a static site built from real run folders, read in a
// real browser. before() makes three real runs of the reference and curl over
// a slice of vectors/cookies/parse.json written by this test: run 1 over the
// slice; run 2 over the slice with one expectation made wrong on purpose
// (basic-pair expects "a=WRONG": both targets regress on it) and one vector
// more; run 3 over the slice again (both fix it; the extra vector is removed).
// Where the MPTCP reference can run (root, TUN), a fourth run of its
// packet-level suite brings pcaps, so that the copy of artifacts is checked.
// The site is built by the command line from the folders given out of date
// order. Every page is opened from file:// in Debian's chromium with every
// request that is not file:// aborted and recorded; the trend and the diffs
// are compared with numbers counted here from each results.json.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { isFailure, type RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { SITE_MARKER } from '../../runner/site/build.js';
import { vectorsLabel } from '../../runner/site/model.js';
import { skipWithReason } from '../docker/helpers.js';
import { cli, readRun, ROOT, tempDir } from '../helpers.js';
import { kernelMissing } from '../mptcp/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHANGED = 'cookies/parse/basic-pair';
const EXTRA = 'cookies/parse/utf8-value-kept';
const TARGETS = ['reference', 'curl'];

interface VectorFile {
  description: string;
  vectors: { id: string; requests: { cookie: string | null }[] }[];
}

/** The slice (six vectors and one curl fails), and the altered slice of run 2. */
function writeSlices(dir: string): { slice: string; altered: string } {
  const parse = JSON.parse(readFileSync(join(ROOT, 'vectors', 'cookies', 'parse.json'), 'utf8')) as VectorFile;
  const pick = (id: string) => structuredClone(parse.vectors.find((v) => v.id === id)!);
  const ids = [...parse.vectors.slice(0, 6).map((v) => v.id), 'cookies/parse/names-case-sensitive'];
  assert.ok(ids.includes(CHANGED));
  const slice = join(dir, 'slice.json');
  writeFileSync(slice, JSON.stringify({ description: 'The site test: a slice of parse.json.', vectors: ids.map(pick) }));
  const vectors = [...ids.map(pick), pick(EXTRA)];
  const changed = vectors.find((v) => v.id === CHANGED)!;
  assert.equal(changed.requests[1]!.cookie, 'a=b', 'the vector this test alters is as it expects');
  changed.requests[1]!.cookie = 'a=WRONG';
  const altered = join(dir, 'altered.json');
  writeFileSync(altered, JSON.stringify({ description: 'The site test: the slice, one expectation wrong on purpose, one vector more.', vectors }));
  return { slice, altered };
}

/** What the site should say of a target in a suite in a run, counted here. */
function counted(run: RunResults, target: string, suite: string) {
  const level = new Map(run.vectors.map((v) => [v.id, v.level]));
  const rs = run.results.filter((r) => r.targetId === target && r.suite === suite);
  const applicable = rs.filter((r) => r.verdict !== 'skipped');
  return {
    pass: `${applicable.filter((r) => r.verdict === 'pass').length}/${applicable.length}`,
    passes: applicable.filter((r) => r.verdict === 'pass').length,
    applicable: applicable.length,
    must: rs.filter((r) => isFailure(r.verdict) && level.get(r.vectorId) === 'MUST').length,
  };
}

/** Regressions and fixes of a target between two runs, counted here from the verdicts. */
function changed(a: RunResults, b: RunResults, target: string) {
  const before = new Map(a.results.filter((r) => r.targetId === target).map((r) => [r.vectorId, r.verdict]));
  const now = b.results.filter((r) => r.targetId === target && before.has(r.vectorId));
  const ids = (a2: RunResults) => new Set(a2.results.filter((r) => r.targetId === target).map((r) => r.vectorId));
  return {
    regressions: now.filter((r) => before.get(r.vectorId) === 'pass' && isFailure(r.verdict)).map((r) => r.vectorId),
    fixes: now.filter((r) => isFailure(before.get(r.vectorId)!) && r.verdict === 'pass').map((r) => r.vectorId),
    newVectors: [...ids(b)].filter((id) => !ids(a).has(id)),
    removedVectors: [...ids(a)].filter((id) => !ids(b).has(id)),
  };
}

/** Every file under a folder, relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f), base) : [relative(base, join(dir, f))]));
}

describe('conformatrix site: a static site of runs, in chromium', function () {
  this.timeout(300_000);

  let browser: Browser | undefined;
  let work = '';
  let site = '';
  /** The run folders, oldest first, and their results. */
  const dirs: string[] = [];
  const runs: RunResults[] = [];
  let mptcpDir: string | undefined;
  let page: Page;
  let offending: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) return skipWithReason(this, `${CHROMIUM} is absent: install Debian's chromium package to run the site tests`);
    work = tempDir('conformatrix-site-');
    const { slice, altered } = writeSlices(work);
    for (const [i, file] of [slice, altered, slice].entries()) {
      const out = join(work, `run-${i + 1}`);
      const code = await runCommand({ suites: ['cookies'], targets: TARGETS, vectors: [file], out, quiet: true });
      assert.equal(code, 1, 'curl fails names-case-sensitive in every run');
      dirs.push(out);
      runs.push(readRun(out));
    }
    if (!kernelMissing()) {
      mptcpDir = join(work, 'run-mptcp');
      const code = await runCommand({
        suites: ['mptcp'],
        targets: ['reference'],
        vectors: [],
        grep: 'mptcp/capable/server/no-mp-capable-in-syn: ',
        out: mptcpDir,
        quiet: true,
      });
      assert.equal(code, 0, 'the MPTCP reference passes its vector');
    }
    site = join(work, 'site');
    // Out of date order on purpose: the site orders by start time.
    const r = cli(['site', dirs[2]!, dirs[0]!, ...(mptcpDir ? [mptcpDir] : []), dirs[1]!, '--out', site, '--title', 'Site test']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Site: ${mptcpDir ? 4 : 3} runs, 2 targets, 4 diff pages`));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (page && !page.isClosed()) await page.close();
    offending = [];
  });

  /** A fresh page on a file of the site; every request that is not file:// is aborted and recorded, as is every console error. */
  async function open(file: string): Promise<Page> {
    page = await browser!.newPage({ viewport: { width: 1300, height: 900 } });
    await page.route('**', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      offending.push(`request: ${url}`);
      return route.abort();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') offending.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => offending.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(join(site, file)).href);
    if (file.endsWith('matrix.html')) await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    return page;
  }

  const slugOf = (run: RunResults) => run.run.startedAt.replace(/[:.]/g, '-');

  it('loads every page of the site in chromium with no console error and no request but file://, and every link resolves', async () => {
    const pages = walk(site).filter((f) => f.endsWith('.html'));
    // index, a page per target, two diff pages per target, a matrix.html per run.
    assert.equal(pages.length, 1 + 2 + 4 + runs.length + (mptcpDir ? 1 : 0), pages.join(', '));
    for (const f of pages) {
      const p = await open(f);
      const hrefs = await p.$$eval('a[href]', (as) => as.map((a) => (a as unknown as { href: string }).href));
      for (const href of hrefs.filter((h) => h.startsWith('file:'))) {
        const target = fileURLToPath(href.split('#')[0]!);
        assert.ok(existsSync(target), `${f} links to ${href}, which exists`);
        assert.ok(resolve(target).startsWith(resolve(site)), `${f}: ${href} stays inside the site`);
      }
      assert.deepEqual(offending, [], `${f}: no request but file://, no console error or warning, no uncaught error`);
      await p.close();
    }
  });

  it('index.html lists the runs newest first with their harness version and vector set, and links to each copied matrix.html', async () => {
    const p = await open('index.html');
    const all = [...runs, ...(mptcpDir ? [readRun(mptcpDir)] : [])].sort((a, b) => Date.parse(b.run.startedAt) - Date.parse(a.run.startedAt));
    const rows = await p.$$eval('table.runs tbody tr', (trs) =>
      trs.map((tr) => ({
        run: tr.getAttribute('data-run'),
        harness: tr.querySelector('td.harness')!.textContent,
        vectors: tr.querySelector('td.vectors')!.getAttribute('title'),
        pass: tr.querySelector('td.pass')!.textContent,
        matrix: tr.querySelector('td.date a')!.getAttribute('href'),
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.run),
      all.map(slugOf),
    );
    all.forEach((run, i) => {
      assert.equal(rows[i]!.harness, run.run.harness.version);
      assert.equal(rows[i]!.vectors, run.run.vectorSetHash);
      const applicable = run.results.filter((r) => r.verdict !== 'skipped');
      assert.equal(rows[i]!.pass, `${applicable.filter((r) => r.verdict === 'pass').length}/${applicable.length}`);
      assert.equal(rows[i]!.matrix, `runs/${slugOf(run)}/matrix.html`);
    });
    // The copied page is the run's own, byte for byte, with its results.json beside it.
    for (const [i, run] of runs.entries()) {
      assert.equal(readFileSync(join(site, 'runs', slugOf(run), 'matrix.html'), 'utf8'), readFileSync(join(dirs[i]!, 'matrix.html'), 'utf8'));
      assert.deepEqual(JSON.parse(readFileSync(join(site, 'runs', slugOf(run), 'results.json'), 'utf8')), run);
    }
    assert.notEqual(runs[0]!.run.vectorSetHash, runs[1]!.run.vectorSetHash, 'run 2 ran another vector set');
    assert.equal(runs[0]!.run.vectorSetHash, runs[2]!.run.vectorSetHash, 'runs 1 and 3 ran the same');
    assert.deepEqual(offending, []);
  });

  for (const target of TARGETS) {
    it(`${target}'s page draws the trend of passes and MUST failures over the three runs, as counted from results.json`, async () => {
      const p = await open(`targets/${target}/index.html`);
      const want = runs.map((run) => counted(run, target, 'cookies'));
      const sec = 'section.series[data-suite="cookies"]';
      const rows = await p.$$eval(`${sec} table.trend tbody tr`, (trs) =>
        trs.map((tr) => ({ run: tr.getAttribute('data-run'), pass: tr.querySelector('td.pass')!.textContent, must: tr.querySelector('td.must')!.textContent })),
      );
      assert.deepEqual(
        rows,
        runs.map((run, i) => ({ run: slugOf(run), pass: want[i]!.pass, must: String(want[i]!.must) })),
      );
      const values = (series: string) => p.$$eval(`${sec} svg g[data-series="${series}"] circle`, (cs) => cs.map((c) => Number(c.getAttribute('data-value'))));
      assert.deepEqual(
        await values('pass'),
        want.map((w) => w.passes),
      );
      assert.deepEqual(
        await values('applicable'),
        want.map((w) => w.applicable),
      );
      assert.deepEqual(
        await values('must'),
        want.map((w) => w.must),
      );
      assert.equal(await p.$$eval(`${sec} svg g[data-series="pass"] polyline`, (ls) => ls.length), 1, 'a line through the points');
      // What this test made happen: the altered expectation is a MUST failure in run 2 only.
      assert.equal(want[1]!.must, want[0]!.must + 1);
      assert.equal(want[2]!.must, want[0]!.must);
      assert.deepEqual(offending, []);
    });

    it(`${target}'s diff pages show what changed between consecutive runs, as counted from results.json`, async () => {
      for (const i of [0, 1]) {
        const p = await open(`targets/${target}/diff-cookies-${i + 1}-${i + 2}.html`);
        const want = changed(runs[i]!, runs[i + 1]!, target);
        const part = async (key: string, item: string) => ({
          count: Number(await p.getAttribute(`section[data-part="${key}"]`, 'data-count')),
          ids: await p.$$eval(`section[data-part="${key}"] ${item}[data-vector]`, (es) => es.map((e) => e.getAttribute('data-vector'))),
        });
        for (const [key, item, ids] of [
          ['regressions', 'tr', want.regressions],
          ['fixes', 'tr', want.fixes],
          ['new-vectors', 'li', want.newVectors],
          ['removed-vectors', 'li', want.removedVectors],
        ] as const) {
          assert.deepEqual(await part(key, item), { count: ids.length, ids: [...ids] }, `${target} ${i + 1}->${i + 2} ${key}`);
        }
        const versions = await p.$$eval('section[data-part="versions"] tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
        assert.deepEqual(versions, [['vector set', runs[i]!.run.vectorSetHash, runs[i + 1]!.run.vectorSetHash]]);
        // What this test made happen, independently of the counting above.
        if (i === 0) {
          assert.deepEqual(want.regressions, [CHANGED]);
          assert.deepEqual(want.newVectors, [EXTRA]);
          const reason = await p.textContent(`section[data-part="regressions"] tr[data-vector="${CHANGED}"] td.reason`);
          assert.match(reason!, /a=WRONG/, 'the reason of the regression');
          // The vector links to its cell in the newer run's matrix.html.
          assert.equal(
            await p.getAttribute(`section[data-part="regressions"] tr[data-vector="${CHANGED}"] a`, 'href'),
            `../../runs/${slugOf(runs[1]!)}/matrix.html#open=${CHANGED}|${target}`,
          );
        } else {
          assert.deepEqual(want.fixes, [CHANGED]);
          assert.deepEqual(want.removedVectors, [EXTRA]);
        }
        assert.deepEqual(offending, []);
        await p.close();
      }
    });
  }

  it('copies each run with its artifacts, so that matrix.html links to the pcaps inside the site', async function () {
    if (!mptcpDir) return skipWithReason(this, `no MPTCP run to bring artifacts: ${kernelMissing()}`);
    const run = readRun(mptcpDir);
    const named = run.results.flatMap((r) => Object.values(r.artifacts ?? {}));
    assert.ok(named.length > 0, 'the MPTCP run keeps pcaps');
    const at = join(site, 'runs', slugOf(run));
    for (const rel of named) assert.deepEqual(readFileSync(join(at, rel)), readFileSync(join(mptcpDir, rel)), rel);
    // The page itself: the cell's panel links to the pcap, relative to the page, and the file is there.
    const r = run.results[0]!;
    const p = await open(`runs/${slugOf(run)}/matrix.html`);
    await p.click(`button.cell[data-vector="${r.vectorId}"][data-target="${r.targetId}"]`);
    const hrefs = await p.$$eval('#panel a[href$=".pcap"]', (as) => as.map((a) => (a as unknown as { href: string }).href));
    assert.ok(hrefs.length > 0, 'the panel links to a pcap');
    for (const h of hrefs) assert.ok(existsSync(fileURLToPath(h)) && fileURLToPath(h).startsWith(at), h);
    assert.deepEqual(offending, []);
  });

  it("rebuilds over its own site atomically, from the runs of an earlier site (a site's history): the old site goes, nothing is left beside it", () => {
    const earlier = join(work, 'earlier-site');
    cpSync(site, earlier, { recursive: true });
    writeFileSync(join(site, 'stale.html'), 'from an older build');
    const r = cli(['site', ...readdirSync(join(earlier, 'runs')).map((d) => join(earlier, 'runs', d)), '--out', site, '--title', 'Site test', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(join(site, 'stale.html')), 'the old site was replaced');
    assert.ok(existsSync(join(site, SITE_MARKER)));
    assert.deepEqual(readdirSync(join(site, 'runs')).sort(), readdirSync(join(earlier, 'runs')).sort(), 'the same runs');
    assert.equal(
      readFileSync(join(site, 'targets', 'curl', 'diff-cookies-1-2.html'), 'utf8'),
      readFileSync(join(earlier, 'targets', 'curl', 'diff-cookies-1-2.html'), 'utf8'),
    );
    assert.deepEqual(
      readdirSync(dirname(site)).filter((f) => f.includes('.tmp-') || f.includes('.old-')),
      [],
      'no temporary folder left',
    );
  });

  it('a hostile results.json (a suite named as a path, a target id and a version as markup) writes inside the site only, and as text', async () => {
    const SUITE = '/../../../../escaped<b>';
    const TARGET = '<img src=x onerror=alert(1)>';
    const HARNESS = '</td><script>alert(2)</script>';
    const hostile = [0, 1].map((i) => {
      const run = structuredClone(runs[i]!);
      for (const r of run.results) Object.assign(r, { suite: SUITE, ...(r.targetId === 'curl' ? { targetId: TARGET } : {}) });
      for (const v of run.vectors) v.suite = SUITE;
      for (const t of run.targets) Object.assign(t, { suites: [SUITE], ...(t.id === 'curl' ? { id: TARGET } : {}) });
      run.run.suites = [SUITE];
      run.run.harness.version = HARNESS;
      const dir = join(work, `hostile-run-${i + 1}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'results.json'), JSON.stringify(run));
      return dir;
    });
    const parent = join(work, 'hostile');
    const r = cli(['site', ...hostile, '--out', join(parent, 'site')]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(parent), ['site'], 'nothing written beside the site');
    const files = walk(join(parent, 'site'));
    assert.ok(
      files.every((f) => /^[A-Za-z0-9._/-]+$/.test(f)),
      files.join(', '),
    );
    const targetPage = files.find((f) => /^targets\/[^/]+\/index\.html$/.test(f) && !f.startsWith('targets/reference/'))!;
    const p = await open(join('..', 'hostile', 'site', targetPage));
    assert.equal(await p.textContent('h1'), TARGET);
    assert.equal(await p.textContent(`section.series h2`), SUITE);
    assert.equal(await p.textContent('table.trend td.harness'), HARNESS);
    assert.deepEqual(await p.evaluate('[document.images.length, document.scripts.length]'), [0, 0], 'no markup from the run');
    assert.deepEqual(offending, []);
  });

  describe('bad input', () => {
    const fresh = () => join(work, `out-${Math.random().toString(36).slice(2)}`);

    it('a folder without results.json: exit 2, naming the file it looked for', () => {
      const empty = join(work, 'empty-run');
      mkdirSync(empty, { recursive: true });
      const out = fresh();
      const r = cli(['site', dirs[0]!, empty, '--out', out]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`${join(empty, 'results.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: missing: .* is not a run folder`));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!existsSync(out), 'no site written');
    });

    it('a corrupt results.json: exit 2 with the file, line and column', () => {
      const bad = join(work, 'corrupt-run');
      mkdirSync(bad, { recursive: true });
      const text = readFileSync(join(dirs[0]!, 'results.json'), 'utf8');
      writeFileSync(join(bad, 'results.json'), text.slice(0, Math.floor(text.length / 2)));
      const r = cli(['site', bad, '--out', fresh()]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`${join(bad, 'results.json')}:\\d+:\\d+: invalid JSON`));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it('a results.json that is JSON but not a valid run: exit 2 with the line and JSON pointer; every bad folder is listed', () => {
      const bad = join(work, 'invalid-run');
      mkdirSync(bad, { recursive: true });
      const run = structuredClone(runs[0]!) as unknown as { results: { verdict: string }[] };
      run.results[1]!.verdict = 'bogus';
      writeFileSync(join(bad, 'results.json'), JSON.stringify(run, null, 2));
      const r = cli(['site', bad, join(work, 'no-such-run'), '--out', fresh()]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`${join(bad, 'results.json')}:\\d+:\\d+ at /results/1/verdict: not a conformatrix results.json: must be one of`));
      assert.match(r.stderr, /no-such-run: no such folder/);
      assert.match(r.stderr, /2 error\(s\)/);
    });

    it('an --out that is not a site of its own, or that holds a run, is refused and left as it was', () => {
      const mine = join(work, 'my-folder');
      mkdirSync(mine, { recursive: true });
      writeFileSync(join(mine, 'precious.txt'), 'keep me');
      let r = cli(['site', dirs[0]!, '--out', mine]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /--out .*my-folder is a folder with files in it that conformatrix site did not write/);
      assert.deepEqual(readdirSync(mine), ['precious.txt']);
      r = cli(['site', dirs[0]!, '--out', work]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /holds the run folder/);
      assert.ok(existsSync(join(dirs[0]!, 'results.json')));
    });
  });
});

describe('site: the vector set label', () => {
  const run = (extra: Record<string, unknown>) =>
    ({ run: { harness: { name: 'conformatrix', version: '1' }, startedAt: '', finishedAt: '', suites: [], ...extra } }) as unknown as RunResults;
  it('shows the vector set version when the run recorded one, the hash in its title; else the hash, shortened', () => {
    assert.deepEqual(vectorsLabel(run({ vectorsVersion: '2026.12.1', vectorSetHash: 'ab'.repeat(32) })), { text: '2026.12.1', title: 'ab'.repeat(32) });
    assert.deepEqual(vectorsLabel(run({ vectorSetHash: 'ab'.repeat(32) })), { text: 'abababababab', title: 'ab'.repeat(32) });
    assert.deepEqual(vectorsLabel(run({})), { text: '—', title: 'not recorded' });
  });
});
