// The docker driver's start-up sweep removes what provably belongs to a run that is gone, and never what a live run made.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DockerDriver } from '../../runner/docker/driver.js';
import { BUILD_CLAIMS, claimBuild, currentOwner } from '../../runner/docker/resources.js';
import { loadTarget } from '../../runner/targets.js';
import type { Transport } from '../../runner/transport.js';
import { FIXTURES, ROOT, tempDir } from '../helpers.js';
import { dockerMissing, skipWithReason } from './helpers.js';

const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });
const exists = (kind: 'container' | 'network', id: string) => docker(kind, 'inspect', id).status === 0;

/** A container as an image build leaves one between two steps: created from the base image, with the Dockerfiles' label and no run's. */
function buildContainer(): string {
  const r = docker('create', '--label', 'org.conformatrix.build=1', '--network', 'none', 'debian:bookworm-slim', 'true');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** A network and a container labelled as a run's, with the owner the labels give. */
function runResources(name: string, owner: Record<string, string>): { network: string; container: string } {
  const labels = [
    'org.conformatrix=1',
    `org.conformatrix.run=${name}`,
    `org.conformatrix.host=${hostname()}`,
    ...Object.entries(owner).map(([k, v]) => `org.conformatrix.${k}=${v}`),
  ].flatMap((l) => ['--label', l]);
  const network = `conformatrix-test-sweep-${name}-${process.pid}`;
  const n = docker('network', 'create', '--internal', ...labels, network);
  assert.equal(n.status, 0, n.stderr);
  const c = docker('create', ...labels, '--network', 'none', 'debian:bookworm-slim', 'true');
  assert.equal(c.status, 0, c.stderr);
  return { network, container: c.stdout.trim() };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** A runner process that claims a build container, as a build does, and is then killed outright (SIGKILL): its claim stays. */
async function killedBuilder(container: string): Promise<number> {
  const resources = pathToFileURL(join(ROOT, 'dist', 'runner', 'docker', 'resources.js')).href;
  const script = `const { claimBuild } = await import(${JSON.stringify(resources)}); claimBuild().add(process.argv[1].slice(0, 12)); process.stdout.write('claimed\\n'); setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, container], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('claimed') && resolve());
    child.on('exit', (code) => reject(new Error(`the builder exited (${code}) before it claimed`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return child.pid!;
}

describe('docker driver: the start-up sweep', function () {
  this.timeout(600_000);
  const made: { containers: string[]; networks: string[] } = { containers: [], networks: [] };

  before(async function () {
    const missing = await dockerMissing();
    if (missing) skipWithReason(this, missing);
  });

  after(() => {
    for (const c of made.containers) docker('rm', '-f', c);
    for (const n of made.networks) docker('network', 'rm', n);
  });

  it("leaves alone what another live run made: its network, its adapter's container, its image builds' containers", async () => {
    const hostile = loadTarget(join(FIXTURES, 'docker-targets', 'hostile'));
    const runA = await DockerDriver.start({ outDir: tempDir() });
    let transport: Transport | undefined;
    // Run A builds an image: one of its build containers it has named, one (the newest) it has not yet.
    const claim = claimBuild();
    const named = buildContainer();
    const unnamed = buildContainer();
    made.containers.push(named, unnamed);
    claim.add(named.slice(0, 12));
    try {
      await runA.harness(hostile);
      transport = await runA.factory(hostile, {}).start();
      await transport.call('hello', { contract: '1', suites: ['cookies'] });
      const runB = await DockerDriver.start({ outDir: tempDir() });
      await runB.dispose();
      assert.deepEqual(await transport.call('probe', { addresses: [] }), { results: [] }, "run A's adapter still answers");
      assert.ok(exists('network', `conformatrix-${runA.runId}-${hostile.id}`), "run A's network is still there");
      assert.ok(exists('container', named), `run A's build container ${named.slice(0, 12)} is still there; run B swept: ${runB.swept.join(', ')}`);
      assert.ok(exists('container', unnamed), `run A's newest build container ${unnamed.slice(0, 12)} is still there; run B swept: ${runB.swept.join(', ')}`);
    } finally {
      claim.release();
      await transport?.close();
      await runA.dispose();
    }
  });

  it('sweeps what a run that is gone left: by a dead pid, by a pid that now names another process, by a killed build', async () => {
    const dead = runResources('deadpid', { pid: String(await deadPid()) });
    // This very pid, alive, but the labels say its process started at another time: the pid was reused.
    const reused = runResources('reused', { pid: String(process.pid), boot: currentOwner().boot, started: '1' });
    const otherBoot = runResources('otherboot', { pid: String(process.pid), boot: 'a-boot-that-is-over' });
    made.containers.push(dead.container, reused.container, otherBoot.container);
    made.networks.push(dead.network, reused.network, otherBoot.network);
    const orphan = buildContainer();
    made.containers.push(orphan);
    const builder = await killedBuilder(orphan);
    assert.ok(existsSync(join(BUILD_CLAIMS, `${builder}.json`)), 'the killed builder left its claim');
    // This process builds meanwhile (a claim with nothing named yet): so that the sweep spares other runs' unnamed build containers on this engine.
    const claim = claimBuild();
    try {
      const runB = await DockerDriver.start({ outDir: tempDir() });
      await runB.dispose();
      for (const [what, r] of Object.entries({ dead, reused, otherBoot })) {
        assert.ok(!exists('container', r.container), `the ${what} run's container is swept; swept: ${runB.swept.join(', ')}`);
        assert.ok(!exists('network', r.network), `the ${what} run's network is swept; swept: ${runB.swept.join(', ')}`);
      }
      assert.ok(!exists('container', orphan), `the killed build's container is swept; swept: ${runB.swept.join(', ')}`);
      assert.ok(!existsSync(join(BUILD_CLAIMS, `${builder}.json`)), "and the killed builder's claim with it");
    } finally {
      claim.release();
    }
  });
});
