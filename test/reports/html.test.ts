// matrix.html in a real browser (the pages: html-pages.ts): the page against
// results.json, the embedded data, every filter and the URL, a view restored
// from a URL, a failing cell's diff opened and closed from the keyboard, and
// hostile strings kept as text. The interop grid, the gate, the layout and
// the panels of timeouts and packets: html-views.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countVerdicts, VERDICTS, type RunResults } from '../../runner/model.js';
import { embedJson, packValue } from '../../runner/reports/html.js';
import { unpackSource } from '../../runner/reports/html/script.js';
import { groupBySection, SYMBOL } from '../../runner/reports/matrix.js';
import { readRun } from '../helpers.js';
import {
  ARTIFACTS,
  blankPage,
  type Box,
  browserIt,
  cell,
  cookieVectors,
  FAILING,
  hashParams,
  HOSTILE_COOKIE,
  HOSTILE_ID,
  HOSTILE_TITLE,
  HOSTILE_WRONG,
  open,
  out,
  pageFile,
  passOver,
  reportPages,
  result,
  run,
  shownRows,
} from './html-pages.js';

describe('HTML report (matrix.html) in chromium', function () {
  this.timeout(300_000);
  reportPages();

  it('the guard sees a request that is not file:// (so that its silence elsewhere means something)', async () => {
    const page = await blankPage();
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
});
