/** The results a gated run (--expectations) reports on, each list in result order. */
import type { ResultRecord, RunResults } from '../model.js';

export interface GateLists {
  newFailures: ResultRecord[];
  unexpectedPasses: ResultRecord[];
  flaky: ResultRecord[];
  knownFailures: ResultRecord[];
}

/** Undefined when the run was not gated on expectations. */
export function gateLists(run: RunResults): GateLists | undefined {
  if (!run.results.some((r) => r.expectation)) return undefined;
  const by = (f: (r: ResultRecord) => boolean) => run.results.filter(f);
  return {
    newFailures: by((r) => r.expectation?.outcome === 'new-failure'),
    unexpectedPasses: by((r) => r.expectation?.outcome === 'unexpected-pass'),
    flaky: by((r) => r.verdict === 'flaky'),
    knownFailures: by((r) => r.expectation?.expected === 'fail' && r.expectation.outcome === 'expected'),
  };
}
