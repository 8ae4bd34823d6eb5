/* The header (provenance), the summary grid, the gate, the coverage panel, the suite grids and the interop grids. */

function buildProvenance(): void {
  const r = RUN.run;
  document.title = `Conformance matrix: ${r.suites.join(', ')} (${r.startedAt})`;
  if (r.interrupted)
    add(
      document.getElementById('banner')!,
      el('p', { class: 'warn', role: 'alert', text: 'This run was interrupted before it finished: the results are partial.' }),
    );
  if (LAYOUT.loadWarning) add(document.getElementById('banner')!, el('p', { class: 'warn', role: 'alert', text: `Warning: ${LAYOUT.loadWarning}.` }));
  const span = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  const pairs: [string, Child][] = [
    ['Harness', `${r.harness.name} ${r.harness.version}`],
    ['Suites', r.suites.join(', ')],
    ['Profile', r.profile],
    ['Started', r.startedAt],
    ['Finished', r.finishedAt + (isFinite(span) ? ` (${(span / 1000).toFixed(1)} s)` : '')],
    ['Interrupted', r.interrupted ? 'yes: results are partial' : 'no'],
    ['Vectors version', r.vectorsVersion],
    ['Vector set hash', r.vectorSetHash !== undefined ? code(r.vectorSetHash) : undefined],
    ['Kernel', r.kernel],
    [
      'Machine load',
      r.load ? `${r.load.cpus} CPUs; load ${r.load.start.join(' ')} at the start, ${r.load.end.join(' ')} at the end, 1-minute peak ${r.load.peak}` : undefined,
    ],
    ['Seed', r.seed !== undefined ? String(r.seed) : undefined],
    ['Shard', r.shard ? `${r.shard.index}/${r.shard.count}` : undefined],
    ['Jobs', r.jobs !== undefined ? String(r.jobs) : undefined],
    ['Retries', r.retries !== undefined ? String(r.retries) : undefined],
    ['Expectations', r.expectations && r.expectations.length ? r.expectations.join(', ') : undefined],
    ['Merged from', r.mergedFrom && r.mergedFrom.length ? r.mergedFrom.join(', ') : undefined],
    ['Command', r.argv && r.argv.length ? code(r.argv.join(' ')) : undefined],
  ];
  const box = document.getElementById('provenance')!;
  const d = el('dl', { class: 'prov' });
  for (const p of pairs) if (p[1] !== undefined && p[1] !== '') add(d, el('div', { data: { field: p[0] } }, [el('dt', { text: p[0] }), el('dd', null, p[1])]));
  add(box, d);
  add(box, el('p', { class: 'legend' }, ['Legend: ', ...VERDICTS.map(verdictBadge)]));
}

/* ---------- grid 1: suites x targets ---------- */

const summaryCols: HTMLElement[][] = [];
function passCount(c: Counts): { pass: number; applicable: number } {
  let applicable = 0;
  for (const v of VERDICTS) if (v !== 'skipped') applicable += c[v];
  return { pass: c.pass, applicable };
}
function countsLine(c: Counts): HTMLElement {
  const span = el('span', { class: 'counts' });
  for (const v of VERDICTS)
    if (c[v])
      add(span, el('span', { class: `count v-${v}`, data: { verdict: v }, title: `${c[v]} ${v}` }, [sym(v), el('span', { class: 'n', text: String(c[v]) })]));
  return span;
}
function buildSummary(main: HTMLElement): void {
  const sec = el('section', { id: 'summary', 'aria-labelledby': 'summary-h' }, el('h2', { id: 'summary-h', text: 'Summary: suites \u00d7 targets' }));
  add(
    sec,
    el('p', {
      class: 'note',
      text: 'Each cell: passes / applicable vectors (skipped ones excluded), then the count of each verdict. The whole run: only the target filter applies here.',
    }),
  );
  const table = el('table', { class: 'grid summary' });
  const head = el('tr', null, el('th', { scope: 'col', text: 'suite' }));
  RUN.targets.forEach((t, i) => {
    const th = el('th', { scope: 'col', title: implText(t), data: { target: t.id } }, t.id);
    summaryCols[i] = [th];
    add(head, th);
  });
  add(table, el('thead', null, head));
  const body = el('tbody');
  for (const row of LAYOUT.summary) {
    const interop = row.kind === 'interop';
    const rowHead = el('th', { scope: 'row', text: row.suite }, interop ? el('span', { class: 'sub', text: 'interop pairs, as any role' }) : null);
    const tr = el('tr', { data: { suite: row.suite, kind: row.kind } }, rowHead);
    RUN.targets.forEach((t, i) => {
      const c = row.counts[t.id];
      const data = { suite: row.suite, target: t.id, kind: row.kind };
      let total = 0;
      if (c) for (const v of VERDICTS) total += c[v];
      let td: HTMLElement;
      if (!c) td = el('td', { class: 'na', data, title: `${t.id} is not a ${row.suite} target`, text: '\u2014' });
      else if (t.status !== 'available') td = el('td', { class: 'na', data, title: t.reason || '', text: 'unavailable' });
      else if (!total) td = el('td', { class: 'na', data, title: 'no results', text: '\u2014' });
      else {
        const p = passCount(c);
        td = el('td', { data, title: interop ? `the interop results ${t.id} took part in` : undefined }, [
          el('strong', { class: 'pass-count', text: `${p.pass}/${p.applicable}` }),
          el('br'),
          countsLine(c),
        ]);
      }
      summaryCols[i]!.push(td);
      add(tr, td);
    });
    add(body, tr);
  }
  add(table, body);
  add(sec, el('div', { class: 'scroll' }, table));
  for (const row of LAYOUT.summary) {
    if (!row.interop) continue;
    const p = passCount(row.interop);
    add(
      sec,
      el('p', { class: 'note', data: { interop: row.suite } }, [
        `All interop pairs (${row.suite}): `,
        el('strong', { text: `${p.pass}/${p.applicable}` }),
        ' ',
        countsLine(row.interop),
      ]),
    );
  }
  add(sec, buildTargetsTable());
  add(main, sec);
}
function buildTargetsTable(): HTMLElement {
  const table = el('table', { class: 'targets' });
  add(table, el('thead', null, headRow(['target', 'implementation', 'driver', 'image', 'user agent', 'status', 'notes'])));
  const body = el('tbody');
  for (const t of RUN.targets) {
    add(
      body,
      el('tr', { data: { target: t.id } }, [
        el('th', { scope: 'row', text: t.id }),
        el('td', { text: implText(t) }),
        el('td', { text: t.driver }),
        el('td', null, t.imageId ? code(shorten(t.imageId, 24), 'id') : ''),
        el('td', { text: t.userAgentClass || '' }),
        el('td', { class: t.status === 'available' ? '' : 'bad', text: t.status + (t.reason ? `: ${t.reason}` : '') }),
        el('td', { text: (t.notes || []).join(' \u00b7 ') }),
      ]),
    );
  }
  add(table, body);
  return el('details', { class: 'targets-box' }, [
    el('summary', { text: `Targets (${RUN.targets.length}): implementations, drivers, images` }),
    el('div', { class: 'scroll' }, table),
  ]);
}

/* ---------- the gate: results against the expectations files ---------- */

function buildGate(main: HTMLElement): void {
  // The lists are made by the report writer (runner/reports/gate.ts), as indices into the results.
  const gate = LAYOUT.gate;
  if (!gate) return;
  const pick = (ids: number[]) => ids.map((i) => RUN.results[i]!);
  const lists: Record<GateKey, PageResult[]> = {
    newFailures: pick(gate.newFailures),
    unexpectedPasses: pick(gate.unexpectedPasses),
    flaky: pick(gate.flaky),
    knownFailures: pick(gate.knownFailures),
  };
  const files = RUN.run.expectations && RUN.run.expectations.length ? RUN.run.expectations.join(', ') : 'the expectations';
  const sec = el('section', { id: 'gate', 'aria-labelledby': 'gate-h' }, [
    el('h2', { id: 'gate-h', text: 'Gate' }),
    el('p', {
      class: 'gate-line',
      text: `Against ${files}: ${lists.newFailures.length} new failure(s), ${lists.unexpectedPasses.length} unexpected pass(es), ${lists.flaky.length} flaky, ${lists.knownFailures.length} known failure(s) still failing.`,
    }),
  ]);
  const list = (key: GateKey, title: string, open: boolean) => {
    const rs = lists[key];
    if (!rs.length) return;
    const ul = el('ul', { class: 'gate-list' });
    for (const r of rs) {
      const b = el('button', { type: 'button', class: 'link', data: { vector: r.vectorId, target: r.targetId } }, [
        sym(r.verdict),
        ' ',
        code(r.vectorId),
        ` on ${r.targetId}`,
      ]);
      b.addEventListener('click', () => openCell(r.vectorId, r.targetId, true));
      const why = r.expectation && r.expectation.reason ? `known as ${r.expectation.reason}` : r.reason;
      add(ul, el('li', null, [b, why ? el('span', { class: 'note', text: `: ${shorten(why, 300)}` }) : null]));
    }
    add(sec, el('details', { class: 'gate-box', data: { gate: key }, open }, [el('summary', { text: `${title} (${rs.length})` }), ul]));
  };
  list('newFailures', 'New failures', true);
  list('unexpectedPasses', 'Unexpected passes', true);
  list('flaky', 'Flaky', true);
  list('knownFailures', 'Known failures still failing', false);
  add(main, sec);
}

/* ---------- cells ---------- */

const cellsByKey = new Map<string, HTMLButtonElement[]>();
function cellButton(vectorId: string, targetId: string, r: PageResult | undefined, label: string): HTMLButtonElement {
  let title = `${label} \u00b7 ${vectorId}: ${r ? r.verdict + (r.reason ? ` \u2014 ${shorten(r.reason, 200)}` : '') : 'no result'}`;
  if (r && r.expectation) title += ` [expectation: ${r.expectation.expected}, ${r.expectation.outcome}]`;
  const b = el(
    'button',
    {
      type: 'button',
      class: `cell ${r ? `v-${r.verdict}` : 'none'}${r && r.expectation ? ` exp exp-${r.expectation.outcome}` : ''}`,
      title,
      'aria-label': title,
      'aria-haspopup': 'dialog',
      'aria-controls': 'panel',
      'aria-expanded': 'false',
      data: { vector: vectorId, target: targetId, verdict: r ? r.verdict : '' },
    },
    r ? sym(r.verdict) : null,
  );
  b.addEventListener('click', () => openCell(vectorId, targetId, true));
  const key = vectorId + SEP + targetId;
  if (!cellsByKey.has(key)) cellsByKey.set(key, []);
  cellsByKey.get(key)!.push(b);
  return b;
}

/* ---------- requirements coverage, per suite and section ---------- */

function buildCoverage(main: HTMLElement): void {
  if (!RUN.coverage || !RUN.coverage.length) return;
  const sec = el('section', { id: 'coverage', 'aria-labelledby': 'coverage-h' }, el('h2', { id: 'coverage-h', text: 'Requirements coverage' }));
  add(
    sec,
    el('p', {
      class: 'note',
      text: 'Per section of the document each suite is measured against: the testable requirements that at least one of this run\u2019s vectors cites, over all testable ones. Untestable requirements are counted apart. The whole selection of the run: the filters do not apply here.',
    }),
  );
  for (const c of RUN.coverage) {
    const title = `${c.suite}: ${c.doc}${c.profile ? ` (profile ${c.profile})` : ''}`;
    // Folded: the totals show in the summary, the table of sections on demand, so the grids stay in the first view.
    const box = el('details', { class: 'coverage', data: { suite: c.suite, doc: c.doc } });
    const levels = c.levels.map((l) => `${l.level} ${l.covered}/${l.testable}`).join(', ');
    add(
      box,
      el('summary', null, [
        el('h3', { text: title }),
        el('p', { class: 'note totals' }, [
          el('strong', { class: 'cov-total', text: `${c.totals.covered}/${c.totals.testable}` }),
          ` testable requirements covered; ${c.totals.untestable} untestable; by level: ${levels}.`,
        ]),
      ]),
    );
    const table = el('table', { class: 'grid coverage', data: { suite: c.suite } });
    add(table, el('thead', null, headRow(['section', 'covered / testable', 'untestable', 'uncovered'])));
    const body = el('tbody');
    for (const s of c.sections) {
      const label = `\u00a7${s.section} ${s.title}`;
      const full = s.covered === s.testable;
      add(
        body,
        el('tr', { class: full ? 'full' : 'partial', data: { section: `${c.doc}:${s.section}` } }, [
          el('th', { scope: 'row' }, s.url ? extLink(s.url, label) : el('span', { text: label })),
          el('td', { class: 'cov', text: `${s.covered}/${s.testable}` }),
          el('td', { class: 'untestable', text: String(s.untestable) }),
          el(
            'td',
            { class: 'uncovered' },
            s.uncovered.map((id) => code(id, 'rid')),
          ),
        ]),
      );
    }
    add(table, body);
    add(box, el('div', { class: 'scroll' }, table));
    add(sec, box);
  }
  add(main, sec);
}

/* ---------- grid 2: per suite, vectors by section x targets ---------- */

interface GridCell {
  td: HTMLElement;
  r: PageResult | undefined;
}
interface SuiteGrid {
  targets: string[];
  cols: HTMLElement[][];
  groups: { body: HTMLElement; counts: HTMLElement[]; rows: { vector: PageVector; tr: HTMLElement; cells: GridCell[] }[] }[];
  total: HTMLElement[];
  section: HTMLElement;
  empty: HTMLElement;
}
const suiteGrids: SuiteGrid[] = [];
function countCell(id: string): HTMLElement {
  return el('td', { class: 'total', data: { target: id } });
}
function buildSuites(main: HTMLElement): void {
  for (const s of LAYOUT.suites) {
    if (!s.groups.length) continue;
    const sec = el('section', { class: 'suite', id: `suite-${s.name}`, data: { suite: s.name } }, el('h2', { text: `Suite ${s.name}` }));
    if (s.unavailable.length)
      add(sec, el('p', { class: 'note bad', text: `Unavailable here: ${s.unavailable.map((u) => u.id + (u.reason ? ` (${u.reason})` : '')).join('; ')}` }));
    const G: SuiteGrid = {
      targets: s.targets,
      cols: s.targets.map(() => []),
      groups: [],
      total: [],
      section: sec,
      empty: el('p', { class: 'note empty', hidden: true, text: 'No vector of this suite matches the filters.' }),
    };
    const table = el('table', { class: 'grid matrix', data: { suite: s.name } });
    const head = el('tr', null, [el('th', { scope: 'col', class: 'vec', text: 'vector' }), el('th', { scope: 'col', text: 'level' })]);
    s.targets.forEach((id, i) => {
      const th = el('th', { scope: 'col', class: 'tcol', title: implText(targetById.get(id)), data: { target: id } }, el('span', { text: id }));
      G.cols[i]!.push(th);
      add(head, th);
    });
    const totalRow = el('tr', { class: 'totals' }, [el('th', { scope: 'row', text: 'passed (rows shown)' }), el('td')]);
    s.targets.forEach((id, i) => {
      const td = countCell(id);
      G.total.push(td);
      G.cols[i]!.push(td);
      add(totalRow, td);
    });
    add(table, el('thead', null, [head, totalRow]));
    for (const g of s.groups) {
      const body = el('tbody', { data: { section: g.key } });
      const label = g.url ? extLink(g.url, g.label) : el('span', { text: g.label });
      const gh = el('tr', { class: 'group' }, [el('th', { scope: 'rowgroup', colspan: '2' }, label)]);
      const grp: SuiteGrid['groups'][number] = { body, counts: [], rows: [] };
      s.targets.forEach((id, i) => {
        const td = countCell(id);
        grp.counts.push(td);
        G.cols[i]!.push(td);
        add(gh, td);
      });
      add(body, gh);
      for (const vid of g.vectors) {
        const v = vectorById.get(vid)!;
        const rowHead = el('th', { scope: 'row', class: 'vec' }, [code(v.id, 'vid'), el('span', { class: 'title', title: v.title, text: v.title })]);
        const tr = el('tr', { class: 'vrow', data: { vector: v.id } }, [rowHead, el('td', { class: `level l-${v.level}`, text: v.level })]);
        const row = { vector: v, tr, cells: [] as GridCell[] };
        s.targets.forEach((id, i) => {
          const r = resultAt.get(v.id + SEP + id);
          const td = el('td', { class: `c${r ? ` v-${r.verdict}` : ''}` }, cellButton(v.id, id, r, id));
          row.cells.push({ td, r });
          G.cols[i]!.push(td);
          add(tr, td);
        });
        grp.rows.push(row);
        add(body, tr);
      }
      G.groups.push(grp);
      add(table, body);
    }
    add(sec, el('div', { class: 'scroll grid-box' }, table));
    add(sec, G.empty);
    suiteGrids.push(G);
    add(main, sec);
  }
}

/* ---------- grid 3: interop scenarios, clients x servers ---------- */

interface InteropGrid {
  vector: PageVector;
  box: HTMLElement;
  group: HTMLElement;
  colThs: HTMLElement[];
  rows: { tr: HTMLElement; cells: (GridCell & { parts: string[]; col: number })[] }[];
  cols: string[];
}
const interopGrids: InteropGrid[] = [];
function buildInterop(main: HTMLElement): void {
  if (!LAYOUT.interop.length) return;
  const sec = el('section', { id: 'interop', 'aria-labelledby': 'interop-h' }, el('h2', { id: 'interop-h', text: 'Interop scenarios' }));
  add(
    sec,
    el('p', {
      class: 'note',
      text: 'One grid per scenario, grouped by spec section: the first role\u2019s targets as rows, the other roles\u2019 as columns. A target filter keeps the cells any selected target takes part in.',
    }),
  );
  let groupKey: string | null = null;
  let holder: HTMLElement | null = null;
  let groupBox: HTMLElement | null = null;
  for (const sc of LAYOUT.interop) {
    if (`${sc.suite} ${sc.group.key}` !== groupKey || !holder || !groupBox) {
      groupKey = `${sc.suite} ${sc.group.key}`;
      groupBox = el(
        'div',
        { class: 'scenario-group', data: { section: sc.group.key, suite: sc.suite } },
        el('h3', null, sc.group.url ? extLink(sc.group.url, sc.group.label) : sc.group.label),
      );
      holder = el('div', { class: 'scenarios' });
      add(groupBox, holder);
      add(sec, groupBox);
    }
    const v = vectorById.get(sc.vectorId)!;
    const box = el('div', { class: 'scenario', data: { vector: sc.vectorId } }, [
      el('h4', null, [code(v.id, 'vid'), ' ', el('span', { class: `level l-${v.level}`, text: v.level })]),
      el('p', { class: 'title', text: v.title }),
    ]);
    const table = el('table', { class: 'grid interop', data: { vector: sc.vectorId } });
    const head = el('tr', null, el('th', { scope: 'col', class: 'corner', text: `${sc.rowRole} \u2193 \u00b7 ${sc.colRole} \u2192` }));
    const S: InteropGrid = { vector: v, box, group: groupBox, colThs: [], rows: [], cols: sc.cols };
    for (const c of sc.cols) {
      const th = el('th', { scope: 'col', data: { role: sc.colRole, target: c }, text: c });
      S.colThs.push(th);
      add(head, th);
    }
    add(table, el('thead', null, head));
    const body = el('tbody');
    const at = new Map<string, string>();
    for (const c of sc.cells) at.set(`${c[0]},${c[1]}`, c[2]);
    sc.rows.forEach((rid, ri) => {
      const tr = el('tr', { data: { role: sc.rowRole, target: rid } }, el('th', { scope: 'row', text: rid }));
      const row: InteropGrid['rows'][number] = { tr, cells: [] };
      sc.cols.forEach((cid, ci) => {
        const tid = at.get(`${ri},${ci}`);
        const r = tid !== undefined ? resultAt.get(sc.vectorId + SEP + tid) : undefined;
        const inner =
          tid !== undefined
            ? cellButton(sc.vectorId, tid, r, `${sc.rowRole} ${rid}, ${sc.colRole} ${cid}`)
            : el('span', { class: 'none', title: 'not run', text: '' });
        const td = el('td', { class: `c${r ? ` v-${r.verdict}` : ''}` }, inner);
        row.cells.push({ td, r, parts: [rid, ...cid.split('+')], col: ci });
        add(tr, td);
      });
      S.rows.push(row);
      add(body, tr);
    });
    add(table, body);
    add(box, el('div', { class: 'scroll' }, table));
    interopGrids.push(S);
    add(holder, box);
  }
  add(main, sec);
}
