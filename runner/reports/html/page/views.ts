/*
 * The suites' views of a result's details (runner/view.ts), drawn the same
 * way for every suite: the page knows no protocol. A view's names go into
 * class attributes (only names of the documented form); its tones are the
 * page's own classes (t-bad, t-good...), which the stylesheet colours.
 */

const NAME = /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$/;
const TONES = ['bad', 'good', 'muted', 'del', 'add', 'accent'];

/** The classes of a part: its own class, its name (if well-formed) and its tone. */
function classes(base: string, name: unknown, tone?: unknown): string {
  const out = [base];
  if (typeof name === 'string' && NAME.test(name)) out.push(name);
  if (typeof tone === 'string' && TONES.indexOf(tone) >= 0) out.push(`t-${tone}`);
  return out.join(' ').trim();
}
function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Text as octets would be read: control characters made visible. */
function bytesText(v: string, name: unknown): HTMLElement {
  const out = el('code', { class: classes('bytes', name) });
  let buf = '';
  for (let k = 0; k < v.length; k++) {
    const ch = v.charCodeAt(k);
    if (ch < 0x20 || ch === 0x7f || (ch >= 0x80 && ch < 0xa0)) {
      if (buf) add(out, buf);
      buf = '';
      add(
        out,
        el('span', {
          class: 'ctl',
          title: `control character U+${ch.toString(16).toUpperCase().padStart(4, '0')}`,
          text: `\\x${ch.toString(16).padStart(2, '0')}`,
        }),
      );
    } else buf += v[k];
  }
  if (buf) add(out, buf);
  return out;
}
/** Octets in hex: printable ASCII as itself, the rest as \xNN. */
function hexText(hex: string, name: unknown): HTMLElement {
  let s = '';
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${hex.slice(i, i + 2).toLowerCase()}`;
  }
  return el('span', null, [code(s, classes('bytes', name)), el('span', { class: 't-muted', text: ' (octets)' })]);
}

/** Inline content of a view. Anything not of a documented form is shown as its JSON. */
function drawValue(v: unknown): Child {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (!isObject(v)) return code(JSON.stringify(v));
  if (typeof v.text === 'string') {
    const cls = classes(v.code ? 'vcode' : 'vtext', v.name, v.tone) + (v.strong ? ' strong' : '');
    return el(v.code ? 'code' : 'span', { class: cls, title: typeof v.title === 'string' ? v.title : undefined, text: v.text });
  }
  if (typeof v.bytes === 'string') return bytesText(v.bytes, v.name);
  if (typeof v.hex === 'string') return hexText(v.hex, v.name);
  if (typeof v.file === 'string') return fileLink(v.file, typeof v.text === 'string' ? v.text : undefined);
  if (typeof v.url === 'string') return extLink(v.url, typeof v.text === 'string' ? v.text : undefined);
  if (Array.isArray(v.list))
    return el(
      'ul',
      { class: classes('vlist', v.name) },
      v.list.map((x) => el('li', null, drawValue(x))),
    );
  if (Array.isArray(v.seq)) return v.seq.map(drawValue);
  return code(JSON.stringify(v));
}

function drawCell(c: unknown): HTMLElement {
  if (isObject(c) && 'cell' in c) return el('td', { class: classes(c.num ? 'num' : '', c.name, c.tone) || undefined }, drawValue(c.cell));
  return el('td', null, drawValue(c));
}

function drawTable(t: { columns: string[]; rows: ViewRow[] }, name: unknown): HTMLElement {
  const table = el('table', { class: classes('view', name) }, el('thead', null, headRow(t.columns.map(String))));
  const body = el('tbody');
  for (const row of t.rows) {
    const tr = el('tr', { class: classes('', row.name, row.tone) || undefined });
    if (isObject(row.data)) for (const [k, x] of Object.entries(row.data)) if (/^[a-z][a-z0-9-]*$/.test(k)) tr.setAttribute(`data-${k}`, String(x));
    for (const c of row.cells) add(tr, drawCell(c));
    add(body, tr);
  }
  add(table, body);
  return el('div', { class: 'scroll' }, table);
}

function drawBlock(b: ViewBlock): Child {
  const o = b as Record<string, unknown>;
  if (typeof o.note === 'string') return el('p', { class: classes('note', o.name), text: o.note });
  if (isObject(o.table) && Array.isArray(o.table.columns) && Array.isArray(o.table.rows))
    return drawTable(o.table as { columns: string[]; rows: ViewRow[] }, o.name);
  if (Array.isArray(o.pairs))
    return el('div', { class: classes('vpairs', o.name) }, dl((o.pairs as [string, ViewValue][]).map((p) => [String(p[0]), drawValue(p[1])])));
  if (typeof o.pre === 'string')
    return el('div', { class: classes('vpre', o.name) }, [
      typeof o.heading === 'string' ? el('h4', { text: o.heading }) : null,
      el('pre', { class: classes('json', o.name), text: o.pre }),
    ]);
  if (Array.isArray(o.columns))
    return el(
      'div',
      { class: classes('vcolumns', o.name) },
      (o.columns as ViewBlock[]).map((x) => el('div', null, drawBlock(x))),
    );
  return el('pre', { class: 'json', text: JSON.stringify(b, null, 2) });
}
function drawBlocks(blocks: ViewBlock[]): Child {
  return Array.isArray(blocks) ? blocks.map(drawBlock) : null;
}
/** The views of a result that are sections of their own (not the comparison). */
function detailViews(r: PageResult): DetailView[] {
  return (Array.isArray(r.views) ? r.views : []).filter((v) => isObject(v) && v.place !== 'comparison');
}
