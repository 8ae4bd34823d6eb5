// Issue 14 item 3: the same verdicts under load. A representative slice (three
// Chromium cookie vectors, the linux-kernel packet vectors of MP_CAPABLE on
// the server side, two interop scenarios for every pair) runs once as the
// machine is, and once while this test keeps it oversubscribed with CPU
// burners it starts and stops itself (4 per core, each ending by itself after
// a bounded time, so that none outlives the test); the verdicts must be identical.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { burn } from '../../bench/burners.js';
import { ROOT } from '../helpers.js';
import { kernelMissing } from '../mptcp/helpers.js';

/** Each part of the slice: a run of the CLI, and why it cannot run here (undefined: it can). */
const SLICE: { name: string; args: string[]; missing: () => string | undefined }[] = [
  {
    name: 'linux-kernel packet vectors',
    args: ['--suite', 'mptcp', '--target', 'linux-kernel', '--grep', '^linux-kernel mptcp/capable/server/'],
    missing: kernelMissing,
  },
  {
    // Every pair of the host's stacks. linux-6.1 (a kernel under QEMU's TCG, a VM booted per scenario and role) is left
    // out: at four busy processes per core its boots alone outlast the slice's budget.
    name: 'interop, two scenarios per pair',
    args: ['--suite', 'mptcp-interop', '--target', 'reference', '--target', 'linux-kernel', '--grep', 'mptcp-interop/(clean/transfer|strip/syn):'],
    missing: kernelMissing,
  },
  {
    name: 'chromium cookie vectors',
    args: ['--suite', 'cookies', '--target', 'chromium', '--grep', '^chromium cookies/attributes/(path|secure|domain)-name-case-insensitive:'],
    missing: () => (spawnSync('sh', ['-c', 'command -v chromium']).status === 0 ? undefined : 'chromium is not installed'),
  },
];

/** Verdicts by "target vector" of one run of each part that can run here. */
function verdicts(out: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const part of SLICE) {
    if (part.missing()) continue;
    const dir = join(out, part.name.replace(/\W+/g, '-'));
    const r = spawnSync(process.execPath, ['dist/runner/cli.js', 'run', ...part.args, '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    assert.ok(r.status === 0 || r.status === 1, `${part.name}: exit ${r.status}: ${r.stderr}`);
    const results = (
      JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { targetId: string; vectorId: string; verdict: string; reason?: string }[] }
    ).results;
    assert.ok(results.length > 0, `${part.name}: no results`);
    for (const x of results)
      seen.set(`${x.targetId} ${x.vectorId}`, x.verdict === 'pass' || x.verdict === 'fail' ? x.verdict : `${x.verdict}: ${x.reason ?? ''}`);
  }
  return seen;
}

describe('stress: the same verdicts at idle and with the machine oversubscribed', function () {
  this.timeout(400_000);
  let out: string;

  before(function () {
    const runnable = SLICE.filter((p) => !p.missing());
    if (!runnable.length) {
      console.log(`      skipped: ${SLICE.map((p) => `${p.name}: ${p.missing()}`).join('; ')}`);
      this.skip();
    }
    out = mkdtempSync(join(tmpdir(), 'cfx-stress-'));
  });
  after(() => out && rmSync(out, { recursive: true, force: true }));

  it('verdicts under 4 CPU burners per core equal those without', () => {
    const idle = verdicts(join(out, 'idle'));
    const burners = burn(200);
    let loaded: Map<string, string>;
    try {
      loaded = verdicts(join(out, 'loaded'));
    } finally {
      burners.stop();
    }
    assert.deepEqual(Object.fromEntries(loaded), Object.fromEntries(idle));
    for (const [k, v] of idle) assert.ok(v === 'pass' || v === 'fail', `${k} was ${v} at idle: the slice must give real verdicts`);
  });
});
