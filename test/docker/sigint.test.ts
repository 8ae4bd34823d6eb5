// A run stopped with SIGINT midway leaves no container, network, firewall table or image-build container behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FIXTURES, ROOT, tempDir } from '../helpers.js';
import { DockerDriver } from '../../runner/docker/driver.js';
import { buildContainers, dockerMissing, leftovers, skipWithReason } from './helpers.js';

/** Starts the CLI, waits until `ready` holds (polled), sends the signal, and returns how the run ended. */
async function interrupt(args: string[], ready: (pid: number) => boolean, limitMs = 300_000, signal: NodeJS.Signals = 'SIGINT') {
  const child = spawn(process.execPath, [CLI, 'run', '--driver', 'docker', '--reporter', 'dot', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  while (!ready(child.pid!)) {
    if (Date.now() - started > limitMs) {
      child.kill('SIGKILL');
      throw new Error(`the run never got there; stderr: ${stderr}`);
    }
    if (child.exitCode !== null) throw new Error(`the run ended before it was interrupted (${child.exitCode}): ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill(signal);
  const code = await exited;
  return { code, stderr, pid: child.pid! };
}

const running = (filter: string) =>
  spawnSync('docker', ['ps', '--filter', filter, '--filter', 'status=running', '-q'], { encoding: 'utf8' }).stdout.trim() !== '';

describe('docker driver: Ctrl-C', function () {
  this.timeout(900_000);

  before(async function () {
    const missing = await dockerMissing();
    if (missing) skipWithReason(this, missing);
  });

  it('during an image build: the build container goes too', async () => {
    const out = tempDir();
    const { code, stderr, pid } = await interrupt(['--target-dir', join(FIXTURES, 'docker-targets'), '--target', 'slow-build', '--out', out], () =>
      running('label=org.conformatrix.build=1'),
    );
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping and removing what this run created/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(leftovers(pid), []);
    assert.deepEqual(buildContainers(), []);
  });

  it('while containers run vectors: they go, with their networks and firewall, and the partial reports stay', async () => {
    const out = tempDir();
    const { code, stderr, pid } = await interrupt(['--target', 'curl', '--target', 'python-cookiejar', '--out', out], (p) =>
      running(`label=org.conformatrix.pid=${p}`),
    );
    assert.equal(code, 130, stderr);
    assert.deepEqual(leftovers(pid), []);
    assert.ok(existsSync(join(out, 'results.json')), 'partial results are written');
    const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { run: { interrupted?: boolean } };
    assert.equal(run.run.interrupted, true);
  });

  it('after a run killed outright (SIGKILL, no cleanup possible), the next run sweeps what it left', async () => {
    const out = tempDir();
    const { pid } = await interrupt(['--target', 'python-cookiejar', '--out', out], (p) => running(`label=org.conformatrix.pid=${p}`), 300_000, 'SIGKILL');
    assert.notDeepEqual(leftovers(pid), [], 'a killed run leaves its container, network and firewall');
    const next = await DockerDriver.start({ outDir: tempDir() });
    await next.dispose();
    assert.ok(
      next.swept.some((s) => s.startsWith('container')),
      next.swept.join(', '),
    );
    assert.deepEqual(leftovers(pid), []);
  });
});
