/**
 * Running the vectors from an implementation's own mocha test suite. In a test
 * file of yours (ESM, so that top-level await works):
 *
 *   import { defineConformanceTests } from 'conformatrix';
 *   await defineConformanceTests({
 *     suite: 'cookies',
 *     target: { name: 'my-jar', userAgentClass: 'non-browser', capabilities: ['clock'],
 *               handlers: { 'cookies.run': (params) => myRun(params) } },
 *   });
 *
 * Each vector becomes an `it` inside a `describe` named after the target. The
 * target is either JavaScript handlers of the adapter contract's methods, called
 * in-process, or a command that speaks the contract over stdio.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { localDriver } from './local-driver.js';
import { applyGrep, grepPattern, settle, testTitle } from './mocha-bridge.js';
import { loadAll, planItems, resultSchemasFor } from './plan.js';
import { Scheduler, type TargetPlan } from './scheduler.js';
import { SpecLibrary } from './specs.js';
import { CONTRACT_VERSION, inProcessTransport, type Handlers, type TransportFactory } from './transport.js';
import { LOCAL_HARNESS } from './suite.js';

export interface LibraryTarget {
  name: string;
  userAgentClass?: 'browser' | 'non-browser' | 'any';
  /** In-process: handlers of the suite's methods (hello is answered for you from name, version and capabilities). */
  handlers?: Handlers;
  version?: string;
  capabilities?: string[];
  /** Or a program that speaks the adapter contract on stdin and stdout. */
  command?: string[];
  cwd?: string;
  options?: Record<string, unknown>;
}

export interface ConformanceOptions {
  suite: string;
  target: LibraryTarget;
  /** Vector files or folders; default: the suite's own vectors. */
  vectors?: string[];
  profile?: string;
  grep?: string;
  timeoutMs?: number;
}

function factoryFor(target: LibraryTarget, resultSchemas: Record<string, string>): TransportFactory {
  if (target.command) return localDriver({ command: target.command, cwd: target.cwd ?? process.cwd(), resultSchemas });
  const handlers: Handlers = {
    hello: () => ({
      contract: CONTRACT_VERSION,
      implementation: { name: target.name, version: target.version ?? 'unknown' },
      capabilities: target.capabilities ?? [],
    }),
    ...target.handlers,
  };
  return { driver: 'in-process', start: async () => inProcessTransport(handlers) };
}

export async function defineConformanceTests(options: ConformanceOptions): Promise<void> {
  const specs = SpecLibrary.load();
  const [loaded] = await loadAll([options.suite], options.vectors ?? [], specs);
  const { suite, vectors } = loaded!;
  const t = options.target;
  const profile = options.profile ?? suite.profiles?.default;
  const view = {
    id: t.name,
    name: t.name,
    userAgentClass: t.userAgentClass,
    capabilities: new Set(t.capabilities ?? []),
    options: t.options ?? {},
    harness: LOCAL_HARNESS,
  };
  const plan: TargetPlan = {
    record: { id: t.name, name: t.name, suites: [suite.name], status: 'available', driver: t.command ? 'local' : 'in-process' },
    view,
    factory: factoryFor(t, resultSchemasFor([suite])),
    items: planItems(suite, vectors, view, profile),
  };
  applyGrep([plan], options.grep !== undefined ? grepPattern(options.grep) : undefined);
  const scheduler = new Scheduler([plan], {
    jobs: 1,
    timeoutMs: options.timeoutMs ?? 10_000,
    profile,
    outDir: join(tmpdir(), 'conformatrix-mocha'),
    services: new Map(),
  });
  describe(`${suite.name} conformance: ${t.name}`, function () {
    this.timeout(0);
    let running: Promise<unknown> | undefined;
    before(() => {
      running = scheduler.run();
    });
    after(async () => {
      await running;
    });
    for (const item of plan.items) {
      it(testTitle(item.vector), async function () {
        settle(this, await scheduler.result(t.name, item.vector.id));
      });
    }
  });
}
