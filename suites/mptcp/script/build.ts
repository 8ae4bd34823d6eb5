/**
 * Turning an inject step into the segment the harness sends: TCP header fields
 * read against the script state, and options built from their specs, with
 * tokens, IDSNs, HMACs and checksums computed here, never written by hand.
 */
import {
  addAddrHmac,
  decodePacket,
  encodePacket,
  joinAckHmac,
  joinSynAckHmac,
  type MpCapableFlags,
  type MptcpOption,
  type Packet,
  type TcpFlags,
  type TcpOption,
} from '../codec/index.js';
import type { InjectSpec, OptionSpec, Payload } from '../vector.js';
import type { ScriptState, Subflow } from './state.js';

/** The TCP Fast Open option (RFC 7413), which the codec keeps as an option of unknown kind; vectors name it "fastopen". */
export const TFO_OPTION_KIND = 34;

export function payloadBytes(p: Payload | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === 'string') return new Uint8Array(Buffer.from(p, 'utf8'));
  if ('hex' in p) return new Uint8Array(Buffer.from(p.hex, 'hex'));
  return new Uint8Array(p.count).fill(p.repeat);
}

export function tcpFlags(letters: string): TcpFlags {
  return {
    syn: letters.includes('S'),
    ack: letters.includes('A'),
    fin: letters.includes('F'),
    rst: letters.includes('R'),
    psh: letters.includes('P'),
    urg: letters.includes('U'),
    ece: letters.includes('E'),
    cwr: letters.includes('C'),
  };
}

export function mpCapableFlags(f: unknown): MpCapableFlags {
  const flags: MpCapableFlags = { A: false, B: false, C: false, D: false, E: false, F: false, G: false, H: false };
  if (typeof f === 'string') for (const c of f) (flags as unknown as Record<string, boolean>)[c] = true;
  else if (f && typeof f === 'object') Object.assign(flags, f);
  return flags;
}

const hexBytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** A key given as "peer", "sut" or 16 hex digits. */
function key(v: unknown, state: ScriptState, sf: Subflow, fallback: 'peer' | 'sut'): bigint {
  const which = v ?? fallback;
  if (which === 'peer' || which === 'sut') return BigInt(state.value(`${which}.key`, sf));
  if (typeof which === 'string' && /^[0-9a-f]{16}$/i.test(which)) return BigInt(`0x${which}`);
  throw new Error(`a key is "peer", "sut" or 16 hex digits, not ${JSON.stringify(v)}`);
}

function num(v: unknown, state: ScriptState, sf: Subflow, base: string | undefined, width: 32 | 64, fallback?: number | bigint): number | bigint {
  if (v === undefined) {
    if (fallback === undefined) throw new Error('a number is missing');
    return fallback;
  }
  return state.resolve(v as number | string, sf, base, width);
}

/** HMACs: "auto" computes the right one for the segment; "bad" computes it and flips its first octet; hex is sent as it is. */
function hmac(v: unknown, compute: () => Uint8Array): Uint8Array {
  if (v === undefined || v === 'auto') return compute();
  if (v === 'bad') {
    const h = compute().slice();
    h[0] = h[0]! ^ 0xff;
    return h;
  }
  if (typeof v === 'string') return hexBytes(v);
  throw new Error(`hmac is "auto", "bad" or hex, not ${JSON.stringify(v)}`);
}

function buildMptcp(o: OptionSpec, flags: TcpFlags, state: ScriptState, sf: Subflow, seqRel: number, payload: Uint8Array): MptcpOption | TcpOption {
  switch (o.mptcp) {
    case 'mp_capable': {
      const version = (o.version as number | undefined) ?? 1;
      const f = mpCapableFlags(o.flags ?? 'H');
      if (f.A) state.checksums = true;
      const form = (o.form as string | undefined) ?? (flags.syn && flags.ack ? 'syn-ack' : flags.syn ? 'syn' : o.dataLength !== undefined ? 'ack-data' : 'ack');
      const base = { type: 'mptcp' as const, subtype: 'mp_capable' as const, version, flags: f };
      if (form === 'syn') return version === 0 ? { ...base, form: 'syn', senderKey: key(o.senderKey, state, sf, 'peer') } : { ...base, form: 'syn' };
      if (form === 'syn-ack') return { ...base, form: 'syn-ack', senderKey: key(o.senderKey, state, sf, 'peer') };
      const keys = { senderKey: key(o.senderKey, state, sf, 'peer'), receiverKey: key(o.receiverKey, state, sf, 'sut') };
      if (form === 'ack') return { ...base, form: 'ack', ...keys };
      const dataLevelLength = o.dataLength === 'auto' || o.dataLength === undefined ? payload.length : Number(o.dataLength);
      const withChecksum = o.checksum !== undefined ? o.checksum !== 'none' : state.checksums;
      return { ...base, form: 'ack-data', ...keys, dataLevelLength, ...(withChecksum ? { checksum: typeof o.checksum === 'number' ? o.checksum : 0 } : {}) };
    }
    case 'mp_join': {
      const form = (o.form as string | undefined) ?? (flags.syn && flags.ack ? 'syn-ack' : flags.syn ? 'syn' : 'ack');
      const addressId = (o.addressId as number | undefined) ?? sf.index;
      const backup = Boolean(o.backup);
      if (form === 'syn') {
        const token = o.token === undefined || o.token === 'sut' ? Number(state.value('sut.token', sf)) : Number(num(o.token, state, sf, undefined, 32));
        return {
          type: 'mptcp',
          subtype: 'mp_join',
          form: 'syn',
          backup,
          addressId,
          token,
          nonce: o.nonce === undefined ? sf.peer.nonce : Number(num(o.nonce, state, sf, undefined, 32)),
        };
      }
      if (form === 'syn-ack') {
        // The harness is host B here: the SUT sent the SYN (A), the harness answers.
        const secrets = () => ({
          keyA: BigInt(state.value('sut.key', sf)),
          keyB: state.peerKey,
          nonceA: Number(state.value('sut.nonce', sf)),
          nonceB: sf.peer.nonce,
        });
        return {
          type: 'mptcp',
          subtype: 'mp_join',
          form: 'syn-ack',
          backup,
          addressId,
          hmac: hmac(o.hmac, () => joinSynAckHmac(secrets())),
          nonce: sf.peer.nonce,
        };
      }
      // The harness is host A: it sent the SYN, the SUT answered (B).
      const secrets = () => ({
        keyA: state.peerKey,
        keyB: BigInt(state.value('sut.key', sf)),
        nonceA: sf.peer.nonce,
        nonceB: Number(state.value('sut.nonce', sf)),
      });
      return { type: 'mptcp', subtype: 'mp_join', form: 'ack', hmac: hmac(o.hmac, () => joinAckHmac(secrets())) };
    }
    case 'dss': {
      if (o.mapping !== undefined) throw new Error('dss.mapping ("present", "absent") is for an expect: a DSS to send has a mapping when it gives dsn');
      const dss: MptcpOption = { type: 'mptcp', subtype: 'dss', dataFin: Boolean(o.dataFin) };
      if (o.dataAck !== undefined) {
        dss.dataAck = BigInt(num(o.dataAck, state, sf, 'sut.idsn', 64));
        dss.dataAck64 = o.dataAck64 !== false;
      }
      if (o.dsn !== undefined) {
        const withChecksum = o.checksum !== undefined ? o.checksum !== 'none' : state.checksums;
        dss.mapping = {
          dsn: BigInt(num(o.dsn, state, sf, 'peer.idsn', 64)),
          subflowSeq: Number(o.ssn === undefined ? seqRel : num(o.ssn, state, sf, undefined, 32)),
          dataLevelLength: o.length === undefined ? payload.length + (o.dataFin ? 1 : 0) : Number(o.length),
          ...(withChecksum ? { checksum: typeof o.checksum === 'number' ? o.checksum : 0 } : {}),
        };
        dss.dsn64 = o.dsn64 !== false;
      }
      return dss;
    }
    case 'add_addr': {
      const address = String(o.address ?? state.addresses.peers[1] ?? state.addresses.peers[0]);
      const addressId = (o.addressId as number | undefined) ?? 1;
      const port = o.port as number | undefined;
      const echo = Boolean(o.echo);
      const option: MptcpOption = { type: 'mptcp', subtype: 'add_addr', echo, addressId, address, ...(port !== undefined ? { port } : {}) };
      if (!echo && o.hmac !== 'none')
        option.hmac = hmac(o.hmac, () =>
          addAddrHmac({
            senderKey: state.peerKey,
            receiverKey: BigInt(state.value('sut.key', sf)),
            addressId,
            address,
            ...(port !== undefined ? { port } : {}),
          }),
        );
      return option;
    }
    case 'remove_addr':
      return { type: 'mptcp', subtype: 'remove_addr', addressIds: (o.addressIds as number[] | undefined) ?? [1] };
    case 'mp_prio':
      return { type: 'mptcp', subtype: 'mp_prio', backup: Boolean(o.backup) };
    case 'mp_fail':
      return { type: 'mptcp', subtype: 'mp_fail', dsn: BigInt(num(o.dsn, state, sf, 'peer.idsn', 64, 1n)) };
    case 'mp_fastclose':
      return { type: 'mptcp', subtype: 'mp_fastclose', receiverKey: key(o.receiverKey, state, sf, 'sut') };
    case 'mp_tcprst': {
      const f = String(o.flags ?? '');
      return {
        type: 'mptcp',
        subtype: 'mp_tcprst',
        flags: { U: f.includes('U'), V: f.includes('V'), W: f.includes('W'), T: f.includes('T') },
        reason: (o.reason as number | undefined) ?? 0,
      };
    }
    case 'raw': {
      const bytes = hexBytes(String(o.hex));
      return { type: 'unknown', kind: bytes[0]!, data: bytes.subarray(2) };
    }
    default:
      throw new Error(`unknown MPTCP option ${o.mptcp}`);
  }
}

function buildOption(o: OptionSpec, flags: TcpFlags, state: ScriptState, sf: Subflow, seqRel: number, payload: Uint8Array): TcpOption {
  if (o.mptcp !== undefined) return buildMptcp(o, flags, state, sf, seqRel, payload) as TcpOption;
  switch (o.kind) {
    case 'mss':
      return { type: 'mss', mss: (o.mss as number | undefined) ?? 1460 };
    case 'window-scale':
      return { type: 'window-scale', shift: (o.shift as number | undefined) ?? 7 };
    case 'sack-permitted':
      return { type: 'sack-permitted' };
    case 'timestamps':
      return { type: 'timestamps', value: (o.value as number | undefined) ?? 1, echo: (o.echo as number | undefined) ?? 0 };
    case 'nop':
      return { type: 'nop' };
    case 'fastopen': {
      // RFC 7413: no cookie is a cookie request.
      const cookie = (o.cookie as string | undefined) ?? 'request';
      return { type: 'unknown', kind: TFO_OPTION_KIND, data: cookie === 'request' ? new Uint8Array(0) : new Uint8Array(Buffer.from(cookie, 'hex')) };
    }
    case 'eol':
      return { type: 'eol' };
    case 'raw': {
      const bytes = hexBytes(String(o.hex));
      return { type: 'unknown', kind: bytes[0]!, data: bytes.subarray(2) };
    }
    default:
      throw new Error(`unknown TCP option ${o.kind}`);
  }
}

/** The packet an inject step sends, as a structure and as octets. */
export function buildInjection(spec: InjectSpec, state: ScriptState): { packet: Packet; bytes: Uint8Array; subflow: Subflow } {
  const sf = state.subflow(spec.subflow ?? 0);
  const flags = tcpFlags(spec.flags);
  const payload = payloadBytes(spec.payload);
  const seq = Number(state.resolve(spec.seq ?? (flags.syn ? 0 : 1), sf, 'peer.isn', 32));
  const seqRel = (seq - sf.peer.isn + 2 ** 32) % 2 ** 32;
  const ack = flags.ack ? Number(state.resolve(spec.ack ?? 1, sf, 'sut.isn', 32)) : 0;
  const options = (spec.options ?? []).map((o) => buildOption(o, flags, state, sf, seqRel, payload));
  const packet: Packet = {
    ip: { version: 4, src: sf.peer.address, dst: sf.sut.address, ttl: 64 },
    tcp: { srcPort: sf.peer.port, dstPort: sf.sut.port ?? state.sutPort, seq, ack, flags, window: spec.window ?? 65535, options, payload },
  };
  if (spec.corrupt === 'tcp-checksum') {
    const good = encodePacket(packet);
    const view = new DataView(good.buffer, good.byteOffset);
    const ihl = (good[0]! & 0x0f) * 4;
    packet.tcp.checksum = view.getUint16(ihl + 16) ^ 0xffff;
    return { packet, bytes: encodePacket(packet, { keepChecksums: { tcp: true } }), subflow: sf };
  }
  if (spec.corrupt === 'dss-checksum') {
    // The right checksum, as the encoder computes it, with every bit flipped; the TCP checksum stays right.
    const good = decodePacket(encodePacket(packet));
    const sum = good.ok ? good.value.checks.dssChecksum : undefined;
    if (!good.ok || !sum || sum.status !== 'valid')
      throw new Error('corrupt: "dss-checksum" needs a segment with a DSS mapping (or MP_CAPABLE with data) that carries a checksum over its whole payload');
    const wrong = dssOf(good.value.packet) ^ 0xffff;
    const options = packet.tcp.options.map((o): TcpOption => {
      if (o.type !== 'mptcp') return o;
      if (o.subtype === 'dss' && o.mapping?.checksum !== undefined) return { ...o, mapping: { ...o.mapping, checksum: wrong } };
      if (o.subtype === 'mp_capable' && o.form === 'ack-data' && o.checksum !== undefined) return { ...o, checksum: wrong };
      return o;
    });
    const bad: Packet = { ...packet, tcp: { ...packet.tcp, options } };
    return { packet: bad, bytes: encodePacket(bad, { keepChecksums: { dss: true } }), subflow: sf };
  }
  return { packet, bytes: encodePacket(packet), subflow: sf };
}

/** The DSS checksum a segment carries (in its DSS mapping or its MP_CAPABLE with data). */
function dssOf(p: Packet): number {
  for (const o of p.tcp.options) {
    if (o.type !== 'mptcp') continue;
    if (o.subtype === 'dss' && o.mapping?.checksum !== undefined) return o.mapping.checksum;
    if (o.subtype === 'mp_capable' && o.form === 'ack-data' && o.checksum !== undefined) return o.checksum;
  }
  throw new Error('no DSS checksum in the segment');
}
