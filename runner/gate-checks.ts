/**
 * The checks that make a run fail closed. A conformance gate that turns green
 * without testing anything lets a broken release through, so each of these is
 * an error (exit 2), never a warning: a manifest naming a suite or capability
 * no suite knows, a target the user named (with --target, --include-target or
 * in an expectations file) that cannot run, a run with no target or no vector,
 * and a run in which no vector ran at all on a target the user named.
 */
import { join } from 'node:path';
import Mocha from 'mocha';
import { GateError, InputError, UsageError } from './errors.js';
import { joinPointer } from './json-source.js';
import type { RunResults } from './model.js';
import type { TargetPlan } from './scheduler.js';
import type { Suite } from './suite.js';
import type { Target } from './targets.js';

/** A manifest's problems that its schema cannot see: suites and capabilities that no suite of this build declares. */
export function manifestErrors(target: Target, suites: Suite[]): InputError[] {
  const at = (pointer: string, message: string) =>
    target.source ? target.source.error(pointer, message) : new InputError({ file: join(target.dir, 'target.json'), pointer }, message);
  const known = new Map(suites.map((s) => [s.name, s]));
  const errors: InputError[] = [];
  const mine: Suite[] = [];
  target.manifest.suites.forEach((name, i) => {
    const suite = known.get(name);
    if (suite) mine.push(suite);
    else errors.push(at(joinPointer('suites', i), `unknown suite "${name}" (known: ${[...known.keys()].join(', ')})`));
  });
  const declared = new Set(mine.flatMap((s) => Object.keys(s.capabilities ?? {})));
  (target.manifest.capabilities ?? []).forEach((name, i) => {
    if (!declared.has(name)) {
      const of = mine.map((s) => s.name).join(', ') || 'none';
      errors.push(at(joinPointer('capabilities', i), `unknown capability "${name}" for suites ${of} (known: ${[...declared].join(', ') || 'none'})`));
    }
  });
  return errors;
}

/** Whom the user named, and where: a target id (or an interop pair's "client+server") and the option or file that named it. */
export interface NamedTarget {
  id: string;
  by: string;
}

/**
 * Before any vector runs: every named target must be planned and available,
 * and the plan must hold at least one target and one vector.
 */
export function checkPlans(plans: TargetPlan[], named: NamedTarget[]): void {
  const problems: string[] = [];
  const byId = new Map(plans.map((p) => [p.record.id, p]));
  for (const n of named) {
    const plan = byId.get(n.id);
    if (!plan) {
      const parts = n.id.split('+');
      const down = parts.map((id) => byId.get(id)).filter((p) => p?.record.status === 'unavailable');
      if (parts.length > 1 && down.length)
        problems.push(...down.map((p) => `${p!.record.id} (in ${n.id}, named by ${n.by}) is unavailable: ${p!.record.reason ?? 'no reason given'}`));
      else problems.push(`${n.id} (named by ${n.by}) is not a target of this run (targets: ${[...byId.keys()].join(', ') || 'none'})`);
    } else if (plan.record.status === 'unavailable') {
      problems.push(`${n.id} (named by ${n.by}) is unavailable: ${plan.record.reason ?? 'no reason given'}`);
    }
  }
  if (problems.length) throw new GateError(problems.join('; '));
  if (!plans.some((p) => p.record.status === 'available'))
    throw new GateError(
      `no target can run (${plans.length ? plans.map((p) => `${p.record.id}: ${p.record.reason}`).join('; ') : 'none found for the selected suites'})`,
    );
  if (!plans.some((p) => p.items.length > 0)) throw new GateError("no vector to run on any target (check --vectors, --grep, --shard and the targets' suites)");
}

const RAN = new Set(['pass', 'flaky', 'fail', 'error', 'timeout']);

/**
 * After the run: every named target (or, with none named, the run as a whole)
 * must have run at least one vector; all skipped or unsupported is no test.
 */
export function checkRan(run: RunResults, named: NamedTarget[]): void {
  if (run.run.interrupted) return;
  // A target's results include those of the interop pairs it plays a role in ("client+server").
  const of = (id: string | undefined, targetId: string) => id === undefined || targetId === id || targetId.split('+').includes(id);
  const ran = (id?: string) => run.results.filter((r) => of(id, r.targetId) && RAN.has(r.verdict)).length;
  const why = (id?: string) => {
    const mine = run.results.filter((r) => of(id, r.targetId));
    return `${mine.filter((r) => r.verdict === 'skipped').length} skipped, ${mine.filter((r) => r.verdict === 'unsupported').length} unsupported`;
  };
  const problems = named.filter((n) => ran(n.id) === 0).map((n) => `no vector ran on ${n.id} (named by ${n.by}): ${why(n.id)}`);
  if (!named.length && ran() === 0) problems.push(`no vector ran on any target: ${why()}`);
  if (problems.length) throw new GateError(problems.join('; '));
}

/** A reporter mocha cannot load is a usage error found before the run, not a stack trace after it. */
export function checkReporter(name: string): void {
  try {
    new Mocha({ reporter: name });
  } catch {
    const builtIn = Object.keys(Mocha.reporters).filter((r) => r !== 'Base' && r !== 'base' && /^[a-z]/.test(r));
    throw new UsageError(
      `--reporter ${JSON.stringify(name)}: no such mocha reporter (the default is progress-lines; mocha's built in: ${builtIn.join(', ')}; or a module path)`,
    );
  }
}
