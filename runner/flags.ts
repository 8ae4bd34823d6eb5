/**
 * The flag registry (vectors/schema/flags.json): every flag a vector may carry,
 * in any suite, with a one-line meaning, as Wycheproof's notes define theirs.
 * A flag is a label for finding related vectors; one that the registry does
 * not define would be a label nobody can read (or a misspelling that splits a
 * group in two), so validation rejects it and says what to add.
 */
import { join } from 'node:path';
import { InputError } from './errors.js';
import { JsonSource } from './json-source.js';
import { SCHEMA_DIR } from './paths.js';
import { validateSource } from './schema.js';
import type { LoadedVector } from './suite.js';
import { displayPath } from './vectors.js';

export const FLAGS_FILE = join(SCHEMA_DIR, 'flags.json');

export interface FlagRegistry {
  source: JsonSource;
  /** Flag name -> its meaning: every flag a vector may carry. */
  flags: Map<string, string>;
  /** The flags that `conformatrix import` writes: allowed, but no project vector need carry them. */
  imported: Set<string>;
}

let cached: FlagRegistry | undefined;

/** Reads and checks the registry (once per process); throws InputError at its own file, line and pointer. */
export function flagRegistry(file = FLAGS_FILE): FlagRegistry {
  if (file === FLAGS_FILE && cached) return cached;
  const read = JsonSource.read(file);
  const source = JsonSource.parse(displayPath(file), read.text);
  const errors = validateSource(source, 'urn:conformatrix:flags');
  if (errors.length) throw errors[0]!;
  const doc = source.value as { flags: Record<string, string>; importFlags?: Record<string, string> };
  const flags = new Map([...Object.entries(doc.flags), ...Object.entries(doc.importFlags ?? {})]);
  const registry = { source, flags, imported: new Set(Object.keys(doc.importFlags ?? {})) };
  if (file === FLAGS_FILE) cached = registry;
  return registry;
}

/** Levenshtein distance, for suggesting the flag that was meant. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Registered flags close to `name`: a few edits away, or one containing the other. At most five, closest first. */
export function closeFlags(name: string, registry: FlagRegistry): string[] {
  return [...registry.flags.keys()]
    .map((f) => ({ f, d: distance(name, f) }))
    .filter(({ f, d }) => d <= Math.max(2, Math.floor(name.length / 4)) || f.includes(name) || name.includes(f))
    .sort((a, b) => a.d - b.d || a.f.localeCompare(b.f))
    .slice(0, 5)
    .map(({ f }) => f);
}

/** Errors for the flags of one vector that the registry does not define, each at the flag's own pointer. */
export function unknownFlagErrors(v: LoadedVector, source: JsonSource, registry: FlagRegistry): InputError[] {
  return v.flags.flatMap((flag, i) => {
    if (registry.flags.has(flag)) return [];
    const close = closeFlags(flag, registry);
    const meant = close.length ? `close names: ${close.join(', ')}` : 'no close name';
    return [
      source.error(
        `${v.source.pointer}/flags/${i}`,
        `unknown flag "${flag}" (${meant}); a new flag needs an entry in ${registry.source.file} under "flags": ${JSON.stringify(flag)}: "<one line: what the vectors with this flag have in common>"`,
      ),
    ];
  });
}

/**
 * Registry entries that no vector carries, as errors at the entry. Only a
 * check of every vector (validate with no PATH) can tell: a subset would
 * leave most entries unused.
 */
export function unusedFlagErrors(vectors: LoadedVector[], registry: FlagRegistry): InputError[] {
  const used = new Set(vectors.flatMap((v) => v.flags));
  return [...registry.flags.keys()]
    .filter((f) => !used.has(f) && !registry.imported.has(f))
    .map((f) =>
      registry.source.error(
        `/flags/${f.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        `flag "${f}" is defined but no vector carries it: remove the entry, or flag the vectors it was meant for`,
      ),
    );
}
