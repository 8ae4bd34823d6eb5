/**
 * Reading the run folders a site is built from. Each one is what
 * `conformatrix run --out DIR` (or `merge`) wrote: a results.json and,
 * beside it, the reports and the artifacts its results point to.
 *
 * Every problem is an InputError naming the file, and for a results.json that
 * is not valid JSON or not a valid results document, the line, column and
 * JSON pointer. All the folders are read before any error is thrown, so that
 * one command lists every bad folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError, InputErrors } from '../errors.js';
import { decodeUtf8, JsonSource } from '../json-source.js';
import type { RunResults } from '../model.js';
import { validateSource } from '../schema.js';

export interface RunFolder {
  /** The folder as given on the command line. */
  dir: string;
  run: RunResults;
}

/** Reads one run folder; throws InputError or InputErrors naming the folder or its results.json. */
export function readRunFolder(dir: string): RunFolder {
  if (!existsSync(dir)) throw new InputError({ file: dir }, 'no such folder (a run folder is what `conformatrix run --out DIR` writes)');
  if (!statSync(dir).isDirectory()) throw new InputError({ file: dir }, 'not a folder: give the run folder that holds results.json');
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new InputError({ file }, `missing: ${dir} is not a run folder (\`conformatrix run --out DIR\` writes DIR/results.json)`);
  let text: string;
  try {
    text = decodeUtf8(file, readFileSync(file));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError({ file }, `cannot read: ${(err as Error).message}`);
  }
  // Not JsonSource.read: its size limit is for vector files, and a full run's results.json is larger.
  const source = JsonSource.parse(file, text);
  const problems = validateSource(source, 'urn:conformatrix:results');
  if (problems.length) throw new InputErrors(problems.map((p) => new InputError(p.location, `not a conformatrix results.json: ${p.detail}`)));
  return { dir, run: source.value as RunResults };
}

/**
 * Reads every folder; each folder at most once (by its resolved path). Throws
 * InputErrors with every folder's problems.
 */
export function readRunFolders(dirs: string[]): RunFolder[] {
  const errors: InputError[] = [];
  const runs: RunFolder[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const key = resolve(dir);
    if (seen.has(key)) {
      errors.push(new InputError({ file: dir }, `given twice (also as ${seen.get(key)})`));
      continue;
    }
    seen.set(key, dir);
    try {
      runs.push(readRunFolder(dir));
    } catch (err) {
      if (err instanceof InputErrors) errors.push(...err.errors);
      else if (err instanceof InputError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length) throw new InputErrors(errors);
  return runs;
}
