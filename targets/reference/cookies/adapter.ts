/**
 * The reference engine's side of the cookie suite's adapter contract: a fresh
 * store per vector, the clock set to each request's time, and the browser
 * context (same-site status, top-level navigation) worked out the way a browser
 * works it out from the request's initiator.
 */
import { CookieStore, isSameSite, requestUrl, type RequestContext } from './index.js';
import type { ProfileName } from './profile.js';
import { documentSiteForCookies, sameSite as sameSiteOrigins, workerSiteForCookies, type DocumentItem, type Site } from './site-for-cookies.js';

interface RunRequest {
  url: string;
  method: string;
  now?: number;
  context?: { initiator?: string; destination?: 'document' | 'iframe' | 'image' | 'worker' | 'shared-worker'; top?: string; sandbox?: true };
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

/**
 * The site for cookies of the request's client (undefined: no client, a typed
 * URL). The client is the initiator document (§5.2.1), framed in the top
 * document when there is one; or, for a worker destination, the worker it
 * starts (§5.2.2.1), whose origin is the initiator's (a worker's script is
 * same-origin with the document that starts it) and which is bound to that
 * document alone (a fresh shared worker has one document).
 */
function clientSite(context: RunRequest['context']): Site | undefined {
  if (context?.initiator === undefined) return undefined;
  const initiator: DocumentItem = { url: new URL(context.initiator), sandboxed: context.sandbox === true };
  const chain = context.top ? [{ url: new URL(context.top), sandboxed: false }, initiator] : [initiator];
  const destination = context.destination ?? 'document';
  if (destination === 'worker' || destination === 'shared-worker') return workerSiteForCookies(new URL(initiator.url.origin), [chain]);
  return documentSiteForCookies(chain);
}

/** §5.2: same-site when the request's client is null (typed URL) or its site for cookies is same-site. */
function requestContext(r: RunRequest, url: URL): RequestContext {
  const site = clientSite(r.context);
  const sameSite = site === undefined || sameSiteOrigins(site, url) ? 'same-site' : 'cross-site';
  return { api: 'HTTP', sameSite, method: r.method, topLevelNavigation: (r.context?.destination ?? 'document') === 'document' };
}

/**
 * §5.8.2: a script's retrievals and writes are "non-HTTP", and same-site when
 * the document's "site for cookies" is same-site with the top-level origin
 * (§5.2.1). A document the request loads at top level is its own top-level
 * origin; a frame is same-site when its origin is same-site with the page
 * that holds it (the initiator, itself loaded at top level).
 */
function scriptContext(r: RunRequest, url: URL): RequestContext {
  const framed = r.context?.destination === 'iframe' && r.context.initiator !== undefined;
  const sameSite = !framed || isSameSite(new URL(r.context!.initiator!), url) ? 'same-site' : 'cross-site';
  return { api: 'non-HTTP', sameSite };
}

/** Runs a request's document.cookie operations: a write is received from a non-HTTP API, a read is a non-HTTP retrieval. */
function runScript(store: CookieStore, r: RunRequest, url: URL): string[] {
  if (!r.script) return [];
  const ctx = scriptContext(r, url);
  const reads: string[] = [];
  for (const op of r.script) {
    // document.cookie is a string; the store works on octets (UTF-8 on the wire).
    if ('set' in op) store.setCookie(Buffer.from(op.set, 'utf8').toString('latin1'), url, ctx);
    else reads.push(Buffer.from(store.getCookieString(url, ctx) ?? '', 'latin1').toString('utf8'));
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
    // The request's URL is parsed once; the store reads it for every cookie of the request.
    const url = new URL(r.url);
    const ctx = requestContext(r, url);
    const parts = requestUrl(url);
    const header = store.getCookieString(parts, ctx);
    // The contract carries header octets in base64; atob and btoa go straight between base64 and a string of one char
    // per octet (latin1), the form the store works on, in about a third of the time of Buffer and back.
    cookies.push(header === null ? null : btoa(header));
    for (const line of r.response.setCookie) store.setCookie(atob(line), parts, ctx);
    reads.push(runScript(store, r, url));
  }
  return params.requests.some((r) => r.script) ? { cookies, reads } : { cookies };
}
