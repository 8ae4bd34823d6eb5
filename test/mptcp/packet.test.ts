// IPv4/IPv6/TCP packets, their checksums and the DSS checksum, on packets
// written out by hand and on packets the Linux kernel sent.
import assert from 'node:assert/strict';
import {
  addAddrHmac,
  decodePacket,
  deriveIdsn,
  deriveToken,
  dssChecksum,
  encodePacket,
  EncodeError,
  joinAckHmac,
  joinSynAckHmac,
  verifyDssChecksum,
  type Packet,
  type TcpOption,
} from '../../suites/mptcp/codec/index.js';
import { LINUX, LINUX_SECRETS } from './fixtures/linux-6.18.js';
import { flags, hex, hx, value } from './helpers.js';

/** RFC 1071 written again for the tests: the complement of the folded 16-bit sum. */
function inetSum(...parts: Uint8Array[]): number {
  const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
  let s = 0;
  for (let i = 0; i < all.length; i += 2) s += (all[i]! << 8) + (i + 1 < all.length ? all[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
const put16 = (b: Uint8Array, at: number, v: number) => {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
};

// 192.0.2.1:40000 -> 198.51.100.2:80, SYN, MSS 1460, NOP NOP, MP_CAPABLE v1 SYN (A, H), EOL and a zero byte.
const IPV4_HEADER = '45 00 00 34 | 12 34 40 00 | 40 06 00 00 | c0 00 02 01 | c6 33 64 02';
const TCP_SYN = '9c 40 00 50 | 00 00 03 e8 | 00 00 00 00 | 80 02 fa f0 | 00 00 00 00 | 02 04 05 b4 | 01 01 | 1e 04 01 81 | 00 00';

function handBuiltIpv4Syn(): Uint8Array {
  const ip = hx(IPV4_HEADER);
  const tcp = hx(TCP_SYN);
  put16(ip, 10, inetSum(ip));
  const pseudo = Uint8Array.of(...ip.subarray(12, 20), 0, 6, 0, tcp.length);
  put16(tcp, 16, inetSum(pseudo, tcp));
  return Uint8Array.from([...ip, ...tcp]);
}

describe('mptcp codec: packets', () => {
  it('decodes a hand-written IPv4 SYN and encodes it back', () => {
    const bytes = handBuiltIpv4Syn();
    const d = value(decodePacket(bytes));
    assert.deepEqual(d.checks, { ipHeaderChecksum: true, tcpChecksum: true });
    const { ip, tcp } = d.packet;
    assert.deepEqual(
      { ...ip, checksum: undefined },
      {
        version: 4,
        tos: 0,
        identification: 0x1234,
        flags: { reserved: false, df: true, mf: false },
        fragmentOffset: 0,
        ttl: 64,
        checksum: undefined,
        src: '192.0.2.1',
        dst: '198.51.100.2',
      },
    );
    assert.equal(tcp.srcPort, 40000);
    assert.equal(tcp.dstPort, 80);
    assert.equal(tcp.seq, 1000);
    assert.equal(tcp.ack, 0);
    assert.deepEqual(tcp.flags, { ae: false, cwr: false, ece: false, urg: false, ack: false, psh: false, rst: false, syn: true, fin: false });
    assert.equal(tcp.window, 64240);
    assert.deepEqual(tcp.options, [
      { type: 'mss', mss: 1460 },
      { type: 'nop' },
      { type: 'nop' },
      { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'syn' },
      { type: 'eol', padding: hx('00') },
    ]);
    assert.equal(tcp.payload.length, 0);
    assert.equal(hex(encodePacket(d.packet)), hex(bytes));
  });

  it('builds an IPv6 packet from a minimal structure, with defaults, and checks it with an independent sum', () => {
    const p: Packet = {
      ip: { version: 6, src: '2001:db8::1', dst: '2001:db8::2', flowLabel: 0xabcde, trafficClass: 0x12 },
      tcp: {
        srcPort: 1,
        dstPort: 2,
        seq: 3,
        ack: 4,
        flags: { ack: true, psh: true },
        window: 5,
        options: [{ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 9n }],
        payload: hx('68 65 6c 6c 6f'),
      },
    };
    const b = encodePacket(p);
    assert.equal(hex(b.subarray(0, 8)), '6' + '12' + 'abcde' + '0025' + '06' + '40');
    const tcp = b.subarray(40);
    const pseudo = Uint8Array.of(...b.subarray(8, 40), 0, 0, 0, tcp.length, 0, 0, 0, 6);
    const zeroed = Uint8Array.from(tcp);
    put16(zeroed, 16, 0);
    assert.equal((tcp[16]! << 8) | tcp[17]!, inetSum(pseudo, zeroed));
    const d = value(decodePacket(b));
    assert.deepEqual(d.checks, { tcpChecksum: true });
    assert.equal(hex(encodePacket(d.packet)), hex(b));
  });

  it('keeps IPv4 options, the reserved and AE bits, and bytes after the IP length', () => {
    const p: Packet = {
      ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2', options: hx('94 04 00 00'), flags: { reserved: true, df: false } },
      tcp: {
        srcPort: 1,
        dstPort: 2,
        seq: 0,
        ack: 0,
        flags: { ae: true, cwr: true, ece: true, urg: true, fin: true },
        reserved: 5,
        window: 0,
        urgentPointer: 7,
        options: [],
        payload: new Uint8Array(0),
      },
      trailer: hx('00 00 00 00 00 00'),
    };
    const b = encodePacket(p);
    assert.equal(b[0], 0x46);
    const d = value(decodePacket(b));
    assert.equal(d.checks.ipHeaderChecksum, true);
    assert.equal(d.checks.tcpChecksum, true);
    assert.equal(hex(d.packet.ip.version === 4 ? d.packet.ip.options! : new Uint8Array()), '94040000');
    assert.equal(d.packet.tcp.reserved, 5);
    assert.equal(d.packet.tcp.urgentPointer, 7);
    assert.equal(hex(d.packet.trailer!), '000000000000');
    assert.equal(hex(encodePacket(d.packet)), hex(b));
  });

  it('pads the options area with zero bytes to a multiple of 4', () => {
    const p: Packet = {
      ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' },
      tcp: {
        srcPort: 1,
        dstPort: 2,
        seq: 0,
        ack: 0,
        flags: { syn: true },
        window: 0,
        options: [{ type: 'window-scale', shift: 7 }],
        payload: new Uint8Array(0),
      },
    };
    const b = encodePacket(p);
    assert.equal(b[32]! >> 4, 6, 'data offset 6');
    assert.equal(hex(b.subarray(40, 44)), '03030700');
    assert.deepEqual(value(decodePacket(b)).packet.tcp.options, [{ type: 'window-scale', shift: 7 }, { type: 'eol' }]);
  });

  it('reports wrong checksums, and keeps them on request', () => {
    const good = handBuiltIpv4Syn();
    const d = value(decodePacket(good));
    assert.ok(d.packet.ip.version === 4);
    d.packet.ip.checksum = 0xdead;
    d.packet.tcp.checksum = 0xbeef;
    const bad = encodePacket(d.packet, { keepChecksums: { ip: true, tcp: true } });
    assert.equal(hex(bad.subarray(10, 12)), 'dead');
    assert.equal(hex(bad.subarray(36, 38)), 'beef');
    assert.deepEqual(value(decodePacket(bad)).checks, { ipHeaderChecksum: false, tcpChecksum: false });
    assert.equal(hex(encodePacket(d.packet)), hex(good), 'without keep, they are computed again');
  });

  it('throws an EncodeError for what cannot be written', () => {
    const base: Packet = {
      ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' },
      tcp: { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: {}, window: 0, options: [], payload: new Uint8Array(0) },
    };
    const tooMany: TcpOption[] = Array.from({ length: 11 }, () => ({ type: 'mss', mss: 1 }));
    assert.throws(() => encodePacket({ ...base, ip: { ...base.ip, src: '10.0.0' } as Packet['ip'] }), EncodeError);
    assert.throws(() => encodePacket({ ...base, tcp: { ...base.tcp, options: tooMany } }), /more than 40/);
    assert.throws(() => encodePacket({ ...base, tcp: { ...base.tcp, srcPort: 70000 } }), /srcPort/);
    assert.throws(() => encodePacket({ ...base, ip: { version: 6, src: '10.0.0.1', dst: '::1' } }), /IPv6 src/);
  });
});

describe('mptcp codec: malformed packets give a DecodeError', () => {
  const ipv4 = (mutate: (b: Uint8Array) => void) => {
    const b = handBuiltIpv4Syn();
    mutate(b);
    return b;
  };
  const rows: [string, Uint8Array, string, number, RegExp][] = [
    ['empty input', new Uint8Array(0), 'truncated', 0, /empty/],
    ['IP version 5', hx('55 00'), 'bad-version', 0, /version 5/],
    ['an IPv4 header cut short', handBuiltIpv4Syn().subarray(0, 19), 'truncated', 18, /needs 20 bytes, 19 present/],
    ['IPv4 header length 4', ipv4((b) => (b[0] = 0x44)), 'bad-length', 0, /header length 4/],
    ['IPv4 total length beyond the input', handBuiltIpv4Syn().subarray(0, 50), 'truncated', 2, /total length 52, 50 bytes present/],
    ['IPv4 total length too small for TCP', ipv4((b) => put16(b, 2, 30)), 'bad-length', 2, /less than a 20-byte TCP header/],
    ['an IPv4 fragment', ipv4((b) => (b[6] = 0x20)), 'unsupported-fragment', 6, /fragment/],
    ['IPv4 carrying UDP', ipv4((b) => (b[9] = 17)), 'unsupported-protocol', 9, /protocol 17/],
    ['TCP data offset 4', ipv4((b) => (b[32] = 0x40)), 'bad-length', 32, /data offset 4/],
    ['TCP data offset beyond the segment', ipv4((b) => (b[32] = 0xf0)), 'truncated', 32, /data offset 15 needs a 60-byte header, 32 bytes present/],
    ['a bad option inside the packet', ipv4((b) => (b[47] = 0x05)), 'bad-length', 47, /MP_CAPABLE option length 5/],
    [
      'IPv6 with a hop-by-hop header',
      hx('60000000 0014 00 40' + '00'.repeat(32) + '00'.repeat(20)),
      'unsupported-next-header',
      6,
      /next header 0.*extension headers/,
    ],
    ['IPv6 cut short', hx('60000000 0014 06 40' + '00'.repeat(20)), 'truncated', 27, /needs 40 bytes/],
    [
      'IPv6 payload length beyond the input',
      hx('60000000 0020 06 40' + '00'.repeat(32) + '00'.repeat(20)),
      'truncated',
      4,
      /payload length 32, 20 bytes present/,
    ],
  ];
  for (const [name, bytes, code, offset, message] of rows) {
    it(name, () => {
      const r = decodePacket(bytes);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      assert.equal(r.error.offset, offset);
      assert.match(r.error.message, message);
    });
  }
});

describe('mptcp codec: the DSS checksum (§3.3.1)', () => {
  it('is the complement of the sum over DSN(64) ‖ subflow seq(32) ‖ length(16) ‖ zero(16) ‖ payload', () => {
    const payload = hx('01 02 03 04 05');
    const pseudo = hx('00000001 00000002 | 00000003 | 0005 | 0000');
    assert.equal(dssChecksum(0x100000002n, 3, 5, payload), inetSum(pseudo, payload));
    assert.equal(verifyDssChecksum(0x100000002n, 3, 5, payload, inetSum(pseudo, payload)), true);
    assert.equal(verifyDssChecksum(0x100000002n, 3, 5, payload, inetSum(pseudo, payload) ^ 1), false);
  });

  const ipv4 = (opt: TcpOption, payload: Uint8Array): Packet => ({
    ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' },
    tcp: { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: { ack: true }, window: 100, options: [opt], payload },
  });
  const dss = (
    mapping: { dsn: bigint; subflowSeq: number; dataLevelLength: number; checksum?: number },
    more: { dataFin?: boolean; dsn64?: boolean } = {},
  ): TcpOption => ({
    type: 'mptcp',
    subtype: 'dss',
    dataFin: more.dataFin ?? false,
    ...(more.dsn64 !== undefined ? { dsn64: more.dsn64 } : {}),
    dataAck: 1n,
    mapping,
  });

  it('is computed by the encoder when the mapping covers exactly this segment, DATA_FIN counted', () => {
    const payload = hx('aa bb cc');
    for (const fin of [false, true]) {
      const len = 3 + (fin ? 1 : 0);
      const d = value(decodePacket(encodePacket(ipv4(dss({ dsn: 77n, subflowSeq: 9, dataLevelLength: len, checksum: 0 }, { dataFin: fin }), payload))));
      assert.deepEqual(d.checks.dssChecksum, { status: 'valid' });
      const o = d.packet.tcp.options[0]!;
      assert.ok(o.type === 'mptcp' && o.subtype === 'dss');
      assert.equal(o.mapping!.checksum, dssChecksum(77n, 9, len, payload));
    }
  });

  it('is reported invalid, with the expected value, when kept wrong', () => {
    const payload = hx('aa bb cc');
    const b = encodePacket(ipv4(dss({ dsn: 77n, subflowSeq: 9, dataLevelLength: 3, checksum: 0x1234 }), payload), { keepChecksums: { dss: true } });
    const d = value(decodePacket(b));
    assert.deepEqual(d.checks.dssChecksum, { status: 'invalid', expected: dssChecksum(77n, 9, 3, payload) });
    assert.equal(d.checks.tcpChecksum, true, 'the TCP checksum covers the wrong DSS checksum');
  });

  it('is unverifiable from one segment for a longer mapping, a 32-bit DSN or an infinite mapping, and kept as given', () => {
    const payload = hx('aa bb cc');
    const cases: [TcpOption, RegExp][] = [
      [dss({ dsn: 77n, subflowSeq: 9, dataLevelLength: 1000, checksum: 0x4242 }), /covers 1000 bytes, this segment carries 3/],
      [dss({ dsn: 77n, subflowSeq: 9, dataLevelLength: 3, checksum: 0x4242 }, { dsn64: false }), /low 32 bits of the DSN/],
      [dss({ dsn: 77n, subflowSeq: 0, dataLevelLength: 0, checksum: 0x4242 }), /infinite mapping/],
    ];
    for (const [opt, reason] of cases) {
      const d = value(decodePacket(encodePacket(ipv4(opt, payload))));
      const c = d.checks.dssChecksum;
      assert.ok(c && c.status === 'unverifiable');
      assert.match(c.reason, reason);
      const o = d.packet.tcp.options[0]!;
      assert.ok(o.type === 'mptcp' && o.subtype === 'dss' && o.mapping?.checksum === 0x4242);
    }
  });

  it('of an MP_CAPABLE with data uses DSN = IDSN + 1 and subflow sequence 1 (§3.1)', () => {
    const payload = hx('68 69');
    const opt: TcpOption = {
      type: 'mptcp',
      subtype: 'mp_capable',
      version: 1,
      flags: flags('AH'),
      form: 'ack-data',
      senderKey: 5n,
      receiverKey: 6n,
      dataLevelLength: 2,
      checksum: 0,
    };
    const d = value(decodePacket(encodePacket(ipv4(opt, payload))));
    assert.deepEqual(d.checks.dssChecksum, { status: 'valid' });
    const o = d.packet.tcp.options[0]!;
    assert.ok(o.type === 'mptcp' && o.subtype === 'mp_capable' && o.form === 'ack-data');
    assert.equal(o.checksum, dssChecksum(deriveIdsn(5n) + 1n, 1, 2, payload));
  });
});

describe('mptcp codec: packets the Linux kernel sent', () => {
  const decode = (h: string) => value(decodePacket(hx(h)));
  const mptcp = (h: string) => {
    const opts = decode(h).packet.tcp.options.filter((o) => o.type === 'mptcp');
    assert.equal(opts.length, 1);
    return opts[0]!;
  };

  it('re-encodes every one byte for byte (keeping only the offloaded TCP checksum)', () => {
    for (const [name, h] of Object.entries(LINUX)) {
      const d = decode(h);
      assert.equal(hex(encodePacket(d.packet, { keepChecksums: { tcp: true } })), h, name);
      const recomputed = value(decodePacket(encodePacket(d.packet)));
      assert.equal(recomputed.checks.tcpChecksum, true, name);
      if (d.packet.ip.version === 4) assert.equal(d.checks.ipHeaderChecksum, true, name);
    }
  });

  it('MP_CAPABLE SYN, SYN/ACK, and the first data with keys and a checksum', () => {
    assert.deepEqual(mptcp(LINUX.mpcSyn), { type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'syn' });
    assert.deepEqual(mptcp(LINUX.mpcSynAck), {
      type: 'mptcp',
      subtype: 'mp_capable',
      version: 1,
      flags: flags('AH'),
      form: 'syn-ack',
      senderKey: LINUX_SECRETS.keyB,
    });
    const d = decode(LINUX.mpcAckData);
    assert.deepEqual(
      d.packet.tcp.options.filter((o) => o.type === 'mptcp'),
      [
        {
          type: 'mptcp',
          subtype: 'mp_capable',
          version: 1,
          flags: flags('AH'),
          form: 'ack-data',
          senderKey: LINUX_SECRETS.keyA,
          receiverKey: LINUX_SECRETS.keyB,
          dataLevelLength: 100,
          checksum: 0x840c,
        },
      ],
    );
    assert.equal(d.packet.tcp.payload.length, 100);
    assert.deepEqual(d.checks.dssChecksum, { status: 'valid' }, 'the kernel sums DSN = IDSN + 1 as 64 bits and subflow sequence 1');
  });

  it('DSS with a checksummed mapping and with DATA_FIN', () => {
    const m = decode(LINUX.dssMapping);
    assert.deepEqual(m.checks.dssChecksum, { status: 'valid' });
    const o = mptcp(LINUX.dssMapping);
    assert.ok(o.subtype === 'dss');
    assert.equal(o.mapping!.dsn, deriveIdsn(LINUX_SECRETS.keyB) + 1n, "the server's first byte is its IDSN + 1");
    const fin = decode(LINUX.dssDataFin);
    assert.deepEqual(fin.checks.dssChecksum, { status: 'valid' }, 'the data-level length counts the DATA_FIN');
    const f = mptcp(LINUX.dssDataFin);
    assert.ok(f.subtype === 'dss' && f.dataFin && f.mapping!.dataLevelLength === 1 && fin.packet.tcp.payload.length === 0);
  });

  it('ADD_ADDR with port and HMAC, and its echo', () => {
    const a = mptcp(LINUX.addAddr);
    assert.ok(a.subtype === 'add_addr');
    assert.equal(a.address, '10.77.2.2');
    assert.equal(a.port, 10200);
    assert.equal(a.echo, false);
    assert.equal(
      hex(a.hmac!),
      hex(addAddrHmac({ senderKey: LINUX_SECRETS.keyB, receiverKey: LINUX_SECRETS.keyA, addressId: 5, address: '10.77.2.2', port: 10200 })),
    );
    assert.deepEqual(mptcp(LINUX.addAddrEcho), {
      type: 'mptcp',
      subtype: 'add_addr',
      echo: true,
      addressId: 5,
      address: '10.77.2.2',
      port: 10200,
      reserved: 0,
    });
  });

  it('MP_JOIN SYN, SYN/ACK and third ACK', () => {
    const syn = mptcp(LINUX.joinSyn);
    assert.ok(syn.subtype === 'mp_join' && syn.form === 'syn');
    assert.equal(syn.token, deriveToken(LINUX_SECRETS.keyB));
    assert.equal(syn.nonce, LINUX_SECRETS.nonceA);
    const synAck = mptcp(LINUX.joinSynAck);
    assert.ok(synAck.subtype === 'mp_join' && synAck.form === 'syn-ack');
    assert.equal(synAck.nonce, LINUX_SECRETS.nonceB);
    assert.equal(hex(synAck.hmac), hex(joinSynAckHmac(LINUX_SECRETS)));
    const ack = mptcp(LINUX.joinAck);
    assert.ok(ack.subtype === 'mp_join' && ack.form === 'ack');
    assert.equal(hex(ack.hmac), hex(joinAckHmac(LINUX_SECRETS)));
  });
});
