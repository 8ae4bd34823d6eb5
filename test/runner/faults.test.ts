// Faulty adapters end up in the results as error and timeout verdicts; the run completes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import { FIXTURES, readRun, tempDir, verdicts } from '../helpers.js';

describe('runner: faulty adapters', function () {
  this.timeout(60_000);
  let out: string;
  let code: number;

  before(async () => {
    out = tempDir();
    code = await runCommand({
      suites: ['cookies'],
      targets: [],
      vectors: [join(FIXTURES, 'vectors', 'faults.json')],
      out,
      timeoutMs: 1500,
      targetDirs: [join(FIXTURES, 'targets')],
      quiet: true,
    });
  });

  it('exits 1 because of the errors and timeouts, after writing every report', () => {
    assert.equal(code, 1);
    const run = readRun(out);
    assert.equal(run.results.filter((r) => r.targetId === 'faulty').length, 19);
  });

  it('gives each fault its verdict and reason, and restarts the adapter for the next vector', () => {
    const run = readRun(out);
    const v = verdicts(run, 'faulty');
    const reason = (id: string) => run.results.find((r) => r.targetId === 'faulty' && r.vectorId === `cookies/faults/${id}`)!.reason ?? '';
    for (let i = 1; i <= 10; i++) assert.equal(v[`cookies/faults/ok-${i}`], 'pass', `ok-${i} after a fault`);
    assert.equal(v['cookies/faults/crash'], 'error');
    assert.match(reason('crash'), /exited with code 3/);
    assert.equal(v['cookies/faults/hang'], 'timeout');
    assert.match(reason('hang'), /no verdict within 1500 ms/);
    assert.equal(v['cookies/faults/garbage'], 'error');
    assert.match(reason('garbage'), /not JSON: "this is not a contract message"/);
    assert.equal(v['cookies/faults/exit-mid'], 'error');
    assert.match(reason('exit-mid'), /exited with code 0/);
    assert.equal(v['cookies/faults/late'], 'timeout');
    assert.equal(v['cookies/faults/bad-result'], 'error');
    assert.match(reason('bad-result'), /malformed cookies\.run result: \/cookies: must be array/);
    assert.equal(v['cookies/faults/wrong-id'], 'error');
    assert.match(reason('wrong-id'), /response to request \d+ while waiting for \d+/);
    assert.equal(v['cookies/faults/refuse'], 'error');
    assert.match(reason('refuse'), /the library threw/);
  });

  it('restarts an adapter that wrote a stray message between vectors, and notes it on the target', () => {
    const run = readRun(out);
    const v = verdicts(run, 'faulty');
    assert.equal(v['cookies/faults/stray'], 'pass');
    assert.equal(v['cookies/faults/ok-9'], 'pass');
    const notes = run.targets.find((t) => t.id === 'faulty')!.notes ?? [];
    assert.ok(
      notes.some((n) => /restarted before cookies\/faults\/ok-9: .*nobody asked for/.test(n)),
      notes.join('\n'),
    );
  });

  it('reports a target whose tool is missing as unavailable, with the reason, and runs nothing on it', () => {
    const run = readRun(out);
    const absent = run.targets.find((t) => t.id === 'absent')!;
    assert.equal(absent.status, 'unavailable');
    assert.match(absent.reason!, /conformatrix-test-no-such-tool not found on PATH/);
    assert.equal(run.results.filter((r) => r.targetId === 'absent').length, 0);
  });

  it('gives up on an adapter that cannot start after three attempts, with its stderr as the reason', () => {
    const run = readRun(out);
    const mute = run.results.filter((r) => r.targetId === 'mute');
    assert.equal(mute.length, 19);
    assert.ok(mute.every((r) => r.verdict === 'error'));
    assert.match(mute[0]!.reason!, /could not start: adapter exited with code 7; stderr: cannot load the library/);
    assert.match(mute[5]!.reason!, /failed to start 3 times/);
  });
});
