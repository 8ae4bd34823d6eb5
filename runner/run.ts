/**
 * `conformatrix run`: load suites, vectors and targets; plan; run the plan
 * through the scheduler while the console (reports/console.ts, or a mocha
 * reporter through the mocha bridge) reports progress; write every report from
 * the one result model; exit 0 (nothing unexpected), 1 (unexpected results) or
 * 2 (usage or harness error).
 */
import { createHash } from 'node:crypto';
import { availableParallelism, release, type } from 'node:os';
import { resolve } from 'node:path';
import { disposeAll, onInterrupt, track } from './cleanup.js';
import { InputError, InputErrors, UsageError } from './errors.js';
import { checkWritableDir } from './fsutil.js';
import { checkPlans, checkRan, checkReporter, manifestErrors, type NamedTarget } from './gate-checks.js';
import { JsonSource } from './json-source.js';
import { findLibfaketime, localClockEnv } from './clock.js';
import { localDriver } from './local-driver.js';
import { applyGrep, buildMocha, grepPattern, runMocha } from './mocha-bridge.js';
import { coverageOf, measuredDoc, suiteProfile, summarise } from './coverage.js';
import { isUnexpected, type CoverageSummary, type ResultRecord, type RunResults, type TargetRecord, type VectorRecord } from './model.js';
import { harnessVersion, writeReports } from './results.js';
import { summaryText } from './reports/summary.js';
import { Scheduler, type PlanItem, type TargetPlan } from './scheduler.js';
import { SpecLibrary } from './specs.js';
import { LOCAL_HARNESS, type HarnessEndpoint, type LoadedVector, type Suite, type TargetView } from './suite.js';
import { loadSuites, resultViews } from './suites.js';
import { discoverTargets, missingRequirement, type Target } from './targets.js';
import { DockerDriver, dockerAvailable } from './docker/driver.js';
import { ImageBuildError } from './docker/images.js';
import type { TransportFactory } from './transport.js';
import { loadVectorFiles, vectorFiles } from './vectors.js';
import { applyExpectations, judge, loadExpectations, updateExpectations } from './expectations.js';
import { ProgressConsole, PROGRESS_REPORTER } from './reports/console.js';
import { rerunCommand } from './rerun.js';
import { compareVectorOrder } from './order.js';
import { shardVectors, type Shard } from './shard.js';

export interface RunOptions {
  suites: string[];
  targets: string[];
  vectors: string[];
  profile?: string;
  out: string;
  grep?: string;
  invert?: boolean;
  reporter?: string;
  jobs?: number;
  timeoutMs?: number;
  list?: boolean;
  targetDirs?: string[];
  argv?: string[];
  /** Write no reports to the console (tests). */
  quiet?: boolean;
  /** local, docker, or auto (docker when an engine answers). */
  driver?: 'local' | 'docker' | 'auto';
  /** Run only this part of the vectors (--shard i/n). */
  shard?: Shard;
  /** Run a failed vector again up to this many times; a pass on a retry is flaky. */
  retries?: number;
  /** Varies the harness's own choices (keys, ISNs); the same seed repeats a run. Default 0. */
  seed?: number;
  /** Expectations files to gate on: exit 1 only on new failures and unexpected passes. */
  expectations?: string[];
  /** Write each target's expectations from this run to this file ({target} for several targets). */
  updateExpectations?: string;
  /** Run only what these targets take part in: their own vectors, and the interop pairs that include them. */
  includeTargets?: string[];
  /** The section and requirements indexes; by default vectors/specs/ (tests give fixtures). */
  specs?: SpecLibrary;
}

/** sha256 over the selected vectors, ids and content, in id order. */
function vectorSetHash(vectors: { id: string; data: unknown }[]): string {
  const h = createHash('sha256');
  for (const v of [...vectors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) h.update(v.id).update('\u0000').update(JSON.stringify(v.data)).update('\u0000');
  return h.digest('hex');
}

async function chooseDriver(wanted: 'local' | 'docker' | 'auto'): Promise<'local' | 'docker'> {
  if (wanted === 'local') return 'local';
  const problem = await dockerAvailable();
  if (!problem) return 'docker';
  if (wanted === 'docker') throw new UsageError(`--driver docker: no docker engine answers (${problem})`);
  return 'local';
}

/** The docker driver's view of a target: its image (built when missing), its network, its container factory. */
async function dockerDrive(docker: DockerDriver, target: Target, resultSchemas: Record<string, string>, quiet: boolean): Promise<Drive> {
  try {
    const built = await docker.image(target);
    if (built.built && !quiet) process.stderr.write(`built ${built.image} in ${built.seconds.toFixed(1)} s\n`);
    return { driver: 'docker', factory: docker.factory(target, resultSchemas), harness: await docker.harness(target), notes: docker.notes() };
  } catch (err) {
    if (err instanceof ImageBuildError) {
      process.stderr.write(`\n=== docker build output of ${target.id} ===\n${err.output}\n=== end of build output ===\n`);
      return { driver: 'docker', factory: null, harness: LOCAL_HARNESS, reason: `${err.message}; last lines: ${err.output.trim().split('\n').slice(-3).join(' | ')}` };
    }
    return { driver: 'docker', factory: null, harness: LOCAL_HARNESS, reason: `docker: ${(err as Error).message}` };
  }
}

export interface LoadedSuite {
  suite: Suite;
  vectors: LoadedVector[];
}

/** Which suite a vector file belongs to: the first segment of its vectors' ids. */
function suiteOfFile(file: string): string | undefined {
  try {
    const doc = JsonSource.read(file).value as { vectors?: { id?: unknown }[] };
    const id = doc.vectors?.[0]?.id;
    return typeof id === 'string' ? id.split('/')[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Loads and validates the vectors of each suite; throws InputErrors listing every problem. */
export async function loadAll(suiteNames: string[], vectorPaths: string[], specs: SpecLibrary): Promise<LoadedSuite[]> {
  const suites = await loadSuites(suiteNames);
  const explicit = vectorPaths.length ? vectorFiles(vectorPaths) : undefined;
  const loaded: LoadedSuite[] = [];
  const errors = [];
  for (const suite of suites) {
    const files = explicit ? explicit.filter((f) => suiteOfFile(f) === suite.name || (suites.length === 1 && suiteOfFile(f) === undefined)) : vectorFiles([suite.vectorDir], { missingOk: true });
    if (explicit && files.length === 0 && suiteNames.length === 0) continue;
    const result = loadVectorFiles(suite, files, specs, loaded.reduce((n, l) => n + l.vectors.length, 0));
    errors.push(...result.errors);
    loaded.push({ suite, vectors: result.vectors });
  }
  if (explicit) {
    const claimed = new Set(suites.map((s) => s.name));
    for (const f of explicit) {
      const s = suiteOfFile(f);
      if (s === undefined && suites.length !== 1) {
        // A file that does not parse says so, with its line and column, before anything else.
        try {
          JsonSource.read(f);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          errors.push(err);
          continue;
        }
        throw new UsageError(`${f}: cannot tell which suite its vectors belong to; give --suite`);
      }
      if (s !== undefined && !claimed.has(s)) throw new UsageError(`${f}: its vectors belong to suite "${s}", which is not selected`);
    }
  }
  if (errors.length) throw new InputErrors(errors);
  return loaded;
}

export function vectorRecord(suite: Suite, v: LoadedVector, specs: SpecLibrary): VectorRecord {
  const first = v.citations[0]!;
  const section = specs.section(first.doc, first.section);
  const url = specs.link(first);
  return {
    id: v.id,
    suite: suite.name,
    title: v.title,
    level: v.level,
    citations: v.citations,
    group: { doc: first.doc, section: first.section, title: section?.title ?? '', ...(section ? { anchor: section.anchor } : {}), ...(url ? { url } : {}) },
    flags: v.flags,
    ...(v.requirements ? { requirements: v.requirements } : {}),
    source: v.source,
    ...(suite.roles ? { roles: suite.roles } : {}),
  };
}

/**
 * The requirements coverage of the run's selection, per suite measured
 * against an index that has its profile's document: the summary results.json
 * and the matrix show.
 */
function runCoverage(loaded: LoadedSuite[], selected: Set<string>, profile: string | undefined, specs: SpecLibrary): CoverageSummary[] {
  return loaded.flatMap(({ suite, vectors }) => {
    const p = suiteProfile(suite, profile);
    const doc = measuredDoc(suite, p);
    if (!doc || !specs.requirements.filesOf(doc).length) return [];
    return [summarise(coverageOf(suite.name, p, doc, specs.requirements.of(doc), vectors.filter((v) => selected.has(v.id)), specs))];
  });
}

export function targetView(target: Target, suiteName?: string, harness: HarnessEndpoint = LOCAL_HARNESS): TargetView {
  return {
    id: target.id,
    name: target.manifest.name,
    userAgentClass: target.manifest.userAgentClass,
    capabilities: new Set(target.manifest.capabilities ?? []),
    options: (suiteName ? target.manifest.options?.[suiteName] : undefined) ?? {},
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
  const notes = target.manifest.clock?.via === 'libfaketime' && !library ? ['libfaketime not found (install faketime): the adapter runs on the real clock'] : [];
  return {
    driver: 'local',
    factory: localDriver({ command: target.manifest.local.command, cwd: target.dir, env: target.manifest.local.env ?? {}, ...(library ? { envPerStart: localClockEnv(library) } : {}), resultSchemas }),
    harness: LOCAL_HARNESS,
    ...(notes.length ? { notes } : {}),
  };
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
          for (const vector of l.vectors) {
            const decision = l.suite.plan(vector, { ...view, options: target.manifest.options?.[l.suite.name] ?? {} }, profile);
            // Only "does not apply" is final before the adapter starts; what the target can do is known after hello.
            items.push({ suite: l.suite, vector, decision: !decision.run && decision.verdict === 'skipped' ? decision : { run: true } });
          }
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
      out.push({
        record: { id, name: combo.map((p) => p.record.name).join(' × '), suites: [l.suite.name], status: 'available', driver: combo[0]!.record.driver },
        view: combo[0]!.view,
        factory: null,
        items: l.vectors.map((vector) => ({ suite: l.suite, vector, decision: { run: true } })),
        ensemble: Object.fromEntries(roles.map((role, i) => [role, combo[i]!])),
      });
    }
  }
  return out;
}

/** --grep as mocha reads it; a pattern that is not a regular expression is a usage error. */
function userGrep(text: string): RegExp {
  try {
    return grepPattern(text);
  } catch (err) {
    throw new UsageError(`--grep ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

export async function runCommand(options: RunOptions): Promise<number> {
  const startedAt = new Date();
  const specs = options.specs ?? SpecLibrary.load();
  const loaded = await loadAll(options.suites, options.vectors, specs);
  const suiteNames = loaded.map((l) => l.suite.name);
  if (options.profile !== undefined) {
    const known = new Set(loaded.flatMap((l) => l.suite.profiles?.names ?? []));
    if (!known.has(options.profile)) throw new UsageError(`unknown profile "${options.profile}" (known: ${[...known].join(', ') || 'none'})`);
  }
  const profile = options.profile ?? loaded.find((l) => l.suite.profiles)?.suite.profiles?.default;

  const discovered = discoverTargets(options.targetDirs);
  // A manifest naming a suite or capability no suite knows would make its target vanish, or its vectors unsupported, in silence.
  const allSuites = await loadSuites();
  const manifestProblems = discovered.flatMap((t) => manifestErrors(t, allSuites));
  if (manifestProblems.length) throw new InputErrors(manifestProblems);
  let targets = discovered.filter((t) => t.manifest.suites.some((s) => suiteNames.includes(s)));
  const include = options.includeTargets ?? [];
  if (options.targets.length || include.length) {
    const unknown = [...options.targets, ...include].filter((n) => !targets.some((t) => t.id === n));
    if (unknown.length) throw new UsageError(`unknown target(s) for suites ${suiteNames.join(', ')}: ${unknown.join(', ')} (known: ${targets.map((t) => t.id).join(', ')})`);
    if (options.targets.length) targets = targets.filter((t) => options.targets.includes(t.id) || include.includes(t.id));
  }
  if (options.reporter !== undefined && options.reporter !== PROGRESS_REPORTER && !options.quiet) checkReporter(options.reporter);
  const grep = options.grep !== undefined ? userGrep(options.grep) : undefined;
  const outDir = resolve(options.out);
  // Reports go there at the end: find out now, before any vector runs, that they can.
  if (!options.list) checkWritableDir(outDir);
  const driverName = await chooseDriver(options.driver ?? 'local');
  let drive: ((t: Target, r: Record<string, string>) => Promise<Drive>) | undefined;
  let fabric: (() => ReturnType<DockerDriver['fabric']>) | undefined;
  if (driverName === 'docker') {
    const docker = await DockerDriver.start({ outDir });
    track('docker driver', { async: () => docker.dispose() });
    if (docker.swept.length && !options.quiet) process.stderr.write(`removed what earlier runs left behind: ${docker.swept.join(', ')}\n`);
    drive = (t, r) => dockerDrive(docker, t, r, options.quiet ?? false);
    fabric = () => docker.fabric();
  }
  // Expectations are read first: a bad file stops the run before anything starts.
  const expectations = options.expectations?.length ? loadExpectations(options.expectations) : undefined;
  const targetPlans = await buildPlans(targets, loaded, profile, drive);
  const plans = [...targetPlans, ...ensemblePlans(targetPlans, loaded, include)];
  // With --include-target, the other targets take part only as partners of the included ones.
  if (include.length) for (const p of targetPlans) if (!include.includes(p.record.id)) p.items = [];
  applyGrep(plans, grep, options.invert);
  // The vector set is what the run selected before sharding, so that every shard of one run has the same hash.
  const selected = new Map(plans.flatMap((p) => p.items.map((i) => [i.vector.id, i.vector] as const)));
  const setHash = vectorSetHash([...selected.values()]);
  const coverage = runCoverage(loaded, new Set(selected.keys()), profile, specs);
  if (options.shard) {
    const mine = shardVectors(selected.keys(), options.shard);
    for (const p of plans) p.items = p.items.filter((i) => mine.has(i.vector.id));
  }
  const seed = options.seed ?? 0;
  const named: NamedTarget[] = [
    ...options.targets.map((id) => ({ id, by: '--target' })),
    ...include.map((id) => ({ id, by: '--include-target' })),
    ...[...(expectations?.values() ?? [])].map((e) => ({ id: e.expectations.target, by: e.file })),
  ];

  if (options.list) {
    for (const plan of plans) {
      process.stdout.write(`${plan.record.id}${plan.record.status === 'unavailable' ? ` (unavailable: ${plan.record.reason})` : ''}\n`);
      for (const item of plan.items) process.stdout.write(`  ${item.vector.id}${item.decision.run ? '' : ` [${item.decision.verdict}: ${item.decision.reason}]`}\n`);
    }
    return 0;
  }
  try {
    checkPlans(plans, named);
  } catch (err) {
    await disposeAll(); // the docker driver, if it started
    throw err;
  }

  const controller = new AbortController();
  const services = new Map<string, unknown>();
  for (const l of loaded) {
    if (!l.suite.setup) continue;
    const s = await l.suite.setup({ outDir });
    services.set(l.suite.name, s.services);
    track(`${l.suite.name} services`, { async: s.dispose });
  }
  const jobs = options.jobs ?? Math.max(2, Math.min(4, availableParallelism() * 2));
  const scheduler = new Scheduler(plans, {
    jobs,
    timeoutMs: options.timeoutMs ?? 10_000,
    profile,
    outDir,
    services,
    signal: controller.signal,
    seed,
    ...(options.retries ? { retries: options.retries } : {}),
    ...(fabric ? { fabric } : {}),
  });

  const assemble = (finishedAt: Date, interrupted: boolean): RunResults => {
    const used = new Set(plans.flatMap((p) => p.items.map((i) => i.vector.id)));
    const vectors = loaded.flatMap((l) => l.vectors.filter((v) => used.has(v.id)).map((v) => vectorRecord(l.suite, v, specs))).sort(compareVectorOrder);
    const vectorOrder = new Map(vectors.map((v, i) => [v.id, i]));
    const targetOrder = new Map(plans.map((p, i) => [p.record.id, i]));
    const results: ResultRecord[] = [...scheduler.results].sort(
      (a, b) => targetOrder.get(a.targetId)! - targetOrder.get(b.targetId)! || vectorOrder.get(a.vectorId)! - vectorOrder.get(b.vectorId)!,
    );
    const run: RunResults = {
      format: 'conformatrix-results',
      formatVersion: 1,
      run: {
        harness: { name: 'conformatrix', version: harnessVersion() },
        suites: suiteNames,
        ...(profile ? { profile } : {}),
        vectorSetHash: setHash,
        kernel: `${type()} ${release()}`,
        seed,
        ...(options.shard ? { shard: options.shard } : {}),
        jobs,
        retries: options.retries ?? 0,
        ...(options.expectations?.length ? { expectations: options.expectations } : {}),
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        ...(interrupted ? { interrupted: true } : {}),
        ...(options.argv ? { argv: options.argv } : {}),
      },
      targets: targetPlans.map((p) => p.record),
      vectors,
      results,
      ...(coverage.length ? { coverage } : {}),
    };
    if (expectations) applyExpectations(run, expectations);
    return run;
  };

  const views = resultViews(loaded.map((l) => l.suite));
  const unhook = onInterrupt(() => {
    controller.abort();
    try {
      writeReports(assemble(new Date(), true), outDir, views);
      process.stderr.write(`partial reports written to ${outDir}\n`);
    } catch (err) {
      process.stderr.write(`could not write partial reports: ${(err as Error).message}\n`);
    }
  });

  // Each result as it completes, judged against the expectations as the reports will judge it.
  const judged = (t: string, v: string) =>
    scheduler.result(t, v).then((r) => (expectations ? { ...r, expectation: judge(r, expectations.get(r.targetId)?.expectations) } : r));
  const reporter = options.reporter ?? PROGRESS_REPORTER;
  const rerunFallback = { suites: options.suites, vectors: options.vectors, ...(options.profile !== undefined ? { profile: options.profile } : {}), ...(options.driver ? { driver: options.driver } : {}), targetDirs: options.targetDirs ?? [], ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}), seed };
  let progress: ProgressConsole | undefined;
  const work = scheduler.run();
  if (options.quiet) await work;
  else if (reporter === PROGRESS_REPORTER) {
    const titles = new Map(loaded.flatMap((l) => l.vectors.map((v) => [v.id, v.title] as const)));
    const write = (text: string) => void process.stdout.write(text);
    const live = new ProgressConsole(
      plans.map((p) => ({ id: p.record.id, total: p.items.length })),
      { write, titles, rerun: (r) => rerunCommand(options.argv, r.targetId, r.vectorId, { fallback: rerunFallback }) },
    );
    progress = live;
    await Promise.all(plans.flatMap((p) => p.items.map((i) => judged(p.record.id, i.vector.id).then((r) => live.add(r)))));
  } else await runMocha(buildMocha(plans, judged, { reporter, ...(grep ? { grep } : {}), invert: options.invert ?? false }));
  await work;
  await disposeAll();

  const run = assemble(new Date(), controller.signal.aborted);
  const written = writeReports(run, outDir, views);
  unhook();
  if (options.updateExpectations) written.push(...updateExpectations(run, options.updateExpectations));
  if (!options.quiet) {
    // A mocha reporter owns stdout (--reporter json must print JSON and nothing else): the summary then goes to stderr.
    const out = progress ? process.stdout : process.stderr;
    out.write('\n' + summaryText(run) + '\n');
    if (progress) out.write(progress.report());
    out.write(`\nReports: ${written.join(', ')}\n`);
  }
  checkRan(run, named);
  return run.results.some(isUnexpected) ? 1 : 0;
}
