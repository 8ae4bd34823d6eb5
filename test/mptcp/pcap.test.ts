// Classic pcap files: the writer's bytes, hand-written files in both byte
// orders and resolutions, and typed errors for bad files.
import assert from 'node:assert/strict';
import { ipPayload, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, readPcap, writePcap } from '../../suites/mptcp/codec/index.js';
import { hex, hx, value } from './helpers.js';

describe('mptcp codec: pcap', () => {
  it('writes a little-endian microsecond LINKTYPE_RAW file', () => {
    const b = writePcap([{ seconds: 0x01020304, microseconds: 999999, data: hx('45 00') }]);
    assert.equal(
      hex(b),
      [
        'd4c3b2a1', // magic 0xa1b2c3d4, little-endian
        '0200 0400', // version 2.4
        '00000000', // thiszone
        '00000000', // sigfigs
        '00000400', // snaplen 262144
        '65000000', // LINKTYPE_RAW 101
        '04030201', // seconds
        '3f420f00', // 999999 microseconds
        '02000000', // captured length
        '02000000', // original length
        '4500',
      ]
        .join('')
        .replace(/ /g, ''),
    );
  });

  it('takes the original length and link type when given', () => {
    const f = value(readPcap(writePcap([{ seconds: 1, microseconds: 2, data: hx('01'), originalLength: 1500 }], { linktype: LINKTYPE_ETHERNET, snaplen: 96 })));
    assert.equal(f.header.linktype, 1);
    assert.equal(f.header.snaplen, 96);
    assert.equal(f.records[0]!.originalLength, 1500);
  });

  it('reads a big-endian microsecond file', () => {
    const b = hx('a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000065 | 5f5e1000 00000007 00000003 00000003 | 60 00 00');
    const f = value(readPcap(b));
    assert.deepEqual(f.header, { littleEndian: false, resolution: 'us', versionMajor: 2, versionMinor: 4, snaplen: 65535, linktype: LINKTYPE_RAW });
    assert.deepEqual(f.records, [{ seconds: 1600000000, microseconds: 7, data: hx('600000'), originalLength: 3 }]);
  });

  it('reads a nanosecond file', () => {
    const b = hx('4d3cb2a1 0200 0400 00000000 00000000 ffff0000 65000000 | 01000000 ffc99a3b 00000000 00000000');
    const f = value(readPcap(b));
    assert.equal(f.header.resolution, 'ns');
    assert.deepEqual(f.records, [{ seconds: 1, microseconds: 999999, nanoseconds: 999999999, data: new Uint8Array(0), originalLength: 0 }]);
  });

  const HEADER = 'd4c3b2a1 0200 0400 00000000 00000000 ffff0000 65000000';
  const rows: [string, string, string, number, RegExp][] = [
    ['an empty file', '', 'truncated', 0, /needs 24 bytes, 0 present/],
    ['a short header', 'd4c3b2a1 0200', 'truncated', 5, /needs 24 bytes, 6 present/],
    ['another format', '7f454c46' + '00'.repeat(20), 'bad-magic', 0, /not a classic pcap file: magic 0x7f454c46/],
    ['a pcapng file', '0a0d0d0a' + '00'.repeat(20), 'bad-magic', 0, /pcapng/],
    ['pcap version 1', 'd4c3b2a1 0100 0000 00000000 00000000 ffff0000 65000000', 'bad-value', 4, /version 1.0/],
    ['a cut record header', HEADER + ' 01000000 00000000', 'truncated', 24, /record 0 needs a 16-byte header, 8 bytes left/],
    ['a record longer than the file', HEADER + ' 01000000 00000000 05000000 05000000 4500', 'truncated', 32, /record 0 has 5 captured bytes, 2 left/],
    ['a microsecond count of a million', HEADER + ' 01000000 40420f00 00000000 00000000', 'bad-value', 28, /fraction of a second of 1000000/],
  ];
  for (const [name, bytes, code, offset, message] of rows) {
    it(`reports ${name}`, () => {
      const r = readPcap(hx(bytes));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      assert.equal(r.error.offset, offset);
      assert.match(r.error.message, message);
    });
  }

  it('refuses to write a timestamp out of range', () => {
    assert.throws(() => writePcap([{ seconds: 1, microseconds: 1_000_000, data: new Uint8Array(0) }]), /microseconds/);
    assert.throws(() => writePcap([{ seconds: -1, microseconds: 0, data: new Uint8Array(0) }]), /seconds/);
  });

  it('takes the IP packet out of Ethernet (with a VLAN tag) and Linux cooked frames', () => {
    const eth = hx('020000000001 020000000002 8100 0064 0800 | 45 00');
    assert.equal(hex(value(ipPayload(LINKTYPE_ETHERNET, eth))), '4500');
    const sll = hx('0000 0001 0006 020000000001 0000 86dd | 60 00');
    assert.equal(hex(value(ipPayload(LINKTYPE_LINUX_SLL, sll))), '6000');
    const sll2 = hx('0800 0000 00000002 0001 00 06 020000000001 0000 | 45 00');
    assert.equal(hex(value(ipPayload(LINKTYPE_LINUX_SLL2, sll2))), '4500');
    assert.equal(hex(value(ipPayload(LINKTYPE_RAW, hx('45')))), '45');
    const arp = ipPayload(LINKTYPE_ETHERNET, hx('020000000001 020000000002 0806 0001'));
    assert.deepEqual(arp, { ok: false, error: { code: 'unsupported-protocol', offset: 12, message: 'EtherType 0x0806 is not IPv4 or IPv6' } });
    const unknown = ipPayload(147, hx('00'));
    assert.equal(unknown.ok, false);
  });
});
