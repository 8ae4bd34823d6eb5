// Ctrl-C at random points of a run leaves nothing behind: no process, namespace, device, firewall table, container,
// docker network or temporary folder. The points are drawn from a seed, printed, so that a failure can be repeated
// (CONFORMATRIX_INTERRUPT_SEED=<seed>). A point is an event, not a time: the k-th verdict the console shows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, readRun, ROOT, tempDir } from '../helpers.js';
import { leftoversOf, MARK, markedProcesses, seeded, snapshot } from '../leftovers.js';
import { dockerMissing, skipWithReason } from '../docker/helpers.js';
import { kernelMissing, qemusInContainers, vmMissing } from '../mptcp/helpers.js';

const seed = Number(process.env.CONFORMATRIX_INTERRUPT_SEED ?? randomBytes(4).readUInt32LE());

const onPath = (tool: string) => (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, tool)));

/**
 * Runs the CLI, sends SIGINT once `verdicts` verdict lines have been shown (0: as soon as an adapter runs, or, with
 * `started`, as soon as a process of the run matches it, or `started` says so of the runner's pid, for what runs in its
 * containers), and counts what is left once it has exited. `seen` says whether `started` was ever met.
 */
async function interruptAfter(args: string[], verdicts: number, started?: RegExp | ((runnerPid: number) => boolean)) {
  const mark = randomBytes(6).toString('hex');
  const tmp = tempDir('conformatrix-interrupt-');
  const out = tempDir();
  const before = snapshot();
  const child = spawn(process.execPath, [CLI, 'run', '--reporter', 'spec', '--out', out, ...args], {
    cwd: ROOT,
    env: { ...process.env, [MARK]: mark, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ownPids = new Set<number>([child.pid!]);
  let stdout = '';
  let stderr = '';
  let shown = 0;
  let sent = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const interrupt = () => {
    if (sent) return;
    sent = true;
    for (const p of markedProcesses(mark)) ownPids.add(Number(p.split(' ')[1]));
    child.kill('SIGINT');
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    shown = (stdout.match(/^\s+(✔|\d+\)|-) /gm) ?? []).length;
    if (shown >= verdicts && verdicts > 0) interrupt();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Which processes belong to the run is watched while it runs (their pids name their namespaces).
  let seen = false;
  const watch = setInterval(() => {
    const marked = markedProcesses(mark);
    for (const p of marked) ownPids.add(Number(p.split(' ')[1]));
    if (started && (typeof started === 'function' ? started(child.pid!) : marked.some((p) => started.test(p)))) seen = true;
    if (verdicts === 0 && (started ? seen : marked.length > 1)) interrupt();
  }, 100);
  const code = await exited;
  clearInterval(watch);
  const left = leftoversOf({ before, mark, runnerPid: child.pid!, tmp, ownPids });
  return { code, stderr, stdout, out, tmp, left, sent, shown, seen };
}

/**
 * The interrupt point for a run of about `total` verdicts: 0 (while the first adapter starts) to total - 1. Each test
 * draws from a generator of its own (`test`), so that a seed repeats a test's point also when it runs alone (--grep).
 */
const point = (total: number, test: number) => Math.floor(seeded(seed + test)() * total);

describe(`Ctrl-C at random points (seed ${seed}; repeat with CONFORMATRIX_INTERRUPT_SEED=${seed})`, function () {
  this.timeout(180_000);

  before(() => process.stdout.write(`      interrupt seed: ${seed}\n`));

  function check(r: Awaited<ReturnType<typeof interruptAfter>>, at: number) {
    const where = `interrupted after ${at} verdicts (seed ${seed}); stderr: ${r.stderr.slice(-2000)}`;
    if (!r.sent) {
      // The run finished before the point was reached: nothing may be left either.
      assert.deepEqual(r.left, [], where);
      return rmSync(r.tmp, { recursive: true });
    }
    assert.equal(r.code, 130, where);
    assert.match(r.stderr, /SIGINT: stopping and removing what this run created/);
    assert.deepEqual(r.left, [], where);
    assert.equal(readRun(r.out).run.interrupted, true, 'the partial reports say the run was interrupted');
    rmSync(r.tmp, { recursive: true });
  }

  it('local driver, cookies: reference, curl, python-cookiejar, chromium and firefox', async function () {
    if (process.getuid?.() !== 0) return skipWithReason(this, 'needs root: adapters are contained in cgroups only as root');
    const targets = ['reference'];
    if (onPath('curl')) targets.push('curl');
    if (onPath('python3')) targets.push('python-cookiejar');
    if (existsSync('/usr/lib/chromium/chromium') || existsSync('/usr/bin/chromium')) targets.push('chromium');
    if (existsSync('/usr/bin/firefox-esr') && onPath('certutil')) targets.push('firefox');
    const at = point(60, 0);
    process.stdout.write(`      targets ${targets.join(', ')}; interrupt after ${at} verdicts\n`);
    const r = await interruptAfter(['--suite', 'cookies', '--driver', 'local', ...targets.flatMap((t) => ['--target', t])], at);
    check(r, at);
  });

  it('local driver, mptcp: linux-kernel', async function () {
    const why = kernelMissing();
    if (why) return skipWithReason(this, why);
    const at = point(12, 1);
    process.stdout.write(`      interrupt after ${at} verdicts\n`);
    const r = await interruptAfter(['--suite', 'mptcp', '--driver', 'local', '--target', 'linux-kernel'], at);
    check(r, at);
  });

  // The VM boots in hello: point 0 interrupts while qemu starts (or the guest boots), a later one between vectors. What
  // must go: the qemu process, the tap device (with the namespace that holds it) and every namespace.
  it('local driver, mptcp: linux-6.1 (a kernel under QEMU)', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const at = point(4, 3);
    process.stdout.write(`      interrupt after ${at} verdicts\n`);
    const r = await interruptAfter(['--suite', 'mptcp', '--driver', 'local', '--target', 'linux-6.1', '--grep', 'mptcp/capable/server/'], at, /qemu-system/);
    assert.ok(r.seen, 'qemu ran');
    check(r, at);
  });

  // In the interop grid a linux-6.1 adapter (its VM) is kept between scenarios (interop-reuse): after the first verdict
  // the run holds VMs that serve the next scenario or sit idle. What must go is the same: qemu, tap devices, namespaces.
  it('local driver, mptcp-interop: linux-6.1 (VMs kept between scenarios)', async function () {
    // Two VMs boot before the first verdict: minutes under TCG on a busy machine.
    this.timeout(900_000);
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const at = 1 + point(2, 4);
    process.stdout.write(`      interrupt after ${at} verdicts\n`);
    const r = await interruptAfter(
      ['--suite', 'mptcp-interop', '--driver', 'local', '--target', 'linux-6.1', '--grep', 'mptcp-interop/clean/'],
      at,
      /qemu-system/,
    );
    assert.ok(r.seen, 'qemu ran');
    check(r, at);
  });

  // With the docker driver a linux-6.1 adapter's container holds qemu and its tap device, and each scenario boots its own
  // (its containers are placed on the scenario's networks). Point 0 interrupts while the first VMs boot, a later one
  // between scenarios: the containers go, and qemu with them.
  it("docker driver, mptcp-interop: linux-6.1 (qemu in the adapters' containers)", async function () {
    this.timeout(900_000);
    // The VM runs in the target's image: the host needs no qemu, only an MPTCP kernel for the containers' namespaces.
    const why = kernelMissing() ?? (await dockerMissing());
    if (why) return skipWithReason(this, why);
    const at = point(3, 5);
    process.stdout.write(`      interrupt after ${at} verdicts\n`);
    const qemus = new Set<number>();
    const owners = new Map<string, string>();
    const r = await interruptAfter(
      ['--suite', 'mptcp-interop', '--driver', 'docker', '--target', 'linux-6.1', '--grep', 'mptcp-interop/clean/'],
      at,
      (runner) => {
        for (const pid of qemusInContainers(runner, owners)) qemus.add(pid);
        return qemus.size > 0;
      },
    );
    assert.ok(r.seen, 'qemu ran in a container of the run');
    check(r, at);
    assert.deepEqual(
      [...qemus].filter((pid) => existsSync(`/proc/${pid}`)),
      [],
      "no qemu of the run's containers runs",
    );
  });

  it('docker driver, cookies: reference, curl and python-cookiejar', async function () {
    const missing = await dockerMissing();
    if (missing) return skipWithReason(this, missing);
    const at = 1 + point(30, 2);
    process.stdout.write(`      interrupt after ${at} verdicts\n`);
    const r = await interruptAfter(
      ['--suite', 'cookies', '--driver', 'docker', '--target', 'reference', '--target', 'curl', '--target', 'python-cookiejar'],
      at,
    );
    check(r, at);
  });
});
