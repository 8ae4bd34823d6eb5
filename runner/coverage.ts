/**
 * Requirements coverage: for a suite and a profile, which requirements of the
 * document the profile is measured against (Suite.requirements) the suite's
 * vectors cite. One model (SuiteCoverage) feeds `conformatrix coverage`
 * (coverage.json, coverage.md, the console) and, summarised, the run's
 * results.json, matrix.md and matrix.html. docs/requirements.md.
 */
import { resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError, InputErrors, UsageError } from './errors.js';
import { checkWritableDir, writeFileAtomic } from './fsutil.js';
import { JsonSource } from './json-source.js';
import type { CoverageCounts, CoverageSummary, Level, LevelCoverage, SectionCoverage } from './model.js';
import { compareSections } from './reports/matrix.js';
import { markdownTable } from './reports/text.js';
import { VECTOR_LEVEL, type Requirement, type RequirementLevel } from './requirements.js';
import { loadAll } from './plan.js';
import { SpecLibrary } from './specs.js';
import type { LoadedVector, Suite } from './suite.js';
import { loadSuites } from './suites.js';

export interface RequirementCoverage {
  id: string;
  section: string;
  level: RequirementLevel;
  actor: string;
  summary: string;
  /** Present when the document states it without a BCP 14 keyword: why the level is the project's reading. */
  reading?: string;
  untestable?: string;
  /** The vectors that cite it, in id order. */
  vectors: string[];
}

/** What coverage.json holds per suite: the summary, every requirement with its vectors, and the two lists. */
export interface SuiteCoverage extends CoverageSummary {
  requirements: RequirementCoverage[];
  uncovered: string[];
  untestable: { id: string; reason: string }[];
  /** How many of the suite's vectors counted (those with an expectation under the profile). */
  vectors: number;
}

/** The document a suite's run of a profile is measured against, or undefined when it is measured against none. */
export function measuredDoc(suite: Suite, profile: string | undefined): string | undefined {
  const m = suite.requirements?.measuredAgainst;
  if (!m) return undefined;
  return m[profile ?? suite.profiles?.default ?? '*'] ?? m['*'];
}

/** The profile a suite runs under when the run asks for `asked`: that one if the suite knows it, else its default (none for a suite without profiles). */
export function suiteProfile(suite: Pick<Suite, 'profiles'>, asked: string | undefined): string | undefined {
  if (!suite.profiles) return undefined;
  return asked !== undefined && suite.profiles.names.includes(asked) ? asked : suite.profiles.default;
}

/** Whether a vector has an expectation under the profile, and so counts for it. */
export function appliesUnder(v: Pick<LoadedVector, 'profiles'>, profile: string | undefined): boolean {
  return profile === undefined || v.profiles === undefined || v.profiles.includes(profile);
}

function counts(rs: RequirementCoverage[]): CoverageCounts {
  const testable = rs.filter((r) => !r.untestable);
  return {
    requirements: rs.length,
    testable: testable.length,
    covered: testable.filter((r) => r.vectors.length > 0).length,
    untestable: rs.length - testable.length,
  };
}

/**
 * The coverage of a document's requirements by vectors: a requirement is
 * covered when a vector that applies under the profile cites it.
 */
export function coverageOf(
  suite: string,
  profile: string | undefined,
  doc: string,
  requirements: Requirement[],
  vectors: Pick<LoadedVector, 'id' | 'requirements' | 'profiles'>[],
  specs: SpecLibrary,
): SuiteCoverage {
  const counted = vectors.filter((v) => appliesUnder(v, profile));
  const citing = new Map<string, string[]>();
  for (const v of counted) for (const id of v.requirements ?? []) citing.set(id, [...(citing.get(id) ?? []), v.id]);
  // In section order (an index is split by topic, so file order is not section order), entry order within a section.
  const inOrder = requirements
    .map((r, i) => ({ r, i }))
    .sort((a, b) => compareSections(a.r.section, b.r.section) || a.i - b.i)
    .map(({ r }) => r);
  const reqs: RequirementCoverage[] = inOrder.map((r) => ({
    id: r.id,
    section: r.section,
    level: r.level,
    actor: r.actor,
    summary: r.summary,
    ...(r.reading ? { reading: r.reading } : {}),
    ...(r.untestable ? { untestable: r.untestable } : {}),
    vectors: [...(citing.get(r.id) ?? [])].sort(),
  }));
  const sectionNumbers = [...new Set(reqs.map((r) => r.section))].sort(compareSections);
  const sections = sectionNumbers.map((number): SectionCoverage => {
    const mine = reqs.filter((r) => r.section === number);
    const s = specs.section(doc, number);
    const url = specs.link({ doc, section: number });
    return {
      section: number,
      title: s?.title ?? '',
      ...(s ? { anchor: s.anchor } : {}),
      ...(url ? { url } : {}),
      ...counts(mine),
      uncovered: mine.filter((r) => !r.untestable && r.vectors.length === 0).map((r) => r.id),
    };
  });
  const levels = (['MUST', 'SHOULD', 'MAY'] as Level[])
    .map((level): LevelCoverage => ({ level, ...counts(reqs.filter((r) => VECTOR_LEVEL[r.level] === level)) }))
    .filter((l) => l.requirements > 0);
  return {
    suite,
    ...(profile !== undefined ? { profile } : {}),
    doc,
    totals: counts(reqs),
    sections,
    levels,
    requirements: reqs,
    uncovered: reqs.filter((r) => !r.untestable && r.vectors.length === 0).map((r) => r.id),
    untestable: reqs.filter((r) => r.untestable).map((r) => ({ id: r.id, reason: r.untestable! })),
    vectors: counted.length,
  };
}

/** The summary results.json keeps. */
export function summarise(c: SuiteCoverage): CoverageSummary {
  return { suite: c.suite, ...(c.profile !== undefined ? { profile: c.profile } : {}), doc: c.doc, totals: c.totals, sections: c.sections, levels: c.levels };
}

export function fraction(c: Pick<CoverageCounts, 'covered' | 'testable'>): string {
  return `${c.covered}/${c.testable}`;
}

function percent(c: Pick<CoverageCounts, 'covered' | 'testable'>): string {
  return c.testable ? `${((100 * c.covered) / c.testable).toFixed(1)}%` : '-';
}

/** The vectors of a suite's own folder that cite no requirement, when the suite says they must (validate's check), as located errors. */
export function uncitedErrors(suite: Suite, vectors: LoadedVector[]): InputError[] {
  if (!suite.requirements?.vectorsMustCite) return [];
  const dir = resolve(suite.vectorDir) + sep;
  const sources = new Map<string, JsonSource>();
  const errors: InputError[] = [];
  for (const v of vectors) {
    if (v.requirements?.length || !resolve(v.source.file).startsWith(dir)) continue;
    let source = sources.get(v.source.file);
    if (!source) sources.set(v.source.file, (source = JsonSource.read(v.source.file)));
    errors.push(
      source.error(
        v.source.pointer,
        `vector ${v.id} cites no requirement: every vector of suite ${suite.name} in its folder must cite at least one requirement id ("requirements", see docs/requirements.md)`,
      ),
    );
  }
  return errors;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A requirement's level as coverage.md shows it: a level the project reads (no keyword in the document) is marked so. */
function levelCell(r: Pick<RequirementCoverage, 'level' | 'reading'>): string {
  return r.reading ? `${r.level} (reading)` : r.level;
}

/** The console's lines: totals, per level, and the uncovered ids. */
export function coverageText(c: SuiteCoverage): string {
  const out = [
    `${c.suite}${c.profile ? `, profile ${c.profile}` : ''}, measured against ${c.doc}: ${c.totals.requirements} requirements, ${c.totals.untestable} untestable; ` +
      `${fraction(c.totals)} testable covered (${percent(c.totals)}) by ${c.vectors} vectors`,
    `  by level: ${c.levels.map((l) => `${l.level} ${fraction(l)}`).join(', ') || 'none'}`,
  ];
  if (c.uncovered.length) out.push(`  uncovered (${c.uncovered.length}): ${c.uncovered.join(' ')}`);
  return out.join('\n');
}

/** coverage.md */
export function coverageMarkdown(all: SuiteCoverage[]): string {
  const out = ['# Requirements coverage', ''];
  out.push(
    'A requirement is covered when at least one vector that applies under the profile cites it. Untestable requirements are listed with the reason and are not counted as testable. A level marked "(reading)" is the project\'s reading of a behaviour the document states without a BCP 14 keyword. See docs/requirements.md.',
    '',
  );
  for (const c of all) {
    out.push(`## ${c.suite}${c.profile ? ` (profile ${c.profile})` : ''}: ${c.doc}`, '');
    out.push(
      `${c.totals.requirements} requirements, ${c.totals.untestable} untestable, **${fraction(c.totals)}** testable ones covered (${percent(c.totals)}) by ${c.vectors} vectors.`,
      '',
    );
    out.push('### By level', '');
    out.push(
      markdownTable(
        ['level', 'requirements', 'untestable', 'covered / testable'],
        c.levels.map((l) => [l.level, String(l.requirements), String(l.untestable), fraction(l)]),
      ),
      '',
    );
    out.push('### By section', '');
    out.push(
      markdownTable(
        ['section', 'requirements', 'untestable', 'covered / testable'],
        c.sections.map((s) => [
          `${s.url ? `[§${s.section}](${s.url})` : `§${s.section}`} ${s.title}`,
          String(s.requirements),
          String(s.untestable),
          fraction(s),
        ]),
      ),
      '',
    );
    out.push(`### Uncovered (${c.uncovered.length})`, '');
    if (!c.uncovered.length) out.push('Every testable requirement has at least one vector.', '');
    else {
      const byId = new Map(c.requirements.map((r) => [r.id, r]));
      for (const id of c.uncovered) {
        const r = byId.get(id)!;
        out.push(`- \`${id}\` (${r.level}${r.reading ? ', a reading' : ''}): ${oneLine(r.summary)}`);
      }
      out.push('');
    }
    out.push(`### Untestable (${c.untestable.length})`, '');
    for (const u of c.untestable) out.push(`- \`${u.id}\`: ${oneLine(u.reason)}`);
    out.push('', '### Requirements and their vectors', '');
    out.push(
      markdownTable(
        ['requirement', 'level', 'vectors'],
        c.requirements.map((r) => [`\`${r.id}\``, levelCell(r), r.untestable ? 'untestable' : r.vectors.map((v) => `\`${v}\``).join(', ') || '**none**']),
      ),
      '',
    );
  }
  return out.join('\n') + '\n';
}

export interface CoverageOptions {
  suites: string[];
  profile?: string;
  out: string;
  /** The section and requirements indexes; by default vectors/specs/. */
  specs?: SpecLibrary;
  /** Vector files or folders instead of each suite's own folder (tests). */
  vectors?: string[];
}

/** Computes the coverage of each selected suite that is measured against requirements; writes coverage.json and coverage.md. */
export async function coverage(options: CoverageOptions): Promise<{ coverage: SuiteCoverage[]; written: string[] }> {
  const specs = options.specs ?? SpecLibrary.load();
  const all = await loadSuites(options.suites);
  const measured = all.filter((s) => s.requirements);
  if (options.suites.length) {
    const without = all.filter((s) => !s.requirements);
    if (without.length)
      throw new UsageError(`suite ${without.map((s) => s.name).join(', ')} is measured against no requirements index (see docs/requirements.md)`);
  }
  if (!measured.length) throw new UsageError('no suite is measured against a requirements index');
  if (options.profile !== undefined && !measured.some((s) => s.profiles?.names.includes(options.profile!)))
    throw new UsageError(
      `unknown profile "${options.profile}" (known: ${[...new Set(measured.flatMap((s) => s.profiles?.names ?? []))].join(', ') || 'none'})`,
    );
  const outDir = resolve(options.out);
  checkWritableDir(outDir);
  const loaded = await loadAll(
    measured.map((s) => s.name),
    options.vectors ?? [],
    specs,
  );
  const errors: InputError[] = [];
  const result: SuiteCoverage[] = [];
  for (const { suite, vectors } of loaded) {
    const profile = suiteProfile(suite, options.profile);
    const doc = measuredDoc(suite, profile);
    if (!doc) throw new UsageError(`suite ${suite.name} names no document for profile ${profile ?? '*'}`);
    if (!specs.requirements.filesOf(doc).length) {
      errors.push(
        new InputError(
          { file: `vectors/specs/requirements/${doc}/` },
          `no requirements index for ${doc}, which suite ${suite.name}${profile ? ` under profile ${profile}` : ''} is measured against`,
        ),
      );
      continue;
    }
    result.push(coverageOf(suite.name, profile, doc, specs.requirements.of(doc), vectors, specs));
  }
  if (errors.length) throw new InputErrors(errors);
  const json = { format: 'conformatrix-coverage', formatVersion: 1, suites: result };
  const written = [resolve(outDir, 'coverage.json'), resolve(outDir, 'coverage.md')];
  writeFileAtomic(written[0]!, JSON.stringify(json, null, 2) + '\n');
  writeFileAtomic(written[1]!, coverageMarkdown(result));
  return { coverage: result, written };
}

export const COVERAGE_USAGE = 'conformatrix coverage [--suite S]... [--profile P] [--out DIR]';

/** `conformatrix coverage`: exit 0 when every testable requirement is covered, 1 when some is not. */
export async function coverageCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { suite: { type: 'string', multiple: true, default: [] }, profile: { type: 'string' }, out: { type: 'string', default: 'reports' } },
  });
  const { coverage: result, written } = await coverage({
    suites: values.suite,
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    out: values.out,
  });
  for (const c of result) process.stdout.write(coverageText(c) + '\n');
  process.stdout.write(`\nReports: ${written.join(', ')}\n`);
  return result.some((c) => c.uncovered.length) ? 1 : 0;
}
