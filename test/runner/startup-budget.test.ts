// Issue 14 item 2: a vector's deadline covers the target's own work. An
// adapter's start-up in an ensemble, and the set-up a suite runs through
// RunContext.startup, hold the deadline and have the start-up budget instead;
// past it the vector is an error "start-up exceeded N ms", not a timeout.
// The slow set-up here is what the test is about (a stand-in for a namespace
// or a browser that takes long to come up on a busy machine), not a wait for
// something to happen.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultRecord } from '../../runner/model.js';
import { Scheduler, type TargetPlan } from '../../runner/scheduler.js';
import { LOCAL_HARNESS, type Ensemble, type LoadedVector, type RunContext, type Session, type Suite } from '../../runner/suite.js';
import { CONTRACT_VERSION, inProcessTransport } from '../../runner/transport.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VECTOR_MS = 300;
const SLOW_MS = 900;

const vector = {
  id: 'budget/one',
  title: 'one',
  level: 'must',
  citations: [],
  flags: [],
  source: { file: 'x.json', pointer: '/vectors/0' },
  data: {},
} as unknown as LoadedVector;

/** A target whose adapter takes startMs to come up and answers 'work' at once. */
function plan(id: string, startMs = 0): TargetPlan {
  const view = { id, name: id, capabilities: new Set<string>(), options: {}, harness: LOCAL_HARNESS } as unknown as TargetPlan['view'];
  return {
    record: { id, name: id, suites: ['budget'], status: 'available', driver: 'in-process' },
    view,
    factory: {
      driver: 'in-process',
      start: async () => {
        await delay(startMs);
        return inProcessTransport({
          hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: id, version: '1' }, capabilities: [] }),
          work: () => ({ done: true }),
        });
      },
    },
    items: [],
  };
}

/** A suite whose vector sets up for setupMs (through ctx.startup), then asks its target(s) for 'work'. */
function suite(setupMs: number): Suite {
  const setup = (ctx: RunContext) => (ctx.startup ? ctx.startup('the test set-up', () => delay(setupMs)) : delay(setupMs));
  return {
    name: 'budget',
    title: 'budget',
    vectorSchema: 'x',
    vectorDir: '.',
    load: () => [],
    plan: () => ({ run: true }),
    roles: ['a', 'b'],
    run: async (_v: LoadedVector, session: Session, _t: unknown, ctx: RunContext) => {
      await setup(ctx);
      await session.call('work', {});
      return { verdict: 'pass', expected: null, actual: null };
    },
    runEnsemble: async (_v: LoadedVector, ensemble: Ensemble, ctx: RunContext) => {
      const a = await ensemble.start('a');
      const b = await ensemble.start('b');
      await setup(ctx);
      await Promise.all([a.call('work', {}), b.call('work', {})]);
      return { verdict: 'pass', expected: null, actual: null };
    },
  } as unknown as Suite;
}

async function runOnce(p: TargetPlan, s: Suite, startTimeoutMs?: number): Promise<ResultRecord> {
  p.items = [{ suite: s, vector, decision: { run: true } }];
  const scheduler = new Scheduler([p], {
    jobs: 1,
    timeoutMs: VECTOR_MS,
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
    profile: undefined,
    outDir: join(tmpdir(), 'cfx-budget'),
    services: new Map(),
  });
  const [r] = await scheduler.run();
  return r!;
}

function pair(startMs: number): TargetPlan {
  const p = plan('a+b');
  p.factory = null;
  p.ensemble = { a: plan('a', startMs), b: plan('b', startMs) };
  return p;
}

describe(`scheduler: set-up has its own budget, the vector's deadline (${VECTOR_MS} ms) the target's work`, function () {
  this.timeout(20_000);

  it("a suite's slow set-up (ctx.startup) is not a timeout of the target", async () => {
    const r = await runOnce(plan('t'), suite(SLOW_MS));
    assert.equal(r.verdict, 'pass', r.reason);
  });

  it('slow adapter start-ups in an ensemble are not a timeout of the pair', async () => {
    const r = await runOnce(pair(SLOW_MS / 2), suite(0));
    assert.equal(r.verdict, 'pass', r.reason);
  });

  it('a set-up past the start-up budget is an error "start-up exceeded N ms", not a timeout', async () => {
    const r = await runOnce(plan('t'), suite(SLOW_MS), 400);
    assert.equal(r.verdict, 'error');
    assert.match(r.reason ?? '', /^start-up exceeded 400 ms \(the test set-up\)/);
  });

  it('an adapter start-up past the budget in an ensemble is that error too', async () => {
    const r = await runOnce(pair(SLOW_MS), suite(0), 400);
    assert.equal(r.verdict, 'error');
    assert.match(r.reason ?? '', /^start-up exceeded 400 ms \(the a's adapter\)/);
  });

  it("the target's own work still has the vector's deadline", async () => {
    const s = suite(0);
    s.run = async (_v, session) => {
      await session.call('work', {});
      await delay(SLOW_MS); // the "target" is slow: past the deadline
      return { verdict: 'pass', expected: null, actual: null };
    };
    const r = await runOnce(plan('t'), s);
    assert.equal(r.verdict, 'timeout');
  });
});
