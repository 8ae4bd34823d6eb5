/**
 * A kernel that is not the host's, fuzzed through its target's own adapter:
 * the same fuzz scenarios as the reference's, played in real time over the
 * adapter contract (mptcp.open, mptcp.inject, mptcp.socket, mptcp.close), as
 * the packet suite plays a vector (suites/mptcp/script/engine.ts), except that
 * nothing fails: an expect that no segment matches ends after its time and the
 * script goes on, as on the reference's virtual clock (drive.ts).
 *
 * The adapter is started once, with the local driver, and kept across the
 * scenarios: linux-6.1 boots its VM once, in hello, and gives every scenario
 * a fresh network namespace in the guest (mptcp.open), removed at the end
 * (mptcp.close), as for every vector of the suite. The guest is asked to
 * panic on an oops and on a warning (kernel.panic_on_oops and panic_on_warn,
 * set with each scenario's sysctls), so that a kernel bug ends the VM, which
 * the adapter says on its stderr with the console's last lines, rather than
 * going by unseen. Then the adapter has exited: that is a crash of the guest
 * kernel, recorded with what the console said, and the next scenario starts
 * the adapter again (a new boot). A call the adapter does not answer in time
 * (the guest stopped answering) is a hang: the adapter is killed and started
 * again the same way.
 */
import { join } from 'node:path';
import { decodePacket, type Packet } from '../codec/index.js';
import { CONTRACT_VERSION } from '../../../runner/contract.js';
import { startProcess } from '../../../runner/local-driver.js';
import { TARGETS_DIR } from '../../../runner/paths.js';
import type { StreamTransport } from '../../../runner/stream-transport.js';
import { loadTarget, missingRequirement, type Target } from '../../../runner/targets.js';
import { AdapterFault } from '../../../runner/transport.js';
import { describe } from '../script/engine.js';
import { payloadBytes } from '../script/build.js';
import { capturePath, matchExpect } from '../script/match.js';
import { ScriptState, type Addresses, type Subflow } from '../script/state.js';
import { BACKGROUND_OPS, isExpect, type ExpectSpec } from '../vector.js';
import { buildMutatedInjection, type Scenario } from './drive.js';
import { shapeOf } from './shape.js';

/** The targets whose kernel is not the host's, fuzzed this way, and how each is kept apart from the host. */
export const GUEST_KERNEL_TARGETS: Record<string, string> = {
  'linux-6.1': "Debian's Linux 6.1 under QEMU (TCG), one VM for the run",
};

/** What a kernel did with a scenario (IsolatedKernel.run). */
export interface KernelAnswers {
  /** Its segments, one line each (describe), the first 200. */
  answers: string[];
  /** The shapes of its segments (shape.ts), in the order first sent. */
  shapes: string[];
  /** Segments it sent. */
  segments?: number;
  /** The kernel ended (a panic, an oops, a warning): what its console and the adapter said. */
  crash?: string;
  /** It stopped answering: which call went unanswered. */
  hang?: string;
  /** The adapter could not run the scenario (it reported an error): not the kernel's doing. */
  error?: string;
  /** The scenario did not run on the kernel (its crash is an earlier scenario's). */
  lost?: boolean;
}

export interface GuestKernelOptions {
  /** An unmatched expect, an await and an expectNone wait their vector's time times the target's time factor, but no more than this (ms of real time). */
  waitCapMs: number;
  /** After the script, how long the SUT's last segments have to arrive before the scenario's namespace goes (ms). */
  settleMs: number;
  /** A call to the adapter unanswered for this long is a hang (ms); hello, which boots the VM, has `bootMs`. */
  callMs: number;
  bootMs: number;
}

export const DEFAULT_GUEST: GuestKernelOptions = { waitCapMs: Number.POSITIVE_INFINITY, settleMs: 300, callMs: 60_000, bootMs: 600_000 };

/** Sysctls every scenario sets in the guest: a kernel bug ends the VM, which is seen (see above). */
const PANIC_SYSCTLS = { 'kernel.panic_on_oops': 1, 'kernel.panic_on_warn': 1 };

interface Seen {
  packet: Packet;
  subflow: Subflow | undefined;
  consumed: boolean;
}

class CallFailed extends Error {
  constructor(readonly fault: AdapterFault) {
    super(fault.message);
  }
}

export class GuestKernel {
  readonly name: string;
  readonly isolation: string;
  readonly target: Target;
  /** Boots of the guest (starts of the adapter), and the time they took in all. */
  boots = 0;
  bootMs = 0;
  private transport: StreamTransport | undefined;
  /** The scenario that ran last, to name when the VM is found to have ended after it. */
  private last: number | undefined;
  private readonly options: GuestKernelOptions;
  private listener: ((method: string, params: unknown) => void) | undefined;

  /** Throws (with why) when the target cannot run here. */
  constructor(name: string, options: Partial<GuestKernelOptions> = {}) {
    const isolation = GUEST_KERNEL_TARGETS[name];
    if (!isolation) throw new Error(`${name} is not a kernel the fuzzer runs in a VM`);
    this.name = name;
    this.isolation = isolation;
    this.target = loadTarget(join(TARGETS_DIR, name));
    const missing = missingRequirement(this.target);
    if (missing) throw new Error(`${name} cannot run here: ${missing}`);
    this.options = { ...DEFAULT_GUEST, ...options };
  }

  private get factor(): number {
    return this.target.manifest.timeFactor ?? 1;
  }

  /** The adapter, started (and the VM booted, in hello) if it is not running. */
  private async adapter(): Promise<StreamTransport> {
    if (this.transport?.alive) return this.transport;
    const started = performance.now();
    const t = startProcess({
      command: this.target.manifest.local.command,
      cwd: this.target.dir,
      ...(this.target.manifest.local.env ? { env: this.target.manifest.local.env } : {}),
    });
    t.onNotification((method, params) => this.listener?.(method, params));
    this.transport = t;
    await this.call('hello', { contract: CONTRACT_VERSION, suites: ['mptcp'] }, this.options.bootMs);
    this.boots++;
    this.bootMs += performance.now() - started;
    return t;
  }

  private async call(method: string, params: unknown, ms = this.options.callMs): Promise<unknown> {
    try {
      return await this.transport!.call(method, params, AbortSignal.timeout(ms));
    } catch (err) {
      if (err instanceof AdapterFault) throw new CallFailed(err);
      throw err;
    }
  }

  /** Runs one scenario on the guest; never throws for what the guest does. */
  async run(s: Scenario): Promise<KernelAnswers> {
    const seen: Seen[] = [];
    const answers: string[] = [];
    const shapes = new Set<string>();
    const done = new Map<string, unknown>();
    let segments = 0;
    let state: ScriptState | undefined;
    let wake: (() => void) | undefined;
    this.listener = (method, params) => {
      if (method === 'mptcp.packet') {
        const d = decodePacket(new Uint8Array(Buffer.from((params as { data: string }).data, 'base64')), { lenient: true });
        segments++;
        if (d.ok) {
          const p = d.value.packet;
          if (answers.length < 200) answers.push(describe(p));
          const shape = shapeOf(p);
          if (shape) shapes.add(shape);
          seen.push({ packet: p, subflow: state?.learn(p), consumed: false });
        } else {
          if (answers.length < 200) answers.push(`undecodable: ${d.error.message}`);
          shapes.add('undecodable');
        }
      } else if (method === 'mptcp.done') done.set((params as { id: string }).id, params);
      wake?.();
    };
    /** Waits up to `ms` for `until`, woken by every notification. */
    const waitFor = async (ms: number, until: () => boolean): Promise<boolean> => {
      const end = performance.now() + ms;
      for (;;) {
        if (until()) return true;
        const left = end - performance.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    };
    const bound = (ms: number) => Math.min(ms * this.factor, this.options.waitCapMs);
    const result = (extra: Partial<KernelAnswers> = {}): KernelAnswers => ({ answers, shapes: [...shapes], segments, ...extra });
    let opened = false;
    const previous = this.last;
    this.last = s.index;
    const t = this.transport;
    if (t && !t.alive) {
      // The VM ended after the previous scenario's last call: its crash, found now. The scenario ends here (the next
      // one boots a new VM), so that the crash is reported and no answer of a half-run scenario is compared.
      const tail = t.stderrTail().trim();
      this.transport = undefined;
      await t.kill();
      return result({ crash: `the VM ended after scenario ${previous} ended: ${tail || t.faultReason || 'the adapter exited'}`, lost: true });
    }
    try {
      await this.adapter();
      const v = s.vector;
      const r = (await this.call('mptcp.open', {
        vector: v.id,
        role: v.role,
        sysctls: { ...PANIC_SYSCTLS, ...(v.setup?.sysctls ?? {}) },
        subflowEndpoints: v.setup?.subflowEndpoints ?? 0,
        ...(v.setup?.limits ? { limits: v.setup.limits } : {}),
      })) as { addresses: Addresses };
      opened = true;
      // As drive.ts makes it (no run seed): the peer's ISNs, keys and ports are the reference's, so are its segments.
      const st = (state = new ScriptState(v.id, r.addresses, v.setup?.peerKey));
      const mutations: string[] = [];
      let ops = 0;
      for (const [i, step] of v.script.entries()) {
        if (step.if !== undefined && !st.vars.has(step.if)) continue;
        if ('inject' in step) {
          const bytes = buildMutatedInjection(s, i, st, mutations);
          if (bytes) await this.call('mptcp.inject', { data: Buffer.from(bytes).toString('base64') });
        } else if (isExpect(step)) {
          await waitFor(bound(step.expect.within ?? 2000), () => consume(seen, step.expect, st));
        } else if ('expectNone' in step) {
          await waitFor(bound(step.expectNone), () => false);
        } else if ('wait' in step) {
          await waitFor(step.wait, () => false);
        } else if (step.sut === 'await') {
          await waitFor(bound(step.within ?? 5000), () => done.has(step.op!));
        } else {
          if (step.sut === 'listen' && step.port) st.sutPort = step.port;
          if (step.sut === 'connect' && step.port) st.peerPort = step.port;
          await this.call('mptcp.socket', {
            op: step.sut,
            id: BACKGROUND_OPS.has(step.sut) ? (step.as ?? step.sut) : `${step.sut}-${++ops}`,
            ...(step.sut === 'listen' ? { port: st.sutPort } : {}),
            ...(step.sut === 'connect' ? { address: st.addresses.peers[0], port: st.peerPort } : {}),
            mptcp: step.mptcp ?? true,
            ...(step.data !== undefined ? { data: Buffer.from(payloadBytes(step.data)).toString('base64') } : {}),
            ...(step.count !== undefined ? { count: step.count } : {}),
          });
        }
      }
      await waitFor(this.options.settleMs, () => false);
      opened = false;
      await this.call('mptcp.close', {});
      return result();
    } catch (err) {
      if (!(err instanceof CallFailed)) throw err;
      return result(await this.fault(err.fault, opened));
    } finally {
      this.listener = undefined;
    }
  }

  /** What a failed call means: the VM ended (a crash), it did not answer (a hang), or the adapter refused the call. */
  private async fault(f: AdapterFault, opened: boolean): Promise<Partial<KernelAnswers>> {
    const t = this.transport!;
    if (f.kind === 'adapter-error') {
      // The scenario's namespace goes, so that the next one finds the guest as it should.
      if (opened) await this.call('mptcp.close', {}).catch(() => undefined);
      if (t.alive) return { error: f.message };
    }
    const tail = t.stderrTail().trim();
    await t.kill();
    this.transport = undefined;
    if (f.kind === 'timeout') return { hang: `${f.message.split(' (')[0]}${tail ? `; adapter's stderr: ${tail}` : ''}` };
    return { crash: tail || f.message };
  }

  /** Stops the adapter and with it the VM. */
  async close(): Promise<void> {
    await this.transport?.close();
    this.transport = undefined;
  }
}

/** Whether a segment matches an expect; one that cannot be read against the state (a value not known yet) matches nothing. */
function matches(spec: ExpectSpec, s: Seen, state: ScriptState): boolean {
  try {
    return matchExpect(spec, s.packet, state, s.subflow ?? state.subflow(spec.subflow ?? 0)).ok;
  } catch {
    return false;
  }
}

/** The first unconsumed segment that matches an expect, consumed, its captures made (as the script engine's). */
function consume(seen: Seen[], spec: ExpectSpec, state: ScriptState): boolean {
  for (const s of seen) {
    if (s.consumed || (spec.subflow !== undefined && s.subflow?.index !== spec.subflow)) continue;
    if (!matches(spec, s, state)) continue;
    s.consumed = true;
    for (const [name, path] of Object.entries(spec.capture ?? {})) {
      const v = capturePath(path, s.packet);
      if (v !== undefined) state.vars.set(name, v);
    }
    return true;
  }
  return false;
}
