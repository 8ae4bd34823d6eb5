/** Helpers shared by the runner's tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type { RunResults } from '../runner/model.js';

/** The repository root (tests run from dist/test/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const CLI = join(ROOT, 'dist', 'runner', 'cli.js');

export function tempDir(prefix = 'conformatrix-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cli(args: string[], options: { cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, encoding: 'utf8', timeout: options.timeout ?? 120_000 });
  // The console may be coloured (FORCE_COLOR in the environment); tests read the text.
  return { status: r.status, stdout: stripVTControlCharacters(r.stdout), stderr: stripVTControlCharacters(r.stderr) };
}

export function readRun(dir: string): RunResults {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResults;
}

export function verdicts(run: RunResults, targetId: string): Record<string, string> {
  return Object.fromEntries(run.results.filter((r) => r.targetId === targetId).map((r) => [r.vectorId, r.verdict]));
}

/** The ids of every vector in the JSON files of a folder. */
export function vectorIds(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors: { id: string }[] }).vectors.map((v) => v.id));
}

/**
 * The ids in backticks that a section of a document names, from `heading` to
 * the next level-2 heading, keeping those that start with `prefix` (such as
 * "mptcp/" or "mptcp-interop/"). Throws when the document has no such heading.
 */
export function idsInSection(file: string, heading: string, prefix: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`${file} has no section "${heading}"`);
  const next = text.indexOf('\n## ', at + 3);
  const named = [...text.slice(at, next < 0 ? undefined : next).matchAll(/`(mptcp(?:-interop)?\/[a-z0-9/-]+)`/g)].map((m) => m[1]!);
  return new Set(named.filter((n) => n.startsWith(prefix)));
}
