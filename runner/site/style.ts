/** The stylesheet of the site's own pages (index, targets, diffs), as text. No fonts, images or anything else by URL. */
export const SITE_STYLE = String.raw`
:root {
  --bg: #ffffff; --fg: #1d2329; --muted: #5d6873; --line: #d5dbe1; --head: #f3f5f7; --accent: #0b5cc4;
  --pass: #1a7f37; --applicable: #5d6873; --must: #c4321f;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #15191d; --fg: #e3e7eb; --muted: #9aa5b0; --line: #333b43; --head: #1f252b; --accent: #6ea8ff; --pass: #56c271; --applicable: #9aa5b0; --must: #ff8a7a; }
}
* { box-sizing: border-box; }
html { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: var(--bg); color: var(--fg); }
body { margin: 0; padding: 0 1.2rem 3rem; max-width: 80rem; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { white-space: pre-wrap; word-break: break-all; background: var(--head); padding: .6rem; border: 1px solid var(--line); }
h1 { font-size: 1.5rem; margin: 1rem 0 .4rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; }
nav { margin-top: .8rem; }
.note, .muted { color: var(--muted); }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .3rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
td.reason { max-width: 40rem; overflow-wrap: anywhere; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.trend { margin: .3rem 0; }
figure.trend figcaption { font-weight: 600; margin-bottom: .2rem; }
figure.trend .key { font-weight: 400; margin-left: .6rem; }
figure.trend .key::before { content: ""; display: inline-block; width: 1.2rem; height: 0; border-top: 2px solid; vertical-align: middle; margin-right: .3rem; }
.key.applicable::before { border-top-style: dashed; }
svg.chart { max-width: 100%; height: auto; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .tick { fill: var(--muted); font-size: 11px; }
svg.chart polyline { stroke-width: 2; }
.pass { --c: var(--pass); } .applicable { --c: var(--applicable); } .must { --c: var(--must); }
svg.chart .series polyline { stroke: var(--c); }
svg.chart .series circle { fill: var(--c); }
.key { color: var(--c); }
ul.ids { columns: 2 28rem; }
`;
