/** Helpers shared by the runner's tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
