/**
 * `conformatrix merge DIR... --out DIR`: the results of shards (or of any
 * runs over disjoint parts of one vector set) combined into one run, with
 * their artifacts, and every report written again from the combined model.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { compareVectorOrder } from './order.js';
import type { ResultRecord, RunResults, TargetRecord, VectorRecord } from './model.js';
import { readResults } from './results.js';

/** The richer of two records of one target: available over unavailable, with what its adapter said. */
function mergeTarget(a: TargetRecord, b: TargetRecord): TargetRecord {
  const [first, second] = a.status === 'available' && a.implementation ? [a, b] : [b, a];
  const notes = [...new Set([...(first.notes ?? []), ...(second.notes ?? [])])];
  return { ...second, ...first, suites: [...new Set([...first.suites, ...second.suites])], ...(notes.length ? { notes } : {}) };
}

/**
 * What is wrong with the set of shards given to merge: a shard given twice,
 * missing shards, or shards mixed with unsharded runs. A merge of part of a
 * run would gate a release on part of its vectors, so each is refused.
 */
export function shardProblems(runs: { dir: string; run: RunResults }[]): string[] {
  const sharded = runs.filter((r) => r.run.run.shard !== undefined);
  if (sharded.length === 0) return [];
  const problems: string[] = [];
  const whole = runs.filter((r) => r.run.run.shard === undefined);
  if (whole.length) problems.push(`${whole.map((r) => r.dir).join(', ')} ${whole.length === 1 ? 'is not a shard' : 'are not shards'}, ${sharded[0]!.dir} is`);
  const seen = new Map<number, string>();
  for (const { dir, run } of sharded) {
    const s = run.run.shard!;
    const other = seen.get(s.index);
    if (other !== undefined) problems.push(`shard ${s.index}/${s.count} is given twice (${other} and ${dir})`);
    seen.set(s.index, dir);
  }
  const counts = new Set(sharded.map((r) => r.run.run.shard!.count));
  if (counts.size === 1) {
    const [count] = counts;
    const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length)
      problems.push(`the run has ${count} shards and ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  }
  return problems;
}

export function mergeRuns(runs: { dir: string; run: RunResults }[]): RunResults {
  if (runs.length === 0) throw new UsageError('merge needs at least one results folder');
  const [base] = runs;
  const problems: string[] = [];
  for (const { dir, run } of runs.slice(1)) {
    if (run.run.harness.version !== base!.run.run.harness.version)
      problems.push(`${dir} was made by conformatrix ${run.run.harness.version}, ${base!.dir} by ${base!.run.run.harness.version}`);
    if (run.run.profile !== base!.run.run.profile)
      problems.push(`${dir} ran profile ${run.run.profile ?? 'none'}, ${base!.dir} ${base!.run.run.profile ?? 'none'}`);
    if (run.run.vectorSetHash !== base!.run.run.vectorSetHash)
      problems.push(`${dir} ran another vector set than ${base!.dir} (vector set hash ${run.run.vectorSetHash} vs ${base!.run.run.vectorSetHash})`);
    if (run.run.shard && base!.run.run.shard && run.run.shard.count !== base!.run.run.shard.count)
      problems.push(`${dir} is a shard of ${run.run.shard.count}, ${base!.dir} of ${base!.run.run.shard.count}`);
  }
  problems.push(...shardProblems(runs));
  if (problems.length) throw new UsageError(`cannot merge: ${problems.join('; ')}`);

  const targets = new Map<string, TargetRecord>();
  const vectors = new Map<string, VectorRecord>();
  const results = new Map<string, { dir: string; result: ResultRecord }>();
  for (const { dir, run } of runs) {
    for (const t of run.targets) targets.set(t.id, targets.has(t.id) ? mergeTarget(targets.get(t.id)!, t) : t);
    for (const v of run.vectors) vectors.set(v.id, v);
    for (const r of run.results) {
      const key = `${r.targetId}\u0000${r.vectorId}`;
      const other = results.get(key);
      if (other) throw new UsageError(`cannot merge: ${r.vectorId} on ${r.targetId} has results in both ${other.dir} and ${dir}`);
      results.set(key, { dir, result: r });
    }
  }
  const targetOrder = new Map(base!.run.targets.map((t, i) => [t.id, i]));
  for (const { run } of runs) for (const t of run.targets) if (!targetOrder.has(t.id)) targetOrder.set(t.id, targetOrder.size);
  const vectorList = [...vectors.values()].sort(compareVectorOrder);
  const vectorOrder = new Map(vectorList.map((v, i) => [v.id, i]));
  const resultList = [...results.values()]
    .map((r) => r.result)
    .sort(
      (a, b) =>
        targetOrder.get(a.targetId)! - targetOrder.get(b.targetId)! ||
        (vectorOrder.get(a.vectorId) ?? 0) - (vectorOrder.get(b.vectorId) ?? 0) ||
        a.targetId.localeCompare(b.targetId),
    );
  const times = runs.map((r) => r.run.run);
  const { shard: _shard, argv: _argv, ...info } = base!.run.run;
  const interrupted = times.some((t) => t.interrupted);
  return {
    format: 'conformatrix-results',
    formatVersion: 1,
    run: {
      ...info,
      suites: [...new Set(times.flatMap((t) => t.suites))],
      startedAt: times.map((t) => t.startedAt).sort()[0]!,
      finishedAt: times
        .map((t) => t.finishedAt)
        .sort()
        .at(-1)!,
      mergedFrom: runs.map((r) => r.dir),
      ...(interrupted ? { interrupted } : {}),
    },
    targets: [...targets.values()].sort((a, b) => targetOrder.get(a.id)! - targetOrder.get(b.id)!),
    vectors: vectorList,
    results: resultList,
    // Every shard measured the coverage of the whole selection (the same vector set hash): the first one's holds for all.
    ...(base!.run.coverage ? { coverage: base!.run.coverage } : {}),
  };
}

/** Reads each folder's results.json, merges them, and copies every folder's artifacts into the output folder. */
export function mergeDirs(dirs: string[], outDir: string): RunResults {
  const runs = dirs.map((d) => {
    const file = join(d, 'results.json');
    if (!existsSync(file)) throw new UsageError(`${d} has no results.json`);
    return { dir: d, run: readResults(file) };
  });
  const merged = mergeRuns(runs);
  mkdirSync(outDir, { recursive: true });
  for (const d of dirs) {
    const artifacts = join(d, 'artifacts');
    if (existsSync(artifacts) && resolve(d) !== resolve(outDir)) cpSync(artifacts, join(outDir, 'artifacts'), { recursive: true });
  }
  return merged;
}
