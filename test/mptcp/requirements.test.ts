// The project's RFC 8684 requirements index (vectors/specs/requirements/rfc8684/)
// and the MPTCP suites that cite it, as issue 13 item 1 wants them: every
// packet-level vector and interop scenario cites requirements that exist, with
// the level of the weakest; `conformatrix coverage --suite mptcp` (and
// mptcp-interop) reports what stays uncovered; a run records the coverage of
// its selection in results.json and matrix.md.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverage, uncitedErrors, type SuiteCoverage } from '../../runner/coverage.js';
import type { RunResults } from '../../runner/model.js';
import { VECTORS_DIR } from '../../runner/paths.js';
import { matrixMarkdown } from '../../runner/reports/matrix.js';
import { runCommand } from '../../runner/run.js';
import { loadAll } from '../../runner/plan.js';
import { SpecLibrary } from '../../runner/specs.js';
import { skipWithReason } from '../docker/helpers.js';
import { cli, tempDir } from '../helpers.js';

describe('RFC 8684 requirements and the MPTCP suites (the real index)', function () {
  this.timeout(120_000);

  it('indexes RFC 8684 with the actors of a protocol between peers, and its appendix B is TCP Fast Open', () => {
    const specs = SpecLibrary.load();
    const index = specs.requirements.of('rfc8684');
    assert.ok(index.length > 50, `${index.length} requirements`);
    for (const r of index) assert.ok(['sender', 'receiver', 'both'].includes(r.actor), `${r.id}: actor ${r.actor}`);
    // RFC 8684's appendices: A TCP options, B TCP Fast Open, C control blocks, D the state machine, E the changes from RFC 6824.
    assert.deepEqual(
      ['A', 'B', 'B.1', 'B.2', 'C', 'D', 'E'].map((n) => specs.section('rfc8684', n)?.title),
      [
        'Notes on Use of TCP Options',
        'TCP Fast Open and MPTCP',
        'TFO Cookie Request with MPTCP',
        'Data Sequence Mapping under TFO',
        'Control Blocks',
        'Finite State Machine',
        'Changes from RFC 6824',
      ],
    );
    for (const r of index.filter((x) => x.section.startsWith('B'))) assert.match(r.summary, /TFO|MP_CAPABLE|key/, r.id);
    for (const u of index.filter((r) => r.untestable)) assert.ok(u.untestable!.trim().length >= 10, `${u.id} says why it is untestable`);
    // Issue 13 item 5: what the RFC only describes is never MUST; these are its examples.
    for (const id of ['3.4.1/echo', '3.7/final-infinite-mapping', '3.7/mp-fail-infinite-mapping', '3.5/when-to-send']) {
      const r = specs.requirements.get(`rfc8684/${id}`)!;
      assert.ok(r.reading, `${r.id} is marked as a reading`);
      assert.notEqual(r.level, 'MUST', r.id);
    }
  });

  it('every vector of vectors/mptcp/ and every scenario of vectors/mptcp-interop/ cites requirements; validate passes', async () => {
    const loaded = await loadAll(['mptcp', 'mptcp-interop'], [], SpecLibrary.load());
    for (const { suite, vectors } of loaded) {
      assert.ok(vectors.length > 0, suite.name);
      assert.deepEqual(uncitedErrors(suite, vectors), [], suite.name);
      for (const v of vectors)
        assert.ok(
          v.requirements!.every((id) => id.startsWith('rfc8684/')),
          v.id,
        );
    }
    const r = cli(['validate']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /requirements: \d+ valid \(.*rfc8684: \d+ in \d+ files\)/);
    assert.match(r.stdout, /mptcp: \d+ vectors valid/);
  });

  for (const suite of ['mptcp', 'mptcp-interop']) {
    it(`conformatrix coverage --suite ${suite} prints the totals, writes coverage.md and coverage.json, and exits 1 exactly when a testable requirement is uncovered`, () => {
      const out = tempDir();
      const r = cli(['coverage', '--suite', suite, '--out', out]);
      assert.match(
        r.stdout,
        new RegExp(
          `^${suite}, measured against rfc8684: \\d+ requirements, \\d+ untestable; \\d+/\\d+ testable covered \\(\\d+\\.\\d%\\) by \\d+ vectors$`,
          'm',
        ),
      );
      assert.ok(existsSync(join(out, 'coverage.md')));
      const json = JSON.parse(readFileSync(join(out, 'coverage.json'), 'utf8')) as { suites: SuiteCoverage[] };
      const c = json.suites[0]!;
      assert.equal(c.doc, 'rfc8684');
      assert.equal(r.status, c.uncovered.length ? 1 : 0, r.stderr);
      // The uncovered are exactly the testable requirements no vector cites.
      assert.deepEqual(
        c.uncovered,
        c.requirements.filter((x) => !x.untestable && x.vectors.length === 0).map((x) => x.id),
      );
      assert.equal(c.totals.covered + c.uncovered.length, c.totals.testable);
      // Sections come in RFC order, whatever file of the index they are in.
      const order = c.sections.map((s) => s.section);
      assert.deepEqual(order.slice(0, 2), ['3.1', '3.2']);
    });
  }

  it('the packet-level vectors cover every testable requirement of §3.2, §3.3, §3.3.1 and §3.3.2 (a guard against lost citations; issue 13 wants all of them covered)', async () => {
    const { coverage: all } = await coverage({ suites: ['mptcp'], out: tempDir() });
    const c = all[0]!;
    for (const s of c.sections.filter((x) => ['3.2', '3.3', '3.3.1', '3.3.2'].includes(x.section)))
      assert.equal(s.covered, s.testable, `§${s.section}: ${s.uncovered.join(' ')}`);
  });

  it('a run of the reference records the coverage of its selection in results.json and matrix.md', async function () {
    if (process.getuid?.() !== 0) return skipWithReason(this, 'the reference MPTCP target needs root for its network namespace');
    if (!existsSync('/dev/net/tun')) return skipWithReason(this, 'no /dev/net/tun');
    const out = tempDir();
    const file = join(VECTORS_DIR, 'mptcp', 'addr.json');
    const code = await runCommand({ suites: ['mptcp'], targets: ['reference'], vectors: [file], out, quiet: true });
    assert.equal(code, 0);
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
    const cov = run.coverage!.find((x) => x.suite === 'mptcp')!;
    assert.equal(cov.doc, 'rfc8684');
    // Covered: the ids addr.json cites, and nothing else.
    const cited = new Set((JSON.parse(readFileSync(file, 'utf8')) as { vectors: { requirements: string[] }[] }).vectors.flatMap((v) => v.requirements));
    assert.equal(cov.totals.covered, cited.size);
    const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
    assert.match(matrix, /### Requirements coverage: rfc8684/);
    assert.match(matrix, /\| \[§3\.4\.1\]\(https:\/\/www\.rfc-editor\.org\/rfc\/rfc8684\.html#section-3\.4\.1\) Address Advertisement \| \d+\/\d+ \| 0 \|/);
    // An interop suite's matrix (grids of client and server pairs) shows its coverage too: the same run, as pairs.
    const pairs: RunResults = {
      ...run,
      run: { ...run.run, suites: ['mptcp-interop'] },
      vectors: run.vectors.map((v) => ({ ...v, suite: 'mptcp-interop', roles: ['client', 'server'] })),
      results: run.results.map((r) => ({ ...r, suite: 'mptcp-interop', roles: { client: r.targetId, server: r.targetId } })),
      coverage: run.coverage!.map((x) => ({ ...x, suite: 'mptcp-interop' })),
    };
    assert.match(matrixMarkdown(pairs), /## mptcp-interop\n\n[^\n]+pairs passed[^\n]+\n\n### Requirements coverage: rfc8684\n/);
  });
});
