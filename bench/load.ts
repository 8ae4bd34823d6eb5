/**
 * Issue 14: what a busy machine does to each suite. A slice of each suite
 * runs twice, side by side in one benchmark: once on the machine as it is,
 * and once with 4 busy processes per core started by the benchmark
 * (bench/burners.ts). Per suite it prints the wall time of both, their ratio,
 * and whether the verdicts were the same (they must be: a verdict never
 * depends on how busy the machine is). Then the time per vector of the
 * packet-level suite for the seven behaviours that issue 14 timed with
 * packetdrill on this machine under load (0.56-1.2 s a script), the bar to
 * beat.
 *
 * `node dist/bench/load.js [--suite cookies|mptcp|mptcp-interop]...`
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { burn } from './burners.js';
import { BenchUnavailable } from './setup.js';

/** The seven behaviours issue 14 measured with packetdrill, as the packet-level vectors that test them. */
export const SEVEN_BEHAVIOURS = [
  'mptcp/capable/server/v1-handshake',
  'mptcp/capable/client/v1-syn',
  'mptcp/capable/server/v0-syn-answered-without-mp-capable',
  'mptcp/capable/server/b-flag-syn-ignored',
  'mptcp/capable/server/no-algorithm-third-ack-falls-back',
  'mptcp/capable/client/synack-v0-falls-back',
  'mptcp/join/server/unknown-token-reset',
];

/** packetdrill's time per script on those behaviours, on this machine under load (issue 14). */
export const PACKETDRILL_MS = { low: 560, high: 1200 };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Why the MPTCP suites cannot run here, or undefined. */
function kernelLabMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'the MPTCP suites need root for network namespaces';
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  return undefined;
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

export interface LoadSlice {
  suite: string;
  targets: string[];
  grep: string;
  missing: () => string | undefined;
}

/** A representative slice of each suite: real HTTP clients and a browser; the host kernel and the reference; every pair of the grid. */
export const SLICES: LoadSlice[] = [
  {
    suite: 'cookies',
    targets: ['reference', 'curl', 'python-cookiejar', 'chromium'],
    grep: ' cookies/(attributes|domain|path)/',
    missing: () => (has('chromium') && has('curl') ? undefined : 'chromium or curl is not installed'),
  },
  {
    suite: 'mptcp',
    targets: ['reference', 'linux-kernel'],
    grep: ` (${SEVEN_BEHAVIOURS.map(escape).join('|')}):`,
    missing: kernelLabMissing,
  },
  {
    suite: 'mptcp-interop',
    targets: ['reference', 'linux-kernel'],
    grep: ' mptcp-interop/(clean/transfer|strip/syn):',
    missing: kernelLabMissing,
  },
];

export interface LoadRow {
  suite: string;
  vectors: number;
  idleMs: number;
  loadedMs: number;
  /** Verdicts (target, vector) that differ between the two runs: must be none. */
  differing: string[];
  load: { idle: number; loaded: number };
  /** Per vector of the run, by "target vector": its duration idle and loaded. */
  perVector: Map<string, { idle: number; loaded: number }>;
}

async function runSlice(slice: LoadSlice): Promise<{ run: RunResults; wallMs: number; load: number }> {
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
  const t0 = performance.now();
  await runCommand({ suites: [slice.suite], targets: slice.targets, vectors: [], grep: slice.grep, out, quiet: true, driver: 'local' });
  const wallMs = performance.now() - t0;
  return { run: JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults, wallMs, load: loadavg()[0]! };
}

const verdictOf = (x: RunResults['results'][number]) => (x.verdict === 'pass' || x.verdict === 'fail' ? x.verdict : `${x.verdict}: ${x.reason ?? ''}`);

export async function loadBench(suites?: string[]): Promise<LoadRow[]> {
  const slices = SLICES.filter((s) => !suites?.length || suites.includes(s.suite));
  const runnable = slices.filter((s) => !s.missing());
  if (!runnable.length) throw new BenchUnavailable(slices.map((s) => `${s.suite}: ${s.missing()}`).join('; '));
  const rows: LoadRow[] = [];
  for (const slice of runnable) {
    const idle = await runSlice(slice);
    const burners = burn(600);
    let loaded: Awaited<ReturnType<typeof runSlice>>;
    try {
      loaded = await runSlice(slice);
    } finally {
      burners.stop();
    }
    const key = (x: RunResults['results'][number]) => `${x.targetId} ${x.vectorId}`;
    const before = new Map(idle.run.results.map((x) => [key(x), x]));
    const differing: string[] = [];
    const perVector = new Map<string, { idle: number; loaded: number }>();
    for (const x of loaded.run.results) {
      const y = before.get(key(x));
      if (!y || verdictOf(y) !== verdictOf(x)) differing.push(`${key(x)}: ${y ? verdictOf(y) : 'absent'} idle, ${verdictOf(x)} loaded`);
      if (y) perVector.set(key(x), { idle: y.durationMs, loaded: x.durationMs });
    }
    rows.push({
      suite: slice.suite,
      vectors: loaded.run.results.length,
      idleMs: idle.wallMs,
      loadedMs: loaded.wallMs,
      differing,
      load: { idle: idle.load, loaded: loaded.load },
      perVector,
    });
  }
  return rows;
}

export function printLoadBench(rows: LoadRow[]): void {
  const out: string[] = ['', 'Each suite at idle and under 4 busy processes per core (bench/burners.ts), side by side'];
  out.push(
    `${'suite'.padEnd(14)} ${'results'.padStart(7)} ${'idle s'.padStart(7)} ${'loaded s'.padStart(9)} ${'loaded/idle'.padStart(11)}  load avg idle, loaded  verdicts`,
  );
  for (const r of rows)
    out.push(
      `${r.suite.padEnd(14)} ${String(r.vectors).padStart(7)} ${(r.idleMs / 1000).toFixed(1).padStart(7)} ${(r.loadedMs / 1000).toFixed(1).padStart(9)} ${(r.loadedMs / r.idleMs).toFixed(2).padStart(11)}  ${r.load.idle.toFixed(1).padStart(13)}, ${r.load.loaded.toFixed(1).padStart(6)}  ${r.differing.length ? `${r.differing.length} DIFFER` : 'the same'}`,
    );
  for (const r of rows) for (const d of r.differing) out.push(`  ${r.suite}: ${d}`);
  const packet = rows.find((r) => r.suite === 'mptcp');
  if (packet) {
    out.push(
      '',
      `Packet-level time per vector on the seven behaviours issue 14 timed with packetdrill (${PACKETDRILL_MS.low}-${PACKETDRILL_MS.high} ms a script under load):`,
    );
    out.push(`${'vector'.padEnd(58)} ${'target'.padEnd(13)} ${'idle ms'.padStart(8)} ${'loaded ms'.padStart(10)}`);
    for (const [k, v] of [...packet.perVector].sort(([a], [b]) => a.localeCompare(b))) {
      const [target, vector] = k.split(' ');
      out.push(`${vector!.padEnd(58)} ${target!.padEnd(13)} ${v.idle.toFixed(0).padStart(8)} ${v.loaded.toFixed(0).padStart(10)}`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
  const differ = rows.reduce((n, r) => n + r.differing.length, 0);
  if (differ) throw new Error(`${differ} verdict(s) differ between idle and loaded runs (listed above)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const suites = process.argv.slice(2).flatMap((a, i, all) => (all[i - 1] === '--suite' ? [a] : []));
  printLoadBench(await loadBench(suites));
}
