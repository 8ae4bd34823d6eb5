/**
 * The runner's own cost per vector. The same cookie vectors run against the
 * reference engine three ways, interleaved round by round so that the machine's
 * drift hits all of them alike:
 *
 *   direct      the engine called in-process, with the params the suite builds: no runner at all
 *   in-process  the full runner (scheduler, suite, verdict) with an in-process transport
 *   adapter     the full runner through the reference adapter process (JSON lines over stdio)
 *
 * It prints the median time per vector of each, their ratios, and the absolute
 * harness overhead per vector (adapter minus direct).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDriver } from '../runner/local-driver.js';
import { loadAll } from '../runner/plan.js';
import { Scheduler, type TargetPlan } from '../runner/scheduler.js';
import { SpecLibrary } from '../runner/specs.js';
import { LOCAL_HARNESS, type LoadedVector, type Suite } from '../runner/suite.js';
import { CONTRACT_VERSION, inProcessTransport, type TransportFactory } from '../runner/transport.js';
import { TARGETS_DIR } from '../runner/paths.js';
import { runCookieVector, type CookiesRunParams } from '../targets/reference/cookies/adapter.js';
import { referenceHandlers } from '../targets/reference/adapter.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function plan(suite: Suite, vectors: LoadedVector[], factory: TransportFactory): TargetPlan {
  return {
    record: { id: 'reference', name: 'reference', suites: ['cookies'], status: 'available', driver: factory.driver },
    view: { id: 'reference', name: 'reference', userAgentClass: 'any', capabilities: new Set(['clock']), options: {}, harness: LOCAL_HARNESS },
    factory,
    items: vectors.map((vector) => ({ suite, vector, decision: { run: true } })),
  };
}

async function throughRunner(suite: Suite, vectors: LoadedVector[], factory: TransportFactory): Promise<number> {
  const scheduler = new Scheduler([plan(suite, vectors, factory)], {
    jobs: 1,
    timeoutMs: 10_000,
    profile: 'rfc6265bis',
    outDir: join(tmpdir(), 'conformatrix-bench'),
    services: new Map(),
  });
  const t0 = performance.now();
  const results = await scheduler.run();
  const elapsed = performance.now() - t0;
  const bad = results.filter((r) => r.verdict !== 'pass');
  if (bad.length) throw new Error(`bench expects the reference to pass everything; ${bad[0]!.vectorId}: ${bad[0]!.reason}`);
  return elapsed;
}

export async function runnerOverhead(rounds = 15): Promise<Record<string, number>> {
  const [loaded] = await loadAll(['cookies'], [], SpecLibrary.load());
  const { suite, vectors } = loaded!;
  const usable = vectors.filter((v) => suite.plan(v, plan(suite, [], { driver: 'x', start: async () => inProcessTransport({}) }).view, 'rfc6265bis').run);

  // The params the suite sends for each vector, captured once, for the direct calls.
  const params: CookiesRunParams[] = [];
  const capture = {
    signal: new AbortController().signal,
    onNotification: () => undefined,
    call: async (_m: string, p: unknown) => (params.push(p as CookiesRunParams), runCookieVector(p as CookiesRunParams)),
  };
  for (const v of usable)
    await suite.run(v, capture, plan(suite, [], { driver: 'x', start: async () => inProcessTransport({}) }).view, {
      profile: 'rfc6265bis',
      timeoutMs: 10_000,
      artifactDir: tmpdir(),
      outDir: tmpdir(),
      artifacts: {},
      services: undefined,
      seed: 0,
    });

  // The adapter process is started once and kept, as in a real run; its start-up is measured apart.
  const adapter = localDriver({
    command: ['node', join('..', '..', 'dist', 'targets', 'reference', 'adapter.js')],
    cwd: join(TARGETS_DIR, 'reference'),
    resultSchemas: { 'cookies.run': suite.methods['cookies.run']!.result },
  });
  const transport = await adapter.start();
  await transport.call('hello', { contract: CONTRACT_VERSION, suites: ['cookies'] });
  // Each round's scheduler gets the same running process; closing it is left to the end.
  const keptOpen: TransportFactory = {
    driver: 'local',
    start: async () => ({
      call: (m, p, s) => transport.call(m, p, s),
      close: async () => undefined,
      get alive() {
        return transport.alive;
      },
      get faultReason() {
        return transport.faultReason;
      },
      stderrTail: () => transport.stderrTail(),
    }),
  };

  const inProcess: TransportFactory = { driver: 'in-process', start: async () => inProcessTransport(referenceHandlers) };
  const times = { direct: [] as number[], inProcess: [] as number[], adapter: [] as number[] };
  for (let round = 0; round < rounds + 2; round++) {
    const t0 = performance.now();
    for (const p of params) runCookieVector(p);
    const direct = performance.now() - t0;
    const viaInProcess = await throughRunner(suite, usable, inProcess);
    const viaAdapter = await throughRunner(suite, usable, keptOpen);
    if (round < 2) continue; // warm-up
    times.direct.push(direct / usable.length);
    times.inProcess.push(viaInProcess / usable.length);
    times.adapter.push(viaAdapter / usable.length);
  }
  await transport.close();
  return {
    vectors: usable.length,
    directMs: median(times.direct),
    inProcessMs: median(times.inProcess),
    adapterMs: median(times.adapter),
  };
}

export function printRunnerOverhead(r: Record<string, number>): void {
  const f = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  process.stdout.write(
    [
      `runner overhead: ${r.vectors} cookie vectors against the reference, medians per vector`,
      `  direct (engine only)           ${f(r.directMs!)}`,
      `  runner, in-process transport   ${f(r.inProcessMs!)}   ratio to direct ${(r.inProcessMs! / r.directMs!).toFixed(1)}x`,
      `  runner, adapter process        ${f(r.adapterMs!)}   ratio to direct ${(r.adapterMs! / r.directMs!).toFixed(1)}x`,
      `  harness overhead per vector    ${f(r.adapterMs! - r.directMs!)} (adapter - direct); of it the process boundary ${f(r.adapterMs! - r.inProcessMs!)}`,
      '',
    ].join('\n'),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printRunnerOverhead(await runnerOverhead());
