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
  /**
   * The same cookies by name, once the path holds many (NAMED_FROM): the
   * candidates for a cookie's identity without a walk over all of them (a
   * domain's cookies can be many, up to the store's bound per domain).
   */
  byName: Map<string, C[]> | undefined;
}

/** A path's cookies get their index by name when they are this many. */
const NAMED_FROM = 32;

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
  /** The list identityCandidates found last (for replace; an emptied list is no longer the index's, and holds no cookie). */
  private lastFound: Bucket<C> | undefined;
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
      bucket = { path: cookie.path, cookies: [], byName: undefined };
      domain.byPath.set(bucket.path, bucket);
      insertLongestFirst(domain.paths, bucket);
    }
    cookie.path = bucket.path;
    // Usually the last in its path's order (a new cookie is the latest created); a replacement keeps its old place.
    let at = bucket.cookies.length;
    while (at > 0 && this.pathOrder(bucket.cookies[at - 1]!, cookie) > 0) at--;
    if (at === bucket.cookies.length) bucket.cookies.push(cookie);
    else bucket.cookies.splice(at, 0, cookie);
    if (bucket.byName) addNamed(bucket.byName, cookie);
    else if (bucket.cookies.length >= NAMED_FROM) bucket.byName = named(bucket.cookies);
    if (cookie.secureOnly) this.addSecure(cookie);
    if (cookie.expiryTime < this.earliestExpiry) this.earliestExpiry = cookie.expiryTime;
  }

  remove(cookie: C): void {
    if (!this.order.delete(cookie)) return;
    const domain = this.byDomain.get(cookie.domain)!;
    const bucket = domain.byPath.get(cookie.path)!;
    bucket.cookies.splice(bucket.cookies.indexOf(cookie), 1);
    if (bucket.byName) removeNamed(bucket.byName, cookie);
    if (bucket.cookies.length === 0) {
      domain.byPath.delete(cookie.path);
      domain.paths.splice(domain.paths.indexOf(bucket), 1);
    }
    if (--domain.size === 0) this.byDomain.delete(cookie.domain);
    if (cookie.secureOnly) this.removeSecure(cookie);
  }

  /**
   * Removes `old` and adds `cookie`, leaving what remove(old) then add(cookie)
   * leave. The usual case is the cookie that replaces one of the same identity
   * (§5.7 steps 23 and 24), just found by identityCandidates: same domain and
   * path, and the same place in the path's order (it keeps the old one's
   * creation-time). Then the new cookie takes the old one's place in the list
   * the lookup found, without looking its domain and path up again and moving
   * the list's other cookies twice.
   */
  replace(old: C, cookie: C): void {
    const bucket = this.lastFound;
    const at = bucket ? bucket.cookies.indexOf(old) : -1;
    const list = bucket?.cookies ?? [];
    // add(cookie) would put it after the last cookie not after it in the order (at - 1) and before the rest (at + 1 on).
    const samePlace =
      at >= 0 &&
      cookie.domain === old.domain &&
      cookie.path === old.path &&
      (at === 0 || this.pathOrder(list[at - 1]!, cookie) <= 0) &&
      (at === list.length - 1 || this.pathOrder(list[at + 1]!, cookie) > 0);
    if (!samePlace) {
      this.remove(old);
      this.add(cookie);
      return;
    }
    this.order.delete(old);
    this.order.add(cookie);
    cookie.domain = old.domain;
    cookie.path = old.path;
    list[at] = cookie;
    if (bucket!.byName) {
      removeNamed(bucket!.byName, old);
      addNamed(bucket!.byName, cookie);
    }
    if (old.secureOnly) this.removeSecure(old);
    if (cookie.secureOnly) this.addSecure(cookie);
    if (cookie.expiryTime < this.earliestExpiry) this.earliestExpiry = cookie.expiryTime;
  }

  private addSecure(cookie: C): void {
    const named = this.secureByName.get(cookie.name);
    if (named) named.add(cookie);
    else this.secureByName.set(cookie.name, new Set([cookie]));
  }

  private removeSecure(cookie: C): void {
    const named = this.secureByName.get(cookie.name)!;
    named.delete(cookie);
    if (named.size === 0) this.secureByName.delete(cookie.name);
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

  /** The lists of pathsOf, of every domain (a new array of the index's own lists): a walk over the whole store without a copy of it. */
  allPaths(): PathCookies<C>[] {
    const found: PathCookies<C>[] = [];
    for (const domain of this.byDomain.values()) for (const bucket of domain.paths) found.push(bucket);
    return found;
  }

  /** The cookies whose domain field is `domain` and whose path field is `path`, in the index's order: the candidates for a cookie's identity. */
  withDomainAndPath(domain: string, path: string): readonly C[] {
    return this.byDomain.get(domain)?.byPath.get(path)?.cookies ?? NONE;
  }

  /**
   * The candidates for a cookie's identity (§5.7 step 23): every cookie whose
   * domain field is `domain`, path field `path` and name `name`, and, when
   * the path holds few cookies, its other ones too (the caller checks each
   * candidate's name).
   */
  identityCandidates(domain: string, path: string, name: string): readonly C[] {
    const bucket = this.byDomain.get(domain)?.byPath.get(path);
    if (!bucket) return NONE;
    this.lastFound = bucket;
    return bucket.byName ? (bucket.byName.get(name) ?? NONE) : bucket.cookies;
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

/** The cookies by name. */
function named<C extends IndexedCookie>(cookies: readonly C[]): Map<string, C[]> {
  const byName = new Map<string, C[]>();
  for (const c of cookies) addNamed(byName, c);
  return byName;
}

function addNamed<C extends IndexedCookie>(byName: Map<string, C[]>, cookie: C): void {
  const list = byName.get(cookie.name);
  if (list) list.push(cookie);
  else byName.set(cookie.name, [cookie]);
}

function removeNamed<C extends IndexedCookie>(byName: Map<string, C[]>, cookie: C): void {
  const list = byName.get(cookie.name)!;
  if (list.length === 1) byName.delete(cookie.name);
  else list.splice(list.indexOf(cookie), 1);
}
