// `conformatrix mptcp ...`: the command is called directly, its stdout and
// stderr captured.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveIdsn, encodePacket, writePcap } from '../../suites/mptcp/codec/index.js';
import { mptcpCommand } from '../../suites/mptcp/commands.js';
import { LINUX, LINUX_SECRETS } from './fixtures/linux-6.18.js';
import { hx } from './helpers.js';

type Json = Record<string, unknown>;

async function run(...args: string[]): Promise<{ code: number; out: string; err: string; json: Json }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await mptcpCommand.run(args);
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
  return { code, out, err, json: out.startsWith('{') ? (JSON.parse(out) as Json) : {} };
}

const SYN_V4 = encodePacket({
  ip: { version: 4, src: '192.0.2.1', dst: '192.0.2.2' },
  tcp: { srcPort: 1234, dstPort: 80, seq: 5, ack: 0, flags: { syn: true }, window: 1000, options: [{ type: 'mss', mss: 1460 }], payload: new Uint8Array(0) },
});
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('mptcp command', () => {
  it('has a summary and a usage line for `conformatrix help`', () => {
    assert.ok(mptcpCommand.summary.length > 10);
    assert.match(mptcpCommand.usage, /^conformatrix mptcp /);
  });

  it('decode HEX: an IPv4 packet', async () => {
    const r = await run('decode', hexOf(SYN_V4));
    assert.equal(r.code, 0);
    assert.equal(r.json.kind, 'ipv4-packet');
    const p = r.json.packet as { ip: Json; tcp: Json };
    assert.equal(p.ip.src, '192.0.2.1');
    assert.equal(p.tcp.srcPort, 1234);
    assert.deepEqual(p.tcp.options, [{ type: 'mss', mss: 1460 }]);
    assert.deepEqual(r.json.checks, { ipHeaderChecksum: true, tcpChecksum: true });
    assert.match(String(p.tcp.checksum), /^[0-9a-f]{4}$/);
  });

  it('decode HEX: an IPv6 packet from Linux, with keys and checksums as lowercase hex', async () => {
    const r = await run('decode', LINUX.mpcAckData);
    assert.equal(r.code, 0);
    assert.equal(r.json.kind, 'ipv6-packet');
    const opts = (r.json.packet as { tcp: { options: Json[] } }).tcp.options;
    const mpc = opts.find((o) => o.type === 'mptcp')!;
    assert.equal(mpc.senderKey, LINUX_SECRETS.keyA.toString(16).padStart(16, '0'));
    assert.equal(mpc.receiverKey, LINUX_SECRETS.keyB.toString(16).padStart(16, '0'));
    assert.equal(mpc.checksum, '840c');
    assert.deepEqual((r.json.checks as Json).dssChecksum, { status: 'valid' });
    assert.equal((r.json.packet as { tcp: Json }).tcp.payload, '41'.repeat(100));
  });

  it('decode HEX: a DSS, 64-bit values as 16 hex digits', async () => {
    const r = await run('decode', LINUX.dssMapping);
    const dss = (r.json.packet as { tcp: { options: Json[] } }).tcp.options.find((o) => o.subtype === 'dss')!;
    assert.match(String(dss.dataAck), /^[0-9a-f]{16}$/);
    assert.equal((dss.mapping as Json).dsn, (deriveIdsn(LINUX_SECRETS.keyB) + 1n).toString(16).padStart(16, '0'));
  });

  it('decode HEX: a bare TCP option list, and the MP_TCPRST reason name', async () => {
    const r = await run('decode', '1e 04 81 06'.replace(/ /g, ''));
    assert.equal(r.code, 0);
    assert.deepEqual(r.json, {
      kind: 'tcp-options',
      options: [{ type: 'mptcp', subtype: 'mp_tcprst', flags: { U: false, V: false, W: false, T: true }, reason: 6, reasonName: 'middlebox interference' }],
    });
  });

  it('decode HEX --flags: the segment of a 12-byte MP_CAPABLE', async () => {
    const opt = '1e0c0101' + '1122334455667788';
    assert.equal(((await run('decode', opt)).json.options as Json[])[0]!.form, 'syn-ack');
    assert.equal(((await run('decode', opt, '--flags', 'syn')).json.options as Json[])[0]!.form, 'syn');
  });

  it('decode HEX: what does not decode gives the DecodeError and exit code 1', async () => {
    const r = await run('decode', '0204');
    assert.equal(r.code, 1);
    assert.deepEqual(r.json, { kind: 'error', as: 'tcp-options', error: { code: 'truncated', offset: 1, message: 'TCP option kind 2 needs 4 bytes, 2 left' } });
    const p = await run('decode', hexOf(SYN_V4.subarray(0, 30)));
    assert.equal(p.code, 1);
    assert.equal(p.json.as, 'packet');
    assert.equal((p.json.error as Json).code, 'truncated');
    const lenient = await run('decode', '1e034001', '--lenient');
    assert.equal(lenient.code, 0);
    assert.equal((lenient.json.options as Json[])[0]!.type, 'invalid');
  });

  it('decode --pcap FILE: every packet with its index and timestamp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformatrix-mptcp-cmd-'));
    try {
      const file = join(dir, 'x.pcap');
      writeFileSync(
        file,
        writePcap([
          { seconds: 1700000000, microseconds: 42, data: SYN_V4 },
          { seconds: 1700000001, microseconds: 0, data: hx(LINUX.joinSynAck) },
          { seconds: 1700000002, microseconds: 999999, data: hx('55') },
        ]),
      );
      const r = await run('decode', '--pcap', file);
      assert.equal(r.code, 0);
      assert.equal(r.json.kind, 'pcap');
      assert.equal(r.json.linktype, 101);
      const packets = r.json.packets as Json[];
      assert.deepEqual(
        packets.map((p) => [p.index, p.timestamp, p.kind]),
        [
          [0, '1700000000.000042', 'ipv4-packet'],
          [1, '1700000001.000000', 'ipv4-packet'],
          [2, '1700000002.999999', 'error'],
        ],
      );
      assert.equal((packets[2]!.error as Json).code, 'bad-version');
      writeFileSync(file, 'not a pcap file at all, sorry');
      const bad = await run('decode', '--pcap', file);
      assert.equal(bad.code, 1);
      assert.equal((bad.json.error as Json).code, 'bad-magic');
      const missing = await run('decode', '--pcap', join(dir, 'nope.pcap'));
      assert.equal(missing.code, 2);
      assert.match(missing.err, /cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derive: token and IDSN, v1 (SHA-256) and v0 (SHA-1)', async () => {
    for (const [version, alg] of [
      ['1', 'sha256'],
      ['0', 'sha1'],
    ] as const) {
      const d = createHash(alg).update(Buffer.from('8a4e550d1c331b7a', 'hex')).digest();
      const r = await run('derive', '--key', '8a4e550d1c331b7a', '--version', version);
      assert.equal(r.code, 0);
      assert.equal(r.json.token, d.subarray(0, 4).toString('hex'));
      assert.equal(r.json.idsn, d.subarray(d.length - 8).toString('hex'));
    }
    const def = await run('derive', '--key', '0x8A4E550D1C331B7A');
    assert.equal(def.json.version, 1);
    assert.equal(def.json.idsn, 'ff415f180ac5bba9', "Linux sent ff415f180ac5bbaa as this key's first DSN");
  });

  it('hmac: the MP_JOIN HMACs Linux sent', async () => {
    const r = await run('hmac', '--key-a', '8a4e550d1c331b7a', '--key-b', '50b9729b616d15d9', '--nonce-a', '6cdc4c63', '--nonce-b', 'c8e8ae43');
    assert.equal(r.code, 0);
    assert.deepEqual(r.json, { hmacB: '5356da29d6ab63b3', hmacA: '302d31cf7776f2a9d6198b7d077d7f836b63c65f' });
  });

  it('add-addr-hmac: the ADD_ADDR HMAC Linux sent', async () => {
    const r = await run('add-addr-hmac', '--sender-key', '50b9729b616d15d9', '--receiver-key', '8a4e550d1c331b7a', '--id', '5', '--address', '10.77.2.2');
    assert.deepEqual(r.json, { hmac: '4a6d5482db41c970' });
  });

  it('checksum: the DSS checksum of the MP_CAPABLE data Linux sent', async () => {
    const dsn = '0x' + (deriveIdsn(LINUX_SECRETS.keyA) + 1n).toString(16);
    const a = await run('checksum', '--dsn', dsn, '--ssn', '1', '--length', '100', '--byte', '0x41', '--count', '100');
    assert.equal(a.code, 0);
    assert.deepEqual(a.json, { checksum: '840c' });
    const b = await run('checksum', '--dsn', dsn, '--ssn', '1', '--length', '100', '--payload', '41'.repeat(100));
    assert.deepEqual(b.json, { checksum: '840c' });
  });

  it('usage errors: exit code 2, the usage on stderr', async () => {
    const cases: string[][] = [
      [],
      ['bogus'],
      ['decode'],
      ['decode', 'xyz'],
      ['decode', '00', '--as', 'frame'],
      ['derive'],
      ['derive', '--key', '112233445566778899'],
      ['derive', '--key', '11', '--version', '2'],
      ['hmac', '--key-a', '1'],
      ['checksum', '--dsn', '1', '--ssn', '1', '--length', '1'],
      ['checksum', '--dsn', '1', '--ssn', '1', '--length', '70000', '--payload', '00'],
      ['add-addr-hmac', '--sender-key', '1', '--receiver-key', '2', '--id', '1', '--address', 'nowhere'],
      ['decode', '--unknown-flag', '00'],
    ];
    for (const args of cases) {
      const r = await run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '', args.join(' '));
      assert.match(r.err, /Usage:/, args.join(' '));
    }
    const help = await run('help');
    assert.equal(help.code, 0);
    assert.match(help.out, /conformatrix mptcp decode HEX/);
  });
});
