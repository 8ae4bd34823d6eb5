/**
 * Throughput of every available cookie target, and where the time goes. Each
 * target runs the whole cookie suite alone (one target at a time, so they do not
 * compete for the two cores), its adapter kept across vectors. For each target
 * it prints vectors per second and the share of the time spent in the harness
 * (scheduling, rendering, verdicts, the origin server) against the time spent
 * in the target (its adapter and the implementation). The first vector, which
 * pays for starting the adapter, is reported apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { discoverTargets, missingRequirement } from '../runner/targets.js';

export interface TargetThroughput {
  target: string;
  vectors: number;
  startMs: number;
  vectorsPerSecond: number;
  harnessShare: number;
}

export async function targetThroughput(only: string[] = []): Promise<TargetThroughput[]> {
  const targets = discoverTargets().filter((t) => t.manifest.suites.includes('cookies') && (only.length === 0 || only.includes(t.id)));
  const rows: TargetThroughput[] = [];
  for (const t of targets) {
    if (missingRequirement(t)) continue;
    const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
    await runCommand({ suites: ['cookies'], targets: [t.id], vectors: [], out, jobs: 1, quiet: true, timeoutMs: 20_000 });
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
    const ran = run.results.filter((r) => r.timing);
    if (ran.length < 2) continue;
    const [first, ...rest] = ran;
    const total = rest.reduce((n, r) => n + r.durationMs, 0);
    const inTarget = rest.reduce((n, r) => n + r.timing!.adapterMs - (r.timing!.serverMs ?? 0), 0);
    rows.push({
      target: t.id,
      vectors: rest.length,
      startMs: first!.durationMs,
      vectorsPerSecond: (rest.length / total) * 1000,
      harnessShare: 1 - inTarget / total,
    });
  }
  return rows;
}

export function printTargetThroughput(rows: TargetThroughput[]): void {
  const lines = ['cookie targets, one at a time: throughput and where the time goes (first vector, with the adapter start, apart)'];
  lines.push(
    `  ${'target'.padEnd(18)} ${'vectors'.padStart(7)} ${'vectors/s'.padStart(10)} ${'harness'.padStart(8)} ${'target'.padStart(8)} ${'first (ms)'.padStart(11)}`,
  );
  for (const r of rows)
    lines.push(
      `  ${r.target.padEnd(18)} ${String(r.vectors).padStart(7)} ${r.vectorsPerSecond.toFixed(1).padStart(10)} ${`${(r.harnessShare * 100).toFixed(1)}%`.padStart(8)} ${`${((1 - r.harnessShare) * 100).toFixed(1)}%`.padStart(8)} ${r.startMs.toFixed(0).padStart(11)}`,
    );
  process.stdout.write(lines.join('\n') + '\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) printTargetThroughput(await targetThroughput(process.argv.slice(2)));
