// The project's own cookie vectors against the bundled and API targets.
import assert from 'node:assert/strict';
import { runCommand } from '../../runner/run.js';
import { readRun, tempDir } from '../helpers.js';

describe('cookie vectors against the API targets', function () {
  this.timeout(300_000);

  for (const profile of ['rfc6265bis', 'rfc6265']) {
    it(`the reference passes every vector that states an expectation under ${profile}`, async () => {
      const out = tempDir();
      await runCommand({ suites: ['cookies'], targets: ['reference'], vectors: [], profile, out, quiet: true });
      const run = readRun(out);
      const notPassed = run.results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'skipped');
      assert.deepEqual(
        notPassed.map((r) => `${r.vectorId}: ${r.reason}`),
        [],
      );
      assert.ok(run.results.filter((r) => r.verdict === 'pass').length >= 150, 'at least 150 vectors ran');
    });
  }

  it('tough-cookie and Python http.cookiejar give real pass and fail columns, with their real versions', async () => {
    const out = tempDir();
    const code = await runCommand({ suites: ['cookies'], targets: ['tough-cookie', 'python-cookiejar'], vectors: [], out, quiet: true });
    assert.equal(code, 1);
    const run = readRun(out);
    for (const id of ['tough-cookie', 'python-cookiejar']) {
      const target = run.targets.find((t) => t.id === id)!;
      assert.equal(target.status, 'available', target.reason);
      assert.match(target.implementation!.version, /^\d+\.\d+\.\d+/);
      const mine = run.results.filter((r) => r.targetId === id);
      const count = (v: string) => mine.filter((r) => r.verdict === v).length;
      assert.ok(count('pass') > 100, `${id} passes ${count('pass')}`);
      assert.ok(count('fail') > 5, `${id} fails ${count('fail')}`);
      assert.equal(count('error') + count('timeout'), 0, JSON.stringify(mine.filter((r) => r.verdict === 'error')));
    }
  });
});
