// `conformatrix fuzz --suite cookies`: deterministic scenarios and clusters, delta debugging of a real
// disagreement, reports that validate, and a hanging target that ends as a timeout. Real adapters throughout.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFuzz, type FuzzOptions } from '../../runner/fuzz/command.js';
import type { FuzzReport } from '../../runner/fuzz/report.js';
import type { FuzzSuite } from '../../runner/fuzz/interface.js';
import { fuzzSuite } from '../../suites/cookies/fuzz/index.js';
import type { CookieScenario } from '../../suites/cookies/fuzz/scenario.js';
import { usable } from '../../suites/cookies/fuzz/scenario.js';
import { cli, FIXTURES, ROOT, tempDir } from '../helpers.js';

const base = (out: string): FuzzOptions => ({
  targets: ['reference', 'tough-cookie', 'python-cookiejar'],
  seed: 7,
  out,
  driver: 'local',
  timeoutMs: 10_000,
  batch: 10,
  minimise: 3,
  shrinkRounds: 8,
  quiet: true,
});

/** What a run decided, without its timings: the scenarios' clusters and minimised inputs. */
function decided(r: FuzzReport) {
  return {
    scenarios: r.scenarios,
    clusters: r.clusters.map((c) => ({ members: c.members, features: c.features, partition: c.partition, min: c.minimised.text, vector: c.vector })),
  };
}

describe('fuzz: cookie scenarios', function () {
  this.timeout(300_000);

  it('scenario i of a seed is the same each time, whatever was generated before it; another seed gives others', () => {
    const first = Array.from({ length: 300 }, (_, i) => fuzzSuite.generate(1, i));
    const again = Array.from({ length: 300 }, (_, i) => fuzzSuite.generate(1, 299 - i)).reverse();
    assert.deepEqual(again, first);
    const other = Array.from({ length: 300 }, (_, i) => fuzzSuite.generate(2, i));
    assert.ok(other.filter((s, i) => JSON.stringify(s) === JSON.stringify(first[i])).length < 10);
    assert.ok(first.every(usable));
    // Both sources are used: the grammar and mutations of the project's vectors.
    assert.ok(first.some((s) => s.from === 'grammar') && first.some((s) => s.from.startsWith('mutation of cookies/')));
  });

  describe('two runs of one seed and budget on real targets', () => {
    let a: FuzzReport;
    let b: FuzzReport;
    let outA: string;
    before(async () => {
      outA = tempDir();
      a = (await runFuzz(fuzzSuite, { ...base(outA), budget: 30 })).report;
      b = (await runFuzz(fuzzSuite, { ...base(tempDir()), budget: 30 })).report;
    });

    it('run the same scenarios and find the same clusters, minimised alike', () => {
      assert.equal(a.scenarios, 30);
      assert.ok(a.clusters.length > 0, 'three cookie engines disagree somewhere in 30 scenarios');
      assert.deepEqual(decided(b), decided(a));
    });

    it('write fuzz.json, fuzz.md and fuzz.html, clusters by size, the reference marked', () => {
      const json = JSON.parse(readFileSync(join(outA, 'fuzz.json'), 'utf8')) as FuzzReport;
      assert.equal(json.format, 'conformatrix-fuzz');
      assert.deepEqual(decided(json), decided(a));
      const sizes = json.clusters.map((c) => c.size);
      assert.deepEqual(
        sizes,
        [...sizes].sort((x, y) => y - x),
      );
      for (const c of json.clusters) assert.equal(c.partition.filter((g) => g.reference).length, 1);
      const md = readFileSync(join(outA, 'fuzz.md'), 'utf8');
      const html = readFileSync(join(outA, 'fuzz.html'), 'utf8');
      for (const c of json.clusters) {
        assert.ok(md.includes(`## ${c.id}:`));
        assert.ok(html.includes(`<section id="${c.id}">`));
      }
      assert.match(md, /\*\*reference\*\* \(reference\)/);
      assert.ok(!existsSync(join(outA, 'fuzz.json.tmp')));
    });

    it('propose vectors that validate, flagged generated, expecting what the reference sent', () => {
      const vectors = a.clusters.map((c) => c.vector);
      assert.ok(vectors.every((v) => (v as { flags: string[] }).flags.includes('generated')));
      const file = join(tempDir(), 'proposed.json');
      writeFileSync(file, JSON.stringify({ $schema: '../schema/cookie-vectors.schema.json', vectors }, null, 2));
      const r = cli(['validate', file]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      // Each proposed vector passes on the reference: its expectation is the reference's outcome.
      const run = cli(['run', '--suite', 'cookies', '--target', 'reference', '--vectors', file, '--out', tempDir(), '--reporter', 'dot']);
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  });

  it('delta debugging cuts a real disagreement (a nameless cookie: reference against tough-cookie) to a line of one or two octets', async () => {
    const padded: CookieScenario = {
      from: 'test',
      requests: [
        { url: 'http://example.com/a/b', setCookie: ['x=1; Path=/; HttpOnly', '=abc; Max-Age=3600; Path=/', 'y=2; SameSite=Lax'] },
        { url: 'http://example.com/a/b', setCookie: ['z=3'] },
        { url: 'http://example.com/a/b', setCookie: [] },
      ],
    };
    const fs: FuzzSuite<CookieScenario> = { ...fuzzSuite, generate: () => padded };
    const { report } = await runFuzz(fs, { ...base(tempDir()), targets: ['reference', 'tough-cookie'], budget: 1, minimise: 1, shrinkRounds: 200 });
    assert.equal(report.clusters.length, 1);
    const c = report.clusters[0]!;
    // Split as the padded input split them: the reference alone sends the nameless cookie.
    assert.deepEqual(
      c.partition.map((g) => g.targets),
      [['reference'], ['tough-cookie']],
    );
    const min = c.minimised.scenario as CookieScenario;
    assert.ok(c.minimised.complete, 'ran to a 1-minimal input');
    assert.ok(c.minimised.size < c.original.size);
    const lines = min.requests.flatMap((r) => r.setCookie);
    assert.equal(lines.length, 1, JSON.stringify(min));
    assert.ok((lines[0] as string).length <= 2, JSON.stringify(min));
    assert.equal(min.requests.length, 2, 'one request to set, one to send');
    const sent = c.partition.find((g) => g.reference)!.observation;
    assert.match(sent, new RegExp(`2: "${(lines[0] as string).replace(/^=/, '')}"`));
  });

  it('a target that hangs on a scenario gives a timeout for it, and the run goes on', async () => {
    const scenarios: CookieScenario[] = [
      {
        from: 'test',
        requests: [
          { url: 'http://example.com/', setCookie: ['a=1'] },
          { url: 'http://example.com/', setCookie: [] },
        ],
      },
      {
        from: 'test',
        requests: [
          { url: 'http://example.com/', setCookie: ['b=\x7f2'] },
          { url: 'http://example.com/', setCookie: [] },
        ],
      },
      {
        from: 'test',
        requests: [
          { url: 'http://example.com/', setCookie: ['c=3'] },
          { url: 'http://example.com/', setCookie: [] },
        ],
      },
    ];
    const fs: FuzzSuite<CookieScenario> = { ...fuzzSuite, generate: (_seed, i) => scenarios[i]! };
    const began = Date.now();
    const { report } = await runFuzz(fs, {
      ...base(tempDir()),
      targets: ['reference', 'hanging'],
      targetDirs: [join(ROOT, 'targets', 'reference'), join(FIXTURES, 'fuzz-targets', 'hanging')],
      budget: 3,
      timeoutMs: 1000,
      minimise: 1,
      shrinkRounds: 3,
    });
    assert.equal(report.scenarios, 3);
    assert.equal(report.clusters.length, 1, 'only the scenario with DEL splits them');
    const c = report.clusters[0]!;
    assert.deepEqual(c.members, [1]);
    // The partition as shown is what each group did on the minimised input, which keeps the DEL octet.
    assert.deepEqual(
      c.partition.map((g) => g.targets),
      [['hanging'], ['reference']],
    );
    assert.equal(c.partition[0]!.observation, 'timeout');
    assert.match(c.partition[1]!.observation, /^1: \(none\)/);
    assert.ok((c.minimised.scenario as CookieScenario).requests.some((r) => r.setCookie.some((l) => typeof l === 'string' && l.includes('\x7f'))));
    // Bounded by the timeouts (one per hanging run), not by a hang.
    assert.ok(Date.now() - began < 120_000);
  });

  it('a batch cut short by an interruption is not counted: the report covers the batches that ran in full', async () => {
    const controller = new AbortController();
    const two = {
      from: 'test',
      requests: [
        { url: 'http://example.com/', setCookie: ['=x'] },
        { url: 'http://example.com/', setCookie: [] },
      ],
    };
    // The interruption comes while the second batch is being made (scenario 2), so that batch runs with the signal raised.
    const fs: FuzzSuite<CookieScenario> = {
      ...fuzzSuite,
      generate: () => two,
      toVector: (s, id) => {
        if (id.endsWith('/2')) controller.abort();
        return fuzzSuite.toVector(s, id);
      },
    };
    const { report } = await runFuzz(fs, {
      ...base(tempDir()),
      targets: ['reference', 'tough-cookie'],
      budget: 4,
      batch: 2,
      minimise: 0,
      signal: controller.signal,
    });
    assert.equal(report.scenarios, 2);
    assert.deepEqual(
      report.throughput.perTarget.map((t) => t.runs),
      [2, 2],
    );
    assert.equal(report.clusters.length, 1);
    assert.deepEqual(report.clusters[0]!.members, [0, 1]);
  });
});
