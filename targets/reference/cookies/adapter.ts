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
}

export interface CookiesRunParams {
  vector: string;
  profile?: string;
  requests: RunRequest[];
}

/** §5.2: same-site when the request's client is null (typed URL) or its site for cookies is same-site. */
function requestContext(r: RunRequest): RequestContext {
  const url = new URL(r.url);
  const initiator = r.context?.initiator;
  const sameSite = initiator === undefined || isSameSite(new URL(initiator), url) ? 'same-site' : 'cross-site';
  return { api: 'HTTP', sameSite, method: r.method, topLevelNavigation: (r.context?.destination ?? 'document') === 'document' };
}

export function runCookieVector(params: CookiesRunParams): { cookies: (string | null)[] } {
  let now = Date.now();
  const profile: ProfileName = params.profile === 'rfc6265' ? 'rfc6265' : 'rfc6265bis';
  const store = new CookieStore({ profile, now: () => now });
  const cookies: (string | null)[] = [];
  for (const r of params.requests) {
    now = r.now ?? Date.now();
    const ctx = requestContext(r);
    const header = store.getCookieString(r.url, ctx);
    cookies.push(header === null ? null : Buffer.from(header, 'latin1').toString('base64'));
    for (const line of r.response.setCookie) store.setCookie(Buffer.from(line, 'base64').toString('latin1'), r.url, ctx);
  }
  return { cookies };
}
