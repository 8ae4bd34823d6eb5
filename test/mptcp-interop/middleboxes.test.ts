// MPTCP interop through real middlebox software (issue 17): MSS clamping, source
// NAT, nftables synproxy and HAProxy between the linux-kernel and reference
// targets, every client × server pair, with the local driver (namespaces) and
// the docker driver (containers). Each scenario must pass, and each middlebox
// must be seen to act: its own counters moved, and the capture on its far side
// differs from the near side as that middlebox makes it differ. The kernel
// feature check that turns a scenario unsupported is tested on module lists
// of kernels that lack the feature.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ResultRecord, RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { missingKernelFeature } from '../../suites/mptcp-interop/kernel.js';
import { FTP_COMMANDS, FTP_REPLIES, middleboxSetup, MSS_CLAMP, MSS_CLAMP_JOIN, NAT_ADDRESS } from '../../suites/mptcp-interop/middlebox.js';
import { dataSegments, wireSummary, type MiddleboxAccount, type WireSummary } from '../../suites/mptcp-interop/run.js';
import { labUnavailable } from '../../suites/mptcp/net/lab.js';
import { dockerMissing, leftovers, skipWithReason } from '../docker/helpers.js';
import { readRun, ROOT, tempDir } from '../helpers.js';

const FILE = join(ROOT, 'vectors', 'mptcp-interop', 'real-middleboxes.json');
const TARGETS = ['reference', 'linux-kernel'];
const PAIRS = TARGETS.flatMap((client) => TARGETS.map((server) => `${client}+${server}`));
const ID = (name: string) => `mptcp-interop/real-middlebox/${name}`;
const MIB = 1048576;

function missing(): string | undefined {
  return (
    labUnavailable() ??
    missingKernelFeature(middleboxSetup('syn-proxy', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features) ??
    missingKernelFeature(middleboxSetup('tcp-proxy', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features)
  );
}

interface Details {
  middlebox: MiddleboxAccount;
  client: { received: number; counters: Record<string, number>; repliesReceived?: string };
  server: { received: number; counters: Record<string, number>; preambleReceived?: string };
}

/** Both captures of a result, read again from its artifacts (not from what the run summarised). */
function captures(r: ResultRecord, out: string): { near: WireSummary; far: WireSummary } {
  const near = wireSummary(join(out, r.artifacts!.pcapClientSide!));
  const far = wireSummary(join(out, r.artifacts!.pcapServerSide!));
  assert.ok(near && far, `${r.targetId} ${r.vectorId}: both captures`);
  return { near, far };
}

/** Checks one run of the grid: verdicts, the middlebox's counters and log, and what the far side's capture shows. */
function checkRun(run: RunResults, out: string): void {
  const ids = (JSON.parse(readFileSync(FILE, 'utf8')) as { vectors: { id: string }[] }).vectors.map((v) => v.id);
  for (const pair of PAIRS) {
    const [client, server] = pair.split('+');
    for (const id of ids) {
      const r = run.results.find((x) => x.targetId === pair && x.vectorId === id);
      assert.ok(r, `${pair} ${id} ran`);
      const d = r.details as Details;
      if (id === ID('ftp-alg-checksums')) {
        // The server catches the rewrite by its DSS checksum and both sides exchange MP_FAIL (whichever server it is).
        const [csumErr, mpFailTx] = server === 'reference' ? ['dssChecksumFailure', 'mpFailSent'] : ['DataCsumErr', 'MPFailTx'];
        assert.ok(d.server.counters[csumErr]! >= 1 && d.server.counters[mpFailTx]! >= 1, `${pair}: ${JSON.stringify(d.server.counters)}`);
        assert.ok((d.client.counters.MPFailRx ?? d.client.counters.mpFailReceived)! >= 1, `${pair}: ${JSON.stringify(d.client.counters)}`);
      }
      if (id === ID('ftp-alg-checksums') && client === 'linux-kernel') {
        // The kernel client's documented stall (docs/targets/linux-kernel.md, docs/targets/reference.md): after MP_FAIL its
        // data stops, its segments too large for its own path.
        assert.equal(r.verdict, 'fail', `${pair} ${id} is a documented deviation`);
        assert.match(r.reason ?? '', /the data did not arrive complete: the server got \d+ of 1048576 octets/);
        assert.ok(d.client.counters.IpFragFails! > 0, JSON.stringify(d.client.counters));
      } else {
        assert.equal(r.verdict, 'pass', `${pair} ${id}: ${r.reason ?? ''}`);
      }
      assert.ok(d.middlebox.counters.acted! > 0, `${pair} ${id}: the middlebox's counter moved`);
      const state = readFileSync(join(out, r.artifacts!.middleboxState!), 'utf8');
      assert.match(state, /counter acted \{\s*packets [1-9]/, `${pair} ${id}: the middlebox's ruleset with its counters is kept`);
      const { near, far } = captures(r, out);
      switch (id) {
        case ID('mss-clamp-handshake'):
          // The client's SYN left with its own MSS and reached the server clamped; the server's SYN/ACK the other way round.
          assert.ok(near.synMss.some((m) => m > MSS_CLAMP) && near.synMss.includes(MSS_CLAMP), `${pair}: ${JSON.stringify(near.synMss)}`);
          assert.ok(far.synMss.some((m) => m > MSS_CLAMP) && far.synMss.includes(MSS_CLAMP), `${pair}: ${JSON.stringify(far.synMss)}`);
          break;
        case ID('mss-clamp-join'):
          assert.ok(far.synMss.includes(MSS_CLAMP_JOIN), `${pair}: the join reached the server clamped (${JSON.stringify(far.synMss)})`);
          break;
        case ID('nat'):
        case ID('nat-join'):
        case ID('nat-add-addr'): {
          // The client's connections leave from its own addresses and reach the server from the NAT's address, ports rewritten.
          const fromClient = near.opened.filter((o) => o.startsWith('10.72.'));
          const translated = far.opened.filter((o) => o.startsWith(`${NAT_ADDRESS}:`));
          assert.equal(fromClient.length, id === ID('nat-join') ? 2 : 1, `${pair} ${id}: ${JSON.stringify(near.opened)}`);
          assert.equal(translated.length, fromClient.length, `${pair} ${id}: ${JSON.stringify(far.opened)}`);
          for (const t of translated) {
            const port = Number(t.split(':')[1]);
            assert.ok(port >= 20000 && port <= 20999, `${pair} ${id}: the port was rewritten (${t})`);
          }
          assert.equal(far.opened.filter((o) => o.startsWith('10.72.')).length, 0, `${pair} ${id}: no private address reached the server's side`);
          if (id === ID('nat-add-addr'))
            assert.ok(d.middlebox.counters.refused! > 0, `${pair}: the server tried the announced private address and the NAT refused it`);
          break;
        }
        case ID('syn-proxy'):
          assert.ok(d.middlebox.synproxy!.syn_received! >= 1 && d.middlebox.synproxy!.cookie_valid! >= 1, JSON.stringify(d.middlebox.synproxy));
          assert.ok(near.withMptcp >= 1, `${pair}: the client's SYN carried MP_CAPABLE`);
          assert.equal(far.withMptcp, 0, `${pair}: nothing the server saw carried an MPTCP option`);
          break;
        case ID('tcp-proxy'): {
          assert.ok(near.withMptcp >= 1, `${pair}: the client's SYN carried MP_CAPABLE`);
          assert.equal(far.withMptcp, 0, `${pair}: no MPTCP option crossed the proxy`);
          assert.deepEqual(d.middlebox.proxySessions, [{ uploaded: MIB, downloaded: MIB, termination: '--' }], `${pair}: HAProxy's own log`);
          assert.ok(statSync(join(out, r.artifacts!.proxyLog!)).size > 0);
          break;
        }
        case ID('ftp-alg'):
        case ID('ftp-alg-checksums'): {
          // The helper rewrote the PORT command to the NAT's address (4 octets longer), adjusted the sequence numbers after it
          // (the counter), and expects the data connection the command announced, at the NAT's address.
          assert.equal(d.server.preambleReceived, 'USER anonymous\r\nPORT 10,74,100,100,78,32\r\n', `${pair} ${id}`);
          assert.match(state, /dst=10\.74\.100\.100 sport=0 dport=20000 ftp/, `${pair} ${id}: the helper's expectation`);
          // A real FTP control exchange, in lockstep: on the client's side of the middlebox, USER, the server's reply, PORT
          // alone in its segment, then the server's reply (which may share its segment with the start of the server's
          // pattern), and only then the client's pattern (docs/targets/linux-6.1.md).
          assert.equal(d.client.repliesReceived, FTP_REPLIES, `${pair} ${id}: the client read both replies`);
          const lines = (text: string) => text.split(/(?<=\n)/).map((l) => l.length);
          const [user, port] = lines(FTP_COMMANDS);
          const [login, ported] = lines(FTP_REPLIES);
          const opening = dataSegments(join(out, r.artifacts!.pcapClientSide!))
            .slice(0, 4)
            .map((x) => ({ from: x.from.startsWith('10.72.') ? 'client' : 'server', length: x.length }));
          const said = JSON.stringify(opening);
          assert.deepEqual(
            opening.slice(0, 3),
            [
              { from: 'client', length: user },
              { from: 'server', length: login },
              { from: 'client', length: port },
            ],
            `${pair} ${id}: the exchange on the wire: ${said}`,
          );
          assert.ok(opening[3]?.from === 'server' && opening[3].length >= ported!, `${pair} ${id}: the reply to PORT came next: ${said}`);
          break;
        }
        default:
          assert.fail(`no check for ${id}`);
      }
    }
  }
}

describe('mptcp interop through real middleboxes', function () {
  this.timeout(900_000);
  let local: RunResults | undefined;

  it('local driver: every pair passes each scenario, and each middlebox is seen to act', async function () {
    const why = missing();
    if (why) return skipWithReason(this, why);
    const out = tempDir();
    await runCommand({ suites: ['mptcp-interop'], targets: TARGETS, vectors: [FILE], out, quiet: true });
    local = readRun(out);
    checkRun(local, out);
  });

  it('docker driver: the same verdicts as the local driver, the same evidence, nothing left behind', async function () {
    const why = missing() ?? (await dockerMissing());
    if (why) return skipWithReason(this, why);
    if (!local) return skipWithReason(this, 'the local run did not happen');
    const out = tempDir();
    await runCommand({ suites: ['mptcp-interop'], targets: TARGETS, vectors: [FILE], out, quiet: true, driver: 'docker' });
    const docker = readRun(out);
    checkRun(docker, out);
    const verdicts = (r: RunResults) => Object.fromEntries(r.results.map((x) => [`${x.targetId} ${x.vectorId}`, x.verdict]));
    assert.deepEqual(verdicts(docker), verdicts(local));
    assert.ok(docker.results.filter((r) => r.verdict === 'pass').every((r) => (r.details as { topology: string }).topology === 'containers'));
    assert.deepEqual(leftovers(process.pid), []);
  });
});

describe('the kernel features a middlebox needs', () => {
  const SYNPROXY = middleboxSetup('syn-proxy', { client: 'c', server: 's', joinPrefix: '', clientPrefix: '', serverAddress: '', port: 1 }).features;
  const root = (files: Record<string, string | Buffer>) => {
    const dir = tempDir();
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };

  it('reads the kernel configuration: built in or a module is there, anything else is missing', () => {
    const config = (synproxy: string) => gzipSync(`CONFIG_NETFILTER_SYNPROXY=y\n${synproxy}\nCONFIG_NF_CONNTRACK_FTP=m\n`);
    assert.equal(missingKernelFeature(SYNPROXY, root({ 'proc/config.gz': config('CONFIG_NFT_SYNPROXY=y') }), '6.1'), undefined);
    assert.equal(missingKernelFeature(SYNPROXY, root({ 'proc/config.gz': config('CONFIG_NFT_SYNPROXY=m') }), '6.1'), undefined);
    assert.match(
      missingKernelFeature(SYNPROXY, root({ 'proc/config.gz': config('# CONFIG_NFT_SYNPROXY is not set') }), '6.1') ?? '',
      /the kernel \(6\.1\) has no nft_synproxy \(CONFIG_NFT_SYNPROXY is not set in \/proc\/config\.gz\)/,
    );
  });

  it('reads the module lists of /lib/modules when there is no configuration, then the loaded modules', () => {
    const builtin = 'kernel/net/netfilter/nf_synproxy_core.ko\n';
    const dep = 'kernel/net/netfilter/nft_synproxy.ko.xz: kernel/net/netfilter/nf_synproxy_core.ko\n';
    assert.equal(missingKernelFeature(SYNPROXY, root({ 'lib/modules/6.1/modules.builtin': builtin, 'lib/modules/6.1/modules.dep': dep }), '6.1'), undefined);
    assert.match(
      missingKernelFeature(SYNPROXY, root({ 'lib/modules/6.1/modules.builtin': builtin }), '6.1') ?? '',
      /has no nft_synproxy \(not in the module lists/,
    );
    assert.equal(
      missingKernelFeature(SYNPROXY, root({ 'proc/modules': 'nft_synproxy 16384 0 - Live 0x0\nnf_synproxy_core 20480 1 nft_synproxy, Live 0x0\n' }), '6.1'),
      undefined,
    );
    assert.match(missingKernelFeature(SYNPROXY, root({ 'proc/modules': 'nf_nat 1 0 - Live 0x0\n' }), '6.1') ?? '', /has no nf_synproxy_core loaded/);
  });

  it('says it cannot tell when there is no module list at all, so the scenario is unsupported rather than run on a guess', () => {
    assert.match(missingKernelFeature(SYNPROXY, root({}), '6.1') ?? '', /cannot tell whether the kernel \(6\.1\) has nf_synproxy_core, nft_synproxy/);
    assert.equal(missingKernelFeature([], root({}), '6.1'), undefined, 'a behaviour that needs nothing special');
  });
});
