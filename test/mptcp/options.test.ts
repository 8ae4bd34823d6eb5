// Known-answer tests for every TCP and MPTCP option form, bytes written out by
// hand from the layouts of RFC 9293 §3.1, RFC 7323, RFC 2018 and RFC 8684 §3.
import assert from 'node:assert/strict';
import {
  decodeMptcpOption,
  decodeTcpOptions,
  encodeMptcpOption,
  encodeTcpOptions,
  EncodeError,
  tcpRstReasonName,
  TcpRstReason,
  type MptcpDecodeContext,
  type TcpOption,
} from '../../suites/mptcp/codec/index.js';
import { flags, hx, hex, K1, K2, value } from './helpers.js';

const KEY1 = '11 22 33 44 55 66 77 88';
const KEY2 = '99 aa bb cc dd ee ff 00';
const HMAC8 = 'a1 a2 a3 a4 a5 a6 a7 a8';
const HMAC20 = 'b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3';
const V6 = '20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 07'; // 2001:db8::7
const SYN: MptcpDecodeContext = { flags: { syn: true, ack: false } };
const SYNACK: MptcpDecodeContext = { flags: { syn: true, ack: true } };

type Row = [name: string, bytes: string, expected: TcpOption, context?: MptcpDecodeContext];

const MPTCP: Row[] = [
  // §3.1 MP_CAPABLE: kind 30, length, subtype 0 | version, flags A..H, then keys.
  ['MP_CAPABLE v1 SYN (4 bytes, A and H)', '1e 04 | 01 | 81', { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'syn' }],
  ['MP_CAPABLE v1 SYN, every flag', '1e 04 | 01 | ff', { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('ABCDEFGH'), form: 'syn' }],
  ['MP_CAPABLE v1 SYN, B C and no H', '1e 04 | 01 | 60', { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('BC'), form: 'syn' }],
  [
    'MP_CAPABLE v1 SYN/ACK (12 bytes, sender key)',
    `1e 0c | 01 | 01 | ${KEY1}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'syn-ack', senderKey: K1 },
  ],
  [
    'MP_CAPABLE v1 third ACK (20 bytes, sender key then receiver key)',
    `1e 14 | 01 | 01 | ${KEY1} | ${KEY2}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'ack', senderKey: K1, receiverKey: K2 },
  ],
  [
    'MP_CAPABLE v1 with data (22 bytes, data-level length 100)',
    `1e 16 | 01 | 01 | ${KEY1} | ${KEY2} | 00 64`,
    { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'ack-data', senderKey: K1, receiverKey: K2, dataLevelLength: 100 },
  ],
  [
    'MP_CAPABLE v1 with data and checksum (24 bytes)',
    `1e 18 | 01 | 81 | ${KEY1} | ${KEY2} | 05 dc | be ef`,
    {
      type: 'mptcp',
      subtype: 'mp_capable',
      version: 1,
      flags: flags('AH'),
      form: 'ack-data',
      senderKey: K1,
      receiverKey: K2,
      dataLevelLength: 1500,
      checksum: 0xbeef,
    },
  ],
  // RFC 6824 §3.1 (v0): the SYN already carries the key; SYN and SYN/ACK are both 12 bytes.
  [
    'MP_CAPABLE v0 SYN (12 bytes, no context: v0 means SYN)',
    `1e 0c | 00 | 81 | ${KEY1}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('AH'), form: 'syn', senderKey: K1 },
  ],
  [
    'MP_CAPABLE v0 SYN with SYN context',
    `1e 0c | 00 | 01 | ${KEY1}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('H'), form: 'syn', senderKey: K1 },
    SYN,
  ],
  [
    'MP_CAPABLE v0 SYN/ACK needs the SYN/ACK context',
    `1e 0c | 00 | 01 | ${KEY2}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('H'), form: 'syn-ack', senderKey: K2 },
    SYNACK,
  ],
  [
    'MP_CAPABLE 12 bytes with version 1 in a SYN (context wins)',
    `1e 0c | 01 | 01 | ${KEY1}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'syn', senderKey: K1 },
    SYN,
  ],
  [
    'MP_CAPABLE v0 third ACK (20 bytes)',
    `1e 14 | 00 | 81 | ${KEY1} | ${KEY2}`,
    { type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('AH'), form: 'ack', senderKey: K1, receiverKey: K2 },
  ],
  // §3.2 MP_JOIN: subtype 1 | rsv(3) | B, address id, then token+nonce / HMAC+nonce / HMAC.
  [
    'MP_JOIN SYN (12 bytes)',
    '1e 0c | 10 | 02 | aa bb cc dd | 01 02 03 04',
    { type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: false, addressId: 2, token: 0xaabbccdd, nonce: 0x01020304, reserved: 0 },
  ],
  [
    'MP_JOIN SYN with B',
    '1e 0c | 11 | ff | 00 00 00 01 | ff ff ff ff',
    { type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: true, addressId: 255, token: 1, nonce: 0xffffffff, reserved: 0 },
  ],
  [
    'MP_JOIN SYN with the reserved bits set',
    '1e 0c | 1e | 00 | 00 00 00 00 | 00 00 00 00',
    { type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: false, addressId: 0, token: 0, nonce: 0, reserved: 7 },
  ],
  [
    'MP_JOIN SYN/ACK (16 bytes, truncated HMAC)',
    `1e 10 | 11 | 05 | ${HMAC8} | 0a 0b 0c 0d`,
    { type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup: true, addressId: 5, hmac: hx(HMAC8), nonce: 0x0a0b0c0d, reserved: 0 },
  ],
  [
    'MP_JOIN third ACK (24 bytes, 160-bit HMAC)',
    `1e 18 | 10 00 | ${HMAC20}`,
    { type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: hx(HMAC20), reserved: 0 },
  ],
  [
    'MP_JOIN third ACK with the 12 reserved bits set',
    `1e 18 | 1f ff | ${HMAC20}`,
    { type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: hx(HMAC20), reserved: 0xfff },
  ],
  // §3.3 DSS: subtype 2 | reserved, flags (F m M a A), data ACK, DSN, subflow seq, length, checksum.
  [
    'DSS data ACK 4 only (8 bytes)',
    '1e 08 | 20 | 01 | 00 00 00 2a',
    { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 42n, dataAck64: false, dsn64: false, reserved: 0 },
  ],
  [
    'DSS data ACK 8 only (12 bytes)',
    `1e 0c | 20 | 03 | ${KEY1}`,
    { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: K1, dataAck64: true, dsn64: false, reserved: 0 },
  ],
  [
    'DSS data ACK 4 and DSN 8 mapping (22 bytes)',
    `1e 16 | 20 | 0d | 00 00 01 00 | ${KEY2} | 00 00 00 01 | 00 10`,
    {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dataAck: 256n,
      dataAck64: false,
      dsn64: true,
      reserved: 0,
      mapping: { dsn: K2, subflowSeq: 1, dataLevelLength: 16 },
    },
  ],
  [
    'DSS data ACK 4 and DSN 8 mapping with checksum (24 bytes)',
    `1e 18 | 20 | 0d | 00 00 01 00 | ${KEY2} | 00 00 00 01 | 00 10 | 12 34`,
    {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dataAck: 256n,
      dataAck64: false,
      dsn64: true,
      reserved: 0,
      mapping: { dsn: K2, subflowSeq: 1, dataLevelLength: 16, checksum: 0x1234 },
    },
  ],
  [
    'DSS everything: DATA_FIN, data ACK 8, DSN 8, checksum (28 bytes)',
    `1e 1c | 20 | 1f | ${KEY1} | ${KEY2} | 80 00 00 00 | ff ff | ab cd`,
    {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: true,
      dataAck: K1,
      dataAck64: true,
      dsn64: true,
      reserved: 0,
      mapping: { dsn: K2, subflowSeq: 0x80000000, dataLevelLength: 0xffff, checksum: 0xabcd },
    },
  ],
  [
    'DSS mapping with a 4-byte DSN, no data ACK (14 bytes)',
    '1e 0e | 20 | 04 | de ad be ef | 00 00 03 e8 | 05 b4',
    {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dataAck64: false,
      dsn64: false,
      reserved: 0,
      mapping: { dsn: 0xdeadbeefn, subflowSeq: 1000, dataLevelLength: 1460 },
    },
  ],
  ['DSS DATA_FIN flag alone (4 bytes)', '1e 04 | 20 | 10', { type: 'mptcp', subtype: 'dss', dataFin: true, dataAck64: false, dsn64: false, reserved: 0 }],
  [
    'DSS infinite mapping (length 0, checksum 0)',
    `1e 1c | 20 | 0f | ${KEY1} | ${KEY2} | 00 00 00 00 | 00 00 | 00 00`,
    {
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dataAck: K1,
      dataAck64: true,
      dsn64: true,
      reserved: 0,
      mapping: { dsn: K2, subflowSeq: 0, dataLevelLength: 0, checksum: 0 },
    },
  ],
  [
    'DSS with every reserved bit set',
    '1e 08 | 2f | e1 | 00 00 00 01',
    { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 1n, dataAck64: false, dsn64: false, reserved: 0x7f },
  ],
  ['DSS "a" flag without "A" is kept', '1e 04 | 20 | 02', { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck64: true, dsn64: false, reserved: 0 }],
  // §3.4.1 ADD_ADDR: subtype 3 | rsv(3) | E, address id, address, [port], [truncated HMAC].
  [
    'ADD_ADDR IPv4 echo (8 bytes)',
    '1e 08 | 31 | 01 | c0 00 02 01',
    { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 1, address: '192.0.2.1', reserved: 0 },
  ],
  [
    'ADD_ADDR IPv4 echo with port (10 bytes)',
    '1e 0a | 31 | 01 | c0 00 02 01 | 1f 90',
    { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 1, address: '192.0.2.1', port: 8080, reserved: 0 },
  ],
  [
    'ADD_ADDR IPv4 with HMAC (16 bytes)',
    `1e 10 | 30 | 02 | 0a 4d 02 02 | ${HMAC8}`,
    { type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 2, address: '10.77.2.2', hmac: hx(HMAC8), reserved: 0 },
  ],
  [
    'ADD_ADDR IPv4 with port and HMAC (18 bytes)',
    `1e 12 | 30 | 02 | 0a 4d 02 02 | 27 d8 | ${HMAC8}`,
    { type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 2, address: '10.77.2.2', port: 10200, hmac: hx(HMAC8), reserved: 0 },
  ],
  [
    'ADD_ADDR IPv6 echo (20 bytes)',
    `1e 14 | 31 | 09 | ${V6}`,
    { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 9, address: '2001:db8::7', reserved: 0 },
  ],
  [
    'ADD_ADDR IPv6 echo with port (22 bytes)',
    `1e 16 | 31 | 09 | ${V6} | 00 50`,
    { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 9, address: '2001:db8::7', port: 80, reserved: 0 },
  ],
  [
    'ADD_ADDR IPv6 with HMAC (28 bytes)',
    `1e 1c | 30 | 09 | ${V6} | ${HMAC8}`,
    { type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 9, address: '2001:db8::7', hmac: hx(HMAC8), reserved: 0 },
  ],
  [
    'ADD_ADDR IPv6 with port and HMAC (30 bytes)',
    `1e 1e | 30 | 09 | ${V6} | 01 bb | ${HMAC8}`,
    { type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 9, address: '2001:db8::7', port: 443, hmac: hx(HMAC8), reserved: 0 },
  ],
  [
    'ADD_ADDR of RFC 6824 (IPVer 4 in the low nibble, no HMAC)',
    '1e 08 | 34 | 01 | c0 00 02 01',
    { type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 1, address: '192.0.2.1', reserved: 2 },
  ],
  // §3.4.2 REMOVE_ADDR: subtype 4 | rsv, then the ids.
  ['REMOVE_ADDR one id (4 bytes)', '1e 04 | 40 | 05', { type: 'mptcp', subtype: 'remove_addr', addressIds: [5], reserved: 0 }],
  ['REMOVE_ADDR three ids (6 bytes)', '1e 06 | 40 | 01 02 ff', { type: 'mptcp', subtype: 'remove_addr', addressIds: [1, 2, 255], reserved: 0 }],
  // §3.3.8 MP_PRIO: subtype 5 | rsv(3) | B; RFC 6824 added an address id.
  ['MP_PRIO backup (3 bytes)', '1e 03 | 51', { type: 'mptcp', subtype: 'mp_prio', backup: true, reserved: 0 }],
  ['MP_PRIO not backup', '1e 03 | 50', { type: 'mptcp', subtype: 'mp_prio', backup: false, reserved: 0 }],
  ['MP_PRIO of RFC 6824 with an address id (4 bytes)', '1e 04 | 51 | 07', { type: 'mptcp', subtype: 'mp_prio', backup: true, addressId: 7, reserved: 0 }],
  // §3.7 MP_FAIL and §3.5 MP_FASTCLOSE: subtype | 12 reserved bits, then 64 bits.
  ['MP_FAIL (12 bytes, DSN)', `1e 0c | 60 00 | ${KEY2}`, { type: 'mptcp', subtype: 'mp_fail', dsn: K2, reserved: 0 }],
  ['MP_FASTCLOSE (12 bytes, receiver key)', `1e 0c | 70 00 | ${KEY1}`, { type: 'mptcp', subtype: 'mp_fastclose', receiverKey: K1, reserved: 0 }],
  ['MP_FASTCLOSE with reserved bits set', `1e 0c | 7a bc | ${KEY1}`, { type: 'mptcp', subtype: 'mp_fastclose', receiverKey: K1, reserved: 0xabc }],
  // §3.6 MP_TCPRST: subtype 8 | U V W T, reason.
  [
    'MP_TCPRST transient, middlebox interference',
    '1e 04 | 81 | 06',
    { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: true }, reason: 6 },
  ],
  ['MP_TCPRST every flag, unspecified', '1e 04 | 8f | 00', { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: true, V: true, W: true, T: true }, reason: 0 }],
  [
    'MP_TCPRST MPTCP-specific error (what Linux sends for an unknown token)',
    '1e 04 | 80 | 01',
    { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: false }, reason: 1 },
  ],
  // Unknown subtypes are kept.
  ['MP_EXPERIMENTAL (subtype 15) kept raw', '1e 06 | f3 | aa bb cc', { type: 'mptcp', subtype: 'unknown', subtypeNumber: 15, bits: 3, data: hx('aa bb cc') }],
  ['unassigned subtype 9 with no data', '1e 03 | 90', { type: 'mptcp', subtype: 'unknown', subtypeNumber: 9, bits: 0, data: new Uint8Array(0) }],
];

const TCP: [string, string, TcpOption[]][] = [
  ['MSS', '02 04 05 b4', [{ type: 'mss', mss: 1460 }]],
  ['NOP', '01', [{ type: 'nop' }]],
  ['window scale', '03 03 07', [{ type: 'window-scale', shift: 7 }]],
  ['window scale above 14 is kept as sent', '03 03 0f', [{ type: 'window-scale', shift: 15 }]],
  ['SACK-permitted', '04 02', [{ type: 'sack-permitted' }]],
  ['SACK one block', '05 0a | 00 00 00 64 | 00 00 00 c8', [{ type: 'sack', blocks: [{ left: 100, right: 200 }] }]],
  [
    'SACK four blocks',
    '05 22 | 00 00 00 01 00 00 00 02 | 00 00 00 03 00 00 00 04 | 00 00 00 05 00 00 00 06 | ff ff ff ff 00 00 00 00',
    [
      {
        type: 'sack',
        blocks: [
          { left: 1, right: 2 },
          { left: 3, right: 4 },
          { left: 5, right: 6 },
          { left: 0xffffffff, right: 0 },
        ],
      },
    ],
  ],
  ['timestamps', '08 0a | 00 00 00 01 | 80 00 00 00', [{ type: 'timestamps', value: 1, echo: 0x80000000 }]],
  ['unknown kind (TFO cookie, 34) kept', '22 0a | 01 02 03 04 05 06 07 08', [{ type: 'unknown', kind: 34, data: hx('01 02 03 04 05 06 07 08') }]],
  ['unknown kind with length 2', 'fe 02', [{ type: 'unknown', kind: 254, data: new Uint8Array(0) }]],
  ['EOL alone', '00', [{ type: 'eol' }]],
  ['EOL then padding, kept byte for byte', '01 00 00 5a', [{ type: 'nop' }, { type: 'eol', padding: hx('00 5a') }]],
  [
    'a Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale, MP_CAPABLE',
    '02 04 05 b4 | 04 02 | 08 0a 00 00 00 01 00 00 00 00 | 01 | 03 03 0a | 1e 04 01 81',
    [
      { type: 'mss', mss: 1460 },
      { type: 'sack-permitted' },
      { type: 'timestamps', value: 1, echo: 0 },
      { type: 'nop' },
      { type: 'window-scale', shift: 10 },
      { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'syn' },
    ],
  ],
];

describe('mptcp codec: MPTCP option forms (RFC 8684 §3)', () => {
  for (const [name, bytes, expected, context] of MPTCP) {
    it(name, () => {
      const b = hx(bytes);
      assert.equal(b[1], b.length, 'the test row has the right length byte');
      assert.deepEqual(value(decodeMptcpOption(b, 0, context)), expected);
      assert.equal(hex(encodeMptcpOption(expected as never)), hex(b));
      // The same through the option-list decoder, with the same context.
      assert.deepEqual(value(decodeTcpOptions(b, context ?? {})), [expected]);
    });
  }

  it('builders may leave reserved bits and widths out', () => {
    assert.equal(hex(encodeMptcpOption({ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 5n })), '1e0c200300000000' + '00000005');
    assert.equal(
      hex(encodeMptcpOption({ type: 'mptcp', subtype: 'dss', dataFin: false, mapping: { dsn: 1n, subflowSeq: 2, dataLevelLength: 3 } })),
      '1e1220' + '0c' + '0000000000000001' + '00000002' + '0003',
    );
    assert.equal(hex(encodeMptcpOption({ type: 'mptcp', subtype: 'mp_prio', backup: true })), '1e0351');
    assert.equal(
      hex(encodeMptcpOption({ type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 1, address: '::ffff:192.0.2.1' })),
      '1e1431' + '01' + '00000000000000000000ffffc0000201',
    );
  });

  it('a 4-byte DSN is written as the low 32 bits of the value given', () => {
    const b = encodeMptcpOption({
      type: 'mptcp',
      subtype: 'dss',
      dataFin: false,
      dsn64: false,
      mapping: { dsn: 0x1234567890n, subflowSeq: 1, dataLevelLength: 1 },
    });
    assert.equal(hex(b), '1e0e2004' + '34567890' + '00000001' + '0001');
  });

  it('names the MP_TCPRST reasons (§3.6)', () => {
    assert.equal(tcpRstReasonName(TcpRstReason.UNSPECIFIED), 'unspecified error');
    assert.equal(tcpRstReasonName(TcpRstReason.MPTCP_SPECIFIC), 'MPTCP-specific error');
    assert.equal(tcpRstReasonName(TcpRstReason.LACK_OF_RESOURCES), 'lack of resources');
    assert.equal(tcpRstReasonName(TcpRstReason.ADMINISTRATIVELY_PROHIBITED), 'administratively prohibited');
    assert.equal(tcpRstReasonName(TcpRstReason.TOO_MUCH_OUTSTANDING_DATA), 'too much outstanding data');
    assert.equal(tcpRstReasonName(TcpRstReason.UNACCEPTABLE_PERFORMANCE), 'unacceptable performance');
    assert.equal(tcpRstReasonName(TcpRstReason.MIDDLEBOX_INTERFERENCE), 'middlebox interference');
    assert.equal(tcpRstReasonName(0x42), 'unknown reason 0x42');
  });

  it('refuses to encode what cannot be written', () => {
    const bad: [string, unknown][] = [
      ['MP_JOIN token', { type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: false, addressId: 1, token: 2 ** 32, nonce: 0 }],
      ['hmac must be 8 bytes', { type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup: false, addressId: 1, hmac: new Uint8Array(7), nonce: 0 }],
      ['senderKey', { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'syn-ack', senderKey: 1n << 64n }],
      ['IPv4 address', { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 1, address: '300.1.1.1' }],
      ['at least one address id', { type: 'mptcp', subtype: 'remove_addr', addressIds: [] }],
      ['MP_TCPRST reason', { type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: false }, reason: 256 }],
    ];
    for (const [what, o] of bad)
      assert.throws(
        () => encodeMptcpOption(o as never),
        (e: unknown) => e instanceof EncodeError && e.message.length > 0,
        what,
      );
  });
});

describe('mptcp codec: TCP options (RFC 9293 §3.1, RFC 7323, RFC 2018)', () => {
  for (const [name, bytes, expected] of TCP) {
    it(name, () => {
      const b = hx(bytes);
      assert.deepEqual(value(decodeTcpOptions(b)), expected);
      assert.equal(hex(encodeTcpOptions(expected)), hex(b));
    });
  }
});

describe('mptcp codec: malformed options give a DecodeError', () => {
  const rows: [string, string, string, number, RegExp][] = [
    ['a kind without its length byte', '02', 'truncated', 0, /needs a length byte/],
    ['an option longer than what is left', '01 01 02 04', 'truncated', 3, /TCP option kind 2 needs 4 bytes, 2 left/],
    ['an option length below 2', '08 01', 'bad-length', 1, /less than 2/],
    ['MSS of length 5', '02 05 00 00 00', 'bad-length', 1, /MSS option \(kind 2\) has length 5, not 4/],
    ['SACK with half a block', '05 06 00 00 00 01', 'bad-length', 1, /SACK/],
    ['an MPTCP option with no subtype byte', '01 01 1e 02', 'bad-length', 3, /at least 3 bytes/],
    ['MP_CAPABLE of 5 bytes', '1e 05 01 81 00', 'bad-length', 1, /MP_CAPABLE option length 5/],
    ['MP_JOIN of 13 bytes', '1e 0d 10 00 00 00 00 00 00 00 00 00 00', 'bad-length', 1, /MP_JOIN option length 13/],
    ['DSS whose flags want an 8-byte data ACK in 8 bytes', '1e 08 20 03 00 00 00 00', 'bad-length', 1, /does not match its flags 0x03, which need 12/],
    ['DSS mapping 2 bytes short', '1e 0c 20 04 00 00 00 01 00 00 00 01', 'bad-length', 1, /which need 14 or 16/],
    ['ADD_ADDR of 9 bytes', '1e 09 30 01 0a 00 00 01 00', 'bad-length', 1, /ADD_ADDR option length 9/],
    ['REMOVE_ADDR without an id', '1e 03 40', 'bad-length', 1, /no address id/],
    ['MP_PRIO of 5 bytes', '1e 05 50 00 00', 'bad-length', 1, /MP_PRIO option length 5/],
    ['MP_FAIL of 11 bytes', '1e 0b 60 00 00 00 00 00 00 00 00', 'bad-length', 1, /MP_FAIL option length 11/],
    ['MP_FASTCLOSE of 13 bytes', '1e 0d 70 00 00 00 00 00 00 00 00 00 00', 'bad-length', 1, /MP_FASTCLOSE/],
    ['MP_TCPRST of 3 bytes', '1e 03 80', 'bad-length', 1, /MP_TCPRST option length 3/],
  ];
  for (const [name, bytes, code, offset, message] of rows) {
    it(name, () => {
      const r = decodeTcpOptions(hx(bytes));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      assert.equal(r.error.offset, offset);
      assert.match(r.error.message, message);
    });
  }

  it("offsets count from the caller's base", () => {
    const r = decodeTcpOptions(hx('01 1e 03 40'), { base: 40 });
    assert.deepEqual(r, {
      ok: false,
      error: { code: 'bad-length', offset: 42, message: 'REMOVE_ADDR option length 3 leaves no address id: it needs at least 4 bytes' },
    });
  });

  it('a lenient decode keeps a malformed option and goes on', () => {
    const opts = value(decodeTcpOptions(hx('1e 03 40 | 01 | 02 04 05 b4'), { lenient: true }));
    assert.equal(opts.length, 3);
    const [bad, nop, mss] = opts;
    assert.equal(bad!.type, 'invalid');
    if (bad!.type === 'invalid') {
      assert.equal(hex(bad.bytes), '1e0340');
      assert.equal(bad.error.code, 'bad-length');
    }
    assert.deepEqual(nop, { type: 'nop' });
    assert.deepEqual(mss, { type: 'mss', mss: 1460 });
    // And encodes back to the same bytes.
    assert.equal(hex(encodeTcpOptions(opts)), '1e034001020405b4');
  });

  it('a lenient decode keeps an option overrunning the area as the rest of the area', () => {
    const opts = value(decodeTcpOptions(hx('01 1e 10 20 01'), { lenient: true }));
    assert.equal(opts[1]!.type, 'invalid');
    assert.equal(hex(encodeTcpOptions(opts)), '011e102001');
  });
});
