// The reference endpoint's components on their own: the option builder returns
// its effects and changes nothing, the handshake's decisions, the RTT estimator.
import assert from 'node:assert/strict';
import type { MptcpOption } from '../../suites/mptcp/codec/index.js';
import { synAckRefusal, synRefusal, thirdAckRefusal } from '../../targets/reference/mptcp/handshake.js';
import { buildOptions, type ConnectionView, type SubflowView } from '../../targets/reference/mptcp/option-builder.js';
import { RttEstimator } from '../../targets/reference/mptcp/rtt.js';

const H = { A: false, B: false, C: false, D: false, E: false, F: false, G: false, H: true };

function connection(over: Partial<ConnectionView> = {}): ConnectionView {
  return {
    mode: 'mptcp',
    role: 'server',
    opts: { checksum: false, flagB: false, denyJoinToFirstAddress: false, omitFlagH: false, version: 1, mpCapableWithData: true },
    synWithoutMpc: false,
    localKey: 1n,
    remoteKey: 2n,
    remoteToken: 3,
    checksum: false,
    fullyEstablished: true,
    sndBase: 100n,
    rcvBase: 200n,
    rcvNxt: 5,
    infiniteMapPending: false,
    fallbackDataAcks: false,
    dataFinOff: undefined,
    dataFinAcked: false,
    dataNxt: 0,
    ...over,
  };
}

function subflow(pendingOptions: MptcpOption[] = []): SubflowView {
  return { initial: true, backup: false, localAddressId: 0, nonceLocal: 0, nonceRemote: 0, joined: true, initiatedHere: false, joinVerified: false, pendingOptions };
}

describe('reference MPTCP endpoint, components', () => {
  it('the option builder returns what sending changes, and changes nothing itself', () => {
    const prio: MptcpOption = { type: 'mptcp', subtype: 'mp_prio', backup: true };
    const s = subflow([prio]);
    const c = connection({ dataFinOff: 0, dataNxt: 0 });
    const before = JSON.stringify([s, c], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const { options, effects } = buildOptions(c, s, 'ack', undefined, 0, 1);
    assert.equal(JSON.stringify([s, c], (_k, v) => (typeof v === 'bigint' ? v.toString() : v)), before, 'the views are untouched');
    assert.deepEqual(options.map((o) => o.subtype), ['dss', 'mp_prio']);
    const dss = options[0]!;
    assert.ok(dss.subtype === 'dss' && dss.dataFin && dss.dataAck === 205n, 'a DSS with the data ACK and the DATA_FIN');
    assert.deepEqual(effects, { pending: [], sent: [prio], dataFinSent: true });
    // On a data segment the control options wait, and the subflow owes an ACK to carry them.
    const data = buildOptions(connection(), s, 'data', { seq: 1, data: new Uint8Array(3), dataOff: 0 }, 3, 1);
    assert.deepEqual(data.effects, { ackPending: true });
    assert.equal(s.pendingOptions.length, 1);
  });

  it('the MP_CAPABLE handshake: MPTCP goes on, or why it falls back', () => {
    assert.equal(synRefusal(undefined, 1), 'SYN without MP_CAPABLE');
    assert.equal(synRefusal({ type: 'mptcp', subtype: 'mp_capable', form: 'syn', version: 1, flags: H }, 1), undefined);
    assert.match(synRefusal({ type: 'mptcp', subtype: 'mp_capable', form: 'syn', version: 1, flags: { ...H, H: false } }, 1) ?? '', /flag H/);
    assert.equal(synAckRefusal({ type: 'mptcp', subtype: 'mp_capable', form: 'syn-ack', version: 1, flags: H, senderKey: 9n }, 1), undefined);
    assert.equal(synAckRefusal(undefined, 1), 'SYN/ACK without MP_CAPABLE');
    const ack = { type: 'mptcp', subtype: 'mp_capable', form: 'ack', version: 1, flags: H, senderKey: 9n, receiverKey: 1n } as const;
    assert.equal(thirdAckRefusal(ack, 1n, false), undefined);
    assert.equal(thirdAckRefusal(ack, 7n, false), 'MP_CAPABLE in the third ACK does not echo our key');
    assert.equal(thirdAckRefusal(undefined, 1n, true), 'first data without MP_CAPABLE');
  });

  it('the RTT estimator follows RFC 6298 and never times a retransmission', () => {
    const r = new RttEstimator(1000, 200);
    r.sent(101, 0);
    r.sent(201, 10); // one segment timed at a time
    r.acked(101, 100);
    assert.equal(r.smoothed, 100);
    assert.equal(r.rto, 300); // SRTT 100 + 4 * RTTVAR 50
    r.sent(301, 200);
    r.cancel(); // retransmitted: its ACK says nothing
    r.acked(301, 900);
    assert.equal(r.smoothed, 100);
    r.backoff();
    assert.equal(r.rto, 600);
  });
});
