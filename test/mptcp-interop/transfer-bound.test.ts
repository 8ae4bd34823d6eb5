// TransferBound (suites/mptcp-interop/contract.ts), on a clock the test moves: the connection itself has its own bound
// (handshakeMs), a stall ends at idleMs, and the cap ends everything.
import assert from 'node:assert/strict';
import { TransferBound } from '../../suites/mptcp-interop/contract.js';

function clock(): { now: () => number; at: (ms: number) => void } {
  let t = 1_000_000;
  const start = t;
  return { now: () => t, at: (ms) => (t = start + ms) };
}

describe('mptcp interop: TransferBound', () => {
  const params = { timeoutMs: 480_000, idleMs: 60_000, handshakeMs: 60_000 };

  it('gives a connection that never comes handshakeMs from the call, not the whole cap', () => {
    const c = clock();
    const b = new TransferBound(params, c.now);
    assert.equal(b.handshakeLeft(), 60_000);
    c.at(59_000);
    assert.equal(b.handshakeLeft(), 1_000);
    c.at(61_000);
    assert.ok(b.handshakeLeft() <= 0, 'past the handshake bound');
  });

  it('without handshakeMs, the connection has the cap; handshakeMs never outlasts the cap', () => {
    const c = clock();
    assert.equal(new TransferBound({ timeoutMs: 480_000, idleMs: 60_000 }, c.now).handshakeLeft(), 480_000);
    assert.equal(new TransferBound({ timeoutMs: 30_000, handshakeMs: 60_000 }, c.now).handshakeLeft(), 30_000);
  });

  it('once connected, a transfer that keeps moving runs on past handshakeMs and idleMs, and a stall ends it', () => {
    const c = clock();
    const b = new TransferBound(params, c.now);
    c.at(10_000);
    assert.equal(b.moved(0), 60_000, 'the idle bound counts from the first look at the octets');
    for (let s = 1; s <= 10; s++) {
      c.at(10_000 + s * 30_000);
      assert.ok(b.moved(s * 1000) > 0, `still moving at ${10 + s * 30} s`);
    }
    c.at(10_000 + 10 * 30_000 + 59_000);
    assert.ok(b.moved(10_000) > 0, 'not yet idle for 60 s');
    c.at(10_000 + 10 * 30_000 + 60_000);
    assert.ok(b.moved(10_000) <= 0, 'idle for 60 s');
    assert.equal(b.why(), 'stalled: no octet moved either way for 60000 ms');
  });

  it('says the cap ended a transfer that was still moving', () => {
    const c = clock();
    const b = new TransferBound(params, c.now);
    c.at(470_000);
    b.moved(1);
    c.at(480_000);
    assert.ok(b.moved(2) <= 0);
    assert.equal(b.why(), "timed out: the transfer's cap of 480000 ms passed with octets still moving");
  });
});
