// The reference endpoint against itself, in memory (memory.test.ts): MP_JOIN,
// ADD_ADDR and REMOVE_ADDR, backup subflows, joins that fail.
import assert from 'node:assert/strict';
import { encodePacket } from '../../suites/mptcp/codec/index.js';
import { assertSameBytes, tap, transfer } from './helpers.js';
import { mptcpOptions, pair, testData, windowChecker } from '../../targets/reference/mptcp/sim/network.js';
import { PathManager } from '../../targets/reference/path-manager.js';

describe('reference MPTCP endpoint, in memory', function () {
  this.timeout(600000);

  describe('the path manager announces an address (interop-announce)', () => {
    it('the client announces its second address once fully established, and opens no subflow from it', () => {
      const { a, b, sim } = pair();
      const pm = new PathManager(a, [], { announce: ['10.0.2.1'] });
      sim.apps.push(() => pm.step());
      b.listen(80);
      const c = a.connect({ remote: '10.0.1.2', port: 80 });
      sim.run(() => sim.eventsOf('add-addr', b).length > 0);
      assert.deepEqual(
        sim.eventsOf('add-addr', b).map((e) => (e as { address: string }).address),
        ['10.0.2.1'],
      );
      assert.ok(c.fullyEstablished);
      sim.advance(2000);
      assert.equal(c.subflows().length, 1, 'no subflow from the announced address');
      assert.equal(sim.eventsOf('add-addr', b).length, 1, 'announced once');
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
});
