/* The filter bar, and applying the filters to the grids. */

const controls = {} as { target: HTMLInputElement[]; verdict: HTMLInputElement[]; level: HTMLInputElement[]; section: HTMLSelectElement; q: HTMLInputElement };

function boxes(name: 'target' | 'verdict' | 'level', legend: string, values: string[], label?: (v: string) => { text: Child; title: string }): HTMLElement {
  const fs = el('fieldset', { class: 'boxes', data: { filter: name } }, el('legend', { text: legend }));
  controls[name] = values.map((v) => {
    const input = el('input', { type: 'checkbox', name, value: v });
    input.addEventListener('change', fromControls);
    add(fs, el('label', { title: label ? label(v).title : undefined }, [input, ' ', label ? label(v).text : v]));
    return input;
  });
  return fs;
}
function buildFilters(): void {
  const form = document.getElementById('filters') as HTMLFormElement;
  form.addEventListener('submit', (e) => e.preventDefault());
  const sel = el('select', { id: 'f-section', name: 'section' }, el('option', { value: '', text: 'all sections' }));
  for (const s of LAYOUT.sections) add(sel, el('option', { value: s.key, text: s.label }));
  sel.addEventListener('change', fromControls);
  controls.section = sel;
  const q = el('input', { id: 'f-q', type: 'search', name: 'q', placeholder: 'vector id or title', autocomplete: 'off', spellcheck: 'false' });
  q.addEventListener('input', fromControls);
  controls.q = q;
  const reset = el('button', { type: 'button', class: 'reset', text: 'Clear filters' });
  reset.addEventListener('click', () => {
    const open = state.open;
    state = emptyState();
    state.open = open;
    writeHash();
    refresh();
  });
  /*
   * The bar folds away: its summary line (what is shown, how many filters
   * are on) stays, sticky, and the controls open below it. Open at first on a
   * wide screen, folded on a narrow one (a phone), where they would take half
   * of the screen.
   */
  const box = el('details', { id: 'filter-box', open: window.matchMedia('(min-width: 900px)').matches ? true : undefined }, [
    el(
      'summary',
      { title: 'No box checked in a group means no filter on it. The filters and the open cell are kept in the address: copy it to share this view.' },
      [
        el('span', { class: 'f-title', text: 'Filters' }),
        ' ',
        el('span', { id: 'f-active', class: 'muted' }),
        ' ',
        el('span', { id: 'status', role: 'status', 'aria-live': 'polite' }),
      ],
    ),
    el('div', { class: 'f-body' }, [
      boxes(
        'target',
        'Targets',
        RUN.targets.map((t) => t.id),
        (id) => {
          const t = targetById.get(id)!;
          return { text: id, title: implText(t) + (t.status === 'available' ? '' : ' (unavailable)') };
        },
      ),
      boxes('verdict', 'Verdicts', VERDICTS, (v) => ({ text: [sym(v as Verdict), ` ${v}`], title: v })),
      boxes('level', 'Levels', LEVELS),
      el('div', { class: 'field' }, [el('label', { for: 'f-section', text: 'Section' }), sel]),
      el('div', { class: 'field' }, [el('label', { for: 'f-q', text: 'Text' }), q]),
      el('div', { class: 'field' }, reset),
    ]),
  ]);
  add(form, box);
  // The grids scroll inside boxes as tall as the screen below the bar, so that their column headers stay in view.
  const setBar = () => document.documentElement.style.setProperty('--bar-h', `${form.offsetHeight}px`);
  if (window.ResizeObserver) new ResizeObserver(setBar).observe(form);
  box.addEventListener('toggle', setBar);
  setBar();
}
/** How many filters are on, for the folded bar. */
function activeText(): string {
  const n = state.targets.length + state.verdicts.length + state.levels.length + (state.section ? 1 : 0) + (state.q ? 1 : 0);
  return n ? `(${n} on)` : '(none on)';
}
function checked(list: HTMLInputElement[]): string[] {
  return list.filter((i) => i.checked).map((i) => i.value);
}
function fromControls(): void {
  state.targets = checked(controls.target);
  state.verdicts = checked(controls.verdict);
  state.levels = checked(controls.level);
  state.section = controls.section.value;
  state.q = controls.q.value;
  writeHash();
  filterGrids();
}
function syncControls(): void {
  for (const i of controls.target) i.checked = state.targets.indexOf(i.value) >= 0;
  for (const i of controls.verdict) i.checked = state.verdicts.indexOf(i.value) >= 0;
  for (const i of controls.level) i.checked = state.levels.indexOf(i.value) >= 0;
  controls.section.value = state.section;
  if (controls.section.value !== state.section) controls.section.value = '';
  if (controls.q.value !== state.q) controls.q.value = state.q;
}

function setCount(td: HTMLElement, pass: number, applicable: number): void {
  td.textContent = applicable || pass ? `${pass}/${applicable}` : '\u2014';
}
function filterGrids(): void {
  let shown = 0;
  let total = 0;
  RUN.targets.forEach((t, i) => {
    const hide = !targetShown(t.id);
    for (const c of summaryCols[i]!) c.hidden = hide;
  });
  for (const G of suiteGrids) {
    const colOn = G.targets.map(targetShown);
    const totals = G.targets.map(() => [0, 0] as [number, number]);
    let any = false;
    for (const grp of G.groups) {
      const counts = G.targets.map(() => [0, 0] as [number, number]);
      let groupAny = false;
      for (const row of grp.rows) {
        total++;
        let match = vectorMatches(row.vector);
        if (match && state.verdicts.length) match = row.cells.some((c, i) => colOn[i] && c.r && verdictShown(c.r.verdict));
        row.tr.hidden = !match;
        for (const c of row.cells) c.td.classList.toggle('dim', !!(c.r && !verdictShown(c.r.verdict)));
        if (!match) continue;
        shown++;
        groupAny = true;
        row.cells.forEach((c, i) => {
          if (!c.r || c.r.verdict === 'skipped') return;
          counts[i]![1]++;
          if (c.r.verdict === 'pass') counts[i]![0]++;
        });
      }
      grp.body.hidden = !groupAny;
      if (groupAny) any = true;
      counts.forEach((c, i) => {
        setCount(grp.counts[i]!, c[0], c[1]);
        totals[i]![0] += c[0];
        totals[i]![1] += c[1];
      });
    }
    totals.forEach((c, i) => setCount(G.total[i]!, c[0], c[1]));
    G.cols.forEach((cells, i) => {
      for (const c of cells) c.hidden = !colOn[i];
    });
    G.empty.hidden = any;
    G.section.classList.toggle('nothing', !any);
  }
  for (const S of interopGrids) {
    total++;
    const vmatch = vectorMatches(S.vector);
    const colOn = S.cols.map(() => false);
    let anyMatch = false;
    for (const row of S.rows) {
      let rowOn = false;
      for (const c of row.cells) {
        const on = state.targets.length === 0 || c.parts.some((p) => state.targets.indexOf(p) >= 0);
        if (on && c.r) {
          rowOn = true;
          colOn[c.col] = true;
        }
        c.td.classList.toggle('off', !on);
        c.td.classList.toggle('dim', !!(on && c.r && !verdictShown(c.r.verdict)));
        if (on && c.r && verdictShown(c.r.verdict)) anyMatch = true;
      }
      row.tr.hidden = !rowOn;
    }
    for (const row of S.rows) for (const c of row.cells) c.td.hidden = !colOn[c.col];
    S.colThs.forEach((th, i) => (th.hidden = !colOn[i]));
    const visible = vmatch && anyMatch;
    S.box.hidden = !visible;
    if (visible) shown++;
  }
  const groups = new Map<HTMLElement, boolean>();
  for (const S of interopGrids) groups.set(S.group, groups.get(S.group) || false || !S.box.hidden);
  groups.forEach((any, g) => (g.hidden = !any));
  const status = document.getElementById('status')!;
  status.textContent = `${shown} of ${total} vectors shown`;
  status.setAttribute('data-shown', String(shown));
  document.getElementById('f-active')!.textContent = activeText();
}
