// Requirements coverage in a run's reports: results.json's `coverage`,
// matrix.md's coverage table and matrix.html's coverage panel (in Debian's
// chromium, opened from file://), all from one real run of the reference over
// the fixture vectors of test/fixtures/requirements/vectors/, measured against
// the fixture index in test/fixtures/requirements/index/. Shards carry the
// coverage of the whole selection, and merge keeps it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { mergeDirs } from '../../runner/merge.js';
import type { RunResults } from '../../runner/model.js';
import { SPECS_DIR } from '../../runner/paths.js';
import { runCommand, type RunOptions } from '../../runner/run.js';
import { validateValue } from '../../runner/schema.js';
import { SpecLibrary } from '../../runner/specs.js';
import { skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, tempDir } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const DIR = join(FIXTURES, 'requirements');

describe('requirements coverage in the reports', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let out = '';
  let run: RunResults;

  async function fixtureRun(extra: Partial<RunOptions> = {}): Promise<string> {
    const dir = tempDir('conformatrix-coverage-');
    dirs.push(dir);
    const code = await runCommand({
      suites: ['cookies'],
      targets: ['reference'],
      vectors: [join(DIR, 'vectors')],
      out: dir,
      quiet: true,
      specs: SpecLibrary.load(SPECS_DIR, join(DIR, 'index')),
      ...extra,
    });
    assert.equal(code, 0, 'the reference passes the fixture vectors');
    return dir;
  }

  before(async () => {
    out = await fixtureRun();
    run = readRun(out);
  });

  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('results.json carries the coverage per section and level, valid against its schema, and each vector its requirements', () => {
    assert.deepEqual(validateValue('urn:conformatrix:results', run), []);
    assert.equal(run.coverage?.length, 1);
    const c = run.coverage![0]!;
    assert.equal(c.suite, 'cookies');
    assert.equal(c.profile, 'rfc6265bis');
    assert.equal(c.doc, 'rfc6265bis');
    assert.deepEqual(c.totals, { requirements: 7, testable: 6, covered: 4, untestable: 1 });
    assert.deepEqual(
      c.sections.map((s) => [s.section, `${s.covered}/${s.testable}`, s.uncovered]),
      [
        ['5.6.1', '1/1', []],
        ['5.6.7', '0/1', ['rfc6265bis/5.6.7/fixture-recommended']],
        ['5.7', '2/2', []],
        ['5.8.1', '1/1', []],
        ['5.8.3', '0/1', ['rfc6265bis/5.8.3/step-2']],
      ],
    );
    assert.deepEqual(run.vectors.find((v) => v.id === 'cookies/req-fixture/stored-and-sent')!.requirements, [
      'rfc6265bis/5.7/step-1',
      'rfc6265bis/5.7/step-2',
      'rfc6265/5.3/step-1',
    ]);
  });

  it('matrix.md has the coverage table of the suite', () => {
    const md = readFileSync(join(out, 'matrix.md'), 'utf8');
    assert.match(md, /### Requirements coverage: rfc6265bis \(profile rfc6265bis\)/);
    assert.match(md, /By level: MUST 3\/3, SHOULD 0\/2, MAY 1\/1\./);
    assert.match(md, /\| \[§5\.8\.3\]\(\S+#retrieval-algorithm\) Retrieval Algorithm \| 0\/1 \| 0 \| `rfc6265bis\/5\.8\.3\/step-2` \|/);
    assert.match(md, /\| \*\*all\*\* \| \*\*4\/6\*\* \| 1 \| {2}\|/);
  });

  it("measures the run's selection: with --grep, only the vectors it kept count", async () => {
    const dir = await fixtureRun({ grep: 'stored-and-sent' });
    const c = readRun(dir).coverage![0]!;
    assert.deepEqual(c.totals, { requirements: 7, testable: 6, covered: 2, untestable: 1 });
  });

  it('under profile rfc6265, measures against rfc6265', async () => {
    const dir = await fixtureRun({ profile: 'rfc6265' });
    const c = readRun(dir).coverage![0]!;
    assert.equal(c.doc, 'rfc6265');
    assert.deepEqual(c.totals, { requirements: 1, testable: 1, covered: 1, untestable: 0 });
  });

  it('every shard carries the coverage of the whole selection, and merge keeps it', async () => {
    const one = await fixtureRun({ shard: { index: 1, count: 2 } });
    const two = await fixtureRun({ shard: { index: 2, count: 2 } });
    assert.deepEqual(readRun(one).coverage, run.coverage);
    assert.deepEqual(readRun(two).coverage, run.coverage);
    const merged = tempDir('conformatrix-coverage-merged-');
    dirs.push(merged);
    assert.deepEqual(mergeDirs([one, two], merged).coverage, run.coverage);
  });

  it('matrix.html shows the coverage panel, per section, in chromium', async function () {
    if (!existsSync(CHROMIUM)) return skipWithReason(this, `${CHROMIUM} is absent: install Debian's chromium package to run the HTML report tests`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(join(out, 'matrix.html')).href);
      await page.waitForSelector('body[data-ready="true"]');
      assert.deepEqual(errors, []);
      assert.equal(await page.$eval('#coverage h2', (h) => h.textContent), 'Requirements coverage');
      assert.equal(await page.$eval('#coverage .coverage[data-suite="cookies"] h3', (h) => h.textContent), 'cookies: rfc6265bis (profile rfc6265bis)');
      assert.equal(await page.$eval('#coverage .cov-total', (s) => s.textContent), '4/6');
      const rows = await page.$$eval('#coverage table.coverage tbody tr', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-section'), tr.className, ...[...tr.children].map((c) => c.textContent)]),
      );
      assert.deepEqual(rows, [
        ['rfc6265bis:5.6.1', 'full', '§5.6.1 The Expires Attribute', '1/1', '0', ''],
        ['rfc6265bis:5.6.7', 'partial', '§5.6.7 The SameSite Attribute', '0/1', '0', 'rfc6265bis/5.6.7/fixture-recommended'],
        ['rfc6265bis:5.7', 'full', '§5.7 Storage Model', '2/2', '1', ''],
        ['rfc6265bis:5.8.1', 'full', '§5.8.1 The Cookie Header Field', '1/1', '0', ''],
        ['rfc6265bis:5.8.3', 'partial', '§5.8.3 Retrieval Algorithm', '0/1', '0', 'rfc6265bis/5.8.3/step-2'],
      ]);
      const link = await page.$eval('#coverage tr[data-section="rfc6265bis:5.7"] th a', (a) => a.getAttribute('href'));
      assert.match(link ?? '', /#storage-model$/);
    } finally {
      await browser.close();
    }
  });
});
