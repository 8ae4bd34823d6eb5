// The harness's Python helpers (kernel agent, TUN bridge) run on an absolute
// interpreter, never through whatever python3 PATH finds first: a version
// manager's shim there took 4.8 s a start under load (issue 14). A shim that
// leaves a mark when it runs goes first on PATH; nothing may run it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelMissing } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AGENT = fileURLToPath(new URL('../../suites/mptcp/net/agent.js', import.meta.url));

describe("mptcp: the Python helpers run on an absolute interpreter, not PATH's python3", function () {
  let dir: string;
  let mark: string;
  let env: NodeJS.ProcessEnv;

  before(function () {
    if (!existsSync('/usr/bin/python3')) this.skip(); // reason: the test compares against the system interpreter
    dir = mkdtempSync(join(tmpdir(), 'cfx-shim-'));
    mark = join(dir, 'shim-ran');
    const shim = join(dir, 'python3');
    writeFileSync(shim, `#!/bin/sh\necho "$@" >> ${mark}\nexec /usr/bin/python3 "$@"\n`);
    chmodSync(shim, 0o755);
    env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
    delete env.CONFORMATRIX_PYTHON;
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => rmSync(mark, { force: true }));

  it('the kernel agent answers without the shim on PATH ever running', () => {
    const script = `
      const { KernelAgent } = await import(${JSON.stringify(AGENT)});
      const agent = KernelAgent.start();
      const hello = await agent.call('hello');
      await agent.close();
      console.log(JSON.stringify(hello));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).implementation.name, 'Linux');
    assert.ok(!existsSync(mark), 'the python3 shim on PATH ran');
  });

  it('a linux-kernel run of a packet vector never runs the shim (adapter, agent, TUN bridge)', function () {
    const missing = kernelMissing();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    const out = join(dir, 'out');
    const r = spawnSync(
      process.execPath,
      ['dist/runner/cli.js', 'run', '--suite', 'mptcp', '--target', 'linux-kernel', '--grep', 'mptcp/capable/server/synack-b-flag-clear', '--out', out],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(!existsSync(mark), 'the python3 shim on PATH ran');
  });
});
