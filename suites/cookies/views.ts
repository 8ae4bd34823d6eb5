/**
 * How a cookie result reads in the reports: the exchange as a table of
 * requests (runner/view.ts), with what the client sent, what the vector
 * expected of the checked requests and the Set-Cookie fields it received.
 * The HTML report draws it; it knows nothing of cookies.
 */
import type { ResultRecord } from '../../runner/model.js';
import type { DetailView, ViewCell, ViewRow, ViewValue } from '../../runner/view.js';

/** A request of details.exchange as judge() records it; other fields (a later step kind's) are shown as they are. */
export interface ExchangeEntry {
  url: string;
  method: string;
  now?: string;
  cookie: unknown;
  setCookie: unknown[];
  [other: string]: unknown;
}

const KNOWN = new Set(['url', 'method', 'cookie', 'setCookie', 'now', 'documentCookie']);

/** A header value as octets would be read: a string, {hex} for bytes that are not UTF-8, null for none, {absent: true} for "no field at all". */
export function octets(v: unknown): ViewValue {
  if (v === null || v === undefined) return { text: '(none)', tone: 'muted' };
  if (typeof v === 'string') return { bytes: v, name: 'oct' };
  if (typeof v === 'object' && typeof (v as { hex?: unknown }).hex === 'string') return { hex: (v as { hex: string }).hex, name: 'oct' };
  if (typeof v === 'object' && (v as { absent?: unknown }).absent === true) return { text: '(no Cookie header field)', tone: 'muted' };
  return { text: JSON.stringify(v), code: true, name: 'oct' };
}

/** Each checked request's Cookie value, by request number: the {request, cookie} entries of expected or actual (other entries, a document.cookie read's, say, are not the header's). */
function byRequest(list: unknown): Map<number, unknown> {
  const m = new Map<number, unknown>();
  if (Array.isArray(list)) {
    for (const x of list)
      if (x && typeof x === 'object' && typeof (x as { request?: unknown }).request === 'number' && 'cookie' in x)
        m.set((x as { request: number }).request, (x as { cookie: unknown }).cookie);
  }
  return m;
}

/** Each document.cookie read's value, by "request:read": the {request, read, documentCookie} entries of expected or actual. */
function byRead(list: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(list)) {
    for (const x of list) {
      const o = x as { request?: unknown; read?: unknown; documentCookie?: unknown } | null;
      if (o && typeof o === 'object' && typeof o.request === 'number' && typeof o.read === 'number' && 'documentCookie' in o)
        m.set(`${o.request}:${o.read}`, o.documentCookie);
    }
  }
  return m;
}

/** The reads of a request's script: what each gave, checked against what the vector expects. */
function readsCell(n: number, got: unknown, wantReads: Map<string, unknown>, failed: boolean): { cell: ViewValue; bad: boolean } {
  const values = Array.isArray(got) ? got : [];
  let count = values.length;
  while (wantReads.has(`${n}:${count + 1}`)) count++;
  if (!count) return { cell: { text: '\u2014', tone: 'muted' }, bad: false };
  let anyBad = false;
  const items: ViewValue[] = [];
  for (let k = 1; k <= count; k++) {
    const value = values[k - 1];
    const shown: ViewValue =
      value === undefined ? { text: '(no value)', tone: 'muted' } : typeof value === 'string' ? { bytes: value } : { text: JSON.stringify(value), code: true };
    if (!wantReads.has(`${n}:${k}`)) {
      items.push(shown);
      continue;
    }
    const want = wantReads.get(`${n}:${k}`);
    const bad = failed && value !== want;
    anyBad ||= bad;
    items.push({
      seq: [
        bad ? { text: '\u2717 ', tone: 'bad', strong: true, title: 'differs' } : { text: '\u2713 ', tone: 'good', title: 'checked' },
        shown,
        ...(bad ? [{ text: ' expected ', tone: 'muted' as const }, octets(want)] : []),
      ],
    });
  }
  return { cell: { list: items, name: 'reads' }, bad: anyBad };
}

/**
 * The exchange table. A request is marked as differing when it is checked,
 * the result failed and the client's header is not the expected one.
 */
export function exchangeView(exchange: ExchangeEntry[], expected: unknown, actual: unknown, verdict: string): DetailView {
  const want = byRequest(expected);
  const got = byRequest(actual);
  const wantReads = byRead(expected);
  const hasNow = exchange.some((e) => e.now !== undefined);
  const hasReads = wantReads.size > 0 || exchange.some((e) => Array.isArray(e.documentCookie));
  const extra = exchange.some((e) => Object.keys(e).some((k) => !KNOWN.has(k)));
  const columns = [
    '#',
    'request',
    'Cookie sent',
    'expected Cookie',
    'Set-Cookie received',
    ...(hasReads ? ['document.cookie reads'] : []),
    ...(hasNow ? ['time'] : []),
    ...(extra ? ['other'] : []),
  ];
  const rows = exchange.map((e, i): ViewRow => {
    const n = i + 1;
    const checked = want.has(n);
    const bad = checked && verdict === 'fail' && got.has(n) && JSON.stringify(want.get(n)) !== JSON.stringify(got.get(n));
    const reads = hasReads ? readsCell(n, e.documentCookie, wantReads, verdict === 'fail') : undefined;
    const setCookie = Array.isArray(e.setCookie) ? e.setCookie : [];
    const cells: ViewCell[] = [
      { cell: String(n), num: true },
      { seq: [{ text: String(e.method ?? ''), strong: true }, ' ', { text: String(e.url), code: true }] },
      { cell: octets(e.cookie), name: 'sent', ...(bad ? { tone: 'del' as const } : {}) },
      {
        cell: checked
          ? {
              seq: [
                bad ? { text: '\u2717 ', tone: 'bad', strong: true, title: 'differs' } : { text: '\u2713 ', tone: 'good', title: 'checked' },
                octets(want.get(n)),
              ],
            }
          : { text: 'not checked', tone: 'muted' },
        name: 'want',
        ...(bad ? { tone: 'del' as const } : {}),
      },
      setCookie.length ? { list: setCookie.map(octets), name: 'setcookie' } : { text: '\u2014', tone: 'muted' },
    ];
    if (reads) cells.push(reads.cell);
    if (hasNow) cells.push({ cell: e.now ?? '', name: 'time' });
    if (extra) {
      const other = Object.fromEntries(Object.entries(e).filter(([k]) => !KNOWN.has(k)));
      cells.push(Object.keys(other).length ? { text: JSON.stringify(other), code: true } : '');
    }
    const differs = bad || !!reads?.bad;
    return { cells, name: `${checked ? 'checked' : 'unchecked'}${differs ? ' mismatch' : ''}`, data: { request: String(n) } };
  });
  return {
    title: 'Exchange',
    covers: ['exchange'],
    name: 'exchange',
    blocks: [
      {
        note: `Every request the client made, in order: the Cookie header it sent and the Set-Cookie fields of the response${hasReads ? ', and what its script read from document.cookie' : ''}. Checked requests are compared with the vector\u2019s expected header${hasReads ? ' and reads' : ''}.`,
      },
      { table: { columns, rows }, name: 'exchange http' },
    ],
  };
}

/** The views of a cookie result: its exchange, when it has one (an error before any request has none). */
export function cookieViews(r: ResultRecord): DetailView[] | undefined {
  const exchange = (r.details as { exchange?: unknown } | null | undefined)?.exchange;
  if (!Array.isArray(exchange) || !exchange.every((e) => e !== null && typeof e === 'object')) return undefined;
  return [exchangeView(exchange as ExchangeEntry[], r.expected, r.actual, r.verdict)];
}
