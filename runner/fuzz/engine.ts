/**
 * The differential fuzzer's loop, for any suite that supplies a FuzzSuite:
 * generate scenarios in batches (scenario i of seed s is always the same one),
 * run each batch on every target (TargetPool), partition the targets by what
 * they did, and group the disagreements by partition and input features (the
 * preliminary clusters). Then cut each of the largest preliminary clusters'
 * representative down to its causes, and cluster again on those (decompose).
 *
 * Why twice: a generated scenario carries several oddities, and each target
 * trips on a different one, so keyed on the whole scenario nearly every
 * disagreement is a cluster of its own (seed 1, 60 scenarios, 13 targets: 47
 * disagreements, 46 clusters). A cause is what one target does differently
 * from the reference on an input cut down by delta debugging (of the suite's
 * shrink candidates, the first, in the suite's order, on which that target
 * still differs from the reference replaces the input, until none does); the
 * cut-down input is then run on every target, and the cluster is keyed on its
 * features and on who parts from the reference on it. Every target that parts
 * from the reference on the whole scenario is accounted for: one whose cause
 * is not yet found gets a delta debugging of its own. So two disagreements
 * with the same cause and different noise land in one cluster, and one with
 * two causes lands in two.
 *
 * Determinism: with --budget N the scenarios are 0..N-1 and the clusters
 * follow from the targets' answers alone. With --time S the same list is run
 * in order, batch by batch, for 60 % of the time (all of it without
 * minimising); the rest goes to cutting down, round by round, the largest
 * preliminary clusters first, until the time is up. The run covers a prefix
 * of the scenarios (a whole number of batches) and a number of rounds, both in
 * its outcome: a budget of that many scenarios with that many rounds
 * (--minimise-rounds) repeats it exactly. A batch or round still running when
 * its phase's time is up is abandoned (its in-flight scenarios end as the
 * scheduler ends them, within --timeout) and not counted; one that would not
 * fit, judged by how long the slowest target took over the last one, is not
 * started. The first batch always runs to its end: a run has scenarios.
 */
import type { ResultRecord } from '../model.js';
import type { FuzzSuite } from './interface.js';
import { clusterKey, disagrees, dissenters, partitionOf, type Partition } from './partition.js';
import type { TargetPool } from './pool.js';

export interface FuzzLoopOptions {
  seed: number;
  /** Run scenarios 0..budget-1 (whole batches, the last one cut to fit). */
  budget?: number;
  /** Bound the whole run to this many seconds: fuzzing gets GENERATE_SHARE of it (all of it when not minimising), minimising the rest. */
  timeS?: number;
  /** Stop minimising after this many rounds (what a run bounded by time did, to repeat it). */
  minimiseRounds?: number;
  /** When the run began, in performance.now()'s terms (the command's: 0, the process's start), for --time; by default now. */
  since?: number;
  /** Scenarios per scheduler run. */
  batch: number;
  /** Decompose the representatives of at most this many preliminary clusters (the largest). */
  minimise: number;
  /** Rounds of candidates per delta debugging; a round tries `candidates` of each one under way at once. */
  shrinkRounds: number;
  candidates: number;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  /** Called once fuzzing is over and before minimising, with the outcome so far (the command writes the reports then, and again at the end). */
  checkpoint?: (outcome: FuzzOutcome<unknown>) => void;
  /** Given a function that returns the outcome so far at any moment (the command writes partial reports with it on Ctrl-C). */
  live?: (now: () => FuzzOutcome<unknown>) => void;
}

export interface Cluster<S> {
  key: string;
  /** The partition of the minimised input (of the original when the cluster was not decomposed). */
  partition: Partition;
  features: string[];
  /** Indexes of the scenarios in it, in order. */
  members: number[];
  /** The first member, as generated. */
  original: S;
  /** The representative after minimisation (the original when it was not minimised). */
  minimised: S;
  /** Delta-debugging steps taken (candidates accepted), and whether minimisation ran to the end. */
  steps: number;
  minimisedFully: boolean;
  /** Keyed on a cause (a minimised input), or on a whole generated scenario (beyond --minimise, or before decomposing). */
  decomposed: boolean;
  /** Why a cluster kept whole was not cut down (absent while minimising has not started, and on a decomposed one). */
  uncut?: UncutReason;
  /** Each target's result on the minimised representative. */
  results: Map<string, ResultRecord>;
}

export interface FuzzOutcome<S> {
  scenarios: number;
  disagreements: number;
  clusters: Cluster<S>[];
  /** Seconds spent running scenarios (not minimising), and summed adapter time per target. */
  fuzzSeconds: number;
  minimiseSeconds: number;
  adapterMs: Map<string, number>;
  /** Runs per target (scenarios and minimisation candidates). */
  runs: Map<string, number>;
  /** Why fuzzing stopped, and minimising: its rounds (each a batch), and why it stopped (absent before it started). */
  fuzzStop: Stop;
  minimise?: { rounds: number; stop: Stop | 'done' };
}

/** What ended a phase: its budget (of scenarios, or --minimise-rounds), its share of --time, or an interruption. */
export type Stop = 'budget' | 'rounds' | 'time' | 'interrupted';
export type UncutReason = 'beyond --minimise' | 'time ran out' | 'the --minimise-rounds cap' | 'interrupted' | 'no cause came back';

/** The share of --time spent fuzzing when the run also minimises; the rest is for cutting down (docs/fuzz.md, "Time"). */
export const GENERATE_SHARE = 0.6;

/**
 * How many preliminary clusters are cut down at once: the largest first, so
 * that when the time runs out the largest are done (all at once, none would
 * be). Each has up to `candidates` runs a round; more at once keep the
 * targets busier but leave more half done when the time is up.
 */
export const MINIMISE_WINDOW = 4;

/**
 * A phase's deadline: a signal raised at `endMs` (of performance.now()) or
 * with `outer`. The time is the budget itself, not a wait for an event.
 */
function phase(endMs: number, outer: AbortSignal | undefined): { signal: AbortSignal; clear(): void } {
  const own = new AbortController();
  const timer = Number.isFinite(endMs) ? setTimeout(() => own.abort(), Math.max(0, endMs - performance.now())) : undefined;
  return { signal: outer ? AbortSignal.any([outer, own.signal]) : own.signal, clear: () => clearTimeout(timer) };
}

/** How long the next batch is expected to take: as long as the slowest target's adapter took over the last one. */
const slowest = (adapterMs: Map<string, number>) => Math.max(0, ...adapterMs.values());

function observe<S>(fs: FuzzSuite<S>, results: Map<string, ResultRecord>): Partition {
  return partitionOf(new Map([...results].map(([id, r]) => [id, fs.observe(r)])));
}

/** A preliminary cluster, from a whole scenario. */
function wholeCluster<S>(key: string, partition: Partition, features: string[], index: number, s: S, results: Map<string, ResultRecord>): Cluster<S> {
  return { key, partition, features, members: [index], original: s, minimised: s, steps: 0, minimisedFully: false, decomposed: false, results };
}

const bySize = <S>(a: Cluster<S>, b: Cluster<S>) => b.members.length - a.members.length || a.members[0]! - b.members[0]!;

type Account = (results: Map<string, Map<string, ResultRecord>>, timing: Map<string, number>) => void;

export async function fuzzLoop<S>(fs: FuzzSuite<S>, pool: TargetPool, o: FuzzLoopOptions): Promise<FuzzOutcome<S>> {
  const clusters = new Map<string, Cluster<S>>();
  let decomposed: { clusters: Cluster<S>[]; rounds: number; stop: Stop | 'done' } | undefined;
  const adapterMs = new Map<string, number>();
  const runs = new Map<string, number>();
  let disagreements = 0;
  const account: Account = (results, timing) => {
    for (const [id, ms] of timing) adapterMs.set(id, (adapterMs.get(id) ?? 0) + ms);
    for (const byTarget of results.values()) for (const id of byTarget.keys()) runs.set(id, (runs.get(id) ?? 0) + 1);
  };
  const began = o.since ?? performance.now();
  const end = o.timeS !== undefined ? began + o.timeS * 1000 : Number.POSITIVE_INFINITY;
  const fuzzEnd = o.timeS !== undefined && o.minimise > 0 ? began + o.timeS * 1000 * GENERATE_SHARE : end;
  let fuzzSeconds: number | undefined;
  let minBegan: number | undefined;
  let index = 0;
  let fuzzStop: Stop = 'budget';
  const snapshot = (): FuzzOutcome<S> => ({
    scenarios: index,
    disagreements,
    clusters: decomposed?.clusters ?? [...clusters.values()].sort(bySize),
    fuzzSeconds: fuzzSeconds ?? (performance.now() - began) / 1000,
    minimiseSeconds: minBegan === undefined ? 0 : (performance.now() - minBegan) / 1000,
    adapterMs,
    runs,
    fuzzStop,
    ...(decomposed ? { minimise: { rounds: decomposed.rounds, stop: decomposed.stop } } : {}),
  });
  o.live?.(snapshot as () => FuzzOutcome<unknown>);
  const budget = o.budget ?? (o.timeS !== undefined ? Number.POSITIVE_INFINITY : 100);
  let expectMs = 0;
  while (index < budget) {
    if (o.signal?.aborted) {
      fuzzStop = 'interrupted';
      break;
    }
    if (index > 0 && performance.now() + expectMs > fuzzEnd) {
      fuzzStop = 'time';
      break;
    }
    const n = Math.min(o.batch, budget - index);
    const scenarios = Array.from({ length: n }, (_, k) => fs.generate(o.seed, index + k));
    const vectors = scenarios.map((s, k) => fs.toVector(s, `${fs.suite.name}/fuzz/${o.seed}/${index + k}`));
    // The first batch runs to its end (or to Ctrl-C), whatever the time: a run has scenarios.
    const deadline = phase(index > 0 ? fuzzEnd : Number.POSITIVE_INFINITY, o.signal);
    const { results, timing } = await pool.run(vectors, deadline.signal).finally(deadline.clear);
    // A batch cut short (Ctrl-C, or the time up) is not counted: its scenarios did not all run.
    if (deadline.signal.aborted) {
      fuzzStop = o.signal?.aborted ? 'interrupted' : 'time';
      break;
    }
    account(results, timing.adapterMs);
    expectMs = slowest(timing.adapterMs);
    scenarios.forEach((s, k) => {
      const byTarget = results.get(vectors[k]!.id)!;
      const p = observe(fs, byTarget);
      if (!disagrees(p)) return;
      disagreements++;
      const features = fs.features(s);
      const key = clusterKey(p, features, fs.reference);
      const c = clusters.get(key);
      if (c) c.members.push(index + k);
      else clusters.set(key, wholeCluster(key, p, features, index + k, s, byTarget));
    });
    index += n;
    const seconds = (performance.now() - began) / 1000;
    o.progress?.(`fuzz: ${index} scenarios (${(index / seconds).toFixed(1)}/s), ${disagreements} disagreements, ${clusters.size} clusters`);
  }
  fuzzSeconds = (performance.now() - began) / 1000;
  if (o.timeS !== undefined) o.progress?.(`fuzz: stopped (${fuzzStop}) after ${fuzzSeconds.toFixed(1)} s of ${o.timeS} s`);
  o.checkpoint?.(snapshot() as FuzzOutcome<unknown>);
  minBegan = performance.now();
  decomposed = await decompose(fs, pool, [...clusters.values()].sort(bySize), { ...o, end }, account);
  return snapshot();
}

/** One delta debugging: `target` against the reference, from a preliminary cluster's representative. */
interface Job<S> {
  target: string;
  current: S;
  offset: number;
  steps: number;
  rounds: number;
  complete: boolean;
  done: boolean;
}

/** A cause found: the cut-down input, and what every target did on it. */
interface Cause<S> {
  minimised: S;
  steps: number;
  complete: boolean;
  partition: Partition;
  results: Map<string, ResultRecord>;
}

/**
 * Cuts the representatives of the `o.minimise` largest preliminary clusters
 * down to their causes (see the top of this file), and clusters again on
 * them: each member of a preliminary cluster joins every cluster its
 * representative's causes land in. MINIMISE_WINDOW clusters are cut down at
 * once, the largest first; all their delta debuggings under way go in one
 * batch a round: for each, the next `candidates` of its shrink candidates,
 * run on its target and the reference alone; and for each that is over, its
 * input run on every target. A cluster whose cutting down was not over when
 * it stopped (time, --minimise-rounds, Ctrl-C) is kept whole, as are those
 * beyond --minimise, each with the reason.
 */
async function decompose<S>(
  fs: FuzzSuite<S>,
  pool: TargetPool,
  preliminary: Cluster<S>[],
  o: FuzzLoopOptions & { end: number },
  account: Account,
): Promise<{ clusters: Cluster<S>[]; rounds: number; stop: Stop | 'done' }> {
  const ref = fs.reference;
  const state = preliminary.slice(0, o.minimise).map((c) => ({
    c,
    todo: dissenters(c.partition, ref),
    covered: new Set<string>(),
    started: false,
    job: undefined as Job<S> | undefined,
    causes: [] as Cause<S>[],
  }));
  type State = (typeof state)[number];
  const over = (st: State) => !st.job && st.todo.every((t) => st.covered.has(t));
  const differs = (byTarget: Map<string, ResultRecord>, target: string) => {
    const [mine, theirs] = [byTarget.get(target), byTarget.get(ref)].map((r) => (r ? fs.observe(r) : undefined));
    return mine !== undefined && theirs !== undefined && mine !== theirs;
  };
  let rounds = 0;
  let stop: Stop | 'done' = 'done';
  let expectMs = 0;
  for (; ; rounds++) {
    if (state.every(over)) break;
    if (o.signal?.aborted) stop = 'interrupted';
    else if (o.minimiseRounds !== undefined && rounds >= o.minimiseRounds) stop = 'rounds';
    else if (performance.now() + expectMs > o.end) stop = 'time';
    if (stop !== 'done') break;
    // The window: the clusters being cut down, and the next largest ones while there is room.
    let active = 0;
    for (const st of state) {
      if (over(st) || active >= MINIMISE_WINDOW) continue;
      st.started = true;
      active++;
    }
    const tries: { st: State; candidates: S[] }[] = [];
    const checks: State[] = [];
    for (const st of state) {
      if (!st.started || over(st)) continue;
      if (!st.job) {
        const target = st.todo.find((t) => !st.covered.has(t))!;
        st.job = { target, current: st.c.original, offset: 0, steps: 0, rounds: 0, complete: false, done: false };
      }
      const job = st.job;
      if (!job.done && job.rounds >= o.shrinkRounds) job.done = true;
      if (!job.done) {
        const size = fs.size(job.current);
        const candidates = fs
          .shrink(job.current)
          .filter((s) => fs.size(s) < size)
          .slice(job.offset, job.offset + o.candidates);
        if (candidates.length) tries.push({ st, candidates });
        else job.done = job.complete = true;
      }
      if (job.done) checks.push(st);
    }
    const vectors = [
      ...tries.flatMap(({ candidates }, t) => candidates.map((s, k) => fs.toVector(s, `${fs.suite.name}/fuzz/shrink/${rounds}/${t}/${k}`))),
      ...checks.map((st, t) => fs.toVector(st.job!.current, `${fs.suite.name}/fuzz/cause/${rounds}/${t}`)),
    ];
    const pairs = new Map(
      tries.flatMap(({ st, candidates }, t) => candidates.map((_, k) => [`${fs.suite.name}/fuzz/shrink/${rounds}/${t}/${k}`, [ref, st.job!.target]])),
    );
    const deadline = phase(o.end, o.signal);
    const { results, timing } = await pool.run(vectors, deadline.signal, (v) => pairs.get(v.id)).finally(deadline.clear);
    // A round cut short is not counted, as a batch of scenarios is not.
    if (deadline.signal.aborted) {
      stop = o.signal?.aborted ? 'interrupted' : 'time';
      break;
    }
    account(results, timing.adapterMs);
    expectMs = slowest(timing.adapterMs);
    let v = 0;
    for (const { st, candidates } of tries) {
      const job = st.job!;
      job.rounds++;
      let taken = false;
      for (const s of candidates) {
        const byTarget = results.get(vectors[v++]!.id)!;
        if (taken || !differs(byTarget, job.target)) continue;
        taken = true;
        job.current = s;
        job.steps++;
        job.offset = 0;
      }
      if (!taken) job.offset += candidates.length;
    }
    for (const st of checks) {
      const job = st.job!;
      const byTarget = results.get(vectors[v++]!.id)!;
      const partition = observe(fs, byTarget);
      st.covered.add(job.target);
      for (const t of dissenters(partition, ref)) st.covered.add(t);
      if (disagrees(partition)) st.causes.push({ minimised: job.current, steps: job.steps, complete: job.complete, partition, results: byTarget });
      st.job = undefined;
    }
    const busy = state.filter((st) => !over(st)).length;
    o.progress?.(
      `minimise: round ${rounds + 1}, ${busy} of ${state.length} clusters still to cut down, ${state.reduce((n, st) => n + st.causes.length, 0)} causes`,
    );
  }
  const why: Record<Stop, UncutReason> = { time: 'time ran out', rounds: 'the --minimise-rounds cap', interrupted: 'interrupted', budget: 'interrupted' };
  const out = new Map<string, Cluster<S>>();
  for (const st of state) {
    // A cluster whose cutting down was not over, or whose causes did not come back (the reference left out, a target
    // that answered otherwise when run again), stays whole.
    if (!over(st) || !st.causes.length) {
      out.set(`whole ${st.c.key}`, { ...st.c, uncut: over(st) ? 'no cause came back' : why[stop as Stop] });
      continue;
    }
    for (const cause of st.causes) {
      const features = fs.features(cause.minimised);
      const key = clusterKey(cause.partition, features, ref);
      const c = out.get(key);
      if (c) c.members = [...new Set([...c.members, ...st.c.members])].sort((a, b) => a - b);
      else
        out.set(key, {
          key,
          partition: cause.partition,
          features,
          members: [...st.c.members],
          original: st.c.original,
          minimised: cause.minimised,
          steps: cause.steps,
          minimisedFully: cause.complete,
          decomposed: true,
          results: cause.results,
        });
    }
  }
  for (const c of preliminary.slice(o.minimise)) out.set(`whole ${c.key}`, { ...c, uncut: 'beyond --minimise' });
  return { clusters: [...out.values()].sort(bySize), rounds, stop };
}
