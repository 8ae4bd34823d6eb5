/**
 * The human version of the bundled vector set, `vectors/VERSION`, beside the
 * hash that results.json records (run.vectorSetHash): two published matrices
 * with the same version ran the same vectors. The bump rule is in
 * docs/vectors.md; test/vectors-version/ checks that a change to vectors/ comes
 * with a new version, against the hashes recorded in
 * test/fixtures/vectors-versions.json (`npm run vectors-version`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.js';
import { VECTORS_DIR } from './paths.js';

export const VERSION_FILE = join(VECTORS_DIR, 'VERSION');

/** MAJOR.MINOR.PATCH, numbers without leading zeros. */
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

export type Bump = 'major' | 'minor' | 'patch';

/** Parses a version; throws an InputError naming `file` when it is not MAJOR.MINOR.PATCH. */
export function parseVersion(text: string, file = VERSION_FILE): [number, number, number] {
  const m = SEMVER.exec(text.trim());
  if (!m) throw new InputError({ file }, `not a vector set version (MAJOR.MINOR.PATCH): ${JSON.stringify(text.trim())}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function bumpVersion(version: string, bump: Bump): string {
  const [major, minor, patch] = parseVersion(version);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** Negative, zero or positive as a is older, the same or newer than b. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The bundled vector set's version, or undefined when vectors/VERSION is absent (a checkout that predates it). */
export function vectorsVersion(): string | undefined {
  if (!existsSync(VERSION_FILE)) return undefined;
  const text = readFileSync(VERSION_FILE, 'utf8');
  parseVersion(text);
  return text.trim();
}

/**
 * True when every path (a file or folder given with --vectors, from the working
 * directory) is in the bundled vector set: only then does vectors/VERSION
 * describe what a run ran (a run of `--vectors my/own.json` records the hash alone).
 */
export function allBundled(paths: Iterable<string>): boolean {
  const root = resolve(VECTORS_DIR);
  for (const p of paths) if (resolve(p) !== root && !resolve(p).startsWith(root + sep)) return false;
  return true;
}

/**
 * sha256 over every file under vectors/ but VERSION, by path relative to it,
 * in path order, with CRLF read as LF (a checkout's line endings are not a
 * change). Vectors, schemas, the flag registry and the spec indexes all count:
 * any change to them is a change of the vector set (docs/vectors.md says which bump).
 */
export function vectorFilesHash(dir = VECTORS_DIR): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  const h = createHash('sha256');
  for (const f of files.filter((f) => f !== 'VERSION').sort()) {
    const text = readFileSync(join(dir, f)).toString('latin1').replace(/\r\n/g, '\n');
    h.update(f).update('\u0000').update(text, 'latin1').update('\u0000');
  }
  return h.digest('hex');
}
