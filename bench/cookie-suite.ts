/**
 * The whole cookie suite over every local target, in one run, as
 * `conformatrix run --suite cookies` makes it (targets in parallel, the
 * default --jobs, the local driver, browsers included). It prints the wall
 * time of the run against the bar of issue 11 (four minutes on a 2-core
 * machine) and whether the run stayed within it; then, per target, the
 * vectors it ran and the time per vector (mean and median), side by side as a
 * ratio to the reference's, and the CPU time of the target's process tree
 * (its adapter and what it starts: a browser's renderers too) per vector. The
 * load average at the start and the end says how busy the machine was: on a
 * shared machine the wall time grows with it, the CPU time much less.
 * `node dist/bench/cookie-suite.js [--target NAME]...` runs only the targets named.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { TargetCpu } from './process-cpu.js';

/** Issue 11: the whole cookie suite over all local targets finishes within 4 minutes on a 2-core machine. */
export const BAR_MS = 4 * 60_000;

export interface CookieSuiteRow {
  target: string;
  ran: number;
  notRun: number;
  busyMs: number;
  meanMs: number;
  medianMs: number;
  /** CPU seconds of the target's process tree (adapter, and a browser's processes), when measured (Linux). */
  cpuS?: number;
}

export interface CookieSuiteBench {
  vectors: number;
  jobs: number | undefined;
  wallMs: number;
  rows: CookieSuiteRow[];
  unavailable: { target: string; reason: string }[];
  load: { start: number; end: number };
  cores: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

export async function cookieSuiteBench(targets: string[] = []): Promise<CookieSuiteBench> {
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
  const start = loadavg()[0]!;
  const cpu = process.platform === 'linux' ? new TargetCpu() : undefined;
  const t0 = performance.now();
  // No target named: every target whose tools are here takes part, as in a plain `conformatrix run`.
  await runCommand({ suites: ['cookies'], targets, vectors: [], out, quiet: true, driver: 'local' });
  const wallMs = performance.now() - t0;
  const cpuByTarget = cpu?.stop();
  const end = loadavg()[0]!;
  const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
  const rows = run.targets
    .filter((t) => t.status === 'available')
    .map((t) => {
      const mine = run.results.filter((r) => r.targetId === t.id);
      const ran = mine.filter((r) => r.verdict !== 'skipped' && r.verdict !== 'unsupported');
      const d = ran.map((r) => r.durationMs);
      const busyMs = d.reduce((n, x) => n + x, 0);
      const cpuS = cpuByTarget?.get(t.id);
      return {
        target: t.id,
        ran: ran.length,
        notRun: mine.length - ran.length,
        busyMs,
        meanMs: ran.length ? busyMs / ran.length : 0,
        medianMs: median(d),
        ...(cpuS !== undefined ? { cpuS } : {}),
      };
    });
  return {
    vectors: run.vectors.length,
    jobs: run.run.jobs,
    wallMs,
    rows,
    unavailable: run.targets.filter((t) => t.status !== 'available').map((t) => ({ target: t.id, reason: t.reason ?? 'unavailable' })),
    load: { start, end },
    cores: availableParallelism(),
  };
}

export function printCookieSuiteBench(b: CookieSuiteBench): void {
  const within = b.wallMs <= BAR_MS;
  const lines = [
    `cookie suite, every local target in one run (local driver, ${b.jobs ?? 'default'} jobs): ${b.vectors} vectors x ${b.rows.length} targets in ${(b.wallMs / 1000).toFixed(1)} s`,
    `  the bar (issue 11): ${BAR_MS / 1000} s on a 2-core machine; this run: ${within ? 'within it' : 'OVER IT'} (${((b.wallMs / BAR_MS) * 100).toFixed(0)}% of the bar)`,
    `  ${b.cores} cores; load average (1 min) ${b.load.start.toFixed(1)} at the start, ${b.load.end.toFixed(1)} at the end: a shared machine's load lengthens the wall time`,
    `  ${'target'.padEnd(18)} ${'ran'.padStart(5)} ${'not run'.padStart(8)} ${'busy s'.padStart(7)} ${'ms/vector'.padStart(10)} ${'median ms'.padStart(10)} ${'vs reference'.padStart(13)} ${'CPU s'.padStart(7)} ${'CPU s/vector'.padStart(13)}`,
  ];
  const reference = b.rows.find((r) => r.target === 'reference');
  for (const r of b.rows)
    lines.push(
      `  ${r.target.padEnd(18)} ${String(r.ran).padStart(5)} ${String(r.notRun).padStart(8)} ${(r.busyMs / 1000).toFixed(1).padStart(7)} ${r.meanMs.toFixed(1).padStart(10)} ${r.medianMs.toFixed(1).padStart(10)} ${(reference?.meanMs ? `${(r.meanMs / reference.meanMs).toFixed(1)}x` : '-').padStart(13)} ${(r.cpuS !== undefined ? r.cpuS.toFixed(1) : '-').padStart(7)} ${(r.cpuS !== undefined && r.ran ? (r.cpuS / r.ran).toFixed(3) : '-').padStart(13)}`,
    );
  // A target runs its vectors one after another: the busiest one is the floor of the wall time.
  const slowest = [...b.rows].sort((x, y) => y.busyMs - x.busyMs)[0];
  if (slowest)
    lines.push(
      `  slowest target: ${slowest.target}, busy ${(slowest.busyMs / 1000).toFixed(1)} s of the ${(b.wallMs / 1000).toFixed(1)} s (its vectors run one after another, so it sets the wall time's floor)`,
    );
  for (const u of b.unavailable) lines.push(`  not run: ${u.target} (${u.reason})`);
  if (b.rows.some((r) => r.cpuS !== undefined))
    lines.push(
      "  CPU s: the target's process tree (its adapter, and a browser's own processes), sampled from /proc; the busy machine lengthens wall time far more than CPU time",
    );
  process.stdout.write(lines.join('\n') + '\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const targets = process.argv.slice(2).flatMap((a, i, all) => (all[i - 1] === '--target' ? [a] : []));
  printCookieSuiteBench(await cookieSuiteBench(targets));
}
