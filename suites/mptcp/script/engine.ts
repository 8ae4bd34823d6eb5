/**
 * Runs one packet-level vector: the harness plays the peer. It injects the
 * script's segments, waits (event-driven, with a bound) for the segments the
 * SUT must send, drives the SUT's sockets, and keeps every segment of the
 * exchange for a pcap. A wait ends the moment the awaited segment arrives;
 * only silences (expectNone) and explicit waits take their full time. On a
 * slow target (a kernel under emulation: its manifest's timeFactor) the
 * bounds of the waits for the SUT and the silences are that many times
 * longer; explicit waits are not, since they are about the SUT's own timers,
 * which keep real time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Outcome, RunContext, Session } from '../../../runner/suite.js';
import { decodePacket, toJson, writePcap, type Packet } from '../codec/index.js';
import { BACKGROUND_OPS, isExpect, type ExpectSpec, type Invariant, type MptcpVector, type SocketStep, type Step } from '../vector.js';
import { buildInjection, payloadBytes } from './build.js';
import { capturePath, flagLetters, matchExpect, optionName, type Match } from './match.js';
import { ScriptState, type Addresses, type Subflow } from './state.js';

interface Seen {
  packet: Packet;
  subflow: Subflow | undefined;
  at: number;
  consumed: boolean;
}

interface LogEntry {
  at: number;
  from: 'peer' | 'sut';
  bytes: Uint8Array;
}

/**
 * Why a step failed: the SUT did not do what the step expects ('sut', a fail),
 * or the script itself could not go on ('script', an error: a bad value, a
 * helper that threw). The verdict follows the kind, never the message text.
 */
export type StepFailureKind = 'sut' | 'script';

export class StepFailure extends Error {
  readonly expected: unknown;
  readonly actual: unknown;
  readonly kind: StepFailureKind;
  constructor(message: string, expected: unknown, actual: unknown, kind: StepFailureKind = 'sut') {
    super(message);
    this.expected = expected;
    this.actual = actual;
    this.kind = kind;
  }
}

/** A one-line decoded view of a segment, for messages. */
export function describe(p: Packet): string {
  const opts = p.tcp.options
    .filter((o) => o.type !== 'nop' && o.type !== 'eol')
    .map((o) => (o.type === 'mptcp' && 'form' in o ? `${optionName(o)}(${o.form})` : optionName(o)));
  return `${p.ip.src}:${p.tcp.srcPort} > ${p.ip.dst}:${p.tcp.dstPort} [${flagLetters(p.tcp.flags)}] seq ${p.tcp.seq} ack ${p.tcp.ack} len ${p.tcp.payload.length}${opts.length ? ` <${opts.join(', ')}>` : ''}`;
}

class Exchange {
  readonly log: LogEntry[] = [];
  readonly seen: Seen[] = [];
  readonly done = new Map<string, { result?: unknown; error?: string }>();
  private wake: (() => void) | undefined;
  readonly state: ScriptState;
  readonly started = Date.now();
  /** Time spent waiting for the SUT (segments, socket operations), in ms. */
  waitedMs = 0;
  /** The target's time factor: bounds of waits for the SUT and of silences are multiplied by it. */
  factor = 1;

  /** A vector's bound on the SUT's time, on this target. */
  scaled(ms: number): number {
    return Math.round(ms * this.factor);
  }

  constructor(state: ScriptState) {
    this.state = state;
  }

  onNotification(method: string, params: unknown): void {
    if (method === 'mptcp.packet') {
      const bytes = new Uint8Array(Buffer.from((params as { data: string }).data, 'base64'));
      this.log.push({ at: Date.now(), from: 'sut', bytes });
      const decoded = decodePacket(bytes, { lenient: true });
      if (decoded.ok) this.observe(decoded.value.packet);
    } else if (method === 'mptcp.done') {
      const p = params as { id: string; result?: unknown; error?: string };
      this.done.set(p.id, p);
    }
    this.wake?.();
  }

  /** What every SUT segment teaches the harness: ISNs, the SUT's key, nonces, whether checksums are on. */
  private observe(p: Packet): void {
    const sf = this.state.learn(p);
    this.seen.push({ packet: p, subflow: sf, at: Date.now(), consumed: false });
  }

  /** Resolves after `ms`, or earlier when something arrives. */
  private nap(ms: number): Promise<void> {
    const from = performance.now();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          this.wake = undefined;
          resolve();
        },
        Math.max(0, ms),
      );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    }).finally(() => {
      this.waitedMs += performance.now() - from;
    });
  }

  /** Waits for a segment matching `spec`; when `optional`, no match within the time is no failure (the result is undefined). */
  async expect(spec: ExpectSpec, signal: AbortSignal, optional = false): Promise<Seen | undefined> {
    const within = this.scaled(spec.within ?? 2000);
    const deadline = Date.now() + within;
    const considered: { seen: Seen; match: Match }[] = [];
    for (let i = 0; ;) {
      for (; i < this.seen.length; i++) {
        const s = this.seen[i]!;
        if (s.consumed) continue;
        if (spec.subflow !== undefined && s.subflow?.index !== spec.subflow) continue;
        const sf = s.subflow ?? this.state.subflow(spec.subflow ?? 0);
        let m: Match;
        try {
          m = matchExpect(spec, s.packet, this.state, sf);
        } catch (err) {
          m = { ok: false, field: 'script', expected: (err as Error).message, actual: null };
        }
        if (m.ok) {
          s.consumed = true;
          for (const [name, path] of Object.entries(spec.capture ?? {})) {
            const v = capturePath(path, s.packet);
            if (v === undefined) throw new StepFailure(`capture ${name} = ${path}: the segment has no such field`, path, toJson(s.packet));
            this.state.vars.set(name, v);
          }
          return s;
        }
        considered.push({ seen: s, match: m });
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) break;
      await this.nap(left);
    }
    if (optional) return undefined;
    const closest = considered[0];
    if (!closest) throw new StepFailure(`no segment from the SUT within ${within} ms`, spec, null);
    const m = closest.match as Exclude<Match, { ok: true }>;
    const others = considered.length > 1 ? `; ${considered.length - 1} other segment(s) did not match either` : '';
    throw new StepFailure(
      `no matching segment within ${within} ms; the first the SUT sent, ${describe(closest.seen.packet)}, differs in ${m.field}: expected ${fmt(m.expected)}, got ${fmt(m.actual)}${others}`,
      spec,
      toJson(closest.seen.packet),
    );
  }

  /** No segment (matching `spec`) for `ms`; with `pending`, segments already received that no expect matched count too. */
  async expectNone(ms: number, spec: ExpectSpec | undefined, pending = false): Promise<void> {
    const from = pending ? 0 : this.seen.length;
    const until = Date.now() + ms;
    while (Date.now() < until) await this.nap(until - Date.now());
    for (const s of this.seen.slice(from)) {
      if (s.consumed) continue;
      if (spec && spec.subflow !== undefined && s.subflow?.index !== spec.subflow) continue;
      const sf = s.subflow ?? this.state.subflow(0);
      if (!spec || matchExpect(spec, s.packet, this.state, sf).ok) {
        s.consumed = true;
        throw new StepFailure(
          `the SUT sent ${describe(s.packet)} within ${ms} ms, where nothing${spec ? ' of the kind' : ''} was expected`,
          spec ?? 'no segment',
          toJson(s.packet),
        );
      }
    }
  }

  /**
   * Every segment the SUT sent in the whole exchange that matches
   * `inv.every` matches `inv.must` too, whether an expect consumed it or not.
   */
  checkInvariant(inv: Invariant): void {
    for (const s of this.seen) {
      if (inv.every.subflow !== undefined && s.subflow?.index !== inv.every.subflow) continue;
      const sf = s.subflow ?? this.state.subflow(0);
      if (!matchExpect(inv.every, s.packet, this.state, sf).ok) continue;
      const m =
        inv.must.subflow !== undefined && s.subflow?.index !== inv.must.subflow
          ? { ok: false as const, field: 'subflow', expected: inv.must.subflow, actual: s.subflow?.index }
          : matchExpect(inv.must, s.packet, this.state, sf);
      if (!m.ok)
        throw new StepFailure(
          `the SUT sent ${describe(s.packet)}, which differs in ${m.field}: expected ${fmt(m.expected)}, got ${fmt(m.actual)}`,
          inv.must,
          toJson(s.packet),
        );
    }
  }

  async awaitOp(id: string, within: number): Promise<{ result?: unknown; error?: string }> {
    const deadline = Date.now() + within;
    while (!this.done.has(id)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new StepFailure(`the SUT's ${id} did not complete within ${within} ms`, `${id} completes`, 'still pending');
      await this.nap(left);
    }
    return this.done.get(id)!;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function fmt(v: unknown): string {
  if (typeof v === 'bigint') return `0x${v.toString(16).padStart(16, '0')}`;
  if (typeof v === 'string') return v;
  return JSON.stringify(toJson(v));
}

function checkOpResult(step: SocketStep, done: { result?: unknown; error?: string }): void {
  const want = step.expect ?? {};
  const label = step.sut === 'await' ? step.op! : step.sut;
  if (done.error !== undefined) {
    if (want.error === undefined || want.error === false) throw new StepFailure(`the SUT's ${label} failed: ${done.error}`, `${label} succeeds`, done.error);
    if (typeof want.error === 'string' && !new RegExp(want.error).test(done.error))
      throw new StepFailure(`the SUT's ${label} failed with ${done.error}, not ${want.error}`, want.error, done.error);
    return;
  }
  if (want.error)
    throw new StepFailure(
      `the SUT's ${label} succeeded where it must fail`,
      `an error${typeof want.error === 'string' ? ` matching ${want.error}` : ''}`,
      done.result,
    );
  const r = (done.result ?? {}) as {
    data?: string;
    eof?: boolean;
    isMptcp?: boolean;
    fallback?: boolean;
    subflows?: number;
    checksums?: boolean;
    dataAcked?: number;
  };
  if (want.data !== undefined) {
    const expected = Buffer.from(payloadBytes(want.data));
    const got = Buffer.from(r.data ?? '', 'base64');
    if (!expected.equals(got))
      throw new StepFailure(
        `the SUT read ${JSON.stringify(got.toString('latin1').slice(0, 80))} (${got.length} octets), not ${JSON.stringify(expected.toString('latin1').slice(0, 80))}`,
        expected.toString('hex'),
        got.toString('hex'),
      );
  }
  for (const k of ['eof', 'isMptcp', 'fallback', 'subflows', 'checksums', 'dataAcked'] as const) {
    if (want[k] !== undefined && r[k] !== want[k])
      throw new StepFailure(`the SUT's ${label} says ${k} is ${r[k]}, not ${want[k]}`, { [k]: want[k] }, { [k]: r[k] });
  }
}

function stepLabel(step: Step, i: number): string {
  const kind = 'inject' in step ? 'inject' : isExpect(step) ? 'expect' : 'expectNone' in step ? 'expectNone' : 'wait' in step ? 'wait' : `sut ${step.sut}`;
  return `step ${i + 1} (${kind}${step.note ? `: ${step.note}` : ''})`;
}

export async function runScript(v: MptcpVector, session: Session, ctx: RunContext, timeFactor = 1): Promise<Outcome> {
  let exchange: Exchange | undefined;
  session.onNotification((method, params) => exchange?.onNotification(method, params));
  const params = {
    vector: v.id,
    role: v.role,
    sysctls: v.setup?.sysctls ?? {},
    subflowEndpoints: v.setup?.subflowEndpoints ?? 0,
    ...(v.setup?.announceAddresses ? { announceAddresses: v.setup.announceAddresses } : {}),
    ...(v.setup?.limits ? { limits: v.setup.limits } : {}),
  };
  // The adapter's node (a namespace, sysctls, a TUN device, an agent) is set-up, not the SUT's work: it has the
  // start-up budget and holds the vector's deadline (RunContext.startup).
  const open = () => session.call('mptcp.open', params);
  const opened = (await (ctx.startup ? ctx.startup("the SUT's node (mptcp.open)", open) : open())) as { addresses: Addresses };
  const state = new ScriptState(v.id, opened.addresses, v.setup?.peerKey, ctx.seed);
  exchange = new Exchange(state);
  const x = exchange;
  x.factor = timeFactor;
  // The pcap is written at the end, and also if the vector is cut short (a timeout): it is kept either way.
  const file = join(ctx.artifactDir, 'exchange.pcap');
  const writeExchange = () => {
    mkdirSync(ctx.artifactDir, { recursive: true });
    writeFileSync(file, writePcap(x.log.map((e) => ({ seconds: Math.floor(e.at / 1000), microseconds: (e.at % 1000) * 1000, data: e.bytes }))));
  };
  ctx.artifacts.pcap = relative(ctx.outDir, file);
  session.signal.addEventListener('abort', writeExchange, { once: true });
  let outcome: Outcome;
  let opCount = 0;
  /** The quiet periods the vector waited out (expectNone), reported with the result: a verdict on an absence rests on them. */
  const quiet: { step: number; ms: number }[] = [];
  try {
    for (const [i, step] of v.script.entries()) {
      // A step that needs a variable an optional expect did not capture is skipped; so is one for the branch not taken.
      if (step.if !== undefined && !state.vars.has(step.if)) continue;
      if (step.unless !== undefined && state.vars.has(step.unless)) continue;
      try {
        if ('inject' in step) {
          const built = buildInjection(step.inject, state);
          x.log.push({ at: Date.now(), from: 'peer', bytes: built.bytes });
          await session.call('mptcp.inject', { data: Buffer.from(built.bytes).toString('base64') });
        } else if (isExpect(step)) {
          await x.expect(step.expect, session.signal, step.optional === true);
        } else if ('expectNone' in step) {
          quiet.push({ step: i + 1, ms: x.scaled(step.expectNone) });
          await x.expectNone(x.scaled(step.expectNone), step.match, step.pending === true);
        } else if ('wait' in step) {
          await x.sleep(step.wait);
        } else if (step.sut === 'await') {
          checkOpResult(step, await x.awaitOp(step.op!, x.scaled(step.within ?? 5000)));
        } else {
          if (step.sut === 'listen' && step.port) state.sutPort = step.port;
          if (step.sut === 'connect' && step.port) state.peerPort = step.port;
          const id = step.as ?? step.sut;
          const params = {
            op: step.sut,
            id: BACKGROUND_OPS.has(step.sut) ? id : `${step.sut}-${++opCount}`,
            ...(step.sut === 'listen' ? { port: state.sutPort } : {}),
            ...(step.sut === 'connect' ? { address: state.addresses.peers[0], port: state.peerPort } : {}),
            mptcp: step.mptcp ?? true,
            ...(step.fastOpen ? { fastOpen: true } : {}),
            ...(step.sut === 'announce' ? { address: state.announceAddress(step.address!) } : {}),
            ...(step.addressId !== undefined ? { addressId: step.addressId } : {}),
            ...(step.data !== undefined ? { data: Buffer.from(payloadBytes(step.data)).toString('base64') } : {}),
            ...(step.count !== undefined ? { count: step.count } : {}),
          };
          // A query with `within` asks again until its expectation holds: the SUT's state may lag the segments just injected.
          const until = step.sut === 'query' && step.within !== undefined ? Date.now() + x.scaled(step.within) : 0;
          for (;;) {
            const r = (await session.call('mptcp.socket', params)) as { result?: unknown; error?: string; started?: boolean };
            if (BACKGROUND_OPS.has(step.sut)) break;
            try {
              checkOpResult(step, r);
              break;
            } catch (err) {
              if (!(err instanceof StepFailure) || Date.now() >= until) throw err;
              await x.sleep(Math.min(20, until - Date.now()));
              params.id = `${step.sut}-${++opCount}`;
            }
          }
        }
      } catch (err) {
        if (err instanceof StepFailure) throw new StepFailure(`${stepLabel(step, i)}: ${err.message}`, err.expected, err.actual, err.kind);
        if (err instanceof Error && !(err.name === 'AdapterFault'))
          throw new StepFailure(`${stepLabel(step, i)}: script: ${err.message}`, null, null, 'script');
        throw err;
      }
    }
    // The invariants hold over the whole exchange, so they are checked once the script is done.
    for (const [k, inv] of (v.invariants ?? []).entries()) {
      const label = `invariant ${k + 1}${inv.note ? ` (${inv.note})` : ''}`;
      try {
        x.checkInvariant(inv);
      } catch (err) {
        if (err instanceof StepFailure) throw new StepFailure(`${label}: ${err.message}`, err.expected, err.actual, err.kind);
        throw new StepFailure(`${label}: script: ${(err as Error).message}`, null, null, 'script');
      }
    }
    outcome = { verdict: 'pass', expected: null, actual: null };
  } catch (err) {
    if (!(err instanceof StepFailure)) throw err;
    outcome = { verdict: err.kind === 'script' ? 'error' : 'fail', expected: err.expected, actual: err.actual, reason: err.message };
  } finally {
    await session.call('mptcp.close', {}).catch(() => undefined);
    session.onNotification(() => undefined);
  }
  session.signal.removeEventListener('abort', writeExchange);
  writeExchange();
  return {
    ...outcome,
    artifacts: { pcap: ctx.artifacts.pcap! },
    timing: { sutWaitMs: x.waitedMs },
    details: {
      ...(quiet.length ? { quietPeriods: quiet } : {}),
      exchange: x.log.map((e) => {
        const d = decodePacket(e.bytes, { lenient: true });
        return { t: e.at - x.started, from: e.from, packet: d.ok ? describe(d.value.packet) : `undecodable: ${d.error.message}` };
      }),
    },
  };
}
