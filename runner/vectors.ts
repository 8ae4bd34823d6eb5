/**
 * Loading and validating vector files: JSON Schema first, then the suite's own
 * checks, then what holds across files (unique ids, citations that name real
 * sections, requirement ids that the requirements index has, with the level
 * rule, flags that the flag registry defines). Every error names
 * file:line:column and the JSON pointer.
 */
import type { Citation } from './specs.js';
import type { Level } from './model.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InputError } from './errors.js';
import { flagRegistry, unknownFlagErrors } from './flags.js';
import { JsonSource } from './json-source.js';
import { MAX_VECTORS_PER_FILE, MAX_VECTORS_PER_RUN } from './limits.js';
import { ROOT, SCHEMA_DIR } from './paths.js';
import { citationProblems } from './requirements.js';
import { validateSource } from './schema.js';
import type { LoadedVector, Suite } from './suite.js';
import type { SpecLibrary } from './specs.js';

/** JSON files under the given files or folders, sorted, schema folders excluded. */
/** The fields every vector has, whatever its suite (vectors/schema/common.schema.json). */
export interface VectorCommon {
  id: string;
  title: string;
  description?: string;
  spec: Citation[];
  /** Ids from the requirements index (vectors/specs/requirements/). */
  requirements?: string[];
  level: Level;
  flags?: string[];
}

export function vectorFiles(paths: string[], options: { missingOk?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (options.missingOk) return;
      throw new InputError({ file: p }, 'no such file or folder');
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry === 'schema' || entry === 'specs' || entry.startsWith('.')) continue;
        walk(join(p, entry));
      }
    } else if (p.endsWith('.json')) {
      out.push(p);
    }
  };
  for (const p of paths) walk(resolve(p));
  return [...new Set(out)];
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? (relative(ROOT, file).startsWith('..') ? file : relative(ROOT, file)) : rel;
}

function vectorCount(doc: unknown): number {
  const list = (doc as { vectors?: unknown } | null)?.vectors;
  return Array.isArray(list) ? list.length : 0;
}

export interface LoadResult {
  vectors: LoadedVector[];
  errors: InputError[];
  files: string[];
}

let schemaFiles: Map<string, string> | undefined;

/** The file name in vectors/schema/ of the JSON Schema with this $id. */
function schemaFileName(id: string): string | undefined {
  if (!schemaFiles) {
    schemaFiles = new Map();
    for (const name of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
      const $id = (JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as { $id?: unknown }).$id;
      if (typeof $id === 'string') schemaFiles.set($id, name);
    }
  }
  return schemaFiles.get(id);
}

/** How a vector file's `$schema` may name a suite's vector schema: its file name at the end of a path or URL, or its $id. */
function schemaNames(suite: Suite): string[] {
  const file = schemaFileName(suite.vectorSchema);
  return file ? [file, suite.vectorSchema] : [suite.vectorSchema];
}

/** The suites and the file names of their vector schemas, for messages: "name (file), ...". */
export function suiteSchemas(suites: Suite[]): string {
  return suites.map((s) => `${s.name} (${schemaNames(s)[0]})`).join(', ');
}

/**
 * The suite a vector file's `$schema` names, among the suites of this build:
 * the one whose vector schema it is, named by its file name at the end of a
 * path or URL ("../schema/cookie-vectors.schema.json", relative to the file, as
 * an editor reads it) or by its $id ("urn:conformatrix:cookie-vectors").
 * Undefined when the file has no `$schema` (or is no JSON object); an
 * InputError at /$schema when it names no suite's vector schema.
 */
export function declaredSuite(source: JsonSource, suites: Suite[]): Suite | undefined {
  const doc = source.value;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('$schema' in doc)) return undefined;
  const known = suiteSchemas(suites);
  const named = (doc as { $schema: unknown }).$schema;
  if (typeof named !== 'string') throw source.error('/$schema', `must be a string naming a suite's vector schema (known: ${known})`);
  // The last segment of a path or URL (either slash), or the whole of a URN.
  const last = named.split(/[\\/]/).pop()!;
  const suite = suites.find((s) => schemaNames(s).some((n) => n === last || n === named));
  if (!suite) throw source.error('/$schema', `"${named}" names no suite's vector schema (known: ${known})`);
  return suite;
}

/** `before`: vectors already loaded in this run (of other suites), counted against MAX_VECTORS_PER_RUN. */
export function loadVectorFiles(suite: Suite, files: string[], specs: SpecLibrary, before = 0): LoadResult {
  const vectors: LoadedVector[] = [];
  const errors: InputError[] = [];
  const seen = new Map<string, LoadedVector>();
  const flags = flagRegistry();
  for (const file of files) {
    let source: JsonSource;
    try {
      source = JsonSource.read(file);
      // Report paths relative to where the user stands.
      source = JsonSource.parse(displayPath(file), source.text);
    } catch (err) {
      if (err instanceof InputError) {
        errors.push(err);
        continue;
      }
      throw err;
    }
    // Counted before the schema, whose cost grows with the file: a runaway file is refused, not loaded.
    const count = vectorCount(source.value);
    if (count > MAX_VECTORS_PER_FILE) {
      errors.push(source.error('/vectors', `${count} vectors: more than the limit of ${MAX_VECTORS_PER_FILE} per file (see docs/vectors.md)`));
      continue;
    }
    if (before + vectors.length + count > MAX_VECTORS_PER_RUN) {
      errors.push(
        source.error('/vectors', `with this file's ${count} vectors the run would have more than the limit of ${MAX_VECTORS_PER_RUN} (see docs/vectors.md)`),
      );
      break;
    }
    const schemaErrors = validateSource(source, suite.vectorSchema);
    if (schemaErrors.length) {
      errors.push(...schemaErrors);
      continue;
    }
    const loaded = suite.load(source);
    errors.push(...loaded.errors);
    for (const v of loaded.vectors) {
      const previous = seen.get(v.id);
      if (previous) {
        errors.push(
          source.error(`${v.source.pointer}/id`, `duplicate vector id "${v.id}" (first defined in ${previous.source.file} at ${previous.source.pointer})`),
        );
        continue;
      }
      seen.set(v.id, v);
      v.citations.forEach((c, i) => {
        const problem = specs.check(c);
        if (problem) errors.push(source.error(`${v.source.pointer}/spec/${i}`, `citation: ${problem}`));
      });
      for (const p of citationProblems(v, specs.requirements)) errors.push(source.error(`${v.source.pointer}${p.at}`, p.message));
      errors.push(...unknownFlagErrors(v, source, flags));
      vectors.push(v);
    }
  }
  return { vectors, errors, files };
}
