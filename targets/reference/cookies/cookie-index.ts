/**
 * The indexes of the reference cookie store, apart from the spec's steps so
 * that store.ts keeps reading as §5.7 and §5.8. None of them changes what the
 * store decides; each one only spares it a walk over the whole store, or a
 * sort:
 *
 * - by domain, then by path: a request-host domain-matches (§5.1.3) only its
 *   own name and the names of its parent domains, so a retrieval looks at
 *   those few domains, and in each only at the paths its request-path
 *   path-matches (§5.1.4; a domain holds few paths, at most as many as its
 *   cookies, which "remove excess cookies" bounds). A domain's paths are kept
 *   longest first and each path's cookies in the order the store gives (its
 *   retrieval order, §5.8.3 step 4), so the cookies one domain gives a
 *   retrieval come already in that order: two paths of different lengths
 *   cannot both path-match a request-path unless the longer one comes first,
 *   and two of the same length that both match are the same path. The cookie
 *   with the same identity (§5.7 step 23) is found among its path's cookies,
 *   and the count of a domain's cookies is what "remove excess cookies"
 *   compares per domain.
 * - Secure cookies by name: §5.7 step 16 asks whether a Secure cookie of the
 *   same name exists; there are few.
 * - the earliest expiry-time: the store evicts expired cookies (§5.7) only
 *   when one can exist, not by a walk at every operation.
 *
 * The insertion order of the whole store is kept too (a replaced cookie goes
 * to the end), since the store lists its cookies in that order.
 *
 * A stored cookie's domain and path fields are set to the index's own string
 * for that domain and path (an equal string): the many cookies of a domain or
 * a path then share one, which a retrieval has already read.
 */
/** What the indexes read of a cookie. The fields they read must not change while the cookie is stored. */
export interface IndexedCookie {
  name: string;
  domain: string;
  path: string;
  secureOnly: boolean;
  expiryTime: number;
}

/** The cookies of one domain and path, in the index's order (a list: the quickest to walk for a retrieval). */
export interface PathCookies<C> {
  readonly path: string;
  readonly cookies: readonly C[];
}

interface Bucket<C> extends PathCookies<C> {
  readonly cookies: C[];
}

/** The cookies of one domain: how many, and their buckets by path, also listed longest path first. */
interface DomainCookies<C> {
  readonly domain: string;
  size: number;
  byPath: Map<string, Bucket<C>>;
  paths: Bucket<C>[];
}

const NONE: readonly never[] = [];
/** Always a set, never a new empty array: the caller's walk then meets one kind of collection. */
const NO_COOKIES: ReadonlySet<never> = new Set();

export class CookieIndex<C extends IndexedCookie> {
  private readonly order = new Set<C>();
  private readonly byDomain = new Map<string, DomainCookies<C>>();
  private readonly secureByName = new Map<string, Set<C>>();
  /** No stored cookie expires before this (it may be earlier than the real earliest, never later). */
  private earliestExpiry = Infinity;

  /**
   * @param pathOrder the order of the cookies of one domain and path (negative: a before b);
   *   the store passes its retrieval order. Without one, the order they were added in.
   */
  constructor(private readonly pathOrder: (a: C, b: C) => number = () => 0) {}

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
    if (!domain) this.byDomain.set(cookie.domain, (domain = { domain: cookie.domain, size: 0, byPath: new Map(), paths: [] }));
    domain.size++;
    cookie.domain = domain.domain;
    let bucket = domain.byPath.get(cookie.path);
    if (!bucket) {
      bucket = { path: cookie.path, cookies: [] };
      domain.byPath.set(bucket.path, bucket);
      insertLongestFirst(domain.paths, bucket);
    }
    cookie.path = bucket.path;
    // Usually the last in its path's order (a new cookie is the latest created); a replacement keeps its old place.
    let at = bucket.cookies.length;
    while (at > 0 && this.pathOrder(bucket.cookies[at - 1]!, cookie) > 0) at--;
    if (at === bucket.cookies.length) bucket.cookies.push(cookie);
    else bucket.cookies.splice(at, 0, cookie);
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
    if (bucket.cookies.length === 0) {
      domain.byPath.delete(cookie.path);
      domain.paths.splice(domain.paths.indexOf(bucket), 1);
    }
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
    for (const bucket of this.pathsOf(domain)) for (const c of bucket.cookies) found.push(c);
    return found;
  }

  /**
   * The cookies whose domain field is `domain`, by path: the longest path
   * first, and each path's cookies in the index's order. A retrieval walks
   * these for the host and each of its parent domains (§5.1.3), and in each
   * only the paths its request-path path-matches (§5.1.4).
   */
  pathsOf(domain: string): readonly PathCookies<C>[] {
    return this.byDomain.get(domain)?.paths ?? NONE;
  }

  /** The cookies whose domain field is `domain` and whose path field is `path`, in the index's order: the candidates for a cookie's identity. */
  withDomainAndPath(domain: string, path: string): readonly C[] {
    return this.byDomain.get(domain)?.byPath.get(path)?.cookies ?? NONE;
  }

  /** The stored cookies with the secure-only-flag and this name. */
  secureNamed(name: string): ReadonlySet<C> {
    return this.secureByName.get(name) ?? NO_COOKIES;
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

/** Inserts the bucket after every one whose path is at least as long (from the end: a domain's paths are often of one length). */
function insertLongestFirst<C>(paths: Bucket<C>[], bucket: Bucket<C>): void {
  let at = paths.length;
  while (at > 0 && paths[at - 1]!.path.length < bucket.path.length) at--;
  if (at === paths.length) paths.push(bucket);
  else paths.splice(at, 0, bucket);
}
