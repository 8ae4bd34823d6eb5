import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Creates a folder and its missing parents, one level at a time. Node's
 * mkdirSync({ recursive: true }) never returns for a path under /proc (the
 * kernel answers ENOENT for the parent it has just been asked to create, and
 * Node tries again); here each mkdir is tried once and its error is thrown.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Another process (a parallel shard, say) may have made it meanwhile.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Writes a file so that readers see the old content or the new, never half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  ensureDir(dirname(path));
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Makes sure the reports can be written to the output folder before any work
 * is done: creates it, then writes and removes a file in it. Throws a
 * UsageError naming the option and the reason.
 */
export function checkWritableDir(dir: string, option = '--out'): void {
  try {
    ensureDir(dir);
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    accessSync(dir, constants.W_OK);
    const probe = resolve(dir, `.conformatrix-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw new UsageError(`${option} ${dir}: cannot write reports there (${(err as Error).message})`);
  }
}
