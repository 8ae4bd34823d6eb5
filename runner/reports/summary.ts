/** The console summary printed at the end of a run. */
import { countVerdicts, VERDICTS, type RunResults } from '../model.js';
import { gateLists } from './gate.js';
import { textTable } from './text.js';
import { runLoadWarning } from '../load.js';

export function summaryText(run: RunResults): string {
  const rows = run.targets.map((t) => {
    const c = countVerdicts(run.results.filter((r) => r.targetId === t.id));
    const version = t.implementation ? t.implementation.version : '';
    return [t.id, version, ...VERDICTS.map((v) => String(c[v]))];
  });
  // Combinations of targets (interop pairs) are not targets of the run: a row each, after the targets.
  const known = new Set(run.targets.map((t) => t.id));
  for (const id of [...new Set(run.results.map((r) => r.targetId))].filter((id) => !known.has(id))) {
    const c = countVerdicts(run.results.filter((r) => r.targetId === id));
    rows.push([id, '', ...VERDICTS.map((v) => String(c[v]))]);
  }
  const total = countVerdicts(run.results);
  rows.push(['total', '', ...VERDICTS.map((v) => String(total[v]))]);
  const lines = [textTable(['target', 'version', ...VERDICTS], rows)];
  const set = [run.run.vectorsVersion ? `version ${run.run.vectorsVersion}` : '', run.run.vectorSetHash ? `hash ${run.run.vectorSetHash.slice(0, 16)}` : '']
    .filter(Boolean)
    .join(', ');
  if (set) lines.push('', `Vectors: ${set}`);
  const gate = gateLists(run);
  if (gate) {
    lines.push(
      '',
      `Gate: ${gate.newFailures.length} new failure(s), ${gate.unexpectedPasses.length} unexpected pass(es), ${gate.flaky.length} flaky, ${gate.knownFailures.length} known failure(s)`,
    );
    for (const [title, rs] of [
      ['New failures', gate.newFailures],
      ['Unexpected passes', gate.unexpectedPasses],
      ['Flaky', gate.flaky],
    ] as const) {
      if (!rs.length) continue;
      lines.push(`  ${title}:`);
      for (const r of rs) lines.push(`    ${r.targetId}  ${r.vectorId} (${r.verdict})`);
    }
  } else {
    const flaky = run.results.filter((r) => r.verdict === 'flaky');
    if (flaky.length) lines.push('', 'Flaky (passed on a retry):', ...flaky.map((r) => `  ${r.targetId}  ${r.vectorId}`));
  }
  const busy = runLoadWarning(run);
  if (busy) lines.push('', `Warning: ${busy}.`);
  const unavailable = run.targets.filter((t) => t.status === 'unavailable');
  if (unavailable.length) {
    lines.push('', 'Unavailable targets:');
    for (const t of unavailable) lines.push(`  ${t.id}: ${t.reason}`);
  }
  return lines.join('\n');
}
