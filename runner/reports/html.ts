/**
 * matrix.html: the run as one self-contained page. The same grids as
 * matrix.md (a suites x targets summary, per suite the vectors grouped by
 * spec section with the targets as columns, and a clients x servers grid per
 * interop scenario), with filters, a detail panel per cell and the state of
 * both in the URL's fragment. docs/reports.md says how to read it.
 *
 * The page needs nothing but itself: its CSS and script are inline, and the
 * run's data is embedded as JSON in a <script type="application/json">
 * element, packed (see packValue) and escaped so that no string of a vector
 * can end the element. The page writes every value with DOM APIs
 * (textContent, setAttribute), never as markup, and its Content-Security-Policy
 * allows its own inline script and style only (by hash) and no fetch at all.
 */
import { runLoadWarning } from '../load.js';
import { gateLists, type GateLists } from './gate.js';
import { createHash } from 'node:crypto';
import { rerunCommand } from '../rerun.js';
import { VERDICTS, countVerdicts, isFailure, type ResultRecord, type RunResults, type Verdict, type VectorRecord } from '../model.js';
import { SpecLibrary } from '../specs.js';
import type { ResultViews } from '../suites.js';
import type { DetailView } from '../view.js';
import { compareSections, groupBySection, SYMBOL } from './matrix.js';
import { pageScript } from './html/script.js';
import { PAGE_STYLE } from './html/style.js';

/** What the page's script renders from, besides the run itself. Built here so that the page sorts and groups exactly as matrix.md does. */
export interface PageLayout {
  /** The gate's lists (reports/gate.ts), as indices into run.results; absent when the run was not gated. */
  gate?: Record<keyof GateLists, number[]>;
  /** The warning that the run's timeouts coincided with a busy machine (runner/load.ts), if they did. */
  loadWarning?: string;
  symbols: Record<Verdict, string>;
  verdicts: Verdict[];
  levels: string[];
  /** Every section some vector is grouped under, in matrix order: the section filter's choices. */
  sections: { key: string; label: string }[];
  /**
   * Grid 1: rows of per-target verdict counts (null: the target is not in the
   * suite). Per suite, a row of each target's own results when it has any,
   * and a row of the interop results each target took part in (in any role)
   * when it has those; `interop` is then the verdict counts of all the pairs.
   */
  summary: { suite: string; kind: 'targets' | 'interop'; counts: Record<string, Record<Verdict, number> | null>; interop?: Record<Verdict, number> }[];
  /** Grid 2: per suite, its targets (columns) and its vectors by section. Vectors with roles are in `interop` instead. */
  suites: {
    name: string;
    targets: string[];
    unavailable: { id: string; reason: string }[];
    groups: { key: string; label: string; url?: string; vectors: string[] }[];
  }[];
  /** Grid 3: one per interop scenario (a vector with roles): the first role's targets as rows, the other roles' as columns. */
  interop: {
    suite: string;
    vectorId: string;
    /** The section the scenario is grouped under, as in the suite grids. */
    group: { key: string; label: string; url?: string };
    rowRole: string;
    colRole: string;
    rows: string[];
    cols: string[];
    /** [row index, column index, the result's targetId] */
    cells: [number, number, string][];
  }[];
  /** Each vector's citations, resolved against the spec indexes: label and link. */
  citations: Record<string, { label: string; url?: string; note?: string }[]>;
  /** For each result that failed, was flaky or passed unexpectedly: the command that runs it again (runner/rerun.ts), by vectorId + "\u0000" + targetId. */
  rerun: Record<string, string>;
  /** The suites' views of each result's details (runner/view.ts), by index into run.results; results without views are left out. */
  views: Record<number, DetailView[]>;
}

export interface HtmlReportOptions {
  /** The spec indexes that label and link citations; by default vectors/specs/. */
  specs?: SpecLibrary;
  /** How each result's details are shown (the suites' views: runner/suites.ts resultViews); without, the page shows them as JSON. */
  views?: ResultViews;
}

/** The page, as one string (written as matrix.html next to results.json). */
export function htmlReport(run: RunResults, options: HtmlReportOptions = {}): string {
  // JSON semantics first: undefined dropped, toJSON applied, as results.json has it.
  const plain = JSON.parse(JSON.stringify(run)) as RunResults;
  const layout = pageLayout(plain, options.specs ?? loadSpecs(), options.views);
  const data = embedJson({ format: 'conformatrix-html-data', version: 1, table: packValue({ run: plain, layout }) });
  const script = pageScript();
  const scriptHash = sha256(script);
  const styleHash = sha256(PAGE_STYLE);
  const csp = ["default-src 'none'", `script-src '${scriptHash}'`, `style-src '${styleHash}'`, 'img-src data:', "base-uri 'none'", "form-action 'none'"].join(
    '; ',
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>Conformance matrix</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#grids">Skip to the grids</a>',
    '<header id="top"><h1>Conformance matrix</h1><div id="banner"></div><section id="provenance" aria-label="Provenance of the run"></section></header>',
    '<noscript><p class="noscript">This page draws its grids with JavaScript. The same results are in results.json and matrix.md next to it.</p></noscript>',
    '<form id="filters" aria-label="Filters" role="search"></form>',
    '<main id="grids"></main>',
    '<aside id="panel" role="dialog" aria-modal="false" aria-labelledby="panel-title" hidden></aside>',
    `<script type="application/json" id="conformatrix-data">${data}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function loadSpecs(): SpecLibrary {
  try {
    return SpecLibrary.load();
  } catch {
    return new SpecLibrary();
  }
}

/**
 * JSON for a <script type="application/json"> element: every "<", ">" and
 * "&" escaped as \u003c (so neither "</script" nor "<!--" can occur), and
 * U+2028 and U+2029 as escapes. Outside strings JSON has none of these
 * characters, so the result is the same JSON value.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Packs a JSON value into a table in which each distinct value appears once
 * (hash-consing): a string, number, boolean or null stands for itself; an
 * array [0, i, j, ...] is an array of the entries i, j...; an array
 * [1, k, v, ...] is an object with key entry k and value entry v, in order.
 * Entries refer only to earlier entries, and the last entry is the value.
 * A run repeats much (the same expected values, URLs and Set-Cookie lines
 * for every target): the full cookie run packs to about a third of its
 * compact JSON. The page unpacks it with unpack() (html/page/unpack.ts).
 */
export function packValue(value: unknown): unknown[] {
  const table: unknown[] = [];
  const index = new Map<string, number>();
  const put = (key: string, entry: unknown): number => {
    let i = index.get(key);
    if (i === undefined) {
      i = table.length;
      table.push(entry);
      index.set(key, i);
    }
    return i;
  };
  const enc = (v: unknown): number => {
    if (typeof v === 'string') return put(`s${v}`, v);
    if (typeof v === 'number') return Number.isFinite(v) ? put(`n${JSON.stringify(v)}`, v) : put('l', null);
    if (typeof v === 'boolean') return put(`b${v}`, v);
    if (v === null || v === undefined || typeof v !== 'object') return put('l', null);
    if (Array.isArray(v)) {
      const entry = [0, ...v.map(enc)];
      return put(`a${entry.join(',')}`, entry);
    }
    const entry: number[] = [1];
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      entry.push(enc(k), enc(x));
    }
    return put(`o${entry.join(',')}`, entry);
  };
  enc(value);
  return table;
}

function targetOrder(run: RunResults): (a: string, b: string) => number {
  const at = new Map(run.targets.map((t, i) => [t.id, i]));
  return (a, b) => (at.get(a) ?? Infinity) - (at.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The first role's target, and the other roles' targets joined with "+". */
function rolePair(v: VectorRecord, r: ResultRecord): [string, string] {
  const roles = v.roles?.length ? v.roles : Object.keys(r.roles ?? {});
  const ids = r.roles && roles.every((k) => typeof r.roles![k] === 'string') ? roles.map((k) => r.roles![k]!) : r.targetId.split('+');
  return [ids[0] ?? r.targetId, ids.slice(1).join('+')];
}

export function pageLayout(run: RunResults, specs: SpecLibrary, makeViews?: ResultViews): PageLayout {
  const byTarget = targetOrder(run);
  const interopVectors = new Set(run.vectors.filter((v) => v.roles?.length).map((v) => v.id));
  const isInterop = (r: ResultRecord) => r.roles !== undefined || interopVectors.has(r.vectorId);
  const resultAt = new Set(run.results.map((r) => `${r.targetId}\u0000${r.vectorId}`));

  const summary: PageLayout['summary'] = [];
  for (const suite of run.run.suites) {
    const own = run.results.filter((r) => r.suite === suite && !isInterop(r));
    const pairs = run.results.filter((r) => r.suite === suite && isInterop(r));
    const row = (pick: (t: string) => ResultRecord[]) =>
      Object.fromEntries(run.targets.map((t) => [t.id, t.suites.includes(suite) ? countVerdicts(pick(t.id)) : null]));
    if (own.length || !pairs.length) summary.push({ suite, kind: 'targets', counts: row((id) => own.filter((r) => r.targetId === id)) });
    if (pairs.length) {
      const takesPart = (r: ResultRecord, id: string) => (r.roles ? Object.values(r.roles).includes(id) : r.targetId.split('+').includes(id));
      summary.push({ suite, kind: 'interop', counts: row((id) => pairs.filter((r) => takesPart(r, id))), interop: countVerdicts(pairs) });
    }
  }

  const suites = run.run.suites.map((name) => {
    const inSuite = run.targets.filter((t) => t.suites.includes(name));
    const targets = inSuite.filter((t) => t.status === 'available');
    const vectors = run.vectors.filter((v) => v.suite === name && !interopVectors.has(v.id) && targets.some((t) => resultAt.has(`${t.id}\u0000${v.id}`)));
    return {
      name,
      targets: targets.map((t) => t.id),
      unavailable: inSuite.filter((t) => t.status !== 'available').map((t) => ({ id: t.id, reason: t.reason ?? '' })),
      groups: groupBySection(vectors).map((g) => ({
        key: sectionKey(g.vectors[0]!),
        label: g.label,
        ...(g.url ? { url: g.url } : {}),
        vectors: g.vectors.map((v) => v.id),
      })),
    };
  });

  const scenarioVectors = groupBySection(run.vectors.filter((v) => interopVectors.has(v.id))).flatMap((g) =>
    g.vectors.map((v) => ({ v, group: { key: sectionKey(v), label: g.label, ...(g.url ? { url: g.url } : {}) } })),
  );
  const interop = scenarioVectors.map(({ v, group }) => {
    const results = run.results.filter((r) => r.vectorId === v.id);
    const pairs = results.map((r) => [...rolePair(v, r), r.targetId] as const);
    const rows = [...new Set(pairs.map((p) => p[0]))].sort(byTarget);
    const cols = [...new Set(pairs.map((p) => p[1]))].sort(byTarget);
    return {
      suite: v.suite,
      vectorId: v.id,
      group,
      rowRole: v.roles?.[0] ?? 'client',
      colRole: v.roles?.slice(1).join('+') || 'server',
      rows,
      cols,
      cells: pairs.map((p): [number, number, string] => [rows.indexOf(p[0]), cols.indexOf(p[1]), p[2]]),
    };
  });

  const sections = sectionChoices(run, specs);
  const citations: PageLayout['citations'] = {};
  for (const v of run.vectors) {
    citations[v.id] = v.citations.map((c, i) => {
      const url = specs.link(c) ?? (i === 0 ? v.group.url : undefined) ?? docLink(run, c.doc, c.anchor);
      return { label: specs.label(c), ...(url ? { url } : {}), ...(c.note ? { note: c.note } : {}) };
    });
  }

  const lists = gateLists(run);
  const index = new Map(run.results.map((r, i) => [r, i]));
  const gate = lists
    ? (Object.fromEntries(Object.entries(lists).map(([k, rs]: [string, ResultRecord[]]) => [k, rs.map((r) => index.get(r)!)])) as Record<
        keyof GateLists,
        number[]
      >)
    : undefined;
  const rerun: PageLayout['rerun'] = {};
  const fallback = { suites: run.run.suites, ...(run.run.profile ? { profile: run.run.profile } : {}), ...(run.run.seed ? { seed: run.run.seed } : {}) };
  for (const r of run.results) {
    if (isFailure(r.verdict) || r.verdict === 'flaky' || r.expectation?.outcome === 'unexpected-pass')
      rerun[`${r.vectorId}\u0000${r.targetId}`] = rerunCommand(run.run.argv, r.targetId, r.vectorId, { fallback });
  }
  const views: PageLayout['views'] = {};
  if (makeViews) {
    run.results.forEach((r, i) => {
      const vs = makeViews(r);
      if (vs?.length) views[i] = vs;
    });
  }
  const busy = runLoadWarning(run);
  return {
    ...(gate ? { gate } : {}),
    ...(busy ? { loadWarning: busy } : {}),
    symbols: SYMBOL,
    verdicts: VERDICTS,
    levels: ['MUST', 'SHOULD', 'MAY'],
    sections,
    summary,
    suites,
    interop,
    citations,
    rerun,
    views,
  };
}

/**
 * The section filter's choices: every section a vector is grouped under, and
 * the sections that hold those (5.8 for 5.8.3), in matrix order, indented by
 * depth. A section chosen also shows its subsections.
 */
function sectionChoices(run: RunResults, specs: SpecLibrary): { key: string; label: string }[] {
  const titles = new Map<string, string>();
  for (const v of run.vectors) {
    const parts = v.group.section.split('.');
    for (let i = 1; i < parts.length; i++) {
      const section = parts.slice(0, i).join('.');
      const key = `${v.group.doc}:${section}`;
      if (!titles.has(key)) titles.set(key, `${v.group.doc} §${section} ${specs.section(v.group.doc, section)?.title ?? ''}`.trim());
    }
  }
  for (const v of run.vectors) titles.set(sectionKey(v), `${v.group.doc} §${v.group.section} ${v.group.title}`.trim());
  const split = (key: string) => [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)] as const;
  return [...titles.keys()]
    .sort((a, b) => {
      const [da, sa] = split(a);
      const [db, sb] = split(b);
      return da.localeCompare(db) || compareSections(sa, sb);
    })
    .map((key) => ({ key, label: '\u00a0\u00a0'.repeat(split(key)[1].split('.').length - 1) + titles.get(key)! }));
}

/** The section filter's value for a vector's group: "rfc6265bis:5.7". */
export function sectionKey(v: VectorRecord): string {
  return `${v.group.doc}:${v.group.section}`;
}

/** A citation's link when the spec index is not at hand: the document's URL as some group gives it, and the anchor. */
function docLink(run: RunResults, doc: string, anchor: string | undefined): string | undefined {
  if (!anchor) return undefined;
  const g = run.vectors.find((v) => v.group.doc === doc && v.group.url && v.group.anchor && v.group.url.endsWith(`#${v.group.anchor}`))?.group;
  return g ? `${g.url!.slice(0, -(g.anchor!.length + 1))}#${anchor}` : undefined;
}
