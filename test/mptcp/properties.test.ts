// Property tests (fast-check): encoding then decoding gives back the
// structure, decoding then encoding gives back the bytes, and decoding any
// bytes at all never throws and points inside the input when it fails.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeMptcpOption,
  decodePacket,
  decodeTcpOptions,
  encodePacket,
  encodeTcpOption,
  encodeTcpOptions,
  formatIPv4,
  formatIPv6,
  readPcap,
  writePcap,
  type DecodeResult,
  type MptcpOption,
  type Packet,
  type TcpOption,
} from '../../suites/mptcp/codec/index.js';
import { hex } from './helpers.js';

const RUNS = { numRuns: 400 };

/** fc.record without the null-prototype objects it may make, which deepEqual tells apart. */
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });

const u = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32n = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
const bytes = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
const mpcFlags = rec({
  A: fc.boolean(),
  B: fc.boolean(),
  C: fc.boolean(),
  D: fc.boolean(),
  E: fc.boolean(),
  F: fc.boolean(),
  G: fc.boolean(),
  H: fc.boolean(),
});
const ipv4 = bytes(4).map((b) => formatIPv4(b));
const ipv6 = bytes(16).map((b) => formatIPv6(b));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Drops undefined fields, as a decoder never sets them. */
function clean<T>(o: T): T {
  return Object.fromEntries(Object.entries(o as object).filter(([, v]) => v !== undefined)) as T;
}

const mpCapable: fc.Arbitrary<MptcpOption> = fc.oneof(
  rec({ version: u(4), flags: mpcFlags }).map((r) => ({ type: 'mptcp' as const, subtype: 'mp_capable' as const, ...r, form: 'syn' as const })),
  // 12 bytes: without context, version 0 decodes as 'syn' and any other as 'syn-ack'.
  rec({ version: u(4), flags: mpcFlags, senderKey: u64 }).map((r) =>
    r.version === 0
      ? { type: 'mptcp' as const, subtype: 'mp_capable' as const, ...r, form: 'syn' as const }
      : { type: 'mptcp' as const, subtype: 'mp_capable' as const, ...r, form: 'syn-ack' as const },
  ),
  rec({ version: u(4), flags: mpcFlags, senderKey: u64, receiverKey: u64 }).map((r) => ({
    type: 'mptcp' as const,
    subtype: 'mp_capable' as const,
    ...r,
    form: 'ack' as const,
  })),
  fc
    .record({ version: u(4), flags: mpcFlags, senderKey: u64, receiverKey: u64, dataLevelLength: u(16), checksum: opt(u(16)) })
    .map((r) => clean({ type: 'mptcp' as const, subtype: 'mp_capable' as const, ...r, form: 'ack-data' as const })),
);

const mpJoin: fc.Arbitrary<MptcpOption> = fc.oneof(
  rec({ backup: fc.boolean(), addressId: u(8), token: u(32), nonce: u(32), reserved: u(3) }).map((r) => ({
    type: 'mptcp' as const,
    subtype: 'mp_join' as const,
    form: 'syn' as const,
    ...r,
  })),
  rec({ backup: fc.boolean(), addressId: u(8), hmac: bytes(8), nonce: u(32), reserved: u(3) }).map((r) => ({
    type: 'mptcp' as const,
    subtype: 'mp_join' as const,
    form: 'syn-ack' as const,
    ...r,
  })),
  rec({ hmac: bytes(20), reserved: u(12) }).map((r) => ({ type: 'mptcp' as const, subtype: 'mp_join' as const, form: 'ack' as const, ...r })),
);

const dss: fc.Arbitrary<MptcpOption> = fc
  .record({
    dataFin: fc.boolean(),
    dataAck64: fc.boolean(),
    dsn64: fc.boolean(),
    reserved: u(7),
    hasAck: fc.boolean(),
    ack: u64,
    ack32: u32n,
    mapping: opt(rec({ dsn: u64, dsn32: u32n, subflowSeq: u(32), dataLevelLength: u(16), checksum: opt(u(16)) })),
  })
  .map((r) => {
    const o: MptcpOption = { type: 'mptcp', subtype: 'dss', dataFin: r.dataFin, dataAck64: r.dataAck64, dsn64: r.dsn64, reserved: r.reserved };
    if (r.hasAck) o.dataAck = r.dataAck64 ? r.ack : r.ack32;
    if (r.mapping) {
      const m = r.mapping;
      o.mapping = clean({ dsn: r.dsn64 ? m.dsn : m.dsn32, subflowSeq: m.subflowSeq, dataLevelLength: m.dataLevelLength, checksum: m.checksum });
    }
    return o;
  });

const addAddr: fc.Arbitrary<MptcpOption> = fc
  .record({ echo: fc.boolean(), addressId: u(8), address: fc.oneof(ipv4, ipv6), port: opt(u(16)), hmac: opt(bytes(8)), reserved: u(3) })
  .map((r) => clean({ type: 'mptcp' as const, subtype: 'add_addr' as const, ...r }));

const others: fc.Arbitrary<MptcpOption> = fc.oneof(
  rec({ addressIds: fc.array(u(8), { minLength: 1, maxLength: 20 }), reserved: u(4) }).map((r) => ({
    type: 'mptcp' as const,
    subtype: 'remove_addr' as const,
    ...r,
  })),
  rec({ backup: fc.boolean(), addressId: opt(u(8)), reserved: u(3) }).map((r) => clean({ type: 'mptcp' as const, subtype: 'mp_prio' as const, ...r })),
  rec({ dsn: u64, reserved: u(12) }).map((r) => ({ type: 'mptcp' as const, subtype: 'mp_fail' as const, ...r })),
  rec({ receiverKey: u64, reserved: u(12) }).map((r) => ({ type: 'mptcp' as const, subtype: 'mp_fastclose' as const, ...r })),
  fc
    .record({ flags: rec({ U: fc.boolean(), V: fc.boolean(), W: fc.boolean(), T: fc.boolean() }), reason: u(8) })
    .map((r) => ({ type: 'mptcp' as const, subtype: 'mp_tcprst' as const, ...r })),
  rec({ subtypeNumber: fc.integer({ min: 9, max: 15 }), bits: u(4), data: bytes(0, 20) }).map((r) => ({
    type: 'mptcp' as const,
    subtype: 'unknown' as const,
    ...r,
  })),
);

const mptcpOption = fc.oneof(mpCapable, mpJoin, dss, addAddr, others);

const KNOWN_KINDS = new Set([0, 1, 2, 3, 4, 5, 8, 30]);
const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  { arbitrary: mptcpOption, weight: 4 },
  fc.constant({ type: 'nop' as const }),
  u(16).map((mss) => ({ type: 'mss' as const, mss })),
  u(8).map((shift) => ({ type: 'window-scale' as const, shift })),
  fc.constant({ type: 'sack-permitted' as const }),
  fc.array(rec({ left: u(32), right: u(32) }), { minLength: 1, maxLength: 4 }).map((blocks) => ({ type: 'sack' as const, blocks })),
  rec({ value: u(32), echo: u(32) }).map((r) => ({ type: 'timestamps' as const, ...r })),
  rec({ kind: u(8).filter((k) => !KNOWN_KINDS.has(k)), data: bytes(0, 12) }).map((r) => ({ type: 'unknown' as const, ...r })),
);

const optionList = fc
  .record({ options: fc.array(tcpOption, { maxLength: 5 }), eol: fc.option(bytes(0, 6), { nil: undefined }) })
  .map(({ options, eol }) => (eol === undefined ? options : [...options, eol.length ? { type: 'eol' as const, padding: eol } : { type: 'eol' as const }]))
  .filter((list) => encodeTcpOptions(list).length <= 40);

/** An options area as a decoder gives it: padded to a multiple of 4 with an EOL and zeros. */
const paddedList = optionList
  .map((list) => {
    const n = encodeTcpOptions(list).length;
    if (n % 4 === 0 || list.some((o) => o.type === 'eol')) return list;
    const pad = 4 - (n % 4);
    return [...list, pad === 1 ? { type: 'eol' as const } : { type: 'eol' as const, padding: new Uint8Array(pad - 1) }];
  })
  .filter((list) => encodeTcpOptions(list).length % 4 === 0);

const packet: fc.Arbitrary<Packet> = fc
  .record({
    v6: fc.boolean(),
    v4: rec({ tos: u(8), identification: u(16), reservedFlag: fc.boolean(), df: fc.boolean(), ttl: u(8), checksum: u(16), src: ipv4, dst: ipv4 }),
    v6h: rec({ trafficClass: u(8), flowLabel: u(20), hopLimit: u(8), src: ipv6, dst: ipv6 }),
    tcp: rec({
      srcPort: u(16),
      dstPort: u(16),
      seq: u(32),
      ack: u(32),
      flags: rec({
        ae: fc.boolean(),
        cwr: fc.boolean(),
        ece: fc.boolean(),
        urg: fc.boolean(),
        ack: fc.boolean(),
        psh: fc.boolean(),
        rst: fc.boolean(),
        syn: fc.boolean(),
        fin: fc.boolean(),
      }),
      reserved: u(3),
      window: u(16),
      checksum: u(16),
      urgentPointer: u(16),
      options: paddedList,
      payload: bytes(0, 64),
    }),
  })
  .map((r): Packet => {
    // With SYN set, a 12-byte MP_CAPABLE decodes by the flags (see decodeMptcpOption).
    const options = r.tcp.options.map((o): TcpOption => {
      if (o.type !== 'mptcp' || o.subtype !== 'mp_capable' || !r.tcp.flags.syn) return o;
      if (o.form === 'syn' && o.senderKey !== undefined && r.tcp.flags.ack) return { ...o, form: 'syn-ack', senderKey: o.senderKey };
      if (o.form === 'syn-ack' && !r.tcp.flags.ack) return { ...o, form: 'syn' };
      return o;
    });
    const tcp = { ...r.tcp, options };
    if (r.v6) return { ip: { version: 6, ...r.v6h }, tcp };
    const { reservedFlag, df, ...v4 } = r.v4;
    return { ip: { version: 4, ...v4, flags: { reserved: reservedFlag, df, mf: false }, fragmentOffset: 0 }, tcp };
  });

/** A failed decode must point inside the input (offset 0 for an empty one). */
function pointsInside<T>(r: DecodeResult<T>, input: Uint8Array): boolean {
  if (r.ok) return true;
  return Number.isInteger(r.error.offset) && r.error.offset >= 0 && r.error.offset < Math.max(1, input.length) && r.error.message.length > 0;
}

const KEEP = { keepChecksums: { ip: true, tcp: true, dss: true } };

describe('mptcp codec: properties', function () {
  this.timeout(120000);

  it('every MPTCP option: decode(encode(o)) = o', () => {
    fc.assert(
      fc.property(mptcpOption, (o) => {
        const b = encodeTcpOption(o);
        assert.equal(b[1], b.length);
        const d = decodeMptcpOption(b);
        assert.ok(d.ok, d.ok ? '' : d.error.message);
        assert.deepEqual(d.value, o);
      }),
      RUNS,
    );
  });

  it('option lists: decode(encode(list)) = list, and encode(decode(bytes)) = bytes', () => {
    fc.assert(
      fc.property(optionList, (list) => {
        const b = encodeTcpOptions(list);
        const d = decodeTcpOptions(b);
        assert.ok(d.ok, d.ok ? '' : d.error.message);
        assert.deepEqual(d.value, list);
        assert.equal(hex(encodeTcpOptions(d.value)), hex(b));
      }),
      RUNS,
    );
  });

  it('packets: decode(encode(p)) = p with the checksums kept, and the bytes come back', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const b = encodePacket(p, KEEP);
        const d = decodePacket(b);
        assert.ok(d.ok, d.ok ? '' : d.error.message);
        assert.deepEqual(d.value.packet, p);
        assert.equal(hex(encodePacket(d.value.packet, KEEP)), hex(b));
      }),
      RUNS,
    );
  });

  it('packets: with checksums computed, every checksum verifies', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const d = decodePacket(encodePacket(p));
        assert.ok(d.ok);
        assert.equal(d.value.checks.tcpChecksum, true);
        if (p.ip.version === 4) assert.equal(d.value.checks.ipHeaderChecksum, true);
        assert.notEqual(d.value.checks.dssChecksum?.status, 'invalid');
      }),
      RUNS,
    );
  });

  it('decoding arbitrary bytes never throws and points inside the input', () => {
    fc.assert(
      fc.property(bytes(0, 120), fc.boolean(), (b, lenient) => {
        assert.ok(pointsInside(decodePacket(b, { lenient }), b));
        assert.ok(pointsInside(decodeTcpOptions(b, { lenient }), b));
        assert.ok(pointsInside(decodeMptcpOption(b), b));
        assert.ok(pointsInside(readPcap(b), b));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes that look like IP headers never throw either', () => {
    const ipish = fc.tuple(fc.constantFrom(0x45, 0x46, 0x4f, 0x60, 0x61), bytes(0, 100)).map(([first, rest]) => Uint8Array.of(first, ...rest));
    fc.assert(
      fc.property(ipish, (b) => pointsInside(decodePacket(b), b)),
      { numRuns: 2000 },
    );
  });

  it('truncated and corrupted packets decode to a packet or a DecodeError inside the input', () => {
    fc.assert(
      fc.property(packet, fc.nat(), fc.array(fc.tuple(fc.nat(), u(8)), { maxLength: 4 }), (p, cut, flips) => {
        const full = encodePacket(p);
        const b = full.slice(0, cut % (full.length + 1));
        for (const [at, v] of flips) if (b.length) b[at % b.length] = v;
        const r = decodePacket(b);
        assert.ok(pointsInside(r, b));
        if (r.ok) assert.equal(hex(encodePacket(r.value.packet, KEEP)), hex(b), 'what decodes encodes back to the same bytes');
      }),
      RUNS,
    );
  });

  it('a lenient decode of any options area gives the area back byte for byte', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(0, 40), optionList.map(encodeTcpOptions)), (b) => {
        const d = decodeTcpOptions(b, { lenient: true });
        assert.ok(d.ok);
        assert.equal(hex(encodeTcpOptions(d.value)), hex(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('pcap files: readPcap(writePcap(records)) gives the records back', () => {
    const record = rec({ seconds: u(32), microseconds: fc.integer({ min: 0, max: 999999 }), data: bytes(0, 80) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const r = readPcap(writePcap(records));
        assert.ok(r.ok);
        assert.deepEqual(
          r.value.records,
          records.map((x) => ({ ...x, originalLength: x.data.length })),
        );
      }),
      RUNS,
    );
  });
});
