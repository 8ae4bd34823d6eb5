/**
 * The cookie fuzzer's throughput: one `fuzz --suite cookies` of a fixed budget
 * (no minimisation) over the local non-browser targets, as the command runs it,
 * and from its report: scenarios per second overall, and per target the
 * scenarios it ran per second of its adapter's time and that time's share of
 * the fuzzing's wall-clock time. A share near 100 % is a target that bounds
 * the fuzzing (every batch waits for the slowest target); a small share is a
 * fast target waiting for the others.
 *
 *   node dist/bench/fuzz.js [--budget N] [--target NAME]...
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { runFuzz, fuzzSuiteOf } from '../runner/fuzz/command.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FuzzThroughput {
  scenarios: number;
  seconds: number;
  scenariosPerSecond: number;
  targets: { target: string; scenariosPerSecond: number; share: number }[];
}

export async function fuzzThroughput(budget = 50, targets: string[] = []): Promise<FuzzThroughput> {
  const fs = (await fuzzSuiteOf('cookies'))!;
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-fuzz-'));
  try {
    const { report } = await runFuzz(fs, {
      targets,
      budget,
      seed: 1,
      out,
      driver: 'local',
      timeoutMs: 10_000,
      batch: 25,
      minimise: 0,
      shrinkRounds: 0,
      quiet: true,
    });
    const t = report.throughput;
    return {
      scenarios: report.scenarios,
      seconds: t.fuzzSeconds,
      scenariosPerSecond: t.scenariosPerSecond,
      targets: t.perTarget.map((p) => ({ target: p.target, scenariosPerSecond: p.adapterSeconds > 0 ? p.runs / p.adapterSeconds : 0, share: p.share })),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function printFuzzThroughput(r: FuzzThroughput): void {
  process.stdout.write(
    `fuzz --suite cookies: ${r.scenarios} scenarios in ${r.seconds.toFixed(1)} s, ${r.scenariosPerSecond.toFixed(2)} scenarios/s on all targets\n`,
  );
  process.stdout.write('target             scenarios/s of its own time   share of the wall-clock time in the target\n');
  for (const t of r.targets)
    process.stdout.write(`${t.target.padEnd(18)} ${t.scenariosPerSecond.toFixed(1).padStart(10)}   ${(t.share * 100).toFixed(1).padStart(30)} %\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { budget: { type: 'string', default: '50' }, target: { type: 'string', multiple: true, default: [] } } });
  printFuzzThroughput(await fuzzThroughput(Number(values.budget), values.target));
}
