/**
 * matrix.md: per suite, targets as columns and vectors as rows, grouped by the
 * spec section each vector cites first, with pass counts per target.
 */
import { runLoadWarning } from '../load.js';
import { countVerdicts, isFailure, VERDICTS, type ResultRecord, type RunResults, type Verdict, type VectorRecord } from '../model.js';
import { gateLists } from './gate.js';
import { describeValue, markdownTable } from './text.js';

export const SYMBOL: Record<Verdict, string> = {
  pass: '✅',
  flaky: '🔁',
  fail: '❌',
  error: '💥',
  timeout: '⏱️',
  unsupported: '➖',
  skipped: '·',
};

export function compareSections(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (d !== 0) return d;
  }
  return 0;
}

export function groupBySection(vectors: VectorRecord[]): { key: string; label: string; url?: string; vectors: VectorRecord[] }[] {
  const groups = new Map<string, { key: string; label: string; url?: string; doc: string; section: string; vectors: VectorRecord[] }>();
  for (const v of vectors) {
    const key = `${v.group.doc} ${v.group.section}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, label: `${v.group.doc} §${v.group.section} ${v.group.title}`, doc: v.group.doc, section: v.group.section, vectors: [] };
      if (v.group.url) g.url = v.group.url;
      groups.set(key, g);
    }
    g.vectors.push(v);
  }
  return [...groups.values()].sort((a, b) => a.doc.localeCompare(b.doc) || compareSections(a.section, b.section));
}

export function matrixMarkdown(run: RunResults): string {
  const out: string[] = [];
  out.push('# Conformance matrix', '');
  out.push(
    `Run ${run.run.startedAt} to ${run.run.finishedAt} · ${run.run.harness.name} ${run.run.harness.version}` +
      (run.run.profile ? ` · profile ${run.run.profile}` : '') +
      ` · suites: ${run.run.suites.join(', ')}`,
    '',
  );
  const facts = [
    run.run.kernel ? `kernel ${run.run.kernel}` : '',
    run.run.seed !== undefined ? `seed ${run.run.seed}` : '',
    run.run.vectorsVersion ? `vectors ${run.run.vectorsVersion}` : '',
    run.run.vectorSetHash ? `vector set ${run.run.vectorSetHash.slice(0, 16)}` : '',
    run.run.shard ? `shard ${run.run.shard.index}/${run.run.shard.count}` : '',
    run.run.mergedFrom ? `merged from ${run.run.mergedFrom.length} runs` : '',
    run.run.retries ? `retries ${run.run.retries}` : '',
    run.run.interrupted ? '**interrupted: the results are partial**' : '',
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '), '');
  const busy = runLoadWarning(run);
  if (busy) out.push(`> **Warning:** ${busy}.`, '');
  const gate = gateLists(run);
  if (gate) {
    out.push(
      '## Gate',
      '',
      `Against ${run.run.expectations?.join(', ') ?? 'the expectations'}: ${gate.newFailures.length} new failure(s), ${gate.unexpectedPasses.length} unexpected pass(es), ${gate.flaky.length} flaky, ${gate.knownFailures.length} known failure(s) still failing.`,
      '',
    );
    const list = (title: string, rs: ResultRecord[]) => {
      if (!rs.length) return;
      out.push(`### ${title}`, '');
      for (const r of rs)
        out.push(
          `- ${SYMBOL[r.verdict]} \`${r.vectorId}\` on ${r.targetId}${r.expectation?.reason ? `: known as ${oneLine(r.expectation.reason)}` : r.reason ? `: ${oneLine(r.reason)}` : ''}`,
        );
      out.push('');
    };
    list('New failures', gate.newFailures);
    list('Unexpected passes', gate.unexpectedPasses);
    list('Flaky', gate.flaky);
  }
  out.push(
    `Legend: ${VERDICTS.map((v) => `${SYMBOL[v]} ${v}`).join(' · ')}. Counts are passes over the vectors that apply to the target (skipped ones excluded).`,
    '',
  );

  out.push('## Targets', '');
  const targetRows = run.targets.map((t) => {
    const c = countVerdicts(run.results.filter((r) => r.targetId === t.id));
    return [
      t.id,
      t.implementation ? `${t.implementation.name} ${t.implementation.version}` : t.name,
      t.status === 'available' ? t.driver : `unavailable: ${t.reason ?? ''}`,
      ...VERDICTS.map((v) => String(c[v])),
    ];
  });
  out.push(markdownTable(['target', 'implementation', 'driver', ...VERDICTS], targetRows), '');

  const resultAt = new Map<string, ResultRecord>();
  for (const r of run.results) resultAt.set(`${r.targetId}\u0000${r.vectorId}`, r);

  for (const suite of run.run.suites) {
    const paired = run.vectors.filter((v) => v.suite === suite && v.roles?.length === 2);
    if (paired.length) {
      out.push(...interopGrids(run, suite, paired));
      continue;
    }
    const targets = run.targets.filter((t) => t.suites.includes(suite) && t.status === 'available');
    const vectors = run.vectors.filter((v) => v.suite === suite && targets.some((t) => resultAt.has(`${t.id}\u0000${v.id}`)));
    if (vectors.length === 0) continue;
    out.push(`## ${suite}`, '');
    const total = (vs: VectorRecord[], t: string) => {
      const rs = vs.map((v) => resultAt.get(`${t}\u0000${v.id}`)).filter((r): r is ResultRecord => !!r && r.verdict !== 'skipped');
      return `${rs.filter((r) => r.verdict === 'pass').length}/${rs.length}`;
    };
    out.push(markdownTable(['', ...targets.map((t) => t.id)], [['**passed**', ...targets.map((t) => `**${total(vectors, t.id)}**`)]]), '');
    out.push(...coverageTable(run, suite));
    for (const group of groupBySection(vectors)) {
      out.push(`### ${group.url ? `[${group.label}](${group.url})` : group.label}`, '');
      const rows = group.vectors.map((v) => [
        `\`${v.id}\``,
        v.level,
        ...targets.map((t) => {
          const r = resultAt.get(`${t.id}\u0000${v.id}`);
          return r ? SYMBOL[r.verdict] : '';
        }),
      ]);
      rows.push(['passed', '', ...targets.map((t) => total(group.vectors, t.id))]);
      out.push(markdownTable(['vector', 'level', ...targets.map((t) => t.id)], rows), '');
    }

    const problems = run.results.filter((r) => r.suite === suite && isFailure(r.verdict));
    if (problems.length) {
      out.push(`### Failures, errors and timeouts (${suite})`, '');
      for (const t of targets) {
        const mine = problems.filter((r) => r.targetId === t.id);
        if (!mine.length) continue;
        out.push(`#### ${t.id}`, '');
        for (const r of mine) {
          out.push(`- ${SYMBOL[r.verdict]} \`${r.vectorId}\`: ${oneLine(r.reason ?? r.verdict)}`);
          if (r.verdict === 'fail') out.push(`  - expected: \`${describeValue(r.expected)}\``, `  - actual: \`${describeValue(r.actual)}\``);
        }
        out.push('');
      }
    }
  }
  return out.join('\n') + '\n';
}

/** The suite's requirements coverage per section (results.json's coverage), when it is measured against an index. */
function coverageTable(run: RunResults, suite: string): string[] {
  const c = run.coverage?.find((x) => x.suite === suite);
  if (!c) return [];
  const rows = c.sections.map((s) => [
    `${s.url ? `[§${s.section}](${s.url})` : `§${s.section}`} ${s.title}`,
    `${s.covered}/${s.testable}`,
    String(s.untestable),
    s.uncovered.map((id) => `\`${id}\``).join(' '),
  ]);
  rows.push(['**all**', `**${c.totals.covered}/${c.totals.testable}**`, String(c.totals.untestable), '']);
  return [
    `### Requirements coverage: ${c.doc}${c.profile ? ` (profile ${c.profile})` : ''}`,
    '',
    `Requirements of ${c.doc} that this run's vectors cite: covered / testable per section (untestable ones apart). By level: ${c.levels.map((l) => `${l.level} ${l.covered}/${l.testable}`).join(', ')}.`,
    '',
    markdownTable(['section', 'covered', 'untestable', 'uncovered'], rows),
    '',
  ];
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? line.slice(0, 400) + '…' : line;
}

/**
 * A suite whose vectors take two targets (interop): per scenario, a grid with
 * the first role (clients) as rows and the second (servers) as columns.
 */
function interopGrids(run: RunResults, suite: string, vectors: VectorRecord[]): string[] {
  const out: string[] = [`## ${suite}`, ''];
  const results = run.results.filter((r) => r.suite === suite && r.roles);
  const [rowRole, colRole] = vectors[0]!.roles as [string, string];
  const passed = results.filter((r) => r.verdict === 'pass').length;
  const counted = results.filter((r) => r.verdict !== 'skipped').length;
  out.push(`${passed}/${counted} pairs passed over ${vectors.length} scenarios. Rows: ${rowRole}; columns: ${colRole}.`, '');
  out.push(...coverageTable(run, suite));
  for (const group of groupBySection(vectors)) {
    out.push(`### ${group.url ? `[${group.label}](${group.url})` : group.label}`, '');
    for (const v of group.vectors) {
      const mine = results.filter((r) => r.vectorId === v.id);
      const rows = [...new Set(mine.map((r) => r.roles![rowRole]!))];
      const cols = [...new Set(mine.map((r) => r.roles![colRole]!))];
      out.push(`#### \`${v.id}\` (${v.level})`, '', v.title, '');
      const cell = (row: string, col: string) => {
        const r = mine.find((x) => x.roles![rowRole] === row && x.roles![colRole] === col);
        return r ? SYMBOL[r.verdict] : '';
      };
      out.push(
        markdownTable(
          [`${rowRole} \\ ${colRole}`, ...cols],
          rows.map((row) => [row, ...cols.map((col) => cell(row, col))]),
        ),
        '',
      );
      for (const r of mine.filter((x) => isFailure(x.verdict)))
        out.push(`- ${SYMBOL[r.verdict]} ${r.roles![rowRole]} → ${r.roles![colRole]}: ${oneLine(r.reason ?? r.verdict)}`);
      if (mine.some((x) => isFailure(x.verdict))) out.push('');
    }
  }
  return out;
}
