/**
 * The cookie fuzzer's throughput: one `fuzz --suite cookies` of a fixed budget
 * (no minimisation) over the default targets, as the command runs it, and
 * from its report: scenarios per second overall, and per target the
 * scenarios it ran per second of its adapter's time and that time's share of
 * the fuzzing's wall-clock time. A share near 100 % is a target that bounds
 * the fuzzing (every batch waits for the slowest target); a small share is a
 * fast target waiting for the others.
 *
 * On a busy machine: a scenario's time limit is a minute, so a slow adapter
 * start is not a timeout; the load average at the start and the end is
 * printed, as the shares are what to read; a reference or a second target
 * that is not available here makes the bench unavailable, not failed.
 *
 *   node dist/bench/fuzz.js [--budget N] [--target NAME]...
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzz, fuzzSuiteOf } from '../runner/fuzz/command.js';
import { UsageError } from '../runner/errors.js';
import { BenchUnavailable } from './setup.js';

export interface FuzzThroughput {
  scenarios: number;
  seconds: number;
  scenariosPerSecond: number;
  targets: { target: string; runs: number; scenariosPerSecond: number; share: number }[];
  unavailable: string[];
  load: { start: number; end: number };
}

export async function fuzzThroughput(budget = 50, targets: string[] = []): Promise<FuzzThroughput> {
  const fs = (await fuzzSuiteOf('cookies'))!;
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-fuzz-'));
  const start = loadavg()[0]!;
  try {
    const { report } = await runFuzz(fs, {
      targets,
      budget,
      seed: 1,
      out,
      driver: 'local',
      timeoutMs: 60_000,
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
      targets: t.perTarget.map((p) => ({
        target: p.target,
        runs: p.runs,
        scenariosPerSecond: p.adapterSeconds > 0 ? p.runs / p.adapterSeconds : 0,
        share: p.share,
      })),
      unavailable: report.unavailable.map((u) => `${u.id} (${u.reason})`),
      load: { start, end: loadavg()[0]! },
    };
  } catch (err) {
    // No reference or no second target here: nothing to compare, which is this machine's, not the fuzzer's, fault.
    if (err instanceof UsageError) throw new BenchUnavailable(err.message);
    throw err;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function printFuzzThroughput(r: FuzzThroughput): void {
  const lines = [
    `cookie fuzzer: ${r.scenarios} scenarios on ${r.targets.length} targets in ${r.seconds.toFixed(1)} s, ${r.scenariosPerSecond.toFixed(2)} scenarios/s on all of them at once`,
    `  load average (1 min) ${r.load.start.toFixed(1)} at the start, ${r.load.end.toFixed(1)} at the end; adapter starts are in the wall-clock time, in no target's`,
    `  ${'target'.padEnd(18)} ${'scenarios'.padStart(9)} ${'scenarios/s of its own time'.padStart(28)} ${'share of the wall-clock time in it'.padStart(35)}`,
  ];
  for (const t of r.targets)
    lines.push(
      `  ${t.target.padEnd(18)} ${String(t.runs).padStart(9)} ${t.scenariosPerSecond.toFixed(1).padStart(28)} ${`${(t.share * 100).toFixed(1)} %`.padStart(35)}`,
    );
  if (r.targets.length) {
    const mean = r.targets.reduce((n, t) => n + t.share, 0) / r.targets.length;
    lines.push(`  the targets' mean share: ${(mean * 100).toFixed(1)} % (the rest is waiting for the slowest target of each batch, and the harness)`);
  }
  if (r.unavailable.length) lines.push(`  not available here: ${r.unavailable.join('; ')}`);
  process.stdout.write(lines.join('\n') + '\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { budget: { type: 'string', default: '50' }, target: { type: 'string', multiple: true, default: [] } } });
  printFuzzThroughput(await fuzzThroughput(Number(values.budget), values.target));
}
