// A live cross-check against the Linux kernel: capture a fresh MPTCP
// connection between two network namespaces (fixtures/capture-linux.sh),
// then check that the codec decodes every TCP packet of it, that every DSS
// checksum verifies, and that the tokens, MP_JOIN HMACs, ADD_ADDR HMAC and
// first DSN the kernel sent are the ones the codec computes. Skipped, with
// the reason, where the machine cannot do it (not root, no MPTCP, tools
// missing).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addAddrHmac,
  decodePacket,
  deriveIdsn,
  deriveToken,
  ipPayload,
  joinAckHmac,
  joinSynAckHmac,
  readPcap,
  type DecodedPacket,
  type MptcpOption,
} from '../../suites/mptcp/codec/index.js';

const SCRIPT = fileURLToPath(new URL('../../../test/mptcp/fixtures/capture-linux.sh', import.meta.url));

function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  if (!existsSync(SCRIPT)) return `${SCRIPT} is missing`;
  for (const tool of ['ip', 'nft', 'dumpcap', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = `cfx-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

describe('mptcp codec: live cross-check with the Linux kernel', function () {
  this.timeout(90000);
  let dir = '';
  const packets: DecodedPacket[] = [];
  const options = (pred: (o: MptcpOption, p: DecodedPacket) => boolean) =>
    packets.flatMap((p) => p.packet.tcp.options.filter((o): o is MptcpOption => o.type === 'mptcp' && pred(o, p)).map((o) => ({ o, p })));

  before(function () {
    const why = cannotRun();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'conformatrix-mptcp-kernel-'));
    const file = join(dir, 'capture.pcap');
    const r = spawnSync('bash', [SCRIPT, file], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `the capture failed: ${r.stderr}`);
    const pcap = readPcap(new Uint8Array(readFileSync(file)));
    assert.ok(pcap.ok, pcap.ok ? '' : pcap.error.message);
    for (const rec of pcap.value.records) {
      const ip = ipPayload(pcap.value.header.linktype, rec.data);
      if (!ip.ok) continue; // ARP
      const d = decodePacket(ip.value);
      if (!d.ok && (d.error.code === 'unsupported-next-header' || d.error.code === 'unsupported-protocol')) continue; // ICMPv6 and the like
      assert.ok(d.ok, d.ok ? '' : `${d.error.code} at ${d.error.offset}: ${d.error.message}`);
      packets.push(d.value);
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes every TCP packet, and every DSS checksum verifies', () => {
    assert.ok(packets.length > 50, `${packets.length} TCP packets`);
    const sums = packets.map((p) => p.checks.dssChecksum).filter((c) => c !== undefined);
    assert.ok(sums.length > 20, `${sums.length} DSS checksums`);
    for (const c of sums) assert.deepEqual(c, { status: 'valid' });
  });

  it('computes the token, MP_JOIN HMACs, ADD_ADDR HMAC and first DSN the kernel sent', () => {
    const synAck = options((o) => o.subtype === 'mp_capable' && o.form === 'syn-ack')[0]!.o;
    const first = options((o) => o.subtype === 'mp_capable' && (o.form === 'ack' || o.form === 'ack-data'))[0]!.o;
    assert.ok(synAck.subtype === 'mp_capable' && synAck.form === 'syn-ack');
    assert.ok(first.subtype === 'mp_capable' && (first.form === 'ack' || first.form === 'ack-data'));
    const keyB = synAck.senderKey;
    const keyA = first.senderKey;
    assert.equal(first.receiverKey, keyB);

    const joinSyn = options((o) => o.subtype === 'mp_join' && o.form === 'syn')[0]!.o;
    const joinSynAck = options((o) => o.subtype === 'mp_join' && o.form === 'syn-ack')[0]!.o;
    const joinAck = options((o) => o.subtype === 'mp_join' && o.form === 'ack')[0]!.o;
    assert.ok(joinSyn.subtype === 'mp_join' && joinSyn.form === 'syn');
    assert.ok(joinSynAck.subtype === 'mp_join' && joinSynAck.form === 'syn-ack');
    assert.ok(joinAck.subtype === 'mp_join' && joinAck.form === 'ack');
    assert.equal(joinSyn.token, deriveToken(keyB));
    const secrets = { keyA, keyB, nonceA: joinSyn.nonce, nonceB: joinSynAck.nonce };
    assert.deepEqual(joinSynAck.hmac, joinSynAckHmac(secrets));
    assert.deepEqual(joinAck.hmac, joinAckHmac(secrets));

    const add = options((o) => o.subtype === 'add_addr' && !o.echo)[0]!.o;
    assert.ok(add.subtype === 'add_addr' && add.hmac);
    assert.deepEqual(
      add.hmac,
      addAddrHmac({
        senderKey: keyB,
        receiverKey: keyA,
        addressId: add.addressId,
        address: add.address,
        ...(add.port !== undefined ? { port: add.port } : {}),
      }),
    );

    // The client's first data went with MP_CAPABLE (its third ACK was dropped), the server's with a DSS at IDSN + 1.
    assert.equal(first.form, 'ack-data');
    const serverDsns = options(
      (o, p) => o.subtype === 'dss' && o.mapping !== undefined && p.packet.tcp.payload.length > 0 && [5000, 10200].includes(p.packet.tcp.srcPort),
    ).map(({ o }) => (o.subtype === 'dss' ? o.mapping!.dsn : 0n));
    assert.ok(serverDsns.length > 0);
    assert.equal(
      serverDsns.reduce((a, b) => (b < a ? b : a)),
      deriveIdsn(keyB) + 1n,
    );
  });
});
