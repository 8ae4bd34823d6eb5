/** The suites this build has: every folder under suites/ with an index module. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';
import { DIST_DIR } from './paths.js';
import type { ResultRecord, RunResults } from './model.js';
import type { Suite } from './suite.js';
import type { DetailView } from './view.js';

const SUITES_DIR = join(DIST_DIR, 'suites');

export function suiteNames(): string[] {
  if (!existsSync(SUITES_DIR)) return [];
  return readdirSync(SUITES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SUITES_DIR, d.name, 'index.js')))
    .map((d) => d.name)
    .sort();
}

const cache = new Map<string, Suite>();

export async function loadSuite(name: string): Promise<Suite> {
  const known = cache.get(name);
  if (known) return known;
  // A misspelled --suite is the user's mistake, not the harness's: a usage error naming the known suites.
  if (!suiteNames().includes(name)) throw new UsageError(`unknown suite "${name}" (known: ${suiteNames().join(', ')})`);
  const mod = (await import(pathToFileURL(join(SUITES_DIR, name, 'index.js')).href)) as { default: Suite };
  cache.set(name, mod.default);
  return mod.default;
}

export async function loadSuites(names?: string[]): Promise<Suite[]> {
  const wanted = names && names.length ? names : suiteNames();
  return Promise.all(wanted.map((n) => loadSuite(n)));
}

/** The reports' views of a result, by the suite that reached it (Suite.views). */
export type ResultViews = (result: ResultRecord) => DetailView[] | undefined;

export function resultViews(suites: Suite[]): ResultViews {
  const byName = new Map(suites.map((s) => [s.name, s]));
  return (r) => byName.get(r.suite)?.views?.(r);
}

/** The views of a run's results, from those of its suites that this build has (a merged or older run may name one it has not). */
export async function runViews(run: RunResults): Promise<ResultViews> {
  const known = new Set(suiteNames());
  const names = [...new Set([...run.run.suites, ...run.results.map((r) => r.suite)])].filter((n) => known.has(n));
  return resultViews(await loadSuites(names));
}
