/**
 * The record of the vector set's versions, test/fixtures/vectors-versions.json:
 * each version of vectors/VERSION with the hash of vectors/ it was given to
 * (runner/vectors-version.ts vectorFilesHash). The test checks the checkout
 * against it; `npm run vectors-version` writes it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpVersion, compareVersions, parseVersion, vectorFilesHash, type Bump } from '../../runner/vectors-version.js';
import { FIXTURES } from '../helpers.js';
import { VECTORS_DIR } from '../../runner/paths.js';

export const RECORD_FILE = join(FIXTURES, 'vectors-versions.json');

export interface Layout {
  vectorsDir: string;
  recordFile: string;
}
const HERE: Layout = { vectorsDir: VECTORS_DIR, recordFile: RECORD_FILE };
const FIX = 'npm run vectors-version -- major|minor|patch';

export function readRecord(recordFile = RECORD_FILE): Record<string, string> {
  return JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, string>;
}

/** What is wrong with vectors/VERSION against the record and the files, with the command that fixes it; undefined when nothing. */
export function versionProblem(at: Layout = HERE): string | undefined {
  const version = readFileSync(join(at.vectorsDir, 'VERSION'), 'utf8').trim();
  parseVersion(version, join(at.vectorsDir, 'VERSION'));
  const record = readRecord(at.recordFile);
  const hash = vectorFilesHash(at.vectorsDir);
  const recorded = record[version];
  if (recorded === undefined)
    return `vectors/VERSION ${version} is not in ${at.recordFile}: record it with \`npm run vectors-version\` (or bump with \`${FIX}\`)`;
  const newest = Object.keys(record).sort(compareVersions).at(-1)!;
  if (newest !== version) return `vectors/VERSION ${version} is older than ${newest}, the newest recorded version`;
  if (recorded !== hash)
    return (
      `vectors/ changed since version ${version} was recorded (hash ${recorded.slice(0, 16)}, now ${hash.slice(0, 16)}), ` +
      `but vectors/VERSION did not: bump it with \`${FIX}\` (docs/vectors.md: major when expectations change, minor when vectors are added, patch otherwise)`
    );
  return undefined;
}

/**
 * Records the vector set: with a bump, writes the next version to
 * vectors/VERSION and records it with the current hash; without, records
 * vectors/VERSION as it is when it is new (a version written by hand) or
 * already has this hash. Returns the line to print.
 */
export function recordVersion(bump: Bump | undefined, at: Layout = HERE): string {
  const versionFile = join(at.vectorsDir, 'VERSION');
  const current = readFileSync(versionFile, 'utf8').trim();
  const record = readRecord(at.recordFile);
  const hash = vectorFilesHash(at.vectorsDir);
  const newest = Object.keys(record).sort(compareVersions).at(-1);
  let version = current;
  if (bump) {
    // From the newest recorded version, so that bumping twice before recording cannot skip one.
    version = bumpVersion(newest && compareVersions(newest, current) > 0 ? newest : current, bump);
    if (record[current] === hash) throw new Error(`vectors/ has not changed since ${current} was recorded: nothing to bump`);
  } else {
    parseVersion(current, versionFile);
    if (record[current] !== undefined && record[current] !== hash) throw new Error(`vectors/ changed since ${current} was recorded: bump it with \`${FIX}\``);
    if (newest && compareVersions(current, newest) < 0) throw new Error(`vectors/VERSION ${current} is older than ${newest}, the newest recorded version`);
  }
  if (record[version] === hash) return `vectors ${version}: already recorded (hash ${hash.slice(0, 16)})`;
  writeFileSync(versionFile, version + '\n');
  const sorted = Object.fromEntries(Object.entries({ ...record, [version]: hash }).sort(([a], [b]) => compareVersions(a, b)));
  writeFileSync(at.recordFile, JSON.stringify(sorted, null, 2) + '\n');
  return `vectors ${version}: recorded (hash ${hash.slice(0, 16)})${bump ? `, bumped from ${current} (${bump})` : ''}`;
}
