/**
 * Spec section indexes. A vector cites a document, a section number and an
 * anchor; `validate` checks both against vectors/specs/<doc>.json. The indexes
 * of the Internet-Drafts are generated from their kramdown-rfc Markdown with
 * `conformatrix spec-index`; RFCs whose text is not at hand are indexed by hand.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JsonSource } from './json-source.js';
import { validateSource } from './schema.js';
import { InputErrors } from './errors.js';
import { SPECS_DIR } from './paths.js';
import { RequirementsIndex } from './requirements.js';

export interface SpecSection {
  number: string;
  title: string;
  anchor: string;
}

export interface SpecIndex {
  doc: string;
  title: string;
  reference: string;
  url?: string;
  sections: SpecSection[];
}

export interface Citation {
  doc: string;
  section: string;
  anchor?: string;
  note?: string;
}

/** kramdown's automatic header id: leading non-letters dropped, then [a-z0-9 -] kept, spaces to dashes. */
export function autoAnchor(title: string): string {
  return title
    .replace(/^[^a-zA-Z]+/, '')
    .replace(/[^a-zA-Z0-9 -]/g, '')
    .replace(/ /g, '-')
    .toLowerCase();
}

/** Builds a section index from kramdown-rfc Markdown: numbered middle sections, lettered appendices. */
export function indexMarkdownSpec(markdown: string): { title: string; sections: SpecSection[] } {
  const lines = markdown.split(/\r?\n/);
  let title = '';
  let i = 0;
  if (lines[0] === '---') {
    // kramdown-rfc's YAML header ends at the first "---" line, which may name a part ("--- abstract").
    for (i = 1; i < lines.length && !/^---( |$)/.test(lines[i]!); i++) {
      const m = /^title:\s*"?(.*?)"?\s*$/.exec(lines[i]!);
      if (m) title = m[1]!;
    }
    if (lines[i] === '---') i++;
  }
  let part: 'front' | 'middle' | 'back' = 'middle';
  let fence: string | null = null;
  const counters: number[] = [];
  let appendix = 0;
  const sections: SpecSection[] = [];
  const used = new Set<string>();
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = /^(~~~+|```+)/.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1]![0]!;
      else if (fenceMatch[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const partMatch = /^--- (abstract|middle|back|note_.*)$/.exec(line);
    if (partMatch) {
      part = partMatch[1] === 'middle' ? 'middle' : partMatch[1] === 'back' ? 'back' : 'front';
      counters.length = 0;
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*(?:\{#([^}\s]+)\})?\s*$/.exec(line);
    if (!h || part === 'front') continue;
    const depth = h[1]!.length;
    const heading = h[2]!;
    if (/^(\{:|-)/.test(heading)) continue;
    if (depth === 1 && part === 'back') appendix++;
    counters.length = depth;
    for (let d = 0; d < depth; d++) counters[d] = counters[d] ?? 0;
    counters[depth - 1] = (counters[depth - 1] ?? 0) + 1;
    const numbers = counters.slice(0, depth);
    const number = part === 'back' ? [String.fromCharCode(64 + appendix), ...numbers.slice(1)].join('.') : numbers.join('.');
    let anchor = h[3] ?? autoAnchor(heading);
    if (!h[3]) {
      let n = 1;
      const base = anchor;
      while (used.has(anchor)) anchor = `${base}-${n++}`;
    }
    used.add(anchor);
    sections.push({ number, title: heading, anchor });
  }
  return { title, sections };
}

export class SpecLibrary {
  private readonly docs = new Map<string, SpecIndex>();
  /** The requirements indexes of the documents (vectors/specs/requirements/<doc>/), read with the section indexes. */
  requirements = new RequirementsIndex();

  /** Reads the section indexes in dir, then the requirements indexes in requirementsDir, checked against them. */
  static load(dir = SPECS_DIR, requirementsDir = join(dir, 'requirements')): SpecLibrary {
    const lib = new SpecLibrary();
    const errors = [];
    for (const name of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const source = JsonSource.read(join(dir, name));
      const problems = validateSource(source, 'urn:conformatrix:spec-index');
      if (problems.length) errors.push(...problems);
      else lib.add(source.value as SpecIndex);
    }
    if (errors.length) throw new InputErrors(errors);
    lib.requirements = RequirementsIndex.load(requirementsDir, lib);
    return lib;
  }

  add(index: SpecIndex): void {
    this.docs.set(index.doc, index);
  }

  doc(name: string): SpecIndex | undefined {
    return this.docs.get(name);
  }

  names(): string[] {
    return [...this.docs.keys()].sort();
  }

  section(doc: string, number: string): SpecSection | undefined {
    return this.docs.get(doc)?.sections.find((s) => s.number === number);
  }

  /** Returns a reason the citation is wrong, or undefined when it names a real section. */
  check(c: Citation): string | undefined {
    const index = this.docs.get(c.doc);
    if (!index) return `unknown spec document "${c.doc}" (known: ${this.names().join(', ')})`;
    const section = index.sections.find((s) => s.number === c.section);
    if (!section) return `${c.doc} has no section ${c.section}`;
    if (c.anchor !== undefined && c.anchor !== section.anchor) {
      const other = index.sections.find((s) => s.anchor === c.anchor);
      return other
        ? `anchor #${c.anchor} is section ${other.number} ("${other.title}"), not ${c.section} ("${section.title}")`
        : `${c.doc} section ${c.section} ("${section.title}") has anchor #${section.anchor}, not #${c.anchor}`;
    }
    return undefined;
  }

  /** "rfc6265bis §5.7 Storage Model" */
  label(c: Citation): string {
    const s = this.section(c.doc, c.section);
    return s ? `${c.doc} §${c.section} ${s.title}` : `${c.doc} §${c.section}`;
  }

  link(c: Citation): string | undefined {
    const index = this.docs.get(c.doc);
    const s = this.section(c.doc, c.section);
    if (!index?.url || !s) return undefined;
    return `${index.url}#${s.anchor}`;
  }
}
