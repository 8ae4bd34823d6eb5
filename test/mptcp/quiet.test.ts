// Issue 14 item 2: a vector that waits for an absence (expectNone) reports the
// quiet period it waited out in results.json (details.quietPeriods), so that a
// verdict on "nothing came" says how long nothing came for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

const VECTOR = 'mptcp/addr/server/add-addr-bad-hmac-ignored';

describe('mptcp: the quiet periods of expectNone steps are reported with the result', function () {
  this.timeout(120_000);
  let out: string;
  before(() => (out = mkdtempSync(join(tmpdir(), 'cfx-quiet-'))));
  after(() => rmSync(out, { recursive: true, force: true }));

  it(`${VECTOR} on the reference target: details.quietPeriods is its expectNone step and period`, () => {
    const r = spawnSync(
      process.execPath,
      ['dist/runner/cli.js', 'run', '--suite', 'mptcp', '--target', 'reference', '--grep', `^reference ${VECTOR}:`, '--out', out],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const results = (
      JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: { vectorId: string; verdict: string; details?: { quietPeriods?: unknown } }[] }
    ).results;
    const mine = results.filter((x) => x.vectorId === VECTOR);
    assert.equal(mine.length, 1, `results: ${results.map((x) => x.vectorId).join(', ')}`);
    assert.equal(mine[0]!.verdict, 'pass');
    // The vector's script: step 8 is { "expectNone": 200, ... } (vectors/mptcp/addr.json).
    assert.deepEqual(mine[0]!.details?.quietPeriods, [{ step: 8, ms: 200 }]);
  });
});
