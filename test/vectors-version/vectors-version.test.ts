// The vector set's version (vectors/VERSION): bumped whenever vectors/ changes, recorded by every report.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bumpVersion, vectorFilesHash, vectorsVersion } from '../../runner/vectors-version.js';
import { VECTORS_DIR } from '../../runner/paths.js';
import { cli, FIXTURES, readRun, tempDir } from '../helpers.js';
import { readRecord, recordVersion, versionProblem } from './record.js';

describe('vectors/VERSION', function () {
  this.timeout(120_000);

  it('is recorded with the hash of vectors/ as it is: a change to the vectors comes with a new version', () => {
    const problem = versionProblem();
    assert.equal(problem, undefined, problem);
    assert.match(vectorsVersion()!, /^\d+\.\d+\.\d+$/);
  });

  it('bumps by the rule (major, minor, patch)', () => {
    assert.equal(bumpVersion('1.4.2', 'major'), '2.0.0');
    assert.equal(bumpVersion('1.4.2', 'minor'), '1.5.0');
    assert.equal(bumpVersion('1.4.2', 'patch'), '1.4.3');
    assert.throws(() => bumpVersion('1.4', 'patch'), /VERSION: not a vector set version \(MAJOR\.MINOR\.PATCH\): "1\.4"/);
  });

  it('catches a changed vector whose VERSION did not move, and `npm run vectors-version` fixes it', () => {
    // A copy of vectors/ and of the record, changed the way a contributor would.
    const dir = tempDir();
    const at = { vectorsDir: join(dir, 'vectors'), recordFile: join(dir, 'record.json') };
    cpSync(VECTORS_DIR, at.vectorsDir, { recursive: true });
    cpSync(join(FIXTURES, 'vectors-versions.json'), at.recordFile);
    const before = readFileSync(join(at.vectorsDir, 'VERSION'), 'utf8').trim();
    assert.equal(versionProblem(at), undefined);
    // CRLF line endings are not a change.
    const file = join(at.vectorsDir, 'cookies', 'parse.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/\n/g, '\r\n'));
    assert.equal(versionProblem(at), undefined, 'line endings');
    writeFileSync(file, text.replace('"title": "', '"title": "Changed: '));
    assert.match(
      versionProblem(at)!,
      /vectors\/ changed since version .* but vectors\/VERSION did not: bump it with `npm run vectors-version -- major\|minor\|patch`/,
    );
    assert.throws(() => recordVersion(undefined, at), /changed since .* was recorded: bump it/, 'recording without a bump is refused');
    assert.match(recordVersion('patch', at), /recorded .*bumped from/);
    const after = bumpVersion(before, 'patch');
    assert.equal(readFileSync(join(at.vectorsDir, 'VERSION'), 'utf8'), after + '\n');
    assert.equal(readRecord(at.recordFile)[after], vectorFilesHash(at.vectorsDir));
    assert.equal(readRecord(at.recordFile)[before], readRecord()[before], 'the older version keeps its hash');
    assert.equal(versionProblem(at), undefined);
    // Going back to an older version is refused.
    writeFileSync(join(at.vectorsDir, 'VERSION'), before + '\n');
    assert.match(versionProblem(at)!, /is older than/);
  });

  it('is recorded by a run of the bundled vectors and shown in matrix.md, junit.xml, the console and diff; not for other vectors', () => {
    const out = tempDir();
    const r = cli(['run', '--suite', 'cookies', '--target', 'reference', '--grep', 'cookies/parse/', '--out', out]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const version = vectorsVersion()!;
    const run = readRun(out);
    assert.equal(run.run.vectorsVersion, version);
    assert.match(
      readFileSync(join(out, 'matrix.md'), 'utf8'),
      new RegExp(`· vectors ${version.replace(/\./g, '\\.')} · vector set ${run.run.vectorSetHash!.slice(0, 16)}`),
    );
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, new RegExp(`<property name="vectors.version" value="${version.replace(/\./g, '\\.')}"/>`));
    assert.match(junit, new RegExp(`<property name="vectors.hash" value="${run.run.vectorSetHash}"/>`));
    assert.match(r.stdout, new RegExp(`Vectors: version ${version.replace(/\./g, '\\.')}, hash ${run.run.vectorSetHash!.slice(0, 16)}`));
    // diff names a change of version, so that two published matrices are compared honestly.
    const later = tempDir();
    writeFileSync(join(later, 'results.json'), JSON.stringify({ ...run, run: { ...run.run, vectorsVersion: '99.0.0' } }));
    assert.match(cli(['diff', out, later]).stdout, new RegExp(`vectors: ${version.replace(/\./g, '\\.')} -> 99\\.0\\.0`));

    const own = tempDir();
    const o = cli(['run', '--vectors', join(FIXTURES, 'vectors', 'cli.json'), '--target', 'reference', '--grep', 'passes$', '--out', own]);
    assert.equal(o.status, 0, o.stderr + o.stdout);
    assert.equal(readRun(own).run.vectorsVersion, undefined, 'vectors of your own: the hash alone names them');
    assert.ok(readRun(own).run.vectorSetHash);
  });
});
