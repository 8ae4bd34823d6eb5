/**
 * `conformatrix fuzz --suite S ...`: differential fuzzing of a suite's
 * targets (docs/fuzz.md). A suite takes part by exporting `fuzzSuite` (a
 * FuzzSuite, runner/fuzz/interface.ts) from suites/<S>/fuzz/index.ts; this
 * module knows nothing of what the suite's scenarios are.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { disposeAll, onInterrupt } from '../cleanup.js';
import { UsageError } from '../errors.js';
import { checkWritableDir } from '../fsutil.js';
import { DIST_DIR } from '../paths.js';
import { loadSuite } from '../suites.js';
import { fuzzLoop, type FuzzOutcome } from './engine.js';
import type { FuzzSuite } from './interface.js';
import { TargetPool } from './pool.js';
import { buildReport, writeFuzzReports, type FuzzReport } from './report.js';

export const FUZZ_USAGE = `conformatrix fuzz --suite S [--target NAME]... [--budget N | --time S] [--seed N] [--out DIR]
                   [--driver local|docker] [--timeout MS] [--batch N] [--minimise N] [--shrink-rounds N]
                   [--minimise-rounds N] [--jobs N] [--quiet]`;

export const FUZZ_OPTIONS = {
  suite: { type: 'string' },
  target: { type: 'string', multiple: true, default: [] },
  budget: { type: 'string' },
  time: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  driver: { type: 'string', default: 'local' },
  timeout: { type: 'string' },
  batch: { type: 'string' },
  minimise: { type: 'string' },
  'shrink-rounds': { type: 'string' },
  'minimise-rounds': { type: 'string' },
  jobs: { type: 'string' },
  'target-dir': { type: 'string', multiple: true, default: [] },
  quiet: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface FuzzOptions {
  targets: string[];
  budget?: number;
  timeS?: number;
  seed: number;
  out: string;
  driver: 'local' | 'docker';
  timeoutMs: number;
  batch: number;
  minimise: number;
  shrinkRounds: number;
  /** Stop minimising after this many rounds (to repeat a run bounded by time: its report says how many it did). */
  minimiseRounds?: number;
  jobs?: number;
  targetDirs?: string[];
  quiet?: boolean;
  /** The command line, recorded in the report. */
  command?: string;
  /** When --time starts counting, in performance.now()'s terms; by default when runFuzz is called (the command: its process's start). */
  since?: number;
  /** Stops the fuzzing as Ctrl-C does (library use): the reports cover the batches that ran in full. */
  signal?: AbortSignal;
}

/** The FuzzSuite of suite `name`, or undefined when the suite has none in this build. */
export async function fuzzSuiteOf(name: string): Promise<FuzzSuite<unknown> | undefined> {
  await loadSuite(name); // an unknown suite is a usage error naming the known ones
  const file = join(DIST_DIR, 'suites', name, 'fuzz', 'index.js');
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { fuzzSuite?: FuzzSuite<unknown> };
  return mod.fuzzSuite;
}

function int(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** The options of the command line, checked; `args` without --suite's own dispatch. */
export function parseFuzzArgs(args: string[]): { suite: string; options: FuzzOptions } {
  const { values } = parseArgs({ args, options: FUZZ_OPTIONS });
  if (!values.suite) throw new UsageError(`fuzz needs --suite: ${FUZZ_USAGE}`);
  if (values.budget !== undefined && values.time !== undefined) throw new UsageError('give --budget N (scenarios) or --time S (seconds), not both');
  if (!['local', 'docker'].includes(values.driver)) throw new UsageError(`--driver takes local or docker, not ${JSON.stringify(values.driver)}`);
  const budget = int('budget', values.budget, 1);
  const timeS = int('time', values.time, 1);
  const jobs = int('jobs', values.jobs, 1);
  const minimiseRounds = int('minimise-rounds', values['minimise-rounds'], 0);
  return {
    suite: values.suite,
    options: {
      targets: values.target,
      ...(budget !== undefined ? { budget } : {}),
      ...(timeS !== undefined ? { timeS } : {}),
      seed: int('seed', values.seed, 0, 2 ** 32 - 1) ?? 1,
      // As for run (and fuzz --suite mptcp): the reports go to ./reports unless told otherwise.
      out: values.out ?? 'reports',
      driver: values.driver as 'local' | 'docker',
      timeoutMs: int('timeout', values.timeout, 1, 2 ** 31 - 1) ?? 10_000,
      // Small batches: a run bounded by time stops at a batch's end, and every batch waits for its slowest target.
      batch: int('batch', values.batch, 1) ?? 10,
      minimise: int('minimise', values.minimise, 0) ?? 50,
      shrinkRounds: int('shrink-rounds', values['shrink-rounds'], 0) ?? 60,
      ...(minimiseRounds !== undefined ? { minimiseRounds } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
      ...(values['target-dir'].length ? { targetDirs: values['target-dir'] } : {}),
      quiet: values.quiet,
    },
  };
}

/**
 * Fuzzes `fs`'s targets and writes the reports to options.out. The
 * reference target always takes part (its outcome is the proposed vectors'
 * expectation), named or not.
 */
export async function runFuzz<S>(fs: FuzzSuite<S>, options: FuzzOptions): Promise<{ report: FuzzReport; written: string[] }> {
  const since = options.since ?? performance.now();
  const startedAt = new Date();
  const outDir = resolve(options.out);
  checkWritableDir(outDir);
  const targets = options.targets.length && !options.targets.includes(fs.reference) ? [fs.reference, ...options.targets] : options.targets;
  const pool = await TargetPool.open({
    suite: fs.suite,
    targets,
    ...(fs.defaultTarget ? { byDefault: fs.defaultTarget } : {}),
    driver: options.driver,
    outDir,
    timeoutMs: options.timeoutMs,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(fs.suite.profiles ? { profile: fs.suite.profiles.default } : {}),
    ...(options.targetDirs ? { targetDirs: options.targetDirs } : {}),
  });
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  if (options.signal?.aborted) controller.abort();
  const say = (line: string) => void (options.quiet ? undefined : process.stderr.write(line + '\n'));
  const info = {
    seed: options.seed,
    ...(options.budget !== undefined ? { budget: options.budget } : {}),
    ...(options.timeS !== undefined ? { timeS: options.timeS } : {}),
    command: options.command ?? `conformatrix fuzz --suite ${fs.suite.name} --seed ${options.seed}`,
    startedAt,
    repeat: (scenarios: number, minimise: FuzzOutcome<S>['minimise']) => repeatCommand(fs.suite.name, pool.targetIds, options, scenarios, minimise),
    targets: pool.targetIds,
    unavailable: pool.unavailable,
  };
  const write = (outcome: FuzzOutcome<S>) => {
    const report = buildReport(fs, outcome, info);
    return { report, written: writeFuzzReports(report, outDir) };
  };
  let now: (() => FuzzOutcome<unknown>) | undefined;
  // Ctrl-C: the reports of what was done so far, written before the cleanup exits the process.
  const unhook = onInterrupt(() => {
    controller.abort();
    if (now) process.stderr.write(`partial reports written: ${write(now() as FuzzOutcome<S>).written.join(', ')}\n`);
  });
  try {
    if (pool.unavailable.length) say(`unavailable: ${pool.unavailable.map((u) => `${u.id} (${u.reason})`).join('; ')}`);
    if (!pool.targetIds.includes(fs.reference)) throw new UsageError(`the reference target ${fs.reference} is unavailable: no expectation to propose`);
    if (pool.targetIds.length < 2) throw new UsageError('fuzzing compares targets: it needs at least two available ones');
    say(`fuzzing ${pool.targetIds.join(', ')} (seed ${options.seed})`);
    const outcome = await fuzzLoop(fs, pool, {
      seed: options.seed,
      ...(options.budget !== undefined ? { budget: options.budget } : {}),
      ...(options.timeS !== undefined ? { timeS: options.timeS } : {}),
      batch: options.batch,
      minimise: options.minimise,
      shrinkRounds: options.shrinkRounds,
      ...(options.minimiseRounds !== undefined ? { minimiseRounds: options.minimiseRounds } : {}),
      since,
      candidates: 8,
      progress: say,
      signal: controller.signal,
      live: (get) => (now = get),
      // The clusters are reported before minimising starts, and again, minimised, at the end.
      checkpoint: (o) => say(`clusters before minimising: ${write(o as FuzzOutcome<S>).written.join(', ')}`),
    });
    return write(outcome);
  } finally {
    unhook();
    await pool.close();
    await disposeAll();
  }
}

/**
 * The command that repeats a run: the same targets, named (so that a target
 * that comes or goes here does not change it), its scenarios as a budget, and
 * the rounds of minimising it did when something other than the end of the
 * work stopped them (the time, say).
 */
function repeatCommand(suite: string, targets: string[], o: FuzzOptions, scenarios: number, minimise: FuzzOutcome<unknown>['minimise']): string {
  const words = ['conformatrix', 'fuzz', '--suite', suite, ...targets.flatMap((t) => ['--target', t])];
  words.push('--budget', String(scenarios), '--seed', String(o.seed), '--minimise', String(o.minimise), '--shrink-rounds', String(o.shrinkRounds));
  if (minimise && minimise.stop !== 'done') words.push('--minimise-rounds', String(minimise.rounds));
  if (o.driver !== 'local') words.push('--driver', o.driver);
  words.push('--timeout', String(o.timeoutMs));
  for (const d of o.targetDirs ?? []) words.push('--target-dir', d);
  return words.map((w) => (/^[\w./:=@+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command: 0 when the reports were written (disagreements are findings, not failures), 2 on a usage or harness error. */
export async function fuzzCommand(args: string[]): Promise<number> {
  const { suite, options } = parseFuzzArgs(args);
  const fs = await fuzzSuiteOf(suite);
  if (!fs) throw new UsageError(`suite ${suite} has no fuzzer in this build`);
  // --time bounds the whole command, its start-up (loading the suites, finding the targets) included.
  const { report, written } = await runFuzz(fs, { ...options, since: 0, command: `conformatrix fuzz ${args.join(' ')}` });
  if (!options.quiet)
    process.stdout.write(
      `${report.scenarios} scenarios, ${report.disagreements} disagreements, ${report.clusters.length} clusters\nReports: ${written.join(', ')}\n`,
    );
  return 0;
}
