// The real browsers' runs of cookie vectors, as the browser tests check them: the browser is here (or the test is skipped
// saying why), every request of every vector was made (no error, no timeout), and named vectors pass or fail as the
// target's docs page says, each failure with the reason that shows its cause.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import type { ResultRecord, RunResults } from '../../runner/model.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { FIXTURES, readRun, tempDir } from '../helpers.js';

export interface BrowserRun {
  run: RunResults;
  /** Results by vector id without the `cookies/<file>/` prefix. */
  byId: Record<string, ResultRecord>;
}

/** Runs a vector file (or the vectors of it that `grep` picks) on one browser target, with a 30 s deadline per vector. */
export async function runBrowser(ctx: Mocha.Context, target: string, file: string, grep?: string): Promise<BrowserRun> {
  const t = discoverTargets().find((x) => x.id === target)!;
  const missing = missingRequirement(t);
  if (missing) {
    process.stdout.write(`      skipped: ${target} is not available here: ${missing}\n`);
    ctx.skip();
  }
  const out = tempDir();
  await runCommand({ suites: ['cookies'], targets: [target], vectors: [file], ...(grep ? { grep } : {}), out, quiet: true, timeoutMs: 30_000 }).catch(() => 1);
  const run = readRun(out);
  assert.deepEqual(
    run.results.filter((r) => r.verdict === 'error' || r.verdict === 'timeout').map((r) => `${r.vectorId}: ${r.reason}`),
    [],
    'every request of every vector was made',
  );
  return { run, byId: Object.fromEntries(run.results.map((r) => [r.vectorId.replace(/^cookies\/[^/]+\//, ''), r])) };
}

/** These vectors pass; these fail, each with a reason matching its pattern. */
export function expectVerdicts(byId: Record<string, ResultRecord>, pass: string[], fail: Record<string, RegExp> = {}): void {
  for (const id of pass) assert.equal(byId[id]?.verdict, 'pass', `${id}: ${JSON.stringify(byId[id])}`);
  for (const [id, reason] of Object.entries(fail)) {
    assert.equal(byId[id]?.verdict, 'fail', `${id}: ${JSON.stringify(byId[id])}`);
    assert.match(byId[id]!.reason!, reason);
  }
}

/**
 * Runs an isolation fixture (test/fixtures/vectors/FILE: vectors that leave state behind, then vectors that must find
 * none of it) on one browser, in file order in one adapter, with a 60 s deadline per vector. The run, and its
 * non-passes as "id: verdict: reason".
 */
export async function runIsolation(target: string, file: string): Promise<{ run: RunResults; failed: string[] }> {
  const out = tempDir();
  await runCommand({ suites: ['cookies'], targets: [target], vectors: [join(FIXTURES, 'vectors', file)], out, quiet: true, timeoutMs: 60_000 }).catch(() => 1);
  const run = readRun(out);
  return { run, failed: run.results.filter((r) => r.verdict !== 'pass').map((r) => `${r.vectorId}: ${r.verdict}: ${r.reason}`) };
}
