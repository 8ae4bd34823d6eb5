// The interop transfer's bound follows progress (issue 17): a side gives up once no octet has moved either way for a while,
// or at an overall cap, not after a fixed time for the whole transfer. A transfer slowed by a real rate limit on the
// middlebox's links (tc tbf) that takes longer than the old fixed 20 s, and moves all along, passes with both drivers; a real
// stall (the kernel client's after the FTP helper's rewrite, docs/targets/linux-kernel.md) still fails, saying it stalled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRecord } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { middleboxSetup } from '../../suites/mptcp-interop/middlebox.js';
import { missingKernelFeature } from '../../suites/mptcp-interop/kernel.js';
import { IDLE_MS } from '../../suites/mptcp-interop/run.js';
import { dockerMissing, skipWithReason } from '../docker/helpers.js';
import { FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';

/** The bound every transfer had before: 20 s for the whole of it. */
const OLD_BOUND_MS = 20_000;

function missing(): string | undefined {
  return (
    labUnavailable() ??
    missingKernelFeature(middleboxSetup('ftp-alg', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features)
  );
}

/** Seconds from the first to the last packet of a capture. */
function span(file: string): number {
  const pcap = readPcap(new Uint8Array(readFileSync(file)));
  assert.ok(pcap.ok && pcap.value.records.length > 0, file);
  const at = (r: { seconds: number; microseconds: number }) => r.seconds + r.microseconds / 1e6;
  const records = pcap.value.records;
  return at(records[records.length - 1]!) - at(records[0]!);
}

/** The rate limiter's account of each link (tc -s qdisc show, kept in middlebox-state.txt): octets sent and packets held back. */
function limiter(state: string): { sent: number; overlimits: number }[] {
  return [...state.matchAll(/qdisc tbf [^\n]*\n Sent (\d+) bytes \d+ pkt \(dropped \d+, overlimits (\d+)/g)].map((m) => ({
    sent: Number(m[1]),
    overlimits: Number(m[2]),
  }));
}

async function slowLink(out: string, driver: 'local' | 'docker'): Promise<ResultRecord> {
  await runCommand({
    suites: ['mptcp-interop'],
    targets: ['reference'],
    vectors: [join(FIXTURES, 'mptcp-interop-vectors', 'slow-link.json')],
    out,
    quiet: true,
    driver,
  });
  const [r] = readRun(out).results;
  return r!;
}

function checkSlowLink(r: ResultRecord, out: string): void {
  assert.equal(r.verdict, 'pass', `${r.vectorId}: ${r.reason ?? ''} ${JSON.stringify(r.details)}`);
  // The limiter really slowed both links: it held packets back on each, and the transfer outlasted the old fixed bound.
  const links = limiter(readFileSync(join(out, r.artifacts!.middleboxState!), 'utf8'));
  assert.equal(links.length, 2, 'a token bucket on each of the two links');
  for (const l of links) assert.ok(l.overlimits > 0 && l.sent > 524288, `the bucket held packets back: ${JSON.stringify(links)}`);
  const seconds = span(join(out, r.artifacts!.pcapClientSide!));
  assert.ok(seconds * 1000 > OLD_BOUND_MS, `${r.vectorId}: the transfer took ${seconds.toFixed(1)} s, longer than the old ${OLD_BOUND_MS} ms bound`);
}

describe('mptcp interop: the transfer bound follows progress', function () {
  this.timeout(600_000);

  it('a transfer on a rate-limited link that outlasts the old 20 s bound, moving all along, passes (local driver)', async function () {
    const why = missing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    checkSlowLink(await slowLink(out, 'local'), out);
  });

  it('the same with the docker driver', async function () {
    const why = missing() ?? (await dockerMissing());
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    checkSlowLink(await slowLink(out, 'docker'), out);
  });

  it('a transfer that stalls still fails, and says it stalled, long before the cap', async function () {
    const why = missing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    await runCommand({
      suites: ['mptcp-interop'],
      targets: ['linux-kernel'],
      vectors: [join(ROOT, 'vectors', 'mptcp-interop', 'real-middleboxes.json')],
      grep: 'ftp-alg-checksums',
      out,
      quiet: true,
    });
    const [r] = readRun(out).results;
    assert.equal(r!.targetId, 'linux-kernel+linux-kernel');
    assert.equal(r!.verdict, 'fail');
    assert.match(r!.reason ?? '', /the data did not arrive complete: the server got 42 of 1048576 octets/);
    assert.match(r!.reason ?? '', new RegExp(`stalled: no octet moved either way for ${IDLE_MS} ms`), r!.reason);
  });
});
