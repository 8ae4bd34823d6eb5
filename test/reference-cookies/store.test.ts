// rfc6265bis §5.7 Storage Model and §5.8.3 Retrieval Algorithm, step by step.
import assert from 'node:assert/strict';
import { CookieStore, domainMatch, pathMatch, type ProfileName, type RequestContext } from '../../targets/reference/cookies/index.js';
import { uniform } from '../../runner/fuzz/prng.js';

function store(profile: ProfileName = 'rfc6265bis', options: { maxCookiesPerDomain?: number; laxAllowingUnsafeMs?: number } = {}) {
  const clock = { now: Date.UTC(2020, 0, 1) };
  const jar = new CookieStore({ profile, now: () => clock.now, ...options });
  return {
    jar,
    clock,
    set(url: string, header: string, ctx?: RequestContext) {
      return jar.setCookie(header, url, ctx);
    },
    get(url: string, ctx?: RequestContext) {
      return jar.getCookieString(url, ctx);
    },
  };
}

const H = 'http://home.example.org/';
const S = 'https://home.example.org/';

describe('reference engine §5.7 storage model', () => {
  it('step 2: ignores a cookie with an empty name and an empty value', () => {
    const s = store();
    s.set(H, '=');
    s.set(H, ' ; Path=/');
    assert.equal(s.get(H), null);
  });

  it('step 3: ignores CTLs in name or value, which reach here from non-HTTP APIs too', () => {
    const s = store();
    assert.ok('ignored' in s.set(H, 'a=b\u0002', { api: 'non-HTTP' }));
  });

  it('step 6: Max-Age wins over Expires whatever their order; the last of each counts', () => {
    const s = store();
    s.set(H, 'a=1; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    s.set(H, 'b=2; Max-Age=0; Max-Age=10');
    s.set(H, 'c=3; Max-Age=10; Max-Age=0');
    assert.equal(s.get(H), 'a=1; b=2');
    s.clock.now += 11_000;
    assert.equal(s.get(H), null);
  });

  it('step 6: an Expires in the past deletes the stored cookie', () => {
    const s = store();
    s.set(H, 'a=1');
    s.set(H, 'a=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    assert.equal(s.get(H), null);
  });

  it('step 8: a Domain attribute outside US-ASCII rejects the cookie', () => {
    const s = store();
    assert.ok('ignored' in s.set('http://xn--bcher-kva.example/', 'a=b; Domain=b\u00c3\u00bccher.example'));
  });

  it('step 9: a public-suffix Domain is rejected, unless it is the request-host itself', () => {
    const s = store();
    assert.ok('ignored' in s.set('http://home.example.co.uk/', 'a=b; Domain=co.uk'));
    const own = s.set('http://co.uk/', 'b=c; Domain=co.uk');
    assert.ok(!('ignored' in own) && own.hostOnly, 'host-only cookie on the suffix itself');
    assert.equal(s.get('http://co.uk/'), 'b=c');
    assert.equal(s.get('http://home.example.co.uk/'), null);
  });

  it('step 10: the request-host must domain-match the Domain attribute', () => {
    const s = store();
    assert.ok('ignored' in s.set('http://home.example.org/', 'a=b; Domain=other.example.org'));
    assert.ok('ignored' in s.set('http://home.example.org/', 'a=b; Domain=sub.home.example.org'));
    assert.ok(!('ignored' in s.set('http://sub.home.example.org/', 'a=b; Domain=example.org')));
    assert.equal(s.get('http://example.org/'), 'a=b');
  });

  it('step 10: without Domain the cookie is host-only', () => {
    const s = store();
    s.set(H, 'a=b');
    assert.equal(s.get('http://sub.home.example.org/'), null);
    assert.equal(s.get(H), 'a=b');
  });

  it('step 11: the last Path attribute, or the default-path', () => {
    const s = store();
    s.set('http://home.example.org/dir/page', 'a=1');
    s.set('http://home.example.org/', 'b=2; Path=/x; Path=/y');
    assert.equal(s.get('http://home.example.org/dir/'), 'a=1');
    assert.equal(s.get('http://home.example.org/y'), 'b=2');
    assert.equal(s.get('http://home.example.org/x'), null);
  });

  it('step 13: a Secure cookie from an insecure origin is ignored (rfc6265bis), kept (rfc6265)', () => {
    const s = store();
    assert.ok('ignored' in s.set(H, 'a=b; Secure'));
    const o = store('rfc6265');
    o.set(H, 'a=b; Secure');
    assert.equal(o.get(S), 'a=b');
  });

  it('step 15: an HttpOnly cookie from a non-HTTP API is ignored', () => {
    const s = store();
    assert.ok('ignored' in s.set(H, 'a=b; HttpOnly', { api: 'non-HTTP' }));
  });

  it('step 16: an insecure origin cannot overlay a Secure cookie of the same name on a matching path', () => {
    const s = store();
    s.set('https://home.example.org/login/', 'a=secure; Secure; Path=/login');
    assert.ok('ignored' in s.set(H, 'a=plain; Path=/login'));
    assert.ok('ignored' in s.set(H, 'a=plain; Path=/login/en'));
    assert.ok(!('ignored' in s.set(H, 'a=plain; Path=/')));
    assert.ok(!('ignored' in s.set(H, 'a=plain; Path=/foo')));
    assert.ok('ignored' in s.set('http://sub.home.example.org/', 'a=plain; Domain=home.example.org; Path=/login'));
  });

  it('steps 17 to 19: SameSite from cross-site requests and SameSite=None without Secure', () => {
    const s = store();
    assert.ok('ignored' in s.set(S, 'a=b; SameSite=Lax', { sameSite: 'cross-site', topLevelNavigation: false }));
    assert.ok(!('ignored' in s.set(S, 'a=b; SameSite=Lax', { sameSite: 'cross-site', topLevelNavigation: true })));
    assert.ok(!('ignored' in s.set(S, 'c=d; SameSite=None; Secure', { sameSite: 'cross-site', topLevelNavigation: false })));
    assert.ok('ignored' in s.set(S, 'e=f; SameSite=None'));
  });

  it('step 17: the last SameSite attribute decides', () => {
    const s = store();
    const c = s.set(S, 'a=b; SameSite=Strict; SameSite=bogus');
    assert.ok(!('ignored' in c) && c.sameSite === 'Default');
    const d = s.set(S, 'c=d; SameSite=bogus; SameSite=Strict');
    assert.ok(!('ignored' in d) && d.sameSite === 'Strict');
  });

  it('steps 20 and 21: __Secure- and __Host- prefixes, matched case-insensitively', () => {
    const s = store();
    const cases: [string, string, boolean][] = [
      [S, '__Secure-a=1; Secure', true],
      [S, '__secure-b=1; Secure; Domain=home.example.org', true],
      [S, '__SECURE-c=1', false],
      [H, '__Secure-d=1; Secure', false],
      [S, '__Host-e=1; Secure; Path=/', true],
      [S, '__HOST-f=1; Secure', false],
      [S, '__host-g=1; Secure; Path=/; Domain=home.example.org', false],
      [S, '__Host-h=1; Secure; Path=/x', false],
    ];
    for (const [url, header, stored] of cases) assert.equal(!('ignored' in s.set(url, header)), stored, header);
  });

  it('step 22: a nameless cookie whose value looks prefixed is ignored', () => {
    const s = store();
    assert.ok('ignored' in s.set(S, '__Secure-x; Secure'));
    assert.ok('ignored' in s.set(S, '=__host-x; Secure; Path=/'));
    assert.ok(!('ignored' in s.set(S, '__Securex')));
  });

  it('step 23: a cookie of the same name, domain, host-only-flag and path replaces the old one and keeps its creation-time', () => {
    const s = store();
    s.set(H, 'a=1; Path=/');
    s.clock.now += 1000;
    s.set(H, 'b=2; Path=/');
    s.clock.now += 1000;
    s.set(H, 'a=3; Path=/');
    assert.equal(s.get(H), 'a=3; b=2');
  });

  it('step 23: host-only and domain cookies of the same name coexist (rfc6265bis), replace each other (rfc6265)', () => {
    const s = store();
    s.set(H, 'a=host');
    s.set(H, 'a=domain; Domain=home.example.org');
    assert.equal(s.get(H), 'a=host; a=domain');
    const o = store('rfc6265');
    o.set(H, 'a=host');
    o.set(H, 'a=domain; Domain=home.example.org');
    assert.equal(o.get(H), 'a=domain');
  });

  it('removes excess cookies per domain, insecure ones first, least recently accessed first', () => {
    const s = store('rfc6265bis', { maxCookiesPerDomain: 3 });
    s.set(S, 's1=1; Secure');
    s.clock.now += 1;
    s.set(S, 'p1=1');
    s.clock.now += 1;
    s.set(S, 'p2=1');
    s.clock.now += 1;
    s.set(S, 'p3=1');
    assert.equal(s.get(S), 's1=1; p2=1; p3=1');
  });
});

describe('reference engine §5.8.3 retrieval', () => {
  it('step 3: host-only cookies need an identical host; domain cookies a domain-match', () => {
    const s = store();
    s.set(H, 'h=1');
    s.set(H, 'd=1; Domain=example.org');
    assert.equal(s.get('http://www.home.example.org/'), 'd=1');
    assert.equal(s.get('http://example.org/'), 'd=1');
    assert.equal(s.get(H), 'h=1; d=1');
  });

  it('step 3: Secure cookies only on secure connections; HttpOnly ones not for non-HTTP APIs', () => {
    const s = store();
    s.set(S, 'sec=1; Secure');
    s.set(S, 'http=1; HttpOnly');
    assert.equal(s.get(H), 'http=1');
    assert.equal(s.get(S), 'sec=1; http=1');
    assert.equal(s.get(S, { api: 'non-HTTP' }), 'sec=1');
  });

  it('step 3: cross-site requests get None, and Lax or Default only on safe top-level navigations', () => {
    const s = store();
    s.set(S, 'strict=1; SameSite=Strict');
    s.set(S, 'lax=1; SameSite=Lax');
    s.set(S, 'dflt=1');
    s.set(S, 'none=1; SameSite=None; Secure');
    assert.equal(s.get(S, { sameSite: 'cross-site' }), 'lax=1; dflt=1; none=1');
    assert.equal(s.get(S, { sameSite: 'cross-site', method: 'POST' }), 'none=1');
    assert.equal(s.get(S, { sameSite: 'cross-site', topLevelNavigation: false }), 'none=1');
    assert.equal(s.get(S, { sameSite: 'same-site', topLevelNavigation: false }), 'strict=1; lax=1; dflt=1; none=1');
  });

  it('§5.6.7.2: with Lax-allowing-unsafe, a young Default cookie also goes with a cross-site top-level POST; explicit Lax, old cookies and frames never', () => {
    const s = store('rfc6265bis', { laxAllowingUnsafeMs: 120_000 });
    s.set(S, 'lax=1; SameSite=Lax');
    s.set(S, 'dflt=1');
    const post = { sameSite: 'cross-site', method: 'POST' } as const;
    assert.equal(s.get(S, post), 'dflt=1');
    assert.equal(s.get(S, { ...post, topLevelNavigation: false }), null);
    s.clock.now += 120_000;
    assert.equal(s.get(S, post), 'dflt=1');
    s.clock.now += 1;
    assert.equal(s.get(S, post), null);
    assert.equal(s.get(S, { sameSite: 'cross-site' }), 'lax=1; dflt=1');
  });

  it('step 4: longer paths first, then earlier creation-times', () => {
    const s = store();
    s.set('http://home.example.org/a/b/c', 'c=1; Path=/');
    s.clock.now += 1000;
    s.set('http://home.example.org/a/b/c', 'b=1; Path=/a/b');
    s.set('http://home.example.org/a/b/c', 'a=1; Path=/a');
    s.set('http://home.example.org/a/b/c', 'z=1; Path=/');
    assert.equal(s.get('http://home.example.org/a/b/c'), 'b=1; a=1; c=1; z=1');
  });

  it('step 6: a nameless cookie is sent as its value alone (rfc6265bis)', () => {
    const s = store();
    s.set(H, 'justvalue');
    s.set(H, 'a=');
    assert.equal(s.get(H), 'justvalue; a=');
  });

  it('expired cookies are evicted and never sent', () => {
    const s = store();
    s.set(H, 'a=1; Max-Age=5');
    s.clock.now += 4000;
    assert.equal(s.get(H), 'a=1');
    s.clock.now += 2000;
    assert.equal(s.get(H), null);
    assert.equal(s.jar.all().length, 0);
  });
});

describe('reference engine: the indexed retrieval is the spec walk', () => {
  /** §5.8.3 steps 3, 4 and 6 for an HTTP same-site retrieval, by a walk over every stored cookie and a sort. */
  function walk(jar: CookieStore, url: URL): string | null {
    const host = url.hostname;
    const list = jar
      .all()
      .filter(
        (c) =>
          (c.hostOnly ? host === c.domain : domainMatch(host, c.domain)) && pathMatch(url.pathname, c.path) && (!c.secureOnly || url.protocol === 'https:'),
      )
      .sort((a, b) => b.path.length - a.path.length || a.creationTime - b.creationTime || a.serial - b.serial);
    return list.length === 0 ? null : list.map((c) => (c.name === '' ? c.value : `${c.name}=${c.value}`)).join('; ');
  }

  it('gives the cookie-string of a walk and a sort over the whole store, through replacements, deletions and a clock that goes back', () => {
    const hosts = ['example.org', 'home.example.org', 'a.home.example.org', 'other.example.org', 'example.com'];
    const paths = ['/', '/a', '/a/', '/a/b', '/ab', '/b', '/a/b/c'];
    for (const seed of [1, 2, 3]) {
      const rnd = uniform(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const clock = { now: Date.UTC(2020, 0, 1) };
      const jar = new CookieStore({ now: () => clock.now });
      for (let k = 0; k < 3000; k++) {
        // The clock mostly moves on, sometimes stands still, and sometimes goes back (a vector's clock may).
        clock.now += pick([0, 0, 1000, 1000, 60_000, -30_000]);
        const url = new URL(`${pick(['http', 'https'])}://${pick(hosts)}${pick(paths)}`);
        if (rnd() < 0.4) {
          const domain = rnd() < 0.4 ? `; Domain=${pick(hosts)}` : '';
          const path = rnd() < 0.7 ? `; Path=${pick(paths)}` : '';
          const life = pick(['', '', '; Max-Age=0', '; Max-Age=90', `; Max-Age=${1 + Math.floor(rnd() * 3600)}`]);
          jar.setCookie(`${pick(['a', 'b', 'c', ''])}=${k}${domain}${path}${life}${rnd() < 0.3 ? '; Secure' : ''}`, url.href);
        } else {
          const expected = walk(jar, url);
          assert.equal(jar.getCookieString(url.href), expected, `seed ${seed}, operation ${k}: ${url.href}`);
        }
      }
    }
  });
});

describe('reference engine: cost of a store of many cookies', () => {
  /** CPU time (ms) of this process in f: other processes on a busy machine do not count. */
  function cpuMs(f: () => void): number {
    const t0 = process.cpuUsage();
    f();
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / 1000;
  }

  /** A store holding `hosts` hosts of 10 cookies each, and the CPU time of 2000 retrievals and 500 Set-Cookie fields on one of them. */
  function workOn(hosts: number): number {
    const s = new CookieStore({ now: () => Date.UTC(2020, 0, 1), maxCookies: 100_000 });
    for (let i = 0; i < hosts; i++)
      for (let n = 0; n < 10; n++)
        s.setCookie(`c${n}=${i}; Path=/${n % 3 ? 'a' : ''}${n % 4 ? '' : '; Domain=example.org'}${n % 2 ? '; Secure' : ''}`, `https://h${i}.example.org/a/b`);
    return cpuMs(() => {
      for (let k = 0; k < 500; k++) {
        s.setCookie(`k${k % 20}=${k}; Path=/a`, 'https://h0.example.org/a/b');
        for (let g = 0; g < 4; g++) s.getCookieString(g % 2 ? 'https://h0.example.org/a/b' : 'http://h0.example.org/');
      }
    });
  }

  it("storing and retrieving for one host costs about the same whatever the number of other hosts' cookies (indexed, no walk over the store)", () => {
    workOn(50); // warm-up: the first calls also compile the code
    const small = Math.min(workOn(10), workOn(10));
    const large = Math.min(workOn(500), workOn(500));
    // 50 times the cookies; a walk over the store per operation costs tens of times more, an index about the same.
    assert.ok(large < small * 5, `10 hosts: ${small.toFixed(1)} ms, 500 hosts: ${large.toFixed(1)} ms of CPU`);
  });
});
