// The reference store's indexes (targets/reference/cookies/cookie-index.ts) and its memo: they
// must find exactly what a walk over the whole store would find.
import assert from 'node:assert/strict';
import { CookieIndex, type IndexedCookie } from '../../targets/reference/cookies/cookie-index.js';
import { domainMatch } from '../../targets/reference/cookies/host.js';
import { memoize } from '../../targets/reference/cookies/memo.js';
import { pathMatch } from '../../targets/reference/cookies/path.js';

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
  it('forRequest finds every cookie whose domain the host domain-matches and whose path the request-path path-matches', () => {
    const index = new CookieIndex<C>();
    const all = cookies();
    all.forEach((c) => index.add(c));
    for (const host of [...DOMAINS, 'b.a.home.example.org', 'nowhere.test'])
      for (const path of [...PATHS.filter((p) => p !== ''), '/a/b/c', '/a/bc', '/b/c/d', '/%61/x', '/a//b/c']) {
        const found = index.forRequest(host, path).flatMap(([domain, cs]) => cs.map((c) => (assert.equal(c.domain, domain), c)));
        const wanted = all.filter((c) => (host === c.domain || domainMatch(host, c.domain)) && pathMatch(path, c.path));
        // Every one path-matches; a superset by domain is allowed (the store applies domain-match again, which rules out IP addresses).
        assert.ok(
          found.every((c) => pathMatch(path, c.path)),
          `${host} ${path}: a cookie whose path does not path-match`,
        );
        const matching = found.filter((c) => (host === c.domain || domainMatch(host, c.domain)) && pathMatch(path, c.path));
        assert.deepEqual(ids(matching), ids(wanted), `${host} ${path}`);
        assert.equal(new Set(found).size, found.length, `${host} ${path}: a cookie found twice`);
      }
  });

  it('keeps counts, identity buckets, Secure cookies by name and insertion order through removals', () => {
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
        for (const name of ['x', 'y', 'z'])
          assert.deepEqual(
            ids(index.withIdentity(domain, path, name)),
            ids(kept.filter((c) => c.domain === domain && c.path === path && c.name === name)),
            `${domain} ${path} ${name}`,
          );
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
