/**
 * Planning a run: everything `conformatrix run` decides before the scheduler
 * starts, as functions of the command line, the suites, the vectors and the
 * targets' manifests. Nothing here starts an adapter; the one step that
 * touches a driver (how a target's adapter would be started) is handed in.
 *
 * The contract, in the order run.ts calls it:
 * - loadAll: the selected suites (all, without --suite) and their vectors,
 *   the suite's own folder or the files given; a given file's suite is the one
 *   its `$schema` names (runner/vectors.ts, declaredSuite), or the one suite
 *   selected when it has none. Every problem in one InputErrors.
 * - selectProfile: --profile, checked against the suites' profiles, or the
 *   default of the first suite that has profiles.
 * - selectTargets: the discovered targets that take part in the selected
 *   suites, narrowed to --target and --include-target; a manifest naming a
 *   suite or capability that no suite declares is an InputError, a name that
 *   is no such target a UsageError.
 * - buildPlans: for each target, its record, its view and, when its driver can
 *   start it, an item per vector of each of its suites without roles. The
 *   suite's plan() decides before any adapter starts only that a vector does
 *   not apply (skipped); what the target can do (unsupported) is decided again
 *   after hello, by the scheduler.
 * - ensemblePlans: for a suite with roles, a plan per combination of
 *   available targets in those roles (every ordered pair for client and
 *   server), each with every vector of the suite.
 * - selectWork: the plans above narrowed by --include-target and --grep; the
 *   selection's vectors and their hash (before sharding, so that every shard of
 *   a run has the same hash); then --shard.
 */
import { createHash } from 'node:crypto';
import { InputError, InputErrors, UsageError } from './errors.js';
import { manifestErrors } from './gate-checks.js';
import { JsonSource } from './json-source.js';
import { findLibfaketime, localClockEnv } from './clock.js';
import { localDriver } from './local-driver.js';
import { applyGrep } from './mocha-bridge.js';
import type { TargetRecord } from './model.js';
import type { PlanItem, TargetPlan } from './scheduler.js';
import { shardVectors, type Shard } from './shard.js';
import type { SpecLibrary } from './specs.js';
import { LOCAL_HARNESS, type HarnessEndpoint, type LoadedVector, type Suite, type TargetView } from './suite.js';
import { loadSuites } from './suites.js';
import { missingRequirement, type Target } from './targets.js';
import type { TransportFactory } from './transport.js';
import { declaredSuite, displayPath, loadVectorFiles, suiteSchemas, vectorFiles } from './vectors.js';

export interface LoadedSuite {
  suite: Suite;
  vectors: LoadedVector[];
}

/**
 * The suite each given file declares with `$schema`: a name, undefined when the
 * file has none (or does not parse: its loader reports that), or null when
 * its `$schema` names no suite (an error in `errors`).
 */
function declaredSuites(files: string[], suites: Suite[], errors: InputError[]): Map<string, string | null | undefined> {
  const declared = new Map<string, string | null | undefined>();
  for (const file of files) {
    let source: JsonSource;
    try {
      source = JsonSource.read(file);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      declared.set(file, undefined);
      continue;
    }
    try {
      declared.set(file, declaredSuite(source, suites)?.name);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // Said again with the path as the user gave it, like the loader's errors.
      errors.push(JsonSource.parse(displayPath(file), source.text).error(err.location.pointer ?? '', err.detail));
      declared.set(file, null);
    }
  }
  return declared;
}

/** Loads and validates the vectors of each suite; throws InputErrors listing every problem. */
export async function loadAll(suiteNames: string[], vectorPaths: string[], specs: SpecLibrary): Promise<LoadedSuite[]> {
  const suites = await loadSuites(suiteNames);
  const explicit = vectorPaths.length ? vectorFiles(vectorPaths) : undefined;
  const loaded: LoadedSuite[] = [];
  const errors: InputError[] = [];
  // A file's $schema may name any suite of this build, selected or not: the latter is a usage error below.
  const declared = explicit ? declaredSuites(explicit, await loadSuites(), errors) : new Map<string, string | null | undefined>();
  for (const suite of suites) {
    const files = explicit
      ? explicit.filter((f) => declared.get(f) === suite.name || (suites.length === 1 && declared.get(f) === undefined))
      : vectorFiles([suite.vectorDir], { missingOk: true });
    if (explicit && files.length === 0 && suiteNames.length === 0) continue;
    const result = loadVectorFiles(
      suite,
      files,
      specs,
      loaded.reduce((n, l) => n + l.vectors.length, 0),
    );
    errors.push(...result.errors);
    loaded.push({ suite, vectors: result.vectors });
  }
  if (explicit) {
    const claimed = new Set(suites.map((s) => s.name));
    for (const f of explicit) {
      const s = declared.get(f);
      if (s === undefined && suites.length !== 1) {
        // A file that does not parse says so, with its line and column, before anything else.
        let source: JsonSource;
        try {
          source = JsonSource.parse(displayPath(f), JsonSource.read(f).text);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          errors.push(err);
          continue;
        }
        errors.push(
          source.error(
            '/$schema',
            `missing "$schema": a vector file names the vector schema of its suite (${suiteSchemas(await loadSuites())}); or give --suite`,
          ),
        );
        continue;
      }
      if (typeof s === 'string' && !claimed.has(s)) throw new UsageError(`${f}: its vectors belong to suite "${s}", which is not selected`);
    }
  }
  if (errors.length) throw new InputErrors(errors);
  return loaded;
}

/** --profile, which some selected suite must know, or the default of the first suite with profiles. */
export function selectProfile(loaded: LoadedSuite[], wanted: string | undefined): string | undefined {
  if (wanted !== undefined) {
    const known = new Set(loaded.flatMap((l) => l.suite.profiles?.names ?? []));
    if (!known.has(wanted)) throw new UsageError(`unknown profile "${wanted}" (known: ${[...known].join(', ') || 'none'})`);
  }
  return wanted ?? loaded.find((l) => l.suite.profiles)?.suite.profiles?.default;
}

/**
 * The targets of the run: those discovered that take part in a selected
 * suite, all of them, or those named with --target and --include-target.
 * `allSuites`: every suite of this build, which the manifests are checked
 * against.
 */
export function selectTargets(discovered: Target[], allSuites: Suite[], suiteNames: string[], named: string[], include: string[] = []): Target[] {
  // A manifest naming a suite or capability no suite knows would make its target vanish, or its vectors unsupported, in silence.
  const manifestProblems = discovered.flatMap((t) => manifestErrors(t, allSuites));
  if (manifestProblems.length) throw new InputErrors(manifestProblems);
  let targets = discovered.filter((t) => t.manifest.suites.some((s) => suiteNames.includes(s)));
  if (named.length || include.length) {
    const unknown = [...named, ...include].filter((n) => !targets.some((t) => t.id === n));
    if (unknown.length)
      throw new UsageError(`unknown target(s) for suites ${suiteNames.join(', ')}: ${unknown.join(', ')} (known: ${targets.map((t) => t.id).join(', ')})`);
    if (named.length) targets = targets.filter((t) => named.includes(t.id) || include.includes(t.id));
  }
  return targets;
}

export function targetView(target: Target, suiteName?: string, harness: HarnessEndpoint = LOCAL_HARNESS): TargetView {
  return {
    id: target.id,
    name: target.manifest.name,
    userAgentClass: target.manifest.userAgentClass,
    capabilities: new Set(target.manifest.capabilities ?? []),
    options: (suiteName ? target.manifest.options?.[suiteName] : undefined) ?? {},
    ...(target.manifest.timeFactor ? { timeFactor: target.manifest.timeFactor } : {}),
    harness,
  };
}

/** How a target's adapter is started: the factory, where it reaches the harness, or why it cannot run. */
export interface Drive {
  driver: string;
  factory: TransportFactory | null;
  harness: HarnessEndpoint;
  reason?: string;
  notes?: string[];
}

export function resultSchemasFor(suites: Suite[]): Record<string, string> {
  const schemas: Record<string, string> = { hello: 'urn:conformatrix:adapter-contract#/$defs/hello-result' };
  for (const s of suites) for (const [m, def] of Object.entries(s.methods)) schemas[m] = def.result;
  return schemas;
}

/** The local driver: the adapter is a child process, available when what the manifest requires is here. */
export function localDrive(target: Target, resultSchemas: Record<string, string>): Drive {
  const missing = missingRequirement(target);
  if (missing) return { driver: 'local', factory: null, harness: LOCAL_HARNESS, reason: missing };
  // A clock through libfaketime needs the library here; without it the adapter runs on the real clock, and says so in hello.
  const library = target.manifest.clock?.via === 'libfaketime' ? findLibfaketime() : undefined;
  const notes =
    target.manifest.clock?.via === 'libfaketime' && !library ? ['libfaketime not found (install faketime): the adapter runs on the real clock'] : [];
  return {
    driver: 'local',
    factory: localDriver({
      command: target.manifest.local.command,
      cwd: target.dir,
      env: target.manifest.local.env ?? {},
      ...(library ? { envPerStart: localClockEnv(library) } : {}),
      resultSchemas,
    }),
    harness: LOCAL_HARNESS,
    ...(notes.length ? { notes } : {}),
  };
}

/**
 * A target's items for the vectors of one suite: a vector that does not apply
 * to it is skipped now; any other is run, and what the target can do is
 * decided after hello.
 */
export function planItems(suite: Suite, vectors: LoadedVector[], view: TargetView, profile: string | undefined): PlanItem[] {
  return vectors.map((vector) => {
    const decision = suite.plan(vector, view, profile);
    return { suite, vector, decision: !decision.run && decision.verdict === 'skipped' ? decision : { run: true } };
  });
}

/** Plans the work: for each selected target, each vector of the suites it takes part in. */
export async function buildPlans(
  targets: Target[],
  loaded: LoadedSuite[],
  profile: string | undefined,
  drive: (target: Target, resultSchemas: Record<string, string>) => Promise<Drive> = async (t, r) => localDrive(t, r),
): Promise<TargetPlan[]> {
  return Promise.all(
    targets.map(async (target) => {
      const suites = loaded.filter((l) => target.manifest.suites.includes(l.suite.name));
      const d = await drive(target, resultSchemasFor(suites.map((l) => l.suite)));
      const record: TargetRecord = {
        id: target.id,
        name: target.manifest.name,
        suites: suites.map((l) => l.suite.name),
        ...(target.manifest.userAgentClass ? { userAgentClass: target.manifest.userAgentClass } : {}),
        status: d.factory ? 'available' : 'unavailable',
        ...(d.reason ? { reason: d.reason } : {}),
        driver: d.driver,
        ...(d.notes?.length ? { notes: [...d.notes] } : {}),
      };
      const view = targetView(target, suites[0]?.suite.name, d.harness);
      const items: PlanItem[] = [];
      if (d.factory) {
        // Suites with roles are planned over combinations of targets (ensemblePlans), not target by target.
        for (const l of suites.filter((x) => !x.suite.roles)) {
          items.push(...planItems(l.suite, l.vectors, { ...view, options: target.manifest.options?.[l.suite.name] ?? {} }, profile));
        }
      }
      return { record, view, factory: d.factory, items };
    }),
  );
}

/**
 * For each suite with roles, a plan per combination of its available targets
 * in those roles (every ordered pair, for client and server), each running
 * every vector of the suite. With `include`, only the combinations in which
 * one of those targets takes part (--include-target).
 */
export function ensemblePlans(plans: TargetPlan[], loaded: LoadedSuite[], include: string[] = []): TargetPlan[] {
  const out: TargetPlan[] = [];
  for (const l of loaded) {
    const roles = l.suite.roles;
    if (!roles?.length) continue;
    const members = plans.filter((p) => p.factory && !p.ensemble && p.record.suites.includes(l.suite.name));
    let combos: TargetPlan[][] = [[]];
    for (let i = 0; i < roles.length; i++) combos = combos.flatMap((c) => members.map((m) => [...c, m]));
    for (const combo of combos) {
      if (combo.length === 0) continue;
      if (include.length && !combo.some((p) => include.includes(p.record.id))) continue;
      const id = combo.map((p) => p.record.id).join('+');
      // The pair is as slow as its slowest member (a kernel under emulation in either role): its budgets scale by that factor.
      const slowest = Math.max(1, ...combo.map((p) => p.view.timeFactor ?? 1));
      out.push({
        record: { id, name: combo.map((p) => p.record.name).join(' × '), suites: [l.suite.name], status: 'available', driver: combo[0]!.record.driver },
        view: slowest > 1 ? { ...combo[0]!.view, timeFactor: slowest } : combo[0]!.view,
        factory: null,
        items: l.vectors.map((vector) => ({ suite: l.suite, vector, decision: { run: true } })),
        ensemble: Object.fromEntries(roles.map((role, i) => [role, combo[i]!])),
      });
    }
  }
  return out;
}

/** sha256 over the selected vectors, ids and content, in id order. */
export function vectorSetHash(vectors: { id: string; data: unknown }[]): string {
  const h = createHash('sha256');
  for (const v of [...vectors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    h.update(v.id).update('\u0000').update(JSON.stringify(v.data)).update('\u0000');
  return h.digest('hex');
}

export interface Work {
  /** The targets' plans, then the ensembles' (in that order): what the scheduler runs. */
  plans: TargetPlan[];
  /** The vectors the run selected, before sharding, by id. */
  selected: Map<string, LoadedVector>;
  /** vectorSetHash of `selected`: the same for every shard of one run. */
  vectorSetHash: string;
}

/**
 * What the run does, from the targets' plans (buildPlans): with the ensembles
 * of suites with roles; with --include-target, the other targets only as
 * partners of the included ones; then --grep; then --shard.
 */
export function selectWork(
  targetPlans: TargetPlan[],
  loaded: LoadedSuite[],
  options: { include?: string[]; grep?: RegExp | undefined; invert?: boolean | undefined; shard?: Shard | undefined } = {},
): Work {
  const include = options.include ?? [];
  const plans = [...targetPlans, ...ensemblePlans(targetPlans, loaded, include)];
  if (include.length) for (const p of targetPlans) if (!include.includes(p.record.id)) p.items = [];
  applyGrep(plans, options.grep, options.invert);
  const selected = new Map(plans.flatMap((p) => p.items.map((i) => [i.vector.id, i.vector] as const)));
  const hash = vectorSetHash([...selected.values()]);
  if (options.shard) {
    const mine = shardVectors(selected.keys(), options.shard);
    for (const p of plans) p.items = p.items.filter((i) => mine.has(i.vector.id));
  }
  return { plans, selected, vectorSetHash: hash };
}
