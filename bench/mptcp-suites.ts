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
 * and, where an engine answers, the docker driver, in one run, as the CLI
 * runs it (its default --jobs): wall time of the grid, time per scenario (all
 * its pairs), the time per scenario of each pair (median) and its ratio to
 * the host kernel's own pair (linux-kernel+linux-kernel), and the docker/local
 * ratio. Where linux-6.1 can run, its VM's boot time is measured apart
 * (qemu's start to the guest's init serving): the grid pays it once per VM
 * its roles keep (StartOptions.keep), not once per scenario.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerAvailable } from '../runner/docker/driver.js';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { discoverTargets, missingRequirement } from '../runner/targets.js';
import { buildImage, Vm } from '../targets/linux-6.1/vm.js';

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
  /** Each pair's scenarios that ran (not unsupported or skipped): how many, and the median time of one (set-up included). */
  perPair: { pair: string; scenarios: number; medianMs: number }[];
  /** The VMs booted during the grid (linux-6.1's adapters that started), where the grid has that target. */
}

/** The boot of linux-6.1's VM alone: the image built (or found in the cache) first, then qemu's start to the guest serving. */
export async function vmBootMs(): Promise<number | undefined> {
  const t = discoverTargets().find((x) => x.id === 'linux-6.1');
  if (!t || missingRequirement(t)) return undefined;
  const image = await buildImage();
  const t0 = performance.now();
  const vm = await Vm.boot(image, () => undefined);
  const ms = performance.now() - t0;
  await vm.close();
  return ms;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

async function run(suite: string, targets: string[], driver: 'local' | 'docker', jobs?: number): Promise<{ run: RunResults; wallMs: number }> {
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
  const t0 = performance.now();
  await runCommand({ suites: [suite], targets, vectors: [], out, quiet: true, driver, ...(jobs ? { jobs } : {}) });
  return { run: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults, wallMs: performance.now() - t0 };
}

const available = (suite: string) => discoverTargets().filter((t) => t.manifest.suites.includes(suite) && !missingRequirement(t));

export async function packetLevelBench(): Promise<PacketLevelRow[]> {
  const rows: PacketLevelRow[] = [];
  for (const t of available('mptcp')) {
    const { run: r, wallMs } = await run('mptcp', [t.id], 'local', 1);
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
    // The grid as `conformatrix run` plays it: its default number of pairs at once.
    const { run: r, wallMs } = await run('mptcp-interop', targets, driver);
    const ids = [...new Set(r.results.map((x) => x.vectorId))];
    const pairs = [...new Set(r.results.map((x) => x.targetId))];
    const ran = r.results.filter((x) => x.verdict !== 'unsupported' && x.verdict !== 'skipped');
    rows.push({
      driver,
      pairs: pairs.length,
      scenarios: ids.length,
      wallMs,
      perScenario: ids.map((id) => {
        const mine = r.results.filter((x) => x.vectorId === id);
        return { id, ms: mine.reduce((n, x) => n + x.durationMs, 0), pairs: mine.length };
      }),
      perPair: pairs.map((pair) => {
        const mine = ran.filter((x) => x.targetId === pair).map((x) => x.durationMs);
        return { pair, scenarios: mine.length, medianMs: quantile(mine, 0.5) };
      }),
    });
  }
  return rows;
}

export function printPacketLevelBench(rows: PacketLevelRow[], bootMs?: number): void {
  process.stdout.write('\nMPTCP packet-level suite: each target alone, one vector at a time\n');
  // The VM's boot apart from the run's other start-up work (the column "outside vectors" holds both).
  if (bootMs !== undefined) process.stdout.write(`linux-6.1 VM boot (qemu start to the guest serving, TCG): ${(bootMs / 1000).toFixed(1)} s\n`);
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

export function printInteropBench(rows: InteropRow[], bootMs?: number): void {
  process.stdout.write('\nMPTCP interop grid: every scenario for every client x server pair\n');
  if (bootMs !== undefined) process.stdout.write(`linux-6.1 VM boot (qemu start to the guest serving, TCG): ${(bootMs / 1000).toFixed(1)} s\n`);
  for (const r of rows) {
    process.stdout.write(`${r.driver}: ${r.scenarios} scenarios x ${r.pairs} pairs in ${(r.wallMs / 1000).toFixed(1)} s\n`);
    const host = r.perPair.find((p) => p.pair === 'linux-kernel+linux-kernel');
    for (const p of r.perPair)
      process.stdout.write(
        `  pair ${p.pair.padEnd(28)} ${String(p.scenarios).padStart(3)} scenarios, median ${(p.medianMs / 1000).toFixed(2).padStart(6)} s a scenario` +
          `${host?.medianMs ? `, ${(p.medianMs / host.medianMs).toFixed(2)} x the host kernel's pair` : ''}\n`,
      );
    for (const s of r.perScenario)
      process.stdout.write(
        `  ${s.id.padEnd(52)} ${(s.ms / 1000).toFixed(1).padStart(6)} s for ${s.pairs} pair(s), ${(s.ms / s.pairs / 1000).toFixed(2)} s a pair\n`,
      );
  }
  const [local, docker] = rows;
  if (local && docker) process.stdout.write(`grid wall time, docker / local: ${(docker.wallMs / local.wallMs).toFixed(2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printPacketLevelBench(await packetLevelBench(), await vmBootMs());
  printInteropBench(await interopBench(), await vmBootMs());
}
