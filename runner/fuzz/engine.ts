/**
 * The differential fuzzer's loop, for any suite that supplies a FuzzSuite:
 * generate scenarios in batches (scenario i of seed s is always the same one),
 * run each batch on every target (TargetPool), partition the targets by what
 * they did, cluster the disagreements, then minimise each of the largest
 * clusters' representative by delta debugging: of the suite's shrink
 * candidates, the first (in the suite's order) whose partition is the same
 * replaces it, until none is.
 *
 * Determinism: with --budget N the scenarios are 0..N-1 and the clusters
 * follow from the targets' answers alone. With --time S the same list is run
 * in order, batch by batch, until the time is up: the run covers a prefix of
 * it (a whole number of batches), and a budget of that many scenarios repeats
 * it exactly.
 */
import type { ResultRecord } from '../model.js';
import type { FuzzSuite } from './interface.js';
import { clusterKey, disagrees, partitionOf, type Partition } from './partition.js';
import type { TargetPool } from './pool.js';

export interface FuzzLoopOptions {
  seed: number;
  /** Run scenarios 0..budget-1 (whole batches, the last one cut to fit). */
  budget?: number;
  /** Stop starting batches after this many seconds. */
  timeS?: number;
  /** Scenarios per scheduler run. */
  batch: number;
  /** Minimise the representatives of at most this many clusters (the largest). */
  minimise: number;
  /** Rounds of candidates per minimisation; a round tries `candidates` of each cluster at once. */
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
}

function observe<S>(fs: FuzzSuite<S>, results: Map<string, ResultRecord>): Partition {
  return partitionOf(new Map([...results].map(([id, r]) => [id, fs.observe(r)])));
}

export async function fuzzLoop<S>(fs: FuzzSuite<S>, pool: TargetPool, o: FuzzLoopOptions): Promise<FuzzOutcome<S>> {
  const clusters = new Map<string, Cluster<S>>();
  const adapterMs = new Map<string, number>();
  const runs = new Map<string, number>();
  let disagreements = 0;
  const account = (results: Map<string, Map<string, ResultRecord>>, timing: Map<string, number>) => {
    for (const [id, ms] of timing) adapterMs.set(id, (adapterMs.get(id) ?? 0) + ms);
    for (const byTarget of results.values()) for (const id of byTarget.keys()) runs.set(id, (runs.get(id) ?? 0) + 1);
  };
  const began = performance.now();
  let fuzzSeconds: number | undefined;
  let minBegan: number | undefined;
  let index = 0;
  const snapshot = (): FuzzOutcome<S> => ({
    scenarios: index,
    disagreements,
    clusters: [...clusters.values()].sort((a, b) => b.members.length - a.members.length || a.members[0]! - b.members[0]!),
    fuzzSeconds: fuzzSeconds ?? (performance.now() - began) / 1000,
    minimiseSeconds: minBegan === undefined ? 0 : (performance.now() - minBegan) / 1000,
    adapterMs,
    runs,
  });
  o.live?.(snapshot as () => FuzzOutcome<unknown>);
  const budget = o.budget ?? (o.timeS !== undefined ? Number.POSITIVE_INFINITY : 100);
  while (index < budget && !o.signal?.aborted) {
    if (o.timeS !== undefined && performance.now() - began >= o.timeS * 1000) break;
    const n = Math.min(o.batch, budget - index);
    const scenarios = Array.from({ length: n }, (_, k) => fs.generate(o.seed, index + k));
    const vectors = scenarios.map((s, k) => fs.toVector(s, `${fs.suite.name}/fuzz/${o.seed}/${index + k}`));
    const { results, timing } = await pool.run(vectors, o.signal);
    // A batch cut short by Ctrl-C is not counted: its scenarios did not all run.
    if (o.signal?.aborted) break;
    account(results, timing.adapterMs);
    scenarios.forEach((s, k) => {
      const byTarget = results.get(vectors[k]!.id)!;
      const p = observe(fs, byTarget);
      if (!disagrees(p)) return;
      disagreements++;
      const features = fs.features(s);
      const key = clusterKey(p, features, fs.reference);
      const c = clusters.get(key);
      if (c) c.members.push(index + k);
      else
        clusters.set(key, {
          key,
          partition: p,
          features,
          members: [index + k],
          original: s,
          minimised: s,
          steps: 0,
          minimisedFully: false,
          results: byTarget,
        });
    });
    index += n;
    const seconds = (performance.now() - began) / 1000;
    o.progress?.(`fuzz: ${index} scenarios (${(index / seconds).toFixed(1)}/s), ${disagreements} disagreements, ${clusters.size} clusters`);
  }
  fuzzSeconds = (performance.now() - began) / 1000;
  o.checkpoint?.(snapshot() as FuzzOutcome<unknown>);
  minBegan = performance.now();
  await minimise(fs, pool, snapshot().clusters.slice(0, o.minimise), o, account);
  return snapshot();
}

/**
 * Delta debugging of several clusters at once: each round runs, for every
 * cluster still shrinking, the next `candidates` of its shrink candidates in
 * one batch; a cluster takes the first candidate (in the suite's order) that
 * splits the targets as its representative did, and starts over from it; one
 * whose candidates are all tried is minimal (1-minimal with respect to the
 * suite's shrink steps).
 */
async function minimise<S>(
  fs: FuzzSuite<S>,
  pool: TargetPool,
  clusters: Cluster<S>[],
  o: FuzzLoopOptions,
  account: (results: Map<string, Map<string, ResultRecord>>, timing: Map<string, number>) => void,
): Promise<void> {
  const state = clusters.map((c) => ({ c, offset: 0 }));
  let active = state;
  for (let round = 0; round < o.shrinkRounds && active.length && !o.signal?.aborted; round++) {
    const tries: { st: (typeof state)[number]; candidates: S[] }[] = [];
    for (const st of active) {
      const size = fs.size(st.c.minimised);
      const all = fs.shrink(st.c.minimised).filter((s) => fs.size(s) < size);
      const candidates = all.slice(st.offset, st.offset + o.candidates);
      if (!candidates.length) st.c.minimisedFully = true;
      else tries.push({ st, candidates });
    }
    if (!tries.length) break;
    const vectors = tries.flatMap(({ candidates }, t) => candidates.map((s, k) => fs.toVector(s, `${fs.suite.name}/fuzz/shrink/${round}/${t}/${k}`)));
    const { results, timing } = await pool.run(vectors, o.signal);
    account(results, timing.adapterMs);
    let v = 0;
    for (const { st, candidates } of tries) {
      let taken = false;
      for (const s of candidates) {
        const byTarget = results.get(vectors[v++]!.id)!;
        if (taken || observe(fs, byTarget).key !== st.c.partition.key) continue;
        taken = true;
        st.c.minimised = s;
        st.c.results = byTarget;
        st.c.steps++;
        st.offset = 0;
      }
      if (!taken) st.offset += candidates.length;
    }
    active = state.filter((st) => !st.c.minimisedFully);
    o.progress?.(`minimise: round ${round + 1}, ${active.length} of ${state.length} clusters still shrinking`);
  }
}
