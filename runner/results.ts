/** Writing the reports of a run, all from one RunResults value. Each file is written atomically. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import type { RunResults } from './model.js';
import { ROOT } from './paths.js';
import { junitXml } from './reports/junit.js';
import { htmlReport } from './reports/html.js';
import { matrixMarkdown } from './reports/matrix.js';
import { validateValue } from './schema.js';
import type { ResultViews } from './suites.js';
import { allBundled, vectorsVersion } from './vectors-version.js';

export function harnessVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * run.vectorsVersion for a run of these --vectors paths: vectors/VERSION when
 * the run read the bundled set (no --vectors, or paths inside vectors/),
 * nothing otherwise (the hash alone then names the set).
 */
export function vectorsVersionOf(vectorPaths: string[]): { vectorsVersion?: string } {
  const version = vectorsVersion();
  return version !== undefined && allBundled(vectorPaths) ? { vectorsVersion: version } : {};
}

/** views: how matrix.html shows each result's details (runner/suites.ts resultViews); without, it shows them as JSON. */
export function writeReports(run: RunResults, outDir: string, views?: ResultViews): string[] {
  const problems = validateValue('urn:conformatrix:results', run);
  if (problems.length) throw new Error(`internal: results do not match their schema: ${problems.slice(0, 5).join('; ')}`);
  const files = {
    'results.json': JSON.stringify(run, null, 2) + '\n',
    'junit.xml': junitXml(run),
    'matrix.md': matrixMarkdown(run),
    'matrix.html': htmlReport(run, views ? { views } : {}),
  };
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    writeFileAtomic(path, content);
    written.push(path);
  }
  return written;
}

/** Reads a results.json; anything else (another JSON file, a file that is not JSON) is an InputError naming the file. */
export function readResults(file: string): RunResults {
  let run: RunResults;
  try {
    run = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
  } catch (err) {
    throw new InputError({ file }, `not a conformatrix results.json: ${(err as Error).message}`);
  }
  const problems = validateValue('urn:conformatrix:results', run);
  if (problems.length) throw new InputError({ file }, `not a conformatrix results.json: ${problems.slice(0, 5).join('; ')}`);
  return run;
}
