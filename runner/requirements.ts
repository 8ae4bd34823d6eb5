/**
 * Requirements indexes: the normative requirements of a spec document, each
 * with a stable id, in vectors/specs/requirements/<doc>/*.json (schema:
 * vectors/schema/requirements.schema.json; docs/requirements.md). A document's
 * index may be split over several files; ids are unique across them. Vectors
 * cite requirement ids in their `requirements` field; the checks here hold
 * those citations to the index and to the level rule.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, InputErrors } from './errors.js';
import { JsonSource } from './json-source.js';
import type { Level } from './model.js';
import { validateSource } from './schema.js';
import type { SpecLibrary } from './specs.js';
import { displayPath } from './vectors.js';

export type RequirementLevel = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'RECOMMENDED' | 'NOT RECOMMENDED' | 'MAY' | 'OPTIONAL';

/** One entry of an index file, as the schema has it. */
export interface RequirementEntry {
  id: string;
  section: string;
  anchor: string;
  level: RequirementLevel;
  /** Who it binds: user-agent, server or both for the cookie documents; sender, receiver or both for rfc8684 (the schema's per-document rule). */
  actor: 'user-agent' | 'server' | 'sender' | 'receiver' | 'both';
  summary: string;
  /** Present when the document states it without a BCP 14 keyword: why `level` is the level the project reads it at. */
  reading?: string;
  /** Why no black-box vector can check it; vectors must not cite it. */
  untestable?: string;
  note?: string;
}

export interface Requirement extends RequirementEntry {
  doc: string;
  /** The index file and JSON pointer it was read from. */
  source: { file: string; pointer: string };
}

/**
 * The level a vector that checks a requirement of this keyword has: vectors
 * have three levels, BCP 14 has eight keywords. A prohibition is as strong as
 * the obligation (MUST NOT as MUST), RECOMMENDED is SHOULD, OPTIONAL is MAY.
 */
export const VECTOR_LEVEL: Record<RequirementLevel, Level> = {
  MUST: 'MUST',
  'MUST NOT': 'MUST',
  SHOULD: 'SHOULD',
  'SHOULD NOT': 'SHOULD',
  RECOMMENDED: 'SHOULD',
  'NOT RECOMMENDED': 'SHOULD',
  MAY: 'MAY',
  OPTIONAL: 'MAY',
};

const STRENGTH: Record<Level, number> = { MUST: 3, SHOULD: 2, MAY: 1 };

/** The weakest vector level among some requirements (undefined for none): the level a vector citing them must have. */
export function weakestLevel(requirements: Pick<Requirement, 'level'>[]): Level | undefined {
  let weakest: Level | undefined;
  for (const r of requirements) {
    const l = VECTOR_LEVEL[r.level];
    if (weakest === undefined || STRENGTH[l] < STRENGTH[weakest]) weakest = l;
  }
  return weakest;
}

/** The document and section an id names: "rfc6265bis/5.7/step-10.1" → rfc6265bis, 5.7. */
export function idParts(id: string): { doc: string; section: string; name: string } {
  const [doc = '', section = '', ...rest] = id.split('/');
  return { doc, section, name: rest.join('/') };
}

export class RequirementsIndex {
  private readonly byId = new Map<string, Requirement>();
  /** The files read, by doc. */
  private readonly files = new Map<string, string[]>();

  /**
   * Reads every <dir>/<doc>/*.json, validates it against its schema and
   * against the section indexes (specs), and throws InputErrors listing every
   * problem, each with file, line and JSON pointer. A missing dir is an empty
   * index.
   */
  static load(dir: string, specs: SpecLibrary): RequirementsIndex {
    const index = new RequirementsIndex();
    const errors: InputError[] = [];
    if (!existsSync(dir)) return index;
    for (const entry of readdirSync(dir).sort()) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (!statSync(path).isDirectory()) {
        if (entry.endsWith('.json'))
          errors.push(
            new InputError({ file: displayPath(path) }, `an index file belongs in the folder of its document: ${displayPath(join(dir, '<doc>', entry))}`),
          );
        continue;
      }
      const doc = entry;
      const files = readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort();
      if (!specs.doc(doc) && files.length) {
        errors.push(
          new InputError(
            { file: displayPath(path) },
            `no section index vectors/specs/${doc}.json for this folder's document "${doc}" (known: ${specs.names().join(', ')})`,
          ),
        );
        continue;
      }
      for (const f of files) index.readFile(join(path, f), doc, specs, errors);
    }
    if (errors.length) throw new InputErrors(errors);
    return index;
  }

  private readFile(file: string, doc: string, specs: SpecLibrary, errors: InputError[]): void {
    let source: JsonSource;
    try {
      source = JsonSource.parse(displayPath(file), JsonSource.read(file).text);
    } catch (err) {
      if (err instanceof InputError) {
        errors.push(err);
        return;
      }
      throw err;
    }
    const problems = validateSource(source, 'urn:conformatrix:requirements');
    if (problems.length) {
      errors.push(...problems);
      return;
    }
    const part = source.value as { doc: string; requirements: RequirementEntry[] };
    if (part.doc !== doc) {
      errors.push(source.error('/doc', `doc "${part.doc}" in the folder of "${doc}": a file indexes the document its folder is named for`));
      return;
    }
    this.files.set(doc, [...(this.files.get(doc) ?? []), source.file]);
    part.requirements.forEach((r, i) => {
      const at = `/requirements/${i}`;
      const before = errors.length;
      const ids = idParts(r.id);
      if (ids.doc !== doc) errors.push(source.error(`${at}/id`, `id ${r.id} names document "${ids.doc}", but the entry is of "${doc}"`));
      if (ids.section !== r.section) errors.push(source.error(`${at}/id`, `id ${r.id} names section ${ids.section}, but the entry's section is ${r.section}`));
      const section = specs.section(doc, r.section);
      if (!section) errors.push(source.error(`${at}/section`, `${doc} has no section ${r.section} (vectors/specs/${doc}.json)`));
      else if (section.anchor !== r.anchor)
        errors.push(source.error(`${at}/anchor`, `${doc} section ${r.section} ("${section.title}") has anchor "${section.anchor}", not "${r.anchor}"`));
      const previous = this.byId.get(r.id);
      if (previous)
        errors.push(source.error(`${at}/id`, `duplicate requirement id ${r.id} (first defined in ${previous.source.file} at ${previous.source.pointer})`));
      if (errors.length === before) this.byId.set(r.id, { ...r, doc, source: { file: source.file, pointer: at } });
    });
  }

  get(id: string): Requirement | undefined {
    return this.byId.get(id);
  }

  /** The documents with an index, sorted. */
  docs(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The files a document's index was read from. */
  filesOf(doc: string): string[] {
    return this.files.get(doc) ?? [];
  }

  /** A document's requirements, in file order, then entry order. */
  of(doc: string): Requirement[] {
    return [...this.byId.values()].filter((r) => r.doc === doc);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** What a vector says about requirements: its level, and the ids it cites. */
export interface Citing {
  level: Level;
  requirements?: string[];
}

/**
 * Problems with the requirements a vector cites, each with the JSON pointer
 * relative to the vector: an id the index lacks, an untestable requirement,
 * and a level other than the weakest level of the requirements cited (checked
 * only when every id is known).
 */
export function citationProblems(v: Citing, index: RequirementsIndex): { at: string; message: string }[] {
  const problems: { at: string; message: string }[] = [];
  const found: Requirement[] = [];
  (v.requirements ?? []).forEach((id, i) => {
    const r = index.get(id);
    const { doc } = idParts(id);
    if (!r) {
      const where = index.filesOf(doc).length
        ? `the requirements index of ${doc}`
        : `any requirements index (there is none for ${doc} in vectors/specs/requirements/${doc}/)`;
      problems.push({ at: `/requirements/${i}`, message: `unknown requirement ${id}: not in ${where}` });
    } else if (r.untestable) {
      problems.push({
        at: `/requirements/${i}`,
        message: `requirement ${id} is marked untestable (${r.untestable}): a vector cannot check it, so it must not cite it`,
      });
    } else found.push(r);
  });
  if (found.length && found.length === v.requirements!.length) {
    const weakest = weakestLevel(found)!;
    if (weakest !== v.level) {
      const which = found.filter((r) => VECTOR_LEVEL[r.level] === weakest).map((r) => `${r.id} (${r.level})`);
      problems.push({
        at: '/level',
        message: `level ${v.level}, but the weakest requirement it cites is ${weakest}: ${which.join(', ')}. A vector's level is the weakest level among its requirements (MUST NOT counts as MUST; SHOULD NOT, RECOMMENDED and NOT RECOMMENDED as SHOULD; OPTIONAL as MAY)`,
      });
    }
  }
  return problems;
}
