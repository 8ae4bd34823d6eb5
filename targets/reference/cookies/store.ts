/**
 * rfc6265bis §5.7 "Storage Model" and §5.8 "Retrieval Model": a user agent's
 * cookie store. It does no I/O and reads time only from the injected clock.
 */
import { getDomain, getPublicSuffix } from 'tldts';
import { CookieIndex, type PathCookies } from './cookie-index.js';
import { canonicalizeHost as canonicalizeHostOnce, domainMatch } from './host.js';
import { memoize } from './memo.js';
import { parseSetCookie, hasControlCharacter, type CookieAttribute, type SameSiteValue } from './parse.js';
import { defaultPath, pathMatch } from './path.js';
import { PROFILES, type Profile, type ProfileName } from './profile.js';

export interface Cookie {
  name: string;
  value: string;
  expiryTime: number;
  domain: string;
  path: string;
  creationTime: number;
  lastAccessTime: number;
  persistent: boolean;
  hostOnly: boolean;
  secureOnly: boolean;
  httpOnly: boolean;
  sameSite: SameSiteValue;
  /** Tie-breaker for equal creation times: insertion order, so "earlier" is always decidable. */
  serial: number;
  /** What §5.8.3 step 6 outputs for the cookie (its name, "=" and its value; or its value alone), worked out once when it is stored. */
  pair: string;
}

/** What the store needs to know about the request a cookie came from, or is retrieved for. */
export interface RequestContext {
  /** "HTTP" for Set-Cookie and Cookie header fields; "non-HTTP" for script APIs. */
  api?: 'HTTP' | 'non-HTTP';
  /** The request's same-site status (§5.2). Default: same-site. */
  sameSite?: 'same-site' | 'cross-site';
  /** The request navigates a top-level traversable. Default: true. */
  topLevelNavigation?: boolean;
  /** The request's method. Default: GET. */
  method?: string;
}

export interface StoreOptions {
  profile?: ProfileName;
  /** The clock, in milliseconds since the epoch. */
  now: () => number;
  /** §5.7 step 9: whether the user agent rejects public suffixes. Default: true. */
  rejectPublicSuffixes?: boolean;
  /** Implementation-defined limits (§5.7 "remove excess cookies"; §6.1 asks for at least 50 and 3000). */
  maxCookiesPerDomain?: number;
  maxCookies?: number;
  /**
   * §5.6.7.2 "Lax-allowing-unsafe": a Default cookie at most this old (ms) is also sent with
   * cross-site top-level navigations of unsafe methods. Default: off (only safe methods).
   */
  laxAllowingUnsafeMs?: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** A safe method (HTTP's, matched without regard to case): most requests say GET, so no upper-case copy for those. */
function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method) || SAFE_METHODS.has(method.toUpperCase());
}

/** Only US-ASCII characters (a loop, not a regex: it runs for every Set-Cookie field, most of which have no Domain). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
const LATEST = 8.64e15;

/** Is the domain a public suffix, by the Public Suffix List (ICANN and private sections)? */
function isPublicSuffixOnce(domain: string): boolean {
  if (domain === '') return false;
  return getPublicSuffix(domain, { allowPrivateDomains: true }) === domain;
}

/** isPublicSuffix, remembered for the Domain attributes a store meets again and again. */
export const isPublicSuffix = memoize(isPublicSuffixOnce);

/** §5.1.2, remembered: a store canonicalizes the same few hosts again and again. */
const canonicalizeHost = memoize(canonicalizeHostOnce);

/** A canonicalized request-host and the domains it can domain-match (§5.1.3): itself, then each of its parent domains. */
interface RequestHost {
  host: string;
  domains: readonly string[];
  /** For each of `domains`, whether it is a public suffix: asked once per host, not at every retrieval. */
  publicSuffix: readonly boolean[];
}

/** The request-host of a host name (null when it cannot be canonicalized), remembered like canonicalizeHost. */
const requestHostOf = memoize((hostname: string): RequestHost | null => {
  const host = canonicalizeHost(hostname);
  if (host === null) return null;
  const domains = [host];
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) domains.push(host.slice(dot + 1));
  // Not through isPublicSuffix's memory: the answers are remembered here, with the host, and that memory is for Domain attributes.
  return { host, domains, publicSuffix: domains.map((domain) => isPublicSuffixOnce(domain)) };
});

/** The site of a host, remembered like the Public Suffix List's other answers. */
const siteOfHost = memoize((host: string): string => getDomain(host, { allowPrivateDomains: true }) ?? host);

/** The site of a URL's host, as HTML's "same site" uses it: the registrable domain, or the host itself. */
export function siteOf(url: URL): string {
  return siteOfHost(url.hostname.toLowerCase());
}

/** Schemeful same-site: the same scheme and the same site. */
export function isSameSite(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && siteOf(a) === siteOf(b);
}

/**
 * The parts of a request's URL the store reads. A URL is one; a caller that
 * hands the same request to the store many times (a response with many
 * Set-Cookie fields) can pass them read once (see `requestUrl`), since a URL's
 * getters work them out afresh at every read.
 */
export interface RequestUrl {
  readonly protocol: string;
  readonly hostname: string;
  readonly pathname: string;
}

/** A URL's parts as plain fields, read once. */
export function requestUrl(url: URL): RequestUrl {
  return { protocol: url.protocol, hostname: url.hostname, pathname: url.pathname };
}

/** A "secure" connection: the user agent here counts https (and wss) as secure. */
function isSecureScheme(url: RequestUrl): boolean {
  return url.protocol === 'https:' || url.protocol === 'wss:';
}

/** What §5.8.3 step 3 asks of the retrieval, worked out once for all its cookies. */
interface Retrieval {
  path: string;
  secure: boolean;
  api: 'HTTP' | 'non-HTTP';
  crossSite: boolean;
  safe: boolean;
  topLevel: boolean;
  now: number;
}

function last<T extends CookieAttribute['name']>(list: CookieAttribute[], name: T): Extract<CookieAttribute, { name: T }> | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.name === name) return list[i] as Extract<CookieAttribute, { name: T }>;
  return undefined;
}

export class CookieStore {
  readonly profile: Profile;
  private readonly now: () => number;
  private readonly rejectPublicSuffixes: boolean;
  private readonly maxPerDomain: number;
  private readonly maxTotal: number;
  private readonly laxAllowingUnsafeMs: number | undefined;
  /** The stored cookies, indexed by domain (cookie-index.ts); a walk over all of them is rare. */
  private cookies = new CookieIndex<Cookie>(retrievalOrder);
  private serial = 0;

  constructor(options: StoreOptions) {
    this.profile = PROFILES[options.profile ?? 'rfc6265bis'];
    this.now = options.now;
    this.rejectPublicSuffixes = options.rejectPublicSuffixes ?? true;
    this.maxPerDomain = options.maxCookiesPerDomain ?? 180;
    this.maxTotal = options.maxCookies ?? 3000;
    this.laxAllowingUnsafeMs = options.laxAllowingUnsafeMs;
  }

  /**
   * Receives a set-cookie-string from a request-uri (§5.6 then §5.7). Returns the
   * stored cookie, or a reason it was ignored.
   */
  setCookie(setCookieString: string, requestUri: string | RequestUrl, context: RequestContext = {}): Cookie | { ignored: string } {
    const url = typeof requestUri === 'string' ? new URL(requestUri) : requestUri;
    const now = this.now();
    const p = this.profile;
    const api = context.api ?? 'HTTP';
    const parsed = parseSetCookie(setCookieString, { profile: p, now, requestPath: url.pathname });
    if (!parsed) return { ignored: 'the set-cookie-string was ignored by the parsing algorithm (§5.6)' };
    const { name, value, attributes } = parsed;

    // Step 2: nameless and valueless.
    if (name === '' && value === '') return { ignored: 'empty name and empty value (step 2)' };
    // Step 3: CTLs in name or value (the parser rejects them earlier for HTTP; non-HTTP callers reach here too).
    if (p.rejectControlCharacters && (hasControlCharacter(name) || hasControlCharacter(value)))
      return { ignored: 'control character in name or value (step 3)' };
    // Step 4: size.
    if (p.nameValueLimit !== null && name.length + value.length > p.nameValueLimit) return { ignored: 'name and value longer than 4096 octets (step 4)' };

    // Step 5. (The fields a retrieval reads of every cookie it meets come first, so that they share the
    // object's first bytes: on a store of many cookies, its time goes mostly in fetching those from memory.)
    const cookie: Cookie = {
      hostOnly: true,
      secureOnly: false,
      httpOnly: false,
      sameSite: 'Default',
      pair: serializeCookie(name, value, p),
      lastAccessTime: now,
      creationTime: now,
      serial: ++this.serial,
      path: '',
      name,
      value,
      expiryTime: LATEST,
      domain: '',
      persistent: false,
    };

    // Step 6: Max-Age wins over Expires; the last of each counts.
    const maxAge = last(attributes, 'Max-Age');
    const expires = last(attributes, 'Expires');
    if (maxAge) {
      cookie.persistent = true;
      cookie.expiryTime = maxAge.value;
    } else if (expires) {
      cookie.persistent = true;
      cookie.expiryTime = expires.value;
    }

    // Step 7: the last Domain attribute.
    let domainAttribute = last(attributes, 'Domain')?.value ?? '';

    // Step 8: the Domain attribute must be US-ASCII.
    if (p.requireAsciiDomain && !isAscii(domainAttribute)) return { ignored: 'Domain attribute has a character outside US-ASCII (step 8)' };

    // Step 9: public suffixes.
    const requestHost = canonicalizeHost(url.hostname);
    if (this.rejectPublicSuffixes && isPublicSuffix(domainAttribute)) {
      if (requestHost === null) return { ignored: 'request-host cannot be canonicalized (step 9)' };
      if (domainAttribute === requestHost) domainAttribute = '';
      else return { ignored: `Domain attribute "${domainAttribute}" is a public suffix (step 9)` };
    }

    // Step 10: domain cookie or host-only cookie.
    if (requestHost === null) return { ignored: 'request-host cannot be canonicalized (step 10)' };
    if (domainAttribute !== '') {
      if (!domainMatch(requestHost, domainAttribute)) return { ignored: `request-host "${requestHost}" does not domain-match "${domainAttribute}" (step 10)` };
      cookie.hostOnly = false;
      cookie.domain = domainAttribute;
    } else {
      cookie.hostOnly = true;
      cookie.domain = requestHost;
    }

    // Step 11: the last Path attribute, or the default-path.
    const pathAttribute = last(attributes, 'Path');
    cookie.path = pathAttribute ? pathAttribute.value : defaultPath(url.pathname);

    // Steps 12 and 13: Secure, which only a secure origin may set.
    cookie.secureOnly = last(attributes, 'Secure') !== undefined;
    const secureOrigin = isSecureScheme(url);
    if (p.secureOriginRules && !secureOrigin && cookie.secureOnly) return { ignored: 'Secure cookie from a non-secure origin (step 13)' };

    // Steps 14 and 15: HttpOnly, which script may not set.
    cookie.httpOnly = last(attributes, 'HttpOnly') !== undefined;
    if (api === 'non-HTTP' && cookie.httpOnly) return { ignored: 'HttpOnly cookie from a non-HTTP API (step 15)' };

    // Step 16: an insecure origin may not overlay an existing Secure cookie.
    if (p.secureOriginRules && !cookie.secureOnly && !secureOrigin) {
      this.evictExpired(now);
      const shadowed = some(
        this.cookies.secureNamed(cookie.name),
        (old) =>
          old.name === cookie.name &&
          old.secureOnly &&
          (domainMatch(old.domain, cookie.domain) || domainMatch(cookie.domain, old.domain)) &&
          pathMatch(cookie.path, old.path),
      );
      if (shadowed) return { ignored: 'would overlay a Secure cookie from a non-secure origin (step 16)' };
    }

    if (p.sameSite) {
      // Step 17: the last SameSite attribute, when one carries a known value.
      const sameSite = last(attributes, 'SameSite');
      const anyKnown = attributes.some((a) => a.name === 'SameSite' && a.value !== 'Default');
      cookie.sameSite = anyKnown && sameSite ? sameSite.value : 'Default';

      // Step 18: a cookie that is not SameSite=None is only set by same-site requests or top-level navigations.
      if (cookie.sameSite !== 'None') {
        const sameSiteRequest = (context.sameSite ?? 'same-site') === 'same-site';
        if (api === 'non-HTTP' && !sameSiteRequest) return { ignored: 'non-HTTP API in a cross-site context set a SameSite cookie (step 18)' };
        const topLevel = context.topLevelNavigation ?? true;
        if (!sameSiteRequest && !(api === 'HTTP' && topLevel))
          return { ignored: 'cross-site subresource or nested navigation set a SameSite cookie (step 18)' };
      }

      // Step 19: SameSite=None needs Secure.
      if (cookie.sameSite === 'None' && !cookie.secureOnly) return { ignored: 'SameSite=None without Secure (step 19)' };
    }

    if (p.namePrefixes) {
      const lowerName = cookie.name.toLowerCase();
      // Step 20: __Secure- needs Secure.
      if (lowerName.startsWith('__secure-') && !cookie.secureOnly) return { ignored: '__Secure- prefix without Secure (step 20)' };
      // Step 21: __Host- needs Secure, host-only, and an explicit Path=/.
      if (lowerName.startsWith('__host-') && !(cookie.secureOnly && cookie.hostOnly && pathAttribute !== undefined && cookie.path === '/'))
        return { ignored: '__Host- prefix without Secure, host-only and Path=/ (step 21)' };
      // Step 22: a nameless cookie must not look like a prefixed one.
      if (cookie.name === '') {
        const lowerValue = cookie.value.toLowerCase();
        if (lowerValue.startsWith('__secure-') || lowerValue.startsWith('__host-'))
          return { ignored: 'nameless cookie whose value starts with a prefix (step 22)' };
      }
    }

    // Step 23: replace the cookie with the same identity, keeping its creation-time.
    const old = sameIdentity(this.cookies.identityCandidates(cookie.domain, cookie.path, cookie.name), cookie, p);
    if (old) {
      if (api === 'non-HTTP' && old.httpOnly) return { ignored: 'non-HTTP API may not replace an HttpOnly cookie (step 23)' };
      cookie.creationTime = old.creationTime;
      cookie.serial = old.serial;
    }

    // Step 23's removal of the old cookie and step 24's insertion of the new one (in one, when there is an
    // old one: the new cookie takes its place in the index), then the store's housekeeping: expired
    // cookies go at once, excess ones by priority.
    if (old) this.cookies.replace(old, cookie);
    else this.cookies.add(cookie);
    this.evictExpired(now);
    this.removeExcess(cookie.domain);
    return cookie;
  }

  /**
   * The cookie-string for a retrieval (§5.8.3), or null when no cookie applies,
   * in which case the user agent sends no Cookie header field at all.
   */
  getCookieString(retrievalUri: string | RequestUrl, context: RequestContext = {}): string | null {
    const url = typeof retrievalUri === 'string' ? new URL(retrievalUri) : retrievalUri;
    const now = this.now();
    const api = context.api ?? 'HTTP';
    // Steps 1 and 2.
    const target = requestHostOf(url.hostname);
    if (target === null) return null;
    const { host } = target;
    const secure = isSecureScheme(url);
    const crossSite = (context.sameSite ?? 'same-site') === 'cross-site';
    const safe = context.method === undefined || isSafeMethod(context.method);
    const topLevel = context.topLevelNavigation ?? true;

    // Step 3: the cookies that apply. The index holds them by domain and path, and only the
    // host's own domain and its parent domains, and the paths the request-path path-matches,
    // can match (cookie-index.ts); what step 3 asks of a cookie's domain is asked once per domain,
    // and of a domain cookie's only when there is one, and of its path once per path.
    const request: Retrieval = { path: url.pathname, secure, api, crossSite, safe, topLevel, now };
    this.evictExpired(now);
    const list: Cookie[] = [];
    for (let d = 0; d < target.domains.length; d++) {
      const domain = target.domains[d]!;
      const hostOnlyApply = host === domain;
      const publicSuffix = this.rejectPublicSuffixes && target.publicSuffix[d]!;
      // A parent domain that is a public suffix gives nothing: its host-only cookies are for itself, its domain cookies are refused (below).
      if (publicSuffix && !hostOnlyApply) continue;
      const paths = this.cookies.pathsOf(domain);
      if (paths.length === 0) continue;
      const found = list.length;
      let domainCookiesApply: boolean | undefined;
      for (const { path, cookies } of paths) {
        if (!pathMatch(request.path, path)) continue;
        for (const c of cookies) {
          if (c.hostOnly ? !hostOnlyApply : !(domainCookiesApply ??= this.domainCookiesApply(host, domain, publicSuffix))) continue;
          if (this.applies(c, request)) list.push(c);
        }
      }
      // Step 4: longer paths first, then earlier creation-times. The index gives each domain's
      // cookies in that order already; those of a second domain are merged in.
      if (found > 0 && list.length > found) mergeRun(list, found, retrievalOrder);
    }
    if (list.length === 0) return null;

    // Steps 5 and 6 (each cookie's step 6 output was worked out when it was stored).
    let cookieString = list[0]!.pair;
    list[0]!.lastAccessTime = now;
    for (let i = 1; i < list.length; i++) {
      list[i]!.lastAccessTime = now;
      cookieString += '; ' + list[i]!.pair;
    }
    return cookieString;
  }

  /**
   * §5.8.3 step 3, for a domain cookie: the host domain-matches its domain, which is no public suffix
   * (the list may have changed since the cookie was stored); `publicSuffix` says whether it is one, when the store rejects them.
   */
  private domainCookiesApply(host: string, domain: string, publicSuffix: boolean): boolean {
    return domainMatch(host, domain) && !publicSuffix;
  }

  /** §5.8.3 step 3, the rest of it: does the cookie, whose domain and path apply, go with this retrieval? */
  private applies(c: Cookie, r: Retrieval): boolean {
    if (c.secureOnly && !r.secure) return false;
    if (c.httpOnly && r.api === 'non-HTTP') return false;
    if (this.profile.sameSite && c.sameSite !== 'None' && r.crossSite) {
      // §5.6.7.2 replaces the safe-method test: a young enough Default cookie passes it too.
      const young = this.laxAllowingUnsafeMs !== undefined && c.sameSite === 'Default' && r.now - c.creationTime <= this.laxAllowingUnsafeMs;
      const laxAllowed = r.api === 'HTTP' && (c.sameSite === 'Lax' || c.sameSite === 'Default') && (r.safe || young) && r.topLevel;
      if (!laxAllowed) return false;
    }
    return true;
  }

  /** The stored cookies that are not expired, in insertion order. */
  all(): Cookie[] {
    this.evictExpired(this.now());
    return [...this.cookies.values()].map((c) => ({ ...c }));
  }

  /** "The current session is over": session cookies go. */
  endSession(): void {
    for (const c of [...this.cookies.values()]) if (!c.persistent) this.cookies.remove(c);
  }

  /** §5.7: at any time an expired cookie exists, it is evicted. (The index knows when none can exist.) */
  private evictExpired(now: number): void {
    this.cookies.removeExpired(now);
  }

  /**
   * §5.7 "remove excess cookies", in the priority order the section gives,
   * after a cookie was stored for `domain` (priority 1, the expired cookies,
   * went just before). Only that domain can have grown past its bound.
   */
  private removeExcess(domain: string): void {
    // Priority 2: the domain's insecure cookies, when it holds too many.
    if (this.excessIn(domain) > 0) this.evict(this.cookies.pathsOf(domain), this.excessIn(domain), INSECURE_ONLY);
    // Priority 3: the domain's other cookies.
    if (this.excessIn(domain) > 0) this.evict(this.cookies.pathsOf(domain), this.excessIn(domain), ANY);
    // Priority 4: the whole store.
    const overall = this.cookies.size - this.maxTotal;
    if (overall > 0) this.evict(this.cookies.allPaths(), overall, ANY);
  }

  /** How many cookies the domain holds beyond its bound. */
  private excessIn(domain: string): number {
    return this.cookies.countWithDomain(domain) - this.maxPerDomain;
  }

  /** Evicts the `howMany` cookies of the earliest last-access-time among the eligible candidates (ties: the earlier stored). */
  private evict(candidates: readonly PathCookies<Cookie>[], howMany: number, eligible: Eligible): void {
    for (const victim of earliestAccessed(candidates, howMany, eligible)) this.cookies.remove(victim);
  }
}

/** Does any item satisfy the predicate? (Array.prototype.some for any iterable.) */
function some<T>(items: Iterable<T>, predicate: (item: T) => boolean): boolean {
  for (const item of items) if (predicate(item)) return true;
  return false;
}

/** §5.7 step 23: among the candidates (stored cookies of the new one's domain and path), the one of the same identity. */
function sameIdentity(candidates: readonly Cookie[], cookie: Cookie, p: Profile): Cookie | undefined {
  for (const old of candidates) if (old.name === cookie.name && (!p.hostOnlyInIdentity || old.hostOnly === cookie.hostOnly)) return old;
  return undefined;
}

/** §5.8.3 step 4: longer paths first, then earlier creation-times (then the earlier stored). */
const retrievalOrder = (a: Cookie, b: Cookie) => b.path.length - a.path.length || a.creationTime - b.creationTime || a.serial - b.serial;

/** Merges list[from..] into list[..from], both in `order`, leaving the whole list in `order` (one step of a merge sort). */
function mergeRun<T>(list: T[], from: number, order: (a: T, b: T) => number): void {
  const left = list.slice(0, from);
  let i = 0;
  let j = from;
  let k = 0;
  while (i < left.length && j < list.length) list[k++] = order(list[j]!, left[i]!) < 0 ? list[j++]! : left[i++]!;
  while (i < left.length) list[k++] = left[i++]!;
}

const accessOrder = (a: Cookie, b: Cookie) => a.lastAccessTime - b.lastAccessTime || a.serial - b.serial;

/**
 * Which candidates a removal of excess cookies may take: any, or only those
 * without the secure-only-flag (priority 2). A flag and not a predicate: the
 * walk below is the store's hottest loop at its bounds, and a call through a
 * predicate that varies from call to call makes it several times slower.
 */
type Eligible = typeof ANY | typeof INSECURE_ONLY;
const ANY = 0;
const INSECURE_ONLY = 1;

/**
 * The `howMany` first eligible cookies in access order: one pass for a single
 * one (the usual case at the store's bound), else a sort. The candidates are
 * the index's own lists (a domain's, or every domain's), walked where they
 * are and not copied first; always arrays of lists, so that the walk is
 * compiled for one kind of collection. The victims are returned before any
 * is removed from those lists.
 */
function earliestAccessed(candidates: readonly PathCookies<Cookie>[], howMany: number, eligible: Eligible): Cookie[] {
  if (howMany === 1) {
    let first: Cookie | undefined;
    for (let p = 0; p < candidates.length; p++) {
      const cookies = candidates[p]!.cookies;
      for (let i = 0; i < cookies.length; i++) {
        const c = cookies[i]!;
        if ((eligible === ANY || !c.secureOnly) && (first === undefined || accessOrder(c, first) < 0)) first = c;
      }
    }
    return first ? [first] : [];
  }
  const eligibleOnes: Cookie[] = [];
  for (const { cookies } of candidates) for (const c of cookies) if (eligible === ANY || !c.secureOnly) eligibleOnes.push(c);
  return eligibleOnes.sort(accessOrder).slice(0, howMany);
}

/** §5.8.3 step 6 (6265 §5.4 step 4 always writes the "=": nameless cookies cannot exist there). */
function serializeCookie(name: string, value: string, p: Profile): string {
  if (name === '' && p.allowNamelessCookies) return value;
  return `${name}=${value}`;
}
