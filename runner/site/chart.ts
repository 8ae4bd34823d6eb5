/**
 * A small line chart as inline SVG, drawn when the site is built: no script,
 * no library, nothing fetched. A few polylines over evenly spaced runs (the
 * x axis is the order of the runs, not their time: a run a month later sits
 * next to one a minute later), a y axis from 0, and a circle per value whose
 * <title> gives the number on hover. Colours come from CSS classes (the
 * pages' Content-Security-Policy allows no style attribute). The table under
 * each chart carries the same numbers for reading and copying.
 */
import { esc } from './esc.js';

export interface ChartSeries {
  /** A class name (lowercase words): the line's colour and the tests' handle. */
  name: string;
  label: string;
  values: number[];
  /** Drawn dashed: a reference line such as the applicable total. */
  dashed?: boolean;
}

const W = 640;
const H = 180;
const PAD = { left: 44, right: 48, top: 12, bottom: 30 };

/** The y axis's step: the smallest whole "nice" number (1, 2 or 5 times a power of ten) that is at least max / 4. The values are counts. */
function step(max: number): number {
  const raw = Math.max(max, 1) / 4;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

/** xLabels: one per run (its short date); title: the chart's accessible name. */
export function lineChart(title: string, xLabels: string[], series: ChartSeries[]): string {
  const n = xLabels.length;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const dy = step(max);
  const top = Math.max(dy, Math.ceil(max / dy) * dy);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const y = (v: number) => PAD.top + plotH - (plotH * v) / top;
  const f = (v: number) => Math.round(v * 10) / 10;
  const out: string[] = [`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`];
  for (let v = 0; v <= top; v += dy) {
    out.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(v))}" y2="${f(y(v))}"/>`);
    out.push(`<text class="tick" x="${PAD.left - 6}" y="${f(y(v)) + 4}" text-anchor="end">${v}</text>`);
  }
  // At most about six date labels, the last always among them.
  const every = Math.max(1, Math.ceil(n / 6));
  xLabels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    out.push(`<text class="tick" x="${f(x(i))}" y="${H - 10}" text-anchor="middle">${esc(label)}</text>`);
  });
  for (const s of series) {
    const pts = s.values.map((v, i) => `${f(x(i))},${f(y(v))}`).join(' ');
    out.push(`<g class="series ${esc(s.name)}" data-series="${esc(s.name)}">`);
    if (n > 1) out.push(`<polyline points="${pts}" fill="none"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    s.values.forEach((v, i) => {
      out.push(`<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3" data-value="${v}"><title>${esc(`${s.label}: ${v} (${xLabels[i]})`)}</title></circle>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  const legend = series.map((s) => `<span class="key ${esc(s.name)}">${esc(s.label)}</span>`).join(' ');
  return `<figure class="trend"><figcaption>${esc(title)} ${legend}</figcaption>${out.join('')}</figure>`;
}
