// `conformatrix validate`: malformed vectors fail with file:line:column and the JSON pointer.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers.js';

const good = {
  id: 'cookies/test/good',
  title: 'a valid vector',
  spec: [{ doc: 'rfc6265bis', section: '5.7', anchor: 'storage-model' }],
  level: 'MUST',
  ua: 'any',
  requests: [
    { url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b'] } },
    { url: 'http://home.example.org/', cookie: 'a=b' },
  ],
};

function writeVectors(vectors: unknown[], raw?: string): string {
  const dir = tempDir();
  const file = join(dir, 'v.json');
  // $schema last, so that the lines of the vectors are those lineOf counts.
  writeFileSync(file, raw ?? JSON.stringify({ vectors, $schema: 'urn:conformatrix:cookie-vectors' }, null, 2) + '\n');
  return file;
}

/** The 1-based line of the first occurrence of `needle` in the file as written. */
function lineOf(vectors: unknown[], needle: string): number {
  const text = JSON.stringify({ vectors }, null, 2);
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('conformatrix validate', function () {
  this.timeout(30_000);

  it('accepts a valid file', () => {
    const r = cli(['validate', writeVectors([good])]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cookies: 1 vectors valid/);
  });

  it('names file, line, column and JSON pointer of a schema error', () => {
    const bad = [good, { ...good, id: 'cookies/test/bad', level: "MUSTN'T" }];
    const file = writeVectors(bad);
    const r = cli(['validate', file]);
    assert.equal(r.status, 2);
    const line = lineOf(bad, '"MUSTN');
    assert.match(r.stderr, new RegExp(`v\\.json:${line}:\\d+ at /vectors/1/level: must be one of "MUST", "SHOULD", "MAY"`));
  });

  it('names the missing property and where the object is', () => {
    const { title: _t, ...untitled } = good;
    const r = cli(['validate', writeVectors([untitled])]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /v\.json:3:\d+ at \/vectors\/0: missing required property "title"/);
  });

  it('reports invalid JSON with its line and column', () => {
    const file = writeVectors([], '{\n  "vectors": [\n    { "id": "x", },\n  ]\n}\n');
    const r = cli(['validate', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /v\.json:3:18: invalid JSON: property name expected/);
  });

  it('rejects a citation of a section that does not exist, and a wrong anchor', () => {
    const bad = [
      { ...good, spec: [{ doc: 'rfc6265bis', section: '5.99' }] },
      { ...good, id: 'cookies/test/anchor', spec: [{ doc: 'rfc6265bis', section: '5.7', anchor: 'cookie-path' }] },
      { ...good, id: 'cookies/test/doc', spec: [{ doc: 'rfc9999', section: '1' }] },
    ];
    const r = cli(['validate', writeVectors(bad)]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \/vectors\/0\/spec\/0: citation: rfc6265bis has no section 5\.99/);
    assert.match(r.stderr, /at \/vectors\/1\/spec\/0: citation: anchor #cookie-path is section 5\.1\.4/);
    assert.match(r.stderr, /at \/vectors\/2\/spec\/0: citation: unknown spec document "rfc9999"/);
  });

  it('rejects duplicate ids, naming both places', () => {
    const r = cli(['validate', writeVectors([good, good])]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \/vectors\/1\/id: duplicate vector id "cookies\/test\/good" \(first defined in .*v\.json at \/vectors\/0\)/);
  });

  it('rejects a redirect whose next request goes elsewhere, and dates that would rot', () => {
    const bad = [
      {
        ...good,
        requests: [
          { url: 'http://home.example.org/a', response: { location: '/b' } },
          { url: 'http://home.example.org/c', cookie: null },
        ],
      },
      {
        ...good,
        id: 'cookies/test/rot',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires=Wed, 01 Jan 2031 00:00:00 GMT'] } }],
      },
      {
        ...good,
        id: 'cookies/test/rot-in-2070',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires={{now+1h|rfc850}}'] } }],
      },
    ];
    const r = cli(['validate', writeVectors(bad)]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \/vectors\/0\/requests\/1\/url: follows a redirect to http:\/\/home\.example\.org\/b/);
    assert.match(
      r.stderr,
      /at \/vectors\/1\/requests\/0\/response\/setCookie\/0: the literal Expires date "Wed, 01 Jan 2031 00:00:00 GMT" is still in the future/,
    );
    assert.match(r.stderr, /at \/vectors\/2\/requests\/0\/response\/setCookie\/0: a two-digit year computed from the real clock rots in 2070/);
  });

  it('accepts literal dates already past for good, which cannot rot, and rejects a future one in any form', () => {
    const past = [
      {
        ...good,
        id: 'cookies/test/past-2007',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires=Mon, 01 Jan 2007 00:00:00 GMT'] } }],
      },
      {
        ...good,
        id: 'cookies/test/past-rfc850',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires=Sunday, 06-Nov-94 08:49:37 GMT'] } }],
      },
      {
        ...good,
        id: 'cookies/test/past-two-digit-2001',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires=Mon, 01-Jan-01 00:00:00 GMT'] } }],
      },
    ];
    const ok = cli(['validate', writeVectors(past)]);
    assert.equal(ok.status, 0, ok.stderr);
    // A two-digit 60 reads as 2060 (§5.1.1): future, so it rots like a four-digit one.
    const future = [
      {
        ...good,
        id: 'cookies/test/future-two-digit',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b; Expires=Thu, 01-Jan-60 00:00:00 GMT'] } }],
      },
    ];
    const r = cli(['validate', writeVectors(future)]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /v\.json:\d+:\d+ at \/vectors\/0\/requests\/0\/response\/setCookie\/0: the literal Expires date "Thu, 01-Jan-60 00:00:00 GMT" is still in the future/,
    );
  });

  it('rejects a Set-Cookie value holding NUL, CR or LF, as a string or as hex', () => {
    const bad = [
      { ...good, id: 'cookies/test/nul', requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b\u0000c'] } }] },
      {
        ...good,
        id: 'cookies/test/cr',
        requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['ok=1', { hex: Buffer.from('a=b\rc').toString('hex') }] } }],
      },
      { ...good, id: 'cookies/test/lf', requests: [{ url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b\nc'] } }] },
    ];
    const r = cli(['validate', writeVectors(bad)]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /v\.json:\d+:\d+ at \/vectors\/0\/requests\/0\/response\/setCookie\/0: octet 0x00 at offset 3: a Set-Cookie value cannot hold NUL, CR or LF/,
    );
    assert.match(r.stderr, /v\.json:\d+:\d+ at \/vectors\/1\/requests\/0\/response\/setCookie\/1: octet 0x0d at offset 3/);
    assert.match(r.stderr, /v\.json:\d+:\d+ at \/vectors\/2\/requests\/0\/response\/setCookie\/0: octet 0x0a at offset 3/);
  });

  it("validates the project's own vectors and target manifests", () => {
    const r = cli(['validate']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /targets: \d+ manifests valid/);
  });
});
