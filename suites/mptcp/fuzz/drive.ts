/**
 * Runs one fuzz scenario (a packet vector whose inject steps are mutated)
 * against the reference endpoint in this process, on a virtual clock: the
 * endpoint is sans-IO (targets/reference/mptcp/README.md), so its packets,
 * timers and socket calls are driven here directly, as the target's adapter
 * drives them in real time (targets/reference/mptcp-adapter.ts), with the
 * same path manager and the same sysctl mapping. No TUN device, no kernel.
 *
 * The script's steps keep their meaning (docs/mptcp-vectors.md), but nothing
 * fails: an expect that no segment matches within its time just lets the
 * clock run on, an inject that cannot be built (a value the SUT never sent)
 * is skipped, and the next step goes on. What is reported:
 * - a crash: any exception out of the endpoint (input, poll, output, events,
 *   the path manager), or one of a socket call that is not the endpoint's own
 *   documented refusal (a plain Error, as the adapter turns into an op error);
 * - a hang: more events (segments in and out, timer runs) than the budget,
 *   which is how a timer that never moves on or a segment storm shows on a
 *   virtual clock; it counts events, never wall time;
 * - invariant violations, cheap to check on every segment the endpoint sends:
 *   the codec decodes it strictly, its IP, TCP and DSS checksums are right, it
 *   comes from one of its addresses, SYN never with RST or FIN; and its next
 *   deadline is a finite number.
 */
import { decodePacket, encodePacket, type Packet } from '../codec/index.js';
import { describe } from '../script/engine.js';
import { buildInjection, payloadBytes } from '../script/build.js';
import { capturePath, matchExpect } from '../script/match.js';
import { ScriptState, type Subflow } from '../script/state.js';
import { BACKGROUND_OPS, isExpect, type ExpectSpec, type MptcpVector, type SocketStep } from '../vector.js';
import { Host, seededRandom, type Connection, type Listener } from '../../../targets/reference/mptcp/index.js';
import { hostOptionsFrom, liveSubflows, seedOf } from '../../../targets/reference/mptcp-adapter.js';
import { PathManager } from '../../../targets/reference/path-manager.js';
import { mutateBytes, mutatePacket, type Level } from './mutate.js';
import { Rng } from './rng.js';
import { shapeOf } from './shape.js';

/** A mutation applied when its inject step is built (packet and byte levels; spec mutations are in the script already). */
export interface LateMutation {
  level: Exclude<Level, 'spec'>;
  seed: number;
}

export interface Scenario {
  index: number;
  seed: number;
  /** The vector the scenario mutates, by id. */
  vectorId: string;
  /** The script with its spec-level mutations made. */
  vector: MptcpVector;
  /** Per script step index, the packet- and byte-level mutations of that inject. */
  late: Map<number, LateMutation[]>;
  /** What was mutated, in order, for the report. */
  mutations: string[];
}

export interface ScenarioResult {
  crash?: { where: string; error: string; stack?: string };
  hang?: string;
  violations: string[];
  /** Segments in and out and timer runs. */
  events: number;
  injected: number;
  /** Inject steps that could not be built (a value the SUT had not sent, a field out of range). */
  skipped: number;
  /** The SUT's segments, one line each (the first 200), for the report. */
  answers: string[];
  /** The shapes of the segments the SUT sent before the drain (shape.ts), in the order first sent: what divergence between targets is measured on. */
  shapes: string[];
  /** The mutations with what the late ones did. */
  mutations: string[];
  /** Expect steps run, and those a segment matched (all of them, when nothing is mutated: the reference passes every vector). */
  expects: number;
  expectsMatched: number;
}

export interface DriveOptions {
  /** Events before the scenario counts as a hang. */
  eventBudget: number;
  /** Virtual time after the script for the timers to run out, in ms. */
  drainMs: number;
}

export const DEFAULT_DRIVE: DriveOptions = { eventBudget: 20000, drainMs: 120000 };

const NET = '198.51.100';

class Hang extends Error {}

/** The endpoint threw: the crash, with where it happened. */
class Crash extends Error {
  readonly where: string;
  readonly inner: unknown;
  constructor(where: string, inner: unknown) {
    super(inner instanceof Error ? inner.message : String(inner));
    this.where = where;
    this.inner = inner;
  }
}

interface Seen {
  packet: Packet;
  subflow: Subflow | undefined;
  consumed: boolean;
}

/** Whether a segment matches an expect; a spec that cannot be read against the state (a value not known yet) matches nothing. */
function matches(spec: ExpectSpec, s: Seen, state: ScriptState): boolean {
  try {
    return matchExpect(spec, s.packet, state, s.subflow ?? state.subflow(spec.subflow ?? 0)).ok;
  } catch {
    return false;
  }
}

type Done = { result?: Record<string, unknown>; error?: string };

/** A socket call's error the endpoint means (Error, as in its API); anything else (TypeError, RangeError...) is a crash. */
const isRefusal = (err: unknown) => err instanceof Error && err.constructor === Error;

class VirtualRun {
  now = 0;
  events = 0;
  readonly host: Host;
  readonly pm: PathManager;
  readonly state: ScriptState;
  readonly seen: Seen[] = [];
  readonly done = new Map<string, Done>();
  readonly pending = new Map<string, () => Done | undefined>();
  readonly violations: string[] = [];
  readonly answers: string[] = [];
  readonly shapes = new Set<string>();
  /** Set once the script is over: what the timers send after it is not compared with a target that stops at the script's end. */
  draining = false;
  expects = 0;
  expectsMatched = 0;
  readonly mptcpEnabled: boolean;
  listener: Listener | undefined;
  conn: Connection | undefined;
  mptcp = true;
  private readonly budget: number;

  constructor(v: MptcpVector, budget: number) {
    this.budget = budget;
    const sut = `${NET}.1`;
    const peers = [2, 3, 4, 5].map((h) => `${NET}.${h}`);
    const extra = Array.from({ length: v.setup?.subflowEndpoints ?? 0 }, (_, i) => `${NET}.${11 + i}`);
    // The addresses announce steps announce (setup.announceAddresses), as the reference adapter gives them.
    const announce = Array.from({ length: v.setup?.announceAddresses ?? 0 }, (_, i) => `${NET}.${21 + i}`);
    const { host: fromSysctls, mptcpEnabled } = hostOptionsFrom(v.setup?.sysctls ?? {});
    this.mptcpEnabled = mptcpEnabled;
    const subflows = v.setup?.limits?.subflows ?? 2;
    this.host = new Host({ addresses: [sut, ...extra, ...announce], random: seededRandom(seedOf(v.id)), ...fromSysctls, maxJoinedSubflows: subflows });
    this.pm = new PathManager(this.host, extra, { subflows, addAddrAccepted: v.setup?.limits?.addAddrAccepted ?? 2 });
    this.state = new ScriptState(v.id, { sut, peers, sutExtra: extra, ...(announce.length ? { sutAnnounce: announce } : {}) }, v.setup?.peerKey);
  }

  private count(n = 1): void {
    this.events += n;
    if (this.events > this.budget) throw new Hang(`more than ${this.budget} events (segments and timer runs) at virtual time ${this.now} ms`);
  }

  /** Runs `f` on the endpoint; what it throws is a crash. */
  private guard<T>(where: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof Hang || err instanceof Crash) throw err;
      throw new Crash(where, err);
    }
  }

  /** One step of the driver, as RealtimeDriver.step: output, events, the path manager, waiting operations, output again. */
  settle(): void {
    this.drain();
    for (const e of this.guard('takeEvents', () => this.host.takeEvents())) this.guard(`path manager onEvent(${e.type})`, () => this.pm.onEvent(e));
    this.guard('path manager step', () => this.pm.step());
    for (const [id, check] of [...this.pending]) {
      const r = check();
      if (r) {
        this.pending.delete(id);
        this.done.set(id, r);
      }
    }
    this.drain();
  }

  private drain(): void {
    for (const bytes of this.guard('takeOutput', () => this.host.takeOutput())) this.output(bytes);
  }

  private violation(what: string): void {
    if (this.violations.length < 20) this.violations.push(`at ${this.now} ms: ${what}`);
  }

  /** A segment the endpoint sent: the invariants, then what it teaches the harness. */
  private output(bytes: Uint8Array): void {
    this.count();
    const strict = decodePacket(bytes);
    if (!strict.ok) {
      this.violation(`sent a segment the codec cannot decode: ${strict.error.message}`);
      return;
    }
    const { packet: p, checks } = strict.value;
    const line = describe(p);
    if (this.answers.length < 200) this.answers.push(line);
    const shape = this.draining ? undefined : shapeOf(p);
    if (shape) this.shapes.add(shape);
    if (checks.ipHeaderChecksum === false) this.violation(`wrong IPv4 header checksum: ${line}`);
    if (!checks.tcpChecksum) this.violation(`wrong TCP checksum: ${line}`);
    if (checks.dssChecksum?.status === 'invalid') this.violation(`wrong DSS checksum: ${line}`);
    if (!this.host.isLocal(p.ip.src)) this.violation(`sent from ${p.ip.src}, not one of its addresses: ${line}`);
    const f = p.tcp.flags;
    if (f.syn && (f.rst || f.fin)) this.violation(`SYN with ${f.rst ? 'RST' : 'FIN'}: ${line}`);
    this.observe(p);
  }

  /** As the script engine's Exchange.observe: ISNs, the SUT's key, nonces, checksums. */
  private observe(p: Packet): void {
    const sf = this.state.learn(p);
    this.seen.push({ packet: p, subflow: sf, consumed: false });
  }

  input(bytes: Uint8Array): void {
    this.count();
    this.guard('input', () => this.host.input(bytes, this.now));
    this.settle();
  }

  /** Lets the clock run to `to`, running the timers due; stops early once `until` holds. */
  advance(to: number, until?: () => boolean): boolean {
    for (;;) {
      if (until?.()) return true;
      const d = this.guard('nextDeadline', () => this.host.nextDeadline());
      if (d !== undefined && !Number.isFinite(d)) {
        this.violation(`next deadline is ${d}`);
        this.now = Math.max(this.now, to);
        return false;
      }
      if (d === undefined || d > to) {
        this.now = Math.max(this.now, to);
        return until?.() ?? false;
      }
      this.now = Math.max(this.now, d);
      this.count();
      this.guard('poll', () => this.host.poll(this.now));
      this.settle();
    }
  }

  /** An expect step: the first unconsumed segment that matches, waited for up to `within` of virtual time. */
  expect(spec: ExpectSpec): void {
    let from = 0;
    const found = (): boolean => {
      for (; from < this.seen.length; from++) {
        const s = this.seen[from]!;
        if (s.consumed || (spec.subflow !== undefined && s.subflow?.index !== spec.subflow)) continue;
        if (!matches(spec, s, this.state)) continue;
        s.consumed = true;
        for (const [name, path] of Object.entries(spec.capture ?? {})) {
          const v = capturePath(path, s.packet);
          if (v !== undefined) this.state.vars.set(name, v);
        }
        return true;
      }
      return false;
    };
    this.expects++;
    if (this.advance(this.now + (spec.within ?? 2000), found)) this.expectsMatched++;
  }

  /** A socket step, as the adapter runs it; background operations finish in `done`. */
  socket(step: SocketStep, id: string): void {
    const call = <T>(f: () => T): T | Done => {
      try {
        return f();
      } catch (err) {
        if (isRefusal(err)) return { error: (err as Error).message };
        throw new Crash(`socket ${step.sut}`, err);
      }
    };
    const conn = (): Connection => {
      if (!this.conn) throw new Error(`${step.sut} before a connection exists`);
      return this.conn;
    };
    switch (step.sut) {
      case 'listen':
        this.mptcp = step.mptcp ?? true;
        if (this.mptcp && !this.mptcpEnabled) return;
        call(() => (this.listener = this.host.listen(step.port ?? this.state.sutPort, { mptcp: this.mptcp, ...(step.fastOpen ? { fastOpen: true } : {}) })));
        return;
      case 'accept': {
        const l = this.listener;
        if (!l) return void this.done.set(id, { error: 'accept before listen' });
        this.pending.set(id, () => {
          if (l.queued === 0) return undefined;
          this.conn = this.guard('accept', () => l.accept());
          return { result: {} };
        });
        return;
      }
      case 'connect': {
        this.mptcp = step.mptcp ?? true;
        if (this.mptcp && !this.mptcpEnabled) return void this.done.set(id, { error: 'Protocol not available' });
        const fastOpen = step.fastOpen ? { fastOpen: true } : {};
        const c = call(() => this.host.connect({ remote: this.state.addresses.peers[0]!, port: this.state.peerPort, mptcp: this.mptcp, ...fastOpen }));
        if (!('state' in c)) return void this.done.set(id, c as Done);
        this.conn = c;
        // With fast open, the data is the connection's first write (as the reference adapter does).
        if (step.fastOpen && step.data !== undefined) call(() => c.write(payloadBytes(step.data)));
        this.pending.set(id, () => (c.state === 'connecting' ? undefined : c.state === 'reset' ? { error: 'reset' } : { result: {} }));
        return;
      }
      case 'read': {
        const c = this.conn;
        if (!c) return void this.done.set(id, { error: 'read before a connection exists' });
        const count = step.count ?? 65536;
        let got = 0;
        this.pending.set(id, () => {
          if (got < count && c.readableLength > 0) got += this.guard('read', () => c.read(count - got)).length;
          return got >= count || c.readableEnded || c.state === 'reset' ? { result: { read: got } } : undefined;
        });
        return;
      }
      case 'write':
        call(() => conn().write(payloadBytes(step.data)));
        return;
      case 'shutdown':
        call(() => conn().shutdown());
        return;
      case 'close':
        call(() => conn().close());
        this.conn = undefined;
        return;
      case 'query':
        call(() => {
          const c = conn();
          return { isMptcp: this.mptcp && c.mode !== 'tcp', subflows: liveSubflows(c), checksums: c.checksum, dataAcked: c.dataUna };
        });
        return;
      case 'announce':
        call(() => conn().announceAddress(this.state.announceAddress(step.address!), undefined, step.addressId));
        return;
      case 'withdraw':
        call(() => conn().removeAddress(step.addressId!));
        return;
      case 'await':
        return;
    }
  }
}

/**
 * The segment of inject step `i` of the scenario, with its packet- and
 * byte-level mutations made (each said in `mutations`); undefined when the
 * step cannot be built (a value the SUT never sent, a field out of range).
 * The guest-kernel driver (kernel.ts) builds its injects here too.
 */
export function buildMutatedInjection(s: Scenario, i: number, state: ScriptState, mutations: string[]): Uint8Array | undefined {
  const step = s.vector.script[i];
  if (!step || !('inject' in step)) return undefined;
  try {
    const built = buildInjection(step.inject, state);
    let bytes = built.bytes;
    for (const m of s.late.get(i) ?? []) {
      const rng = new Rng(m.seed);
      if (m.level === 'packet') {
        const p = structuredClone(built.packet);
        const what = mutatePacket(p, rng);
        try {
          bytes = encodePacket(p);
          mutations.push(`step ${i + 1}: packet: ${what}`);
        } catch (err) {
          mutations.push(`step ${i + 1}: packet: ${what} (not encodable: ${(err as Error).message}; sent unmutated)`);
        }
      } else {
        const m2 = mutateBytes(bytes, rng);
        bytes = m2.bytes;
        mutations.push(`step ${i + 1}: bytes: ${m2.what}`);
      }
    }
    return bytes;
  } catch {
    return undefined;
  }
}

/** Runs one scenario; never throws for anything the endpoint does (that is the result). */
export function runScenario(s: Scenario, options: DriveOptions = DEFAULT_DRIVE): ScenarioResult {
  const mutations = [...s.mutations];
  let run: VirtualRun | undefined;
  let injected = 0;
  let skipped = 0;
  const result = (extra: Partial<ScenarioResult>): ScenarioResult => ({
    violations: run?.violations ?? [],
    events: run?.events ?? 0,
    injected,
    skipped,
    answers: run?.answers ?? [],
    shapes: [...(run?.shapes ?? [])],
    mutations,
    expects: run?.expects ?? 0,
    expectsMatched: run?.expectsMatched ?? 0,
    ...extra,
  });
  try {
    const r = (run = new VirtualRun(s.vector, options.eventBudget));
    let ops = 0;
    for (const [i, step] of s.vector.script.entries()) {
      if (step.if !== undefined && !r.state.vars.has(step.if)) continue;
      if ('inject' in step) {
        const bytes = buildMutatedInjection(s, i, r.state, mutations);
        if (!bytes) {
          skipped++;
          continue;
        }
        injected++;
        r.input(bytes);
      } else if (isExpect(step)) {
        r.expect(step.expect);
      } else if ('expectNone' in step) {
        r.advance(r.now + step.expectNone);
      } else if ('wait' in step) {
        r.advance(r.now + step.wait);
      } else if (step.sut === 'await') {
        const id = step.op!;
        r.advance(r.now + (step.within ?? 5000), () => r.done.has(id));
      } else {
        if (step.sut === 'listen' && step.port) r.state.sutPort = step.port;
        if (step.sut === 'connect' && step.port) r.state.peerPort = step.port;
        r.socket(step, BACKGROUND_OPS.has(step.sut) ? (step.as ?? step.sut) : `${step.sut}-${++ops}`);
        r.settle();
      }
    }
    // The script is over: the timers run out (retransmissions, TIME_WAIT, the removal probes...), then the
    // application aborts what is left, and the timers run out again.
    r.draining = true;
    r.advance(r.now + options.drainMs);
    if (r.conn && r.conn.state !== 'closed' && r.conn.state !== 'reset') {
      const c = r.conn;
      try {
        c.abort();
      } catch (err) {
        if (!isRefusal(err)) throw new Crash('abort', err);
      }
      r.settle();
      r.advance(r.now + options.drainMs);
    }
    return result({});
  } catch (err) {
    if (err instanceof Hang) return result({ hang: err.message });
    if (err instanceof Crash) {
      const inner = err.inner instanceof Error ? err.inner : undefined;
      return result({ crash: { where: err.where, error: `${inner?.name ?? 'throw'}: ${err.message}`, ...(inner?.stack ? { stack: inner.stack } : {}) } });
    }
    // A fault of the fuzzer itself (the driver, not the endpoint): reported as such, never as the endpoint's.
    throw err;
  }
}
