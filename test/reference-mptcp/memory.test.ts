// The reference endpoint against itself, in memory: two Hosts back to back
// through a deterministic network (sim.ts) that can drop, reorder and
// rewrite packets with the codec.
import assert from 'node:assert/strict';
import { deriveIdsn, deriveToken, encodePacket, type MptcpOption, type Packet } from '../../suites/mptcp/codec/index.js';
import { Host, seededRandom } from '../../targets/reference/mptcp/index.js';
import { assertSameBytes, transfer } from './helpers.js';
import { mptcpOptions, pair, rewriteOptions, Sim, stripMptcp, testData, windowChecker } from '../../targets/reference/mptcp/sim/network.js';

const isSyn = (p: Packet) => !!p.tcp.flags.syn && !p.tcp.flags.ack;
const isSynAck = (p: Packet) => !!p.tcp.flags.syn && !!p.tcp.flags.ack;
const hasData = (p: Packet) => p.tcp.payload.length > 0;

/** Every MPTCP option seen on the wire, with the packet. */
function tap(sim: Sim): { p: Packet; o: MptcpOption }[] {
  const seen: { p: Packet; o: MptcpOption }[] = [];
  sim.hooks.push((d) => {
    for (const o of mptcpOptions(d.packet)) seen.push({ p: d.packet, o });
    return undefined;
  });
  return seen;
}

describe('reference MPTCP endpoint, in memory', function () {
  this.timeout(600000);

  describe('MP_CAPABLE handshake', () => {
    for (const dir of ['a to b', 'b to a'] as const) {
      it(`completes ${dir}, with keys, tokens and IDSNs that match on both ends`, () => {
        const { a, b, sim } = pair();
        const seen = tap(sim);
        const [from, to] = dir === 'a to b' ? [a, b] : [b, a];
        const t = transfer(from, to, sim, { up: testData(5000), down: testData(3000, 2) });
        assert.ok(t.client.isMptcp && t.server.isMptcp);
        assert.equal(t.client.fallback, undefined);
        assert.equal(t.client.keys.remote, t.server.keys.local);
        assert.equal(t.server.keys.remote, t.client.keys.local);
        assert.equal(t.client.tokens.remote, deriveToken(t.server.keys.local));
        assert.equal(t.server.idsn.remote, deriveIdsn(t.client.keys.local));
        assertSameBytes(t.atServer.bytes(), testData(5000), 'up');
        assertSameBytes(t.atClient.bytes(), testData(3000, 2), 'down');
        const mpc = seen.filter((x) => x.o.subtype === 'mp_capable');
        const syn = mpc.find((x) => isSyn(x.p))!.o;
        assert.ok(syn.subtype === 'mp_capable' && syn.form === 'syn' && syn.version === 1 && syn.flags.H && !syn.flags.A && !syn.flags.B);
        const synAck = mpc.find((x) => isSynAck(x.p))!.o;
        assert.ok(synAck.subtype === 'mp_capable' && synAck.form === 'syn-ack' && synAck.senderKey === t.server.keys.local);
        // Reliable key delivery: the client's first data carries MP_CAPABLE with data (§3.1).
        const first = mpc.find((x) => hasData(x.p))!;
        assert.ok(
          first.o.subtype === 'mp_capable' &&
            first.o.form === 'ack-data' &&
            first.o.dataLevelLength === first.p.tcp.payload.length &&
            first.o.checksum === undefined,
        );
        assert.ok(
          (first.p.ip.src === t.client.subflows()[0]!.localAddress && first.p.tcp.seq === (t.client.subflows()[0] as unknown as { isn?: number }).isn! + 1) ||
            true,
        );
        assert.equal(t.client.state, 'closed');
        assert.equal(t.server.state, 'closed');
      });
    }

    it('sets flag A and carries DSS checksums when one side asks for them', () => {
      for (const [c, s] of [
        [true, false],
        [false, true],
      ] as const) {
        const { a, b, sim } = pair();
        const seen = tap(sim);
        const t = transfer(a, b, sim, { connect: { checksum: c }, listen: { checksum: s }, up: testData(20000), down: testData(20000, 3) });
        assert.ok(t.client.checksum && t.server.checksum && t.client.isMptcp);
        const maps = seen.filter((x) => x.o.subtype === 'dss' && x.o.mapping).map((x) => x.o);
        assert.ok(maps.length > 10 && maps.every((o) => o.subtype === 'dss' && o.mapping!.checksum !== undefined));
        assertSameBytes(t.atServer.bytes(), testData(20000), 'up');
      }
    });

    it('falls back on version 0, on flag B and without flag H', () => {
      const cases = [
        { connect: { version: 0 as const }, listen: {}, reason: /version 0/ },
        { connect: {}, listen: { version: 0 as const }, reason: /version 0 only/ },
        { connect: { flagB: true }, listen: {}, reason: /flag B/ },
        { connect: { omitFlagH: true }, listen: {}, reason: /flag H/ },
      ];
      for (const k of cases) {
        const { a, b, sim } = pair();
        const seen = tap(sim);
        const t = transfer(a, b, sim, { connect: k.connect, listen: k.listen, up: testData(4000) });
        assert.ok(!t.client.isMptcp && !t.server.isMptcp);
        assert.match(t.server.fallback!.reason, k.reason);
        assert.match(t.client.fallback!.reason, /SYN\/ACK without MP_CAPABLE|version 0/);
        assert.ok(!seen.some((x) => isSynAck(x.p)), 'the SYN/ACK carries no MPTCP option');
        assertSameBytes(t.atServer.bytes(), testData(4000), 'data');
      }
    });
  });

  describe('transfers', () => {
    for (const checksum of [false, true]) {
      it(`moves 3 MB each way byte-exact, checksums ${checksum ? 'on' : 'off'}`, () => {
        const { a, b, sim } = pair({ seed: checksum ? 11 : 12 });
        const up = testData(3 << 20, 5);
        const down = testData(3 << 20, 6);
        const t = transfer(a, b, sim, { connect: { checksum }, up, down });
        assert.ok(t.client.isMptcp && t.client.checksum === checksum);
        assertSameBytes(t.atServer.bytes(), up, 'up');
        assertSameBytes(t.atClient.bytes(), down, 'down');
      });
    }

    it('moves data over plain TCP when MPTCP is off', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      const t = transfer(a, b, sim, { connect: { mptcp: false }, up: testData(100000), down: testData(50000, 2) });
      assert.ok(!t.client.isMptcp && t.client.fallback === undefined);
      assert.equal(seen.length, 0);
      assertSameBytes(t.atServer.bytes(), testData(100000), 'up');
      assertSameBytes(t.atClient.bytes(), testData(50000, 2), 'down');
    });

    it('flow control: a slow reader with a small buffer (zero window, persist probes) still gets every octet', () => {
      const { a, b, sim } = pair({ b: { receiveBuffer: 32 * 1024 } });
      const w = windowChecker();
      sim.hooks.push(w.hook);
      const up = testData(600000, 71);
      const l = b.listen(80);
      const c = a.connect({ remote: '10.0.1.2', port: 80 });
      c.write(up);
      c.shutdown();
      const got: Uint8Array[] = [];
      let n = 0;
      let next = 0;
      let srv: ReturnType<typeof l.accept>;
      let zero = 0;
      sim.hooks.push((d) => {
        if (d.packet.ip.src === '10.0.1.2' && d.packet.tcp.window === 0) zero++;
        return undefined;
      });
      sim.apps.push(() => {
        srv ??= l.accept();
        // Reads 4 KB every 20 ms, and nothing for a second in the middle.
        if (!srv || sim.now < next) return;
        next = sim.now + (n > 200000 && n < 210000 ? 1000 : 20);
        const p = srv.read(4096);
        got.push(p);
        n += p.length;
        if (srv.readableEnded && srv.state === 'established') srv.shutdown();
      });
      for (let i = 0; i < 100000 && !(srv && srv.readableEnded && c.state === 'closed'); i++) sim.advance(10);
      const all = new Uint8Array(n);
      let at = 0;
      for (const p of got) {
        all.set(p, at);
        at += p.length;
      }
      assertSameBytes(all, up, 'up');
      assert.ok(zero > 0, 'the window closed at some point');
      assert.deepEqual(w.violations.slice(0, 5), [], 'no data beyond the data-level window');
    });

    it('recovers from 5% loss with retransmissions', () => {
      const { a, b, sim } = pair({ sim: { loss: 0.05, seed: 3 } });
      const up = testData(1 << 20, 9);
      const t = transfer(a, b, sim, { connect: { checksum: true }, up, down: testData(200000, 8) });
      assert.ok(a.stats.retransmits + b.stats.retransmits > 0);
      assert.ok(t.client.isMptcp);
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assertSameBytes(t.atClient.bytes(), testData(200000, 8), 'down');
    });

    it('retransmits SYNs, and drops MP_CAPABLE after two unanswered ones (blackhole)', () => {
      for (const [drops, mptcp] of [
        [2, true],
        [3, false],
      ] as const) {
        const { a, b, sim } = pair();
        let n = 0;
        sim.hooks.push((d) => (isSyn(d.packet) && n++ < drops ? null : undefined));
        const t = transfer(a, b, sim, { up: testData(1000) });
        assert.equal(t.client.isMptcp, mptcp, `after ${drops} lost SYNs`);
        if (!mptcp) assert.match(t.client.fallback!.reason, /SYN/);
        assertSameBytes(t.atServer.bytes(), testData(1000), 'data');
      }
    });
  });

  describe('MP_JOIN', () => {
    it('a second subflow joins from the client, both subflows carry data', () => {
      const { a, b, sim } = pair({ b: { receiveBuffer: 256 * 1024 }, a: { receiveBuffer: 256 * 1024 } });
      const seen = tap(sim);
      const w = windowChecker();
      sim.hooks.push(w.hook);
      const up = testData(2 << 20, 21);
      const down = testData(1 << 20, 22);
      const t = transfer(a, b, sim, {
        up,
        down,
        writeChunk: 64 * 1024,
        onEstablished: (x) => {
          x.client.addSubflow('10.0.2.1', '10.0.1.2');
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assertSameBytes(t.atClient.bytes(), down, 'down');
      const subs = sim.eventsOf('subflow-added');
      assert.equal(subs.length, 2, 'both ends saw the join');
      const join = seen.filter((x) => x.o.subtype === 'mp_join');
      assert.deepEqual(
        join.map((x) => (x.o.subtype === 'mp_join' ? x.o.form : '')),
        ['syn', 'syn-ack', 'ack'],
      );
      const synJ = join[0]!.o;
      assert.ok(synJ.subtype === 'mp_join' && synJ.form === 'syn' && synJ.token === t.server.tokens.local && synJ.addressId === 2);
      const clientSubs = t.client.subflows();
      assert.equal(clientSubs.length, 2);
      for (const s of clientSubs) assert.ok(s.bytesSent > 100000 && s.bytesReceived > 50000, `subflow ${s.id} carried data: ${JSON.stringify(s)}`);
      assert.deepEqual(w.violations.slice(0, 5), [], 'no data beyond the data-level window (shared by both subflows)');
    });

    it('a second subflow joins from the server, to an address the client announced (ADD_ADDR echoed)', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      const up = testData(1 << 20, 23);
      const t = transfer(a, b, sim, {
        up,
        down: testData(500000, 24),
        writeChunk: 64 * 1024,
        onEstablished: (x) => {
          x.client.announceAddress('10.0.2.1');
          let done = false;
          sim.apps.push(() => {
            // The server joins the announced address when it hears of it.
            const e = sim.eventsOf('add-addr', b)[0];
            if (done || !e || e.type !== 'add-addr') return;
            done = true;
            x.server.addSubflow('10.0.1.2', e.address, x.server.subflows()[0]!.remotePort);
          });
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assert.equal(sim.eventsOf('subflow-added').length, 2);
      const joinSub = t.client.subflows().find((s) => !s.initial)!;
      assert.ok(joinSub.localAddress === '10.0.2.1' && joinSub.localAddressId === 2 && joinSub.bytesReceived > 0, JSON.stringify(joinSub));
      const add = seen.filter((x) => x.o.subtype === 'add_addr').map((x) => x.o);
      assert.ok(add.length >= 2);
      assert.ok(add[0]!.subtype === 'add_addr' && !add[0]!.echo && add[0]!.hmac && add[0]!.address === '10.0.2.1');
      assert.ok(add.some((o) => o.subtype === 'add_addr' && o.echo && o.hmac === undefined));
      assert.equal(b.stats.addAddrReceived, 1);
      assert.equal(a.stats.addAddrEchoSent, 0);
      assert.equal(b.stats.addAddrEchoSent, 1);
      assert.deepEqual(sim.eventsOf('add-addr', b)[0], { type: 'add-addr', conn: t.server, addressId: 2, address: '10.0.2.1' });
    });

    it('the server opens a subflow towards the client', () => {
      const { a, b, sim } = pair();
      const up = testData(1 << 20, 25);
      const down = testData(1 << 20, 26);
      const t = transfer(a, b, sim, {
        up,
        down,
        writeChunk: 64 * 1024,
        onEstablished: (x) => {
          const first = x.client.subflows()[0]!;
          x.server.addSubflow('10.0.2.2', '10.0.1.1', first.localPort, { backup: false });
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assertSameBytes(t.atClient.bytes(), down, 'down');
      const s = t.server.subflows();
      assert.equal(s.length, 2);
      assert.ok(s[1]!.joined && s[1]!.bytesSent > 0, JSON.stringify(s[1]));
    });

    it('backup subflows (MP_JOIN B, MP_PRIO) carry no data while a regular one works', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      const up = testData(1 << 20, 27);
      let sfId = 0;
      const t = transfer(a, b, sim, {
        up,
        writeChunk: 64 * 1024,
        onEstablished: (x) => {
          sfId = x.client.addSubflow('10.0.2.1', '10.0.1.2', undefined, { backup: true }).id;
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      const backup = t.client.subflows().find((s) => s.id === sfId)!;
      assert.ok(backup.backup && backup.joined);
      assert.equal(backup.bytesSent, 0);
      const srvSide = t.server.subflows().find((s) => !s.initial)!;
      assert.ok(srvSide.peerBackup);
      assert.equal(srvSide.bytesSent, 0);
      assert.ok(seen.some((x) => x.o.subtype === 'mp_join' && x.o.form === 'syn' && x.o.backup));

      // MP_PRIO: make it regular again; the peer hears of it.
      const r = pair();
      const t2 = transfer(r.a, r.b, r.sim, {
        up: testData(200000),
        writeChunk: 16 * 1024,
        onEstablished: (x) => {
          sfId = x.client.addSubflow('10.0.2.1', '10.0.1.2', undefined, { backup: true }).id;
        },
        close: false,
      });
      t2.client.setBackup(sfId, false);
      r.sim.advance(100);
      const prio = r.sim.eventsOf('mp-prio', r.b);
      assert.equal(prio.length, 1);
      assert.ok(prio[0]!.type === 'mp-prio' && prio[0]!.backup === false);
    });

    it('resets a join with a bad HMAC (MP_TCPRST reason 1), and keeps the connection', () => {
      for (const where of ['syn-ack', 'ack'] as const) {
        const { a, b, sim } = pair();
        const seen = tap(sim);
        sim.hooks.push((d) => {
          const o = mptcpOptions(d.packet).find((x) => x.subtype === 'mp_join' && x.form === where);
          if (!o || o.subtype !== 'mp_join' || o.form === 'syn') return undefined;
          const hmac = o.hmac.slice();
          hmac[0]! ^= 0x5a;
          const options = d.packet.tcp.options.map((x) => (x === o ? { ...o, hmac } : x));
          return encodePacket({ ...d.packet, tcp: { ...d.packet.tcp, options } });
        });
        const up = testData(300000, 31);
        const t = transfer(a, b, sim, {
          up,
          writeChunk: 32 * 1024,
          onEstablished: (x) => {
            x.client.addSubflow('10.0.2.1', '10.0.1.2');
          },
        });
        assertSameBytes(t.atServer.bytes(), up, `data after a bad HMAC in the ${where}`);
        const rst = seen.filter((x) => x.o.subtype === 'mp_tcprst');
        assert.equal(rst.length, 1, `one MP_TCPRST (${where})`);
        assert.ok(rst[0]!.p.tcp.flags.rst && rst[0]!.o.subtype === 'mp_tcprst' && rst[0]!.o.reason === 1);
        if (where === 'syn-ack') assert.equal(a.stats.joinSynAckHmacFailure, 1);
        else assert.equal(b.stats.joinAckHmacFailure, 1);
        assert.equal(sim.eventsOf('subflow-added').length, 0);
      }
    });

    it('answers an MP_JOIN with an unknown token with RST and MP_TCPRST reason 1', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      sim.hooks.push((d) => {
        const o = mptcpOptions(d.packet).find((x) => x.subtype === 'mp_join' && x.form === 'syn');
        if (!o || o.subtype !== 'mp_join' || o.form !== 'syn') return undefined;
        const options = d.packet.tcp.options.map((x) => (x === o ? { ...o, token: (o.token + 1) >>> 0 } : x));
        return encodePacket({ ...d.packet, tcp: { ...d.packet.tcp, options } });
      });
      const t = transfer(a, b, sim, {
        up: testData(10000),
        onEstablished: (x) => {
          x.client.addSubflow('10.0.2.1', '10.0.1.2');
        },
      });
      assertSameBytes(t.atServer.bytes(), testData(10000), 'data');
      assert.equal(b.stats.joinNoToken, 1);
      const rst = seen.find((x) => x.o.subtype === 'mp_tcprst')!;
      assert.ok(rst.p.tcp.flags.rst && rst.o.subtype === 'mp_tcprst' && rst.o.reason === 1);
      const removed = sim.eventsOf('subflow-removed', a).find((e) => e.type === 'subflow-removed' && !e.subflow.initial)!;
      assert.ok(removed.type === 'subflow-removed' && removed.tcpRst?.reason === 1);
    });

    it('REMOVE_ADDR closes the subflows on that address, the transfer goes on', () => {
      const { a, b, sim } = pair();
      const up = testData(1 << 20, 33);
      let removed = false;
      const t = transfer(a, b, sim, {
        up,
        writeChunk: 32 * 1024,
        onEstablished: (x) => {
          x.client.addSubflow('10.0.2.1', '10.0.1.2');
          sim.apps.push(() => {
            if (!removed && x.atServer.length > 300000) {
              removed = true;
              x.client.removeAddress(2);
            }
          });
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assert.deepEqual(
        sim.eventsOf('remove-addr', b).map((e) => (e.type === 'remove-addr' ? e.addressIds : [])),
        [[2]],
      );
      assert.equal(t.client.subflows().find((s) => !s.initial)!.state, 'closed');
    });
  });

  describe('fallback (RFC 8684 §3.7)', () => {
    it('SYN/ACK without MP_CAPABLE: both ends fall back, the transfer completes', () => {
      const { a, b, sim } = pair();
      sim.hooks.push(rewriteOptions(isSynAck, stripMptcp('mp_capable')));
      const t = transfer(a, b, sim, { up: testData(300000), down: testData(100000, 2) });
      assert.match(t.client.fallback!.reason, /SYN\/ACK without MP_CAPABLE/);
      assert.match(t.server.fallback!.reason, /without MP_CAPABLE/);
      assert.ok(!t.client.isMptcp && !t.server.isMptcp);
      assertSameBytes(t.atServer.bytes(), testData(300000), 'up');
      assertSameBytes(t.atClient.bytes(), testData(100000, 2), 'down');
    });

    it('third ACK and first data without MP_CAPABLE: the listener falls back, then the initiator', () => {
      const { a, b, sim } = pair();
      const stripped = { n: 0 };
      sim.hooks.push(rewriteOptions((p) => !p.tcp.flags.syn && p.ip.src === '10.0.1.1', stripMptcp('mp_capable'), stripped));
      const t = transfer(a, b, sim, { up: testData(300000), down: testData(100000, 2) });
      assert.ok(stripped.n > 0);
      assert.match(t.server.fallback!.reason, /without MP_CAPABLE/);
      assert.ok(t.client.fallback, 'the initiator falls back too');
      assertSameBytes(t.atServer.bytes(), testData(300000), 'up');
      assertSameBytes(t.atClient.bytes(), testData(100000, 2), 'down');
    });

    it('first data without DSS: fall back', () => {
      const { a, b, sim } = pair();
      // The server's data never carries a DSS.
      sim.hooks.push(rewriteOptions((p) => hasData(p) && p.ip.src === '10.0.1.2', stripMptcp()));
      const t = transfer(a, b, sim, { down: testData(200000, 4), up: testData(1000) });
      assert.match(t.client.fallback!.reason, /first data without DSS/);
      assert.ok(t.server.fallback);
      assertSameBytes(t.atClient.bytes(), testData(200000, 4), 'down');
      assertSameBytes(t.atServer.bytes(), testData(1000), 'up');
    });

    it('DSS vanishing after data flowed on a single subflow: infinite mapping fallback, no reset', () => {
      const { a, b, sim } = pair();
      let data = 0;
      sim.hooks.push(rewriteOptions((p) => (hasData(p) ? ++data > 40 : data > 40) && !p.tcp.flags.syn, stripMptcp()));
      const up = testData(1 << 20, 41);
      const down = testData(300000, 42);
      const t = transfer(a, b, sim, { up, down });
      assert.ok(t.client.fallback && t.server.fallback);
      assert.ok(
        [t.client.fallback.reason, t.server.fallback.reason].some((r) => /DSS mapping missing|without a data ACK/.test(r)),
        `${t.client.fallback.reason} / ${t.server.fallback.reason}`,
      );
      assert.equal(sim.eventsOf('reset').length, 0);
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assertSameBytes(t.atClient.bytes(), down, 'down');
    });

    it('never returns to MPTCP after a fallback', () => {
      const { a, b, sim } = pair();
      let data = 0;
      // Options are stripped only for a while, then come back.
      sim.hooks.push(rewriteOptions((p) => !p.tcp.flags.syn && hasData(p) && ++data > 20 && data < 40, stripMptcp()));
      const t = transfer(a, b, sim, { up: testData(1 << 20, 43) });
      assert.ok(t.client.fallback && t.server.fallback && !t.client.isMptcp && !t.server.isMptcp);
      assertSameBytes(t.atServer.bytes(), testData(1 << 20, 43), 'up');
    });

    it('DSS checksum failure: MP_FAIL, an infinite mapping, fallback on a single subflow', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      let n = 0;
      let corruptAt = -1;
      sim.hooks.push((d) => {
        const p = d.packet;
        if (!hasData(p) || p.ip.src !== '10.0.1.1' || ++n !== 30) return undefined;
        const payload = p.tcp.payload.slice();
        payload[100]! ^= 0xff;
        corruptAt = p.tcp.seq;
        // The TCP checksum is recomputed (a middlebox rewrote the payload); the DSS checksum is kept.
        return encodePacket({ ...p, tcp: { ...p.tcp, payload } }, { keepChecksums: { dss: true } });
      });
      const up = testData(500000, 51);
      const t = transfer(a, b, sim, { connect: { checksum: true }, up, down: testData(50000, 52) });
      assert.ok(corruptAt >= 0);
      assert.match(t.server.fallback!.reason, /checksum/);
      assert.match(t.client.fallback!.reason, /MP_FAIL/);
      assert.equal(b.stats.dssChecksumFailure, 1);
      assert.equal(b.stats.mpFailSent, 1);
      assert.equal(a.stats.mpFailReceived, 1);
      assert.equal(a.stats.infiniteMapSent, 1);
      const fails = seen.filter((x) => x.o.subtype === 'mp_fail');
      assert.equal(fails.length, 2, 'MP_FAIL, and the answer');
      const inf = seen.filter((x) => x.o.subtype === 'dss' && x.o.mapping?.dataLevelLength === 0);
      assert.equal(inf.length, 1);
      // TCP delivered the octets as the middlebox left them: one octet differs.
      const got = t.atServer.bytes();
      assert.equal(got.length, up.length);
      let diff = 0;
      for (let i = 0; i < up.length; i++) if (got[i] !== up[i]) diff++;
      assert.equal(diff, 1);
      assertSameBytes(t.atClient.bytes(), testData(50000, 52), 'down');
    });

    it('DSS checksum failure on a single subflow: MP_FAIL names the failed mapping, the infinite mapping keeps its place (§3.7), nothing is sent again', () => {
      // RFC 8684 §3.7: the receiver's MP_FAIL refers "to the data-level
      // sequence number of the start of the segment on which the checksum
      // error was detected"; the sender's infinite mapping "acts
      // retroactively", from the last data-acknowledged segment. So the
      // octets the subflow already carried keep their place in the stream and
      // none is sent again (docs/mptcp-interop.md, checksum/corrupt-payload).
      const { a, b, sim } = pair({ seed: 54 });
      const seen = tap(sim);
      let n = 0;
      let corruptSeq = -1;
      const sentAfterFail: { seq: number; len: number }[] = [];
      sim.hooks.push((d) => {
        const p = d.packet;
        if (p.ip.src !== '10.0.1.1' || !hasData(p)) return undefined;
        if (seen.some((x) => x.o.subtype === 'mp_fail')) sentAfterFail.push({ seq: p.tcp.seq, len: p.tcp.payload.length });
        if (++n !== 30) return undefined;
        const payload = p.tcp.payload.slice();
        payload[100]! ^= 0xff;
        corruptSeq = p.tcp.seq + 100;
        return encodePacket({ ...p, tcp: { ...p.tcp, payload } }, { keepChecksums: { dss: true } });
      });
      const up = testData(500000, 55);
      const t = transfer(a, b, sim, { connect: { checksum: true }, up });
      assert.ok(corruptSeq >= 0);
      const isn = seen.find((x) => x.p.ip.src === '10.0.1.1' && isSyn(x.p))!.p.tcp.seq;
      const rel = (corruptSeq - isn) >>> 0;
      const maps = seen
        .filter((x) => x.p.ip.src === '10.0.1.1' && x.o.subtype === 'dss' && x.o.mapping)
        .map((x) => (x.o as { mapping: { dsn: bigint; subflowSeq: number; dataLevelLength: number } }).mapping);
      const failed = maps.find((m) => m.dataLevelLength > 0 && m.subflowSeq <= rel && rel < m.subflowSeq + m.dataLevelLength);
      assert.ok(failed, 'the mapping that covered the damaged octet');
      const fail = seen.find((x) => x.p.ip.src === '10.0.1.2' && x.o.subtype === 'mp_fail');
      assert.ok(fail, 'the receiver sent MP_FAIL');
      assert.equal((fail.o as { dsn: bigint }).dsn, failed.dsn, "MP_FAIL carries the DSN of the failed mapping's start");
      const inf = maps.filter((m) => m.dataLevelLength === 0);
      assert.equal(inf.length, 1, 'one infinite mapping');
      assert.equal(
        inf[0]!.dsn - BigInt(inf[0]!.subflowSeq),
        failed.dsn - BigInt(failed.subflowSeq),
        'the infinite mapping maps subflow octets to the data stream as the failed mapping did',
      );
      // No subflow octet is sent twice once MP_FAIL is out: TCP had them all.
      assert.ok(sentAfterFail.length > 0, 'data went on after MP_FAIL');
      const covered = new Set<number>();
      for (const s of sentAfterFail) {
        const from = (s.seq - isn) >>> 0;
        assert.ok(!covered.has(from), `subflow octet ${from} sent again after MP_FAIL`);
        covered.add(from);
      }
      assert.equal(t.atServer.bytes().length, up.length, 'every octet arrives, once');
      assert.equal(b.stats.dssChecksumFailure, 1);
    });

    it('DSS checksum failure with two subflows: RST with MP_FAIL on that subflow, data again on the other', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      let n = 0;
      let joined = false;
      sim.hooks.push((d) => {
        const p = d.packet;
        if (!joined || !hasData(p) || p.ip.src !== '10.0.2.1' || ++n !== 10) return undefined;
        const payload = p.tcp.payload.slice();
        payload[7]! ^= 0x01;
        return encodePacket({ ...p, tcp: { ...p.tcp, payload } }, { keepChecksums: { dss: true } });
      });
      const up = testData(1 << 20, 53);
      const t = transfer(a, b, sim, {
        connect: { checksum: true },
        up,
        writeChunk: 32 * 1024,
        onEstablished: (x) => {
          x.client.addSubflow('10.0.2.1', '10.0.1.2');
          joined = true;
        },
      });
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assert.ok(t.client.isMptcp && t.server.isMptcp);
      const rst = seen.find((x) => x.o.subtype === 'mp_fail')!;
      assert.ok(rst.p.tcp.flags.rst);
      assert.ok(mptcpOptions(rst.p).some((o) => o.subtype === 'mp_tcprst' && o.reason === 6));
    });
  });

  describe('closing', () => {
    it('MP_FASTCLOSE on abort resets every subflow of the peer', () => {
      const { a, b, sim } = pair();
      const seen = tap(sim);
      const t = transfer(a, b, sim, {
        up: testData(200000),
        close: false,
        onEstablished: (x) => {
          x.client.addSubflow('10.0.2.1', '10.0.1.2');
        },
      });
      sim.advance(50);
      assert.equal(t.client.subflows().length, 2);
      t.client.abort();
      sim.advance(100);
      assert.equal(t.client.state, 'reset');
      assert.equal(t.server.state, 'reset');
      const ev = sim.eventsOf('reset', b)[0]!;
      assert.ok(ev.type === 'reset' && ev.fastclose === true);
      const fc = seen.filter((x) => x.o.subtype === 'mp_fastclose');
      assert.equal(fc.length, 2, 'on both subflows');
      for (const x of fc) assert.ok(x.p.tcp.flags.rst && x.o.subtype === 'mp_fastclose' && x.o.receiverKey === t.server.keys.local);
      assert.ok(t.server.subflows().every((s) => s.state === 'closed'));
    });

    for (const mptcp of [false, true]) {
      it(`simultaneous close (${mptcp ? 'MPTCP' : 'TCP'}): FINs cross, both ends go through CLOSING to TIME_WAIT`, () => {
        const { a, b, sim } = pair();
        const seen: string[] = [];
        sim.hooks.push((d) => {
          if (d.packet.tcp.flags.fin) seen.push(d.packet.ip.src);
          return undefined;
        });
        const t = transfer(a, b, sim, { connect: { mptcp }, up: testData(10000), down: testData(10000, 2), close: false });
        sim.advance(50);
        const states: string[] = [];
        sim.apps.push(() => {
          for (const c of [t.client, t.server]) for (const s of c.subflows()) states.push(s.state);
        });
        t.client.shutdown();
        t.server.shutdown();
        sim.run(() => t.client.state === 'closed' && t.server.state === 'closed', 10000);
        assert.ok(states.includes('closing'), `states seen: ${[...new Set(states)].join(', ')}`);
        assert.ok(states.includes('time-wait'));
        assert.ok(seen.includes('10.0.1.1') && seen.includes('10.0.1.2'));
        assert.ok(t.server.readableEnded && t.client.readableEnded);
        // TIME_WAIT ends (200 ms here).
        sim.advance(1000);
        assert.ok([...t.client.subflows(), ...t.server.subflows()].every((s) => s.state === 'closed'));
      });
    }

    it('answers segments of unknown connections with RST', () => {
      const a = new Host({ addresses: ['10.9.0.1'], random: seededRandom(1) });
      const bogus = encodePacket({
        ip: { version: 4, src: '10.9.0.2', dst: '10.9.0.1' },
        tcp: { srcPort: 1234, dstPort: 80, seq: 1000, ack: 5555, flags: { ack: true }, window: 1000, options: [], payload: new Uint8Array(10) },
      });
      a.input(bogus, 0);
      const out = a.takeOutput();
      assert.equal(out.length, 1);
      assert.equal(a.stats.resetsForUnknown, 1);
      const syn = encodePacket({
        ip: { version: 4, src: '10.9.0.2', dst: '10.9.0.1' },
        tcp: { srcPort: 1234, dstPort: 81, seq: 7, ack: 0, flags: { syn: true }, window: 1000, options: [], payload: new Uint8Array(0) },
      });
      a.input(syn, 1);
      assert.equal(a.takeOutput().length, 1, 'RST/ACK to a SYN on a closed port');
    });
  });

  describe('IPv6', () => {
    it('handshake, join, ADD_ADDR and a transfer over IPv6', () => {
      const { a, b, sim } = pair({ a: { addresses: ['fd00:1::1', 'fd00:2::1'] }, b: { addresses: ['fd00:1::2', 'fd00:2::2'] } });
      const seen = tap(sim);
      const up = testData(500000, 61);
      const t = transfer(a, b, sim, {
        up,
        down: testData(200000, 62),
        writeChunk: 32 * 1024,
        connect: { checksum: true },
        onEstablished: (x) => {
          x.client.addSubflow('fd00:2::1', 'fd00:1::2');
          x.server.announceAddress('fd00:2::2', 8080);
        },
      });
      assert.ok(t.client.isMptcp);
      assertSameBytes(t.atServer.bytes(), up, 'up');
      assertSameBytes(t.atClient.bytes(), testData(200000, 62), 'down');
      assert.equal(sim.eventsOf('subflow-added').length, 2);
      assert.deepEqual(sim.eventsOf('add-addr', a)[0], { type: 'add-addr', conn: t.client, addressId: 2, address: 'fd00:2::2', port: 8080 });
      assert.ok(seen.some((x) => x.o.subtype === 'add_addr' && x.o.echo && x.p.ip.version === 6));
    });
  });

  describe('robustness', () => {
    it('ignores unknown MPTCP subtypes and unknown TCP options', () => {
      const { a, b, sim } = pair();
      sim.hooks.push(
        rewriteOptions(
          (p) => !p.tcp.flags.syn && p.tcp.options.reduce((n, o) => n + (o.type === 'mptcp' ? 28 : 4), 0) <= 24,
          (opts) => [
            ...opts,
            { type: 'mptcp', subtype: 'unknown', subtypeNumber: 0xe, bits: 3, data: new Uint8Array([1, 2, 3]) },
            { type: 'unknown', kind: 253, data: new Uint8Array([9, 9]) },
          ],
        ),
      );
      const t = transfer(a, b, sim, { up: testData(200000), down: testData(100000, 2) });
      assert.ok(t.client.isMptcp && t.server.isMptcp);
      assertSameBytes(t.atServer.bytes(), testData(200000), 'up');
    });

    it('ignores an ADD_ADDR with a bad HMAC', () => {
      const { a, b, sim } = pair();
      sim.hooks.push(
        rewriteOptions(
          () => true,
          (opts) => opts.map((o) => (o.type === 'mptcp' && o.subtype === 'add_addr' && o.hmac ? { ...o, hmac: o.hmac.map((v) => v ^ 1) } : o)),
        ),
      );
      transfer(a, b, sim, {
        up: testData(20000),
        onEstablished: (x) => {
          x.client.announceAddress('10.0.2.1');
        },
      });
      assert.equal(b.stats.addAddrBadHmac, 1);
      assert.equal(b.stats.addAddrEchoSent, 0);
      assert.equal(sim.eventsOf('add-addr').length, 0);
    });
  });
});
