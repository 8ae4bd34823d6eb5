/** The console summary printed at the end of a run. */
import { countVerdicts, VERDICTS, type RunResults } from '../model.js';
import { textTable } from './text.js';

export function summaryText(run: RunResults): string {
  const rows = run.targets.map((t) => {
    const c = countVerdicts(run.results.filter((r) => r.targetId === t.id));
    const version = t.implementation ? t.implementation.version : '';
    return [t.id, version, ...VERDICTS.map((v) => String(c[v]))];
  });
  const total = countVerdicts(run.results);
  rows.push(['total', '', ...VERDICTS.map((v) => String(total[v]))]);
  const lines = [textTable(['target', 'version', ...VERDICTS], rows)];
  const unavailable = run.targets.filter((t) => t.status === 'unavailable');
  if (unavailable.length) {
    lines.push('', 'Unavailable targets:');
    for (const t of unavailable) lines.push(`  ${t.id}: ${t.reason}`);
  }
  return lines.join('\n');
}
