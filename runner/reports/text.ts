/** Small text helpers shared by the reports. */
import type { ResultRecord } from '../model.js';

/** A one-line rendering of an expected or actual value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return JSON.stringify(value);
}

/** A Markdown table. Cells are escaped for pipes and newlines. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

/** A plain-text table for the console, columns padded. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The stderr tails of an error or timeout, indented, for a console. */
export function logsText(r: Pick<ResultRecord, 'logs'>, indent = '  '): string {
  if (!r.logs) return '';
  return Object.entries(r.logs)
    .map(
      ([endpoint, text]) =>
        `\n${indent}stderr of ${endpoint}:\n${text
          .trimEnd()
          .split('\n')
          .slice(-20)
          .map((l) => indent + '  ' + l)
          .join('\n')}`,
    )
    .join('');
}
