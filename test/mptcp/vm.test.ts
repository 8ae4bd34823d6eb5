// The linux-6.1 target end to end: Debian's 6.1 LTS kernel booted under QEMU once for the run, a few packet-level
// vectors against it through its tap device, the version and the kernel package it reports, and nothing left after.
// Skipped, with the reason, where the target cannot run (no qemu, no kernel package, not root).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { CLI, cli, readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { dockerMissing, leftovers, skipWithReason } from '../docker/helpers.js';
import { MARK, markedProcesses } from '../leftovers.js';
import { kernelMissing, qemusInContainers, vmMissing } from './helpers.js';
import { buildImage, Vm } from '../../targets/linux-6.1/vm.js';
import { FTP_REPLIES } from '../../suites/mptcp-interop/middlebox.js';

/**
 * Runs the CLI and notes the pid of every qemu it starts (a VM boot each), watching its processes while it runs: its
 * own (local driver) and those in its containers (docker driver). `left`: those still running once it has exited, and
 * the containers, docker networks and firewall tables it left.
 */
async function cliCountingVms(args: string[]): Promise<{ stdout: string; boots: number; left: string[] }> {
  const mark = randomBytes(6).toString('hex');
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, [MARK]: mark }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const qemus = new Set<string>();
  const owners = new Map<string, string>();
  // A VM lives for seconds at least (its boot under TCG): a look every 100 ms sees each one.
  const watch = setInterval(() => {
    for (const p of markedProcesses(mark)) if (/qemu-system/.test(p)) qemus.add(p.split(' ')[1]!);
    for (const pid of qemusInContainers(child.pid!, owners)) qemus.add(String(pid));
  }, 100);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(watch);
  const alive = [...qemus].filter((pid) => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  return { stdout: stripVTControlCharacters(stdout), boots: qemus.size, left: [...alive.map((pid) => `qemu ${pid}`), ...leftovers(child.pid!)] };
}

/**
 * A pair's join/clean result: two subflows, the middlebox (namespace or container) saw both opened, the first from the
 * client's address and the join from its second one, and each side's counters are its own kernel's (the guest's 6.1 has
 * no MPJoinSynTx, which the host's 6.18 counts).
 */
function checkCleanJoin(run: ReturnType<typeof readRun>, pair: string, topology: 'namespaces' | 'containers'): void {
  const join = run.results.find((x) => x.targetId === pair && x.vectorId === 'mptcp-interop/join/clean')!;
  type Side = { subflows: number; counters: Record<string, number> };
  const details = join.details as { topology: string; client: Side; server: Side; wire: { clientSide: { opened: string[] } } };
  assert.equal(details.topology, topology, pair);
  assert.equal(details.client.subflows, 2, pair);
  assert.deepEqual(details.wire.clientSide.opened.map((o) => o.split(':')[0]).sort(), ['10.72.1.2', '10.72.2.2'], pair);
  const [client, server] = pair.split('+');
  assert.equal(details.client.counters.MPJoinSynAckRx, 1, pair);
  assert.equal(details.client.counters.MPJoinSynTx, client === 'linux-6.1' ? undefined : 1, pair);
  assert.equal(details.server.counters.MPJoinSynRx, 1, `${pair} (${server})`);
}

describe('linux-6.1: a 6.1 LTS kernel under QEMU as an MPTCP target', function () {
  this.timeout(600_000);

  it('passes the MP_CAPABLE handshakes as a listener and as a connecting host, and reports the kernel package it booted', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const before = readFileSync('/proc/net/dev', 'utf8');
    const r = cli(
      ['run', '--suite', 'mptcp', '--driver', 'local', '--target', 'linux-6.1', '--grep', ' mptcp/capable/(server/v1-handshake|client/v1-syn): ', '--out', out],
      { timeout: 600_000 },
    );
    const run = readRun(out);
    // Both sides of the handshake: the guest as listener and as initiator, every segment through the tap device.
    assert.deepEqual(verdicts(run, 'linux-6.1'), { 'mptcp/capable/server/v1-handshake': 'pass', 'mptcp/capable/client/v1-syn': 'pass' }, r.stdout);
    const target = run.targets.find((t) => t.id === 'linux-6.1')!;
    assert.match(target.implementation!.version, /^6\.1\.\d+-\d+-amd64$/, 'the version is the guest uname -r');
    const build = target.implementation!.build!;
    assert.match(build.package, /^linux-image-6\.1\./);
    const image = `/boot/vmlinuz-${build.package.slice('linux-image-'.length)}`;
    assert.equal(build.sha256, createHash('sha256').update(readFileSync(image)).digest('hex'), 'the hash is that of the image that booted');
    // The VM's tap device lived in a namespace of the run: none is left on the host's own.
    assert.equal(
      readFileSync('/proc/net/dev', 'utf8')
        .split('\n')
        .filter((l) => l.includes('tap')).length,
      before.split('\n').filter((l) => l.includes('tap')).length,
    );
  });

  // sut-announce: the vectors of vectors/mptcp/announce.json give the SUT addresses to announce (on its NIC) and have it
  // announce and withdraw them (the path manager's signal endpoints, in the vector's namespace of the guest). Without the
  // capability both are unsupported; with it, 6.1 sends the ADD_ADDRs and the REMOVE_ADDR each vector expects.
  it('announces and withdraws its own addresses (sut-announce): ADD_ADDR and REMOVE_ADDR from signal endpoints in the guest', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const r = cli(['run', '--suite', 'mptcp', '--driver', 'local', '--target', 'linux-6.1', '--grep', ' mptcp/addr/server/sut-', '--out', out], {
      timeout: 600_000,
    });
    const run = readRun(out);
    assert.deepEqual(
      verdicts(run, 'linux-6.1'),
      { 'mptcp/addr/server/sut-announces-address-again-same-id': 'pass', 'mptcp/addr/server/sut-gives-address-id-to-another-address': 'pass' },
      r.stdout,
    );
  });

  // The guest's clock is the host's (clocksource=hpet): a TSC calibrated wrong under a busy host made the guest's time,
  // and its timers, run several times too fast. Each look at the guest's monotonic clock lies between two looks at the
  // host's, so over a few seconds the guest's time may differ from the host's only by the calls' own spread.
  it("keeps the host's time in the guest, however busy the host (its timers are the kernel's real ones)", async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const vm = await Vm.boot(await buildImage(), () => undefined);
    try {
      const look = async () => {
        const before = performance.now();
        const guest = 1000 * Number((await vm.exec(undefined, ['python3', '-S', '-c', 'import time; print(time.monotonic())'])).trim());
        return { before, guest, after: performance.now() };
      };
      // The rate check below catches a wrong calibration only when one happens (a vCPU held up during it): the clock the
      // guest keeps time by says whether it can happen at all.
      const source = await vm.exec(undefined, [
        'python3',
        '-S',
        '-c',
        "print(open('/sys/devices/system/clocksource/clocksource0/current_clocksource').read())",
      ]);
      assert.equal(source.trim(), 'hpet');
      const first = await look();
      // Time for the two clocks to part, were they to: not a wait for an event.
      await new Promise((r) => setTimeout(r, 3000));
      const second = await look();
      const guest = second.guest - first.guest;
      const [least, most] = [second.before - first.after, second.after - first.before];
      assert.ok(
        guest >= least * 0.95 && guest <= most * 1.05,
        `the guest's clock moved ${guest.toFixed(0)} ms while the host's moved ${least.toFixed(0)} to ${most.toFixed(0)} ms`,
      );
    } finally {
      await vm.close();
    }
  });

  it('is a client and a server of the interop grid: its NIC joined to the node, every segment through the middlebox, the join included; a VM serves scenario after scenario', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const r = await cliCountingVms([
      'run',
      '--suite',
      'mptcp-interop',
      '--driver',
      'local',
      '--target',
      'linux-6.1',
      '--target',
      'linux-kernel',
      '--grep',
      'mptcp-interop/(clean/transfer|join/clean|real-middlebox/nat): ',
      '--out',
      out,
    ]);
    const run = readRun(out);
    // Twelve role-scenarios with linux-6.1 (three scenarios; one role in two pairs, both in the third): a VM each, were
    // it booted per scenario. Kept between scenarios (interop-reuse), at most as many as are in use at once: four.
    assert.ok(r.boots >= 2 && r.boots <= 4, `${r.boots} VMs booted for 12 role-scenarios`);
    // Source NAT to 10.74.0.1 (the middlebox's public address): linux-6.1 as the server once held that address on its
    // link to the node, which routed the client's translated SYNs back to the guest's own address.
    for (const pair of ['linux-6.1+linux-kernel', 'linux-kernel+linux-6.1', 'linux-6.1+linux-6.1']) {
      const nat = run.results.find((x) => x.targetId === pair && x.vectorId === 'mptcp-interop/real-middlebox/nat')!;
      // Unsupported only where this kernel has no NAT (suites/mptcp-interop/kernel.ts): then for every pair alike.
      assert.ok(nat.verdict === 'pass' || /NAT|nf_nat|nft_nat/.test(nat.reason ?? ''), `${pair}: real-middlebox/nat ${nat.verdict}: ${nat.reason}`);
    }
    for (const pair of ['linux-6.1+linux-kernel', 'linux-kernel+linux-6.1', 'linux-6.1+linux-6.1']) {
      const { 'mptcp-interop/real-middlebox/nat': _, ...clean } = verdicts(run, pair);
      assert.deepEqual(clean, { 'mptcp-interop/clean/transfer': 'pass', 'mptcp-interop/join/clean': 'pass' }, `${pair}: ${r.stdout}`);
      checkCleanJoin(run, pair, 'namespaces');
    }
    assert.match(run.targets.find((t) => t.id === 'linux-6.1')!.implementation!.version, /^6\.1\./);
  });

  // The FTP helper's rewrite without DSS checksums (docs/targets/linux-6.1.md, "real-middlebox/ftp-alg"): the server finds
  // the PORT segment 4 octets longer than its mapping and falls back; a Linux client falls back on the server's reply (the
  // first data without a mapping) if it comes before the client's data-level retransmission timer fires, and resets once it
  // has retransmitted the line (200 ms and up). The scenario's lockstep exchange makes the reply come at once, with 6.1 on
  // either side too, a pair at a time (--jobs 1): a 6.1 server starved by three other pairs' VMs once answered in 0.27 s.
  it('real-middlebox/ftp-alg: with 6.1 on either side, both sides fall back on the rewrite, before any data-level retransmission', async function () {
    const why = vmMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const r = await cliCountingVms(
      ['run', '--suite', 'mptcp-interop', '--driver', 'local', '--target', 'linux-6.1', '--target', 'linux-kernel', '--target', 'reference'].concat([
        '--grep',
        'mptcp-interop/real-middlebox/ftp-alg: ',
        '--jobs',
        '1',
        '--out',
        out,
      ]),
    );
    const run = readRun(out);
    type Side = { fallback: boolean; counters: Record<string, number>; repliesReceived?: string };
    for (const x of run.results.filter((x) => x.targetId.includes('linux-6.1'))) {
      const [client, server] = x.targetId.split('+');
      // Unsupported only where this kernel has no FTP helper (suites/mptcp-interop/kernel.ts): then for every pair alike.
      if (x.verdict === 'unsupported' && /ftp/.test(x.reason ?? '')) continue;
      assert.equal(x.verdict, 'pass', `${x.targetId}: ${x.reason ?? ''}\n${r.stdout}`);
      const d = x.details as { client: Side; server: Side; middlebox: { counters: Record<string, number> } };
      assert.ok(d.middlebox.counters.acted! > 0, `${x.targetId}: the helper adjusted sequence numbers`);
      assert.equal(d.client.repliesReceived, FTP_REPLIES, x.targetId);
      assert.ok(d.client.fallback && d.server.fallback, x.targetId);
      // The server caught the mapping that no longer fits the segment (the kernel's counter; the reference's own).
      if (server !== 'reference') assert.equal(d.server.counters.DSSCorruptionFallback, 1, `${x.targetId}: ${JSON.stringify(d.server.counters)}`);
      // The client fell back before its data-level retransmission timer sent the PORT line again (after which it resets).
      if (client !== 'reference') assert.equal(d.client.counters.MPTCPRetrans, undefined, `${x.targetId}: ${JSON.stringify(d.client.counters)}`);
    }
  });

  // With the docker driver the adapter's container is the node: qemu and its tap device live in the container's
  // namespace, where the same bridge and veth pair as in the local driver join the guest's NIC to a router on the
  // fabric's network. The containers are placed on one scenario's networks, so each scenario boots its own VMs.
  it('is a client and a server of the interop grid with the docker driver: the guest behind its container, every segment through the middlebox container, the join included; no container or qemu left', async function () {
    // Eight VMs boot in containers, one after the other per pair: minutes under TCG on a busy machine.
    this.timeout(1_800_000);
    // The VM runs in the target's image: the host needs no qemu, only an MPTCP kernel for the containers' namespaces.
    const why = kernelMissing() ?? (await dockerMissing());
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const r = await cliCountingVms([
      'run',
      '--suite',
      'mptcp-interop',
      '--driver',
      'docker',
      '--target',
      'linux-6.1',
      '--target',
      'linux-kernel',
      '--grep',
      'mptcp-interop/(clean/transfer|join/clean): ',
      '--out',
      out,
    ]);
    const run = readRun(out);
    // A VM for each role-scenario with linux-6.1, in the role's container: none kept.
    assert.equal(r.boots, 8, `${r.boots} VMs booted for 8 role-scenarios`);
    assert.deepEqual(r.left, [], 'the run left no qemu, container, docker network or firewall table');
    for (const pair of ['linux-6.1+linux-kernel', 'linux-kernel+linux-6.1', 'linux-6.1+linux-6.1']) {
      assert.deepEqual(verdicts(run, pair), { 'mptcp-interop/clean/transfer': 'pass', 'mptcp-interop/join/clean': 'pass' }, `${pair}: ${r.stdout}`);
      checkCleanJoin(run, pair, 'containers');
    }
    assert.match(run.targets.find((t) => t.id === 'linux-6.1')!.implementation!.version, /^6\.1\./);
  });
});
