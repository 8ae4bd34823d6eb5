/**
 * The indexes of the reference cookie store, apart from the spec's steps so
 * that store.ts keeps reading as §5.7 and §5.8. None of them changes what the
 * store decides; each one only spares it a walk over the whole store:
 *
 * - by domain, then by path, then by name: a request-host domain-matches
 *   (§5.1.3) only its own name and the names of its parent domains, so a
 *   retrieval looks at those few domains, and in each only at the paths its
 *   request-path path-matches (§5.1.4; a domain holds few paths, at most as
 *   many as its cookies, which "remove excess cookies" bounds). The cookie
 *   with the same identity (§5.7 step 23) is found by its name without a walk
 *   over its bucket, and the count of a domain's cookies is what "remove
 *   excess cookies" compares per domain.
 * - Secure cookies by name: §5.7 step 16 asks whether a Secure cookie of the
 *   same name exists; there are few.
 * - the earliest expiry-time: the store evicts expired cookies (§5.7) only
 *   when one can exist, not by a walk at every operation.
 *
 * The insertion order of the whole store is kept too (a replaced cookie goes
 * to the end), since the store lists its cookies in that order.
 */
import { pathMatch } from './path.js';

/** What the indexes read of a cookie. The fields they read must not change while the cookie is stored. */
export interface IndexedCookie {
  name: string;
  domain: string;
  path: string;
  secureOnly: boolean;
  expiryTime: number;
}

/**
 * The cookies of one domain and path: in a list, the quickest to walk for a
 * retrieval, and by name (the rest of a cookie's identity, §5.7 step 23; a
 * few with each name at most).
 */
interface Bucket<C> {
  path: string;
  cookies: C[];
  byName: Map<string, C[]>;
}

/** The cookies of one domain: how many, and their buckets by path. */
interface DomainCookies<C> {
  size: number;
  byPath: Map<string, Bucket<C>>;
}

const NONE: readonly never[] = [];

export class CookieIndex<C extends IndexedCookie> {
  private readonly order = new Set<C>();
  private readonly byDomain = new Map<string, DomainCookies<C>>();
  private readonly secureByName = new Map<string, Set<C>>();
  /** No stored cookie expires before this (it may be earlier than the real earliest, never later). */
  private earliestExpiry = Infinity;

  get size(): number {
    return this.order.size;
  }

  /** Every stored cookie, in insertion order. */
  values(): IterableIterator<C> {
    return this.order.values();
  }

  add(cookie: C): void {
    this.order.add(cookie);
    let domain = this.byDomain.get(cookie.domain);
    if (!domain) this.byDomain.set(cookie.domain, (domain = { size: 0, byPath: new Map() }));
    domain.size++;
    let bucket = domain.byPath.get(cookie.path);
    if (!bucket) domain.byPath.set(cookie.path, (bucket = { path: cookie.path, cookies: [], byName: new Map() }));
    bucket.cookies.push(cookie);
    const named = bucket.byName.get(cookie.name);
    if (named) named.push(cookie);
    else bucket.byName.set(cookie.name, [cookie]);
    if (cookie.secureOnly) {
      const named = this.secureByName.get(cookie.name);
      if (named) named.add(cookie);
      else this.secureByName.set(cookie.name, new Set([cookie]));
    }
    if (cookie.expiryTime < this.earliestExpiry) this.earliestExpiry = cookie.expiryTime;
  }

  remove(cookie: C): void {
    if (!this.order.delete(cookie)) return;
    const domain = this.byDomain.get(cookie.domain)!;
    const bucket = domain.byPath.get(cookie.path)!;
    bucket.cookies.splice(bucket.cookies.indexOf(cookie), 1);
    const named = bucket.byName.get(cookie.name)!;
    named.splice(named.indexOf(cookie), 1);
    if (named.length === 0) bucket.byName.delete(cookie.name);
    if (bucket.cookies.length === 0) domain.byPath.delete(cookie.path);
    if (--domain.size === 0) this.byDomain.delete(cookie.domain);
    if (cookie.secureOnly) {
      const named = this.secureByName.get(cookie.name)!;
      named.delete(cookie);
      if (named.size === 0) this.secureByName.delete(cookie.name);
    }
  }

  /** How many cookies have `domain` as their domain field. */
  countWithDomain(domain: string): number {
    return this.byDomain.get(domain)?.size ?? 0;
  }

  /** The cookies whose domain field is `domain` (a new array: the caller may remove them as it goes). */
  withDomain(domain: string): C[] {
    const found: C[] = [];
    for (const bucket of this.byDomain.get(domain)?.byPath.values() ?? []) for (const c of bucket.cookies) found.push(c);
    return found;
  }

  /** The cookies whose domain field is `domain` and whose path field is `path`. */
  withDomainAndPath(domain: string, path: string): readonly C[] {
    return this.byDomain.get(domain)?.byPath.get(path)?.cookies ?? NONE;
  }

  /** The cookies with this domain, path and name: the candidates for a cookie's identity (a few at most). */
  withIdentity(domain: string, path: string, name: string): readonly C[] {
    return this.byDomain.get(domain)?.byPath.get(path)?.byName.get(name) ?? NONE;
  }

  /**
   * The cookies a request to this host and path can get, by domain: those of
   * every domain the host can domain-match (§5.1.3: the host itself and each
   * of its parent domains) whose path the request-path path-matches (§5.1.4).
   * A superset: the caller still applies domain-match, which also rules out
   * IP addresses.
   */
  forRequest(host: string, requestPath: string): [domain: string, cookies: C[]][] {
    const found: [string, C[]][] = [];
    for (let name = host; ;) {
      const domain = this.byDomain.get(name);
      if (domain) {
        const cookies: C[] = [];
        for (const bucket of domain.byPath.values()) if (pathMatch(requestPath, bucket.path)) for (const c of bucket.cookies) cookies.push(c);
        if (cookies.length > 0) found.push([name, cookies]);
      }
      const dot = name.indexOf('.');
      if (dot < 0) return found;
      name = name.slice(dot + 1);
    }
  }

  /** The stored cookies with the secure-only-flag and this name. */
  secureNamed(name: string): Iterable<C> {
    return this.secureByName.get(name) ?? [];
  }

  /** Removes the cookies whose expiry-time is before `now`; returns whether there were any. */
  removeExpired(now: number): boolean {
    if (this.earliestExpiry >= now) return false;
    let earliest = Infinity;
    let removed = false;
    for (const c of this.order) {
      if (c.expiryTime < now) {
        this.remove(c);
        removed = true;
      } else if (c.expiryTime < earliest) {
        earliest = c.expiryTime;
      }
    }
    this.earliestExpiry = earliest;
    return removed;
  }
}
