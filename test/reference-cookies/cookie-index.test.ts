// The reference store's indexes (targets/reference/cookies/cookie-index.ts) and its memo: they
// must find exactly what a walk over the whole store would find.
import assert from 'node:assert/strict';
import { CookieIndex, type IndexedCookie } from '../../targets/reference/cookies/cookie-index.js';
import { memoize } from '../../targets/reference/cookies/memo.js';
import { pathMatch } from '../../targets/reference/cookies/path.js';
import { uniform } from '../../runner/fuzz/prng.js';

interface C extends IndexedCookie {
  id: number;
}

const DOMAINS = ['example.org', 'home.example.org', 'a.home.example.org', 'example.com', 'org', '192.0.2.1', 'xample.org'];
const PATHS = ['/', '/a', '/a/', '/a/b', '/ab', '/a//b', '/b/c/', '/%61', ''];

/** Cookies over every domain and path above, some Secure, with various expiry-times. */
function cookies(): C[] {
  const out: C[] = [];
  let id = 0;
  for (const domain of DOMAINS)
    for (const path of PATHS)
      for (const name of ['x', 'y']) out.push({ id: id++, name, domain, path, secureOnly: id % 3 === 0, expiryTime: 1000 + ((id * 37) % 50) });
  return out;
}

const ids = (xs: Iterable<C>) => [...xs].map((c) => c.id).sort((a, b) => a - b);

describe('reference engine: the store indexes', () => {
  it("pathsOf gives a domain's cookies by path, longest path first and each path's in the given order; those a request-path path-matches are exactly a walk's", () => {
    // An order that is not the order of adding: the ids downwards.
    const index = new CookieIndex<C>((a, b) => b.id - a.id);
    const all = cookies();
    all.forEach((c) => index.add(c));
    for (const domain of [...DOMAINS, 'nowhere.test']) {
      const paths = index.pathsOf(domain);
      for (let i = 1; i < paths.length; i++)
        assert.ok(paths[i - 1]!.path.length >= paths[i]!.path.length, `${domain}: ${paths[i - 1]!.path} before ${paths[i]!.path}`);
      for (const { path, cookies } of paths) {
        assert.deepEqual(
          cookies.map((c) => c.id),
          ids(cookies).reverse(),
          `${domain} ${path}: not in the given order`,
        );
        for (const c of cookies) assert.ok(c.domain === domain && c.path === path);
      }
      for (const path of [...PATHS.filter((p) => p !== ''), '/a/b/c', '/a/bc', '/b/c/d', '/%61/x', '/a//b/c']) {
        const found = paths.filter((p) => pathMatch(path, p.path)).flatMap((p) => p.cookies);
        const wanted = all.filter((c) => c.domain === domain && pathMatch(path, c.path));
        assert.deepEqual(ids(found), ids(wanted), `${domain} ${path}`);
        assert.equal(new Set(found).size, found.length, `${domain} ${path}: a cookie found twice`);
        // The matching paths come longest first, with distinct lengths: the concatenation is in the retrieval's order.
        const lengths = found.map((c) => c.path.length);
        assert.deepEqual(
          lengths,
          [...lengths].sort((a, b) => b - a),
          `${domain} ${path}`,
        );
      }
    }
  });

  it('keeps counts, identity candidates, Secure cookies by name and insertion order through removals', () => {
    const index = new CookieIndex<C>();
    const all = cookies();
    all.forEach((c) => index.add(c));
    const gone = all.filter((c) => c.id % 4 === 1);
    gone.forEach((c) => index.remove(c));
    const kept = all.filter((c) => c.id % 4 !== 1);
    assert.equal(index.size, kept.length);
    assert.deepEqual(
      [...index.values()].map((c) => c.id),
      kept.map((c) => c.id),
    );
    for (const domain of DOMAINS) {
      assert.equal(index.countWithDomain(domain), kept.filter((c) => c.domain === domain).length);
      assert.deepEqual(ids(index.withDomain(domain)), ids(kept.filter((c) => c.domain === domain)));
      for (const path of PATHS) {
        assert.deepEqual(ids(index.withDomainAndPath(domain, path)), ids(kept.filter((c) => c.domain === domain && c.path === path)));
      }
    }
    for (const name of ['x', 'y']) assert.deepEqual(ids(index.secureNamed(name)), ids(kept.filter((c) => c.secureOnly && c.name === name)));
    // A removed cookie re-added goes to the end of the insertion order.
    index.add(gone[0]!);
    assert.equal([...index.values()].at(-1), gone[0]);
  });

  it('removeExpired removes exactly the cookies expired at that time, however often it is asked', () => {
    const index = new CookieIndex<C>();
    const all = cookies();
    all.forEach((c) => index.add(c));
    for (const now of [999, 1000, 1001, 1001, 1020, 1020, 1049, 1050, 1051]) {
      index.removeExpired(now);
      assert.deepEqual(ids(index.values()), ids(all.filter((c) => c.expiryTime >= now)), `at ${now}`);
    }
    // A cookie added later with an earlier expiry-time is still found.
    const late: C = { id: 9999, name: 'z', domain: 'example.org', path: '/', secureOnly: false, expiryTime: 10 };
    index.add(late);
    assert.equal(index.removeExpired(1051), true);
    assert.ok(![...index.values()].includes(late));
    assert.equal(index.removeExpired(1051), false);
  });

  it('replace leaves what remove then add leave, and identityCandidates holds every cookie of its domain, path and name, in paths of few cookies and of many', () => {
    // An order with ties and without (ids by their residue mod 5), so that a replacement sometimes keeps its place and sometimes not.
    const order = (a: C, b: C) => (a.id % 5) - (b.id % 5);
    const replaced = new CookieIndex<C>(order);
    const twin = new CookieIndex<C>(order);
    const rnd = uniform(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    // Few domains and paths and many names: some paths hold far more cookies than the index's bound for a walk by name.
    const domains = ['example.org', 'a.example.org'];
    const paths = ['/', '/a'];
    const names = Array.from({ length: 90 }, (_, i) => `n${i}`);
    let id = 0;
    const fresh = (domain: string, path: string, name: string): C => ({
      id: id++,
      name,
      domain,
      path,
      secureOnly: rnd() < 0.3,
      expiryTime: 1000 + Math.floor(rnd() * 100),
    });
    const same = () => {
      assert.deepEqual(
        [...replaced.values()].map((c) => c.id),
        [...twin.values()].map((c) => c.id),
      );
      for (const domain of domains) {
        const shape = (x: CookieIndex<C>) => x.pathsOf(domain).map((b) => [b.path, b.cookies.map((c) => c.id)]);
        assert.deepEqual(shape(replaced), shape(twin));
        assert.equal(replaced.countWithDomain(domain), twin.countWithDomain(domain));
      }
      for (const name of ['n0', 'n1', 'n2']) assert.deepEqual(ids(replaced.secureNamed(name)), ids(twin.secureNamed(name)));
      assert.deepEqual(ids(replaced.allPaths().flatMap((b) => b.cookies)), ids(replaced.values()));
    };
    for (let step = 0; step < 3000; step++) {
      const domain = pick(domains);
      const path = pick(paths);
      const name = pick(names);
      const candidates = replaced.identityCandidates(domain, path, name);
      const wanted = [...replaced.values()].filter((c) => c.domain === domain && c.path === path && c.name === name);
      for (const c of wanted) assert.ok(candidates.includes(c), `step ${step}: ${domain} ${path} ${name}: a cookie is not among the candidates`);
      const old = candidates.find((c) => c.name === name);
      const cookie = fresh(domain, path, name);
      if (old === undefined) {
        replaced.add(cookie);
        twin.add(cookie);
      } else {
        // Now and then another path looked up in between: the replacement cannot use the first lookup's list.
        if (rnd() < 0.1) replaced.identityCandidates(domain, pick(paths), name);
        replaced.replace(old, cookie);
        twin.remove(old);
        twin.add(cookie);
      }
      if (step % 50 === 0) same();
      if (step % 500 === 499) {
        const now = 1000 + Math.floor(rnd() * 100);
        assert.equal(replaced.removeExpired(now), twin.removeExpired(now));
        same();
      }
    }
    same();
    assert.ok(Math.max(...replaced.allPaths().map((b) => b.cookies.length)) > 40, 'no path held many cookies: the index by name went untested');
  });

  it('memoize gives the function answers (null and undefined among them) and starts afresh past its bound', () => {
    let calls = 0;
    const f = memoize((s: string) => (calls++, s === 'n' ? null : s === 'u' ? undefined : s.length), 3);
    assert.deepEqual([f('ab'), f('ab'), f('n'), f('n'), f('u'), f('u')], [2, 2, null, null, undefined, undefined]);
    assert.equal(calls, 3);
    f('abcd'); // a fourth key: the memory starts afresh with it
    f('ab');
    assert.equal(calls, 5);
  });
});
