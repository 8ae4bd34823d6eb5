/* The detail panel of a cell: the result, the target, the vector, the comparison, the suite's views and the rest. */

const panel = document.getElementById('panel')!;
/** The cell the panel was opened from, to give the focus back to. */
let lastCell: HTMLElement | null = null;

function openCell(vectorId: string, targetId: string, fromClick: boolean): void {
  state.open = { vector: vectorId, target: targetId };
  writeHash();
  renderOpen(!fromClick);
  const h = document.getElementById('panel-title');
  if (h) h.focus();
}
function closePanel(): void {
  if (!state.open) return;
  const key = state.open.vector + SEP + state.open.target;
  state.open = null;
  writeHash();
  renderOpen(false);
  const back = (cellsByKey.get(key) ?? []).filter((b) => b.offsetParent !== null)[0] ?? lastCell;
  if (back) back.focus();
}
function renderOpen(scroll: boolean): void {
  document.querySelectorAll('button.cell.is-open').forEach((b) => {
    b.classList.remove('is-open');
    b.setAttribute('aria-expanded', 'false');
  });
  clear(panel);
  if (!state.open) {
    panel.hidden = true;
    document.body.classList.remove('panel-open');
    return;
  }
  const cells = cellsByKey.get(state.open.vector + SEP + state.open.target) ?? [];
  for (const b of cells) {
    b.classList.add('is-open');
    b.setAttribute('aria-expanded', 'true');
  }
  if (cells[0]) lastCell = cells[0];
  if (scroll && cells[0]) cells[0].scrollIntoView({ block: 'center', inline: 'center' });
  fillPanel(state.open.vector, state.open.target);
  panel.hidden = false;
  document.body.classList.add('panel-open');
}

function panelSection(title: string, content: Child, cls?: string): HTMLElement {
  return el('section', { class: `p-sec${cls ? ` ${cls}` : ''}` }, [el('h3', { text: title }), content]);
}
function fillPanel(vectorId: string, targetId: string): void {
  const v = vectorById.get(vectorId);
  const r = resultAt.get(vectorId + SEP + targetId);
  const closeBtn = el('button', { type: 'button', class: 'close', title: 'Close (Escape)', 'aria-label': 'Close the panel (Escape)', text: '\u00d7' });
  closeBtn.addEventListener('click', closePanel);
  add(
    panel,
    el('div', { class: 'p-head' }, [
      el('h2', { id: 'panel-title', tabindex: '-1' }, [code(vectorId, 'vid'), el('span', { class: 'p-target', text: ` on ${targetId}` })]),
      closeBtn,
    ]),
  );
  const body = el('div', { class: 'p-body' });
  add(panel, body);
  if (v) add(body, el('p', { class: 'p-title', text: v.title }));
  if (!r) add(body, el('p', { class: 'note bad', text: 'This run has no result for this vector on this target.' }));
  if (r) {
    const timing = r.timing;
    add(
      body,
      panelSection(
        'Result',
        dl([
          ['Verdict', verdictBadge(r.verdict)],
          ['Reason', r.reason !== undefined ? el('pre', { class: 'reason', text: r.reason }) : undefined],
          ['Duration', ms(r.durationMs)],
          [
            'Timing',
            timing
              ? Object.keys(timing)
                  .map((k) => `${k} ${ms(timing[k])}`)
                  .join(' \u00b7 ')
              : undefined,
          ],
        ]),
        'p-result',
      ),
    );
    if (r.expectation) {
      const x = r.expectation;
      add(
        body,
        panelSection(
          'Expectation',
          dl([
            ['Expected', x.expected],
            ['Outcome', el('span', { class: `outcome o-${x.outcome}`, text: x.outcome })],
            ['Reason', x.reason],
            ['Link', x.link ? extLink(x.link) : undefined],
          ]),
          'p-expectation',
        ),
      );
    }
  }
  add(body, panelSection('Target', targetInfo(targetId, r), 'p-targetinfo'));
  if (v) add(body, panelSection('Vector', vectorInfo(v), 'p-vector'));
  if (r) resultSections(body, r, vectorId, targetId);
  const link = el('a', { href: formatHash({ ...emptyState(), open: { vector: vectorId, target: targetId } }), class: 'permalink', text: 'Link to this cell' });
  add(body, el('p', null, link));
}
/** The comparison, the suite's views, the rest of the details, artifacts, logs, attempts, the command to run it again. */
function resultSections(body: HTMLElement, r: PageResult, vectorId: string, targetId: string): void {
  add(body, panelSection('Expected vs actual', diffView(r), 'p-diff'));
  const views = detailViews(r);
  for (const view of views) add(body, panelSection(String(view.title), drawBlocks(view.blocks), classes('p-view', view.name)));
  const covered = new Set<string>();
  for (const view of views) if (Array.isArray(view.covers)) for (const k of view.covers) covered.add(String(k));
  const details = r.details;
  let rest: unknown = null;
  if (Array.isArray(details)) rest = details;
  else if (isObject(details)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(details)) if (!covered.has(k) && !emptyDeep(details[k])) o[k] = details[k];
    if (Object.keys(o).length) rest = o;
  }
  if (rest !== null)
    add(body, panelSection(views.length ? 'Other details' : 'Details', el('pre', { class: 'json', text: JSON.stringify(rest, null, 2) }), 'p-details'));
  if (r.artifacts && Object.keys(r.artifacts).length) {
    const ul = el('ul', { class: 'artifacts' });
    for (const [k, path] of Object.entries(r.artifacts)) add(ul, el('li', null, [`${k}: `, fileLink(path)]));
    add(
      body,
      panelSection('Artifacts', [ul, el('p', { class: 'note', text: 'Paths are relative to the output folder, where this page is written.' })], 'p-artifacts'),
    );
  }
  if (r.logs && Object.keys(r.logs).length) add(body, panelSection('Adapter stderr', logsView(r), 'p-logs'));
  if (r.attempts && r.attempts.length) add(body, panelSection('Earlier attempts', attemptsView(r), 'p-attempts'));
  const rerun = LAYOUT.rerun && LAYOUT.rerun[vectorId + SEP + targetId];
  if (rerun)
    add(
      body,
      panelSection(
        'Run it again',
        [
          el('pre', { class: 'cmd', text: rerun }),
          el('p', { class: 'note', text: 'With the options of the original run that choose what runs and how; from the folder it was started in.' }),
        ],
        'p-rerun',
      ),
    );
}
function emptyDeep(x: unknown): boolean {
  if (x === null || x === undefined || x === '') return true;
  if (Array.isArray(x)) return x.every(emptyDeep);
  if (typeof x === 'object') return Object.keys(x).every((k) => emptyDeep((x as Record<string, unknown>)[k]));
  return false;
}
function targetInfo(targetId: string, r: PageResult | undefined): Child {
  const ids: [string, string][] = [];
  if (r && r.roles) {
    const v = vectorById.get(r.vectorId);
    const roles = v && v.roles && v.roles.length ? v.roles : Object.keys(r.roles);
    for (const role of roles) ids.push([role, r.roles[role]!]);
  } else ids.push(['', targetId]);
  return ids.map((p) => {
    const t = targetById.get(p[1]);
    const head = p[0] ? el('h4', { text: `${p[0]}: ${p[1]}` }) : null;
    if (!t) return [head, el('p', { class: 'note', text: `Target ${p[1]} is not described in this run.` })];
    return [
      head,
      dl([
        ['Target', t.id],
        ['Name', t.name],
        ['Implementation', t.implementation ? `${t.implementation.name} ${t.implementation.version}` : '(not reported)'],
        ['Driver', t.driver],
        ['Image', t.imageId ? code(t.imageId, 'id') : undefined],
        ['User agent', t.userAgentClass],
        ['Contract', t.contract],
        ['Capabilities', t.capabilities && t.capabilities.length ? t.capabilities.join(', ') : undefined],
        ['Status', t.status + (t.reason ? `: ${t.reason}` : '')],
        ['Notes', t.notes && t.notes.length ? t.notes.join(' \u00b7 ') : undefined],
      ]),
    ];
  });
}
function vectorInfo(v: PageVector): HTMLElement {
  const cites = el('ul', { class: 'cites' });
  for (const c of LAYOUT.citations[v.id] ?? [])
    add(
      cites,
      el('li', null, [
        c.url ? extLink(c.url, c.label) : el('span', { text: c.label }),
        c.note ? el('span', { class: 'note', text: ` \u2014 ${c.note}` }) : null,
      ]),
    );
  const section = `${v.group.doc} \u00a7${v.group.section} ${v.group.title}`;
  return dl([
    ['Id', code(v.id)],
    ['Title', v.title],
    ['Level', el('span', { class: `level l-${v.level}`, text: v.level })],
    ['Suite', v.suite],
    ['Section', v.group.url ? extLink(v.group.url, section) : section],
    ['Citations', cites],
    ['Roles', v.roles && v.roles.length ? v.roles.join(', ') : undefined],
    ['Flags', v.flags && v.flags.length ? v.flags.join(', ') : undefined],
    ['Source', code(`${v.source.file}#${v.source.pointer}`)],
  ]);
}
/** The tail of each adapter's stderr, kept with an error or timeout: by target, or by role for an interop pair. */
function logsView(r: PageResult): Child {
  const logs = r.logs ?? {};
  return Object.keys(logs).map((k) => [el('h4', { text: r.roles && r.roles[k] ? `${k}: ${r.roles[k]}` : k }), el('pre', { class: 'log', text: logs[k] })]);
}
function attemptsView(r: PageResult): HTMLElement {
  const t = el('table', { class: 'attempts' }, el('thead', null, headRow(['#', 'verdict', 'reason', 'duration'])));
  const b = el('tbody');
  const attempts = r.attempts ?? [];
  attempts.forEach((a, i) =>
    add(
      b,
      el('tr', null, [
        el('td', { text: String(i + 1) }),
        el('td', null, verdictBadge(a.verdict)),
        el('td', null, el('pre', { class: 'reason', text: a.reason || '' })),
        el('td', { text: ms(a.durationMs) }),
      ]),
    ),
  );
  add(
    b,
    el('tr', { class: 'last' }, [
      el('td', { text: String(attempts.length + 1) }),
      el('td', null, verdictBadge(r.verdict === 'flaky' ? 'pass' : r.verdict)),
      el('td', { text: 'the last attempt, whose values this panel shows' }),
      el('td', { text: ms(r.durationMs) }),
    ]),
  );
  add(t, b);
  return t;
}
