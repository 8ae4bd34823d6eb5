/**
 * Shrink candidates of a cookie scenario, largest cuts first: the steps
 * delta debugging tries (runner/fuzz/engine.ts takes the first one that keeps
 * the targets' partition). Whole requests and whole lines go first, then
 * simpler URLs, clock advances,
 * attributes (a line's ";"-separated parts after the first), then octets, in
 * ddmin's order: halves, quarters, ... down to single octets, each chunk
 * removed from its line (the complements of ddmin's subsets).
 */
import type { HeaderValue } from '../bytes.js';
import { line, octets, usable, type CookieScenario } from './scenario.js';

/** At most this many octet cuts per line, the largest chunks first: a 4 kB line would have 8000. */
const MAX_OCTET_CUTS = 256;

function withLine(s: CookieScenario, req: number, k: number, value: HeaderValue | undefined): CookieScenario {
  return {
    from: s.from,
    requests: s.requests.map((r, i) =>
      i !== req ? r : { ...r, setCookie: value === undefined ? r.setCookie.filter((_, j) => j !== k) : r.setCookie.map((l, j) => (j === k ? value : l)) },
    ),
  };
}

/** Removals of each ";"-separated part of the line after its name-value pair. */
function attributeCuts(bytes: Buffer): Buffer[] {
  const cuts: Buffer[] = [];
  const semis = [...bytes.entries()].filter(([, b]) => b === 0x3b).map(([i]) => i);
  semis.forEach((start, n) => {
    const end = semis[n + 1] ?? bytes.length;
    cuts.push(Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]));
  });
  return cuts;
}

/** ddmin's complements: the line without each of its n chunks, for n = 2, 4, 8, ... */
function octetCuts(bytes: Buffer): Buffer[] {
  const cuts: Buffer[] = [];
  for (let n = 2; cuts.length < MAX_OCTET_CUTS; n *= 2) {
    const size = Math.ceil(bytes.length / n);
    for (let start = 0; start < bytes.length && cuts.length < MAX_OCTET_CUTS; start += size)
      cuts.push(Buffer.concat([bytes.subarray(0, start), bytes.subarray(start + size)]));
    if (size <= 1) break;
  }
  return cuts;
}

export function shrinkScenario(s: CookieScenario): CookieScenario[] {
  const out: CookieScenario[] = [];
  if (s.requests.length > 1) s.requests.forEach((_, i) => out.push({ from: s.from, requests: s.requests.filter((__, j) => j !== i) }));
  s.requests.forEach((r, i) => r.setCookie.forEach((_, k) => out.push(withLine(s, i, k, undefined))));
  // Simpler URLs: the first request's URL for every other one, and paths cut to "/".
  s.requests.forEach((r, i) => {
    const root = new URL(r.url);
    if (root.pathname !== '/') out.push({ from: s.from, requests: s.requests.map((q, j) => (j === i ? { ...q, url: `${root.origin}/` } : q)) });
  });
  // No clock advance before a request.
  s.requests.forEach((r, i) => {
    if (r.advance) out.push({ from: s.from, requests: s.requests.map((q, j) => (j === i ? { url: q.url, setCookie: q.setCookie } : q)) });
  });
  for (const cut of [attributeCuts, octetCuts])
    s.requests.forEach((r, i) => r.setCookie.forEach((l, k) => cut(octets(l)).forEach((b) => out.push(withLine(s, i, k, line(b))))));
  return out.filter(usable);
}
