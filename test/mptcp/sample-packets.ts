// A varied set of packets carrying every MPTCP option form, over IPv4 and
// IPv6, for the cross-checks against tshark.
import type { MptcpOption, Packet, TcpFlags, TcpOption } from '../../suites/mptcp/codec/index.js';
import { flags, K1, K2 } from './helpers.js';

const H8 = Uint8Array.from([0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]);
const H20 = Uint8Array.from({ length: 20 }, (_, i) => 0xb0 + i);
const ACK: TcpFlags = { ack: true };
const SYN: TcpFlags = { syn: true };
const SYNACK: TcpFlags = { syn: true, ack: true };

let n = 0;
function pkt(v6: boolean, f: TcpFlags, options: TcpOption[], payload = new Uint8Array(0)): Packet {
  n++;
  const ip: Packet['ip'] = v6
    ? { version: 6, src: `2001:db8::${n.toString(16)}`, dst: '2001:db8:0:1::2', hopLimit: 60, flowLabel: n }
    : { version: 4, src: `192.0.2.${n}`, dst: '198.51.100.2', ttl: 60, identification: n };
  return { ip, tcp: { srcPort: 40000 + n, dstPort: 443, seq: 1000 * n, ack: f.ack ? 0x80000000 + n : 0, flags: f, window: 500 + n, options, payload } };
}
const mp = (o: MptcpOption): TcpOption => o;
const data = (k: number) => Uint8Array.from({ length: k }, (_, i) => (i * 7 + 1) & 0xff);

export function samplePackets(): Packet[] {
  n = 0;
  const ps: Packet[] = [
    // MP_CAPABLE v1: SYN (with the usual TCP options), SYN/ACK, third ACK, with data.
    pkt(false, SYN, [
      { type: 'mss', mss: 1460 },
      { type: 'sack-permitted' },
      { type: 'timestamps', value: 7, echo: 0 },
      { type: 'nop' },
      { type: 'window-scale', shift: 7 },
      mp({ type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'syn' }),
    ]),
    pkt(true, SYN, [mp({ type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('BCH'), form: 'syn' })]),
    pkt(false, SYNACK, [mp({ type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'syn-ack', senderKey: K2 })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('AH'), form: 'ack', senderKey: K1, receiverKey: K2 })]),
    pkt(
      false,
      { ack: true, psh: true },
      [mp({ type: 'mptcp', subtype: 'mp_capable', version: 1, flags: flags('H'), form: 'ack-data', senderKey: K1, receiverKey: K2, dataLevelLength: 10 })],
      data(10),
    ),
    pkt(
      true,
      { ack: true, psh: true },
      [
        mp({
          type: 'mptcp',
          subtype: 'mp_capable',
          version: 1,
          flags: flags('AH'),
          form: 'ack-data',
          senderKey: 0x0102030405060708n,
          receiverKey: K2,
          dataLevelLength: 33,
          checksum: 0,
        }),
      ],
      data(33),
    ),
    // MP_CAPABLE v0 (RFC 6824): keys from the SYN on, HMAC-SHA1.
    pkt(false, SYN, [mp({ type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('AH'), form: 'syn', senderKey: 0xfedcba9876543210n })]),
    pkt(false, SYNACK, [mp({ type: 'mptcp', subtype: 'mp_capable', version: 0, flags: flags('AH'), form: 'syn-ack', senderKey: 0x0011223344556677n })]),
    pkt(true, ACK, [
      mp({
        type: 'mptcp',
        subtype: 'mp_capable',
        version: 0,
        flags: flags('AH'),
        form: 'ack',
        senderKey: 0xfedcba9876543210n,
        receiverKey: 0x0011223344556677n,
      }),
    ]),
    // MP_JOIN: SYN, SYN/ACK, third ACK, with and without B.
    pkt(false, SYN, [
      { type: 'mss', mss: 1400 },
      mp({ type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: true, addressId: 3, token: 0xdeadbeef, nonce: 0x01020304 }),
    ]),
    pkt(true, SYN, [mp({ type: 'mptcp', subtype: 'mp_join', form: 'syn', backup: false, addressId: 200, token: 0x0badf00d, nonce: 0xfffffffe })]),
    pkt(false, SYNACK, [mp({ type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup: false, addressId: 9, hmac: H8, nonce: 0x0a0b0c0d })]),
    pkt(true, SYNACK, [mp({ type: 'mptcp', subtype: 'mp_join', form: 'syn-ack', backup: true, addressId: 1, hmac: H8, nonce: 1 })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: H20 })]),
    // DSS: data ACK only (4 and 8), mappings (4 and 8), checksums, DATA_FIN, infinite mapping.
    pkt(false, ACK, [
      { type: 'nop' },
      { type: 'nop' },
      { type: 'timestamps', value: 1, echo: 2 },
      mp({ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 0x12345678n, dataAck64: false }),
    ]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: K1 })]),
    pkt(
      false,
      { ack: true, psh: true },
      [mp({ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: K1, mapping: { dsn: K2, subflowSeq: 1, dataLevelLength: 20 } })],
      data(20),
    ),
    pkt(
      true,
      { ack: true, psh: true },
      [
        mp({
          type: 'mptcp',
          subtype: 'dss',
          dataFin: false,
          dataAck: 77n,
          dataAck64: false,
          mapping: { dsn: K2, subflowSeq: 1, dataLevelLength: 16, checksum: 0 },
        }),
      ],
      data(16),
    ),
    pkt(
      false,
      { ack: true, psh: true },
      [mp({ type: 'mptcp', subtype: 'dss', dataFin: false, dsn64: false, mapping: { dsn: 0xcafe0001n, subflowSeq: 0x10000, dataLevelLength: 8 } })],
      data(8),
    ),
    pkt(true, { ack: true, fin: true }, [
      mp({ type: 'mptcp', subtype: 'dss', dataFin: true, dataAck: K1, mapping: { dsn: K2, subflowSeq: 0, dataLevelLength: 1, checksum: 0 } }),
    ]),
    pkt(false, ACK, [
      mp({ type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: 5n, mapping: { dsn: 0x42n, subflowSeq: 0, dataLevelLength: 0, checksum: 0 } }),
    ]),
    // ADD_ADDR: all eight lengths, and an echo.
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 1, address: '203.0.113.7' })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 2, address: '203.0.113.8', port: 8080 })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 3, address: '203.0.113.9', hmac: H8 })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 4, address: '203.0.113.10', port: 10200, hmac: H8 })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 5, address: '2001:db8:5::1' })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: true, addressId: 6, address: '2001:db8:6::1', port: 443 })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 7, address: '2001:db8:7::1', hmac: H8 })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'add_addr', echo: false, addressId: 8, address: '2001:db8:8::1', port: 65535, hmac: H8 })]),
    // REMOVE_ADDR, MP_PRIO, MP_FAIL, MP_FASTCLOSE, MP_TCPRST, an unknown subtype.
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'remove_addr', addressIds: [4] })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'remove_addr', addressIds: [1, 2, 3, 250] })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'mp_prio', backup: true })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'mp_prio', backup: false })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'mp_prio', backup: true, addressId: 12 })]),
    pkt(false, { rst: true, ack: true }, [mp({ type: 'mptcp', subtype: 'mp_fail', dsn: K2 })]),
    pkt(true, ACK, [mp({ type: 'mptcp', subtype: 'mp_fail', dsn: 1n })]),
    pkt(false, { rst: true, ack: true }, [mp({ type: 'mptcp', subtype: 'mp_fastclose', receiverKey: K1 })]),
    pkt(false, { rst: true, ack: true }, [mp({ type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: true }, reason: 1 })]),
    pkt(true, { rst: true }, [mp({ type: 'mptcp', subtype: 'mp_tcprst', flags: { U: true, V: true, W: true, T: false }, reason: 6 })]),
    pkt(false, ACK, [mp({ type: 'mptcp', subtype: 'unknown', subtypeNumber: 15, bits: 0, data: Uint8Array.of(1, 2, 3, 4, 5) })]),
  ];
  return ps;
}
