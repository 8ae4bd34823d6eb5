// The reference endpoint against the Linux kernel's MPTCP, through a TUN
// device and a router namespace (kernel-lab.ts). Skipped, with the reason,
// where this cannot run (not root, no TUN, no MPTCP); never passed without
// running.
import assert from 'node:assert/strict';
import { decodePacket, encodePacket } from '../../suites/mptcp/codec/index.js';
import { decodeMptcpInfo } from '../../suites/mptcp/net/mptcp-info.js';
import type { Connection, HostEvent } from '../../targets/reference/mptcp/index.js';
import { sha } from './helpers.js';
import { EP_ADDR, EP_ADDR2, K_ADDR, K_ADDR2, KernelLab, kernelUnavailable, type KernelLabOptions } from '../../targets/reference/mptcp/sim/kernel-lab.js';
import { Sink, testData } from '../../targets/reference/mptcp/sim/network.js';

const MB10 = 10 * 1000 * 1000;

interface Query {
  isMptcp: boolean;
  mptcpInfo?: string;
  mptcpInfoError?: string;
}

interface Job {
  done: boolean;
  octets: number;
  sha256: string | null;
  error: string | null;
}

/** sha256 of the kernel agent's source pattern: octet i is (i * 7 + seed) mod 251. */
function patternSha(count: number, seed: number): string {
  const b = new Uint8Array(count);
  for (let i = 0; i < count; i++) b[i] = (i * 7 + seed) % 251;
  return sha(b);
}

describe('reference MPTCP endpoint against the Linux kernel', function () {
  this.timeout(180000);
  let why: string | undefined;
  let L: KernelLab | undefined;

  before(function () {
    why = kernelUnavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
  });

  afterEach(async () => {
    await L?.dispose();
    L = undefined;
  });

  async function lab(o: KernelLabOptions = {}): Promise<KernelLab> {
    L = await KernelLab.create(o);
    return L;
  }

  /** Kernel client to our listener; returns both ends. */
  async function kernelClient(l: KernelLab, port = 5000): Promise<{ kconn: string; conn: Connection }> {
    const listener = l.host.listen(port);
    l.driver.kick();
    const { conn: kconn } = await l.agent.call<{ conn: string }>('connect', { addr: EP_ADDR, port, mptcp: true, timeoutMs: 10000 });
    await l.driver.waitFor(() => listener.queued > 0, 10000, 'the connection to be accepted');
    return { kconn, conn: listener.accept()! };
  }

  /** Our client to a kernel listener. */
  async function kernelServer(l: KernelLab, port = 5001): Promise<{ kconn: string; conn: Connection }> {
    const { listener } = await l.agent.call<{ listener: string }>('listen', { port, mptcp: true });
    const accepted = l.agent.call<{ conn: string }>('accept', { listener, timeoutMs: 10000 });
    const conn = l.host.connect({ remote: K_ADDR, port });
    l.driver.kick();
    const { conn: kconn } = await accepted;
    await l.driver.waitFor(() => conn.state === 'established', 10000, 'our connection to be established');
    return { kconn, conn };
  }

  /** 10 MB (or `n`) each way at once; checks both SHA-256 digests. */
  async function bothWays(l: KernelLab, kconn: string, conn: Connection, n: number): Promise<{ upMs: number; downMs: number }> {
    const sink = new Sink(conn);
    l.driver.apps.push(() => sink.pull());
    const ours = testData(n, 99);
    const t0 = Date.now();
    const { job: kSink } = await l.agent.call<{ job: string }>('sink', { conn: kconn, count: n });
    const { job: kSource } = await l.agent.call<{ job: string }>('source', { conn: kconn, count: n, seed: 5 });
    let at = 0;
    // Write in pieces as the send buffer drains, like an application would.
    const feed = () => {
      while (at < n && conn.writableLength < 4 << 20 && (conn.state === 'established' || conn.state === 'closing')) {
        const k = Math.min(256 * 1024, n - at);
        conn.write(ours.subarray(at, at + k));
        at += k;
      }
    };
    l.driver.apps.push(feed);
    l.driver.kick();
    let downMs = 0;
    const down = l.driver.waitFor(() => sink.length >= n, 120000, `${n} octets from the kernel`).then(() => (downMs = Date.now() - t0));
    const up = await l.agent.call<Job>('wait', { job: kSink, timeoutMs: 60000 });
    const upMs = Date.now() - t0;
    await down;
    if (!up.done) {
      const k = Object.fromEntries(Object.entries(l.nstat()).filter(([name, v]) => name.startsWith('MPTcp') && v));
      assert.fail(
        `kernel sink: ${JSON.stringify(up)}; ours: ${JSON.stringify(conn.subflows())} ${JSON.stringify(l.host.stats)}; kernel: ${JSON.stringify(k)}\n${l.ssTcp()}\n${l.ssMptcp()}`,
      );
    }
    assert.ok(!up.error, `kernel sink: ${JSON.stringify(up)}`);
    assert.equal(up.octets, n);
    assert.equal(up.sha256, sha(ours), 'what the kernel received is what we sent (SHA-256)');
    const src = await l.agent.call<Job>('wait', { job: kSource, timeoutMs: 10000 });
    assert.equal(src.sha256, patternSha(n, 5));
    assert.equal(sink.length, n);
    assert.equal(sha(sink.bytes()), src.sha256, 'what we received is what the kernel sent (SHA-256)');
    l.driver.apps.length = 0;
    // The kernel never had to drop our data for being beyond its receive window.
    assert.equal(l.nstat().MPTcpExtNoDSSInWindow ?? 0, 0, 'MPTcpExtNoDSSInWindow');
    return { upMs, downMs };
  }

  async function query(l: KernelLab, kconn: string): Promise<Query> {
    return l.agent.call<Query>('query', { conn: kconn });
  }

  const events = (l: KernelLab, type: HostEvent['type']) => l.driver.events.filter((e) => e.type === type);

  it('kernel client to our listener: MPTCP handshake (TCP_IS_MPTCP, ss -Mni)', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelClient(l);
    assert.ok(conn.isMptcp, `our end: ${conn.fallback?.reason}`);
    const q = await query(l, kconn);
    assert.equal(q.isMptcp, true);
    assert.ok(q.mptcpInfo, q.mptcpInfoError);
    const info = decodeMptcpInfo(Buffer.from(q.mptcpInfo, 'base64'));
    assert.equal(info.flags.fallback, false);
    assert.equal(info.flags.remoteKeyReceived, true);
    assert.equal(info.token, conn.tokens.remote, 'the kernel token is the one derived from its key');
    const ss = l.ssMptcp();
    assert.match(ss, new RegExp(`${EP_ADDR.replace(/\./g, '\\.')}:5000`));
    assert.doesNotMatch(ss, /fallback/);
    await bothWays(l, kconn, conn, 100000);
  });

  it('our client to a kernel listener: MPTCP handshake (TCP_IS_MPTCP, ss -Mni)', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelServer(l);
    assert.ok(conn.isMptcp, `our end: ${conn.fallback?.reason}`);
    const q = await query(l, kconn);
    assert.equal(q.isMptcp, true);
    const info = decodeMptcpInfo(Buffer.from(q.mptcpInfo!, 'base64'));
    assert.equal(info.flags.fallback, false);
    assert.equal(info.token, conn.tokens.remote);
    const ss = l.ssMptcp();
    assert.match(ss, /10\.83\.0\.2:5001/);
    assert.doesNotMatch(ss, /fallback/);
    await bothWays(l, kconn, conn, 100000);
  });

  it('the kernel joins a second subflow to our listener (endpoint subflow), both carry data', async () => {
    const l = await lab();
    l.endpoint(K_ADDR2, 'v2b', 'subflow');
    const { kconn, conn } = await kernelClient(l);
    // The kernel's path manager opens the subflow once the connection is fully established.
    await l.driver.waitFor(() => events(l, 'subflow-added').length > 0, 10000, 'the kernel to join');
    const sub = conn.subflows().find((s) => !s.initial)!;
    assert.equal(sub.remoteAddress, K_ADDR2);
    assert.ok(sub.joined);
    await bothWays(l, kconn, conn, 2000000);
    const info = decodeMptcpInfo(Buffer.from((await query(l, kconn)).mptcpInfo!, 'base64'));
    assert.equal(info.subflows, 1, 'the kernel counts one extra subflow');
    assert.match(l.ssTcp(), new RegExp(`${K_ADDR2.replace(/\./g, '\\.')}(%\\S+)?:\\d+\\s+${EP_ADDR.replace(/\./g, '\\.')}:5000`));
    for (const s of conn.subflows()) assert.ok(s.bytesSent > 0 && s.bytesReceived > 0, `subflow ${s.id}: ${JSON.stringify(s)}`);
  });

  it('we join a second subflow to a kernel listener (addSubflow), both carry data', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelServer(l);
    conn.addSubflow(EP_ADDR2, K_ADDR);
    l.driver.kick();
    await l.driver.waitFor(() => events(l, 'subflow-added').length > 0, 10000, 'our join to complete');
    await bothWays(l, kconn, conn, 2000000);
    const info = decodeMptcpInfo(Buffer.from((await query(l, kconn)).mptcpInfo!, 'base64'));
    assert.equal(info.subflows, 1);
    for (const s of conn.subflows()) assert.ok(s.bytesSent > 0 && s.bytesReceived > 0, `subflow ${s.id}: ${JSON.stringify(s)}`);
  });

  it('the kernel announces an address (ADD_ADDR, endpoint signal); we check its HMAC, echo it and join it', async () => {
    const l = await lab();
    l.endpoint(K_ADDR2, 'v2b', 'signal');
    const { kconn, conn } = await kernelServer(l);
    // The echo leaves with the next segment after the ADD_ADDR's event: wait for both.
    await l.driver.waitFor(() => events(l, 'add-addr').length > 0 && l.host.stats.addAddrEchoSent > 0, 10000, 'ADD_ADDR and its echo');
    const add = events(l, 'add-addr')[0]!;
    assert.ok(add.type === 'add-addr' && add.address === K_ADDR2);
    assert.equal(l.host.stats.addAddrBadHmac, 0);
    assert.equal(l.host.stats.addAddrEchoSent, 1);
    conn.addSubflow(EP_ADDR2, add.address, add.port);
    l.driver.kick();
    await l.driver.waitFor(() => events(l, 'subflow-added').length > 0, 10000, 'our join to the announced address');
    assert.equal(conn.subflows().find((s) => !s.initial)!.remoteAddress, K_ADDR2);
    await bothWays(l, kconn, conn, 1000000);
    // The kernel did not resend its ADD_ADDR for want of an echo.
    assert.equal(events(l, 'add-addr').length, 1);
  });

  for (const checksum of [false, true]) {
    it(`10 MB each way byte-exact with the kernel client, net.mptcp.checksum_enabled=${checksum ? 1 : 0}`, async () => {
      const l = await lab({ checksum });
      const { kconn, conn } = await kernelClient(l);
      assert.ok(conn.isMptcp);
      assert.equal(conn.checksum, checksum, 'checksums as the kernel asked (flag A)');
      const t = await bothWays(l, kconn, conn, MB10);
      console.log(`        to the kernel ${t.upMs} ms, from the kernel ${t.downMs} ms`);
      assert.equal(l.host.stats.dssChecksumFailure, 0);
    });

    it(`10 MB each way byte-exact with the kernel listener, net.mptcp.checksum_enabled=${checksum ? 1 : 0}`, async () => {
      const l = await lab({ checksum });
      const { kconn, conn } = await kernelServer(l);
      assert.ok(conn.isMptcp);
      assert.equal(conn.checksum, checksum);
      const t = await bothWays(l, kconn, conn, MB10);
      console.log(`        to the kernel ${t.upMs} ms, from the kernel ${t.downMs} ms`);
    });
  }

  for (const role of ['kernel client', 'kernel listener'] as const) {
    it(`MP_CAPABLE stripped from the SYN/ACK in the router (${role}): both ends fall back, the transfer completes`, async () => {
      const l = await lab({ stripSynAck: true });
      const { kconn, conn } = role === 'kernel client' ? await kernelClient(l) : await kernelServer(l);
      assert.ok(!conn.isMptcp);
      assert.match(conn.fallback!.reason, role === 'kernel client' ? /third ACK without MP_CAPABLE/ : /SYN\/ACK without MP_CAPABLE/);
      const q = await query(l, kconn);
      assert.equal(q.isMptcp, false, 'TCP_IS_MPTCP is 0 after the fallback');
      if (role === 'kernel client') assert.match(l.ssMptcp(), /fallback/);
      await bothWays(l, kconn, conn, 2000000);
      const n = l.nstat();
      if (role === 'kernel client') assert.ok((n.MPTcpExtMPCapableFallbackSYNACK ?? 0) >= 1, JSON.stringify(n));
    });
  }

  it('closes cleanly with the kernel (DATA_FIN both ways, subflows FIN)', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelClient(l);
    await bothWays(l, kconn, conn, 200000);
    conn.shutdown();
    l.driver.kick();
    await l.agent.call('shutdown', { conn: kconn });
    await l.driver.waitFor(() => conn.state === 'closed', 10000, 'our end to close');
    assert.ok(conn.readableEnded);
    assert.equal(events(l, 'reset').length, 0);
    await l.agent.call('close', { conn: kconn });
  });

  it('MP_FASTCLOSE from our end resets the kernel connection', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelClient(l);
    await bothWays(l, kconn, conn, 100000);
    conn.abort();
    l.driver.kick();
    await new Promise((r) => setTimeout(r, 300));
    const read = await l.agent.call<{ data: string; eof: boolean }>('read', { conn: kconn, timeoutMs: 2000 }).catch((e: Error) => ({ error: e.message }));
    assert.match(JSON.stringify(read), /reset|Connection reset|ECONNRESET|eof/i);
    const n = l.nstat();
    assert.ok((n.MPTcpExtMPFastcloseRx ?? 0) >= 1, `MPFastcloseRx: ${JSON.stringify(n)}`);
  });

  it('MP_FASTCLOSE from the kernel (close with unread data) resets our connection and all its subflows', async () => {
    const l = await lab();
    const { kconn, conn } = await kernelServer(l);
    conn.addSubflow(EP_ADDR2, K_ADDR);
    l.driver.kick();
    await l.driver.waitFor(() => events(l, 'subflow-added').length > 0, 10000, 'our join');
    conn.write(testData(50000));
    l.driver.kick();
    await new Promise((r) => setTimeout(r, 300));
    await l.agent.call('close', { conn: kconn }); // unread data: Linux answers with MP_FASTCLOSE
    await l.driver.waitFor(() => conn.state === 'reset', 10000, 'our connection to be reset');
    const ev = events(l, 'reset')[0]!;
    assert.ok(ev.type === 'reset' && ev.fastclose === true, JSON.stringify({ ...ev, conn: undefined }));
    assert.equal(l.host.stats.fastcloseReceived, 1);
    assert.ok(conn.subflows().every((s) => s.state === 'closed'));
  });

  it('DSS checksum failure on our data: the kernel sends MP_FAIL, we answer with MP_FAIL and an infinite mapping, both fall back', async () => {
    const l = await lab({ checksum: true });
    const { kconn, conn } = await kernelClient(l);
    // A middlebox in front of us changes one octet of our 20th data segment (and fixes the TCP checksum).
    let n = 0;
    l.outFilter = (raw) => {
      const d = decodePacket(raw);
      if (!d.ok || d.value.packet.tcp.payload.length === 0 || ++n !== 20) return raw;
      const p = d.value.packet;
      const payload = p.tcp.payload.slice();
      payload[10]! ^= 0xff;
      return encodePacket({ ...p, tcp: { ...p.tcp, payload } }, { keepChecksums: { dss: true } });
    };
    const n2 = 1000000;
    const ours = testData(n2, 7);
    const { job } = await l.agent.call<{ job: string }>('sink', { conn: kconn, count: n2 });
    conn.write(ours);
    l.driver.kick();
    const res = await l.agent.call<Job>('wait', { job, timeoutMs: 60000 });
    assert.equal(res.octets, n2, 'every octet arrived, after the fallback as plain TCP');
    assert.notEqual(res.sha256, sha(ours), 'the octet the middlebox changed is in the stream, as TCP delivered it');
    assert.match(conn.fallback?.reason ?? '', /MP_FAIL received/);
    assert.equal(l.host.stats.mpFailReceived, 1);
    assert.equal(l.host.stats.infiniteMapSent, 1);
    const q = await query(l, kconn);
    assert.equal(q.isMptcp, false, 'the kernel fell back');
    const k = l.nstat();
    assert.ok((k.MPTcpExtDataCsumErr ?? 0) >= 1, 'the kernel saw the bad DSS checksum');
    assert.ok((k.MPTcpExtMPFailTx ?? 0) >= 1 && (k.MPTcpExtMPFailRx ?? 0) >= 1, 'MP_FAIL both ways');
    assert.ok((k.MPTcpExtInfiniteMapRx ?? 0) >= 1, 'the kernel took our infinite mapping');
  });

  it('DSS checksum failure on kernel data: we send MP_FAIL, the kernel answers with MP_FAIL and an infinite mapping, both fall back', async () => {
    const l = await lab({ checksum: true });
    // The router changes one octet of the kernel's 10th large packet (nft fixes the TCP checksum).
    l.routerRule([
      'ip',
      'saddr',
      K_ADDR,
      'tcp',
      'dport',
      '5000',
      'meta',
      'length',
      'gt',
      '1000',
      'numgen',
      'inc',
      'mod',
      '100000',
      '==',
      '10',
      'counter',
      '@th,800,8',
      'set',
      '0x5a',
    ]);
    const { kconn, conn } = await kernelClient(l);
    const sink = new Sink(conn);
    l.driver.apps.push(() => sink.pull());
    await l.agent.call<{ job: string }>('source', { conn: kconn, count: 1000000, seed: 1 });
    await l.driver.waitFor(() => conn.fallback !== undefined, 20000, 'the fallback');
    assert.match(conn.fallback!.reason, /checksum failed \(MP_FAIL sent\)/);
    assert.equal(l.host.stats.dssChecksumFailure, 1);
    await l.driver.waitFor(() => l.host.stats.mpFailReceived > 0, 5000, 'the kernel to answer MP_FAIL');
    let q = await query(l, kconn);
    for (let i = 0; i < 50 && q.isMptcp; i++) {
      await new Promise((r) => setTimeout(r, 100));
      q = await query(l, kconn);
    }
    assert.equal(q.isMptcp, false, 'the kernel fell back');
    const k = l.nstat();
    assert.ok((k.MPTcpExtMPFailRx ?? 0) >= 1 && (k.MPTcpExtMPFailTx ?? 0) >= 1, JSON.stringify(k));
    assert.ok((k.MPTcpExtInfiniteMapTx ?? 0) >= 1);
    // Linux 6.18 then stalls this connection (its segments after the infinite
    // mapping are too large for the path and it sends itself ICMP
    // fragmentation-needed); kernel to kernel does the same, so the transfer
    // is not checked to the end here (see the report).
  });

  it('MPTCP options removed from every segment after data flowed (single subflow): both ends fall back, no reset, the transfer completes', async () => {
    const l = await lab();
    // After the first 300 segments through the router, its MPTCP options go (replaced by NOPs).
    l.routerRule([
      'tcp',
      'flags',
      '&',
      'syn',
      '==',
      '0',
      'numgen',
      'inc',
      'mod',
      '100000000',
      'gt',
      '300',
      'tcp',
      'option',
      'mptcp',
      'exists',
      'reset',
      'tcp',
      'option',
      'mptcp',
    ]);
    const { kconn, conn } = await kernelClient(l);
    assert.ok(conn.isMptcp);
    await bothWays(l, kconn, conn, 3000000);
    assert.ok(conn.fallback, 'our end fell back');
    assert.match(conn.fallback.reason, /DSS mapping missing|without a data ACK|first data without DSS/);
    assert.equal(events(l, 'reset').length, 0);
    assert.equal((await query(l, kconn)).isMptcp, false, 'the kernel fell back');
    const k = l.nstat();
    console.log(
      `        ${conn.fallback.reason}; kernel: ${Object.entries(k)
        .filter(([n, v]) => /Fallback|Infinite|Rst/.test(n) && v)
        .map(([n, v]) => `${n}=${v}`)
        .join(' ')}`,
    );
    assert.ok((k.MPTcpExtDssFallback ?? 0) >= 1, 'the kernel counted a DSS fallback');
    assert.equal(k.MPTcpExtMPRstTx ?? 0, 0, 'the kernel reset nothing');
  });
});
