/**
 * The result model. Every report (results.json, junit.xml, matrix.md, the
 * console summary) is written from one RunResults value, and results.json is
 * that value as it is (schema: vectors/schema/results.schema.json).
 */
import type { Citation } from './specs.js';

export type Verdict = 'pass' | 'fail' | 'error' | 'timeout' | 'unsupported' | 'skipped';
export const VERDICTS: Verdict[] = ['pass', 'fail', 'error', 'timeout', 'unsupported', 'skipped'];
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
  /** File and JSON pointer the vector was read from. */
  source: { file: string; pointer: string };
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
  implementation?: { name: string; version: string };
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
  /** Files kept for this result (pcaps, logs), relative to the output folder. */
  artifacts?: Record<string, string>;
  /** Where the time went: adapterMs waiting for the adapter's answers; harness parts inside that wait (the origin server, say) by name. */
  timing?: { adapterMs: number; [part: string]: number };
}

export interface RunInfo {
  harness: { name: string; version: string };
  suites: string[];
  profile?: string;
  startedAt: string;
  finishedAt: string;
  /** Set when the run was stopped (Ctrl-C) before it finished: the results are partial. */
  interrupted?: boolean;
  argv?: string[];
}

export interface RunResults {
  format: 'conformatrix-results';
  formatVersion: 1;
  run: RunInfo;
  targets: TargetRecord[];
  vectors: VectorRecord[];
  results: ResultRecord[];
}

export function countVerdicts(results: ResultRecord[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) counts[r.verdict]++;
  return counts;
}

/** Unexpected results, for the exit code: for now every fail, error and timeout is unexpected. */
export function isUnexpected(r: ResultRecord): boolean {
  return r.verdict === 'fail' || r.verdict === 'error' || r.verdict === 'timeout';
}
