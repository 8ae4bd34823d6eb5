/**
 * `conformatrix fuzz --suite mptcp` (issue 18, item 2): mutated inject steps
 * of the packet vectors (suites/mptcp/fuzz/mutate.ts) run against the
 * reference endpoint in this process, on a virtual clock
 * (suites/mptcp/fuzz/drive.ts), reporting its crashes, hangs and broken
 * invariants in fuzz-mptcp.json and fuzz-mptcp.md. docs/fuzz.md, "MPTCP".
 *
 * Never against the host's own kernel: a kernel bug found that way takes the
 * machine down. The `linux-kernel` target is refused with an error. A kernel
 * that is not the host's (a VM or a container kernel) comes in through
 * `isolatedKernels`: each runs the same scenarios, and where its answers and
 * the reference's part ways (shape.ts says on what) is reported as a
 * divergence. On the command line, `--target linux-6.1` is one: Debian's 6.1
 * kernel under QEMU, driven through its adapter (fuzz/kernel.ts).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../runner/errors.js';
import { writeFileAtomic } from '../../runner/fsutil.js';
import type { MptcpVector } from './vector.js';
import { DEFAULT_DRIVE, runScenario, type DriveOptions, type Scenario, type ScenarioResult } from './fuzz/drive.js';
import { GUEST_KERNEL_TARGETS, GuestKernel, type KernelAnswers } from './fuzz/kernel.js';
import { loadPacketVectors, makeScenario } from './fuzz/scenario.js';
import { shapeDifference } from './fuzz/shape.js';

/**
 * A kernel that is not the host's, able to run a scenario (a VM or a
 * container with its own kernel). It answers with the SUT's segments: their
 * shapes (fuzz/shape.ts) are compared with the reference's; and says whether
 * the kernel crashed or stopped answering. GuestKernel (fuzz/kernel.ts) is one.
 */
export interface IsolatedKernel {
  /** How the kernel is kept apart from the host's, for the report ("qemu linux-6.1", say). */
  isolation: string;
  run(s: Scenario): Promise<KernelAnswers>;
  /** Times it was booted so far, and the wall time the boots took (ms), where it boots. */
  readonly boots?: number;
  readonly bootMs?: number;
}

export interface MptcpFuzzOptions {
  seed: number;
  /** Scenarios to run (default 1000 when no time is given). */
  budget?: number;
  /** Stop starting scenarios after this many seconds of wall time (a prefix of the same sequence). */
  timeSeconds?: number;
  out: string;
  /** Targets to fuzz: `reference` (the default; always run, the baseline) and the names of `isolatedKernels`. */
  targets?: string[];
  progress?: (line: string) => void;
  /** Kernels outside the host's, by target name (see IsolatedKernel). */
  isolatedKernels?: Record<string, IsolatedKernel>;
  /** Event budget and drain time per scenario. */
  drive?: Partial<DriveOptions>;
  /** The vectors to mutate (default: vectors/mptcp/). */
  vectors?: MptcpVector[];
}

/** One finding: the scenario that shows it, enough to run it again. */
export interface MptcpFinding {
  /** `error`: a kernel target's adapter could not run the scenario (not the kernel's doing, nor the reference's). */
  kind: 'crash' | 'hang' | 'violation' | 'divergence' | 'error';
  /** What groups findings: the crash's place and message, the violation's text without numbers... */
  signature: string;
  /** How many scenarios showed it. */
  count: number;
  example: { index: number; seed: number; vector: string; mutations: string[]; detail: string; stack?: string };
  /** Runs the example again. */
  replay: string;
}

export interface MptcpFuzzSummary {
  suite: 'mptcp';
  seed: number;
  targets: string[];
  scenarios: number;
  elapsedMs: number;
  scenariosPerSecond: number;
  /** Inject steps sent, and those that could not be built (a value the SUT never sent after an earlier mutation). */
  injected: number;
  skipped: number;
  events: number;
  crashes: number;
  hangs: number;
  violations: number;
  divergences: number;
  /** Per kernel target: how it went (absent when only the reference ran). */
  kernels?: Record<string, KernelStats>;
  /** When a kernel target ran: each scenario, its vector and mutations, and the segments each target sent in it. */
  scenarioList?: { index: number; vector: string; mutations: string[]; segments: Record<string, number> }[];
  findings: MptcpFinding[];
}

export interface KernelStats {
  isolation: string;
  /** Scenarios it ran, the wall time they took (its boots included), and the rate. */
  scenarios: number;
  elapsedMs: number;
  scenariosPerSecond: number;
  /** Segments it sent in all, and scenarios in which it sent none. */
  segments: number;
  silent: number;
  crashes: number;
  hangs: number;
  errors: number;
  divergences: number;
  /** The reference's time in the same scenarios, for comparison. */
  referenceMs: number;
  /** Boots of the kernel's VM (the first, and one after each crash or hang) and their wall time, part of elapsedMs. */
  boots: number;
  bootMs: number;
}

/** The target that is the host's own kernel: never fuzzed. */
export const HOST_KERNEL_TARGET = 'linux-kernel';

/** Checks the target names before anything runs; throws a UsageError naming the one refused. */
export function checkFuzzTargets(targets: readonly string[], isolated: Record<string, unknown> = {}): void {
  for (const t of targets) {
    if (t === HOST_KERNEL_TARGET)
      throw new UsageError(
        `fuzz --suite mptcp refuses the ${HOST_KERNEL_TARGET} target: it is this machine's own kernel, and a kernel bug that mutated segments find would take the machine down. Fuzz a kernel only inside a VM or a container kernel of its own (an isolated-kernel target); the reference endpoint is always fuzzed.`,
      );
    if (t !== 'reference' && !(t in isolated))
      throw new UsageError(
        `fuzz --suite mptcp cannot drive target "${t}": it fuzzes the reference endpoint in-process and kernels that are not the host's (a VM or a container kernel: ${Object.keys(GUEST_KERNEL_TARGETS).join(', ')}); none by that name is available`,
      );
  }
}

/** Scenario `index` of seed `seed`, and what the reference does with it (the replay of a finding). */
export function replayMptcp(
  seed: number,
  index: number,
  drive: Partial<DriveOptions> = {},
  vectors = loadPacketVectors(),
): { scenario: Scenario; result: ScenarioResult } {
  const scenario = makeScenario(vectors, seed, index);
  return { scenario, result: runScenario(scenario, { ...DEFAULT_DRIVE, ...drive }) };
}

/** Numbers out of a message, so that findings that differ only in them group together. */
const shape = (s: string) => s.replace(/0x[0-9a-f]+|\d+/gi, 'N');

export async function fuzzMptcp(options: MptcpFuzzOptions): Promise<MptcpFuzzSummary> {
  const targets = options.targets?.length ? [...new Set(options.targets)] : ['reference'];
  const isolated = options.isolatedKernels ?? {};
  checkFuzzTargets(targets, isolated);
  if (!targets.includes('reference')) targets.unshift('reference');
  const budget = options.budget ?? (options.timeSeconds === undefined ? 1000 : Number.POSITIVE_INFINITY);
  const deadline = options.timeSeconds === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeSeconds * 1000;
  const drive = { ...DEFAULT_DRIVE, ...options.drive };
  const vectors = options.vectors ?? loadPacketVectors();
  const groups = new Map<string, MptcpFinding>();
  const counts = { crash: 0, hang: 0, violation: 0, divergence: 0, error: 0 };
  const others = targets.filter((x) => x !== 'reference');
  const kernels: Record<string, KernelStats> = {};
  for (const t of others)
    kernels[t] = {
      isolation: isolated[t]!.isolation,
      scenarios: 0,
      elapsedMs: 0,
      scenariosPerSecond: 0,
      segments: 0,
      silent: 0,
      crashes: 0,
      hangs: 0,
      errors: 0,
      divergences: 0,
      referenceMs: 0,
      boots: 0,
      bootMs: 0,
    };
  const scenarioList: NonNullable<MptcpFuzzSummary['scenarioList']> = [];
  let previous: { s: Scenario; r: ScenarioResult } | undefined;
  let injected = 0;
  let skipped = 0;
  let events = 0;
  const started = performance.now();
  let lastProgress = started;
  let n = 0;
  const note = (kind: MptcpFinding['kind'], signature: string, s: Scenario, r: ScenarioResult, detail: string, stack?: string) => {
    counts[kind]++;
    const key = `${kind}\u0000${signature}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      return;
    }
    groups.set(key, {
      kind,
      signature,
      count: 1,
      example: { index: s.index, seed: s.seed, vector: s.vectorId, mutations: r.mutations, detail, ...(stack ? { stack } : {}) },
      replay: `replayMptcp(${options.seed}, ${s.index}) in suites/mptcp/fuzz.ts`,
    });
  };
  const line = () => {
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? n / secs : 0;
    return `fuzz mptcp: ${n} scenarios, ${rate >= 10 || !others.length ? Math.round(rate) : rate.toFixed(2)}/s, ${counts.crash} crashes, ${counts.hang} hangs, ${counts.violation} violations, ${counts.divergence} divergences${others.length ? `, ${counts.error} adapter errors` : ''}`;
  };
  for (; n < budget && performance.now() < deadline;) {
    const s = makeScenario(vectors, options.seed, n);
    const refStarted = performance.now();
    const r = runScenario(s, drive);
    const refMs = performance.now() - refStarted;
    n++;
    injected += r.injected;
    skipped += r.skipped;
    events += r.events;
    if (r.crash) note('crash', `${r.crash.where}: ${shape(r.crash.error)}`, s, r, r.crash.error, r.crash.stack);
    if (r.hang) note('hang', shape(r.hang), s, r, r.hang);
    for (const v of new Set(r.violations.map((x) => shape(x.replace(/^at \d+ ms: /, '').replace(/: .*$/, '')))))
      note('violation', v, s, r, r.violations.join('\n'));
    const segments: Record<string, number> = { reference: r.answers.length };
    for (const t of others) {
      const k = kernels[t]!;
      const started = performance.now();
      const other = await isolated[t]!.run(s);
      k.elapsedMs += performance.now() - started;
      k.referenceMs += refMs;
      k.scenarios++;
      k.segments += other.segments ?? other.answers.length;
      segments[t] = other.segments ?? other.answers.length;
      if (!(other.segments ?? other.answers.length)) k.silent++;
      if (other.crash) {
        k.crashes++;
        // A crash found after its scenario ended is that scenario's.
        const at = other.lost && previous ? previous : { s, r };
        note('crash', `${t}: ${shape(crashLine(other.crash))}`, at.s, at.r, other.crash);
      }
      if (other.hang) {
        k.hangs++;
        note('hang', `${t}: ${shape(other.hang.split(';')[0]!)}`, s, r, other.hang);
      }
      if (other.error) {
        k.errors++;
        note('error', `${t}: ${shape(other.error)}`, s, r, other.error);
      }
      // A scenario cut short on the kernel (its crash, its hang, its adapter's error) is not compared.
      if (other.crash || other.hang || other.error || r.crash || r.hang) continue;
      const d = shapeDifference(r.shapes, other.shapes);
      if (d) {
        k.divergences++;
        note(
          'divergence',
          `${t}: only the reference sent ${d.onlyReference.join(' | ') || 'nothing more'}; only ${t} sent ${d.onlyOther.join(' | ') || 'nothing more'}`,
          s,
          r,
          [
            `only the reference sent: ${d.onlyReference.join(' | ') || '-'}`,
            `only ${t} sent: ${d.onlyOther.join(' | ') || '-'}`,
            'reference:',
            ...r.answers.slice(0, 40).map((a) => `  ${a}`),
            `${t}:`,
            ...other.answers.slice(0, 40).map((a) => `  ${a}`),
          ].join('\n'),
        );
      }
    }
    if (others.length) scenarioList.push({ index: s.index, vector: s.vectorId, mutations: r.mutations, segments });
    previous = { s, r };
    if (n % 64 === 0 || others.length) {
      // Let timers and I/O of the process run (a progress printer, a test's timeout).
      await new Promise((resolve) => setImmediate(resolve));
      if (options.progress && performance.now() - lastProgress >= 2000) {
        lastProgress = performance.now();
        options.progress(line());
      }
    }
  }
  options.progress?.(line());
  const elapsedMs = performance.now() - started;
  const summary: MptcpFuzzSummary = {
    suite: 'mptcp',
    seed: options.seed,
    targets,
    scenarios: n,
    elapsedMs: Math.round(elapsedMs),
    scenariosPerSecond: elapsedMs > 0 ? Math.round((n / elapsedMs) * 1000) : 0,
    injected,
    skipped,
    events,
    crashes: counts.crash,
    hangs: counts.hang,
    violations: counts.violation,
    divergences: counts.divergence,
    ...(others.length
      ? {
          kernels: Object.fromEntries(
            Object.entries(kernels).map(([t, k]) => [
              t,
              {
                ...k,
                elapsedMs: Math.round(k.elapsedMs),
                referenceMs: Math.round(k.referenceMs),
                boots: isolated[t]!.boots ?? 0,
                bootMs: Math.round(isolated[t]!.bootMs ?? 0),
                scenariosPerSecond: k.elapsedMs > 0 ? Math.round((k.scenarios / k.elapsedMs) * 100000) / 100 : 0,
              },
            ]),
          ),
          scenarioList,
        }
      : {}),
    findings: [...groups.values()].sort((a, b) => b.count - a.count),
  };
  writeFileAtomic(join(options.out, 'fuzz-mptcp.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileAtomic(join(options.out, 'fuzz-mptcp.md'), markdown(summary, isolated));
  return summary;
}

export const FUZZ_MPTCP_USAGE = 'conformatrix fuzz --suite mptcp [--budget N | --time S] [--seed N] [--target NAME]... [--out DIR]';

/**
 * The command line: `fuzz --suite mptcp [--budget N | --time S] [--seed N] [--target NAME]... [--out DIR]`. Progress
 * goes to stderr. Exit code 0 when nothing was found, 1 when something was; a bad option or a refused target is a
 * UsageError (exit code 2).
 */
export async function fuzzCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: ${FUZZ_MPTCP_USAGE}\n\nExit codes: 0 nothing found, 1 something found, 2 usage error.\nSee docs/fuzz.md, "MPTCP".\n`);
    return 0;
  }
  const { values } = parseArgs({
    args,
    options: {
      suite: { type: 'string' },
      target: { type: 'string', multiple: true, default: [] },
      budget: { type: 'string' },
      time: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'reports' },
    },
  });
  if (values.suite !== 'mptcp') throw new UsageError(`fuzz --suite takes mptcp here, not ${JSON.stringify(values.suite ?? '')}`);
  const whole = (name: string, v: string | undefined) => {
    if (v !== undefined && !/^[0-9]+$/.test(v)) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(v)}`);
    return v === undefined ? undefined : Number(v);
  };
  const budget = whole('budget', values.budget);
  const timeSeconds = whole('time', values.time);
  checkFuzzTargets(values.target, GUEST_KERNEL_TARGETS);
  // The kernels in a VM: each boots once, in the first scenario, and stops when the run is over.
  const isolatedKernels: Record<string, GuestKernel> = {};
  try {
    for (const t of new Set(values.target))
      if (t in GUEST_KERNEL_TARGETS) {
        try {
          isolatedKernels[t] = new GuestKernel(t);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      }
    const s = await fuzzMptcp({
      seed: whole('seed', values.seed)!,
      ...(budget !== undefined ? { budget } : {}),
      ...(timeSeconds !== undefined ? { timeSeconds } : {}),
      out: values.out,
      targets: values.target,
      isolatedKernels,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`Reports: ${join(values.out, 'fuzz-mptcp.md')}, ${join(values.out, 'fuzz-mptcp.json')}\n`);
    return s.crashes + s.hangs + s.violations + s.divergences > 0 ? 1 : 0;
  } finally {
    for (const k of Object.values(isolatedKernels)) await k.close();
  }
}

/** The line of a kernel's crash report that says what happened (a panic, an oops, a BUG or a warning), or its first. */
function crashLine(text: string): string {
  const lines = text.split(/\n| \| /).map((l) => l.replace(/^\[\s*[\d.]+\]\s*/, '').trim());
  return lines.find((l) => /Kernel panic|Oops|BUG:|WARNING:|general protection|RIP:/.test(l)) ?? lines[0] ?? text;
}

function markdown(s: MptcpFuzzSummary, isolated: Record<string, IsolatedKernel>): string {
  const out = [
    '# MPTCP fuzzing',
    '',
    `Seed ${s.seed}: ${s.scenarios} scenarios in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.scenariosPerSecond} per second), ` +
      `${s.injected} segments injected, ${s.skipped} inject steps skipped (not buildable after an earlier mutation).`,
    '',
    `Targets: ${s.targets.map((t) => (t === 'reference' ? 'reference (in-process, virtual clock)' : `${t} (${isolated[t]?.isolation ?? 'isolated kernel'})`)).join(', ')}.`,
    '',
    '| crashes | hangs | invariant violations | divergences |',
    '|---|---|---|---|',
    `| ${s.crashes} | ${s.hangs} | ${s.violations} | ${s.divergences} |`,
    '',
  ];
  if (s.kernels) {
    out.push(
      'Kernels (divergence: the sets of segment shapes differ, docs/fuzz.md, "What is compared"):',
      '',
      '| target | scenarios | per second (boots included) | boots (s) | reference per second | segments | silent | crashes | hangs | adapter errors | divergences |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...Object.entries(s.kernels).map(
        ([t, k]) =>
          `| ${t} | ${k.scenarios} | ${k.scenariosPerSecond} | ${k.boots} (${(k.bootMs / 1000).toFixed(1)}) | ${k.referenceMs > 0 ? Math.round((k.scenarios / k.referenceMs) * 1000) : '-'} | ${k.segments} | ${k.silent} | ${k.crashes} | ${k.hangs} | ${k.errors} | ${k.divergences} |`,
      ),
      '',
    );
  }
  if (!s.findings.length) out.push('Nothing found.', '');
  for (const f of s.findings) {
    out.push(
      `## ${f.kind}: ${f.signature}`,
      '',
      `${f.count} scenario(s). Example: scenario ${f.example.index} (vector \`${f.example.vector}\`); replay: \`${f.replay}\`.`,
      '',
    );
    out.push(
      'Mutations:',
      '',
      ...f.example.mutations.map((m) => `- ${m}`),
      '',
      '```',
      f.example.detail,
      ...(f.example.stack ? [f.example.stack] : []),
      '```',
      '',
    );
  }
  return out.join('\n').trimEnd() + '\n';
}
