/**
 * Does a segment the SUT sent satisfy an expect step? Every field the step
 * gives is compared; fields it leaves out are ignored. A mismatch names the
 * first field that differs, with both values, for the failure message.
 */
import { addAddrHmac, decodePacket, encodePacket, joinAckHmac, joinSynAckHmac, type MptcpOption, type Packet, type TcpOption } from '../codec/index.js';
import type { ExpectSpec, OptionSpec, Range } from '../vector.js';
import { mpCapableFlags, payloadBytes, tcpFlags, TFO_OPTION_KIND } from './build.js';
import type { ScriptState, Subflow } from './state.js';

export type Match = { ok: true } | { ok: false; field: string; expected: unknown; actual: unknown };

const OK: Match = { ok: true };
const differ = (field: string, expected: unknown, actual: unknown): Match => ({ ok: false, field, expected, actual });

const LETTERS: [keyof ReturnType<typeof tcpFlags>, string][] = [
  ['syn', 'S'],
  ['ack', 'A'],
  ['fin', 'F'],
  ['rst', 'R'],
  ['psh', 'P'],
  ['urg', 'U'],
  ['ece', 'E'],
  ['cwr', 'C'],
];

export function flagLetters(f: Packet['tcp']['flags']): string {
  return (
    LETTERS.filter(([k]) => f[k])
      .map(([, l]) => l)
      .join('') || '.'
  );
}

/**
 * S, A, F and R must be exactly as given; P, U, E and C only when the step
 * names them. A letter followed by "?" may be either set or not ("RA?": a
 * RST, with or without ACK).
 */
function flagsMatch(expected: string, actual: Packet['tcp']['flags']): boolean {
  for (const [k, l] of LETTERS) {
    if (expected.includes(`${l}?`)) continue;
    const want = expected.includes(l);
    const strict = 'SAFR'.includes(l);
    if ((strict || want) && Boolean(actual[k]) !== want) return false;
  }
  return true;
}

export function optionName(o: TcpOption): string {
  if (o.type === 'unknown' && o.kind === TFO_OPTION_KIND) return 'fastopen';
  return o.type === 'mptcp' ? o.subtype : o.type;
}

function keyMatches(v: unknown, actual: bigint, state: ScriptState): boolean | 'capture' {
  if (v === 'peer') return actual === state.peerKey;
  if (v === 'sut') return state.sutKey === undefined ? 'capture' : actual === state.sutKey;
  // A key other than the one the SUT sent first (on another connection of the vector): two keys of the SUT that must differ.
  if (v === 'not-sut') return state.sutKey !== undefined && actual !== state.sutKey;
  if (typeof v === 'string' && /^[0-9a-f]{16}$/i.test(v)) return actual === BigInt(`0x${v}`);
  return false;
}

const eqBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Whether the DSS checksum a segment carries (in a DSS mapping or an
 * MP_CAPABLE with data) is right for its payload: "valid", "invalid", or
 * why it cannot be told from this one segment.
 */
function dssChecksumStatus(packet: Packet): string {
  const decoded = decodePacket(encodePacket(packet, { keepChecksums: { dss: true } }));
  const check = decoded.ok ? decoded.value.checks.dssChecksum : undefined;
  if (!check) return 'absent';
  return check.status === 'unverifiable' ? `unverifiable (${check.reason})` : check.status;
}

/** Compares one expected option with one actual option of the same kind. */
function optionMatch(spec: OptionSpec, o: TcpOption, state: ScriptState, sf: Subflow, prefix: string, packet: Packet): Match {
  const field = (name: string) => `${prefix}.${name}`;
  const rel = (v: unknown, base: string, width: 32 | 64) => state.resolve(v as number | string, sf, base, width);
  for (const [name, want] of Object.entries(spec)) {
    if (name === 'kind' || name === 'mptcp' || want === 'any') continue;
    const actual = (o as unknown as Record<string, unknown>)[name];
    if (o.type === 'unknown' && o.kind === TFO_OPTION_KIND && name === 'cookie') {
      // "request": no cookie (a cookie request); "present": a cookie, any; or the cookie's octets in hex.
      const cookie = Buffer.from(o.data).toString('hex');
      const ok = want === 'request' ? cookie === '' : want === 'present' ? cookie !== '' : cookie === String(want).toLowerCase();
      if (!ok) return differ(field(name), want, cookie === '' ? 'request' : cookie);
      continue;
    }
    if (o.type !== 'mptcp') {
      if (actual !== want) return differ(field(name), want, actual);
      continue;
    }
    const m = o as MptcpOption;
    switch (`${m.subtype}.${name}`) {
      case 'mp_capable.flags': {
        const f = (m as unknown as { flags: Record<string, boolean> }).flags;
        const expected = mpCapableFlags(want);
        const keys = typeof want === 'string' ? Object.keys(expected) : Object.keys(want as object);
        for (const k of keys)
          if (f[k] !== (expected as unknown as Record<string, boolean>)[k])
            return differ(field(`flags.${k}`), (expected as unknown as Record<string, boolean>)[k], f[k]);
        continue;
      }
      case 'mp_capable.senderKey':
      case 'mp_capable.receiverKey':
      case 'mp_fastclose.receiverKey': {
        if (want === 'absent') {
          if (actual !== undefined) return differ(field(name), 'absent', actual);
          continue;
        }
        if (typeof actual !== 'bigint') return differ(field(name), want, actual ?? 'absent');
        if (!keyMatches(want, actual, state))
          return differ(
            field(name),
            want === 'peer'
              ? state.peerKey
              : want === 'sut'
                ? state.sutKey
                : want === 'not-sut'
                  ? `not 0x${state.sutKey?.toString(16).padStart(16, '0')}`
                  : want,
            actual,
          );
        continue;
      }
      case 'mp_capable.dataLength':
        if ((m as { dataLevelLength?: number }).dataLevelLength !== want) return differ(field(name), want, (m as { dataLevelLength?: number }).dataLevelLength);
        continue;
      case 'mp_capable.checksum':
      case 'dss.checksum': {
        const has = m.subtype === 'dss' ? m.mapping?.checksum !== undefined : (m as { checksum?: number }).checksum !== undefined;
        if (want === 'present' && !has) return differ(field(name), 'present', 'absent');
        if (want === 'absent' && has) return differ(field(name), 'absent', 'present');
        if (want === 'valid') {
          if (!has) return differ(field(name), 'valid', 'absent');
          const status = dssChecksumStatus(packet);
          if (status !== 'valid') return differ(field(name), 'valid', status);
        }
        continue;
      }
      case 'mp_join.token': {
        const expected = want === 'peer' ? state.peerToken : Number(rel(want, '', 32));
        if (actual !== expected) return differ(field(name), expected, actual);
        continue;
      }
      case 'mp_join.hmac': {
        if (want !== 'valid') {
          if (typeof want === 'string' && !eqBytes(actual as Uint8Array, Buffer.from(want, 'hex')))
            return differ(field(name), want, Buffer.from(actual as Uint8Array).toString('hex'));
          continue;
        }
        // SYN/ACK from the SUT: it is host B. Third ACK from the SUT: it is host A.
        const expected =
          m.subtype === 'mp_join' && m.form === 'syn-ack'
            ? joinSynAckHmac({
                keyA: state.peerKey,
                keyB: BigInt(state.value('sut.key', sf)),
                nonceA: sf.peer.nonce,
                nonceB: Number(state.value('sut.nonce', sf)),
              })
            : joinAckHmac({
                keyA: BigInt(state.value('sut.key', sf)),
                keyB: state.peerKey,
                nonceA: Number(state.value('sut.nonce', sf)),
                nonceB: sf.peer.nonce,
              });
        if (!eqBytes(actual as Uint8Array, expected))
          return differ(field(name), Buffer.from(expected).toString('hex'), Buffer.from(actual as Uint8Array).toString('hex'));
        continue;
      }
      case 'dss.dataAck': {
        if (want === 'none') {
          if (m.subtype === 'dss' && m.dataAck !== undefined) return differ(field(name), 'absent', m.dataAck);
          continue;
        }
        const got = (m as { dataAck?: bigint }).dataAck;
        if (got === undefined) return differ(field(name), want, 'absent');
        const expected = BigInt(rel(want, 'peer.idsn', 64));
        const wide = (m as { dataAck64?: boolean }).dataAck64 !== false;
        if ((wide ? got : got & 0xffffffffn) !== (wide ? expected : expected & 0xffffffffn)) return differ(field(name), expected, got);
        continue;
      }
      case 'dss.mapping': {
        // A mapping, whatever its values ("present"), or none ("absent").
        const has = m.subtype === 'dss' && m.mapping !== undefined;
        if ((want === 'present') !== has) return differ(field(name), want, has ? 'present' : 'absent');
        continue;
      }
      case 'dss.dsn':
      case 'dss.ssn':
      case 'dss.length': {
        const mapping = m.subtype === 'dss' ? m.mapping : undefined;
        if (want === 'none') {
          if (mapping) return differ(field('mapping'), 'absent', 'present');
          continue;
        }
        if (!mapping) return differ(field('mapping'), 'present', 'absent');
        if (name === 'dsn') {
          const expected = BigInt(rel(want, 'sut.idsn', 64));
          const wide = m.subtype === 'dss' && m.dsn64 !== false;
          if ((wide ? mapping.dsn : mapping.dsn & 0xffffffffn) !== (wide ? expected : expected & 0xffffffffn))
            return differ(field(name), expected, mapping.dsn);
        } else if (name === 'ssn') {
          if (mapping.subflowSeq !== Number(rel(want, '', 32))) return differ(field(name), want, mapping.subflowSeq);
        } else if (mapping.dataLevelLength !== want) return differ(field(name), want, mapping.dataLevelLength);
        continue;
      }
      case 'add_addr.address': {
        // "sut.announceN": the SUT's Nth announce address (setup.announceAddresses); else the address itself.
        const m2 = /^sut\.announce(\d+)$/.exec(String(want));
        const expected = m2 ? state.announceAddress(Number(m2[1])) : want;
        if (actual !== expected) return differ(field(name), `${String(want)} (${String(expected)})`, actual);
        continue;
      }
      case 'add_addr.hmac': {
        const a = m as { hmac?: Uint8Array; addressId: number; address: string; port?: number };
        if (want === 'absent') {
          if (a.hmac) return differ(field(name), 'absent', 'present');
          continue;
        }
        if (!a.hmac) return differ(field(name), want, 'absent');
        if (want === 'valid') {
          const expected = addAddrHmac({
            senderKey: BigInt(state.value('sut.key', sf)),
            receiverKey: state.peerKey,
            addressId: a.addressId,
            address: a.address,
            ...(a.port !== undefined ? { port: a.port } : {}),
          });
          if (!eqBytes(a.hmac, expected)) return differ(field(name), Buffer.from(expected).toString('hex'), Buffer.from(a.hmac).toString('hex'));
        }
        continue;
      }
      case 'mp_tcprst.flags': {
        const f = (m as unknown as { flags: Record<string, boolean> }).flags;
        for (const k of ['U', 'V', 'W', 'T']) if (f[k] !== String(want).includes(k)) return differ(field(`flags.${k}`), String(want).includes(k), f[k]);
        continue;
      }
      case 'mp_fail.dsn': {
        const expected = BigInt(rel(want, 'peer.idsn', 64));
        if ((m as { dsn: bigint }).dsn !== expected) return differ(field(name), expected, (m as { dsn: bigint }).dsn);
        continue;
      }
      default:
        if (Array.isArray(want) ? JSON.stringify(actual) !== JSON.stringify(want) : actual !== want) return differ(field(name), want, actual);
    }
  }
  return OK;
}

/** Whether `n` is the number, or within the range, a Range gives. */
export function inRange(want: Range, n: number): boolean {
  if (typeof want === 'number') return n === want;
  return (want.min === undefined || n >= want.min) && (want.max === undefined || n <= want.max);
}

/** The segment against the step, field by field, in the order a reader would check them. */
export function matchExpect(spec: ExpectSpec, packet: Packet, state: ScriptState, sf: Subflow): Match {
  const tcp = packet.tcp;
  if (spec.flags !== undefined && !flagsMatch(spec.flags, tcp.flags)) return differ('flags', spec.flags, flagLetters(tcp.flags));
  if (spec.seq !== undefined) {
    const expected = Number(state.resolve(spec.seq, sf, 'sut.isn', 32));
    if (tcp.seq !== expected) return differ('seq', `${spec.seq} (${expected})`, tcp.seq);
  }
  if (spec.ack !== undefined) {
    const expected = Number(state.resolve(spec.ack, sf, 'peer.isn', 32));
    if (tcp.ack !== expected) return differ('ack', `${spec.ack} (${expected})`, tcp.ack);
  }
  if (spec.dstPort !== undefined && tcp.dstPort !== spec.dstPort) return differ('dstPort', spec.dstPort, tcp.dstPort);
  if (spec.window !== undefined && !inRange(spec.window, tcp.window)) return differ('window', spec.window, tcp.window);
  if (spec.payloadLength !== undefined && !inRange(spec.payloadLength, tcp.payload.length))
    return differ('payload.length', spec.payloadLength, tcp.payload.length);
  if (spec.payload !== undefined) {
    const want = payloadBytes(spec.payload);
    if (!eqBytes(want, tcp.payload)) return differ('payload', Buffer.from(want).toString('hex'), Buffer.from(tcp.payload).toString('hex'));
  }
  for (const forbidden of spec.options?.forbid ?? []) {
    const found = tcp.options.find((o) => optionName(o) === forbidden || (forbidden === 'mptcp' && o.type === 'mptcp'));
    if (found) return differ(`options.${forbidden}`, 'absent', 'present');
  }
  for (const [i, want] of (spec.options?.require ?? []).entries()) {
    const name = want.mptcp ?? want.kind!;
    const candidates = tcp.options.filter((o) => optionName(o) === name);
    if (candidates.length === 0) return differ(`options.${name}`, 'present', 'absent');
    let first: Match = OK;
    const found = candidates.some((o, k) => {
      const m = optionMatch(want, o, state, sf, `options.${name}`, packet);
      if (k === 0) first = m;
      return m.ok;
    });
    if (!found) return first.ok ? differ(`options.require[${i}]`, want, 'no match') : first;
  }
  return OK;
}

/** Reads a capture path ("dss.dsn", "mp_capable.senderKey", "tcp.seq", "tcp.window", "payload.length") from a segment. */
export function capturePath(path: string, packet: Packet): number | bigint | undefined {
  const [head, field] = path.split('.');
  if (head === 'tcp') return (packet.tcp as unknown as Record<string, number>)[field!];
  if (head === 'payload' && field === 'length') return packet.tcp.payload.length;
  const option = packet.tcp.options.find((o) => optionName(o) === head) as unknown as Record<string, unknown> | undefined;
  if (!option) return undefined;
  const mapping = option.mapping as { dsn: bigint; subflowSeq: number; dataLevelLength: number } | undefined;
  const v =
    head === 'dss' && mapping && (field === 'dsn' || field === 'ssn' || field === 'length')
      ? { dsn: mapping.dsn, ssn: mapping.subflowSeq, length: mapping.dataLevelLength }[field]
      : option[field!];
  return typeof v === 'number' || typeof v === 'bigint' ? v : undefined;
}
