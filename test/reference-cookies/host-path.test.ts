// rfc6265bis §5.1.2 to §5.1.4, step by step.
import assert from 'node:assert/strict';
import { canonicalizeHost, defaultPath, domainMatch, pathMatch } from '../../targets/reference/cookies/index.js';

describe('reference engine §5.1.2 canonicalized host names', () => {
  const table: [string, string | null, string][] = [
    ['home.example.org', 'home.example.org', 'NR-LDH labels stay'],
    ['HOME.Example.ORG', 'home.example.org', 'lower case'],
    ['bücher.example', 'xn--bcher-kva.example', 'U-label to A-label (step 3)'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', 'a real A-label stays'],
    ['xn--a.example', null, 'a fake A-label fails (step 4)'],
    ['foo_bar.example', null, 'a label that is neither LDH nor IDN fails (step 2)'],
    ['ab--cd.example', null, 'hyphens in positions 3 and 4 make a reserved label, not NR-LDH (step 2)'],
    ['-ab.example', null, 'a leading hyphen is not LDH (step 2)'],
    ['192.0.2.1', '192.0.2.1', 'an IPv4 literal is kept'],
    ['[2001:db8::1]', '[2001:db8::1]', 'an IPv6 literal is kept'],
  ];
  for (const [host, expected, why] of table) it(`${host}: ${why}`, () => assert.equal(canonicalizeHost(host), expected));
});

describe('reference engine §5.1.3 domain matching', () => {
  const table: [string, string, boolean, string][] = [
    ['example.org', 'example.org', true, 'identical'],
    ['www.example.org', 'example.org', true, 'suffix after a dot'],
    ['a.b.example.org', 'example.org', true, 'deeper subdomain'],
    ['wwwexample.org', 'example.org', false, 'suffix without a dot'],
    ['example.org', 'www.example.org', false, 'the domain is longer'],
    ['192.0.2.1', '0.2.1', false, 'an IP address never matches as a suffix'],
    ['192.0.2.1', '192.0.2.1', true, 'an identical IP address matches'],
  ];
  for (const [string, domain, expected, why] of table) it(`${string} ~ ${domain}: ${why}`, () => assert.equal(domainMatch(string, domain), expected));
});

describe('reference engine §5.1.4 default-path', () => {
  const table: [string, string, string][] = [
    ['', '/', 'empty path (step 2)'],
    ['foo', '/', 'path not starting with "/" (step 2)'],
    ['/', '/', 'one "/" (step 3)'],
    ['/foo', '/', 'one "/" (step 3)'],
    ['/foo/', '/foo', 'up to the right-most "/" (step 4)'],
    ['/foo/bar', '/foo', 'up to the right-most "/" (step 4)'],
    ['/foo/bar/baz', '/foo/bar', 'up to the right-most "/" (step 4)'],
    ['//', '/', 'two slashes: up to the second'],
  ];
  for (const [uriPath, expected, why] of table) it(`${JSON.stringify(uriPath)}: ${why}`, () => assert.equal(defaultPath(uriPath), expected));
});

describe('reference engine §5.1.4 path-match', () => {
  const table: [string, string, boolean, string][] = [
    ['/foo', '/foo', true, 'identical'],
    ['/foo/bar', '/foo', true, 'prefix followed by "/"'],
    ['/foo/', '/foo', true, 'prefix followed by "/"'],
    ['/foobar', '/foo', false, 'prefix not followed by "/"'],
    ['/foo/bar', '/foo/', true, 'cookie-path ends with "/"'],
    ['/foo', '/foo/', false, 'the cookie-path is longer'],
    ['/', '/', true, 'root'],
    ['/anything', '/', true, 'root matches everything'],
    ['/Foo', '/foo', false, 'case-sensitive'],
  ];
  for (const [requestPath, cookiePath, expected, why] of table)
    it(`${requestPath} ~ ${cookiePath}: ${why}`, () => assert.equal(pathMatch(requestPath, cookiePath), expected));
});
