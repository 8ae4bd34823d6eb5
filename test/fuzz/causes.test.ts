// The cookie fuzzer's clusters mean one cause each (runner/fuzz/engine.ts, decompose), clock advances leave out the
// targets without a clock, and a run bounded by time is repeated by a budget. Real adapters throughout.
import assert from 'node:assert/strict';
import { runFuzz, type FuzzOptions } from '../../runner/fuzz/command.js';
import type { FuzzSuite } from '../../runner/fuzz/interface.js';
import type { FuzzReport } from '../../runner/fuzz/report.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { fuzzSuite } from '../../suites/cookies/fuzz/index.js';
import type { CookieScenario } from '../../suites/cookies/fuzz/scenario.js';
import { tempDir } from '../helpers.js';

const base = (targets: string[]): FuzzOptions => ({
  targets,
  seed: 1,
  out: tempDir(),
  driver: 'local',
  timeoutMs: 30_000,
  batch: 10,
  minimise: 20,
  shrinkRounds: 60,
  quiet: true,
});

const scenario = (...requests: CookieScenario['requests']): CookieScenario => ({ from: 'test', requests });
const only = (scenarios: CookieScenario[]): FuzzSuite<CookieScenario> => ({ ...fuzzSuite, generate: (_seed, i) => scenarios[i]! });
const lines = (s: unknown) => (s as CookieScenario).requests.flatMap((r) => r.setCookie);

describe('fuzz: a cluster is one cause', function () {
  this.timeout(600_000);

  it('two disagreements with the same cause (a nameless cookie) and different noise land in one cluster', async () => {
    // The same cause: "=abc" makes a nameless cookie, which the reference sends and tough-cookie drops. The noise
    // (a DQUOTE in one, a long value in the other, other paths and requests), on which both agree, is what the input's
    // features saw: keyed on the whole scenario, these were two clusters.
    const scenarios = [
      scenario({ url: 'http://example.com/a/b', setCookie: ['x="1"; Path=/', '=abc; Max-Age=3600'] }, { url: 'http://example.com/a/b', setCookie: [] }),
      scenario(
        { url: 'http://example.com/', setCookie: ['=abc', `y=${'v'.repeat(1100)}`] },
        { url: 'http://example.com/', setCookie: ['z=3; Path=/'] },
        { url: 'http://example.com/', setCookie: [] },
      ),
    ];
    const { report } = await runFuzz(only(scenarios), { ...base(['reference', 'tough-cookie']), budget: 2 });
    assert.equal(report.disagreements, 2);
    const shown = JSON.stringify(report.clusters.map((c) => [c.members, c.features, c.minimised.text]));
    assert.equal(report.clusters.length, 1, shown);
    const c = report.clusters[0]!;
    assert.deepEqual(c.members, [0, 1]);
    assert.ok(c.decomposed && c.minimised.complete, shown);
    // Cut down to a nameless cookie of an octet or two ("a" or "=a": which one is delta debugging's order).
    const [only1, ...more] = lines(c.minimised.scenario);
    assert.equal(more.length, 0, c.minimised.text);
    assert.ok(typeof only1 === 'string' && only1.length <= 2, c.minimised.text);
    assert.ok(
      c.features.every((f) => ['no-equals', 'empty-name'].includes(f)),
      shown,
    );
  });

  it('a disagreement with two causes, each tripping another target, lands in two clusters, one per cause', async () => {
    // A lone DQUOTE is a nameless cookie that the reference sends and tough-cookie drops; a host-only cookie of
    // www.example.com is not for sub.www.example.com (§5.8.3), which python-cookiejar sends it to. One scenario with
    // both, and each alone: keyed on the whole scenario, the first was a cluster of its own.
    const both = [
      scenario(
        { url: 'http://www.example.com/', setCookie: ['"', 'h=1'] },
        { url: 'http://sub.www.example.com/a/', setCookie: [] },
        { url: 'http://www.example.com/', setCookie: [] },
      ),
      scenario({ url: 'http://www.example.com/', setCookie: ['"'] }, { url: 'http://www.example.com/', setCookie: [] }),
      scenario({ url: 'http://www.example.com/', setCookie: ['h=1'] }, { url: 'http://sub.www.example.com/a/', setCookie: [] }),
    ];
    const targets = ['reference', 'tough-cookie', 'python-cookiejar'];
    const { report } = await runFuzz(only(both), { ...base(targets), budget: 3 });
    const shown = JSON.stringify(report.clusters.map((c) => [c.members, c.features, c.minimised.text]));
    assert.equal(report.disagreements, 3);
    assert.equal(report.clusters.length, 2, shown);
    const members = report.clusters.map((c) => c.members).sort();
    assert.deepEqual(members, [
      [0, 1],
      [0, 2],
    ]);
    for (const c of report.clusters) assert.ok(c.decomposed, shown);
  });
});

describe('fuzz: clock advances', function () {
  this.timeout(600_000);

  it('a scenario with a clock advance leaves out a target without a clock, instead of counting it as disagreeing', async function () {
    const go = discoverTargets().find((t) => t.id === 'go-cookiejar')!;
    const missing = missingRequirement(go);
    if (missing) {
      process.stdout.write(`      skipped: go-cookiejar is not available here: ${missing} (targets/install-packages.sh go-cookiejar)\n`);
      this.skip();
    }
    const scenarios = [
      // A cookie of Max-Age=1, two seconds later: gone at the reference and at tough-cookie. go-cookiejar, on the
      // real clock, would still send it: it must be left out, not found disagreeing.
      scenario({ url: 'http://example.com/', setCookie: ['a=1; Max-Age=1'] }, { url: 'http://example.com/', setCookie: [], advance: 2 }),
      // A disagreement (the nameless cookie) with an advance: the partition leaves go-cookiejar out too.
      scenario({ url: 'http://example.com/', setCookie: ['=abc; Max-Age=3600'] }, { url: 'http://example.com/', setCookie: [], advance: 60 }),
      // Without an advance, go-cookiejar takes part.
      scenario({ url: 'http://example.com/', setCookie: ['=abc; Max-Age=3600'] }, { url: 'http://example.com/', setCookie: [] }),
    ];
    const { report } = await runFuzz(only(scenarios), { ...base(['reference', 'tough-cookie', 'go-cookiejar']), budget: 3, minimise: 0 });
    assert.equal(report.disagreements, 2, JSON.stringify(report.clusters.map((c) => [c.members, c.partition, c.excluded])));
    const clocked = report.clusters.find((c) => c.members.includes(1))!;
    assert.deepEqual(clocked.excluded, ['go-cookiejar']);
    assert.ok(!clocked.partition.some((g) => g.targets.includes('go-cookiejar')));
    assert.ok(clocked.features.includes('clock'));
    assert.equal((clocked.vector as { requests: { advance?: number }[] }).requests[1]!.advance, 60);
    const real = report.clusters.find((c) => c.members.includes(2))!;
    assert.deepEqual(real.excluded, []);
  });

  it('generated scenarios carry clock advances, after the first request, of the listed lengths', () => {
    const all = Array.from({ length: 400 }, (_, i) => fuzzSuite.generate(1, i));
    const advanced = all.filter((s) => s.requests.some((r) => r.advance));
    assert.ok(advanced.length > 40 && advanced.length < 160, `${advanced.length} of 400`);
    for (const s of advanced) {
      assert.equal(s.requests[0]!.advance, undefined);
      assert.equal(s.requests.filter((r) => r.advance).length, 1);
      assert.ok(fuzzSuite.features(s).includes('clock'));
    }
  });
});

describe('fuzz: what is deterministic', function () {
  this.timeout(600_000);

  /** What a run decided, without its timings. */
  const decided = (r: FuzzReport) => ({
    scenarios: r.scenarios,
    disagreements: r.disagreements,
    clusters: r.clusters.map((c) => ({ members: c.members, features: c.features, partition: c.partition, min: c.minimised.text })),
  });

  it('a run bounded by time ran scenarios 0..n-1 of its seed and r rounds of minimising; a budget of n and r rounds give the same clusters', async () => {
    const targets = ['reference', 'tough-cookie', 'python-cookiejar'];
    const timed = (await runFuzz(fuzzSuite, { ...base(targets), seed: 3, timeS: 1, batch: 10, minimise: 5, shrinkRounds: 10 })).report;
    assert.ok(timed.scenarios >= 10 && timed.scenarios % 10 === 0, `whole batches: ${timed.scenarios}`);
    assert.equal(timed.timeS, 1);
    const rounds = timed.phases.minimise!.rounds;
    const counted = (
      await runFuzz(fuzzSuite, { ...base(targets), seed: 3, budget: timed.scenarios, batch: 10, minimise: 5, shrinkRounds: 10, minimiseRounds: rounds })
    ).report;
    assert.deepEqual(decided(counted), decided(timed));
  });
});
