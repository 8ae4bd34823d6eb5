/**
 * Vectors surface as mocha tests: one mocha suite per target, one test per
 * vector, built with mocha's programmatic API, so that mocha's reporters and
 * grep work as usual. The tests do not run the vectors themselves: the
 * scheduler does, in parallel, and each test waits for its vector's verdict.
 * Used when --reporter names a mocha reporter; the default console is
 * reports/console.ts.
 */
import { AssertionError } from 'node:assert';
import Mocha from 'mocha';
import type { ResultRecord } from './model.js';
import { logsText } from './reports/text.js';
import type { TargetPlan } from './scheduler.js';
import type { LoadedVector } from './suite.js';

export function suiteTitle(plan: Pick<TargetPlan, 'record'>): string {
  return plan.record.id;
}

export function testTitle(vector: Pick<LoadedVector, 'id' | 'title'>): string {
  return `${vector.id}: ${vector.title}`;
}

/** Mocha's reading of --grep: a string is a regular expression, "/re/flags" included. */
export function grepPattern(grep: string): RegExp {
  const m = /^\/(.*)\/([dgimsuvy]*)$/.exec(grep);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(grep);
}

/** Drops the vectors grep would hide, so that no work is done for them. */
export function applyGrep(plans: TargetPlan[], grep: RegExp | undefined, invert = false): void {
  if (!grep) return;
  for (const plan of plans) {
    plan.items = plan.items.filter((item) => grep.test(`${suiteTitle(plan)} ${testTitle(item.vector)}`) !== invert);
  }
}

/**
 * An error for mocha to report that carries no stack frames: its frames would
 * be the harness's own (this file, the scheduler), never the target's, and
 * mocha prints the stack after the message. The reason, and for a fail the
 * expected and actual values (mocha's diff), say what happened.
 */
function frameless<E extends Error>(err: E): E {
  err.stack = `${err.name}: ${err.message}`;
  return err;
}

/** Turns a result into what a mocha test does: return, skip, or throw. */
export function settle(ctx: Mocha.Context, r: ResultRecord): void {
  // Gated on expectations: a known failure is reported as expected, not failing; a known failure that passed is unexpected.
  const x = r.expectation;
  if (x?.expected === 'fail' && x.outcome === 'expected') {
    if (ctx.test) ctx.test.title += ` [expected failure, ${r.verdict}: ${x.reason ?? ''}]`;
    return;
  }
  if (x?.expected === 'intermittent' && r.verdict !== 'pass') {
    if (ctx.test) ctx.test.title += ` [intermittent, ${r.verdict}: ${x.reason ?? ''}]`;
    return;
  }
  if (x?.outcome === 'unexpected-pass')
    throw frameless(new Error(`unexpected pass: expected to fail (${x.reason ?? 'no reason given'}); update the expectations file`));
  switch (r.verdict) {
    case 'pass':
      return;
    case 'flaky':
      // Reported, not failed: the run's exit code and reports say it was flaky.
      if (ctx.test) ctx.test.title += ` [flaky: ${r.reason}]`;
      return;
    case 'skipped':
    case 'unsupported':
      if (ctx.test) ctx.test.title += ` [${r.verdict}: ${r.reason}]`;
      ctx.skip();
      return;
    case 'fail': {
      throw frameless(new AssertionError({ message: r.reason ?? 'failed', expected: r.expected, actual: r.actual, operator: 'conformatrix' }));
    }
    default:
      // An error or timeout has no verdict to compare: the reason, and the adapter's stderr when it wrote any.
      throw frameless(new Error(`${r.verdict}: ${r.reason}${logsText(r)}`));
  }
}

export interface MochaOptions {
  reporter?: string;
  grep?: RegExp;
  invert?: boolean;
}

export function buildMocha(plans: TargetPlan[], resultOf: (targetId: string, vectorId: string) => Promise<ResultRecord>, options: MochaOptions): Mocha {
  const mocha = new Mocha({ reporter: options.reporter ?? 'spec', timeout: 0, color: process.stdout.isTTY });
  if (options.grep) mocha.grep(options.grep);
  if (options.invert) mocha.invert();
  for (const plan of plans) {
    if (plan.items.length === 0) continue;
    const suite = Mocha.Suite.create(mocha.suite, suiteTitle(plan));
    for (const item of plan.items) {
      const targetId = plan.record.id;
      const vectorId = item.vector.id;
      suite.addTest(
        new Mocha.Test(testTitle(item.vector), async function (this: Mocha.Context) {
          settle(this, await resultOf(targetId, vectorId));
        }),
      );
    }
  }
  return mocha;
}

export function runMocha(mocha: Mocha): Promise<number> {
  return new Promise((resolve) => mocha.run((failures) => resolve(failures)));
}
