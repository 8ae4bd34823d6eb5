/**
 * Where the time of the two MPTCP suites goes.
 *
 * Packet-level: each MPTCP target runs the whole suite alone. For each it
 * prints the wall time, the time per vector (median and 90th percentile) and
 * the share of it spent waiting on the system under test (segments it must
 * send, socket operations) against the harness's own work (building the
 * namespace, injecting, matching), and the targets' per-vector time side by
 * side as a ratio to the host's kernel (linux-kernel). The wall time outside
 * the vectors is mostly the adapter's start-up: for linux-6.1, the VM's boot.
 *
 * Interop: the whole grid (every scenario, every pair) with the local driver
 * and, where an engine answers, the docker driver, in one run: wall time of
 * the grid, time per scenario (all its pairs), and the docker/local ratio.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerAvailable } from '../runner/docker/driver.js';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { discoverTargets, missingRequirement } from '../runner/targets.js';

export interface PacketLevelRow {
  target: string;
  vectors: number;
  wallMs: number;
  medianMs: number;
  p90Ms: number;
  sutShare: number;
  /** Wall time not spent in any vector: the adapter's start-up (a VM's boot) and the run's own work. */
  outsideMs: number;
}

export interface InteropRow {
  driver: string;
  pairs: number;
  scenarios: number;
  wallMs: number;
  perScenario: { id: string; ms: number; pairs: number }[];
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

async function run(suite: string, targets: string[], driver: 'local' | 'docker'): Promise<{ run: RunResults; wallMs: number }> {
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
  const t0 = performance.now();
  await runCommand({ suites: [suite], targets, vectors: [], out, quiet: true, driver, jobs: 1 });
  return { run: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults, wallMs: performance.now() - t0 };
}

const available = (suite: string) => discoverTargets().filter((t) => t.manifest.suites.includes(suite) && !missingRequirement(t));

export async function packetLevelBench(): Promise<PacketLevelRow[]> {
  const rows: PacketLevelRow[] = [];
  for (const t of available('mptcp')) {
    const { run: r, wallMs } = await run('mptcp', [t.id], 'local');
    const ran = r.results.filter((x) => x.timing && x.verdict !== 'unsupported' && x.verdict !== 'skipped');
    if (!ran.length) continue;
    const total = ran.reduce((n, x) => n + x.durationMs, 0);
    const waiting = ran.reduce((n, x) => n + (x.timing!.sutWaitMs ?? 0), 0);
    const d = ran.map((x) => x.durationMs);
    const outsideMs = wallMs - r.results.reduce((n, x) => n + x.durationMs, 0);
    rows.push({ target: t.id, vectors: ran.length, wallMs, medianMs: quantile(d, 0.5), p90Ms: quantile(d, 0.9), sutShare: waiting / total, outsideMs });
  }
  return rows;
}

export async function interopBench(): Promise<InteropRow[]> {
  const targets = available('mptcp-interop').map((t) => t.id);
  if (!targets.length) return [];
  const drivers: ('local' | 'docker')[] = ['local'];
  if (!(await dockerAvailable())) drivers.push('docker');
  const rows: InteropRow[] = [];
  for (const driver of drivers) {
    const { run: r, wallMs } = await run('mptcp-interop', targets, driver);
    const ids = [...new Set(r.results.map((x) => x.vectorId))];
    rows.push({
      driver,
      pairs: new Set(r.results.map((x) => x.targetId)).size,
      scenarios: ids.length,
      wallMs,
      perScenario: ids.map((id) => {
        const mine = r.results.filter((x) => x.vectorId === id);
        return { id, ms: mine.reduce((n, x) => n + x.durationMs, 0), pairs: mine.length };
      }),
    });
  }
  return rows;
}

export function printPacketLevelBench(rows: PacketLevelRow[]): void {
  process.stdout.write('\nMPTCP packet-level suite: each target alone, one vector at a time\n');
  process.stdout.write('target          vectors  wall s  outside vectors s (start-up, a VM boot)  per vector: median ms  p90 ms  waiting on the SUT\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.target.padEnd(15)} ${String(r.vectors).padStart(7)}  ${(r.wallMs / 1000).toFixed(1).padStart(6)}  ${(r.outsideMs / 1000).toFixed(1).padStart(39)}  ${r.medianMs.toFixed(0).padStart(20)}  ${r.p90Ms.toFixed(0).padStart(6)}  ${(r.sutShare * 100).toFixed(0).padStart(17)}%\n`,
    );
  }
  const host = rows.find((r) => r.target === 'linux-kernel') ?? rows[0];
  for (const r of rows)
    if (host && r !== host) process.stdout.write(`per-vector median, ${r.target} / ${host.target}: ${(r.medianMs / host.medianMs).toFixed(2)}\n`);
}

export function printInteropBench(rows: InteropRow[]): void {
  process.stdout.write('\nMPTCP interop grid: every scenario for every client x server pair\n');
  for (const r of rows) {
    process.stdout.write(`${r.driver}: ${r.scenarios} scenarios x ${r.pairs} pairs in ${(r.wallMs / 1000).toFixed(1)} s\n`);
    for (const s of r.perScenario)
      process.stdout.write(
        `  ${s.id.padEnd(52)} ${(s.ms / 1000).toFixed(1).padStart(6)} s for ${s.pairs} pair(s), ${(s.ms / s.pairs / 1000).toFixed(2)} s a pair\n`,
      );
  }
  const [local, docker] = rows;
  if (local && docker) process.stdout.write(`grid wall time, docker / local: ${(docker.wallMs / local.wallMs).toFixed(2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printPacketLevelBench(await packetLevelBench());
  printInteropBench(await interopBench());
}
