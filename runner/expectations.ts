/**
 * Expectations files (docs/ci.md): what a target is known to fail, and which
 * vectors are known to be intermittent, kept by the target's maintainers in
 * their own repository. A run gated on them (--expectations) exits 1 only on
 * what is new: a failure of a vector expected to pass, or a pass of a known
 * failure. Schema: vectors/schema/expectations.schema.json.
 */
import { existsSync } from 'node:fs';
import { InputErrors, UsageError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { JsonSource } from './json-source.js';
import { isFailure, type GateOutcome, type ResultRecord, type RunResults } from './model.js';
import { validateSource } from './schema.js';

export interface ExpectationEntry {
  reason: string;
  link?: string;
}

export interface Expectations {
  $schema?: string;
  /** The target id the file is about (for interop pairs: "client+server"). */
  target: string;
  /** Vectors the target is known to fail (a fail, error or timeout verdict), by id. */
  failures: Record<string, ExpectationEntry>;
  /** Vectors whose verdict on this target is known to change from run to run, by id. */
  intermittent?: Record<string, ExpectationEntry>;
}

export function readExpectations(file: string): Expectations {
  const source = JsonSource.read(file);
  const errors = validateSource(source, 'urn:conformatrix:expectations');
  if (errors.length) throw new InputErrors(errors);
  return source.value as Expectations;
}

/** Reads the files and keys them by target; two files for one target are a usage error. */
export function loadExpectations(files: string[]): Map<string, { file: string; expectations: Expectations }> {
  const byTarget = new Map<string, { file: string; expectations: Expectations }>();
  for (const file of files) {
    const expectations = readExpectations(file);
    const other = byTarget.get(expectations.target);
    if (other) throw new UsageError(`${file} and ${other.file} are both about target ${expectations.target}`);
    byTarget.set(expectations.target, { file, expectations });
  }
  return byTarget;
}

/** How one result stands against its target's expectations (a target with no file is expected to pass everything). */
export function judge(r: ResultRecord, e: Expectations | undefined): NonNullable<ResultRecord['expectation']> {
  const intermittent = e?.intermittent?.[r.vectorId];
  if (intermittent) return { expected: 'intermittent', outcome: 'expected', ...intermittent };
  const known = e?.failures[r.vectorId];
  if (known) {
    const outcome: GateOutcome = r.verdict === 'pass' ? 'unexpected-pass' : r.verdict === 'flaky' ? 'flaky' : 'expected';
    return { expected: 'fail', outcome, ...known };
  }
  const outcome: GateOutcome = isFailure(r.verdict) ? 'new-failure' : r.verdict === 'flaky' ? 'flaky' : 'expected';
  return { expected: 'pass', outcome };
}

/** Marks every result with what the expectations say of it. */
export function applyExpectations(run: RunResults, byTarget: Map<string, { expectations: Expectations }>): void {
  for (const r of run.results) r.expectation = judge(r, byTarget.get(r.targetId)?.expectations);
}

/** The expectations file of one target as this run found it, keeping what an earlier file said of vectors the run did not cover, and its reasons and links. */
export function expectationsFromRun(run: RunResults, target: string, previous: Expectations | undefined): Expectations {
  const mine = run.results.filter((r) => r.targetId === target);
  const ran = new Set(mine.map((r) => r.vectorId));
  const keep = (entries: Record<string, ExpectationEntry> | undefined) => Object.entries(entries ?? {}).filter(([id]) => !ran.has(id));
  const failures: Record<string, ExpectationEntry> = Object.fromEntries(keep(previous?.failures));
  const intermittent: Record<string, ExpectationEntry> = Object.fromEntries(keep(previous?.intermittent));
  for (const r of mine) {
    if (previous?.intermittent?.[r.vectorId]) intermittent[r.vectorId] = previous.intermittent[r.vectorId]!;
    else if (r.verdict === 'flaky') intermittent[r.vectorId] = { reason: firstLine(r.reason ?? 'passed on a retry') };
    else if (isFailure(r.verdict)) failures[r.vectorId] = previous?.failures[r.vectorId] ?? { reason: `${r.verdict}: ${firstLine(r.reason ?? '')}` };
  }
  const sorted = (o: Record<string, ExpectationEntry>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    ...(previous?.$schema ? { $schema: previous.$schema } : {}),
    target,
    failures: sorted(failures),
    ...(Object.keys(intermittent).length ? { intermittent: sorted(intermittent) } : {}),
  };
}

/** The file a target's expectations go to: FILE, with {target} replaced when there are several targets. */
export function expectationsPath(pattern: string, target: string, targets: number): string {
  if (pattern.includes('{target}')) return pattern.replaceAll('{target}', target);
  if (targets > 1) throw new UsageError(`--update-expectations ${pattern}: the run has ${targets} targets; put {target} in the file name`);
  return pattern;
}

export function updateExpectations(run: RunResults, pattern: string): string[] {
  const targets = run.targets.filter((t) => t.status === 'available').map((t) => t.id);
  const ids = [...new Set([...targets, ...run.results.map((r) => r.targetId)])].filter((id) => run.results.some((r) => r.targetId === id));
  const written: string[] = [];
  for (const target of ids) {
    const file = expectationsPath(pattern, target, ids.length);
    const previous = existsSync(file) ? readExpectations(file) : undefined;
    writeFileAtomic(file, JSON.stringify(expectationsFromRun(run, target, previous), null, 2) + '\n');
    written.push(file);
  }
  return written;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!.trim();
  return line.length > 300 ? line.slice(0, 300) + '…' : line;
}
