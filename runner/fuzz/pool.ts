/**
 * Runs scenarios on targets through the normal machinery: each target's plan
 * (runner/plan.ts buildPlans, with the local or docker driver), the suite's
 * services, and the scheduler, which starts each adapter, says hello, turns a
 * crash or a hang into an error or timeout verdict, and stops the adapter when
 * the batch is over. A batch is one scheduler run: the fuzzer's loop gets
 * every result of a batch before it decides on the next one.
 *
 * The adapters outlive a batch (keepAlive): starting a JVM or a browser for
 * each of the many small batches of delta debugging would cost more than the
 * scenarios. The scheduler's close at the end of a batch leaves the adapter
 * running, its next start hands back the same one (which hears hello again),
 * and its kill after a fault kills it, so that the next start starts anew.
 */
import { availableParallelism } from 'node:os';
import { track } from '../cleanup.js';
import { UsageError } from '../errors.js';
import type { ResultRecord } from '../model.js';
import { buildPlans, localDrive, planItems, selectTargets, type Drive } from '../plan.js';
import { Scheduler, type TargetPlan } from '../scheduler.js';
import { LOCAL_HARNESS, type LoadedVector, type Suite } from '../suite.js';
import { loadSuites } from '../suites.js';
import { discoverTargets, type Target } from '../targets.js';
import type { Transport, TransportFactory } from '../transport.js';
import { DockerDriver, dockerAvailable } from '../docker/driver.js';

export interface PoolOptions {
  suite: Suite;
  /** Targets named with --target; none: those `byDefault` accepts. */
  targets: string[];
  byDefault?: (t: { id: string; userAgentClass?: string | undefined }) => boolean;
  driver: 'local' | 'docker';
  outDir: string;
  timeoutMs: number;
  jobs?: number;
  profile?: string;
  targetDirs?: string[];
  quiet?: boolean;
}

export interface BatchTiming {
  /** Wall-clock time of the batch. */
  wallMs: number;
  /** Per target, the time its results spent waiting for its adapter (ResultRecord.timing.adapterMs), summed. */
  adapterMs: Map<string, number>;
}

/** A transport whose close leaves the adapter running, for the next batch; kill ends it. */
function kept(t: Transport): Transport & { kill(): Promise<void> } {
  const real = t as Transport & { kill?: () => Promise<void> };
  return {
    call: (method, params, signal) => t.call(method, params, signal),
    get alive() {
      return t.alive;
    },
    get faultReason() {
      return t.faultReason;
    },
    stderrTail: () => t.stderrTail(),
    ...(t.onNotification ? { onNotification: (h: Parameters<NonNullable<Transport['onNotification']>>[0]) => t.onNotification!(h) } : {}),
    close: async () => undefined,
    kill: async () => (real.kill ? real.kill() : t.close()),
  };
}

/** The factory's adapters, each kept across batches while it is alive; `all` holds every one started, for the pool's close. */
function keepAlive(factory: TransportFactory, all: Transport[]): TransportFactory {
  let live: Transport | undefined;
  return {
    driver: factory.driver,
    ...(factory.describe ? { describe: () => factory.describe!() } : {}),
    start: async (placement) => {
      if (!live?.alive) {
        live = await factory.start(placement);
        all.push(live);
      }
      return kept(live);
    },
  };
}

export class TargetPool {
  /** The available targets' plans; `unavailable` lists the others with their reason. */
  readonly plans: TargetPlan[];
  readonly unavailable: { id: string; reason: string }[];
  private readonly options: PoolOptions;
  private readonly services: Map<string, unknown>;
  private readonly disposers: (() => Promise<void>)[];
  private readonly adapters: Transport[] = [];

  private constructor(options: PoolOptions, plans: TargetPlan[], services: Map<string, unknown>, disposers: (() => Promise<void>)[]) {
    this.options = options;
    this.plans = plans.filter((p) => p.factory);
    for (const p of this.plans) p.factory = keepAlive(p.factory!, this.adapters);
    this.unavailable = plans.filter((p) => !p.factory).map((p) => ({ id: p.record.id, reason: p.record.reason ?? 'unavailable' }));
    this.services = services;
    this.disposers = disposers;
  }

  static async open(options: PoolOptions): Promise<TargetPool> {
    const discovered = discoverTargets(options.targetDirs);
    let targets = selectTargets(discovered, await loadSuites(), [options.suite.name], options.targets);
    if (!options.targets.length && options.byDefault)
      targets = targets.filter((t) => options.byDefault!({ id: t.id, userAgentClass: t.manifest.userAgentClass }));
    if (!targets.length) throw new UsageError(`no ${options.suite.name} target to fuzz`);
    const disposers: (() => Promise<void>)[] = [];
    let drive: ((t: Target, r: Record<string, string>) => Promise<Drive>) | undefined;
    if (options.driver === 'docker') {
      const problem = await dockerAvailable();
      if (problem) throw new UsageError(`--driver docker: no docker engine answers (${problem})`);
      const docker = await DockerDriver.start({ outDir: options.outDir });
      const untrack = track('docker driver', { async: () => docker.dispose() });
      disposers.push(async () => {
        untrack();
        await docker.dispose();
      });
      drive = async (t, r) => {
        try {
          await docker.image(t);
          return { driver: 'docker', factory: docker.factory(t, r), harness: await docker.harness(t) };
        } catch (err) {
          return { driver: 'docker', factory: null, harness: LOCAL_HARNESS, reason: `docker: ${(err as Error).message}` };
        }
      };
    }
    const plans = await buildPlans(targets, [{ suite: options.suite, vectors: [] }], options.profile, drive ?? (async (t, r) => localDrive(t, r)));
    const services = new Map<string, unknown>();
    if (options.suite.setup) {
      const s = await options.suite.setup({ outDir: options.outDir });
      services.set(options.suite.name, s.services);
      const untrack = track(`${options.suite.name} services`, { async: s.dispose });
      disposers.unshift(async () => {
        untrack();
        await s.dispose();
      });
    }
    return new TargetPool(options, plans, services, disposers);
  }

  get targetIds(): string[] {
    return this.plans.map((p) => p.record.id);
  }

  /**
   * Runs every vector on every target, or on the targets `only` names for it
   * (delta debugging of one target against the reference needs those two
   * alone); the results by vector id, then target id.
   */
  async run(
    vectors: LoadedVector[],
    signal?: AbortSignal,
    only?: (vector: LoadedVector) => readonly string[] | undefined,
  ): Promise<{ results: Map<string, Map<string, ResultRecord>>; timing: BatchTiming }> {
    const began = performance.now();
    for (const p of this.plans) {
      const mine = only ? vectors.filter((v) => only(v)?.includes(p.record.id) ?? true) : vectors;
      p.items = planItems(this.options.suite, mine, p.view, this.options.profile);
    }
    const scheduler = new Scheduler(this.plans, {
      jobs: this.options.jobs ?? Math.max(this.plans.length, availableParallelism()),
      timeoutMs: this.options.timeoutMs,
      profile: this.options.profile,
      outDir: this.options.outDir,
      services: this.services,
      ...(signal ? { signal } : {}),
    });
    const records = await scheduler.run();
    const results = new Map<string, Map<string, ResultRecord>>(vectors.map((v) => [v.id, new Map()]));
    const adapterMs = new Map<string, number>();
    for (const r of records) {
      results.get(r.vectorId)?.set(r.targetId, r);
      adapterMs.set(r.targetId, (adapterMs.get(r.targetId) ?? 0) + (r.timing?.adapterMs ?? 0));
    }
    return { results, timing: { wallMs: performance.now() - began, adapterMs } };
  }

  async close(): Promise<void> {
    await Promise.all(this.adapters.map((t) => t.close().catch(() => undefined)));
    for (const d of this.disposers) await d().catch(() => undefined);
  }
}
