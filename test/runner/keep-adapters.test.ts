// Issue 16: an ensemble role's adapter that is dear to start (a VM's boot) is
// kept across vectors when the suite asks for it (Ensemble.start with keep):
// the next vector of the run takes the idle adapter instead of starting
// another, one that ended in a fault (error, timeout) is killed and never
// handed out again, one that died while idle is passed over, and the kept
// ones end with the run. In-process adapters that count their starts.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, type TargetPlan } from '../../runner/scheduler.js';
import { LOCAL_HARNESS, type Ensemble, type LoadedVector, type Suite } from '../../runner/suite.js';
import { CONTRACT_VERSION, inProcessTransport, type Transport } from '../../runner/transport.js';

const vector = (id: string) =>
  ({ id, title: id, level: 'must', citations: [], flags: [], source: { file: 'x.json', pointer: '/vectors/0' }, data: { id } }) as unknown as LoadedVector;

/** A target whose adapters are numbered as they start; 'who' says which one answers, 'fail' reports an error. */
function target(id: string, started: Transport[]): TargetPlan {
  const view = { id, name: id, capabilities: new Set<string>(), options: {}, harness: LOCAL_HARNESS } as unknown as TargetPlan['view'];
  return {
    record: { id, name: id, suites: ['keep'], status: 'available', driver: 'in-process' },
    view,
    factory: {
      driver: 'in-process',
      start: async () => {
        const n = started.length + 1;
        const t = inProcessTransport({
          hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: id, version: '1' }, capabilities: [] }),
          who: () => ({ n }),
          hang: () => new Promise(() => undefined),
        });
        started.push(t);
        return t;
      },
    },
    items: [],
  };
}

/**
 * A suite of one role whose vectors say what to do: 'hang' (a timeout),
 * 'crashed' (every adapter started so far ends before the vector asks for
 * one: a VM that crashed while its adapter sat idle), or nothing.
 */
function suite(keep: boolean, started: Transport[]): Suite {
  return {
    name: 'keep',
    roles: ['only'],
    runEnsemble: async (v: LoadedVector, ensemble: Ensemble) => {
      const what = (v.data as { id: string }).id;
      if (what.includes('crashed')) for (const t of started) await t.close();
      const session = await ensemble.start('only', undefined, { keep });
      const { n } = (await session.call('who', {})) as { n: number };
      if (what.includes('hang')) await session.call('hang', {});
      return { verdict: 'pass', expected: null, actual: { n } };
    },
  } as unknown as Suite;
}

async function run(ids: string[], keep: boolean) {
  const started: Transport[] = [];
  const s = suite(keep, started);
  const pair = target('t', started);
  pair.factory = null;
  pair.ensemble = { only: target('t', started) };
  pair.items = ids.map((id) => ({ suite: s, vector: vector(id), decision: { run: true } }));
  const scheduler = new Scheduler([pair], { jobs: 1, timeoutMs: 300, profile: undefined, outDir: join(tmpdir(), 'cfx-keep'), services: new Map() });
  const results = await scheduler.run();
  return { results: results.map((r) => [r.verdict, (r.actual as { n?: number } | null)?.n]), started };
}

describe('scheduler: an ensemble adapter kept across vectors (StartOptions.keep)', function () {
  this.timeout(20_000);

  it('one adapter serves every vector when the suite keeps it, and it ends with the run', async () => {
    const { results, started } = await run(['k/a', 'k/b', 'k/c'], true);
    assert.deepEqual(results, [
      ['pass', 1],
      ['pass', 1],
      ['pass', 1],
    ]);
    assert.equal(started.length, 1);
    assert.equal(started[0]!.alive, false, 'closed when the run ended');
  });

  it('without keep, every vector starts its own adapter (as before)', async () => {
    const { results, started } = await run(['k/a', 'k/b'], false);
    assert.deepEqual(results, [
      ['pass', 1],
      ['pass', 2],
    ]);
    assert.ok(started.every((t) => !t.alive));
  });

  it('a vector that times out kills its adapter: the next vector gets a fresh one, kept from then on', async () => {
    const { results, started } = await run(['k/a', 'k/hang', 'k/b', 'k/c'], true);
    assert.deepEqual(results, [
      ['pass', 1],
      ['timeout', undefined],
      ['pass', 2],
      ['pass', 2],
    ]);
    assert.equal(started.length, 2);
  });

  it('an idle kept adapter that died (a VM that crashed between vectors) is passed over for a fresh one', async () => {
    const { results, started } = await run(['k/a', 'k/crashed', 'k/c'], true);
    assert.deepEqual(results, [
      ['pass', 1],
      ['pass', 2],
      ['pass', 2],
    ]);
    assert.equal(started.length, 2);
  });
});
