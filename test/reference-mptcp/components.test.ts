// The reference endpoint's components on their own: the option builder returns
// its effects and changes nothing, the handshake's decisions, the RTT estimator,
// a subflow's input, the incoming options, the fallback, a join's progress and
// the connection's lifecycle.
import assert from 'node:assert/strict';
import type { Dss, MptcpOption, TcpSegment } from '../../suites/mptcp/codec/index.js';
import { synAckRefusal, synRefusal, thirdAckRefusal } from '../../targets/reference/mptcp/handshake.js';
import { buildOptions, type ConnectionView, type SubflowView } from '../../targets/reference/mptcp/option-builder.js';
import { Fallback } from '../../targets/reference/mptcp/fallback.js';
import { Lifecycle } from '../../targets/reference/mptcp/lifecycle.js';
import { readSegmentOptions, type IncomingView } from '../../targets/reference/mptcp/incoming-options.js';
import { RttEstimator } from '../../targets/reference/mptcp/rtt.js';
import { arrival, type Receiving } from '../../targets/reference/mptcp/subflow-input.js';
import { SubflowMptcp } from '../../targets/reference/mptcp/subflow-mptcp.js';

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
  return {
    initial: true,
    backup: false,
    localAddressId: 0,
    nonceLocal: 0,
    nonceRemote: 0,
    joined: true,
    initiatedHere: false,
    joinVerified: false,
    pendingOptions,
  };
}

describe('reference MPTCP endpoint, components', () => {
  it('the option builder returns what sending changes, and changes nothing itself', () => {
    const prio: MptcpOption = { type: 'mptcp', subtype: 'mp_prio', backup: true };
    const s = subflow([prio]);
    const c = connection({ dataFinOff: 0, dataNxt: 0 });
    const before = JSON.stringify([s, c], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const { options, effects } = buildOptions(c, s, 'ack', undefined, 0, 1);
    assert.equal(
      JSON.stringify([s, c], (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
      before,
      'the views are untouched',
    );
    assert.deepEqual(
      options.map((o) => o.subtype),
      ['dss', 'mp_prio'],
    );
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

  it('the input of a subflow: what an arriving segment is, in RFC 9293 order', () => {
    const r: Receiving = { state: 'established', isn: 1000, irs: 5000, rcvNxt: 1, sndUna: 1, sndMax: 11, lastAdvWindow: 0 };
    const seg = (seq: number, ack: number, flags: TcpSegment['flags'], len = 0): TcpSegment => ({
      srcPort: 1,
      dstPort: 2,
      seq: 5000 + seq,
      ack: 1000 + ack,
      flags,
      window: 100,
      options: [],
      payload: new Uint8Array(len),
    });
    let asked = 0;
    const window = () => (asked++, 1000);
    assert.deepEqual(arrival(r, seg(1, 5, { ack: true }, 3), window), { do: 'process', seq: 1, ack: 5, handshake: false });
    assert.equal(asked, 1, 'the window is asked for the acceptability test');
    assert.deepEqual(arrival(r, seg(1, 12, { ack: true }), window), { do: 'ack-now', restartTimeWait: false }, 'an ACK of data never sent');
    assert.deepEqual(arrival(r, seg(70000, 5, { ack: true }, 3), window), { do: 'ack-now', restartTimeWait: false }, 'out of the window');
    assert.deepEqual(arrival(r, seg(1, 5, { rst: true }), window), { do: 'reset', reason: 'reset by peer' });
    assert.deepEqual(
      arrival(r, seg(2, 5, { rst: true }), window),
      { do: 'ack-now', restartTimeWait: false },
      'a RST in the window but not at rcvNxt: challenge ACK',
    );
    assert.deepEqual(arrival(r, seg(1, 5, { syn: true, ack: true }), window), { do: 'ack-now', restartTimeWait: false }, 'a SYN in a synchronized state');
    assert.deepEqual(arrival({ ...r, state: 'time-wait' }, seg(0, 5, { fin: true, ack: true }), window), { do: 'ack-now', restartTimeWait: true });
    const synSent: Receiving = { ...r, state: 'syn-sent', rcvNxt: 0, sndMax: 1 };
    asked = 0;
    assert.deepEqual(arrival(synSent, seg(0, 1, { syn: true, ack: true }), window), { do: 'syn-ack' });
    assert.deepEqual(arrival(synSent, seg(0, 7, { syn: true, ack: true }), window), { do: 'answer-with-reset' });
    assert.deepEqual(arrival(synSent, seg(0, 1, { rst: true, ack: true }), window), { do: 'reset', reason: 'connection refused' });
    assert.deepEqual(arrival(synSent, seg(0, 0, { syn: true }), window), { do: 'ignore' }, 'no simultaneous open');
    assert.equal(asked, 0, 'no window is asked in SYN-SENT');
    const synRcvd: Receiving = { ...r, state: 'syn-received', sndMax: 1 };
    assert.deepEqual(arrival(synRcvd, seg(1, 1, { ack: true }), window), { do: 'process', seq: 1, ack: 1, handshake: true });
    assert.deepEqual(arrival(synRcvd, seg(1, 2, { ack: true }), window), { do: 'answer-with-reset' });
    assert.deepEqual(arrival(synRcvd, seg(0, 0, { syn: true }), window), { do: 'syn-again' });
  });

  it('incoming options: effects in order, only the first DSS, none past MP_FASTCLOSE', () => {
    const v: IncomingView = {
      role: 'client',
      localKey: 7n,
      checksum: false,
      fullyEstablished: false,
      sndBase: 100n,
      rcvBase: 200n,
      dataUna: 0,
      rcvNxt: 0,
      initial: true,
      peerWscale: 2,
      joined: false,
      joinVerified: false,
    };
    const seg: TcpSegment = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: { ack: true }, window: 10, options: [], payload: new Uint8Array(4) };
    const dss: Dss = { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 105n, mapping: { dsn: 203n, subflowSeq: 1, dataLevelLength: 4 } };
    const prio: MptcpOption = { type: 'mptcp', subtype: 'mp_prio', backup: true };
    const effects = readSegmentOptions(v, seg, [dss, prio, { ...dss, dataAck: 999n }], 0, true);
    assert.deepEqual(effects, [
      { do: 'fully-established' },
      { do: 'data-ack', ackOff: 5, window: 40 },
      { do: 'mapping', mapping: { ssn: 1, subLen: 4, dataOff: 3, dataLevelLength: 4, dataFin: false } },
      { do: 'mp-prio', backup: true },
    ]);
    const checksummed = readSegmentOptions({ ...v, checksum: true, fullyEstablished: true }, seg, [dss], 0, true);
    assert.deepEqual(
      checksummed.map((e) => e.do),
      ['data-ack', 'reset-subflow'],
      'a DSS without the negotiated checksum resets the subflow',
    );
    const fast: MptcpOption = { type: 'mptcp', subtype: 'mp_fastclose', receiverKey: 7n };
    assert.deepEqual(
      readSegmentOptions(v, seg, [fast, prio], 4, false).map((e) => e.do),
      ['fastclose'],
    );
    assert.deepEqual(readSegmentOptions(v, seg, [], 4, false), [{ do: 'acked-without-options' }], '§3.7: data acknowledged without any MPTCP option');
  });

  it('the fallback: possible on one initial subflow, MP_FAIL answered once, data ACKs until the peer answers', () => {
    const f = new Fallback();
    assert.equal(f.possible(true, 1), true);
    assert.equal(f.possible(true, 2), false);
    assert.equal(f.possible(false, 1), false);
    assert.equal(f.onMpFail(true), 'fall-back');
    assert.equal(f.infiniteMapPending, true);
    assert.equal(f.note('MP_FAIL received'), true);
    assert.equal(f.note('again'), false, 'the first reason stays');
    assert.deepEqual(f.info, { reason: 'MP_FAIL received' });
    const g = new Fallback();
    g.checksumFailed();
    assert.equal(g.optionOverhead('tcp', true), 12, 'a data ACK on the data after our MP_FAIL');
    assert.equal(g.onMpFail(true), 'answered');
    assert.equal(g.optionOverhead('tcp', true), 0);
    const h = new Fallback();
    h.checksumFailed();
    assert.deepEqual(h.afterFallback([{ type: 'mptcp', subtype: 'mp_fail', dsn: 1n }]), { infiniteMapReceived: 0, mpFailReceived: 1 });
    assert.equal(h.dataAcks, false);
    h.allowInfinite = false;
    assert.equal(h.possible(true, 1), false, 'not after a join or a reinjection');
  });

  it("a join's progress at the MPTCP level: our side, the peer's once its HMAC is checked, done once", () => {
    const ours = new SubflowMptcp();
    ours.startJoin(11, 2, true);
    assert.deepEqual([ours.nonceLocal, ours.localAddressId, ours.backup, ours.awaitingFourthAck], [11, 2, true, false]);
    ours.synAckVerified({ nonce: 22, addressId: 5, backup: false });
    assert.deepEqual(
      [ours.nonceRemote, ours.remoteAddressId, ours.peerBackup, ours.awaitingFourthAck],
      [22, 5, false, true],
      'the third ACK went: waiting for the fourth',
    );
    assert.equal(ours.finishJoin(), true);
    assert.equal(ours.finishJoin(), false, 'done once');
    assert.equal(ours.awaitingFourthAck, false);
    const theirs = new SubflowMptcp();
    theirs.acceptJoin({ nonce: 33, addressId: 7, backup: true }, 44, 1);
    assert.deepEqual(
      [theirs.nonceRemote, theirs.nonceLocal, theirs.remoteAddressId, theirs.peerBackup, theirs.localAddressId, theirs.joinVerified],
      [33, 44, 7, true, 1, false],
    );
    theirs.thirdAckVerified();
    assert.equal(theirs.joinVerified, true);
  });

  it('the lifecycle: moves only as its tables say', () => {
    const l = new Lifecycle(true);
    assert.deepEqual([l.state, l.mode], ['connecting', 'pending']);
    assert.equal(l.on('ending'), false, 'a connection in its handshake does not start closing');
    assert.equal(l.on('handshake-done'), true);
    l.modeOn('negotiated');
    assert.deepEqual([l.state, l.mode], ['established', 'mptcp']);
    assert.equal(l.streamsDone(false, true), false, 'MPTCP: our DATA_FIN acknowledged too');
    assert.equal(l.on('ending'), true);
    assert.equal(l.reset('reset by peer'), true);
    assert.equal(l.reset('again'), false);
    assert.deepEqual([l.state, l.resetReason, l.over], ['reset', 'reset by peer', true]);
    assert.equal(l.on('all-down'), false, 'a reset connection is never closed');
    l.modeOn('fall-back');
    assert.equal(l.mode, 'tcp');
    l.modeOn('negotiated');
    assert.equal(l.mode, 'tcp', 'a fallback is for good');
    assert.equal(l.streamsDone(false, true), true, 'TCP: the FIN of the peer');
  });
});
