/**
 * `conformatrix diff OLD NEW`: what changed between two runs. Regressions
 * (passed before, fail, err or time out now), fixes (the reverse), other
 * verdict changes, vectors new to the run or gone from it, targets added or
 * removed, and version changes: of each target's implementation and image,
 * of the harness, of the kernel, of the vector set.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { isFailure, type ResultRecord, type RunResults, type Verdict } from './model.js';
import { readResults } from './results.js';

export interface VerdictChange {
  targetId: string;
  vectorId: string;
  from: Verdict;
  to: Verdict;
  reason?: string;
}

export interface RunDiff {
  old: { startedAt: string; harness: string; vectorSetHash?: string };
  new: { startedAt: string; harness: string; vectorSetHash?: string };
  regressions: VerdictChange[];
  fixes: VerdictChange[];
  /** Every other change of verdict (flaky to pass, supported to unsupported...). */
  changes: VerdictChange[];
  newVectors: string[];
  removedVectors: string[];
  newTargets: string[];
  removedTargets: string[];
  /** What changed in the runs' and targets' versions: one entry per thing, from and to. */
  versions: { what: string; from: string; to: string }[];
}

const passed = (v: Verdict) => v === 'pass';

export function diffRuns(a: RunResults, b: RunResults): RunDiff {
  const key = (r: ResultRecord) => `${r.targetId}\u0000${r.vectorId}`;
  const before = new Map(a.results.map((r) => [key(r), r]));
  const d: RunDiff = {
    old: { startedAt: a.run.startedAt, harness: a.run.harness.version, ...(a.run.vectorSetHash ? { vectorSetHash: a.run.vectorSetHash } : {}) },
    new: { startedAt: b.run.startedAt, harness: b.run.harness.version, ...(b.run.vectorSetHash ? { vectorSetHash: b.run.vectorSetHash } : {}) },
    regressions: [],
    fixes: [],
    changes: [],
    newVectors: [],
    removedVectors: [],
    newTargets: [],
    removedTargets: [],
    versions: [],
  };
  for (const r of b.results) {
    const old = before.get(key(r));
    if (!old || old.verdict === r.verdict) continue;
    const change: VerdictChange = { targetId: r.targetId, vectorId: r.vectorId, from: old.verdict, to: r.verdict, ...(r.reason ? { reason: r.reason } : {}) };
    if (passed(old.verdict) && isFailure(r.verdict)) d.regressions.push(change);
    else if (isFailure(old.verdict) && passed(r.verdict)) d.fixes.push(change);
    else d.changes.push(change);
  }
  const va = new Set(a.vectors.map((v) => v.id));
  const vb = new Set(b.vectors.map((v) => v.id));
  d.newVectors = [...vb].filter((id) => !va.has(id));
  d.removedVectors = [...va].filter((id) => !vb.has(id));
  const ta = new Map(a.targets.map((t) => [t.id, t]));
  const tb = new Map(b.targets.map((t) => [t.id, t]));
  d.newTargets = [...tb.keys()].filter((id) => !ta.has(id));
  d.removedTargets = [...ta.keys()].filter((id) => !tb.has(id));
  const version = (what: string, from: string | undefined, to: string | undefined) => {
    if ((from ?? '') !== (to ?? '')) d.versions.push({ what, from: from ?? '(none)', to: to ?? '(none)' });
  };
  version('conformatrix', a.run.harness.version, b.run.harness.version);
  version('kernel', a.run.kernel, b.run.kernel);
  version('vectors', a.run.vectorsVersion, b.run.vectorsVersion);
  version('vector set', a.run.vectorSetHash, b.run.vectorSetHash);
  version('profile', a.run.profile, b.run.profile);
  for (const [id, t] of tb) {
    const o = ta.get(id);
    if (!o) continue;
    const impl = (x: typeof t) => (x.implementation ? `${x.implementation.name} ${x.implementation.version}` : undefined);
    version(`${id}`, impl(o), impl(t));
    version(`${id} image`, o.imageId, t.imageId);
    version(`${id} status`, o.status, t.status);
  }
  return d;
}

/** A results folder or a results.json file. */
export function readRunAt(path: string): RunResults {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`);
  return readResults(statSync(path).isDirectory() ? join(path, 'results.json') : path);
}

export function diffText(d: RunDiff): string {
  const out: string[] = [`Old run ${d.old.startedAt} (conformatrix ${d.old.harness}); new run ${d.new.startedAt} (conformatrix ${d.new.harness})`, ''];
  const section = (title: string, lines: string[]) => {
    out.push(`${title} (${lines.length})`);
    for (const l of lines) out.push(`  ${l}`);
    out.push('');
  };
  const change = (c: VerdictChange) =>
    `${c.targetId}  ${c.vectorId}: ${c.from} -> ${c.to}${c.reason && c.to !== 'pass' ? `  (${c.reason.split('\n')[0]!.slice(0, 200)})` : ''}`;
  section('Regressions', d.regressions.map(change));
  section('Fixes', d.fixes.map(change));
  section('Other verdict changes', d.changes.map(change));
  section('New vectors', d.newVectors);
  section('Removed vectors', d.removedVectors);
  if (d.newTargets.length || d.removedTargets.length) section('Targets', [...d.newTargets.map((t) => `+ ${t}`), ...d.removedTargets.map((t) => `- ${t}`)]);
  section(
    'Version changes',
    d.versions.map((v) => `${v.what}: ${v.from} -> ${v.to}`),
  );
  return out.join('\n');
}
