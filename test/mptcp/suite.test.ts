// The packet-level MPTCP suite end to end: malformed scripts fail validation
// with file, line and pointer; a SUT that never answers ends as a timeout
// with its pcap; the whole suite runs against the Linux kernel (a pcap per
// vector, junit.xml, a matrix grouped by section), and the docker driver
// runs the kernel target with NET_ADMIN and /dev/net/tun only, with the same
// verdicts as the local driver.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPcap, decodePacket } from '../../suites/mptcp/codec/index.js';
import type { MptcpVector } from '../../suites/mptcp/vector.js';
import { runCommand } from '../../runner/run.js';
import { DockerDriver } from '../../runner/docker/driver.js';
import { loadTarget } from '../../runner/targets.js';
import { dockerMissing, skipWithReason } from '../docker/helpers.js';
import { cli, FIXTURES, readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { kernelMissing } from './helpers.js';

const VECTORS = join(ROOT, 'vectors', 'mptcp');

/** Every packet-level vector, as written. */
function allVectors(): MptcpVector[] {
  return readdirSync(VECTORS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as { vectors: MptcpVector[] }).vectors);
}

/** The packets of a pcap the harness wrote, decoded. */
function pcapPackets(file: string) {
  const pcap = readPcap(new Uint8Array(readFileSync(file)));
  assert.ok(pcap.ok, pcap.ok ? '' : pcap.error.message);
  return pcap.value.records.map((r) => {
    const d = decodePacket(r.data);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    return d.value.packet;
  });
}

describe('mptcp suite', function () {
  this.timeout(300_000);

  it('rejects a malformed script with the file, line, column and JSON pointer of each problem', () => {
    const file = join(FIXTURES, 'mptcp-vectors', 'malformed.json');
    const r = cli(['validate', file]);
    assert.equal(r.status, 2, r.stderr);
    // A schema error names one problem, not one per kind of step it might have been.
    assert.match(r.stderr, /malformed\.json:24:23 at \/vectors\/1\/script\/1\/expect\/flags: must match the pattern/);
    assert.doesNotMatch(r.stderr, /missing required property "inject"/);
    // An option field that does not exist: the schema closes every option kind, so it is found in the same pass.
    assert.match(r.stderr, /malformed\.json:13:\d+ at \/vectors\/0\/script\/2\/expect\/options\/require\/0: unknown property "colour"/);
  });

  it('ends a vector whose SUT never answers as a timeout, and keeps its pcap', async () => {
    const out = tempDir();
    const code = await runCommand({
      suites: ['mptcp'],
      targets: ['silent'],
      vectors: [join(FIXTURES, 'mptcp-vectors', 'silent.json')],
      out,
      timeoutMs: 1500,
      targetDirs: [join(FIXTURES, 'mptcp-targets')],
      quiet: true,
    });
    assert.equal(code, 1);
    const [result] = readRun(out).results;
    assert.equal(result!.verdict, 'timeout');
    assert.match(result!.reason!, /no verdict within 1500 ms/);
    const pcap = join(out, result!.artifacts!.pcap!);
    const packets = pcapPackets(pcap);
    assert.equal(packets.length, 1, 'the SYN the harness sent');
    assert.ok(packets[0]!.tcp.flags.syn && packets[0]!.tcp.options.some((o) => o.type === 'mptcp' && o.subtype === 'mp_capable'));
  });

  describe('against the Linux kernel', () => {
    let out = '';
    before(async function () {
      const why = kernelMissing();
      if (why) return skipWithReason(this, why);
      out = tempDir();
      await runCommand({ suites: ['mptcp'], targets: ['linux-kernel'], vectors: [VECTORS], out, quiet: true });
    });

    it('reaches a pass or fail verdict on every vector, each with a pcap of its exchange', () => {
      const run = readRun(out);
      const vectors = allVectors();
      const results = run.results.filter((r) => r.targetId === 'linux-kernel');
      assert.equal(results.length, vectors.length);
      for (const r of results) {
        assert.ok(r.verdict === 'pass' || r.verdict === 'fail', `${r.vectorId}: ${r.verdict} ${r.reason ?? ''}`);
        const file = join(out, r.artifacts!.pcap!);
        const packets = pcapPackets(file);
        assert.ok(packets.length >= 1, `${r.vectorId}: the pcap has the exchange`);
      }
      const target = run.targets.find((t) => t.id === 'linux-kernel')!;
      assert.match(target.implementation!.version, /^\d+\.\d+/);
    });

    it('writes junit.xml and a matrix grouped by RFC 8684 section', () => {
      const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
      assert.match(junit, /<testsuite[^>]*name="linux-kernel/);
      const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
      assert.match(matrix, /### \[rfc8684 §3\.1 Connection Initiation\]/);
      assert.match(matrix, /### \[rfc8684 §3\.2 Starting a New Subflow\]/);
    });
  });

  describe('linux-kernel in a container', () => {
    let missing: string | undefined;
    before(async function () {
      missing = kernelMissing() ?? (await dockerMissing());
      if (missing) skipWithReason(this, missing);
    });

    it('gets NET_ADMIN and /dev/net/tun, and no other capability or device', async () => {
      const driver = await DockerDriver.start({ outDir: tempDir() });
      try {
        const target = loadTarget(join(ROOT, 'targets', 'linux-kernel'));
        const transport = await driver.factory(target, {}).start();
        try {
          const hello = (await transport.call('hello', { contract: '1', suites: ['mptcp'] })) as { capabilities: string[] };
          assert.ok(hello.capabilities.includes('mptcp-v1'));
          assert.ok(!hello.capabilities.includes('sysctls'), 'no sysctls capability: /proc/sys is read-only in a container');
          const ids = spawnSync('docker', ['ps', '-q', '--filter', `label=org.conformatrix.run=${driver.runId}`], { encoding: 'utf8' })
            .stdout.trim()
            .split('\n');
          assert.equal(ids.length, 1);
          const [info] = JSON.parse(spawnSync('docker', ['inspect', ids[0]!], { encoding: 'utf8' }).stdout) as {
            HostConfig: { CapAdd: string[]; CapDrop: string[]; Devices: { PathOnHost: string }[]; Privileged: boolean };
          }[];
          assert.deepEqual(info!.HostConfig.CapAdd, ['NET_ADMIN']);
          assert.deepEqual(info!.HostConfig.CapDrop, ['ALL']);
          assert.deepEqual(
            info!.HostConfig.Devices.map((d) => d.PathOnHost),
            ['/dev/net/tun'],
          );
          assert.equal(info!.HostConfig.Privileged, false);
        } finally {
          await transport.close();
        }
      } finally {
        await driver.dispose();
      }
    });

    it('gives the verdicts of the local driver, and unsupported where a vector sets sysctls', async function () {
      // The whole packet suite twice (204 vectors, about a minute each at idle): a mocha budget for a busy machine.
      this.timeout(900_000);
      const local = tempDir();
      const docker = tempDir();
      await runCommand({ suites: ['mptcp'], targets: ['linux-kernel'], vectors: [VECTORS], out: local, quiet: true });
      await runCommand({ suites: ['mptcp'], targets: ['linux-kernel'], vectors: [VECTORS], out: docker, quiet: true, driver: 'docker' });
      const l = verdicts(readRun(local), 'linux-kernel');
      const d = verdicts(readRun(docker), 'linux-kernel');
      const withSysctls = new Set(
        allVectors()
          .filter((v) => Object.keys(v.setup?.sysctls ?? {}).length)
          .map((v) => v.id),
      );
      assert.deepEqual(Object.keys(d).sort(), Object.keys(l).sort());
      for (const id of Object.keys(l)) assert.equal(d[id], withSysctls.has(id) ? 'unsupported' : l[id], id);
    });
  });
});
