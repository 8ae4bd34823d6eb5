// The reference endpoint against itself, in memory: two Hosts back to back
// through a deterministic network (sim.ts) that can drop, reorder and
// rewrite packets with the codec. MP_JOIN is in memory-join.test.ts, the
// fallback in memory-fallback.test.ts.
import assert from 'node:assert/strict';
import { deriveIdsn, deriveToken, encodePacket } from '../../suites/mptcp/codec/index.js';
import { Host, seededRandom } from '../../targets/reference/mptcp/index.js';
import { assertSameBytes, hasData, isSyn, isSynAck, tap, transfer } from './helpers.js';
import { pair, rewriteOptions, testData, windowChecker } from '../../targets/reference/mptcp/sim/network.js';

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

  describe('addresses it announces', () => {
    it('withdraws an address id (REMOVE_ADDR) before it gives the id to another address', () => {
      const { a, b, sim } = pair({ b: { addresses: ['10.0.1.2', '10.0.2.2', '10.0.3.2'] } });
      const seen = tap(sim);
      const t = transfer(a, b, sim, {
        up: testData(20000, 71),
        onEstablished: (x) => {
          x.server.announceAddress('10.0.2.2', undefined, 7);
          x.server.announceAddress('10.0.3.2', undefined, 7);
        },
      });
      assert.ok(t.client.isMptcp);
      // What the server sent about id 7, in order: A announced, id 7 withdrawn, then B announced with it.
      const sent = seen
        .filter((x) => x.p.tcp.srcPort === 80)
        .map((x) => x.o)
        .filter((o) => (o.subtype === 'add_addr' && !o.echo && o.addressId === 7) || (o.subtype === 'remove_addr' && o.addressIds.includes(7)))
        .map((o) => (o.subtype === 'add_addr' ? `add ${o.address}` : 'remove'));
      assert.deepEqual(sent, ['add 10.0.2.2', 'remove', 'add 10.0.3.2']);
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
