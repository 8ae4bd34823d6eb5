// Gating releases and publishing: shards merged give the unsharded run;
// expectations exit 0 on known failures and 1 on new failures and unexpected
// passes; retries report flaky vectors; diff finds a planted regression; and
// results.json carries the run's provenance.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand, type RunOptions } from '../../runner/run.js';
import { cli, FIXTURES, readRun, ROOT, tempDir, verdicts } from '../helpers.js';

const COOKIES = join(ROOT, 'vectors', 'cookies');
const run = (o: Partial<RunOptions>) =>
  runCommand({ suites: ['cookies'], targets: ['reference', 'tough-cookie'], vectors: [COOKIES], out: tempDir(), quiet: true, ...o });
const verdictSet = (r: RunResults) => r.results.map((x) => `${x.targetId} ${x.vectorId} ${x.verdict}`).sort();

describe('publishing and gating', function () {
  this.timeout(300_000);

  describe('shards', () => {
    let whole = '';
    const shards: string[] = [];
    before(async () => {
      whole = tempDir();
      await run({ out: whole });
      for (let i = 1; i <= 3; i++) {
        const out = tempDir();
        await run({ out, shard: { index: i, count: 3 } });
        shards.push(out);
      }
    });

    it('split the vectors three ways, each vector in exactly one shard, on every target', () => {
      const parts = shards.map((s) => readRun(s));
      const ids = parts.map((p) => new Set(p.results.map((r) => r.vectorId)));
      const all = new Set(readRun(whole).results.map((r) => r.vectorId));
      assert.equal(
        ids.reduce((n, s) => n + s.size, 0),
        all.size,
      );
      for (const s of ids) assert.ok(s.size >= Math.floor(all.size / 3) && s.size <= Math.ceil(all.size / 3), `shard of ${s.size} of ${all.size}`);
      for (const p of parts) assert.deepEqual(p.run.shard?.count, 3);
      assert.ok(
        parts.every((p) => p.run.vectorSetHash === readRun(whole).run.vectorSetHash),
        'every shard names the whole vector set',
      );
    });

    it('merge into the results of the unsharded run, and regenerate every report', () => {
      const out = tempDir();
      const r = cli(['merge', ...shards, '--out', out, '--quiet']);
      assert.equal(r.status, 1, r.stderr); // tough-cookie fails some vectors, as in the unsharded run
      const merged = readRun(out);
      const unsharded = readRun(whole);
      assert.deepEqual(verdictSet(merged), verdictSet(unsharded));
      assert.deepEqual(
        merged.vectors.map((v) => v.id),
        unsharded.vectors.map((v) => v.id),
      );
      assert.deepEqual(
        merged.results.map((x) => `${x.targetId} ${x.vectorId}`),
        unsharded.results.map((x) => `${x.targetId} ${x.vectorId}`),
        'in the same order',
      );
      assert.deepEqual(merged.run.mergedFrom, shards);
      assert.equal(merged.run.shard, undefined);
      // The Markdown matrix made from the merge is the unsharded one, but for the header lines.
      const body = (dir: string) => readFileSync(join(dir, 'matrix.md'), 'utf8').split('\n').slice(6).join('\n');
      assert.equal(body(out), body(whole));
      assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuite[^>]*name="tough-cookie"/);
    });

    it('refuse to merge a shard twice, or runs of different vector sets', async () => {
      const twice = cli(['merge', shards[0]!, shards[0]!, '--out', tempDir()]);
      assert.equal(twice.status, 2);
      assert.match(twice.stderr, /shard 1\/3 is given twice/);
      const other = tempDir();
      await run({ out: other, vectors: [join(COOKIES, 'dates.json')], shard: { index: 2, count: 3 } });
      const mixed = cli(['merge', shards[0]!, other, '--out', tempDir()]);
      assert.equal(mixed.status, 2);
      assert.match(mixed.stderr, /another vector set/);
    });
  });

  describe('expectations', () => {
    let file = '';
    let dir = '';
    before(async () => {
      dir = tempDir();
      file = join(dir, 'tough-cookie.json');
      const code = await run({ targets: ['tough-cookie'], updateExpectations: file });
      assert.equal(code, 1, 'tough-cookie fails some vectors');
    });

    it('are written from a run: every failure, with its reason', () => {
      const e = JSON.parse(readFileSync(file, 'utf8')) as { target: string; failures: Record<string, { reason: string }> };
      assert.equal(e.target, 'tough-cookie');
      const failures = Object.keys(e.failures);
      assert.ok(failures.length > 0);
      assert.ok(failures.every((id) => e.failures[id]!.reason.length > 0));
      assert.deepEqual([...failures].sort(), failures, 'sorted, so that the file diffs well');
    });

    it('gate with exit 0 when only known failures fail', async () => {
      const out = tempDir();
      assert.equal(await run({ targets: ['tough-cookie'], out, expectations: [file] }), 0);
      const r = readRun(out);
      assert.ok(r.results.some((x) => x.expectation?.expected === 'fail' && x.expectation.outcome === 'expected'));
      assert.deepEqual(r.run.expectations, [file]);
    });

    it('gate with exit 1 on a new failure and on an unexpected pass, each listed on its own', async () => {
      const e = JSON.parse(readFileSync(file, 'utf8')) as { target: string; failures: Record<string, { reason: string; link?: string }> };
      const [forgotten] = Object.keys(e.failures);
      delete e.failures[forgotten!];
      const passing = readRun(await runTo({ targets: ['tough-cookie'] })).results.find((x) => x.verdict === 'pass')!.vectorId;
      e.failures[passing] = { reason: 'thought to be broken', link: 'https://example.org/issue/1' };
      const edited = join(dir, 'edited.json');
      writeFileSync(edited, JSON.stringify(e));
      const out = tempDir();
      assert.equal(await run({ targets: ['tough-cookie'], out, expectations: [edited] }), 1);
      const r = readRun(out);
      const outcome = (id: string) => r.results.find((x) => x.vectorId === id)!.expectation!.outcome;
      assert.equal(outcome(forgotten!), 'new-failure');
      assert.equal(outcome(passing), 'unexpected-pass');
      const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
      assert.match(matrix, /### New failures\n\n- ❌ `[^`]+` on tough-cookie/);
      assert.ok(matrix.split('### New failures')[1]!.split('###')[0]!.includes(forgotten!));
      assert.ok(matrix.split('### Unexpected passes')[1]!.includes(passing));
    });

    it('reject a malformed expectations file with its file, line and pointer, before running', () => {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{\n  "target": "tough-cookie",\n  "failures": { "cookies/parse/x": { "why": "no reason" } }\n}\n');
      const r = cli(['run', '--suite', 'cookies', '--target', 'tough-cookie', '--expectations', bad, '--out', tempDir()]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /bad\.json:3:\d+ at \/failures\/cookies~1parse~1x: /);
    });
  });

  it('reports a vector that passes on a retry as flaky, never as a plain pass', async () => {
    const out = tempDir();
    const code = await runCommand({
      suites: ['cookies'],
      targets: ['faulty'],
      vectors: [join(FIXTURES, 'vectors', 'retries.json')],
      out,
      quiet: true,
      targetDirs: [join(FIXTURES, 'targets')],
      retries: 2,
    });
    const r = readRun(out);
    const v = verdicts(r, 'faulty');
    assert.equal(v['cookies/retries/ok'], 'pass');
    assert.equal(v['cookies/retries/flaky'], 'flaky');
    assert.equal(v['cookies/retries/wrong'], 'fail');
    const flaky = r.results.find((x) => x.vectorId === 'cookies/retries/flaky')!;
    assert.equal(flaky.attempts?.length, 1);
    assert.equal(flaky.attempts![0]!.verdict, 'fail');
    assert.equal(r.results.find((x) => x.vectorId === 'cookies/retries/wrong')!.attempts?.length, 2);
    assert.equal(code, 1, 'the vector that always fails');
    assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /name="flaky" value="passed on attempt 2"/);
  });

  it('diff reports a planted regression with exit 1, and nothing for a run against itself', async () => {
    const old = tempDir();
    const vectors = join(tempDir(), 'v.json');
    const source = JSON.parse(readFileSync(join(FIXTURES, 'vectors', 'retries.json'), 'utf8')) as { vectors: { id: string }[] };
    source.vectors = source.vectors.filter((v) => !v.id.endsWith('/flaky'));
    writeFileSync(vectors, JSON.stringify(source));
    const opts = { suites: ['cookies'], targets: ['faulty'], quiet: true, targetDirs: [join(FIXTURES, 'targets')] };
    await runCommand({ ...opts, vectors: [vectors], out: old });
    // The planted regression: the same vectors, with the expectation of "ok" changed so that the target now fails it.
    const broken = JSON.parse(JSON.stringify(source)) as { vectors: { id: string; requests: { cookie: string | null }[] }[] };
    broken.vectors.find((v) => v.id.endsWith('/ok'))!.requests[1]!.cookie = 'a=c';
    const brokenFile = join(tempDir(), 'v.json');
    writeFileSync(brokenFile, JSON.stringify(broken));
    const regressed = tempDir();
    await runCommand({ ...opts, vectors: [brokenFile], out: regressed });
    assert.equal(cli(['diff', old, old]).status, 0, 'a run against itself: nothing changed');
    const d = cli(['diff', old, regressed]);
    assert.equal(d.status, 1);
    assert.match(d.stdout, /Regressions \(1\)\n {2}faulty {2}cookies\/retries\/ok: pass -> fail/);
    assert.match(d.stdout, /Version changes \(1\)\n {2}vector set: /);
    const json = JSON.parse(cli(['diff', old, regressed, '--json']).stdout) as { regressions: { vectorId: string }[]; fixes: unknown[] };
    assert.deepEqual(
      json.regressions.map((x) => x.vectorId),
      ['cookies/retries/ok'],
    );
    assert.deepEqual(json.fixes, []);
  });

  it("records the run's provenance in results.json", async () => {
    const out = tempDir();
    await run({ targets: ['reference'], vectors: [join(COOKIES, 'dates.json')], out, seed: 42, jobs: 1 });
    const r = readRun(out);
    assert.equal(r.run.harness.name, 'conformatrix');
    assert.equal(r.run.harness.version, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    assert.match(r.run.vectorSetHash!, /^[0-9a-f]{64}$/);
    assert.ok(r.run.kernel!.endsWith(release()));
    assert.equal(r.run.seed, 42);
    assert.equal(r.run.jobs, 1);
    assert.equal(r.run.profile, 'rfc6265bis');
    assert.ok(Date.parse(r.run.startedAt) <= Date.parse(r.run.finishedAt));
    const ref = r.targets.find((t) => t.id === 'reference')!;
    assert.ok(ref.implementation?.version);
  });
});

async function runTo(o: Partial<RunOptions>): Promise<string> {
  const out = tempDir();
  await run({ ...o, out });
  return out;
}
