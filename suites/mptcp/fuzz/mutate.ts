/**
 * The MPTCP fuzzer's mutations of a packet vector's inject steps, at three
 * levels, each deterministic for its Rng:
 *
 * - spec: the step as the vector writes it (flags, numbers, payload, the
 *   options and their fields), before the script engine's builder computes
 *   keys, HMACs and checksums, so the segment stays right where the mutation
 *   does not touch it and gets past the receiver's first checks;
 * - packet: the built segment's structure, through the codec's encoder, with
 *   values the vector format cannot say (a data-level length of 0xffff, two
 *   DSS options, a v0 form in a v1 exchange, an unknown subtype...);
 * - bytes: the encoded octets (bit flips, option lengths, truncations), with
 *   the IP and TCP checksums made right again most of the time, so that the
 *   endpoint parses what it would otherwise drop as damaged.
 *
 * Every mutation returns a one-line description for the report.
 */
import { finish, ipv4HeaderChecksum, ipv4PseudoSum, onesSum, type MptcpOption, type Packet, type TcpOption } from '../codec/index.js';
import type { InjectSpec, OptionSpec } from '../vector.js';
import type { Rng } from './rng.js';

export type Level = 'spec' | 'packet' | 'bytes';
export const LEVELS: readonly Level[] = ['spec', 'packet', 'bytes'];

const hex = (rng: Rng, octets: number) => Array.from({ length: octets }, () => rng.int(256).toString(16).padStart(2, '0')).join('');

/** MPTCP options a spec mutation may add to a segment (the builder fills in what they leave out). */
export const ADDABLE: readonly OptionSpec[] = [
  { mptcp: 'dss', dataAck: 1 },
  { mptcp: 'dss', dataAck: 1, dsn: 1 },
  { mptcp: 'dss', dsn: 1, length: 0, checksum: 0 },
  { mptcp: 'dss', dataFin: true, dsn: 1 },
  { mptcp: 'mp_capable', flags: 'H' },
  { mptcp: 'mp_join' },
  { mptcp: 'add_addr' },
  { mptcp: 'add_addr', echo: true },
  { mptcp: 'remove_addr', addressIds: [0] },
  { mptcp: 'mp_prio', backup: true },
  { mptcp: 'mp_fail', dsn: 1 },
  { mptcp: 'mp_fastclose' },
  { mptcp: 'mp_tcprst', reason: 1 },
  { mptcp: 'raw', hex: '1e04f000' },
  { kind: 'timestamps' },
  { kind: 'window-scale', shift: 14 },
  { kind: 'mss', mss: 1 },
  { kind: 'sack-permitted' },
];

const SUBTYPES = ['mp_capable', 'mp_join', 'dss', 'add_addr', 'remove_addr', 'mp_prio', 'mp_fail', 'mp_fastclose', 'mp_tcprst'];

/** A relative number for the spec: near the right one, at an edge, or absolute anywhere. */
function relNum(rng: Rng, old: unknown): number | string {
  const base = typeof old === 'number' ? old : 1;
  switch (rng.int(4)) {
    case 0:
      return base + rng.int(9) - 4;
    case 1:
      return rng.pick([0, -1, 65535, 65536, 2 ** 31, 2 ** 32 - 1]);
    case 2:
      return base + rng.int(200000) - 100000;
    default:
      return `0x${rng.u64().toString(16)}`;
  }
}

/** Changes one field of an MPTCP option spec (in place); returns what it did. */
function mutateMptcpSpec(o: OptionSpec, rng: Rng): string {
  const set = (field: string, value: unknown) => {
    o[field] = value;
    return `${o.mptcp}.${field} = ${JSON.stringify(value)}`;
  };
  switch (o.mptcp) {
    case 'mp_capable':
      switch (rng.int(6)) {
        case 0:
          return set('version', rng.pick([0, 2, 15, 1]));
        case 1:
          return set('flags', [...'ABCDEFGH'].filter(() => rng.chance(0.3)).join(''));
        case 2:
          return set('form', rng.pick(['syn', 'syn-ack', 'ack', 'ack-data']));
        case 3:
          return set(rng.pick(['senderKey', 'receiverKey']), rng.pick(['peer', 'sut', hex(rng, 8), '0000000000000000']));
        case 4:
          return set('dataLength', rng.edge(16, 5));
        default:
          return set('checksum', rng.pick(['none', rng.edge(16)]));
      }
    case 'mp_join':
      switch (rng.int(5)) {
        case 0:
          return set('form', rng.pick(['syn', 'syn-ack', 'ack']));
        case 1:
          return set('token', rng.pick([rng.u32(), 0, 'sut']));
        case 2:
          return set('hmac', 'bad');
        case 3:
          return set('addressId', rng.edge(8));
        default:
          return set('backup', !o.backup);
      }
    case 'dss':
      switch (rng.int(9)) {
        case 0:
          return set('dataAck', relNum(rng, o.dataAck));
        case 1:
          return set('dsn', relNum(rng, o.dsn));
        case 2:
          return set('ssn', relNum(rng, o.ssn));
        case 3:
          return set('length', rng.edge(16, typeof o.length === 'number' ? o.length : 5));
        case 4:
          return set('checksum', rng.pick(['none', rng.edge(16)]));
        case 5:
          return set('dataFin', !o.dataFin);
        case 6:
          return set(rng.pick(['dataAck64', 'dsn64']), rng.chance(0.5));
        case 7:
          delete o[rng.pick(['dataAck', 'dsn'])];
          return `dss without ${o.dataAck === undefined ? 'dataAck' : 'dsn'}`;
        default:
          return set('dsn', 0);
      }
    case 'add_addr':
      switch (rng.int(5)) {
        case 0:
          return set('echo', !o.echo);
        case 1:
          return set('addressId', rng.edge(8));
        case 2:
          return set('port', rng.edge(16, 8000));
        case 3:
          return set('hmac', rng.pick(['bad', 'none']));
        default:
          return set('address', rng.pick(['198.51.100.1', '0.0.0.0', '255.255.255.255', '::1', `10.${rng.int(256)}.${rng.int(256)}.1`]));
      }
    case 'remove_addr':
      return set(
        'addressIds',
        Array.from({ length: 1 + rng.int(6) }, () => rng.edge(8)),
      );
    case 'mp_prio':
      return set('backup', !o.backup);
    case 'mp_fail':
      return set('dsn', relNum(rng, o.dsn));
    case 'mp_fastclose':
      return set('receiverKey', rng.pick(['peer', hex(rng, 8)]));
    case 'mp_tcprst':
      return rng.chance(0.5) ? set('reason', rng.edge(8)) : set('flags', [...'UVWT'].filter(() => rng.chance(0.5)).join(''));
    default:
      return set('mptcp', rng.pick(SUBTYPES));
  }
}

/** A spec-level mutation of an inject step (in place). */
export function mutateSpec(inject: InjectSpec, rng: Rng): string {
  const options = (inject.options ??= []);
  const mptcp = options.filter((o) => o.mptcp !== undefined);
  const roll = rng.int(10);
  if (roll < 4 && mptcp.length) return mutateMptcpSpec(rng.pick(mptcp), rng);
  switch (roll) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {
      const o = structuredClone(rng.pick(ADDABLE));
      options.splice(rng.int(options.length + 1), 0, o);
      return `add ${JSON.stringify(o)}`;
    }
    case 5: {
      if (!options.length) return mutateSpec(inject, rng);
      const [gone] = options.splice(rng.int(options.length), 1);
      if (rng.chance(0.3) && gone) options.push(gone, structuredClone(gone));
      return `${options.includes(gone!) ? 'duplicate' : 'drop'} ${gone!.mptcp ?? gone!.kind}`;
    }
    case 6: {
      const letters = [...'SAFRPUEC'].filter((c) => (inject.flags.includes(c) ? !rng.chance(0.25) : rng.chance(0.1)));
      inject.flags = letters.join('') || '.';
      return `flags ${inject.flags}`;
    }
    case 7: {
      const field = rng.pick(['seq', 'ack'] as const);
      inject[field] = relNum(rng, inject[field]);
      return `${field} = ${JSON.stringify(inject[field])}`;
    }
    case 8: {
      switch (rng.int(3)) {
        case 0:
          inject.window = rng.edge(16);
          return `window ${inject.window}`;
        case 1:
          inject.payload = { repeat: rng.int(256), count: rng.pick([0, 1, 1459, 1460, 1461, 4000, rng.int(3000)]) };
          return `payload ${inject.payload.count} octets`;
        default:
          inject.corrupt = rng.pick(['tcp-checksum', 'dss-checksum'] as const);
          return `corrupt ${inject.corrupt}`;
      }
    }
    default: {
      if (mptcp.length) return mutateMptcpSpec(rng.pick(mptcp), rng);
      return mutateSpec(inject, rng);
    }
  }
}

/**
 * A packet-level mutation (in place) of a built segment; the caller encodes
 * it, and an encoder error means the mutation cannot be written.
 */
export function mutatePacket(p: Packet, rng: Rng): string {
  const opts = p.tcp.options;
  const mptcp = opts.filter((o): o is MptcpOption => o.type === 'mptcp');
  if (!mptcp.length || rng.chance(0.2)) {
    switch (rng.int(4)) {
      case 0: {
        const unknown: TcpOption = { type: 'mptcp', subtype: 'unknown', subtypeNumber: 9 + rng.int(7), bits: rng.int(16), data: new Uint8Array(rng.int(8)) };
        opts.push(unknown);
        return `add MPTCP subtype ${unknown.subtypeNumber}`;
      }
      case 1:
        p.tcp.urgentPointer = rng.edge(16);
        p.tcp.flags.urg = true;
        return `urgent pointer ${p.tcp.urgentPointer}`;
      case 2:
        if (mptcp.length) {
          opts.push(structuredClone(rng.pick(mptcp)));
          return 'duplicate an MPTCP option';
        }
        p.tcp.window = rng.edge(16);
        return `window ${p.tcp.window}`;
      default:
        p.tcp.seq = rng.edge(32, p.tcp.seq);
        return `seq ${p.tcp.seq}`;
    }
  }
  const o = rng.pick(mptcp);
  switch (o.subtype) {
    case 'dss': {
      const m = o.mapping;
      switch (rng.int(6)) {
        case 0:
          if (m) {
            m.dataLevelLength = rng.edge(16, m.dataLevelLength);
            return `dss length ${m.dataLevelLength}`;
          }
          o.mapping = { dsn: rng.edge64(), subflowSeq: rng.edge(32), dataLevelLength: rng.edge(16) };
          return 'dss with a random mapping';
        case 1:
          if (m) {
            m.subflowSeq = rng.edge(32, m.subflowSeq);
            return `dss ssn ${m.subflowSeq}`;
          }
          o.dataFin = !o.dataFin;
          return `dss dataFin ${o.dataFin}`;
        case 2:
          if (m) {
            m.dsn = rng.edge64(m.dsn);
            return `dss dsn ${m.dsn}`;
          }
          o.dataAck = rng.edge64(o.dataAck ?? 0n);
          return `dss dataAck ${o.dataAck}`;
        case 3:
          o.dataAck = rng.edge64(o.dataAck ?? 0n);
          o.dataAck64 = rng.chance(0.5);
          return `dss dataAck ${o.dataAck} (${o.dataAck64 ? 64 : 32} bits)`;
        case 4:
          o.reserved = rng.int(128);
          return `dss reserved ${o.reserved}`;
        default:
          if (m) {
            m.dataLevelLength = 0;
            m.checksum = o.mapping?.checksum === undefined ? undefined : 0;
            if (m.checksum === undefined) delete m.checksum;
            return 'dss infinite mapping';
          }
          o.dataFin = true;
          return 'dss dataFin without mapping';
      }
    }
    case 'mp_capable':
      if (rng.chance(0.5)) {
        o.version = rng.int(16);
        return `mp_capable version ${o.version}`;
      }
      for (const f of Object.keys(o.flags) as (keyof typeof o.flags)[]) o.flags[f] = rng.chance(0.3);
      return `mp_capable flags ${JSON.stringify(o.flags)}`;
    case 'mp_join':
      if ('addressId' in o) {
        o.addressId = rng.edge(8);
        return `mp_join addressId ${o.addressId}`;
      }
      o.hmac = new Uint8Array(20).map(() => rng.int(256));
      return 'mp_join random HMAC';
    case 'add_addr':
      o.address = rng.pick(['2001:db8::1', '198.51.100.1', '0.0.0.0']);
      if (rng.chance(0.5)) o.port = rng.edge(16);
      return `add_addr ${o.address}${o.port !== undefined ? ` port ${o.port}` : ''}`;
    case 'remove_addr':
      o.addressIds = Array.from({ length: rng.int(36) }, () => rng.int(256));
      return `remove_addr ${o.addressIds.length} ids`;
    case 'mp_fail':
      o.dsn = rng.edge64(o.dsn);
      return `mp_fail dsn ${o.dsn}`;
    case 'mp_fastclose':
      o.receiverKey = rng.edge64(o.receiverKey);
      return 'mp_fastclose random key';
    case 'mp_tcprst':
      o.reason = rng.int(256);
      return `mp_tcprst reason ${o.reason}`;
    default:
      opts.splice(opts.indexOf(o), 1);
      return 'drop an MPTCP option';
  }
}

/** Where the TCP header starts and how long it is, in an IPv4 packet's octets; undefined if they are not there. */
function tcpBounds(b: Uint8Array): { ihl: number; doff: number } | undefined {
  if (b.length < 20 || b[0]! >> 4 !== 4) return undefined;
  const ihl = (b[0]! & 0x0f) * 4;
  if (b.length < ihl + 20) return undefined;
  return { ihl, doff: (b[ihl + 12]! >> 4) * 4 };
}

/** Makes an IPv4 packet's total length, header checksum and TCP checksum right again (when the header is there to fix). */
export function fixChecksums(b: Uint8Array): void {
  const t = tcpBounds(b);
  if (!t) return;
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  view.setUint16(2, b.length);
  view.setUint16(10, 0);
  view.setUint16(10, ipv4HeaderChecksum(b.subarray(0, t.ihl)));
  view.setUint16(t.ihl + 16, 0);
  const seg = b.subarray(t.ihl);
  const sum = onesSum(seg, ipv4PseudoSum(b.subarray(12, 16), b.subarray(16, 20), seg.length));
  view.setUint16(t.ihl + 16, finish(sum));
}

/** The offsets of the MPTCP options in an options area (kind 30), walking the lengths as written. */
function mptcpOffsets(b: Uint8Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to;) {
    const kind = b[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = b[i + 1] ?? 0;
    if (kind === 30) out.push(i);
    if (len < 2) break;
    i += len;
  }
  return out;
}

/** A byte-level mutation of an encoded packet; returns the new octets and what was done. */
export function mutateBytes(input: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  let b = input.slice();
  const t = tcpBounds(b);
  if (!t) return { bytes: b, what: 'no TCP header to mutate' };
  const optStart = t.ihl + 20;
  const optEnd = Math.min(b.length, t.ihl + t.doff);
  const mp = mptcpOffsets(b, optStart, optEnd);
  let what: string;
  switch (rng.int(8)) {
    case 0:
    case 1: {
      const at = optEnd > optStart ? optStart + rng.int(optEnd - optStart) : t.ihl + rng.int(20);
      const bit = rng.int(8);
      b[at] = b[at]! ^ (1 << bit);
      what = `flip bit ${bit} of octet ${at}`;
      break;
    }
    case 2: {
      if (!mp.length) return mutateBytes(input, rng);
      const at = rng.pick(mp) + 1;
      b[at] = rng.pick([0, 1, 2, 3, 4, 5, 255, b[at]! + 1, b[at]! - 1].map((x) => x & 0xff));
      what = `MPTCP option length ${b[at]} at ${at}`;
      break;
    }
    case 3: {
      if (!mp.length) return mutateBytes(input, rng);
      const at = rng.pick(mp) + 2;
      b[at] = ((rng.int(16) << 4) | (b[at]! & 0x0f)) & 0xff;
      what = `MPTCP subtype nibble ${b[at]! >> 4} at ${at}`;
      break;
    }
    case 4: {
      const cut = t.ihl + 20 + rng.int(Math.max(1, b.length - t.ihl - 20));
      b = b.slice(0, cut);
      what = `truncated to ${cut} octets`;
      break;
    }
    case 5: {
      const doff = 5 + rng.int(11);
      b[t.ihl + 12] = (doff << 4) | (b[t.ihl + 12]! & 0x0f);
      what = `data offset ${doff * 4}`;
      break;
    }
    case 6: {
      const extra = new Uint8Array(1 + rng.int(64)).map(() => rng.int(256));
      const nb = new Uint8Array(b.length + extra.length);
      nb.set(b);
      nb.set(extra, b.length);
      b = nb;
      what = `${extra.length} random octets appended`;
      break;
    }
    default: {
      if (optEnd <= optStart) return mutateBytes(input, rng);
      const at = optStart + rng.int(optEnd - optStart);
      b[at] = rng.edge(8);
      what = `options octet ${at} = ${b[at]}`;
    }
  }
  if (rng.chance(0.9)) fixChecksums(b);
  else what += ', checksums left as they are';
  return { bytes: b, what };
}
