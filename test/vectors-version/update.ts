/**
 * `npm run vectors-version [-- major|minor|patch]`: bumps vectors/VERSION
 * (docs/vectors.md says which part) and records it with the hash of vectors/
 * in test/fixtures/vectors-versions.json. Without a bump, records the version
 * as it is (a first version, or one written by hand).
 */
import { recordVersion } from './record.js';

const [bump, ...extra] = process.argv.slice(2);
if (extra.length || (bump !== undefined && !['major', 'minor', 'patch'].includes(bump))) {
  process.stderr.write('usage: npm run vectors-version [-- major|minor|patch]\n');
  process.exit(2);
}
try {
  process.stdout.write(recordVersion(bump as 'major' | 'minor' | 'patch' | undefined) + '\n');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
