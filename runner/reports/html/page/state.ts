/* State: the filters and the open cell, kept in location.hash. */

interface PageState {
  targets: string[];
  verdicts: string[];
  levels: string[];
  section: string;
  q: string;
  open: { vector: string; target: string } | null;
}
function emptyState(): PageState {
  return { targets: [], verdicts: [], levels: [], section: '', q: '', open: null };
}
let state = emptyState();

/** The fragment's key=value pairs, percent-decoded. Unlike URLSearchParams, a "+" stays a plus: interop target ids are "client+server". */
function hashPairs(hash: string) {
  const map = new Map<string, string[]>();
  for (const part of String(hash || '')
    .replace(/^#/, '')
    .split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    let k = i < 0 ? part : part.slice(0, i);
    let v = i < 0 ? '' : part.slice(i + 1);
    try {
      k = decodeURIComponent(k);
      v = decodeURIComponent(v);
    } catch {
      continue;
    }
    if (!map.has(k)) map.set(k, []);
    map.get(k)!.push(v);
  }
  return { getAll: (k: string) => map.get(k) ?? [], get: (k: string) => (map.has(k) ? map.get(k)![0]! : null) };
}
function parseHash(hash: string): PageState {
  const p = hashPairs(hash);
  const s = emptyState();
  s.targets = p.getAll('target').filter(Boolean);
  s.verdicts = p.getAll('verdict').filter((v) => (VERDICTS as string[]).indexOf(v) >= 0);
  s.levels = p.getAll('level').filter((l) => LEVELS.indexOf(l) >= 0);
  s.section = p.get('section') || '';
  s.q = p.get('q') || '';
  const open = p.get('open');
  if (open) {
    const i = open.indexOf('|');
    if (i > 0) s.open = { vector: open.slice(0, i), target: open.slice(i + 1) };
  }
  return s;
}
/** encodeURIComponent, leaving the characters a fragment may hold as they are, for readable links. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%7C/g, '|').replace(/%40/g, '@').replace(/%2B/g, '+');
}
function formatHash(s: PageState): string {
  const parts: string[] = [];
  for (const t of s.targets) parts.push(`target=${enc(t)}`);
  for (const v of s.verdicts) parts.push(`verdict=${enc(v)}`);
  if (s.section) parts.push(`section=${enc(s.section)}`);
  for (const l of s.levels) parts.push(`level=${enc(l)}`);
  if (s.q) parts.push(`q=${enc(s.q)}`);
  if (s.open) parts.push(`open=${enc(`${s.open.vector}|${s.open.target}`)}`);
  return parts.length ? `#${parts.join('&')}` : '';
}
function writeHash(): void {
  const h = formatHash(state);
  const base = location.href.split('#')[0];
  if ((location.hash || '') !== h) history.replaceState(null, '', h ? base + h : base);
}

function sectionMatches(v: PageVector): boolean {
  if (!state.section) return true;
  const i = state.section.indexOf(':');
  if (i < 0) return false;
  const doc = state.section.slice(0, i);
  const sec = state.section.slice(i + 1);
  return v.group.doc === doc && (v.group.section === sec || v.group.section.indexOf(`${sec}.`) === 0);
}
function vectorMatches(v: PageVector): boolean {
  if (state.levels.length && state.levels.indexOf(v.level) < 0) return false;
  if (!sectionMatches(v)) return false;
  if (state.q) {
    const hay = `${v.id}\n${v.title}`.toLowerCase();
    for (const w of state.q.toLowerCase().split(/\s+/).filter(Boolean)) if (hay.indexOf(w) < 0) return false;
  }
  return true;
}
function targetShown(id: string): boolean {
  return state.targets.length === 0 || state.targets.indexOf(id) >= 0;
}
function verdictShown(v: string): boolean {
  return state.verdicts.length === 0 || state.verdicts.indexOf(v) >= 0;
}
