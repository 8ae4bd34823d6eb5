/**
 * The site's own pages: static HTML, no script at all. Each page carries its
 * stylesheet inline and a Content-Security-Policy that allows that stylesheet
 * (by hash) and nothing else to load, so that the site works from disk or any
 * static host, offline. Every value from a run is escaped with esc(); nothing
 * from a results.json is ever written as markup.
 */
import { createHash } from 'node:crypto';
import { diffText, type RunDiff, type VerdictChange } from '../diff.js';
import { VERDICTS, type RunResults } from '../model.js';
import { lineChart } from './chart.js';
import { esc } from './esc.js';
import { vectorsLabel, type Series, type SiteModel, type SiteRun, type SiteTarget, type TrendPoint } from './model.js';
import { SITE_STYLE } from './style.js';

/** A fragment value as matrix.html reads it (html/page/state.ts): percent-encoded, "/", ":", "|", "@" and "+" left as they are. */
function fragment(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%7C/g, '|').replace(/%40/g, '@').replace(/%2B/g, '+');
}

export function page(title: string, body: string): string {
  const styleHash = `sha256-${createHash('sha256').update(SITE_STYLE, 'utf8').digest('base64')}`;
  const csp = ["default-src 'none'", `style-src '${styleHash}'`, 'img-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${SITE_STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** "2026-12-07T12:38:03.842Z" as "2026-12-07 12:38:03 UTC"; anything else as it is. */
export function when(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** The charts' x labels: "12-07 12:38", with the seconds when two runs share a minute. */
function shortWhens(isos: string[]): string[] {
  const at = (iso: string, seconds: boolean) => {
    const m = /^\d{4}-(\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?/.exec(iso);
    return m ? `${m[1]} ${m[2]}${seconds ? (m[3] ?? '') : ''}` : iso;
  };
  const minutes = isos.map((i) => at(i, false));
  return new Set(minutes).size === minutes.length ? minutes : isos.map((i) => at(i, true));
}

const count = (p: { pass: number; applicable: number }) => `${p.pass}/${p.applicable}`;

function vectorsCell(run: RunResults): string {
  const v = vectorsLabel(run);
  return `<td class="vectors"${v.title ? ` title="${esc(v.title)}"` : ''}><code>${esc(v.text)}</code></td>`;
}

function runNotes(run: RunResults): string {
  const notes: string[] = [];
  if (run.run.interrupted) notes.push('interrupted: partial results');
  if (run.run.shard) notes.push(`shard ${run.run.shard.index}/${run.run.shard.count}`);
  if (run.run.mergedFrom?.length) notes.push(`merged from ${run.run.mergedFrom.length} runs`);
  if (run.run.expectations?.length) notes.push('gated on expectations');
  if (run.run.profile) notes.push(`profile ${run.run.profile}`);
  return notes.map(esc).join('; ');
}

function diffSummary(d: RunDiff): string {
  const parts: [number, string, string][] = [
    [d.regressions.length, 'regression', 'regressions'],
    [d.fixes.length, 'fix', 'fixes'],
    [d.changes.length, 'other change', 'other changes'],
    [d.newVectors.length, 'new vector', 'new vectors'],
    [d.removedVectors.length, 'removed vector', 'removed vectors'],
    [d.versions.length, 'version change', 'version changes'],
  ];
  const said = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return said.length ? said.join(', ') : 'no change';
}

/** Where the site puts things, relative to its root. */
export const sitePaths = {
  run: (r: SiteRun) => `runs/${r.slug}`,
  target: (t: SiteTarget) => `targets/${t.slug}/index.html`,
  diff: (t: SiteTarget, s: Series, i: number) => `targets/${t.slug}/diff-${s.slug}-${i + 1}-${i + 2}.html`,
};

export function indexPage(model: SiteModel, title: string, builtBy: string): string {
  const rows = [...model.runs].reverse().map((sr) => {
    const { run } = sr;
    const applicable = run.results.filter((r) => r.verdict !== 'skipped');
    const pass = applicable.filter((r) => r.verdict === 'pass').length;
    const base = sitePaths.run(sr);
    return [
      `<tr data-run="${esc(sr.slug)}">`,
      `<td class="date"><a href="${esc(base)}/matrix.html">${esc(when(run.run.startedAt))}</a></td>`,
      `<td>${esc(run.run.suites.join(', '))}</td>`,
      `<td class="harness">${esc(run.run.harness.version)}</td>`,
      vectorsCell(run),
      `<td class="targets">${esc(
        run.targets
          .filter((t) => t.status === 'available')
          .map((t) => t.id)
          .join(', '),
      )}</td>`,
      `<td class="pass num">${pass}/${applicable.length}</td>`,
      `<td class="notes">${runNotes(run)}</td>`,
      `<td><a href="${esc(base)}/matrix.html">matrix</a> · <a href="${esc(base)}/results.json">results.json</a></td>`,
      '</tr>',
    ].join('');
  });
  const targetRows = model.targets.flatMap((t) =>
    t.series.map((s) => {
      const last = s.points[s.points.length - 1]!;
      const d = s.diffs[s.diffs.length - 1];
      return [
        `<tr data-target="${esc(t.id)}" data-suite="${esc(s.suite)}">`,
        `<td><a href="${esc(sitePaths.target(t))}">${esc(t.id)}</a></td>`,
        `<td>${esc(s.suite)}</td>`,
        `<td class="num">${s.points.length}</td>`,
        `<td class="pass num">${count(last)}</td>`,
        `<td class="must num">${last.mustFailures}</td>`,
        `<td>${d ? `<a href="${esc(sitePaths.diff(t, s, s.diffs.length - 1))}">${esc(diffSummary(d))}</a>` : '<span class="muted">first run</span>'}</td>`,
        '</tr>',
      ].join('');
    }),
  );
  const body = [
    `<header><h1>${esc(title)}</h1><p class="note">${model.runs.length} runs, built ${esc(when(new Date().toISOString()))} by ${esc(builtBy)}. Each run's matrix.html, results.json and artifacts are under runs/.</p></header>`,
    '<main>',
    '<h2 id="runs">Runs, newest first</h2>',
    '<div class="scroll"><table class="runs"><thead><tr><th>Started</th><th>Suites</th><th>conformatrix</th><th>Vectors</th><th>Targets</th><th>Passed</th><th>Notes</th><th>Reports</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table></div>`,
    '<h2 id="targets">Targets</h2>',
    '<p class="note">Per target and suite: the runs it has results in, its latest pass count (passes over the results that apply) and MUST failures, and what changed since its previous run.</p>',
    '<div class="scroll"><table class="targets"><thead><tr><th>Target</th><th>Suite</th><th>Runs</th><th>Latest passed</th><th>MUST failures</th><th>Since the previous run</th></tr></thead>',
    `<tbody>${targetRows.join('\n')}</tbody></table></div>`,
    '</main>',
  ];
  return page(title, body.join('\n'));
}

function implementation(run: RunResults, target: string): string {
  const parts = target.split('+');
  return parts
    .map((id) => run.targets.find((t) => t.id === id)?.implementation)
    .map((impl) => (impl ? `${impl.name} ${impl.version}` : '—'))
    .join(' + ');
}

function seriesSection(t: SiteTarget, s: Series, fromTarget: string): string {
  const labels = shortWhens(s.points.map((p) => p.run.run.run.startedAt));
  const charts = [
    lineChart(`${t.id}, ${s.suite}: passes`, labels, [
      { name: 'pass', label: 'passes', values: s.points.map((p) => p.pass) },
      { name: 'applicable', label: 'applicable', values: s.points.map((p) => p.applicable), dashed: true },
    ]),
    lineChart(`${t.id}, ${s.suite}: MUST failures`, labels, [{ name: 'must', label: 'MUST failures', values: s.points.map((p) => p.mustFailures) }]),
  ];
  const rows = s.points.map((p: TrendPoint, i) => {
    const { run } = p.run;
    const matrix = `${fromTarget}${sitePaths.run(p.run)}/matrix.html#target=${fragment(t.id)}`;
    const d = i > 0 ? s.diffs[i - 1]! : undefined;
    const diffLink = d
      ? `<a href="${esc(
          sitePaths
            .diff(t, s, i - 1)
            .split('/')
            .pop()!,
        )}">${esc(diffSummary(d))}</a>`
      : '<span class="muted">first run</span>';
    return [
      `<tr data-run="${esc(p.run.slug)}">`,
      `<td class="date"><a href="${esc(matrix)}">${esc(when(run.run.startedAt))}</a></td>`,
      `<td class="harness">${esc(run.run.harness.version)}</td>`,
      vectorsCell(run),
      `<td>${esc(implementation(run, t.id))}</td>`,
      `<td class="pass num">${count(p)}</td>`,
      `<td class="must num">${p.mustFailures}</td>`,
      `<td class="verdicts">${VERDICTS.filter((v) => v !== 'pass' && p.counts[v] > 0)
        .map((v) => `<span data-verdict="${v}">${v} ${p.counts[v]}</span>`)
        .join(', ')}</td>`,
      `<td class="diff">${diffLink}</td>`,
      '</tr>',
    ].join('');
  });
  return [
    `<section class="series" data-suite="${esc(s.suite)}" aria-labelledby="s-${s.slug}">`,
    `<h2 id="s-${s.slug}">${esc(s.suite)}</h2>`,
    `<div class="charts">${charts.join('')}</div>`,
    '<div class="scroll"><table class="trend"><thead><tr><th>Run</th><th>conformatrix</th><th>Vectors</th><th>Implementation</th><th>Passed</th><th>MUST failures</th><th>Other verdicts</th><th>Since the previous run</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table></div>`,
    '</section>',
  ].join('\n');
}

export function targetPage(t: SiteTarget, title: string): string {
  const up = '../../';
  const unavailable = t.unavailable.length
    ? `<h2>Unavailable</h2><ul class="unavailable">${t.unavailable
        .map((u) => `<li><a href="${esc(`${up}${sitePaths.run(u.run)}/matrix.html`)}">${esc(when(u.run.run.run.startedAt))}</a>: ${esc(u.reason)}</li>`)
        .join('')}</ul>`
    : '';
  const body = [
    `<nav><a href="${up}index.html">${esc(title)}</a></nav>`,
    `<header><h1>${esc(t.id)}</h1><p class="note">Passes over the results that apply (skipped ones excluded), and fails, errors and timeouts on MUST vectors, per run, oldest first. Runs over different vector sets are not comparable as they stand: see the Vectors column.</p></header>`,
    '<main>',
    ...t.series.map((s) => seriesSection(t, s, up)),
    unavailable,
    '</main>',
  ];
  return page(`${t.id}: ${title}`, body.join('\n'));
}

export function diffPage(t: SiteTarget, s: Series, i: number, title: string): string {
  const up = '../../';
  const d = s.diffs[i]!;
  const [a, b] = [s.points[i]!.run, s.points[i + 1]!.run];
  const matrix = (r: SiteRun, hash: string) => `${up}${sitePaths.run(r)}/matrix.html${hash}`;
  const changeRows = (cs: VerdictChange[]) =>
    cs
      .map(
        (c) =>
          `<tr data-vector="${esc(c.vectorId)}"><td><a href="${esc(matrix(b, `#open=${fragment(`${c.vectorId}|${c.targetId}`)}`))}"><code>${esc(c.vectorId)}</code></a></td>` +
          `<td class="from">${esc(c.from)}</td><td class="to">${esc(c.to)}</td><td class="reason">${esc(c.to === 'pass' ? '' : (c.reason?.split('\n')[0] ?? ''))}</td></tr>`,
      )
      .join('\n');
  const part = (key: string, heading: string, n: number, content: string) =>
    `<section class="part" data-part="${key}" data-count="${n}"><h2>${esc(heading)} (${n})</h2>${n ? content : '<p class="muted">none</p>'}</section>`;
  const changes = (key: string, heading: string, cs: VerdictChange[]) =>
    part(
      key,
      heading,
      cs.length,
      `<div class="scroll"><table class="changes"><thead><tr><th>Vector</th><th>Was</th><th>Now</th><th>Reason</th></tr></thead><tbody>${changeRows(cs)}</tbody></table></div>`,
    );
  const ids = (key: string, heading: string, list: string[], r: SiteRun) =>
    part(
      key,
      heading,
      list.length,
      `<ul class="ids">${list.map((id) => `<li data-vector="${esc(id)}"><a href="${esc(matrix(r, `#open=${fragment(`${id}|${t.id}`)}`))}"><code>${esc(id)}</code></a></li>`).join('')}</ul>`,
    );
  const body = [
    `<nav><a href="${up}index.html">${esc(title)}</a> › <a href="index.html">${esc(t.id)}</a></nav>`,
    `<header><h1>${esc(t.id)}, ${esc(s.suite)}: what changed</h1>`,
    `<p>From the run of <a class="old" href="${esc(matrix(a, `#target=${fragment(t.id)}`))}">${esc(when(a.run.run.startedAt))}</a> (conformatrix ${esc(a.run.run.harness.version)})`,
    ` to the run of <a class="new" href="${esc(matrix(b, `#target=${fragment(t.id)}`))}">${esc(when(b.run.run.startedAt))}</a> (conformatrix ${esc(b.run.run.harness.version)}).`,
    ` Counted over this target's results in this suite only. Regressions: passed before, fail, error or time out now; fixes the reverse.</p></header>`,
    '<main>',
    changes('regressions', 'Regressions', d.regressions),
    changes('fixes', 'Fixes', d.fixes),
    changes('changes', 'Other verdict changes', d.changes),
    ids('new-vectors', 'New vectors', d.newVectors, b),
    ids('removed-vectors', 'Removed vectors', d.removedVectors, a),
    part(
      'versions',
      'Version changes',
      d.versions.length,
      `<table class="versions"><thead><tr><th>What</th><th>Was</th><th>Now</th></tr></thead><tbody>${d.versions
        .map((v) => `<tr><td>${esc(v.what)}</td><td><code>${esc(v.from)}</code></td><td><code>${esc(v.to)}</code></td></tr>`)
        .join('')}</tbody></table>`,
    ),
    `<details><summary>As <code>conformatrix diff</code> prints it</summary><pre class="diff-text">${esc(diffText(d))}</pre></details>`,
    '</main>',
  ];
  return page(`${t.id}, ${s.suite}: ${when(a.run.run.startedAt)} to ${when(b.run.run.startedAt)}`, body.join('\n'));
}
