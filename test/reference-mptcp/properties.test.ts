// fast-check: random loss, reordering and sizes, and the bytes still arrive
// exactly, with MPTCP kept (or a recorded fallback) and both ends closed.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSameBytes, transfer } from './helpers.js';
import { pair, testData, windowChecker } from '../../targets/reference/mptcp/sim/network.js';

describe('reference MPTCP endpoint, properties', function () {
  this.timeout(600000);

  it('transfers survive random loss, reordering and small buffers, byte-exact both ways, within the receive window', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          loss: fc.double({ min: 0, max: 0.15, noNaN: true }),
          jitterMs: fc.integer({ min: 0, max: 20 }),
          up: fc.integer({ min: 0, max: 300000 }),
          down: fc.integer({ min: 0, max: 150000 }),
          checksum: fc.boolean(),
          join: fc.boolean(),
          writeChunk: fc.constantFrom(1000, 16384, Number.POSITIVE_INFINITY),
          buffer: fc.constantFrom(16384, 65536, 1 << 20, 4 << 20),
        }),
        (k) => {
          const { a, b, sim } = pair({
            seed: k.seed,
            sim: { loss: k.loss, jitterMs: k.jitterMs, seed: k.seed },
            a: { receiveBuffer: k.buffer },
            b: { receiveBuffer: k.buffer },
          });
          const w = windowChecker();
          sim.hooks.push(w.hook);
          const up = testData(k.up, k.seed);
          const down = testData(k.down, k.seed + 1);
          const t = transfer(a, b, sim, {
            connect: { checksum: k.checksum },
            up,
            down,
            writeChunk: k.writeChunk,
            limitMs: 3600000,
            onEstablished: (x) => {
              if (k.join && x.client.isMptcp) x.client.addSubflow('10.0.2.1', '10.0.1.2');
            },
          });
          assertSameBytes(t.atServer.bytes(), up, 'up');
          assertSameBytes(t.atClient.bytes(), down, 'down');
          assert.equal(t.client.state, 'closed', `client ${t.client.state}: ${t.client.resetReason}`);
          assert.equal(t.server.state, 'closed', `server ${t.server.state}: ${t.server.resetReason}`);
          // Loss may hit the handshake (a lost third ACK is fine); a fallback must say why.
          for (const c of [t.client, t.server]) assert.ok(c.isMptcp || c.fallback?.reason);
          // Never beyond the receiver's data-level window.
          assert.deepEqual(w.violations.slice(0, 3), []);
        },
      ),
      { numRuns: Number(process.env.CFX_RUNS ?? 60), seed: Number(process.env.CFX_SEED ?? 20240611) },
    );
  });
});
