// matrix.html in a real browser (the pages: html-pages.ts), continued from
// html.test.ts: the interop grid, provenance and flaky results, the gate,
// the layout (sticky headers, the folded filter bar on a phone), and the
// panels of a timeout, a busy machine, a packet expectation and an MPTCP run.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { ResultRecord } from '../../runner/model.js';
import { htmlReport } from '../../runner/reports/html.js';
import { runCommand } from '../../runner/run.js';
import { runViews } from '../../runner/suites.js';
import { skipWithReason } from '../docker/helpers.js';
import { readRun, ROOT, tempDir } from '../helpers.js';
import { kernelMissing } from '../mptcp/helpers.js';
import {
  ARTIFACTS,
  browser,
  browserIt,
  cell,
  cookieVectors,
  FAILING,
  faultDir,
  HANG,
  hashParams,
  interop,
  INTEROP_ID,
  interopFile,
  open,
  packetFile,
  packetRun,
  pageFile,
  passOver,
  reportPages,
} from './html-pages.js';

describe('HTML report (matrix.html) in chromium', function () {
  this.timeout(300_000);
  reportPages();

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
