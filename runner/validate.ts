/**
 * `conformatrix validate [PATH...]`: the requirements indexes
 * (vectors/specs/requirements/) against their schema and the section indexes;
 * vector files against their JSON Schema, the suite's own checks, unique ids,
 * citations that name real sections, requirement ids that the index has and
 * that are testable, the level rule, and, for a suite that says so, a
 * requirement cited by every vector of its own folder; flags that the flag
 * registry (vectors/schema/flags.json) defines, and, with no PATH, no registry
 * entry that no vector carries;
 * target manifests (target.json) against theirs and against the suites and
 * capabilities this build knows; expectations files against theirs. With no
 * PATH, every suite's vectors and every target manifest.
 */
import { basename, dirname } from 'node:path';
import { uncitedErrors } from './coverage.js';
import { InputError, InputErrors } from './errors.js';
import { readExpectations } from './expectations.js';
import { flagRegistry, unusedFlagErrors } from './flags.js';
import { manifestErrors } from './gate-checks.js';
import { JsonSource } from './json-source.js';
import { loadAll } from './plan.js';
import { SpecLibrary } from './specs.js';
import { loadSuites } from './suites.js';
import { discoverTargets, loadTarget, type Target } from './targets.js';
import { vectorFiles } from './vectors.js';

type Kind = 'vectors' | 'manifest' | 'expectations';

/** What a JSON file is: a manifest is named target.json; an expectations file says which target it is about and has no vectors. */
function kindOf(file: string): Kind {
  if (basename(file) === 'target.json') return 'manifest';
  try {
    const doc = JsonSource.read(file).value;
    if (doc && typeof doc === 'object' && !Array.isArray(doc) && !('vectors' in doc) && 'target' in doc) return 'expectations';
  } catch {
    // Not JSON: reported, with its position, by the vector loader.
  }
  return 'vectors';
}

/** Collects the InputErrors a check throws; anything else is a harness error. */
function collect(errors: InputError[], check: () => void): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (err instanceof InputErrors) errors.push(...err.errors);
    else if (err instanceof InputError) errors.push(err);
    else throw err;
    return false;
  }
}

function checkManifests(targets: Target[], errors: InputError[], suites: Awaited<ReturnType<typeof loadSuites>>): number {
  const problems = targets.flatMap((t) => manifestErrors(t, suites));
  errors.push(...problems);
  return targets.length - new Set(problems.map((p) => p.location.file)).size;
}

export async function validateCommand(paths: string[]): Promise<number> {
  const specs = SpecLibrary.load();
  const docs = specs.requirements.docs();
  if (docs.length)
    process.stdout.write(
      `requirements: ${specs.requirements.size} valid (${docs.map((d) => `${d}: ${specs.requirements.of(d).length} in ${specs.requirements.filesOf(d).length} files`).join('; ')})\n`,
    );
  const suites = await loadSuites();
  const errors: InputError[] = [];
  const files = paths.length ? vectorFiles(paths) : [];
  const kinds = new Map(files.map((f) => [f, kindOf(f)]));
  const byKind = (k: Kind) => files.filter((f) => kinds.get(f) === k);
  const vectorPaths = paths.length ? byKind('vectors') : [];
  let count = 0;
  if (paths.length === 0 || vectorPaths.length) {
    try {
      const loaded = await loadAll([], vectorPaths, specs);
      count = loaded.reduce((n, l) => n + l.vectors.length, 0);
      for (const l of loaded) {
        const uncited = uncitedErrors(l.suite, l.vectors);
        errors.push(...uncited);
        process.stdout.write(`${l.suite.name}: ${l.vectors.length - uncited.length} vectors valid\n`);
      }
      // Every vector of every suite is here only without PATH: then a registry entry no vector carries is dead.
      if (paths.length === 0)
        errors.push(
          ...unusedFlagErrors(
            loaded.flatMap((l) => l.vectors),
            flagRegistry(),
          ),
        );
    } catch (err) {
      if (err instanceof InputErrors) errors.push(...err.errors);
      else throw err;
    }
  }
  if (paths.length === 0) {
    collect(errors, () => {
      const targets = discoverTargets();
      const valid = checkManifests(targets, errors, suites);
      process.stdout.write(`targets: ${valid} manifests valid\n`);
    });
  } else {
    const targets: Target[] = [];
    for (const f of byKind('manifest')) collect(errors, () => targets.push(loadTarget(dirname(f))));
    if (byKind('manifest').length) {
      const valid = checkManifests(targets, errors, suites);
      process.stdout.write(`targets: ${valid} manifests valid\n`);
    }
    const expectations = byKind('expectations');
    let valid = 0;
    for (const f of expectations) if (collect(errors, () => readExpectations(f))) valid++;
    if (expectations.length) process.stdout.write(`expectations: ${valid} of ${expectations.length} files valid\n`);
  }
  if (errors.length) throw new InputErrors(errors);
  if (count === 0 && paths.length && vectorPaths.length) process.stdout.write('no vectors found\n');
  return 0;
}
