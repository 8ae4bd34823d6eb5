/**
 * A deterministic in-memory network for the reference endpoint: hosts wired
 * back to back, packets delivered after a latency on a virtual clock, with
 * hooks that drop, delay (reorder), rewrite or strip options from packets
 * (through the codec). Nothing reads a real clock.
 *
 * It lives here, beside the endpoint it drives and out of test/, because the
 * tests and bench/ both use it (as they do kernel-lab.ts); the endpoint itself
 * never imports sim/.
 */
import { writeFileSync } from 'node:fs';
import {
  decodePacket,
  encodePacket,
  writePcap,
  type DecodedPacket,
  type MptcpOption,
  type Packet,
  type PcapRecord,
} from '../../../../suites/mptcp/codec/index.js';
import { Host, seededRandom, type Connection, type HostEvent, type HostOptions, type RandomSource } from '../index.js';

export type Verdict = Uint8Array | null | undefined;

/** A hook on every packet in flight: undefined passes it, null drops it, bytes replace it. */
export type Hook = (p: DecodedPacket, raw: Uint8Array, from: Host, sim: Sim) => Verdict;

export interface SimOptions {
  /** One-way latency in ms, default 5. */
  latencyMs?: number;
  /** Extra random delay up to this many ms (reorders), default 0. */
  jitterMs?: number;
  /** Probability of dropping a packet (data and control alike), default 0. */
  loss?: number;
  /** Seed of the network's own randomness (loss, jitter). */
  seed?: number;
  hooks?: Hook[];
  /** Keep every packet for a pcap (writePcap). */
  capture?: boolean;
}

interface InFlight {
  at: number;
  n: number;
  to: Host;
  bytes: Uint8Array;
}

export class Sim {
  readonly hosts: Host[];
  now = 0;
  readonly latency: number;
  readonly jitter: number;
  loss: number;
  readonly hooks: Hook[];
  private readonly rng: RandomSource;
  private queue: InFlight[] = [];
  private n = 0;
  readonly events: { host: Host; event: HostEvent }[] = [];
  readonly captured: PcapRecord[] = [];
  private readonly capture: boolean;
  /** Called after every step (the applications). */
  apps: (() => void)[] = [];
  delivered = 0;
  dropped = 0;

  constructor(hosts: Host[], opts: SimOptions = {}) {
    this.hosts = hosts;
    this.latency = opts.latencyMs ?? 5;
    this.jitter = opts.jitterMs ?? 0;
    this.loss = opts.loss ?? 0;
    this.hooks = opts.hooks ?? [];
    this.rng = seededRandom(opts.seed ?? 1);
    this.capture = opts.capture ?? false;
  }

  private route(dst: string): Host | undefined {
    return this.hosts.find((h) => h.isLocal(dst));
  }

  private pump(): void {
    for (const h of this.hosts) {
      for (const raw of h.takeOutput()) this.transmit(h, raw);
      for (const event of h.takeEvents()) this.events.push({ host: h, event });
    }
  }

  private transmit(from: Host, raw: Uint8Array): void {
    let bytes: Uint8Array = raw;
    const d = decodePacket(raw);
    if (!d.ok) throw new Error(`host sent an undecodable packet: ${d.error.message}`);
    for (const hook of this.hooks) {
      const v = hook(d.value, bytes, from, this);
      if (v === null) {
        this.dropped++;
        return;
      }
      if (v) bytes = v;
    }
    if (this.loss > 0 && this.rng.u32() / 2 ** 32 < this.loss) {
      this.dropped++;
      return;
    }
    if (this.capture) this.captured.push({ seconds: Math.floor(this.now / 1000), microseconds: Math.floor((this.now % 1000) * 1000), data: bytes });
    const to = this.route(d.value.packet.ip.dst);
    if (!to) return;
    const delay = this.latency + (this.jitter > 0 ? (this.rng.u32() / 2 ** 32) * this.jitter : 0);
    this.queue.push({ at: this.now + delay, n: this.n++, to, bytes });
  }

  /** Runs until `done()` holds (checked after each step), or throws after `limitMs` of virtual time. */
  run(done: () => boolean, limitMs = 600000): void {
    const end = this.now + limitMs;
    for (;;) {
      this.pump();
      for (const app of this.apps) app();
      this.pump();
      if (done()) return;
      let next: number | undefined;
      for (const p of this.queue) if (next === undefined || p.at < next) next = p.at;
      for (const h of this.hosts) {
        const d = h.nextDeadline();
        if (d !== undefined && (next === undefined || d < next)) next = d;
      }
      if (next === undefined) throw new Error(`the network is idle at ${this.now} ms and the condition does not hold`);
      if (next > end) throw new Error(`nothing done after ${limitMs} ms of virtual time`);
      if (next > this.now) this.now = next;
      const due = this.queue.filter((p) => p.at <= this.now).sort((a, b) => a.at - b.at || a.n - b.n);
      if (due.length > 0) this.queue = this.queue.filter((p) => p.at > this.now);
      for (const p of due) {
        this.delivered++;
        p.to.input(p.bytes, this.now);
      }
      for (const h of this.hosts) {
        const d = h.nextDeadline();
        if (d !== undefined && d <= this.now) h.poll(this.now);
      }
    }
  }

  /** Lets `ms` of virtual time pass (everything due in it happens). */
  advance(ms: number): void {
    const until = this.now + ms;
    try {
      this.run(() => this.now >= until, ms + 1);
    } catch (err) {
      if (!/idle|nothing done/.test((err as Error).message)) throw err;
      this.now = until;
    }
  }

  eventsOf(type: HostEvent['type'], host?: Host): HostEvent[] {
    return this.events.filter((e) => e.event.type === type && (!host || e.host === host)).map((e) => e.event);
  }

  writePcap(file: string): void {
    writeFileSync(file, writePcap(this.captured));
  }
}

/** Two hosts and a Sim between them. */
export function pair(opts: { a?: Partial<HostOptions>; b?: Partial<HostOptions>; sim?: SimOptions; seed?: number } = {}): { a: Host; b: Host; sim: Sim } {
  const seed = opts.seed ?? 7;
  const a = new Host({ addresses: ['10.0.1.1', '10.0.2.1'], random: seededRandom(seed), timeWaitMs: 200, ...opts.a });
  const b = new Host({ addresses: ['10.0.1.2', '10.0.2.2'], random: seededRandom(seed + 1000), timeWaitMs: 200, ...opts.b });
  return { a, b, sim: new Sim([a, b], { seed, ...opts.sim }) };
}

/** Deterministic test data. */
export function testData(n: number, seed = 1): Uint8Array {
  const r = seededRandom(seed);
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let i = 0;
  for (; i + 4 <= n; i += 4) v.setUint32(i, r.u32());
  for (; i < n; i++) out[i] = r.u32() & 0xff;
  return out;
}

/** Reads everything a connection receives into one growing buffer. */
export class Sink {
  private parts: Uint8Array[] = [];
  length = 0;
  constructor(readonly conn: Connection) {}
  pull(): void {
    for (;;) {
      const b = this.conn.read();
      if (b.length === 0) break;
      this.parts.push(b);
      this.length += b.length;
    }
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** A hook that rewrites TCP options of matching packets (the codec re-encodes, checksums recomputed). */
export function rewriteOptions(
  match: (p: Packet) => boolean,
  edit: (opts: Packet['tcp']['options']) => Packet['tcp']['options'],
  counter?: { n: number },
): Hook {
  return (d) => {
    const p = d.packet;
    if (!match(p)) return undefined;
    const options = edit(p.tcp.options);
    if (options.length === p.tcp.options.length && options.every((o, i) => o === p.tcp.options[i])) return undefined;
    if (counter) counter.n++;
    return encodePacket({ ...p, tcp: { ...p.tcp, options } }, { keepChecksums: { dss: true } });
  };
}

/** Removes MPTCP options of the given subtypes (all when none given). */
export function stripMptcp(...subtypes: MptcpOption['subtype'][]): (opts: Packet['tcp']['options']) => Packet['tcp']['options'] {
  return (opts) => opts.filter((o) => !(o.type === 'mptcp' && (subtypes.length === 0 || subtypes.includes(o.subtype))));
}

export const mptcpOptions = (p: Packet): MptcpOption[] => p.tcp.options.filter((o): o is MptcpOption => o.type === 'mptcp');

/**
 * A hook that checks every data segment against the receiver's advertised
 * window: at the data level (DSN end within the highest data ACK + window the
 * receiver sent, RFC 8684 §3.3.4) and, without MPTCP, at the subflow level.
 * Violations are collected, not dropped.
 */
export function windowChecker(): { hook: Hook; violations: string[] } {
  const violations: string[] = [];
  const shift = new Map<string, number>();
  const edge = new Map<Host, bigint>(); // by receiving host (one connection per test)
  const hook: Hook = (d, _raw, fromHost, sim) => {
    const p = d.packet;
    const t = p.tcp;
    const from = `${p.ip.src}:${t.srcPort}`;
    const ws = t.options.find((o) => o.type === 'window-scale');
    if (t.flags.syn) {
      if (ws && ws.type === 'window-scale') shift.set(from, ws.shift);
      return undefined;
    }
    const dss = t.options.find((o): o is MptcpOption & { subtype: 'dss' } => o.type === 'mptcp' && o.subtype === 'dss');
    if (dss?.dataAck !== undefined && dss.dataAck64 !== false) {
      const e = dss.dataAck + (BigInt(t.window) << BigInt(shift.get(from) ?? 0));
      if (e > (edge.get(fromHost) ?? 0n)) edge.set(fromHost, e);
    }
    if (dss?.mapping && t.payload.length > 0 && dss.mapping.dataLevelLength > 0) {
      const end = dss.mapping.dsn + BigInt(dss.mapping.dataLevelLength) - (dss.dataFin ? 1n : 0n);
      const to = sim.hosts.find((h) => h.isLocal(p.ip.dst));
      const limit = to && edge.get(to);
      if (limit !== undefined && end > limit) violations.push(`${from} DSN end ${end} beyond ${limit} by ${end - limit}`);
    }
    return undefined;
  };
  return { hook, violations };
}
