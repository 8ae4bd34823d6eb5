// The TCP-terminating proxy delivers every octet when both ends have shut their sending side while it still holds octets of
// theirs (issue 17, docs/mptcp-interop.md, "HAProxy ends a session before it has forwarded everything"). HAProxy's default
// level-triggered polling then took an EPOLLHUP without EPOLLIN for the end of the data, closed, and the kernel reset the
// unread octets away; the scenario's configuration (edge-triggered polling) must not. With the old configuration all three
// scenarios failed in a run of this test (2026-12-07), and in runs of the CLI the even one failed 9 of 13 times, the one with
// the faster link to the client 2 of 3, the fastest 3 of 3. Every run must deliver every octet, and for each vector a run
// must show in its captures that it brought about that order (both ends shut before the proxy sent either its last octets),
// so that the test cannot pass on runs that all missed it; a run that missed it is run again (see `run`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRecord } from '../../runner/model.js';
import { escapeRegExp } from '../../runner/rerun.js';
import { runCommand } from '../../runner/run.js';
import { ipPayload, readPcap } from '../../suites/mptcp/codec/index.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { missingKernelFeature } from '../../suites/mptcp-interop/kernel.js';
import { middleboxSetup } from '../../suites/mptcp-interop/middlebox.js';
import type { MiddleboxAccount } from '../../suites/mptcp-interop/run.js';
import { ADDRESSES } from '../../suites/mptcp-interop/topology.js';
import { skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, tempDir } from '../helpers.js';

const FILE = join(FIXTURES, 'mptcp-interop-vectors', 'proxy-half-close.json');
const FIN = 0x01;

function missing(): string | undefined {
  return (
    labUnavailable() ??
    missingKernelFeature(middleboxSetup('tcp-proxy', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features)
  );
}

/** One captured IPv4/TCP packet: when, from and to which address, its FIN flag and how many data octets it carried. */
interface Seen {
  at: number;
  src: string;
  dst: string;
  fin: boolean;
  data: number;
}

/** The packets of a capture (only their headers were kept: the IP length says how many data octets there were). */
function packets(file: string): Seen[] {
  const pcap = readPcap(new Uint8Array(readFileSync(file)));
  assert.ok(pcap.ok, file);
  const address = (b: Uint8Array, at: number) => [...b.subarray(at, at + 4)].join('.');
  return pcap.value.records.flatMap((r) => {
    const ip = ipPayload(pcap.value.header.linktype, r.data);
    if (!ip.ok || ip.value.length < 20 || ip.value[0]! >> 4 !== 4 || ip.value[9] !== 6) return [];
    const b = ip.value;
    const ihl = (b[0]! & 15) * 4;
    if (b.length < ihl + 14) return [];
    return [
      {
        at: r.seconds + r.microseconds / 1e6,
        src: address(b, 12),
        dst: address(b, 16),
        fin: (b[ihl + 13]! & FIN) !== 0,
        data: ((b[2]! << 8) | b[3]!) - ihl - (b[ihl + 12]! >> 4) * 4,
      },
    ];
  });
}

/** When the first packet matching `which` was captured. */
function first(seen: Seen[], which: (p: Seen) => boolean, what: string): number {
  const p = seen.find(which);
  assert.ok(p, `no ${what} in the capture`);
  return p.at;
}

/** When the last data octets matching `which` were captured. */
function lastData(seen: Seen[], which: (p: Seen) => boolean, what: string): number {
  const p = seen.filter((x) => x.data > 0 && which(x)).pop();
  assert.ok(p, `no ${what} in the capture`);
  return p.at;
}

/**
 * Checks one result: it passed, and HAProxy logged every octet each way as a normal end. Returns whether the captures show
 * the order the fixture is there for: both ends had shut their sending side (their FINs reached the proxy) before the proxy
 * had sent either of them its last octets, or, if not, why.
 */
function check(r: ResultRecord, out: string, transfer: { clientToServer: number; serverToClient: number }): string | undefined {
  assert.equal(r.verdict, 'pass', `${r.vectorId}: ${r.reason ?? ''}`);
  const { proxySessions } = (r.details as { middlebox: MiddleboxAccount }).middlebox;
  assert.deepEqual(
    proxySessions,
    [{ uploaded: transfer.clientToServer, downloaded: transfer.serverToClient, termination: '--' }],
    `${r.vectorId}: HAProxy's own log`,
  );
  const near = packets(join(out, r.artifacts!.pcapClientSide!));
  const far = packets(join(out, r.artifacts!.pcapServerSide!));
  const shut = Math.max(
    first(near, (p) => p.fin && p.src === ADDRESSES.client, "the client's FIN"),
    first(far, (p) => p.fin && p.src === ADDRESSES.server, "the server's FIN"),
  );
  const forwarded = Math.min(
    lastData(near, (p) => p.dst === ADDRESSES.client, 'data to the client'),
    lastData(far, (p) => p.dst === ADDRESSES.server, 'data to the server'),
  );
  return shut < forwarded ? undefined : `both ends had shut at ${shut}, after the proxy had sent one of them its last octets (${forwarded})`;
}

/** How many runs a vector gets to bring about its order; every run must deliver every octet all the same. */
const ATTEMPTS = 4;

/**
 * Runs each fixture vector until a run shows the order it is there for, at most ATTEMPTS times. Which end's last octets
 * reach the proxy first is a race between the two ends' TCP stacks and the links' token buckets, which on an idle machine
 * can end a few milliseconds the other way (one run in a CI run of 2026-12-07 did); a run that missed the order says
 * nothing about the proxy, so it is run again rather than counted.
 */
async function run(driver: 'local' | 'docker'): Promise<void> {
  const { vectors } = JSON.parse(readFileSync(FILE, 'utf8')) as { vectors: { id: string; transfer: { clientToServer: number; serverToClient: number } }[] };
  let waiting = vectors;
  const missed: string[] = [];
  for (let attempt = 1; attempt <= ATTEMPTS && waiting.length; attempt++) {
    const out = tempDir();
    const grep = waiting.map((v) => escapeRegExp(v.id)).join('|');
    await runCommand({ suites: ['mptcp-interop'], targets: ['reference'], vectors: [FILE], out, quiet: true, driver, grep });
    const { results } = readRun(out);
    assert.equal(results.length, waiting.length);
    waiting = waiting.filter((v) => {
      const why = check(
        results.find((r) => r.vectorId === v.id)!,
        out,
        v.transfer,
      );
      if (why) missed.push(`attempt ${attempt}, ${v.id}: ${why}`);
      return why !== undefined;
    });
  }
  assert.deepEqual(
    waiting.map((v) => v.id),
    [],
    `no run of these brought about the order in ${ATTEMPTS} attempts:\n${missed.join('\n')}`,
  );
}

describe('mptcp interop: the TCP-terminating proxy forwards everything after both ends have shut', function () {
  this.timeout(600_000);

  it('local driver: every octet arrives each way, whichever direction ends first', async function () {
    const why = missing();
    if (why) return skipWithReason(this, why);
    await run('local');
  });

  // Not again with the docker driver: the proxy's configuration is one function for both (haproxyConfig), and
  // middleboxes.test.ts runs the tcp-proxy scenario in containers. It passed there too (246 s, 2026-12-07); the CI's time
  // is better spent elsewhere.
});
