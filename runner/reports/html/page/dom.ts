/* DOM helpers: text always goes in as text (textContent, setAttribute), never as markup. */

type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown> | null | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, children?: Child): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props) {
    for (const k of Object.keys(props)) {
      const v = props[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = String(v);
      else if (k === 'text') e.textContent = String(v);
      else if (k === 'data') for (const [d, x] of Object.entries(v as Record<string, unknown>)) e.setAttribute(`data-${d}`, String(x));
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v as EventListener);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  add(e, children);
  return e;
}
function add(parent: Node, c: Child): void {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) {
    for (const x of c) add(parent, x);
    return;
  }
  parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
}
function clear(e: Node): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** A link only to http(s); anything else is shown as text. */
function extLink(url: unknown, text?: string): HTMLElement {
  if (typeof url === 'string' && /^https?:\/\//i.test(url))
    return el('a', { href: url, rel: 'noreferrer noopener', target: '_blank', text: text === undefined ? url : text });
  return el('span', { text: text === undefined ? String(url) : text });
}
/** A link to a file of the output folder: each segment URL-encoded, so that no scheme can come through. */
function fileLink(path: string, text?: string): HTMLElement {
  const href = String(path)
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  return el('a', { href, text: text === undefined ? path : text });
}
function code(text: string, cls?: string): HTMLElement {
  return el('code', { class: cls, text });
}
function ms(n: unknown): string {
  return typeof n === 'number' ? `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString()} ms` : '';
}
/** A key/value list; pairs without a value are left out. */
function dl(pairs: [string, Child][]): HTMLElement {
  const d = el('dl', { class: 'kv' });
  for (const p of pairs) {
    if (!p || p[1] === undefined || p[1] === null || p[1] === '') continue;
    add(d, [el('dt', { text: p[0] }), el('dd', null, p[1])]);
  }
  return d;
}
function shorten(s: string, n: number): string {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n - 1)}\u2026` : s;
}
function implText(t: PageTarget | undefined): string {
  if (!t) return '';
  return t.implementation ? `${t.implementation.name} ${t.implementation.version}` : t.name;
}
function headRow(names: string[]): HTMLElement {
  return el(
    'tr',
    null,
    names.map((h) => el('th', { scope: 'col', text: h })),
  );
}
