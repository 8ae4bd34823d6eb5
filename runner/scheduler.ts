/**
 * The scheduler: targets run in parallel in a bounded pool; each target's
 * vectors run one after another through one adapter, which is kept across
 * vectors and restarted after a fault. Every vector ends with a verdict: a
 * crash, garbage, a hang or a harness bug becomes an error or timeout verdict,
 * and the run goes on.
 */
import { join } from 'node:path';
import { isFailure, type ResultRecord, type TargetRecord } from './model.js';
import type { Decision, Ensemble, Fabric, LoadedVector, Outcome, Placement, RunContext, Session, StartOptions, Suite, TargetView } from './suite.js';
import { AdapterFault, CONTRACT_VERSION, type HelloResult, type Transport, type TransportFactory } from './transport.js';

export interface PlanItem {
  suite: Suite;
  vector: LoadedVector;
  /** Decided before the adapter starts (not applicable, say); otherwise the vector is run. */
  decision: Decision;
}

export interface TargetPlan {
  record: TargetRecord;
  view: TargetView;
  /** Null when the target is unavailable. */
  factory: TransportFactory | null;
  items: PlanItem[];
  /**
   * For a combination of targets in the roles of a suite with roles (an
   * interop pair): each role's target plan. Its record is not a target of the
   * run; its results carry the roles.
   */
  ensemble?: Record<string, TargetPlan>;
}

export interface ScheduleOptions {
  jobs: number;
  timeoutMs: number;
  /** How long the adapter may take to start and answer hello. */
  startTimeoutMs?: number;
  profile: string | undefined;
  outDir: string;
  services: Map<string, unknown>;
  signal?: AbortSignal;
  /** Run a failed vector again up to this many times (--retries). */
  retries?: number;
  seed?: number;
  /** Networks and helper nodes for a vector of a suite with roles, where the driver has them (docker). */
  fabric?: () => Fabric & { dispose(): Promise<void> };
}

const MAX_START_FAILURES = 3;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class Scheduler {
  private readonly plans: TargetPlan[];
  private readonly options: ScheduleOptions;
  private readonly waiting = new Map<string, Deferred<ResultRecord>>();
  /** Idle adapters of ensemble roles that vectors kept (StartOptions.keep), by target, suite and placement (keptKey). */
  private readonly kept = new Map<string, Transport[]>();
  readonly results: ResultRecord[] = [];

  constructor(plans: TargetPlan[], options: ScheduleOptions) {
    this.plans = plans;
    this.options = options;
    for (const plan of plans) for (const item of plan.items) this.waiting.set(key(plan.record.id, item.vector.id), deferred());
  }

  /** The result of one vector on one target, when it is known. */
  result(targetId: string, vectorId: string): Promise<ResultRecord> {
    const d = this.waiting.get(key(targetId, vectorId));
    if (!d) throw new Error(`nothing scheduled for ${vectorId} on ${targetId}`);
    return d.promise;
  }

  async run(): Promise<ResultRecord[]> {
    // Unavailable targets (no factory) have no items: the reports list them with their reason.
    // The most work first (its vectors, times how much slower than native the target says it is): a target's vectors
    // run one after another, so the one that takes longest sets the run's floor, and starting it last would add the
    // others' time to it (with more targets than jobs, an alphabetical order started the browsers last).
    const work = (p: TargetPlan) => p.items.length * (p.view.timeFactor ?? 1);
    const queue = this.plans.filter((p) => (p.factory || p.ensemble) && p.items.length > 0).sort((a, b) => work(b) - work(a));
    const workers = Array.from({ length: Math.max(1, Math.min(this.options.jobs, queue.length)) }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) await this.runTarget(plan);
    });
    try {
      await Promise.all(workers);
    } finally {
      // The kept adapters live until the run ends (a Ctrl-C or a crash: runner/cleanup.ts ends them as any adapter).
      const idle = [...this.kept.values()].flat();
      this.kept.clear();
      await Promise.all(idle.map((t) => t.close().catch(() => undefined)));
    }
    return this.results;
  }

  /** An idle kept adapter for `key` that still runs, if there is one; those that ended meanwhile (a VM that crashed) are closed. */
  private takeKept(key: string): Transport | undefined {
    const idle = this.kept.get(key) ?? [];
    for (let t = idle.shift(); t; t = idle.shift()) {
      if (t.alive) return t;
      void t.close().catch(() => undefined);
    }
    return undefined;
  }

  private record(plan: TargetPlan, item: PlanItem, result: Omit<ResultRecord, 'vectorId' | 'targetId' | 'suite'>): void {
    const full: ResultRecord = { vectorId: item.vector.id, targetId: plan.record.id, suite: item.suite.name, ...result };
    this.results.push(full);
    this.waiting.get(key(plan.record.id, item.vector.id))?.resolve(full);
  }

  /** The budget of an adapter's start-up (and of a vector's set-up, RunContext.startup), apart from the vector's own. */
  private startBudget(view?: TargetView): number {
    return (this.options.startTimeoutMs ?? Math.max(this.options.timeoutMs, 30_000)) * (view?.timeFactor ?? 1);
  }

  /** A vector's deadline on a target: the run's, or the suite's for that vector when larger, times the target's factor. */
  private vectorBudget(item: PlanItem, view?: TargetView): number {
    return Math.max(this.options.timeoutMs, item.suite.timeoutMs?.(item.vector) ?? 0) * (view?.timeFactor ?? 1);
  }

  private async start(plan: TargetPlan): Promise<Transport> {
    const factory = plan.factory!;
    const suites = [...new Set(plan.items.map((i) => i.suite))];
    // What each suite tells the adapter ahead of its first vector (Suite.startup).
    const setup: Record<string, unknown> = {};
    for (const suite of suites) {
      const told = await suite.startup?.(plan.view, this.options.services.get(suite.name));
      if (told) setup[suite.name] = told;
    }
    const transport = await factory.start();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.startBudget(plan.view));
    try {
      await hello(
        transport,
        plan,
        suites.map((x) => x.name),
        controller.signal,
        setup,
      );
      return transport;
    } catch (err) {
      await transport.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async runTarget(plan: TargetPlan): Promise<void> {
    let transport: Transport | undefined;
    // Set when the last vector already reported the fault that broke the transport.
    let faultReported = false;
    let startFailures = 0;
    let lastStartError = '';
    type Attempt = Omit<ResultRecord, 'vectorId' | 'targetId' | 'suite'>;
    /** One run of one vector: the adapter (re)started if it must be, then the vector. */
    const attempt = async (item: PlanItem): Promise<Attempt> => {
      const began = performance.now();
      if (startFailures >= MAX_START_FAILURES) {
        return {
          verdict: 'error',
          expected: null,
          actual: null,
          reason: `adapter failed to start ${startFailures} times; last: ${lastStartError}`,
          durationMs: 0,
        };
      }
      if (!transport?.alive) {
        if (transport) {
          // Broken between vectors (stray output, an exit): no vector is to blame, but the report says so.
          if (!faultReported) (plan.record.notes ??= []).push(`adapter restarted before ${item.vector.id}: ${transport.faultReason ?? 'it stopped'}`);
          await transport.close();
        }
        transport = undefined;
        try {
          transport = await this.start(plan);
          startFailures = 0;
        } catch (err) {
          startFailures++;
          lastStartError = (err as Error).message;
          const { verdict } = faultOutcome(err);
          return { verdict, expected: null, actual: null, reason: `adapter could not start: ${lastStartError}`, durationMs: performance.now() - began };
        }
      }
      const dynamic = item.suite.plan(item.vector, plan.view, this.options.profile);
      if (!dynamic.run) return { verdict: dynamic.verdict, expected: null, actual: null, reason: dynamic.reason, durationMs: 0 };
      const { outcome, faulted } = await this.runOne(plan, item, transport);
      faultReported = faulted;
      return { ...outcome, durationMs: performance.now() - began };
    };
    try {
      for (const item of plan.items) {
        if (this.options.signal?.aborted) {
          this.record(plan, item, { verdict: 'skipped', expected: null, actual: null, reason: 'the run was interrupted', durationMs: 0 });
          continue;
        }
        if (!item.decision.run) {
          const d = item.decision;
          this.record(plan, item, { verdict: d.verdict, expected: null, actual: null, reason: d.reason, durationMs: 0 });
          continue;
        }
        // A failure is run again, up to --retries times; a pass on a retry is flaky, never a plain pass.
        const earlier: NonNullable<ResultRecord['attempts']> = [];
        const once = () => (plan.ensemble ? this.runEnsemble(plan, item) : attempt(item));
        let result = await once();
        while (isFailure(result.verdict) && earlier.length < (this.options.retries ?? 0) && !this.options.signal?.aborted) {
          earlier.push({ verdict: result.verdict, ...(result.reason !== undefined ? { reason: result.reason } : {}), durationMs: result.durationMs });
          result = await once();
        }
        if (earlier.length) {
          const passed = result.verdict === 'pass';
          result = {
            ...result,
            verdict: passed ? 'flaky' : result.verdict,
            ...(passed
              ? { reason: `passed on attempt ${earlier.length + 1} of ${earlier.length + 1}; first: ${earlier[0]!.verdict}: ${earlier[0]!.reason ?? ''}` }
              : {}),
            attempts: earlier,
          };
        }
        this.record(plan, item, result);
      }
    } finally {
      await transport?.close();
    }
  }

  private async runOne(
    plan: TargetPlan,
    item: PlanItem,
    transport: Transport,
  ): Promise<{ outcome: Omit<ResultRecord, 'vectorId' | 'targetId' | 'suite' | 'durationMs'>; faulted: boolean }> {
    const controller = new AbortController();
    const timeoutMs = this.vectorBudget(item, plan.view);
    const clock = deadline(timeoutMs, controller);
    const adapter = { adapterMs: 0 };
    const session = this.session(transport, controller.signal, adapter);
    const ctx = this.context(plan, item, clock, controller);
    try {
      const { timing, ...outcome }: Outcome = await Promise.race([item.suite.run(item.vector, session, plan.view, ctx), clock.timedOut]);
      return {
        outcome: { ...outcome, artifacts: { ...ctx.artifacts, ...outcome.artifacts }, timing: { adapterMs: adapter.adapterMs, ...timing } },
        faulted: false,
      };
    } catch (err) {
      // Whatever the suite kept so far (a pcap, say) stays with the result.
      const artifacts = Object.keys(ctx.artifacts).length ? { artifacts: ctx.artifacts } : {};
      // The adapter is in an unknown state after any fault but its own error report: restart it.
      if (!(err instanceof AdapterFault && err.kind === 'adapter-error')) await killTransport(transport);
      const logs = stderrLogs([[plan.record.id, transport]]);
      return { outcome: { ...faultOutcome(err), ...artifacts, ...logs }, faulted: true };
    } finally {
      clock.clear();
      // Aborting tells the suite the vector is over (it may still write what it kept).
      controller.abort();
      transport.onNotification?.(undefined);
    }
  }

  /** The suite's view of one adapter for one vector: calls are timed and end when the vector does. */
  private session(transport: Transport, signal: AbortSignal, clock: { adapterMs: number }): Session {
    return {
      signal,
      onNotification: (handler: (method: string, params: unknown) => void) => transport.onNotification?.(handler),
      call: async (method: string, params: unknown) => {
        const t0 = performance.now();
        try {
          return await transport.call(method, params, signal);
        } finally {
          clock.adapterMs += performance.now() - t0;
        }
      },
    };
  }

  private context(plan: TargetPlan, item: PlanItem, clock: Deadline, controller: AbortController): RunContext {
    const budget = this.startBudget(plan.view);
    return {
      startup: async <T>(what: string, work: () => Promise<T>): Promise<T> => {
        const release = clock.hold();
        let timer: NodeJS.Timeout | undefined;
        const over = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new AdapterFault('start-failed', `start-up exceeded ${budget} ms (${what})`));
          }, budget);
        });
        try {
          return await Promise.race([work(), over]);
        } finally {
          clearTimeout(timer);
          release();
        }
      },
      profile: this.options.profile,
      timeoutMs: this.vectorBudget(item, plan.view),
      artifactDir: join(this.options.outDir, 'artifacts', plan.record.id, item.vector.id.replace(/\//g, '__')),
      outDir: this.options.outDir,
      artifacts: {},
      services: this.options.services.get(item.suite.name),
      seed: this.options.seed ?? 0,
    };
  }

  /**
   * One vector of a suite with roles: each role's adapter is started for this
   * vector alone (where the suite places it), and all of them, and the
   * fabric, are gone when it ends, whatever the verdict; but an adapter the
   * suite asked to keep (StartOptions.keep) goes back to the idle ones when
   * the vector ends without a fault, for a later vector to take.
   */
  private async runEnsemble(plan: TargetPlan, item: PlanItem): Promise<Omit<ResultRecord, 'vectorId' | 'targetId' | 'suite'>> {
    const began = performance.now();
    const roles = plan.ensemble!;
    const roleIds = Object.fromEntries(Object.entries(roles).map(([role, p]) => [role, p.record.id]));
    const views = Object.fromEntries(Object.entries(roles).map(([role, p]) => [role, p.view]));
    const finish = (r: Omit<ResultRecord, 'vectorId' | 'targetId' | 'suite' | 'durationMs' | 'roles'>) => ({
      ...r,
      roles: roleIds,
      durationMs: performance.now() - began,
    });
    const decision = item.suite.planEnsemble?.(item.vector, views) ?? { run: true };
    if (!decision.run) return finish({ verdict: decision.verdict, expected: null, actual: null, reason: decision.reason });
    const controller = new AbortController();
    const timeoutMs = this.vectorBudget(item, plan.view);
    const clock = deadline(timeoutMs, controller);
    const adapter = { adapterMs: 0 };
    /** Each role's adapters, in start order: stopped when the vector ends, and their logs kept with an error or timeout. */
    const byRole: [string, Transport][] = [];
    // Adapters that ended well are closed (they clean up what they made); after a fault, they are killed.
    let faulted = true;
    let fabric: (Fabric & { dispose(): Promise<void> }) | undefined;
    const ctx = this.context(plan, item, clock, controller);
    /** The adapters started with keep, and where they go back to. */
    const keeping = new Map<Transport, string>();
    const release = (t: Transport): Promise<void> => {
      const key = keeping.get(t);
      if (faulted) return killTransport(t);
      if (key === undefined || !t.alive) return t.close();
      t.onNotification?.(undefined);
      this.kept.set(key, [...(this.kept.get(key) ?? []), t]);
      return Promise.resolve();
    };
    let stopped: Promise<unknown> | undefined;
    const stopAll = () => (stopped ??= Promise.all(byRole.map(([, t]) => release(t).catch(() => undefined))));
    const ensemble: Ensemble = {
      targets: views,
      fabric: undefined,
      // An adapter's start-up is not the vector's work: it has the start-up budget.
      start: (role: string, placement?: Placement, options?: StartOptions) =>
        ctx.startup!(`the ${role}'s adapter`, async () => {
          const part = roles[role];
          if (!part?.factory) throw new Error(`no target in role ${role}`);
          const key = options?.keep ? keptKey(part.record.id, item.suite.name, placement) : undefined;
          const idle = key !== undefined ? this.takeKept(key) : undefined;
          const transport = idle ?? (await part.factory.start(placement));
          byRole.push([role, transport]);
          if (key !== undefined) keeping.set(transport, key);
          if (!idle) await hello(transport, part, [item.suite.name], controller.signal);
          return this.session(transport, controller.signal, adapter);
        }),
    };
    try {
      fabric = this.options.fabric?.();
      ensemble.fabric = fabric;
      const { timing, ...outcome }: Outcome = await Promise.race([item.suite.runEnsemble!(item.vector, ensemble, ctx), clock.timedOut]);
      faulted = false;
      return finish({ ...outcome, artifacts: { ...ctx.artifacts, ...outcome.artifacts }, timing: { adapterMs: adapter.adapterMs, ...timing } });
    } catch (err) {
      const artifacts = Object.keys(ctx.artifacts).length ? { artifacts: ctx.artifacts } : {};
      // The adapters are stopped first, so that their logs include what they wrote on the way out.
      await stopAll();
      return finish({ ...faultOutcome(err), ...artifacts, ...stderrLogs(byRole) });
    } finally {
      clock.clear();
      controller.abort();
      await stopAll();
      await fabric?.dispose().catch(() => undefined);
    }
  }
}

/**
 * The hello handshake (docs/adapter-contract.md), the first call to every
 * adapter started, for a lone target or a role of an ensemble: what the adapter
 * says it is and can do goes into the target's record and view (the last hello
 * wins; a target's adapters answer alike).
 */
/** Says hello: the contract, the suites, and what the suites tell the adapter ahead of its first vector (`setup`). */
async function hello(transport: Transport, plan: TargetPlan, suites: string[], signal: AbortSignal, setup: Record<string, unknown> = {}): Promise<void> {
  const params = { contract: CONTRACT_VERSION, suites, ...(Object.keys(setup).length ? { setup } : {}) };
  const said = (await transport.call('hello', params, signal)) as HelloResult;
  plan.record.implementation = said.implementation;
  plan.record.capabilities = said.capabilities;
  plan.record.contract = said.contract;
  plan.view.capabilities = new Set(said.capabilities);
  Object.assign(plan.record, plan.factory?.describe?.() ?? {});
}

/**
 * The verdict of a vector that ended in an exception: an adapter's fault is
 * an error (a timeout fault, a timeout) with the fault's message; anything else
 * is the harness's own bug, an error with its stack.
 */
function faultOutcome(err: unknown): { verdict: 'error' | 'timeout'; expected: null; actual: null; reason: string } {
  if (err instanceof AdapterFault) return { verdict: err.kind === 'timeout' ? 'timeout' : 'error', expected: null, actual: null, reason: err.message };
  return { verdict: 'error', expected: null, actual: null, reason: `harness error: ${(err as Error).stack ?? String(err)}` };
}

/** A promise that rejects with a timeout fault (and aborts the vector) after `ms`; clear the timer when the vector ends first. */
function deadline(ms: number, controller: AbortController): Deadline {
  let timer: NodeJS.Timeout | undefined;
  let fire!: () => void;
  const timedOut = new Promise<never>((_, reject) => {
    fire = () => {
      controller.abort();
      reject(new AdapterFault('timeout', `no verdict within ${ms} ms`));
    };
  });
  // Nobody awaits it once the vector is over.
  timedOut.catch(() => undefined);
  let left = ms;
  let since = performance.now();
  let held = 0;
  const arm = () => (timer = setTimeout(fire, Math.max(0, left)));
  arm();
  return {
    timedOut,
    clear: () => clearTimeout(timer),
    hold: () => {
      if (held++ === 0) {
        clearTimeout(timer);
        left -= performance.now() - since;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--held === 0 && !controller.signal.aborted) {
          since = performance.now();
          arm();
        }
      };
    },
  };
}

/**
 * A vector's deadline: it runs while the target works, and is held while the
 * harness sets up (adapters, namespaces, captures: RunContext.startup), which
 * has a budget of its own.
 */
interface Deadline {
  timedOut: Promise<never>;
  clear(): void;
  /** Stops the clock until the returned function is called (holds nest). */
  hold(): () => void;
}

/**
 * The stderr tails of the adapters of an error or timeout (ResultRecord.logs),
 * by endpoint: the target's id, or the role in an ensemble (a role started
 * twice gets "#2"). Adapters that wrote nothing are left out.
 */
function stderrLogs(endpoints: [string, Transport][]): { logs?: Record<string, string> } {
  const logs: Record<string, string> = {};
  for (const [name, transport] of endpoints) {
    const tail = transport.stderrTail();
    if (!tail.trim()) continue;
    let key = name;
    for (let n = 2; key in logs; n++) key = `${name}#${n}`;
    logs[key] = tail;
  }
  return Object.keys(logs).length ? { logs } : {};
}

async function killTransport(transport: Transport): Promise<void> {
  const t = transport as Transport & { kill?: () => Promise<void> };
  if (t.kill) await t.kill();
  else await t.close();
}

/** Where a kept adapter may serve again: the same target, suite and placement. */
function keptKey(targetId: string, suite: string, placement: Placement | undefined): string {
  return `${targetId}\u0000${suite}\u0000${JSON.stringify(placement ?? null)}`;
}

function key(targetId: string, vectorId: string): string {
  return `${targetId}\u0000${vectorId}`;
}
