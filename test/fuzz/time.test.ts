// `fuzz --suite cookies` across all local targets and within its time (issue 18, docs/fuzz.md "Time" and "Browsers"):
// the default target set has the browsers, --time bounds fuzzing and minimising together and is repeated by a budget
// and a number of rounds, and a target that hangs does not stop a run bounded by time. Real adapters throughout.
// Nothing here asserts on how fast the machine is: the runs' own reports say what each phase did and why it stopped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFuzz, type FuzzOptions } from '../../runner/fuzz/command.js';
import { GENERATE_SHARE } from '../../runner/fuzz/engine.js';
import type { FuzzReport } from '../../runner/fuzz/report.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { fuzzSuite } from '../../suites/cookies/fuzz/index.js';
import { cli, FIXTURES, ROOT, tempDir } from '../helpers.js';

const base = (targets: string[]): FuzzOptions => ({
  targets,
  seed: 1,
  out: tempDir(),
  driver: 'local',
  timeoutMs: 10_000,
  batch: 10,
  minimise: 50,
  shrinkRounds: 60,
  quiet: true,
});

/** What a run decided, without its timings. */
const decided = (r: FuzzReport) => ({
  scenarios: r.scenarios,
  disagreements: r.disagreements,
  clusters: r.clusters.map((c) => ({ members: c.members, features: c.features, partition: c.partition, min: c.minimised.text, decomposed: c.decomposed })),
});

describe('fuzz: all local targets, browsers included, by default', function () {
  this.timeout(600_000);

  it('with no --target every cookie target that can run here takes part, the browsers too; the others are named with their reason', function () {
    const cookieTargets = discoverTargets().filter((t) => t.manifest.suites.includes('cookies'));
    const browsers = cookieTargets.filter((t) => t.manifest.userAgentClass === 'browser' && !missingRequirement(t)).map((t) => t.id);
    if (!browsers.length) {
      process.stdout.write('      skipped: no browser is installed here (targets/install-packages.sh chromium firefox webkit)\n');
      this.skip();
    }
    const out = tempDir();
    const r = cli(['fuzz', '--suite', 'cookies', '--budget', '2', '--seed', '1', '--minimise', '0', '--out', out], { timeout: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(join(out, 'fuzz.json'), 'utf8')) as FuzzReport;
    // Every cookie target is either fuzzed or listed as unavailable with a reason; the browsers that are here ran both scenarios.
    assert.deepEqual([...report.targets, ...report.unavailable.map((u) => u.id)].sort(), cookieTargets.map((t) => t.id).sort());
    for (const u of report.unavailable) assert.ok(u.reason.length > 0, u.id);
    for (const b of browsers) {
      assert.ok(report.targets.includes(b), `${b} is fuzzed by default`);
      assert.equal(report.throughput.perTarget.find((t) => t.target === b)!.runs, 2, b);
    }
    if (report.unavailable.length) assert.match(r.stderr, /^unavailable: /m);
  });
});

describe('fuzz: --time bounds the whole run', function () {
  this.timeout(600_000);

  it('--time 30: fuzzing stops at its share of the time, minimising at the end, the largest clusters first; a budget and --minimise-rounds repeat it', async () => {
    const targets = ['reference', 'tough-cookie', 'python-cookiejar'];
    const timed = (await runFuzz(fuzzSuite, { ...base(targets), timeS: 30 })).report;
    const phases = timed.phases;
    const shown = JSON.stringify({ phases, scenarios: timed.scenarios });
    // Fuzzing ended by the time, at a batch's end, and never ran into minimising's share (past the first batch, which
    // always runs): a batch that would not fit is not started, and one still running at the share's end is dropped.
    assert.equal(phases.fuzz.stop, 'time', shown);
    assert.ok(timed.scenarios >= 10 && timed.scenarios % 10 === 0, shown);
    // The margins are the design's, not a speed: what was in flight ends within one --timeout (10 s), and 5 s more
    // is for the scheduler to record the rest of the batch as skipped.
    if (timed.scenarios > 10) assert.ok(phases.fuzz.seconds <= 30 * GENERATE_SHARE + 10 + 5, shown);
    // Minimising ran in what was left and stopped by the time (or had nothing left to do); the whole is 30 s and at
    // most one scenario's --timeout (10 s) for what was in flight at the end.
    assert.ok(phases.minimise, shown);
    assert.ok(['time', 'done'].includes(phases.minimise.stop), shown);
    assert.ok(phases.fuzz.seconds + phases.minimise.seconds <= 30 + 10 + 5, shown);
    // Clusters not cut down say why; those cut down are the largest ones (before the time ran out).
    for (const c of timed.clusters.filter((c) => !c.decomposed))
      assert.ok(['time ran out', 'beyond --minimise', 'no cause came back'].includes(c.uncut!), c.id);
    // The repeat command names the scenarios, and the rounds when the time cut minimising short (a minimising that was
    // done needs no cap: on a quiet machine three fast targets finish it); run as such, it decides the same.
    const cut = phases.minimise.stop !== 'done';
    assert.match(timed.repeat, new RegExp(`--budget ${timed.scenarios} --seed 1 `));
    if (cut) assert.match(timed.repeat, new RegExp(`--minimise-rounds ${phases.minimise.rounds}\\b`));
    else assert.doesNotMatch(timed.repeat, /--minimise-rounds/);
    const counted = (await runFuzz(fuzzSuite, { ...base(targets), budget: timed.scenarios, ...(cut ? { minimiseRounds: phases.minimise.rounds } : {}) }))
      .report;
    assert.deepEqual(decided(counted), decided(timed));
    assert.equal(counted.phases.fuzz.stop, 'budget');
    assert.equal(counted.phases.minimise!.rounds, phases.minimise.rounds);
  });

  it('under --time, a target that hangs gets a timeout for each scenario it hangs on, and the run goes on to its time', async () => {
    const out = tempDir();
    const { report } = await runFuzz(fuzzSuite, {
      ...base(['reference', 'hanging']),
      out,
      targetDirs: [join(ROOT, 'targets', 'reference'), join(FIXTURES, 'fuzz-targets', 'hanging')],
      timeS: 20,
      timeoutMs: 1000,
      batch: 5,
      minimise: 0,
    });
    const shown = JSON.stringify({ phases: report.phases, scenarios: report.scenarios });
    // Seed 1 has DEL octets in some of its first scenarios: the hanging adapter's scenarios end as timeouts...
    assert.ok(
      report.clusters.some((c) => c.partition.some((g) => g.targets.includes('hanging') && g.observation === 'timeout')),
      shown,
    );
    // ...and the fuzzing went on past them, batch after batch, until its time was up (not minimising: all of it).
    assert.equal(report.phases.fuzz.stop, 'time', shown);
    assert.ok(report.scenarios > 5, shown);
    assert.equal(report.phases.minimise!.stop, 'done', shown);
  });
});

describe('fuzz: a target whose adapter does not start', function () {
  this.timeout(600_000);

  it('is left out of each scenario (named in the cluster as unable to run it), not counted as disagreeing on every one', async () => {
    // Reference and tough-cookie agree on "a=1" and part on "=x" (a nameless cookie); no-start's adapter exits at once.
    const scenarios = ['a=1', '=x', 'b=2'].map((line) => ({
      from: 'test',
      requests: [
        { url: 'http://example.com/', setCookie: [line] },
        { url: 'http://example.com/', setCookie: [] },
      ],
    }));
    const { report } = await runFuzz(
      { ...fuzzSuite, generate: (_seed, i) => scenarios[i]! },
      {
        ...base(['reference', 'tough-cookie', 'no-start']),
        targetDirs: [join(ROOT, 'targets', 'reference'), join(ROOT, 'targets', 'tough-cookie'), join(FIXTURES, 'fuzz-targets', 'no-start')],
        budget: 3,
        minimise: 0,
      },
    );
    assert.equal(report.disagreements, 1, JSON.stringify(report.clusters.map((c) => c.partition)));
    assert.deepEqual(report.clusters[0]!.members, [1]);
    assert.deepEqual(report.clusters[0]!.excluded, ['no-start']);
    assert.ok(!report.clusters[0]!.partition.some((g) => g.targets.includes('no-start')));
  });
});
