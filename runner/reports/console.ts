/**
 * The default console of `conformatrix run` (--reporter progress-lines): a
 * line per target as its results arrive, in the order they complete (targets
 * run in parallel, so that a slow target holds back no other's lines), a line
 * per unexpected result when it arrives, and at the end the unexpected
 * results in full: the reason, expected and actual (or "no verdict" and the
 * adapter's stderr for an error or timeout) and the command that runs each
 * again. It only ever appends lines, with no cursor movement or colour, so
 * that it reads the same in a CI log as on a terminal.
 *
 * Gated on expectations, a known failure is counted as an expected failure
 * and listed in one line; only new failures and unexpected passes are
 * "unexpected". Mocha's reporters (--reporter spec, dot, json...) remain
 * available through the mocha bridge.
 */
import { isUnexpected, VERDICTS, type ResultRecord, type Verdict } from '../model.js';
import { describeValue, logsText } from './text.js';

/** The name --reporter gives this console. Not one of mocha's reporters' names. */
export const PROGRESS_REPORTER = 'progress-lines';

export interface ProgressTarget {
  id: string;
  /** How many results the target will have. */
  total: number;
}

export interface ProgressOptions {
  write: (text: string) => void;
  /** The command that runs one result again (runner/rerun.ts). */
  rerun: (r: ResultRecord) => string;
  /** Vector titles, by id, for the failure list. */
  titles?: Map<string, string>;
}

/** A known failure of a gated run: a fail, error or timeout that the expectations file lists. */
export function isKnownFailure(r: ResultRecord): boolean {
  return r.expectation?.expected === 'fail' && r.expectation.outcome === 'expected' && r.verdict !== 'pass';
}

interface Tally {
  total: number;
  done: number;
  counts: Record<Verdict, number>;
  known: number;
  /** The next fraction of the total (in quarters) at which a progress line is due. */
  nextQuarter: number;
}

/** Values longer than this are cut in the console (results.json and matrix.html have them whole). */
const VALUE_MAX = 600;

export class ProgressConsole {
  private readonly tallies = new Map<string, Tally>();
  private readonly width: number;
  private readonly unexpected: ResultRecord[] = [];
  private readonly known: ResultRecord[] = [];
  private readonly options: ProgressOptions;

  constructor(targets: ProgressTarget[], options: ProgressOptions) {
    this.options = options;
    for (const t of targets) {
      if (t.total === 0) continue;
      this.tallies.set(t.id, {
        total: t.total,
        done: 0,
        counts: Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>,
        known: 0,
        nextQuarter: 1,
      });
    }
    this.width = Math.max(0, ...[...this.tallies.keys()].map((id) => id.length));
    const vectors = targets.reduce((n, t) => n + t.total, 0);
    options.write(`Running ${vectors} vector run(s) on ${this.tallies.size} target(s); a line per target as its results arrive.\n`);
  }

  /** One result, as it completes; its expectation, in a gated run, already judged. */
  add(r: ResultRecord): void {
    const t = this.tallies.get(r.targetId);
    if (!t) return;
    t.done++;
    if (isKnownFailure(r)) {
      t.known++;
      this.known.push(r);
    } else t.counts[r.verdict]++;
    if (isUnexpected(r)) {
      this.unexpected.push(r);
      this.options.write(`  ✗ ${r.targetId}  ${r.vectorId}: ${outcomeWord(r)}: ${firstLine(r.reason ?? '')}\n`);
    }
    // A line at each quarter of the target's vectors, and when it is done: enough to follow a long run, few enough to read.
    const quarter = Math.floor((4 * t.done) / t.total);
    if (t.done === t.total || (t.total >= 8 && quarter >= t.nextQuarter)) {
      t.nextQuarter = quarter + 1;
      this.options.write(
        `${r.targetId.padEnd(this.width)}  ${String(t.done).padStart(String(t.total).length)}/${t.total}${t.done === t.total ? ' done' : '     '}  ${countsText(t)}\n`,
      );
    }
  }

  /** The unexpected results in full and the known failures in a line each; empty when there are none. */
  report(): string {
    const lines: string[] = [];
    if (this.known.length) {
      lines.push('', `Expected failures (known, listed in the expectations): ${this.known.length}`);
      for (const r of this.known)
        lines.push(`  ${r.targetId}  ${r.vectorId} (${r.verdict}${r.expectation?.reason ? `: ${firstLine(r.expectation.reason)}` : ''})`);
    }
    if (this.unexpected.length) {
      lines.push('', `Unexpected results: ${this.unexpected.length}`);
      this.unexpected.forEach((r, i) => lines.push('', ...this.detail(r, i + 1)));
    }
    return lines.length ? lines.join('\n') + '\n' : '';
  }

  private detail(r: ResultRecord, n: number): string[] {
    const title = this.options.titles?.get(r.vectorId);
    const lines = [`${n}) ${r.targetId}  ${r.vectorId}${title ? `: ${title}` : ''}`, `   ${outcomeWord(r)}: ${cut(r.reason ?? '')}`.replace(/\n/g, '\n   ')];
    if (r.expectation?.outcome === 'unexpected-pass') lines.push(`   the expectations list it as a known failure: ${r.expectation.reason ?? ''}`);
    else if (r.verdict === 'fail') {
      lines.push(`   expected: ${cut(describeValue(r.expected))}`, `   actual:   ${cut(describeValue(r.actual))}`);
    } else if (r.verdict === 'error' || r.verdict === 'timeout') {
      lines.push('   no verdict: the target gave no result to compare' + logsText(r, '   '));
    }
    lines.push(`   rerun:    ${this.options.rerun(r)}`);
    return lines;
  }
}

function outcomeWord(r: ResultRecord): string {
  if (r.expectation?.outcome === 'unexpected-pass') return 'unexpected pass';
  if (r.expectation?.outcome === 'new-failure') return `new ${r.verdict}`;
  return r.verdict;
}

function countsText(t: Tally): string {
  const parts = VERDICTS.filter((v) => t.counts[v]).map((v) => `${t.counts[v]} ${v}`);
  if (t.known) parts.push(`${t.known} expected failure(s)`);
  return parts.join(', ');
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!.trim();
  return line.length > 200 ? line.slice(0, 199) + '…' : line;
}

function cut(s: string): string {
  return s.length > VALUE_MAX ? `${s.slice(0, VALUE_MAX - 1)}… (${s.length} characters; whole in results.json)` : s;
}
