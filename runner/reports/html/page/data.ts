/* The run, unpacked from the page's data element, and the maps the grids and the panel look things up in. */

const payload = JSON.parse(document.getElementById('conformatrix-data')!.textContent!) as { format: string; version: number; table: unknown[] };
if (payload.format !== 'conformatrix-html-data' || payload.version !== 1) throw new Error('matrix.html: unknown data format');
const DATA = unpack(payload.table) as { run: PageRun; layout: PageLayout };
const RUN = DATA.run;
const LAYOUT = DATA.layout;
const SYMBOL = LAYOUT.symbols;
const VERDICTS = LAYOUT.verdicts;
const LEVELS = LAYOUT.levels;
const SEP = '\u0000';

// The suites' views travel in the layout, by result index: the run stays results.json exactly.
RUN.results.forEach((r, i) => {
  if (LAYOUT.views && LAYOUT.views[i]) r.views = LAYOUT.views[i];
});

const vectorById = new Map<string, PageVector>(RUN.vectors.map((v) => [v.id, v]));
const targetById = new Map<string, PageTarget>(RUN.targets.map((t) => [t.id, t]));
const resultAt = new Map<string, PageResult>(RUN.results.map((r) => [r.vectorId + SEP + r.targetId, r]));

/*
 * The verdict symbols are matrix.md's emoji. Where no font here draws one
 * (no emoji font installed), the page shows a plain stand-in in its place,
 * drawn by CSS from data-alt: the text of the page stays the symbol.
 */
const ALT_CHOICES: Record<string, string[]> = {
  pass: ['\u2713', 'P'],
  flaky: ['\u21bb', 'R'],
  fail: ['\u2717', 'F'],
  error: ['\u203c', 'E'],
  timeout: ['\u25d4', 'T'],
  unsupported: ['\u2013', 'U'],
  skipped: ['\u00b7', 'S'],
};
const ALT: Partial<Record<Verdict, string>> = {};
(function () {
  const canvas = document.createElement('canvas');
  canvas.width = 40;
  canvas.height = 30;
  const ctx = canvas.getContext && canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  ctx.font = `20px ${getComputedStyle(document.documentElement).fontFamily}`;
  ctx.textBaseline = 'top';
  const pixels = (ch: string) => {
    ctx.clearRect(0, 0, 40, 30);
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 2, 2);
    return ctx.getImageData(0, 0, 40, 30).data;
  };
  const none = pixels('\udb80\udc00');
  const drawn = (ch: string) => {
    const p = pixels(ch);
    let blank = true;
    let same = true;
    for (let i = 3; i < p.length; i += 4) {
      if (p[i]) blank = false;
      if (p[i] !== none[i]) same = false;
    }
    return !blank && !same;
  };
  for (const v of VERDICTS) {
    if (drawn(SYMBOL[v])) continue;
    const c = ALT_CHOICES[v] ?? ['?'];
    ALT[v] = drawn(c[0]!) ? c[0] : c[c.length - 1];
  }
})();
/** The symbol of a verdict, as text; data-alt where a stand-in must be drawn instead. */
function sym(v: Verdict): HTMLElement {
  return el('span', { class: 'sym', 'aria-hidden': 'true', data: ALT[v] ? { alt: ALT[v] } : null, text: SYMBOL[v] });
}
function verdictBadge(v: Verdict): HTMLElement {
  return el('span', { class: `badge v-${v}`, data: { verdict: v } }, [sym(v), ` ${v}`]);
}
