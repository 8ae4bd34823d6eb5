/**
 * The result model. Every report (results.json, junit.xml, matrix.md, the
 * console summary) is written from one RunResults value, and results.json is
 * that value as it is (schema: vectors/schema/results.schema.json).
 */
import type { MachineLoad } from './load.js';
import type { Citation } from './specs.js';

/**
 * flaky: failed (fail, error or timeout), then passed when run again
 * (--retries). It is never reported as a pass.
 */
export type Verdict = 'pass' | 'flaky' | 'fail' | 'error' | 'timeout' | 'unsupported' | 'skipped';
export const VERDICTS: Verdict[] = ['pass', 'flaky', 'fail', 'error', 'timeout', 'unsupported', 'skipped'];
export type Level = 'MUST' | 'SHOULD' | 'MAY';

export interface SectionRef {
  doc: string;
  section: string;
  title: string;
  anchor?: string;
  url?: string;
}

export interface VectorRecord {
  id: string;
  suite: string;
  title: string;
  level: Level;
  citations: Citation[];
  /** The section the vector is grouped under in the matrix: its first citation. */
  group: SectionRef;
  flags: string[];
  /** The requirement ids the vector cites (vectors/specs/requirements/). */
  requirements?: string[];
  /** File and JSON pointer the vector was read from. */
  source: { file: string; pointer: string };
  /**
   * For vectors that take several targets at once (interop scenarios): the
   * roles, in order (client, server). Their results carry `roles`.
   */
  roles?: string[];
}

export interface TargetRecord {
  id: string;
  name: string;
  suites: string[];
  userAgentClass?: string;
  status: 'available' | 'unavailable';
  /** Why the target is unavailable, or a note about how it ran. */
  reason?: string;
  driver: string;
  implementation?: { name: string; version: string; build?: { package: string; version: string; sha256?: string } };
  capabilities?: string[];
  contract?: string;
  /** Container image id, for the docker driver. */
  imageId?: string;
  /** Things worth knowing about how the target behaved that are not any one vector's verdict. */
  notes?: string[];
}

export interface ResultRecord {
  vectorId: string;
  targetId: string;
  suite: string;
  verdict: Verdict;
  expected: unknown;
  actual: unknown;
  /** Every verdict but pass carries one. */
  reason?: string;
  durationMs: number;
  /** Suite-specific detail: the recorded exchange, decoded packets... */
  details?: unknown;
  /**
   * For an error or timeout: the tail of each adapter's stderr (what the
   * transport kept), by endpoint: the target's id, or for an interop pair
   * each role's name. Endpoints that wrote nothing are left out.
   */
  logs?: Record<string, string>;
  /** Files kept for this result (pcaps, logs), relative to the output folder. */
  artifacts?: Record<string, string>;
  /** Where the time went: adapterMs waiting for the adapter's answers; harness parts inside that wait (the origin server, say) by name. */
  timing?: { adapterMs: number; [part: string]: number };
  /** The earlier attempts, when the vector was run again (--retries): the verdict is the last attempt's, or flaky. */
  attempts?: { verdict: Verdict; reason?: string; durationMs: number }[];
  /**
   * For a vector that takes several targets (an interop scenario): which
   * target played which role. targetId is then the role's targets joined
   * with "+", in the vector's role order (client+server).
   */
  roles?: Record<string, string>;
  /** What the expectations file said of this result (--expectations), and whether the result met it. */
  expectation?: { expected: 'pass' | 'fail' | 'intermittent'; outcome: GateOutcome; reason?: string; link?: string };
}

/**
 * How a result stands against the expectations: as expected (a pass, a known
 * failure, an intermittent vector either way), a new failure, an unexpected
 * pass (a known failure that passed), or flaky (passed on a retry).
 */
export type GateOutcome = 'expected' | 'new-failure' | 'unexpected-pass' | 'flaky';

export interface RunInfo {
  harness: { name: string; version: string };
  suites: string[];
  profile?: string;
  /** A hash of every vector the run selected (ids and content), so that two runs can be told to be over the same set. */
  vectorSetHash?: string;
  /** vectors/VERSION, when every selected vector is one of the bundled set's (runner/vectors-version.ts). */
  vectorsVersion?: string;
  /** The machine's kernel (os.type() and os.release()). */
  kernel?: string;
  /** The seed of the run's order (--seed). */
  seed?: number;
  /** The part of the work this run did (--shard i/n). */
  shard?: { index: number; count: number };
  /** For a merged run: the runs it was made from (their output folders). */
  mergedFrom?: string[];
  jobs?: number;
  retries?: number;
  /** The expectations files the run was gated on (--expectations). */
  expectations?: string[];
  startedAt: string;
  finishedAt: string;
  /** Set when the run was stopped (Ctrl-C) before it finished: the results are partial. */
  interrupted?: boolean;
  /** The machine's CPU count and load at the start and end of the run, and its peak (runner/load.ts). */
  load?: MachineLoad;
  argv?: string[];
}

export interface RunResults {
  format: 'conformatrix-results';
  formatVersion: 1;
  run: RunInfo;
  targets: TargetRecord[];
  vectors: VectorRecord[];
  results: ResultRecord[];
  /**
   * Per suite measured against a requirements index: which requirements of
   * the profile's document the run's vectors (all that it selected, before
   * sharding) cite, per section and per level (runner/coverage.ts).
   */
  coverage?: CoverageSummary[];
}

export interface CoverageCounts {
  /** Every requirement indexed. */
  requirements: number;
  /** Those not marked untestable. */
  testable: number;
  /** Testable ones that at least one vector cites. */
  covered: number;
  untestable: number;
}

export interface SectionCoverage extends CoverageCounts {
  section: string;
  title: string;
  anchor?: string;
  url?: string;
  /** The testable requirements of the section that no vector cites. */
  uncovered: string[];
}

/** Per vector level (MUST NOT counted as MUST, and so on: requirements.ts VECTOR_LEVEL). */
export interface LevelCoverage extends CoverageCounts {
  level: Level;
}

/** What results.json carries per suite (see vectors/schema/results.schema.json). */
export interface CoverageSummary {
  suite: string;
  profile?: string;
  /** The document measured against. */
  doc: string;
  totals: CoverageCounts;
  sections: SectionCoverage[];
  levels: LevelCoverage[];
}

export function countVerdicts(results: ResultRecord[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) counts[r.verdict]++;
  return counts;
}

export const isFailure = (v: Verdict): boolean => v === 'fail' || v === 'error' || v === 'timeout';

/**
 * Unexpected results, for the exit code. Gated on expectations, only new
 * failures and unexpected passes are; without, every fail, error and timeout.
 * Flaky results are reported, not gated on.
 */
export function isUnexpected(r: ResultRecord): boolean {
  if (r.expectation) return r.expectation.outcome === 'new-failure' || r.expectation.outcome === 'unexpected-pass';
  return isFailure(r.verdict);
}
