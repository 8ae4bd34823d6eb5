// rfc6265bis §5.6 and its attribute subsections, step by step.
import assert from 'node:assert/strict';
import { PROFILES, parseSetCookie, type ParsedCookie } from '../../targets/reference/cookies/index.js';

const NOW = Date.UTC(2020, 0, 1);
const bis = (s: string, requestPath = '/a/b') => parseSetCookie(s, { profile: PROFILES.rfc6265bis, now: NOW, requestPath });
const old = (s: string, requestPath = '/a/b') => parseSetCookie(s, { profile: PROFILES.rfc6265, now: NOW, requestPath });
const pair = (c: ParsedCookie | null) => (c ? [c.name, c.value] : null);
const attrs = (c: ParsedCookie | null) => {
  assert.ok(c, 'the set-cookie-string was ignored');
  return c.attributes;
};

describe('reference engine §5.6 set-cookie-string', () => {
  const table: [string, [string, string] | null, string][] = [
    ['a=b', ['a', 'b'], 'name and value'],
    ['a=b=c', ['a', 'b=c'], 'split at the first "=" (step 3)'],
    ['a', ['', 'a'], 'no "=": empty name (step 3)'],
    ['=a', ['', 'a'], 'empty name before "=" (step 3)'],
    ['a=', ['a', ''], 'empty value (step 3)'],
    [' \ta b \t=\t c d ', ['a b', 'c d'], 'WSP trimmed at both ends, kept inside (step 4)'],
    ['a=b;c', ['a', 'b'], 'the pair ends at the first ";" (step 2)'],
    ['a="b;c"', ['a', '"b'], 'quotes do not protect ";" (step 2)'],
    ['a=b\u0001', null, 'a CTL rejects the whole string (step 1)'],
    ['a=b; Path=/\u007f', null, 'DEL anywhere rejects the whole string (step 1)'],
    ['a=b\tc', ['a', 'b\tc'], 'HTAB is not a rejecting CTL (step 1)'],
    ['a=' + 'x'.repeat(4095), ['a', 'x'.repeat(4095)], '4096 octets of name and value are allowed (step 5)'],
    ['a=' + 'x'.repeat(4096), null, '4097 octets are too many (step 5)'],
    ['a=%3B', ['a', '%3B'], 'percent-encoded octets are not decoded'],
  ];
  for (const [input, expected, why] of table) it(`${JSON.stringify(input.slice(0, 40))}: ${why}`, () => assert.deepEqual(pair(bis(input)), expected));

  it('rfc6265 profile: no "=" ignores the whole string', () => assert.equal(old('a'), null));
  it('rfc6265 profile: an empty name ignores the whole string', () => assert.equal(old('=a'), null));
  it('rfc6265 profile: CTLs are not rejected by the parser', () => assert.deepEqual(pair(old('a=b\u0001')), ['a', 'b\u0001']));
});

describe('reference engine §5.6 attributes', () => {
  it('splits attributes at ";" and trims WSP around names and values (steps 2 to 5)', () => {
    assert.deepEqual(attrs(bis('a=b;  Path \t=  /x ;Secure')), [{ name: 'Path', value: '/x' }, { name: 'Secure' }]);
  });
  it('matches attribute names case-insensitively and ignores unknown ones (step 7)', () => {
    assert.deepEqual(attrs(bis('a=b; hTtPoNlY; Frob=1; sEcUrE')), [{ name: 'HttpOnly' }, { name: 'Secure' }]);
  });
  it('ignores an attribute value longer than 1024 octets (step 6)', () => {
    assert.deepEqual(attrs(bis('a=b; Path=/' + 'p'.repeat(1024))), []);
    assert.deepEqual(attrs(bis('a=b; Path=/' + 'p'.repeat(1023))), [{ name: 'Path', value: '/' + 'p'.repeat(1023) }]);
  });
  it('keeps every attribute, in order, even repeated ones', () => {
    assert.deepEqual(attrs(bis('a=b; Path=/x; Path=/y')), [
      { name: 'Path', value: '/x' },
      { name: 'Path', value: '/y' },
    ]);
  });

  describe('§5.6.1 Expires', () => {
    it('stores the parsed date', () => {
      assert.deepEqual(attrs(bis('a=b; Expires=Thu, 02 Jan 2020 00:00:00 GMT')), [{ name: 'Expires', value: Date.UTC(2020, 0, 2) }]);
    });
    it('ignores a date that fails to parse', () => assert.deepEqual(attrs(bis('a=b; Expires=tomorrow')), []));
    it('reduces a date beyond 400 days to the limit', () => {
      assert.deepEqual(attrs(bis('a=b; Expires=Fri, 01 Jan 2100 00:00:00 GMT')), [{ name: 'Expires', value: NOW + 34560000 * 1000 }]);
    });
    it('rfc6265 profile: no limit', () => {
      assert.deepEqual(attrs(old('a=b; Expires=Fri, 01 Jan 2100 00:00:00 GMT')), [{ name: 'Expires', value: Date.UTC(2100, 0, 1) }]);
    });
  });

  describe('§5.6.2 Max-Age', () => {
    const table: [string, number | null, string][] = [
      ['60', NOW + 60000, 'seconds from now'],
      ['0', -8.64e15, 'zero: the earliest representable time (step 7)'],
      ['-5', -8.64e15, 'negative: the earliest representable time (step 7)'],
      ['', null, 'empty: ignored (step 1)'],
      ['+5', null, 'a leading "+" is neither DIGIT nor "-" (step 2)'],
      ['-', null, 'a lone "-" is not followed by a DIGIT (step 2)'],
      ['5s', null, 'a non-DIGIT in the remainder (step 3)'],
      ['1.5', null, 'a non-DIGIT in the remainder (step 3)'],
      ['99999999999', NOW + 34560000 * 1000, 'reduced to 400 days (step 6)'],
    ];
    for (const [value, expected, why] of table) {
      it(`${JSON.stringify(value)}: ${why}`, () => {
        const list = attrs(bis(`a=b; Max-Age=${value}`));
        assert.deepEqual(list, expected === null ? [] : [{ name: 'Max-Age', value: expected }]);
      });
    }
  });

  describe('§5.6.3 Domain', () => {
    it('drops one leading "." and lower-cases (steps 2 and 3)', () => {
      assert.deepEqual(attrs(bis('a=b; Domain=.Example.ORG')), [{ name: 'Domain', value: 'example.org' }]);
    });
    it('keeps a second leading "."', () => assert.deepEqual(attrs(bis('a=b; Domain=..example.org')), [{ name: 'Domain', value: '.example.org' }]));
    it('keeps an empty value', () => assert.deepEqual(attrs(bis('a=b; Domain=')), [{ name: 'Domain', value: '' }]));
    it('rfc6265 profile: ignores an empty value', () => assert.deepEqual(attrs(old('a=b; Domain=')), []));
  });

  describe('§5.6.4 Path', () => {
    const table: [string, string, string][] = [
      ['/x/y', '/x/y', 'a value starting with "/"'],
      ['', '/a', 'empty: the default-path of /a/b'],
      ['x/y', '/a', 'not starting with "/": the default-path'],
    ];
    for (const [value, expected, why] of table)
      it(`${JSON.stringify(value)}: ${why}`, () => assert.deepEqual(attrs(bis(`a=b; Path=${value}`)), [{ name: 'Path', value: expected }]));
  });

  describe('§5.6.5 to §5.6.7 Secure, HttpOnly, SameSite', () => {
    it('Secure and HttpOnly ignore any value', () => assert.deepEqual(attrs(bis('a=b; Secure=no; HttpOnly=no')), [{ name: 'Secure' }, { name: 'HttpOnly' }]));
    const table: [string, string][] = [
      ['Strict', 'Strict'],
      ['lax', 'Lax'],
      ['NONE', 'None'],
      ['bogus', 'Default'],
      ['', 'Default'],
    ];
    for (const [value, expected] of table)
      it(`SameSite=${value} enforces ${expected}`, () => assert.deepEqual(attrs(bis(`a=b; SameSite=${value}`)), [{ name: 'SameSite', value: expected }]));
  });
});
