// MPTCP interop through a real middlebox: the full grid of the linux-kernel
// and reference targets (four client × server pairs) over every scenario with
// the local driver (namespaces) and the docker driver (containers), the
// verdicts each pair is expected to give, the same verdicts from both drivers,
// captures on both sides of the middlebox, a hung pair ending as a timeout
// with its captures, and nothing left behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { dockerMissing, leftovers, skipWithReason } from '../docker/helpers.js';
import { CLI, FIXTURES, idsInSection, readRun, ROOT, tempDir, vectorIds } from '../helpers.js';

const SCENARIOS = join(ROOT, 'vectors', 'mptcp-interop');
const TARGETS = ['reference', 'linux-kernel'];
const PAIRS = TARGETS.flatMap((client) => TARGETS.map((server) => `${client}+${server}`));

/** The reasons a scenario fails for, both the kernel client's (docs/targets/linux-kernel.md; the stall after MP_FAIL is in docs/targets/reference.md, the one pair it shows in). */
const KERNEL_RESETS_JOIN_WITH_REASON_0 = /no reset carried MP_TCPRST reason 6 \(seen: 0\)/;
// The stall ends by whichever side's idle bound fires first: the reference server's reset after 15 s without progress (the
// client ends "reset") or the kernel client's own ("stalled ... while sending"); the data is incomplete either way, and the
// counters say why (below).
const KERNEL_STALLS_AFTER_MP_FAIL = /the data did not arrive complete/;
/** The kernel client's data stalls after the MP_FAIL exchange that the FTP helper's rewrite causes (docs/targets/linux-kernel.md). */
const KERNEL_STALLS_AFTER_ALG = /the data did not arrive complete: the server got 42 of 1048576 octets/;

/**
 * What each pair does, scenario by scenario: a pass everywhere but where an
 * implementation deviates from RFC 8684 (docs/targets/linux-kernel.md and
 * docs/targets/reference.md), with the reason the verdict gives.
 */
const DEVIATIONS: Record<string, Record<string, RegExp>> = {
  'linux-kernel+linux-kernel': {
    'mptcp-interop/join/strip-after-handshake': KERNEL_RESETS_JOIN_WITH_REASON_0,
    'mptcp-interop/real-middlebox/ftp-alg-checksums': KERNEL_STALLS_AFTER_ALG,
  },
  'linux-kernel+reference': {
    'mptcp-interop/join/strip-after-handshake': KERNEL_RESETS_JOIN_WITH_REASON_0,
    'mptcp-interop/checksum/corrupt-payload': KERNEL_STALLS_AFTER_MP_FAIL,
    'mptcp-interop/real-middlebox/ftp-alg-checksums': KERNEL_STALLS_AFTER_MP_FAIL,
  },
  'reference+linux-kernel': {},
  'reference+reference': {},
};

/**
 * Where a real implementation does not always do the same thing: a pass, or a
 * fail with this reason (docs/targets/linux-kernel.md, "Sometimes stalls").
 * Left out of the docker-against-local comparison.
 */
const INTERMITTENT: Record<string, Record<string, RegExp>> = {
  'linux-kernel+linux-kernel': {
    'mptcp-interop/strip/after-handshake-client-to-server': /the client ended as mptcp, not fallback/,
  },
};

/** Scenarios a pair cannot run: unsupported, with this reason (none: the reference announces addresses and sends FTP commands too). */
const UNSUPPORTED: Record<string, Record<string, RegExp>> = {};

function kernelMissing(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  for (const tool of ['nft', 'tcpdump', 'sysctl']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  return undefined;
}

const namespacesOf = (pid: number) =>
  (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`cfx-${pid}-`));
const ourNamespaces = () => namespacesOf(process.pid);

/** The state letter and parent of a process (/proc/PID/stat), or undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Every live process below `root`, with its command line; zombies (already ended) are left out. */
function descendants(root: number): Map<number, string> {
  const live = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const p = /^\d+$/.test(name) ? procStat(Number(name)) : undefined;
    if (p && p.state !== 'Z') live.set(Number(name), p.ppid);
  }
  const below = new Map<number, string>();
  const visit = (parent: number) => {
    for (const [pid, ppid] of live) {
      if (ppid !== parent || below.has(pid)) continue;
      let args = '';
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      } catch {
        // It ended while we looked.
      }
      below.set(pid, args);
      visit(pid);
    }
  };
  visit(root);
  return below;
}

const alive = (pids: number[]) => pids.filter((p) => (procStat(p)?.state ?? 'Z') !== 'Z');

function checkGrid(run: RunResults, out: string): void {
  const ids = vectorIds(SCENARIOS);
  for (const pair of PAIRS) {
    const mine = run.results.filter((r) => r.targetId === pair);
    assert.deepEqual(mine.map((r) => r.vectorId).sort(), [...ids].sort(), `every scenario ran for ${pair}`);
    const [client, server] = pair.split('+');
    for (const r of mine) {
      assert.deepEqual(r.roles, { client, server });
      const deviation = DEVIATIONS[pair]![r.vectorId];
      const unsupported = UNSUPPORTED[pair]?.[r.vectorId];
      if (unsupported) {
        assert.equal(r.verdict, 'unsupported', `${pair} ${r.vectorId}`);
        assert.match(r.reason ?? '', unsupported, `${pair} ${r.vectorId}`);
        continue;
      }
      if (deviation) {
        assert.equal(r.verdict, 'fail', `${pair} ${r.vectorId} is a documented deviation`);
        assert.match(r.reason ?? '', deviation, `${pair} ${r.vectorId}`);
      } else if (INTERMITTENT[pair]?.[r.vectorId] && r.verdict === 'fail') {
        assert.match(r.reason ?? '', INTERMITTENT[pair]![r.vectorId]!, `${pair} ${r.vectorId}`);
      } else {
        assert.equal(r.verdict, 'pass', `${pair} ${r.vectorId}: ${r.reason ?? ''}`);
      }
      for (const side of ['pcapClientSide', 'pcapServerSide']) {
        const file = join(out, r.artifacts![side]!);
        const pcap = readPcap(new Uint8Array(readFileSync(file)));
        assert.ok(pcap.ok && pcap.value.records.length > 0, `${pair} ${r.vectorId}: ${side} has the exchange`);
      }
      const details = r.details as { client: { counters?: Record<string, number> }; server: { counters?: Record<string, number> } };
      assert.ok(details.client.counters && details.server.counters, `${pair} ${r.vectorId}: each side's counters`);
    }
  }
}

describe('mptcp interop', function () {
  this.timeout(600_000);
  let local: RunResults | undefined;

  describe('with network namespaces (local driver)', () => {
    let out = '';
    before(async function () {
      const why = kernelMissing();
      if (why) return skipWithReason(this, why);
      out = tempDir();
      await runCommand({ suites: ['mptcp-interop'], targets: TARGETS, vectors: [SCENARIOS], out, quiet: true });
      local = readRun(out);
    });

    it('runs every scenario for every pair: passes, but for the documented deviations, each with captures of both sides', () => {
      checkGrid(local!, out);
      const strip = local!.results.find((r) => r.targetId === 'linux-kernel+linux-kernel' && r.vectorId === 'mptcp-interop/strip/syn-ack')!;
      const counters = (strip.details as { client: { counters: Record<string, number> } }).client.counters;
      assert.equal(counters.MPCapableFallbackSYNACK, 1, 'the client kernel counted the SYN/ACK without MP_CAPABLE');
    });

    it('writes up every deviation in the documents of the targets', () => {
      const kernel = idsInSection(join(ROOT, 'docs', 'targets', 'linux-kernel.md'), '## Interop scenarios', 'mptcp-interop/');
      const reference = idsInSection(
        join(ROOT, 'docs', 'targets', 'reference.md'),
        '## MPTCP: where it disagrees with RFC 8684 or cannot run',
        'mptcp-interop/',
      );
      for (const [pair, ids] of Object.entries(INTERMITTENT)) for (const id of Object.keys(ids)) assert.ok(kernel.has(id), `${pair} ${id} is written up`);
      for (const [pair, deviations] of Object.entries(DEVIATIONS)) {
        for (const [id, reason] of Object.entries(deviations)) {
          const doc = reason === KERNEL_RESETS_JOIN_WITH_REASON_0 || reason === KERNEL_STALLS_AFTER_ALG ? kernel : reference;
          assert.ok(doc.has(id), `${pair} ${id} is written up`);
        }
      }
    });

    it('reports the reference side: its counters, the join subflow, why it fell back', () => {
      const joined = local!.results.find((r) => r.targetId === 'reference+linux-kernel' && r.vectorId === 'mptcp-interop/join/clean')!;
      const client = (joined.details as { client: { subflows: number; counters: Record<string, number> } }).client;
      assert.equal(client.subflows, 2, 'the reference client joined from its second address');
      assert.ok(client.counters.packetsOut! > 0, 'the Host counters of the reference side');
      const fallback = local!.results.find((r) => r.targetId === 'linux-kernel+reference' && r.vectorId === 'mptcp-interop/strip/syn-ack')!;
      const server = (fallback.details as { server: { fallback: boolean; fallbackReason?: string } }).server;
      assert.equal(server.fallback, true);
      assert.match(
        server.fallbackReason ?? '',
        /third ACK without MP_CAPABLE/,
        "the reference's SYN/ACK lost its MP_CAPABLE on the way: the kernel's third ACK has none",
      );
      const corrupt = local!.results.find((r) => r.targetId === 'reference+reference' && r.vectorId === 'mptcp-interop/checksum/corrupt-payload')!;
      const counters = (corrupt.details as { server: { counters: Record<string, number> } }).server.counters;
      assert.equal(counters.dssChecksumFailure, 1, 'the damage reached MPTCP: the TCP checksum was kept right');
      const stall = local!.results.find((r) => r.targetId === 'linux-kernel+reference' && r.vectorId === 'mptcp-interop/checksum/corrupt-payload')!;
      const kernel = (stall.details as { client: { counters: Record<string, number> } }).client.counters;
      assert.ok(
        (kernel.IpFragFails ?? 0) > 0 && (kernel.IcmpOutDestUnreachs ?? 0) > 0,
        `the kernel's stall after MP_FAIL, as documented: segments too large for its own path (${JSON.stringify(kernel)})`,
      );
      assert.equal(counters.badPackets ?? 0, 0, 'no segment was dropped for a bad TCP checksum');
    });

    it('draws one client × server grid per scenario in matrix.md', () => {
      const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
      assert.match(
        matrix,
        /#### `mptcp-interop\/strip\/syn-ack` \(MUST\)\n\n[^\n]+\n\n\| client \\ server \| linux-kernel \| reference \|\n\|---\|---\|---\|\n\| linux-kernel \| ✅ \| ✅ \|\n\| reference \| ✅ \| ✅ \|/,
      );
    });

    it('leaves no network namespace behind', () => {
      assert.deepEqual(ourNamespaces(), []);
    });
  });

  describe('with containers (docker driver)', () => {
    let out = '';
    before(async function () {
      const why = kernelMissing() ?? (await dockerMissing());
      if (why) return skipWithReason(this, why);
      out = tempDir();
      await runCommand({ suites: ['mptcp-interop'], targets: TARGETS, vectors: [SCENARIOS], out, quiet: true, driver: 'docker' });
    });

    it('gives the verdicts of the local driver, scenario by scenario', function () {
      if (!local) return skipWithReason(this, 'the local run did not happen');
      const docker = readRun(out);
      checkGrid(docker, out);
      const verdicts = (r: RunResults) =>
        Object.fromEntries(r.results.filter((x) => !INTERMITTENT[x.targetId]?.[x.vectorId]).map((x) => [`${x.targetId} ${x.vectorId}`, x.verdict]));
      assert.deepEqual(verdicts(docker), verdicts(local));
      // Unsupported pairs (UNSUPPORTED) never ran, so they have no topology.
      assert.ok(docker.results.filter((r) => r.verdict !== 'unsupported').every((r) => (r.details as { topology: string }).topology === 'containers'));
    });

    it('removes the containers and networks it made', () => {
      assert.deepEqual(leftovers(process.pid), []);
    });
  });

  it('on Ctrl-C mid-grid, removes every namespace, adapter, agent and capture it started, and keeps partial reports', async function () {
    const why = kernelMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const child = spawn(
      process.execPath,
      [CLI, 'run', '--suite', 'mptcp-interop', '--target', 'reference', '--target', 'linux-kernel', '--reporter', 'dot', '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until pairs are under way: namespaces made, adapters, agents and tcpdump running.
    let started = new Map<number, string>();
    for (let i = 0; i < 300; i++) {
      started = descendants(child.pid!);
      const args = [...started.values()].join('\n');
      if (namespacesOf(child.pid!).length > 0 && /tcpdump/.test(args) && /kernel-agent\.py/.test(args) && /tun-bridge\.py/.test(args)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(namespacesOf(child.pid!).length > 0, `the run made namespaces: ${stderr}`);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /SIGINT: stopping and removing what this run created/);
    assert.deepEqual(namespacesOf(child.pid!), []);
    const left = alive([...started.keys()]);
    assert.deepEqual(
      left.map((p) => started.get(p)),
      [],
      'every process the run started has ended',
    );
    assert.equal((readRun(out).run as { interrupted?: boolean }).interrupted, true, 'the partial reports say the run was interrupted');
  });

  it('ends a pair that never finishes as a timeout, keeps its captures, and removes its namespaces', async function () {
    const why = kernelMissing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    const code = await runCommand({
      suites: ['mptcp-interop'],
      targets: ['hang'],
      vectors: [join(FIXTURES, 'mptcp-interop-vectors', 'hang.json')],
      out,
      quiet: true,
      targetDirs: [join(FIXTURES, 'interop-targets')],
    });
    assert.equal(code, 1);
    const [r] = readRun(out).results;
    assert.equal(r!.verdict, 'timeout');
    assert.match(r!.reason!, /no verdict within 11000 ms/);
    for (const side of ['pcapClientSide', 'pcapServerSide']) assert.ok(statSync(join(out, r!.artifacts![side]!)).isFile(), side);
    // Each role's adapter's stderr is kept with the timeout, by role: the client waited on interop.connect.
    assert.match(r!.logs?.client ?? '', /hang adapter: interop\.connect never answered/, JSON.stringify(r!.logs));
    assert.deepEqual(ourNamespaces(), []);
  });
});
