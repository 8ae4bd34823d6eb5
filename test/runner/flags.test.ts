// The flag registry (vectors/schema/flags.json): validate rejects a vector
// flag the registry does not define, with file, line, JSON pointer, close
// names and the entry to add; with no PATH it rejects an entry no vector
// carries; and the project's own vectors and registry agree.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagRegistry, unusedFlagErrors, FLAGS_FILE } from '../../runner/flags.js';
import type { LoadedVector } from '../../runner/suite.js';
import { cli, tempDir } from '../helpers.js';

const vector = (flags: string[]) => ({
  id: 'cookies/test/flagged',
  title: 'a vector with flags',
  spec: [{ doc: 'rfc6265bis', section: '5.7', anchor: 'storage-model' }],
  level: 'MUST',
  ua: 'any',
  flags,
  requests: [
    { url: 'http://home.example.org/', cookie: null, response: { setCookie: ['a=b'] } },
    { url: 'http://home.example.org/', cookie: 'a=b' },
  ],
});

function write(name: string, value: unknown): string {
  const file = join(tempDir(), name);
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  return file;
}

describe('flag registry', function () {
  this.timeout(120_000);

  it('rejects a flag the registry does not define, with its line, pointer, close names and the entry to add', () => {
    const file = write('v.json', { vectors: [vector(['samesite', 'samesit', 'teapot'])], $schema: 'urn:conformatrix:cookie-vectors' });
    const r = cli(['validate', file]);
    assert.equal(r.status, 2, r.stderr);
    // Lines 17 and 18 of the file as written: the second and third flags.
    assert.match(r.stderr, /v\.json:17:\d+ at \/vectors\/0\/flags\/1: unknown flag "samesit" \(close names: samesite[,)]/);
    assert.match(
      r.stderr,
      /v\.json:18:\d+ at \/vectors\/0\/flags\/2: unknown flag "teapot" \(no close name\); a new flag needs an entry in vectors\/schema\/flags\.json under "flags": "teapot": "<one line/,
    );
    assert.doesNotMatch(r.stderr, /flags\/0/, 'a registered flag is fine');
  });

  it('accepts a vector whose flags are all registered, the flags an importer writes included', () => {
    const r = cli([
      'validate',
      write('v.json', { vectors: [vector(['samesite', 'redirect', 'imported', 'http-state'])], $schema: 'urn:conformatrix:cookie-vectors' }),
    ]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('names a registry entry that no vector carries, at its line and pointer', () => {
    const file = write('flags.json', { flags: { used: 'A flag some vector carries.', dead: 'A flag no vector carries any more.' } });
    const registry = flagRegistry(file);
    const flagged = {
      id: 'x/y',
      title: 't',
      level: 'MUST',
      citations: [],
      flags: ['used'],
      source: { file: 'v.json', pointer: '/vectors/0' },
      data: {},
    } as LoadedVector;
    const errors = unusedFlagErrors([flagged], registry);
    assert.deepEqual(
      errors.map((e) => e.message),
      [`${registry.source.file}:4:5 at /flags/dead: flag "dead" is defined but no vector carries it: remove the entry, or flag the vectors it was meant for`],
    );
    assert.deepEqual(unusedFlagErrors([{ ...flagged, flags: ['used', 'dead'] }], registry), []);
  });

  it('refuses a registry entry without a meaning', () => {
    const file = write('flags.json', { flags: { bare: '' } });
    assert.throws(() => flagRegistry(file), /flags\.json:3:\d+ at \/flags\/bare: /);
  });

  it("the project's vectors (every suite) and its registry agree", () => {
    assert.ok(flagRegistry(FLAGS_FILE).flags.size > 0);
    const r = cli(['validate']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /flag/);
  });
});
