/**
 * `conformatrix run`: load suites, vectors and targets and plan the work
 * (runner/plan.ts); run the plan
 * through the scheduler while the console (reports/console.ts, or a mocha
 * reporter through the mocha bridge) reports progress; write every report from
 * the one result model; exit 0 (nothing unexpected), 1 (unexpected results) or
 * 2 (usage or harness error).
 */
import { availableParallelism, release, type } from 'node:os';
import { resolve } from 'node:path';
import { disposeAll, onInterrupt, track } from './cleanup.js';
import { UsageError } from './errors.js';
import { checkWritableDir } from './fsutil.js';
import { checkPlans, checkRan, checkReporter, type NamedTarget } from './gate-checks.js';
import { buildMocha, grepPattern, runMocha } from './mocha-bridge.js';
import { coverageOf, measuredDoc, suiteProfile, summarise } from './coverage.js';
import { isUnexpected, type CoverageSummary, type ResultRecord, type RunResults, type VectorRecord } from './model.js';
import { buildPlans, loadAll, selectProfile, selectTargets, selectWork, type Drive, type LoadedSuite } from './plan.js';
import { harnessVersion, vectorsVersionOf, writeReports } from './results.js';
import { summaryText } from './reports/summary.js';
import { Scheduler } from './scheduler.js';
import { SpecLibrary } from './specs.js';
import { LOCAL_HARNESS, type LoadedVector, type Suite } from './suite.js';
import { loadSuites, resultViews } from './suites.js';
import { discoverTargets, type Target } from './targets.js';
import { DockerDriver, dockerAvailable } from './docker/driver.js';
import { ImageBuildError } from './docker/images.js';
import { applyExpectations, judge, loadExpectations, updateExpectations } from './expectations.js';
import { ProgressConsole, PROGRESS_REPORTER } from './reports/console.js';
import { rerunCommand } from './rerun.js';
import { compareVectorOrder } from './order.js';
import type { Shard } from './shard.js';
import { watchLoad } from './load.js';

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
      return {
        driver: 'docker',
        factory: null,
        harness: LOCAL_HARNESS,
        reason: `${err.message}; last lines: ${err.output.trim().split('\n').slice(-3).join(' | ')}`,
      };
    }
    return { driver: 'docker', factory: null, harness: LOCAL_HARNESS, reason: `docker: ${(err as Error).message}` };
  }
}

/**
 * Builds the images of the fabric's helper nodes ahead of the vectors. A build that fails is reported here with its
 * output; the vectors that need the node then end in a set-up error that says so, and the run goes on.
 */
async function prebuildFabricImages(docker: DockerDriver, contexts: string[], quiet: boolean): Promise<void> {
  for (const context of new Set(contexts)) {
    try {
      const built = await docker.fabricImage(context);
      if (built.built && !quiet) process.stderr.write(`built ${built.image} in ${built.seconds.toFixed(1)} s\n`);
    } catch (err) {
      const output = err instanceof ImageBuildError ? `\n=== docker build output of ${context} ===\n${err.output}\n=== end of build output ===` : '';
      process.stderr.write(`the image of ${context} could not be built: ${(err as Error).message}${output}\n`);
    }
  }
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
    return [
      summarise(
        coverageOf(
          suite.name,
          p,
          doc,
          specs.requirements.of(doc),
          vectors.filter((v) => selected.has(v.id)),
          specs,
        ),
      ),
    ];
  });
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
  const load = watchLoad();
  const specs = options.specs ?? SpecLibrary.load();
  const loaded = await loadAll(options.suites, options.vectors, specs);
  const suiteNames = loaded.map((l) => l.suite.name);
  const profile = selectProfile(loaded, options.profile);
  const include = options.includeTargets ?? [];
  const targets = selectTargets(discoverTargets(options.targetDirs), await loadSuites(), suiteNames, options.targets, include);
  if (options.reporter !== undefined && options.reporter !== PROGRESS_REPORTER && !options.quiet) checkReporter(options.reporter);
  const grep = options.grep !== undefined ? userGrep(options.grep) : undefined;
  const outDir = resolve(options.out);
  // Reports go there at the end: find out now, before any vector runs, that they can.
  if (!options.list) checkWritableDir(outDir);
  const driverName = await chooseDriver(options.driver ?? 'local');
  let drive: ((t: Target, r: Record<string, string>) => Promise<Drive>) | undefined;
  let fabric: (() => ReturnType<DockerDriver['fabric']>) | undefined;
  let prebuild: ((contexts: string[]) => Promise<void>) | undefined;
  if (driverName === 'docker') {
    const docker = await DockerDriver.start({ outDir });
    prebuild = (contexts) => prebuildFabricImages(docker, contexts, options.quiet ?? false);
    track('docker driver', { async: () => docker.dispose() });
    if (docker.swept.length && !options.quiet) process.stderr.write(`removed what earlier runs left behind: ${docker.swept.join(', ')}\n`);
    drive = (t, r) => dockerDrive(docker, t, r, options.quiet ?? false);
    fabric = () => docker.fabric();
  }
  // Expectations are read first: a bad file stops the run before anything starts.
  const expectations = options.expectations?.length ? loadExpectations(options.expectations) : undefined;
  const targetPlans = await buildPlans(targets, loaded, profile, drive);
  const { plans, selected, vectorSetHash: setHash } = selectWork(targetPlans, loaded, { include, grep, invert: options.invert, shard: options.shard });
  // Read with the vectors, not when the reports are written: a VERSION bumped during a long run does not describe what it ran.
  const versionAtLoad = vectorsVersionOf(options.vectors);
  const coverage = runCoverage(loaded, new Set(selected.keys()), profile, specs);
  const seed = options.seed ?? 0;
  const named: NamedTarget[] = [
    ...options.targets.map((id) => ({ id, by: '--target' })),
    ...include.map((id) => ({ id, by: '--include-target' })),
    ...[...(expectations?.values() ?? [])].map((e) => ({ id: e.expectations.target, by: e.file })),
  ];

  if (options.list) {
    for (const plan of plans) {
      process.stdout.write(`${plan.record.id}${plan.record.status === 'unavailable' ? ` (unavailable: ${plan.record.reason})` : ''}\n`);
      for (const item of plan.items)
        process.stdout.write(`  ${item.vector.id}${item.decision.run ? '' : ` [${item.decision.verdict}: ${item.decision.reason}]`}\n`);
    }
    return 0;
  }
  try {
    checkPlans(plans, named);
  } catch (err) {
    await disposeAll(); // the docker driver, if it started
    throw err;
  }
  // The helper nodes' images of the suites that will run (Suite.fabricImages), built now rather than in a vector's set-up.
  const running = new Set(plans.flatMap((p) => p.items.filter((i) => i.decision.run).map((i) => i.suite.name)));
  await prebuild?.(loaded.filter((l) => running.has(l.suite.name)).flatMap((l) => l.suite.fabricImages ?? []));

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
        ...versionAtLoad,
        kernel: `${type()} ${release()}`,
        seed,
        ...(options.shard ? { shard: options.shard } : {}),
        jobs,
        retries: options.retries ?? 0,
        ...(options.expectations?.length ? { expectations: options.expectations } : {}),
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        ...(interrupted ? { interrupted: true } : {}),
        load: load.stop(),
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
  const rerunFallback = {
    suites: options.suites,
    vectors: options.vectors,
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.driver ? { driver: options.driver } : {}),
    targetDirs: options.targetDirs ?? [],
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    seed,
  };
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
