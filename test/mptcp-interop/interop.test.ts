// MPTCP interop through a real middlebox: the linux-kernel × linux-kernel pair
// over every scenario with the local driver (namespaces) and the docker driver
// (containers), the same verdicts from both, captures on both sides of the
// middlebox, a hung pair ending as a timeout with its captures, and nothing
// left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { dockerMissing, leftovers, skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';

const SCENARIOS = join(ROOT, 'vectors', 'mptcp-interop');
const PAIR = 'linux-kernel+linux-kernel';

/**
 * What the kernel pair does, scenario by scenario: a pass everywhere but where
 * Linux deviates from RFC 8684 (docs/targets/linux-kernel.md, "Interop
 * scenarios"), with the reason the verdict gives.
 */
const KERNEL_DEVIATIONS: Record<string, RegExp> = {
  'mptcp-interop/checksum/corrupt-payload': /the data did not arrive intact: the server got \d+ of \d+ octets \(or not the right ones\)/,
  'mptcp-interop/join/strip-after-handshake': /no reset carried MP_TCPRST reason 6 \(seen: 0\)/,
};

function scenarioIds(): string[] {
  return readdirSync(SCENARIOS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(SCENARIOS, f), 'utf8')) as { vectors: { id: string }[] }).vectors.map((v) => v.id));
}

function kernelMissing(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  for (const tool of ['nft', 'tcpdump', 'sysctl']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  return undefined;
}

const ourNamespaces = () => (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`cfx-${process.pid}-`));

function checkKernelPair(run: RunResults, out: string): void {
  const ids = scenarioIds();
  const mine = run.results.filter((r) => r.targetId === PAIR);
  assert.deepEqual(mine.map((r) => r.vectorId).sort(), [...ids].sort(), 'every scenario ran for the pair');
  for (const r of mine) {
    assert.deepEqual(r.roles, { client: 'linux-kernel', server: 'linux-kernel' });
    const deviation = KERNEL_DEVIATIONS[r.vectorId];
    if (deviation) {
      assert.equal(r.verdict, 'fail', `${r.vectorId} is a documented deviation`);
      assert.match(r.reason ?? '', deviation);
    } else {
      assert.equal(r.verdict, 'pass', `${r.vectorId}: ${r.reason ?? ''}`);
    }
    for (const side of ['pcapClientSide', 'pcapServerSide']) {
      const file = join(out, r.artifacts![side]!);
      const pcap = readPcap(new Uint8Array(readFileSync(file)));
      assert.ok(pcap.ok && pcap.value.records.length > 0, `${r.vectorId}: ${side} has the exchange`);
    }
    const details = r.details as { client: { counters?: Record<string, number> }; server: { counters?: Record<string, number> } };
    assert.ok(details.client.counters && details.server.counters, `${r.vectorId}: the kernel's MPTcpExt counters`);
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
      await runCommand({ suites: ['mptcp-interop'], targets: ['linux-kernel'], vectors: [SCENARIOS], out, quiet: true });
      local = readRun(out);
    });

    it('runs every scenario for the kernel pair: passes, but for the documented deviations, each with captures of both sides', () => {
      checkKernelPair(local!, out);
      const strip = local!.results.find((r) => r.vectorId === 'mptcp-interop/strip/syn-ack')!;
      const counters = (strip.details as { client: { counters: Record<string, number> } }).client.counters;
      assert.equal(counters.MPCapableFallbackSYNACK, 1, 'the client kernel counted the SYN/ACK without MP_CAPABLE');
    });

    it('draws one client × server grid per scenario in matrix.md', () => {
      const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
      assert.match(matrix, /#### `mptcp-interop\/strip\/syn-ack` \(MUST\)\n\n[^\n]+\n\n\| client \\ server \| linux-kernel \|\n\|---\|---\|\n\| linux-kernel \| ✅ \|/);
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
      await runCommand({ suites: ['mptcp-interop'], targets: ['linux-kernel'], vectors: [SCENARIOS], out, quiet: true, driver: 'docker' });
    });

    it('gives the verdicts of the local driver, scenario by scenario', function () {
      if (!local) return skipWithReason(this, 'the local run did not happen');
      const docker = readRun(out);
      checkKernelPair(docker, out);
      const verdicts = (r: RunResults) => Object.fromEntries(r.results.map((x) => [`${x.targetId} ${x.vectorId}`, x.verdict]));
      assert.deepEqual(verdicts(docker), verdicts(local));
      assert.ok(docker.results.every((r) => (r.details as { topology: string }).topology === 'containers'));
    });

    it('removes the containers and networks it made', () => {
      assert.deepEqual(leftovers(process.pid), []);
    });
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
    assert.deepEqual(ourNamespaces(), []);
  });
});
