/**
 * `conformatrix mptcp <sub> ...`: debugging aids built on the MPTCP codec.
 * Every subcommand prints one JSON document on stdout (see codec/json.ts for
 * how values are written: bytes, 64-bit values, tokens, nonces and checksums
 * as lowercase hex strings, other numbers as numbers).
 *
 * Exit codes: 0 done; 1 the input was read but could not be decoded (the
 * JSON then says why); 2 usage error (the usage goes to stderr).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SuiteCommand } from '../../runner/suite.js';
import {
  addAddrHmac,
  decodePacket,
  decodeTcpOptions,
  deriveIdsn,
  deriveToken,
  dssChecksum,
  fromHex,
  hex64,
  ipPayload,
  joinAckHmac,
  joinSynAckHmac,
  readPcap,
  toHex,
  toJson,
  type DecodeError,
  type Json,
  type MptcpVersion,
} from './codec/index.js';

const USAGE = `Usage:
  conformatrix mptcp decode HEX [--as auto|packet|options] [--flags syn|syn-ack|other] [--lenient]
  conformatrix mptcp decode --pcap FILE [--lenient]
  conformatrix mptcp derive --key HEX [--version 0|1]
  conformatrix mptcp hmac --key-a HEX --key-b HEX --nonce-a HEX --nonce-b HEX [--version 0|1]
  conformatrix mptcp add-addr-hmac --sender-key HEX --receiver-key HEX --id N --address ADDR [--port N]
  conformatrix mptcp checksum --dsn N --ssn N --length N (--payload HEX | --byte N --count N)

decode    an IPv4/IPv6 packet or a bare TCP option list (auto: a packet when the
          first nibble is 4 or 6 and it decodes as one), or every packet of a
          classic pcap file (raw IP, Ethernet or Linux cooked link types);
          --flags tells a 12-byte MP_CAPABLE's segment for a bare option list
derive    token and IDSN of a key (SHA-256, or SHA-1 with --version 0)
hmac      MP_JOIN HMACs; A sends the MP_JOIN SYN, B receives it:
          hmacB = leftmost 64 bits of HMAC(KeyB|KeyA, RB|RA) (SYN/ACK),
          hmacA = leftmost 160 bits of HMAC(KeyA|KeyB, RA|RB) (third ACK)
add-addr-hmac  the ADD_ADDR truncated HMAC (rightmost 64 bits)
checksum  the DSS checksum of a mapping (N: decimal or 0x hex)`;

class Usage extends Error {}

function out(doc: Json): void {
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

function need<T>(v: T | undefined, name: string): T {
  if (v === undefined) throw new Usage(`missing --${name}`);
  return v;
}

function hexBytes(text: string, name: string): Uint8Array {
  const b = fromHex(text);
  if (!b) throw new Usage(`${name} is not hex: ${JSON.stringify(text)}`);
  return b;
}

/** A hex string of at most `bits` bits as a bigint. */
function hexUint(text: string, name: string, bits: number): bigint {
  const clean = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]+$/.test(clean) || clean.replace(/^0+/, '').length > bits / 4)
    throw new Usage(`${name} must be at most ${bits / 4} hex digits, got ${JSON.stringify(text)}`);
  return BigInt('0x' + clean);
}

/** A decimal or 0x-hex integer in [0, max]. */
function integer(text: string, name: string, max: bigint): bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/i.test(t)) throw new Usage(`${name} must be a decimal or 0x-hex integer, got ${JSON.stringify(text)}`);
  const v = BigInt(t);
  if (v > max) throw new Usage(`${name} must be at most ${max}, got ${text}`);
  return v;
}

function version(text: string | undefined): MptcpVersion {
  if (text === undefined || text === '1') return 1;
  if (text === '0') return 0;
  throw new Usage(`--version must be 0 or 1, got ${JSON.stringify(text)}`);
}

type Decoded = { code: 0 | 1; doc: { [k: string]: Json } };

function decodeBytes(bytes: Uint8Array, as: string, flags: { syn: boolean; ack: boolean } | undefined, lenient: boolean): Decoded {
  const looksLikePacket = bytes.length > 0 && (bytes[0]! >> 4 === 4 || bytes[0]! >> 4 === 6);
  let packetError: DecodeError | undefined;
  if (as === 'packet' || (as === 'auto' && looksLikePacket)) {
    const r = decodePacket(bytes, { lenient });
    if (r.ok) {
      const kind = r.value.packet.ip.version === 4 ? 'ipv4-packet' : 'ipv6-packet';
      return { code: 0, doc: { kind, packet: toJson(r.value.packet), checks: toJson(r.value.checks) } };
    }
    packetError = r.error;
    if (as === 'packet') return { code: 1, doc: { kind: 'error', as: 'packet', error: toJson(r.error) } };
  }
  const r = decodeTcpOptions(bytes, { lenient, ...(flags ? { flags } : {}) });
  if (r.ok) return { code: 0, doc: { kind: 'tcp-options', options: toJson(r.value) } };
  // Report what the bytes most likely were meant to be.
  if (packetError) return { code: 1, doc: { kind: 'error', as: 'packet', error: toJson(packetError) } };
  return { code: 1, doc: { kind: 'error', as: 'tcp-options', error: toJson(r.error) } };
}

function decodeCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { pcap: { type: 'string' }, as: { type: 'string' }, flags: { type: 'string' }, lenient: { type: 'boolean' } },
  });
  const lenient = values.lenient ?? false;
  if (values.pcap !== undefined) {
    if (positionals.length) throw new Usage('decode --pcap takes no HEX');
    let file: Uint8Array;
    try {
      file = new Uint8Array(readFileSync(values.pcap));
    } catch (err) {
      throw new Usage(`cannot read ${values.pcap}: ${(err as Error).message}`);
    }
    const pcap = readPcap(file);
    if (!pcap.ok) {
      out({ kind: 'error', as: 'pcap', error: toJson(pcap.error) });
      return 1;
    }
    const { header, records } = pcap.value;
    const packets = records.map((r, index) => {
      const head: { [k: string]: Json } = { index, timestamp: `${r.seconds}.${String(r.microseconds).padStart(6, '0')}` };
      if (r.nanoseconds !== undefined) head.nanoseconds = r.nanoseconds;
      const ip = ipPayload(header.linktype, r.data);
      if (!ip.ok) return { ...head, kind: 'error', as: 'frame', error: toJson(ip.error) };
      return { ...head, ...decodeBytes(ip.value, 'packet', undefined, lenient).doc };
    });
    out({ kind: 'pcap', linktype: header.linktype, resolution: header.resolution, packets });
    return 0;
  }
  if (positionals.length !== 1) throw new Usage('decode takes one HEX argument (or --pcap FILE)');
  const as = values.as ?? 'auto';
  if (!['auto', 'packet', 'options'].includes(as)) throw new Usage(`--as must be auto, packet or options, got ${JSON.stringify(as)}`);
  let flags: { syn: boolean; ack: boolean } | undefined;
  if (values.flags !== undefined) {
    const known: Record<string, { syn: boolean; ack: boolean }> = {
      syn: { syn: true, ack: false },
      'syn-ack': { syn: true, ack: true },
      other: { syn: false, ack: true },
    };
    flags = known[values.flags];
    if (!flags) throw new Usage(`--flags must be syn, syn-ack or other, got ${JSON.stringify(values.flags)}`);
  }
  const r = decodeBytes(hexBytes(positionals[0]!, 'HEX'), as, flags, lenient);
  out(r.doc);
  return r.code;
}

function deriveCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { key: { type: 'string' }, version: { type: 'string' } } });
  const key = hexUint(need(values.key, 'key'), '--key', 64);
  const v = version(values.version);
  out({ version: v, key: hex64(key), token: deriveToken(key, v).toString(16).padStart(8, '0'), idsn: hex64(deriveIdsn(key, v)) });
  return 0;
}

function hmacCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      'key-a': { type: 'string' },
      'key-b': { type: 'string' },
      'nonce-a': { type: 'string' },
      'nonce-b': { type: 'string' },
      version: { type: 'string' },
    },
  });
  const secrets = {
    keyA: hexUint(need(values['key-a'], 'key-a'), '--key-a', 64),
    keyB: hexUint(need(values['key-b'], 'key-b'), '--key-b', 64),
    nonceA: Number(hexUint(need(values['nonce-a'], 'nonce-a'), '--nonce-a', 32)),
    nonceB: Number(hexUint(need(values['nonce-b'], 'nonce-b'), '--nonce-b', 32)),
    version: version(values.version),
  };
  out({ hmacB: toHex(joinSynAckHmac(secrets)), hmacA: toHex(joinAckHmac(secrets)) });
  return 0;
}

function addAddrHmacCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      'sender-key': { type: 'string' },
      'receiver-key': { type: 'string' },
      id: { type: 'string' },
      address: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const address = need(values.address, 'address');
  const secrets = {
    senderKey: hexUint(need(values['sender-key'], 'sender-key'), '--sender-key', 64),
    receiverKey: hexUint(need(values['receiver-key'], 'receiver-key'), '--receiver-key', 64),
    addressId: Number(integer(need(values.id, 'id'), '--id', 255n)),
    address,
    ...(values.port !== undefined ? { port: Number(integer(values.port, '--port', 65535n)) } : {}),
  };
  let hmac: Uint8Array;
  try {
    hmac = addAddrHmac(secrets);
  } catch (err) {
    throw new Usage((err as Error).message);
  }
  out({ hmac: toHex(hmac) });
  return 0;
}

function checksumCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      dsn: { type: 'string' },
      ssn: { type: 'string' },
      length: { type: 'string' },
      payload: { type: 'string' },
      byte: { type: 'string' },
      count: { type: 'string' },
    },
  });
  const dsn = integer(need(values.dsn, 'dsn'), '--dsn', 0xffffffffffffffffn);
  const ssn = Number(integer(need(values.ssn, 'ssn'), '--ssn', 0xffffffffn));
  const length = Number(integer(need(values.length, 'length'), '--length', 0xffffn));
  let payload: Uint8Array;
  if (values.payload !== undefined) {
    if (values.byte !== undefined || values.count !== undefined) throw new Usage('give either --payload or --byte with --count');
    payload = hexBytes(values.payload, '--payload');
  } else {
    const byte = Number(integer(need(values.byte, 'payload or --byte'), '--byte', 255n));
    const count = Number(integer(need(values.count, 'count'), '--count', 16n * 1024n * 1024n));
    payload = new Uint8Array(count).fill(byte);
  }
  out({ checksum: dssChecksum(dsn, ssn, length, payload).toString(16).padStart(4, '0') });
  return 0;
}

const SUBCOMMANDS: Record<string, (args: string[]) => number> = {
  decode: decodeCommand,
  derive: deriveCommand,
  hmac: hmacCommand,
  'add-addr-hmac': addAddrHmacCommand,
  checksum: checksumCommand,
};

export const mptcpCommand: SuiteCommand = {
  summary: 'decode MPTCP packets, options and pcaps; derive tokens, IDSNs, HMACs and DSS checksums',
  usage: 'conformatrix mptcp decode|derive|hmac|add-addr-hmac|checksum ... (conformatrix mptcp help for details)',
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === 'help' || args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const fn = sub === undefined ? undefined : SUBCOMMANDS[sub];
    try {
      if (!fn) throw new Usage(sub === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(sub)}`);
      return fn(rest);
    } catch (err) {
      const parseError = err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      if (!(err instanceof Usage) && !parseError) throw err;
      process.stderr.write(`conformatrix mptcp: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
  },
};
