// The reference target in the packet-level MPTCP suite, through the runner:
// every vector reaches a verdict (pass or fail, never error or timeout), and
// the ones it fails are exactly those docs/targets/reference.md lists; the
// same segments on every run; the adapter's sysctl mapping. Its interop
// pairs are in test/mptcp-interop/interop.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { referenceHandlers } from '../../targets/reference/adapter.js';
import { idsInSection, readRun, ROOT, tempDir, vectorIds } from '../helpers.js';

const VECTORS = join(ROOT, 'vectors', 'mptcp');
const DOC = join(ROOT, 'docs', 'targets', 'reference.md');
const HEADING = 'MPTCP: where it disagrees with RFC 8684 or cannot run';

/**
 * The packet-level vectors the reference fails: none today. A vector added
 * here must be written up in the documented section (the test checks both
 * ways).
 */
const PACKET_FAILURES: Record<string, RegExp> = {};

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
      assert.deepEqual(results.map((r) => r.vectorId).sort(), vectorIds(VECTORS).sort());
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
      assert.deepEqual([...idsInSection(DOC, `## ${HEADING}`, 'mptcp/')].sort(), Object.keys(PACKET_FAILURES).sort(), 'the documented packet-level failures');
    });

    it('sends the same segments on every run: its randomness is seeded from the vector id', async () => {
      const again = tempDir();
      await runCommand({ suites: ['mptcp'], targets: ['reference'], vectors: [join(VECTORS, 'capable.json')], out: again, quiet: true });
      const exchange = (r: RunResults, id: string) =>
        (r.results.find((x) => x.vectorId === id)!.details as { exchange: { from: string; packet: string }[] }).exchange.map((e) => `${e.from} ${e.packet}`);
      const second = readRun(again);
      assert.ok(second.results.length > 30);
      for (const r of second.results) assert.deepEqual(exchange(second, r.vectorId), exchange(run, r.vectorId), r.vectorId);
    });
  });

  describe('the adapter', () => {
    const h = referenceHandlers;

    it("claims the MPTCP capabilities, sysctls among them, beside the cookie suite's clock", async () => {
      const hello = (await h.hello!({ contract: '1', suites: ['mptcp'] })) as { capabilities: string[] };
      for (const c of ['clock', 'mptcp-v1', 'sysctls', 'mptcp-interop', 'interop-join', 'interop-checksums', 'interop-announce', 'interop-preamble'])
        assert.ok(hello.capabilities.includes(c), c);
    });

    it('maps the sysctls it honours onto the Host, and refuses one it does not know rather than ignore it', async () => {
      try {
        const opened = (await h['mptcp.open']!({
          vector: 'test/a',
          role: 'client',
          sysctls: { 'net.mptcp.checksum_enabled': 1, 'net.mptcp.allow_join_initial_addr_port': 0 },
          subflowEndpoints: 2,
        })) as {
          addresses: { sut: string; peers: string[]; sutExtra: string[] };
        };
        assert.deepEqual(opened.addresses, {
          sut: '198.51.100.1',
          peers: ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'],
          sutExtra: ['198.51.100.11', '198.51.100.12'],
        });
        await assert.rejects(
          async () => h['mptcp.open']!({ vector: 'test/b', role: 'client', sysctls: { 'net.mptcp.add_addr_timeout': 5 } }),
          /net\.mptcp\.add_addr_timeout has no meaning for the reference endpoint/,
        );
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
});
