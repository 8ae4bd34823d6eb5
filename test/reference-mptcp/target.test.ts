// The reference target in the two MPTCP suites, through the runner: every
// packet-level vector reaches a verdict (pass or fail, never error or
// timeout), and the ones it fails are exactly those docs/targets/reference.md
// lists; the same segments on every run; the adapter's sysctl mapping; and
// the interop scenarios with the reference as client and as server against
// the Linux kernel (local driver), pair by pair.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { referenceHandlers } from '../../targets/reference/adapter.js';
import { skipWithReason } from '../docker/helpers.js';
import { readRun, ROOT, tempDir } from '../helpers.js';

const VECTORS = join(ROOT, 'vectors', 'mptcp');
const SCENARIOS = join(ROOT, 'vectors', 'mptcp-interop');
const DOC = join(ROOT, 'docs', 'targets', 'reference.md');
const HEADING = 'MPTCP: where it disagrees with RFC 8684 or cannot run';

function ids(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors: { id: string }[] }).vectors.map((v) => v.id));
}

/** The section of docs/targets/reference.md on MPTCP failures, and the vector and scenario ids it names. */
function documented(): { packet: Set<string>; interop: Set<string>; text: string } {
  const doc = readFileSync(DOC, 'utf8');
  const at = doc.indexOf(`## ${HEADING}`);
  assert.ok(at >= 0, `docs/targets/reference.md has a section "${HEADING}"`);
  const next = doc.indexOf('\n## ', at + 3);
  const text = doc.slice(at, next < 0 ? undefined : next);
  const named = [...text.matchAll(/`(mptcp(?:-interop)?\/[a-z0-9/-]+)`/g)].map((m) => m[1]!);
  return { packet: new Set(named.filter((n) => n.startsWith('mptcp/'))), interop: new Set(named.filter((n) => n.startsWith('mptcp-interop/'))), text };
}

/**
 * The packet-level vectors the reference fails: none today. A vector added
 * here must be written up in the documented section (the test checks both
 * ways).
 */
const PACKET_FAILURES: Record<string, RegExp> = {};

type Expect = 'pass' | RegExp | ('pass' | RegExp)[];

/** What each pair with the reference gives, scenario by scenario (docs/targets/reference.md says why). */
const INTEROP: Record<string, Record<string, Expect>> = {
  'reference+reference': {
    // The middlebox's corrupted segment keeps the TCP checksum of the original: the receiver drops it, the sender retransmits it intact.
    'mptcp-interop/checksum/corrupt-payload': /the client ended as mptcp, not fallback; the server ended as mptcp, not fallback/,
  },
  'reference+linux-kernel': {
    'mptcp-interop/checksum/corrupt-payload': /the client ended as mptcp, not fallback; the server ended as mptcp, not fallback/,
  },
  'linux-kernel+reference': {
    // Our MP_FAIL makes the kernel answer with an infinite mapping, after which its segments are too large for the path (it stalls).
    'mptcp-interop/checksum/corrupt-payload': /the client ended as reset, not fallback.*the data did not arrive intact/,
    // Our SYN/ACK, its HMAC corrupted, keeps its old TCP checksum: the kernel drops it and counts the join in SYN_SENT as a subflow.
    'mptcp-interop/join/corrupt-hmac': /the client had 2 subflow\(s\), not 1/,
    // The kernel counts its join while it waits for our SYN/ACK: a second subflow when a query falls in that time.
    'mptcp-interop/join/strip': ['pass', /the client had 2 subflow\(s\), not 1/],
    // The kernel's deviation (docs/targets/linux-kernel.md): the join is reset with MP_TCPRST reason 0, not 6.
    'mptcp-interop/join/strip-after-handshake': /no reset carried MP_TCPRST reason 6 \(seen: 0\)/,
  },
};

function interopMissing(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  for (const tool of ['nft', 'tcpdump', 'sysctl']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  return undefined;
}

const ourNamespaces = () => (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.startsWith(`cfx-${process.pid}-`));

describe('the reference target in the MPTCP suites', function () {
  this.timeout(600_000);

  describe('packet-level vectors', () => {
    let out = '';
    let run: RunResults;
    before(async () => {
      out = tempDir();
      await runCommand({ suites: ['mptcp'], targets: ['reference'], vectors: [VECTORS], out, quiet: true });
      run = readRun(out);
    });

    it('reaches a pass or fail verdict on every vector, each with a pcap of its exchange', () => {
      const results = run.results.filter((r) => r.targetId === 'reference');
      assert.deepEqual(results.map((r) => r.vectorId).sort(), ids(VECTORS).sort());
      for (const r of results) {
        assert.ok(r.verdict === 'pass' || r.verdict === 'fail', `${r.vectorId}: ${r.verdict} ${r.reason ?? ''}`);
        const pcap = readPcap(new Uint8Array(readFileSync(join(out, r.artifacts!.pcap!))));
        assert.ok(pcap.ok && pcap.value.records.length > 0, `${r.vectorId}: the pcap has the exchange`);
      }
      assert.equal(run.targets.find((t) => t.id === 'reference')!.implementation!.name, 'conformatrix reference');
    });

    it('fails exactly the vectors docs/targets/reference.md lists, for the reasons the test expects', () => {
      const failed = run.results.filter((r) => r.targetId === 'reference' && r.verdict === 'fail');
      assert.deepEqual(failed.map((r) => r.vectorId).sort(), Object.keys(PACKET_FAILURES).sort(), failed.map((r) => `${r.vectorId}: ${r.reason}`).join('\n'));
      for (const r of failed) assert.match(r.reason ?? '', PACKET_FAILURES[r.vectorId]!);
      assert.deepEqual([...documented().packet].sort(), Object.keys(PACKET_FAILURES).sort(), 'the documented packet-level failures');
    });

    it('sends the same segments on every run: its randomness is seeded from the vector id', async () => {
      const again = tempDir();
      await runCommand({ suites: ['mptcp'], targets: ['reference'], vectors: [join(VECTORS, 'capable.json')], out: again, quiet: true });
      const exchange = (r: RunResults, id: string) => (r.results.find((x) => x.vectorId === id)!.details as { exchange: { from: string; packet: string }[] }).exchange.map((e) => `${e.from} ${e.packet}`);
      const second = readRun(again);
      assert.ok(second.results.length > 30);
      for (const r of second.results) assert.deepEqual(exchange(second, r.vectorId), exchange(run, r.vectorId), r.vectorId);
    });
  });

  describe('the adapter', () => {
    const h = referenceHandlers;

    it('claims the MPTCP capabilities, sysctls among them, beside the cookie suite\'s clock', async () => {
      const hello = (await h.hello!({ contract: '1', suites: ['mptcp'] })) as { capabilities: string[] };
      for (const c of ['clock', 'mptcp-v1', 'sysctls', 'mptcp-interop', 'interop-join', 'interop-checksums']) assert.ok(hello.capabilities.includes(c), c);
    });

    it('maps the sysctls it honours onto the Host, and refuses one it does not know rather than ignore it', async () => {
      try {
        const opened = (await h['mptcp.open']!({ vector: 'test/a', role: 'client', sysctls: { 'net.mptcp.checksum_enabled': 1, 'net.mptcp.allow_join_initial_addr_port': 0 }, subflowEndpoints: 2 })) as {
          addresses: { sut: string; peers: string[]; sutExtra: string[] };
        };
        assert.deepEqual(opened.addresses, { sut: '198.51.100.1', peers: ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'], sutExtra: ['198.51.100.11', '198.51.100.12'] });
        await assert.rejects(async () => h['mptcp.open']!({ vector: 'test/b', role: 'client', sysctls: { 'net.mptcp.add_addr_timeout': 5 } }), /net\.mptcp\.add_addr_timeout has no meaning for the reference endpoint/);
        await assert.rejects(async () => h['mptcp.open']!({ vector: 'test/c', role: 'client', sysctls: { 'net.mptcp.blackhole_timeout': 3600 } }), /blackhole/);
      } finally {
        await h['mptcp.close']!({});
      }
    });

    it('refuses MPTCP sockets when net.mptcp.enabled is 0, as Linux does, and opens plain TCP ones', async () => {
      try {
        await h['mptcp.open']!({ vector: 'test/d', role: 'server', sysctls: { 'net.mptcp.enabled': 0 } });
        const r = (await h['mptcp.socket']!({ op: 'listen', id: 'listen-1', port: 8000, mptcp: true })) as { error?: string };
        assert.match(r.error ?? '', /Protocol not available/);
        const tcp = (await h['mptcp.socket']!({ op: 'listen', id: 'listen-2', port: 8001, mptcp: false })) as { error?: string };
        assert.equal(tcp.error, undefined);
      } finally {
        await h['mptcp.close']!({});
      }
    });
  });

  describe('interop with the Linux kernel, both roles (local driver)', () => {
    let out = '';
    let run: RunResults;
    before(async function () {
      const why = interopMissing();
      if (why) return skipWithReason(this, why);
      out = tempDir();
      await runCommand({ suites: ['mptcp-interop'], targets: ['reference', 'linux-kernel'], vectors: [SCENARIOS], out, quiet: true });
      run = readRun(out);
    });

    it('gives every pair with the reference the verdicts expected, scenario by scenario', () => {
      const scenarios = ids(SCENARIOS);
      const problems: string[] = [];
      for (const [pair, exceptions] of Object.entries(INTEROP)) {
        const mine = run.results.filter((r) => r.targetId === pair);
        assert.deepEqual(mine.map((r) => r.vectorId).sort(), [...scenarios].sort(), `every scenario ran for ${pair}`);
        const [client, server] = pair.split('+');
        for (const r of mine) {
          assert.deepEqual(r.roles, { client, server });
          const want = exceptions[r.vectorId] ?? 'pass';
          const options = Array.isArray(want) ? want : [want];
          const ok = options.some((o) => (o === 'pass' ? r.verdict === 'pass' : r.verdict === 'fail' && o.test(r.reason ?? '')));
          if (!ok) problems.push(`${pair} ${r.vectorId}: ${r.verdict} ${r.reason ?? ''} (expected ${options.map(String).join(' or ')})`);
        }
      }
      assert.deepEqual(problems, []);
    });

    it('documents every scenario a pair with the reference fails', () => {
      const { interop } = documented();
      for (const exceptions of Object.values(INTEROP)) for (const id of Object.keys(exceptions)) assert.ok(interop.has(id), `${id} is written up in docs/targets/reference.md`);
    });

    it('reports the reference side: its counters, both captures, the join subflow', () => {
      const join = run.results.find((r) => r.targetId === 'reference+linux-kernel' && r.vectorId === 'mptcp-interop/join/clean')!;
      const client = (join.details as { client: { subflows: number; counters: Record<string, number> } }).client;
      assert.equal(client.subflows, 2, 'the reference client joined from its second address');
      assert.ok(client.counters.packetsOut! > 0, 'the Host counters of the reference side');
      const fallback = run.results.find((r) => r.targetId === 'linux-kernel+reference' && r.vectorId === 'mptcp-interop/strip/syn-ack')!;
      const server = (fallback.details as { server: { fallback: boolean; fallbackReason?: string } }).server;
      assert.equal(server.fallback, true);
      assert.match(server.fallbackReason ?? '', /third ACK without MP_CAPABLE/, 'our SYN/ACK lost its MP_CAPABLE on the way: the kernel's third ACK has none');
      for (const r of run.results.filter((x) => x.targetId.includes('reference'))) {
        for (const side of ['pcapClientSide', 'pcapServerSide']) {
          const pcap = readPcap(new Uint8Array(readFileSync(join(out, r.artifacts![side]!))));
          assert.ok(pcap.ok && pcap.value.records.length > 0, `${r.targetId} ${r.vectorId}: ${side} has the exchange`);
        }
      }
    });

    it('leaves no network namespace behind', () => {
      assert.deepEqual(ourNamespaces(), []);
    });
  });
});
