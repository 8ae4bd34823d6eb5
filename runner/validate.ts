/**
 * `conformatrix validate [PATH...]`: vector files against their JSON Schema,
 * the suite's own checks, unique ids and citations that name real sections;
 * with no PATH, every suite's vectors and every target manifest.
 */
import { InputError, InputErrors } from './errors.js';
import { loadAll } from './run.js';
import { SpecLibrary } from './specs.js';
import { discoverTargets } from './targets.js';

export async function validateCommand(paths: string[]): Promise<number> {
  const specs = SpecLibrary.load();
  const errors: InputError[] = [];
  let count = 0;
  try {
    const loaded = await loadAll([], paths, specs);
    count = loaded.reduce((n, l) => n + l.vectors.length, 0);
    for (const l of loaded) process.stdout.write(`${l.suite.name}: ${l.vectors.length} vectors valid\n`);
  } catch (err) {
    if (err instanceof InputErrors) errors.push(...err.errors);
    else throw err;
  }
  if (paths.length === 0) {
    try {
      const targets = discoverTargets();
      process.stdout.write(`targets: ${targets.length} manifests valid\n`);
    } catch (err) {
      if (err instanceof InputErrors) errors.push(...err.errors);
      else throw err;
    }
  }
  if (errors.length) throw new InputErrors(errors);
  if (count === 0 && paths.length) process.stdout.write('no vectors found\n');
  return 0;
}
