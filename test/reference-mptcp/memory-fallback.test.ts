// The reference endpoint against itself, in memory (memory.test.ts): the
// fallback to TCP (RFC 8684 §3.7), MP_FAIL and the infinite mapping.
import assert from 'node:assert/strict';
import { encodePacket } from '../../suites/mptcp/codec/index.js';
import { assertSameBytes, hasData, isSyn, isSynAck, tap, transfer } from './helpers.js';
import { mptcpOptions, pair, rewriteOptions, stripMptcp, testData } from '../../targets/reference/mptcp/sim/network.js';

describe('reference MPTCP endpoint, in memory', function () {
  this.timeout(600000);

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

    it('the ACK without options that makes the sender fall back acknowledges its data: nothing stays unacknowledged when nothing follows', () => {
      // As through an FTP helper (docs/targets/reference.md): the client writes one line and waits for it to be acknowledged;
      // the server's ACK of it comes without MPTCP options. That ACK is TCP's first after the fallback.
      const { a, b, sim } = pair();
      let strip = false;
      const stripped = { n: 0 };
      sim.hooks.push(rewriteOptions((p) => strip && p.ip.src === '10.0.1.2' && !p.tcp.flags.syn, stripMptcp(), stripped));
      b.listen(80);
      const client = a.connect({ remote: '10.0.1.2', port: 80 });
      sim.run(() => client.fullyEstablished);
      strip = true;
      client.write(new TextEncoder().encode('PORT 10,72,1,2,78,32\r\n'));
      sim.run(() => client.fallback !== undefined);
      assert.match(client.fallback!.reason, /without a data ACK/);
      assert.ok(stripped.n > 0);
      sim.run(() => client.writableLength === 0, 60000);
      assert.equal(client.state, 'established');
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
});
