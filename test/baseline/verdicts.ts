/**
 * The reference target's verdicts over the project's three suites, kept as a
 * baseline (test/fixtures/baseline-verdicts/<suite>.json: vector id → verdict)
 * so that a change meant to keep behaviour (a refactoring of the runner, a
 * suite or the reference) shows any verdict it changes. The test compares
 * (verdicts.test.ts); `npm run baseline-verdicts` writes the files again from a
 * run, to be reviewed in the diff like any other change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import { FIXTURES, readRun, tempDir } from '../helpers.js';

export const BASELINE_DIR = join(FIXTURES, 'baseline-verdicts');

/** The suites with a baseline, and why one may not run here. */
export const BASELINE_SUITES: { suite: string; missing: () => string | undefined }[] = [
  { suite: 'cookies', missing: () => undefined },
  { suite: 'mptcp', missing: () => undefined },
  // The reference runs its interop pairs behind TUN devices in network namespaces (local driver).
  { suite: 'mptcp-interop', missing: () => (process.getuid?.() !== 0 ? 'needs root: the interop pairs run in network namespaces' : undefined) },
];

export type Verdicts = Record<string, string>;

/** Runs the reference target over the suite's own vectors (in interop, the pair reference+reference); vector id → verdict. */
export async function referenceVerdicts(suite: string): Promise<Verdicts> {
  const out = tempDir('conformatrix-baseline-');
  await runCommand({ suites: [suite], targets: ['reference'], vectors: [], out, quiet: true });
  const results = readRun(out).results;
  const ids = new Set<string>();
  for (const r of results) {
    if (ids.has(r.vectorId))
      throw new Error(
        `${suite}: ${r.vectorId} has more than one result (targets ${results
          .filter((x) => x.vectorId === r.vectorId)
          .map((x) => x.targetId)
          .join(', ')})`,
      );
    ids.add(r.vectorId);
  }
  return Object.fromEntries(results.map((r) => [r.vectorId, r.verdict] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function baselineFile(suite: string): string {
  return join(BASELINE_DIR, `${suite}.json`);
}

export function readBaseline(suite: string): Verdicts {
  return JSON.parse(readFileSync(baselineFile(suite), 'utf8')) as Verdicts;
}

/** Every vector whose verdict is not the baseline's, one line each: id, baseline verdict → verdict now ("none" where there is no result). */
export function changedVerdicts(baseline: Verdicts, now: Verdicts): string[] {
  const ids = [...new Set([...Object.keys(baseline), ...Object.keys(now)])].sort();
  return ids.filter((id) => baseline[id] !== now[id]).map((id) => `${id}: ${baseline[id] ?? 'none'} → ${now[id] ?? 'none'}`);
}
