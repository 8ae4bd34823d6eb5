// How a cookie vector's verdict is reached from the Cookie headers a target sent.
import assert from 'node:assert/strict';
import { judge, type Observed } from '../../suites/cookies/verdict.js';
import type { CookieVector, ExpectedCookie } from '../../suites/cookies/vector.js';

function vector(expected: ExpectedCookie): CookieVector {
  return {
    id: 'cookies/test/x',
    title: 'x',
    spec: [{ doc: 'rfc6265bis', section: '5.7' }],
    level: 'MUST',
    ua: 'any',
    requests: [{ url: 'http://home.example.org/', cookie: expected }],
  };
}

const sent = (cookie: Buffer | null): Observed[] => [{ url: 'http://home.example.org/', method: 'GET', setCookie: [], cookie }];

describe('cookie verdicts', () => {
  const table: [string, ExpectedCookie, Buffer | null, 'pass' | 'fail'][] = [
    ['exact octets pass', 'a=b', Buffer.from('a=b'), 'pass'],
    ['order matters', 'a=b; c=d', Buffer.from('c=d; a=b'), 'fail'],
    ['octets, not characters', { hex: '613dff' }, Buffer.from([0x61, 0x3d, 0xff]), 'pass'],
    ['UTF-8 of a string', 'a=é', Buffer.from([0x61, 0x3d, 0xe9]), 'fail'],
    ['null: no header passes', null, null, 'pass'],
    ['null: an empty header passes (§5.8.1 lets the field be omitted or empty)', null, Buffer.alloc(0), 'pass'],
    ['null: a cookie fails', null, Buffer.from('a=b'), 'fail'],
    ['absent: no header passes', { absent: true }, null, 'pass'],
    ['absent: an empty header fails', { absent: true }, Buffer.alloc(0), 'fail'],
    ['a value: an empty header fails', 'a=b', Buffer.alloc(0), 'fail'],
    ['per profile: the chosen one counts', { rfc6265: null, rfc6265bis: 'a=b' }, Buffer.from('a=b'), 'pass'],
  ];
  for (const [why, expected, got, verdict] of table) {
    it(why, () => assert.equal(judge(vector(expected), 'rfc6265bis', sent(got)).verdict, verdict));
  }

  it('names the request and both headers when it fails', () => {
    const o = judge(vector({ absent: true }), 'rfc6265bis', sent(Buffer.alloc(0)));
    assert.equal(o.reason, 'request 1 (GET http://home.example.org/): expected no Cookie header field at all, got an empty Cookie header');
  });
});
