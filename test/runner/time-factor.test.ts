// A slow target (a kernel under emulation, linux-6.1) says so in its manifest's timeFactor: the runner multiplies its
// start-up budget and its vectors' deadlines by it, and suites see it on the target's view. The slow work here is what
// the test is about (a stand-in for a VM that boots and answers slowly), not a wait for something to happen.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultRecord } from '../../runner/model.js';
import { ensemblePlans, targetView, type LoadedSuite } from '../../runner/plan.js';
import { Scheduler, type TargetPlan } from '../../runner/scheduler.js';
import { LOCAL_HARNESS, type Ensemble, type LoadedVector, type RunContext, type Session, type Suite, type TargetView } from '../../runner/suite.js';
import { loadTarget } from '../../runner/targets.js';
import { CONTRACT_VERSION, inProcessTransport } from '../../runner/transport.js';
import { ROOT } from '../helpers.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VECTOR_MS = 300;
const START_MS = 300;
const SLOW_MS = 700;

const vector = {
  id: 'factor/one',
  title: 'one',
  level: 'must',
  citations: [],
  flags: [],
  source: { file: 'x.json', pointer: '/vectors/0' },
  data: {},
} as unknown as LoadedVector;

/** A target whose work takes workMs, with a time factor (or none); the suite's set-up for it takes setupMs. */
function plan(setupMs: number, workMs: number, timeFactor?: number): TargetPlan {
  const view = {
    id: 't',
    name: 't',
    userAgentClass: undefined,
    capabilities: new Set<string>(),
    options: {},
    harness: LOCAL_HARNESS,
    ...(timeFactor ? { timeFactor } : {}),
  };
  return {
    record: { id: 't', name: 't', suites: ['factor'], status: 'available', driver: 'in-process' },
    view: view as TargetView,
    factory: {
      driver: 'in-process',
      start: async () =>
        inProcessTransport({
          hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: 't', version: '1' }, capabilities: [] }),
          setupMs: () => setupMs,
          work: async () => (await delay(workMs), { done: true }),
        }),
    },
    items: [],
  };
}

const seen: (number | undefined)[] = [];
const suite = {
  name: 'factor',
  title: 'factor',
  vectorSchema: 'x',
  vectorDir: '.',
  load: () => [],
  plan: () => ({ run: true }),
  run: async (_v: LoadedVector, session: Session, target: TargetView, ctx: RunContext) => {
    seen.push(target.timeFactor);
    const setupMs = (await session.call('setupMs', {})) as number;
    await ctx.startup!('the test set-up', () => delay(setupMs));
    await session.call('work', {});
    return { verdict: 'pass', expected: null, actual: null };
  },
} as unknown as Suite;

async function runOnce(p: TargetPlan): Promise<ResultRecord> {
  p.items = [{ suite, vector, decision: { run: true } }];
  const scheduler = new Scheduler([p], {
    jobs: 1,
    timeoutMs: VECTOR_MS,
    startTimeoutMs: START_MS,
    profile: undefined,
    outDir: join(tmpdir(), 'cfx-factor'),
    services: new Map(),
  });
  const [r] = await scheduler.run();
  return r!;
}

describe(`scheduler: a target's timeFactor scales its start-up budget (${START_MS} ms) and deadlines (${VECTOR_MS} ms)`, function () {
  this.timeout(20_000);

  it('work past the deadline is a timeout without a factor', async () => {
    assert.equal((await runOnce(plan(0, SLOW_MS))).verdict, 'timeout');
  });

  it('the same work within the deadline times the factor passes, and the suite sees the factor', async () => {
    seen.length = 0;
    const r = await runOnce(plan(0, SLOW_MS, 4));
    assert.equal(r.verdict, 'pass', r.reason);
    assert.deepEqual(seen, [4]);
  });

  it('a set-up past the start-up budget is an error without a factor', async () => {
    const r = await runOnce(plan(SLOW_MS, 0));
    assert.equal(r.verdict, 'error');
    assert.match(r.reason ?? '', /^start-up exceeded 300 ms/);
  });

  it('the same set-up within the budget times the factor passes', async () => {
    const r = await runOnce(plan(SLOW_MS, 0, 4));
    assert.equal(r.verdict, 'pass', r.reason);
  });

  it("the manifest's timeFactor reaches the target's view (linux-6.1 says 4; linux-kernel none)", () => {
    assert.equal(targetView(loadTarget(join(ROOT, 'targets', 'linux-6.1')), 'mptcp').timeFactor, 4);
    assert.equal(targetView(loadTarget(join(ROOT, 'targets', 'linux-kernel')), 'mptcp').timeFactor, undefined);
  });

  it('a pair of targets (client × server) gets the factor of its slowest member, in either role', () => {
    const member = (id: string, timeFactor?: number) =>
      ({
        record: { id, name: id, suites: ['pairs'], status: 'available', driver: 'local' },
        view: { id, ...(timeFactor ? { timeFactor } : {}) },
        factory: {},
        items: [],
      }) as unknown as TargetPlan;
    const loaded = [{ suite: { name: 'pairs', roles: ['client', 'server'] }, vectors: [{ id: 'pairs/one' }] }] as unknown as LoadedSuite[];
    const factors = Object.fromEntries(ensemblePlans([member('fast'), member('vm', 4)], loaded).map((p) => [p.record.id, p.view?.timeFactor]));
    assert.deepEqual(factors, { 'fast+fast': undefined, 'fast+vm': 4, 'vm+fast': 4, 'vm+vm': 4 });
  });

  it("a pair's deadline scales with its slow member's factor, though the slow one is the server", async () => {
    const pairSuite = {
      ...suite,
      roles: ['client', 'server'],
      runEnsemble: async (_v: LoadedVector, ensemble: Ensemble) => {
        await (await ensemble.start('client')).call('work', {});
        return { verdict: 'pass', expected: null, actual: null };
      },
    } as unknown as Suite;
    const member = (id: string, timeFactor?: number): TargetPlan => {
      const p = plan(0, SLOW_MS, timeFactor);
      return { ...p, record: { ...p.record, id }, view: { ...p.view!, id } };
    };
    const pairs = ensemblePlans([member('fast'), member('vm', 4)], [{ suite: pairSuite, vectors: [vector] }] as unknown as LoadedSuite[]);
    const run = async (id: string) => {
      const scheduler = new Scheduler(
        pairs.filter((p) => p.record.id === id),
        { jobs: 1, timeoutMs: VECTOR_MS, startTimeoutMs: START_MS, profile: undefined, outDir: join(tmpdir(), 'cfx-factor'), services: new Map() },
      );
      return (await scheduler.run())[0]!;
    };
    assert.equal((await run('fast+fast')).verdict, 'timeout');
    const r = await run('fast+vm');
    assert.equal(r.verdict, 'pass', r.reason);
  });
});

describe('scheduler: the target with the most work starts first', function () {
  this.timeout(20_000);

  it('orders targets by vectors times timeFactor, whatever their order in the plan (ties keep it)', async () => {
    const started: string[] = [];
    const counting = {
      ...suite,
      run: async (_v: LoadedVector, _s: Session, target: TargetView) => {
        if (!started.includes(target.id)) started.push(target.id);
        return { verdict: 'pass', expected: null, actual: null };
      },
    } as unknown as Suite;
    const named = (id: string, vectors: number, timeFactor?: number): TargetPlan => {
      const p = plan(0, 0, timeFactor);
      const items = Array.from({ length: vectors }, (_, i) => ({ suite: counting, vector: { ...vector, id: `factor/${i}` }, decision: { run: true } }));
      return { ...p, record: { ...p.record, id }, view: { ...p.view, id }, items } as TargetPlan;
    };
    // jobs 1: one target at a time, in the scheduler's order.
    const scheduler = new Scheduler([named('a-few', 3), named('many', 5), named('slow', 2, 4), named('tied-first', 3), named('one', 1)], {
      jobs: 1,
      timeoutMs: 5_000,
      profile: undefined,
      outDir: join(tmpdir(), 'cfx-factor'),
      services: new Map(),
    });
    await scheduler.run();
    assert.deepEqual(started, ['slow', 'many', 'a-few', 'tied-first', 'one']);
  });
});
