// Cross-check against an independent decoder: the test writes a pcap of
// packets with every MPTCP option form (IPv4 and IPv6), lets tshark decode
// it, and compares tshark's fields with the codec's, field by field.
//
// One known difference: tshark 4.0's DSS dissector shows the DSS checksum
// only when 4 bytes are left at its offset (`optlen >= offset + 4`), so it
// never shows it for a well-formed DSS option; there the test compares the
// two bytes at the checksum's place in tshark's raw options instead. The DSS
// checksum's value itself is checked against the Linux kernel in
// packet.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodePacket,
  deriveIdsn,
  deriveToken,
  encodePacket,
  encodeMptcpOption,
  writePcap,
  type DecodedPacket,
  type MpCapableFlags,
  type MptcpOption,
} from '../../suites/mptcp/codec/index.js';
import { samplePackets } from './sample-packets.js';

type Tree = { [k: string]: unknown };

const TSHARK = process.env.TSHARK ?? 'tshark';

/** Why tshark cannot be used here, or undefined when it can. */
function tsharkMissing(): string | undefined {
  const r = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
  if (r.error) return `${TSHARK} cannot be run (${r.error.message}); install Debian's tshark to run this cross-check`;
  if (r.status !== 0) return `${TSHARK} --version exited with ${r.status}`;
  return undefined;
}

/** The first value of a field anywhere under a tree (tshark nests option fields). */
function find(tree: unknown, name: string): unknown {
  if (tree === null || typeof tree !== 'object') return undefined;
  if (Array.isArray(tree)) {
    for (const t of tree) {
      const v = find(t, name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  const o = tree as Tree;
  if (name in o) return o[name];
  for (const v of Object.values(o)) {
    const f = find(v, name);
    if (f !== undefined) return f;
  }
  return undefined;
}

const dec = (v: bigint | number) => v.toString(10);
const hex2 = (v: number) => '0x' + v.toString(16).padStart(2, '0');
const colonHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
const u64 = (b: Uint8Array) => Buffer.from(b).readBigUInt64BE(0);
const bit = (b: boolean) => (b ? '1' : '0');
const mpcFlagsByte = (f: MpCapableFlags) =>
  ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].reduce((acc, k, i) => acc | ((f as unknown as Record<string, boolean>)[k] ? 0x80 >> i : 0), 0);

describe('mptcp codec: cross-check with tshark', function () {
  this.timeout(120000);
  let dir = '';
  let frames: Tree[] = [];
  let decoded: DecodedPacket[] = [];
  let encoded: Uint8Array[] = [];
  const compared = { fields: 0, tokens: 0, idsns: 0, dssChecksumsFromRaw: 0 };

  before(function () {
    const missing = tsharkMissing();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'conformatrix-mptcp-'));
    encoded = samplePackets().map((p) => encodePacket(p));
    decoded = encoded.map((b) => {
      const r = decodePacket(b);
      assert.ok(r.ok);
      return r.value;
    });
    const file = join(dir, 'sample.pcap');
    writeFileSync(file, writePcap(encoded.map((data, i) => ({ seconds: 1_700_000_000 + i, microseconds: i * 1000, data }))));
    const r = spawnSync(TSHARK, ['-r', file, '-T', 'json', '--no-duplicate-keys', '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
    frames = (JSON.parse(r.stdout) as { _source: { layers: Tree } }[]).map((f) => f._source.layers);
  });

  after(() => {
    if (frames.length)
      console.log(
        `      compared ${compared.fields} fields, ${compared.tokens} tokens, ${compared.idsns} IDSNs; ${compared.dssChecksumsFromRaw} DSS checksums from raw bytes`,
      );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every packet', () => {
    assert.equal(frames.length, decoded.length);
    assert.ok(decoded.length >= 40);
  });

  it('agrees on the IP and TCP headers, the checksums and the plain TCP options', () => {
    frames.forEach((layers, i) => {
      const { packet, checks } = decoded[i]!;
      const eq = (actual: unknown, expected: string, what: string) => {
        assert.equal(actual, expected, `packet ${i}: ${what}`);
        compared.fields++;
      };
      if (packet.ip.version === 4) {
        const ip = layers.ip as Tree;
        eq(ip['ip.src'], packet.ip.src, 'ip.src');
        eq(ip['ip.dst'], packet.ip.dst, 'ip.dst');
        eq(ip['ip.ttl'], dec(packet.ip.ttl!), 'ip.ttl');
        eq(ip['ip.id'], '0x' + packet.ip.identification!.toString(16).padStart(4, '0'), 'ip.id');
        eq(ip['ip.checksum.status'], checks.ipHeaderChecksum ? '1' : '0', 'ip.checksum.status');
      } else {
        const ip = layers.ipv6 as Tree;
        eq(ip['ipv6.src'], packet.ip.src, 'ipv6.src');
        eq(ip['ipv6.dst'], packet.ip.dst, 'ipv6.dst');
        eq(ip['ipv6.hlim'], dec(packet.ip.hopLimit!), 'ipv6.hlim');
        eq(ip['ipv6.flow'], '0x' + packet.ip.flowLabel!.toString(16).padStart(6, '0'), 'ipv6.flow');
      }
      const tcp = layers.tcp as Tree;
      const t = packet.tcp;
      eq(tcp['tcp.srcport'], dec(t.srcPort), 'tcp.srcport');
      eq(tcp['tcp.dstport'], dec(t.dstPort), 'tcp.dstport');
      eq(tcp['tcp.seq_raw'], dec(t.seq), 'tcp.seq_raw');
      eq(tcp['tcp.ack_raw'], dec(t.ack), 'tcp.ack_raw');
      eq(tcp['tcp.window_size_value'], dec(t.window), 'tcp.window_size_value');
      eq(tcp['tcp.len'], dec(t.payload.length), 'tcp.len');
      const f = t.flags;
      const flagBits =
        (f.ae ? 0x100 : 0) |
        (f.cwr ? 0x80 : 0) |
        (f.ece ? 0x40 : 0) |
        (f.urg ? 0x20 : 0) |
        (f.ack ? 0x10 : 0) |
        (f.psh ? 0x08 : 0) |
        (f.rst ? 0x04 : 0) |
        (f.syn ? 0x02 : 0) |
        (f.fin ? 0x01 : 0);
      eq(tcp['tcp.flags'], '0x' + flagBits.toString(16).padStart(4, '0'), 'tcp.flags');
      eq(tcp['tcp.checksum.status'], checks.tcpChecksum ? '1' : '0', 'tcp.checksum.status');
      for (const o of t.options) {
        if (o.type === 'mss') eq(find(tcp, 'tcp.options.mss_val'), dec(o.mss), 'MSS');
        if (o.type === 'window-scale') eq(find(tcp, 'tcp.options.wscale.shift'), dec(o.shift), 'window scale');
        if (o.type === 'sack-permitted') eq(find(tcp, 'tcp.options.sack_perm') as string, '04:02', 'SACK-permitted');
        if (o.type === 'timestamps') {
          eq(find(tcp, 'tcp.options.timestamp.tsval'), dec(o.value), 'TSval');
          eq(find(tcp, 'tcp.options.timestamp.tsecr'), dec(o.echo), 'TSecr');
        }
      }
    });
  });

  it('agrees on every MPTCP option, field by field', () => {
    const seen = new Set<string>();
    frames.forEach((layers, i) => {
      const tcp = layers.tcp as Tree;
      const options = decoded[i]!.packet.tcp.options.filter((o): o is MptcpOption => o.type === 'mptcp');
      assert.equal(options.length, 1, `packet ${i} has one MPTCP option`);
      const o = options[0]!;
      const tree = find(tcp, 'mptcp') as Tree;
      assert.ok(tree && typeof tree === 'object', `packet ${i}: tshark shows an MPTCP option`);
      const eq = (field: string, expected: string) => {
        assert.equal(find(tree, field), expected, `packet ${i} (${o.subtype}): ${field}`);
        compared.fields++;
      };
      const raw = encodeMptcpOption(o);
      eq('tcp.option_len', dec(raw.length));
      eq('tcp.options.mptcp.subtype', dec(raw[2]! >> 4));
      const form = 'form' in o ? `/${o.form}` : '';
      seen.add(o.subtype + form);
      switch (o.subtype) {
        case 'mp_capable': {
          eq('tcp.options.mptcp.version', dec(o.version));
          eq('tcp.options.mptcp.flags', hex2(mpcFlagsByte(o.flags)));
          eq('tcp.options.mptcp.checksumreq.flags', bit(o.flags.A));
          eq('tcp.options.mptcp.extensibility.flag', bit(o.flags.B));
          eq(o.version === 0 ? 'tcp.options.mptcp.sha1.flag' : 'tcp.options.mptcp.sha256.flag', bit(o.flags.H));
          if (o.version !== 0) eq('tcp.options.mptcp.nomoresubflows.flag', bit(o.flags.C));
          if (o.form !== 'syn' || o.senderKey !== undefined) {
            const key = o.senderKey!;
            eq('tcp.options.mptcp.sendkey', dec(key));
            const v = o.version === 0 ? 0 : 1;
            eq('mptcp.expected_idsn', dec(deriveIdsn(key, v)));
            compared.idsns++;
            // tshark writes 0 here when its cross-packet analysis is confused (each of these packets is its own stream).
            const token = find(tree, 'mptcp.expected_token');
            if (token !== '0') {
              assert.equal(token, dec(deriveToken(key, v)), `packet ${i}: mptcp.expected_token`);
              compared.tokens++;
            }
          }
          if (o.form === 'ack' || o.form === 'ack-data') eq('tcp.options.mptcp.recvkey', dec(o.receiverKey));
          if (o.form === 'ack-data') {
            eq('tcp.options.mptcp.datalvllen', dec(o.dataLevelLength));
            if (o.checksum !== undefined) eq('tcp.options.mptcp.checksum', '0x' + o.checksum.toString(16).padStart(4, '0'));
          }
          break;
        }
        case 'mp_join':
          if (o.form === 'ack') {
            eq('tcp.options.mptcp.sendhmac', colonHex(o.hmac));
            break;
          }
          eq('tcp.options.mptcp.flags', hex2(raw[2]!));
          eq('tcp.options.mptcp.backup.flag', bit(o.backup));
          eq('tcp.options.mptcp.addrid', dec(o.addressId));
          eq('tcp.options.mptcp.sendrand', dec(o.nonce));
          if (o.form === 'syn') eq('tcp.options.mptcp.recvtok', dec(o.token));
          else eq('tcp.options.mptcp.sendtrunchmac', dec(u64(o.hmac)));
          break;
        case 'dss': {
          eq('tcp.options.mptcp.flags', hex2(raw[3]!));
          eq('tcp.options.mptcp.datafin.flag', bit(o.dataFin));
          eq('tcp.options.mptcp.dataackpresent.flag', bit(o.dataAck !== undefined));
          eq('tcp.options.mptcp.dataack8.flag', bit(o.dataAck64 ?? false));
          eq('tcp.options.mptcp.dseqnpresent.flag', bit(o.mapping !== undefined));
          eq('tcp.options.mptcp.dseqn8.flag', bit(o.dsn64 ?? false));
          if (o.dataAck !== undefined) eq('tcp.options.mptcp.rawdataack', dec(o.dataAck));
          if (o.mapping) {
            eq('tcp.options.mptcp.rawdataseqno', dec(o.mapping.dsn));
            eq('tcp.options.mptcp.subflowseqno', dec(o.mapping.subflowSeq));
            eq('tcp.options.mptcp.datalvllen', dec(o.mapping.dataLevelLength));
            if (o.mapping.checksum !== undefined) {
              const shown = find(tree, 'tcp.options.mptcp.checksum');
              const want = '0x' + o.mapping.checksum.toString(16).padStart(4, '0');
              if (shown !== undefined) eq('tcp.options.mptcp.checksum', want);
              else {
                // tshark 4.0 hides it (see the top of this file): read its raw option bytes.
                const all = String(tcp['tcp.options']).split(':');
                const start = all.join('').indexOf(Buffer.from(raw).toString('hex')) / 2;
                assert.ok(start >= 0, `packet ${i}: the DSS option is in tshark's raw options`);
                assert.equal('0x' + all[start + raw.length - 2]! + all[start + raw.length - 1]!, want, `packet ${i}: DSS checksum bytes`);
                compared.dssChecksumsFromRaw++;
              }
            }
          }
          break;
        }
        case 'add_addr':
          eq('tcp.options.mptcp.echo', bit(o.echo));
          eq('tcp.options.mptcp.addrid', dec(o.addressId));
          eq(o.address.includes(':') ? 'tcp.options.mptcp.ipv6' : 'tcp.options.mptcp.ipv4', o.address);
          if (o.port !== undefined) eq('tcp.options.mptcp.port', dec(o.port));
          else assert.equal(find(tree, 'tcp.options.mptcp.port'), undefined, `packet ${i}: no port`);
          if (o.hmac) eq('tcp.options.mptcp.addaddrtrunchmac', dec(u64(o.hmac)));
          else assert.equal(find(tree, 'tcp.options.mptcp.addaddrtrunchmac'), undefined, `packet ${i}: no HMAC`);
          break;
        case 'remove_addr': {
          eq('mptcp.rm_addr.count', dec(o.addressIds.length));
          const ids = find(tree, 'tcp.options.mptcp.addrid');
          assert.deepEqual(Array.isArray(ids) ? ids : [ids], o.addressIds.map(dec), `packet ${i}: address ids`);
          break;
        }
        case 'mp_prio':
          eq('tcp.options.mptcp.flags', hex2(raw[2]!));
          eq('tcp.options.mptcp.backup.flag', bit(o.backup));
          if (o.addressId !== undefined) eq('tcp.options.mptcp.addrid', dec(o.addressId));
          break;
        case 'mp_fail':
          eq('tcp.options.mptcp.rawdataseqno', dec(o.dsn));
          break;
        case 'mp_fastclose':
          eq('tcp.options.mptcp.recvkey', dec(o.receiverKey));
          break;
        case 'mp_tcprst':
          eq('tcp.options.mptcp.flag_U.flag', bit(o.flags.U));
          eq('tcp.options.mptcp.flag_V.flag', bit(o.flags.V));
          eq('tcp.options.mptcp.flag_W.flag', bit(o.flags.W));
          eq('tcp.options.mptcp.flag_T.flag', bit(o.flags.T));
          eq('tcp.options.mptcp.rst_reason', hex2(o.reason));
          break;
        case 'unknown':
          break;
      }
    });
    // Every subtype and form was there, so none of the branches above was skipped.
    const want = [
      'mp_capable/syn',
      'mp_capable/syn-ack',
      'mp_capable/ack',
      'mp_capable/ack-data',
      'mp_join/syn',
      'mp_join/syn-ack',
      'mp_join/ack',
      'dss',
      'add_addr',
      'remove_addr',
      'mp_prio',
      'mp_fail',
      'mp_fastclose',
      'mp_tcprst',
      'unknown',
    ];
    assert.deepEqual([...seen].sort(), want.sort());
    assert.ok(compared.tokens >= 4, `tokens compared: ${compared.tokens}`);
    assert.ok(compared.idsns >= 6, `IDSNs compared: ${compared.idsns}`);
  });
});
