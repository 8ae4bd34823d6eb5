/*
 * What the page draws from: the run (results.json, as runner/model.ts has it)
 * and the layout the report writer computed (PageLayout in runner/reports/html.ts).
 * Only the fields the page reads. The views are runner/view.ts's own types.
 */

type Verdict = 'pass' | 'flaky' | 'fail' | 'error' | 'timeout' | 'unsupported' | 'skipped';
type DetailView = import('../../../view.js').DetailView;
type ViewBlock = import('../../../view.js').ViewBlock;
type ViewValue = import('../../../view.js').ViewValue;
type ViewCell = import('../../../view.js').ViewCell;
type ViewRow = import('../../../view.js').ViewRow;
type Tone = import('../../../view.js').Tone;

interface PageTarget {
  id: string;
  name: string;
  implementation?: { name: string; version: string };
  driver: string;
  imageId?: string;
  userAgentClass?: string;
  contract?: string;
  capabilities?: string[];
  suites: string[];
  status: string;
  reason?: string;
  notes?: string[];
}

interface PageVector {
  id: string;
  title: string;
  level: string;
  suite: string;
  group: { doc: string; section: string; title: string; url?: string };
  flags?: string[];
  roles?: string[];
  source: { file: string; pointer: string };
}

interface PageResult {
  vectorId: string;
  targetId: string;
  suite: string;
  verdict: Verdict;
  expected: unknown;
  actual: unknown;
  reason?: string;
  durationMs: number;
  details?: unknown;
  /** The suite's views, from the layout (set when the page starts: results.json has none). */
  views?: DetailView[];
  logs?: Record<string, string>;
  artifacts?: Record<string, string>;
  timing?: Record<string, number>;
  attempts?: { verdict: Verdict; reason?: string; durationMs: number }[];
  roles?: Record<string, string>;
  expectation?: { expected: string; outcome: string; reason?: string; link?: string };
}

interface PageCoverageCounts {
  testable: number;
  covered: number;
  untestable: number;
}

interface PageCoverage {
  suite: string;
  profile?: string;
  doc: string;
  totals: PageCoverageCounts;
  sections: (PageCoverageCounts & { section: string; title: string; url?: string; uncovered: string[] })[];
  levels: (PageCoverageCounts & { level: string })[];
}

interface PageRun {
  run: {
    harness: { name: string; version: string };
    suites: string[];
    profile?: string;
    vectorSetHash?: string;
    vectorsVersion?: string;
    kernel?: string;
    seed?: number;
    shard?: { index: number; count: number };
    mergedFrom?: string[];
    jobs?: number;
    retries?: number;
    expectations?: string[];
    startedAt: string;
    finishedAt: string;
    interrupted?: boolean;
    load?: { cpus: number; start: number[]; end: number[]; peak: number };
    argv?: string[];
  };
  targets: PageTarget[];
  vectors: PageVector[];
  results: PageResult[];
  coverage?: PageCoverage[];
}

type Counts = Record<Verdict, number>;
type GateKey = 'newFailures' | 'unexpectedPasses' | 'flaky' | 'knownFailures';
interface SectionGroup {
  key: string;
  label: string;
  url?: string;
}

interface PageLayout {
  gate?: Record<GateKey, number[]>;
  loadWarning?: string;
  symbols: Record<Verdict, string>;
  verdicts: Verdict[];
  levels: string[];
  sections: { key: string; label: string }[];
  summary: { suite: string; kind: 'targets' | 'interop'; counts: Record<string, Counts | null>; interop?: Counts }[];
  suites: { name: string; targets: string[]; unavailable: { id: string; reason: string }[]; groups: (SectionGroup & { vectors: string[] })[] }[];
  interop: {
    suite: string;
    vectorId: string;
    group: SectionGroup;
    rowRole: string;
    colRole: string;
    rows: string[];
    cols: string[];
    cells: [number, number, string][];
  }[];
  citations: Record<string, { label: string; url?: string; note?: string }[]>;
  rerun: Record<string, string>;
  views: Record<number, DetailView[]>;
}
