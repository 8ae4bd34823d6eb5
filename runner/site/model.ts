/**
 * What the site shows, computed from the runs before any page is written:
 * the runs in date order with a folder name each, and per target and suite a
 * series of the runs it has results in, with its counts, and the diff of each
 * two consecutive runs of that series (runner/diff.ts's model, over that
 * target's results only).
 *
 * A "target" here is what a result's targetId names: a target, or for an
 * interop suite a pair ("client+server"), which gets a series of its own.
 */
import { diffRuns, type RunDiff } from '../diff.js';
import { countVerdicts, isFailure, type ResultRecord, type RunResults, type Verdict } from '../model.js';
import type { RunFolder } from './read.js';

export interface SiteRun extends RunFolder {
  /** Its folder under the site's runs/, unique: the start time, made safe for a file name. */
  slug: string;
}

export interface TrendPoint {
  run: SiteRun;
  counts: Record<Verdict, number>;
  pass: number;
  /** Every result but skipped ones, as the matrix counts them. */
  applicable: number;
  /** Fail, error or timeout on a vector of level MUST. */
  mustFailures: number;
}

export interface Series {
  target: string;
  suite: string;
  /** The suite's name made safe for a file name and an id, unique within the target (results.json holds any string). */
  slug: string;
  /** Oldest first. */
  points: TrendPoint[];
  /** diffs[i] is from points[i] to points[i + 1]. */
  diffs: RunDiff[];
}

export interface SiteTarget {
  id: string;
  slug: string;
  series: Series[];
  /** Runs in which the target was listed but unavailable, with the reason. */
  unavailable: { run: SiteRun; reason: string }[];
}

export interface SiteModel {
  /** Oldest first. */
  runs: SiteRun[];
  targets: SiteTarget[];
}

/** A name made of [A-Za-z0-9._-] only, unique among `taken` (which it joins). */
export function uniqueSlug(raw: string, taken: Set<string>): string {
  const base = raw.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'x';
  let slug = base;
  for (let n = 2; taken.has(slug.toLowerCase()); n++) slug = `${base}-${n}`;
  taken.add(slug.toLowerCase());
  return slug;
}

/** The runs by start time (the order given on ties), each with its folder name. */
export function orderRuns(folders: RunFolder[]): SiteRun[] {
  const taken = new Set<string>();
  return folders
    .map((f, i) => ({ f, i, t: Date.parse(f.run.run.startedAt) }))
    .sort((a, b) => (a.t === b.t || (Number.isNaN(a.t) && Number.isNaN(b.t)) ? a.i - b.i : Number.isNaN(a.t) ? 1 : Number.isNaN(b.t) ? -1 : a.t - b.t))
    .map(({ f }) => ({ ...f, slug: uniqueSlug(f.run.run.startedAt.replace(/[:.]/g, '-'), taken) }));
}

/**
 * The run seen through one target in one suite: its results, the vectors
 * they are of, and the targets that take part (the pair's own, for a pair).
 * diffRuns over two of these is `conformatrix diff` for that target.
 */
export function restrictRun(run: RunResults, target: string, suite: string): RunResults {
  const results = run.results.filter((r) => r.targetId === target && r.suite === suite);
  const ids = new Set(results.map((r) => r.vectorId));
  const parts = new Set([target, ...target.split('+')]);
  return {
    ...run,
    run: { ...run.run, suites: [suite] },
    targets: run.targets.filter((t) => parts.has(t.id)),
    vectors: run.vectors.filter((v) => ids.has(v.id)),
    results,
  };
}

export function trendPoint(run: SiteRun, results: ResultRecord[]): TrendPoint {
  const level = new Map(run.run.vectors.map((v) => [v.id, v.level]));
  const counts = countVerdicts(results);
  return {
    run,
    counts,
    pass: counts.pass,
    applicable: results.length - counts.skipped,
    mustFailures: results.filter((r) => isFailure(r.verdict) && level.get(r.vectorId) === 'MUST').length,
  };
}

export function siteModel(folders: RunFolder[]): SiteModel {
  const runs = orderRuns(folders);
  // Targets and suites in order of first appearance: a run's target list, then its results' (pairs).
  const keys = new Map<string, Set<string>>();
  const add = (target: string, suite: string) => {
    if (!keys.has(target)) keys.set(target, new Set());
    keys.get(target)!.add(suite);
  };
  for (const { run } of runs) {
    for (const t of run.targets) for (const s of t.suites) if (run.run.suites.includes(s)) add(t.id, s);
    for (const r of run.results) add(r.targetId, r.suite);
  }
  const taken = new Set<string>();
  const targets: SiteTarget[] = [];
  for (const [id, suites] of keys) {
    const series: Series[] = [];
    const suiteSlugs = new Set<string>();
    for (const suite of suites) {
      const points = runs.flatMap((sr) => {
        const results = sr.run.results.filter((r) => r.targetId === id && r.suite === suite);
        return results.length ? [trendPoint(sr, results)] : [];
      });
      if (!points.length) continue;
      const diffs = points.slice(1).map((p, i) => diffRuns(restrictRun(points[i]!.run.run, id, suite), restrictRun(p.run.run, id, suite)));
      series.push({ target: id, suite, slug: uniqueSlug(suite, suiteSlugs), points, diffs });
    }
    const unavailable = runs.flatMap((sr) => {
      const t = sr.run.targets.find((x) => x.id === id && x.status === 'unavailable');
      return t ? [{ run: sr, reason: t.reason ?? '' }] : [];
    });
    if (!series.length && !unavailable.length) continue;
    targets.push({ id, slug: uniqueSlug(id, taken), series, unavailable });
  }
  return { runs, targets };
}

/**
 * The vector set's label: the human version when the run recorded one (the
 * field's name is the harness's business; `vectorsVersion` is read when
 * present), else the hash, else nothing.
 */
export function vectorsLabel(run: RunResults): { text: string; title?: string } {
  const info = run.run as RunResults['run'] & { vectorsVersion?: unknown };
  const hash = run.run.vectorSetHash;
  if (typeof info.vectorsVersion === 'string' && info.vectorsVersion) return { text: info.vectorsVersion, ...(hash ? { title: hash } : {}) };
  if (hash) return { text: shortHash(hash), title: hash };
  return { text: '—', title: 'not recorded' };
}

/** "sha256:0123456789abcdef..." as "sha256:0123456789ab". */
export function shortHash(hash: string): string {
  const i = hash.indexOf(':');
  return i >= 0 ? `${hash.slice(0, i + 1)}${hash.slice(i + 1, i + 13)}` : hash.slice(0, 12);
}
