// The expect matchers added for the MP_CAPABLE and fallback vectors (branch
// vectors-v1): flags with "?" (not checked), a DSS checksum that must be
// right ("valid"), and a key that must be absent (the v1 SYN).
import assert from 'node:assert/strict';
import { deriveIdsn, dssChecksum, type MptcpOption, type Packet, type TcpOption } from '../../suites/mptcp/codec/index.js';
import { mpCapableFlags, tcpFlags } from '../../suites/mptcp/script/build.js';
import { matchExpect } from '../../suites/mptcp/script/match.js';
import { ScriptState } from '../../suites/mptcp/script/state.js';

const ADDRESSES = { sut: '198.51.100.1', peers: ['198.51.100.2'], sutExtra: [] };
const KEY = 0x0123456789abcdefn;

function segment(flags: string, options: TcpOption[], payload = ''): Packet {
  return {
    ip: { version: 4, src: '198.51.100.1', dst: '198.51.100.2', ttl: 64 },
    tcp: { srcPort: 8000, dstPort: 40000, seq: 1001, ack: 2001, flags: tcpFlags(flags), window: 1000, options, payload: new Uint8Array(Buffer.from(payload)) },
  };
}

function setup() {
  const state = new ScriptState('test/vectors-v1', ADDRESSES);
  return { state, sf: state.subflow(0) };
}

describe('mptcp expect matchers (vectors-v1)', () => {
  it('a flag letter followed by "?" is not checked', () => {
    const { state, sf } = setup();
    assert.equal(matchExpect({ flags: 'RA?' }, segment('R', []), state, sf).ok, true);
    assert.equal(matchExpect({ flags: 'RA?' }, segment('RA', []), state, sf).ok, true);
    assert.equal(matchExpect({ flags: 'RA?' }, segment('A', []), state, sf).ok, false);
    assert.equal(matchExpect({ flags: 'R' }, segment('RA', []), state, sf).ok, false);
  });

  it('checksum "valid" holds for a right DSS checksum only', () => {
    const { state, sf } = setup();
    const withSum = (checksum: number): MptcpOption => ({
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      mapping: { dsn: 77n, subflowSeq: 1, dataLevelLength: 3, checksum },
      dsn64: true,
    });
    // The DSS checksum over the pseudo-header (DSN 77, SSN 1, length 3, zero) and "abc", worked out by hand:
    // 0x0000+0x0000+0x0000+0x004d + 0x0000+0x0001 + 0x0003 + 0x6162+0x6300 = 0xc4b3, complement 0x3b4c.
    const right = segment('A', [withSum(0x3b4c)], 'abc');
    const wrong = segment('A', [withSum(0x3b4d)], 'abc');
    const spec = { options: { require: [{ mptcp: 'dss', checksum: 'valid' }] } };
    assert.equal(matchExpect(spec, right, state, sf).ok, true);
    const m = matchExpect(spec, wrong, state, sf);
    assert.equal(m.ok, false);
    assert.equal(!m.ok && m.actual, 'invalid');
    const none = segment(
      'A',
      [{ type: 'mptcp', subtype: 'dss', dataFin: false, mapping: { dsn: 77n, subflowSeq: 1, dataLevelLength: 3 }, dsn64: true }],
      'abc',
    );
    assert.equal(matchExpect(spec, none, state, sf).ok, false);
  });

  it('checksum "valid" checks an MP_CAPABLE with data against the sender\'s IDSN + 1', () => {
    const { state, sf } = setup();
    const spec = { options: { require: [{ mptcp: 'mp_capable', checksum: 'valid' }] } };
    const mpc = (checksum: number): TcpOption => ({
      type: 'mptcp',
      subtype: 'mp_capable',
      version: 1,
      flags: mpCapableFlags('AH'),
      form: 'ack-data',
      senderKey: KEY,
      receiverKey: 1n,
      dataLevelLength: 3,
      checksum,
    });
    // The implied mapping: DSN = IDSN + 1 of the sender's key, relative subflow sequence number 1.
    const right = dssChecksum(deriveIdsn(KEY) + 1n, 1, 3, new Uint8Array(Buffer.from('abc')));
    assert.equal(matchExpect(spec, segment('A', [mpc(right)], 'abc'), state, sf).ok, true);
    assert.equal(matchExpect(spec, segment('A', [mpc(right ^ 0x0100)], 'abc'), state, sf).ok, false);
    // The same checksum under DSN = IDSN (off by one) is wrong.
    const offByOne = dssChecksum(deriveIdsn(KEY), 1, 3, new Uint8Array(Buffer.from('abc')));
    assert.equal(matchExpect(spec, segment('A', [mpc(offByOne)], 'abc'), state, sf).ok, false);
  });

  it('a key "absent" holds for the 4-octet v1 SYN and not for a v0 SYN with a key', () => {
    const { state, sf } = setup();
    const spec = { options: { require: [{ mptcp: 'mp_capable', senderKey: 'absent' }] } };
    const v1: TcpOption = { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: mpCapableFlags('H'), form: 'syn' };
    const v0: TcpOption = { type: 'mptcp', subtype: 'mp_capable', version: 0, flags: mpCapableFlags('H'), form: 'syn', senderKey: KEY };
    assert.equal(matchExpect(spec, segment('S', [v1]), state, sf).ok, true);
    assert.equal(matchExpect(spec, segment('S', [v0]), state, sf).ok, false);
  });
});
