/**
 * The reference engine's side of the cookie suite's adapter contract: a fresh
 * store per vector, the clock set to each request's time, and the browser
 * context (same-site status, top-level navigation) worked out the way a browser
 * works it out from the request's initiator.
 */
import { CookieStore, isSameSite, type RequestContext } from './index.js';
import type { ProfileName } from './profile.js';

interface RunRequest {
  url: string;
  method: string;
  now?: number;
  context?: { initiator?: string; destination?: 'document' | 'iframe' | 'image' };
  response: { status: number; setCookie: string[]; location?: string };
  script?: ({ set: string } | { read: true })[];
}

export interface CookiesRunParams {
  vector: string;
  profile?: string;
  requests: RunRequest[];
}

/** How long after its creation a Default cookie still goes with a cross-site top-level POST. */
export const LAX_ALLOWING_UNSAFE_MS = 2 * 60 * 1000;

/** §5.2: same-site when the request's client is null (typed URL) or its site for cookies is same-site. */
function requestContext(r: RunRequest): RequestContext {
  const url = new URL(r.url);
  const initiator = r.context?.initiator;
  const sameSite = initiator === undefined || isSameSite(new URL(initiator), url) ? 'same-site' : 'cross-site';
  return { api: 'HTTP', sameSite, method: r.method, topLevelNavigation: (r.context?.destination ?? 'document') === 'document' };
}

/**
 * §5.8.2: a script's retrievals and writes are "non-HTTP", and same-site when
 * the document's "site for cookies" is same-site with the top-level origin
 * (§5.2.1). A document the request loads at top level is its own top-level
 * origin; a frame is same-site when its origin is same-site with the page
 * that holds it (the initiator, itself loaded at top level).
 */
function scriptContext(r: RunRequest): RequestContext {
  const framed = r.context?.destination === 'iframe' && r.context.initiator !== undefined;
  const sameSite = !framed || isSameSite(new URL(r.context!.initiator!), new URL(r.url)) ? 'same-site' : 'cross-site';
  return { api: 'non-HTTP', sameSite };
}

/** Runs a request's document.cookie operations: a write is received from a non-HTTP API, a read is a non-HTTP retrieval. */
function runScript(store: CookieStore, r: RunRequest): string[] {
  const ctx = scriptContext(r);
  const reads: string[] = [];
  for (const op of r.script ?? []) {
    // document.cookie is a string; the store works on octets (UTF-8 on the wire).
    if ('set' in op) store.setCookie(Buffer.from(op.set, 'utf8').toString('latin1'), r.url, ctx);
    else reads.push(Buffer.from(store.getCookieString(r.url, ctx) ?? '', 'latin1').toString('utf8'));
  }
  return reads;
}

export function runCookieVector(params: CookiesRunParams): { cookies: (string | null)[]; reads?: string[][] } {
  let now = Date.now();
  const profile: ProfileName = params.profile === 'rfc6265' ? 'rfc6265' : 'rfc6265bis';
  // Lax-allowing-unsafe (§5.6.7.2, a MAY) for Default cookies up to two minutes old, the age the section calls reasonable.
  const store = new CookieStore({ profile, now: () => now, laxAllowingUnsafeMs: LAX_ALLOWING_UNSAFE_MS });
  const cookies: (string | null)[] = [];
  const reads: string[][] = [];
  for (const r of params.requests) {
    now = r.now ?? Date.now();
    const ctx = requestContext(r);
    const header = store.getCookieString(r.url, ctx);
    cookies.push(header === null ? null : Buffer.from(header, 'latin1').toString('base64'));
    for (const line of r.response.setCookie) store.setCookie(Buffer.from(line, 'base64').toString('latin1'), r.url, ctx);
    reads.push(runScript(store, r));
  }
  return params.requests.some((r) => r.script) ? { cookies, reads } : { cookies };
}
