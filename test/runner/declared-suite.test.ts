// A vector file's suite is the one its `$schema` names, never a guess from the
// first segment of its ids: a file given with --vectors (or to validate) is
// loaded by that suite, and a `$schema` that names no suite, or none where
// several suites could take the file, is an error with the file, its line and
// the pointer /$schema.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputErrors, UsageError } from '../../runner/errors.js';
import { loadAll } from '../../runner/plan.js';
import { SpecLibrary } from '../../runner/specs.js';
import { cli, FIXTURES, tempDir } from '../helpers.js';

const specs = SpecLibrary.load();
const cookieVector = (JSON.parse(readFileSync(join(FIXTURES, 'vectors', 'cli.json'), 'utf8')) as { vectors: { id: string }[] }).vectors[0]!;
const mptcpVector = (JSON.parse(readFileSync(join(FIXTURES, 'mptcp-vectors', 'silent.json'), 'utf8')) as { vectors: { id: string }[] }).vectors[0]!;

/** A vector file with this `$schema` (none when undefined) and these vectors, written as the test names it. */
function file(schema: unknown, vectors: unknown[]): string {
  const path = join(tempDir(), 'v.json');
  writeFileSync(path, JSON.stringify({ ...(schema !== undefined ? { $schema: schema } : {}), vectors }, null, 2) + '\n');
  return path;
}

describe('the suite of a vector file', function () {
  this.timeout(120_000);

  describe('is the one its $schema names', () => {
    const cases: { name: string; schema: string; vectors: unknown[]; suite: string }[] = [
      { name: 'by a path relative to the file', schema: '../schema/cookie-vectors.schema.json', vectors: [cookieVector], suite: 'cookies' },
      {
        name: 'by a URL ending in the file name',
        schema: 'https://example.org/conformatrix/vectors/schema/mptcp-vectors.schema.json',
        vectors: [mptcpVector],
        suite: 'mptcp',
      },
      { name: 'by a Windows path', schema: '..\\schema\\cookie-vectors.schema.json', vectors: [cookieVector], suite: 'cookies' },
      { name: "by the schema's $id", schema: 'urn:conformatrix:cookie-vectors', vectors: [cookieVector], suite: 'cookies' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const loaded = await loadAll([], [file(c.schema, c.vectors)], specs);
        assert.deepEqual(
          loaded.map((l) => [l.suite.name, l.vectors.map((v) => v.id)]),
          [[c.suite, c.vectors.map((v) => (v as { id: string }).id)]],
        );
      });
    }
  });

  it('whatever its ids say: cookie vectors under the packet suite schema are checked against that schema', async () => {
    await assert.rejects(loadAll([], [file('../schema/mptcp-vectors.schema.json', [cookieVector])], specs), (err: unknown) => {
      assert.ok(err instanceof InputErrors, String(err));
      assert.match(err.message, /v\.json:\d+:\d+ at \/vectors\/0: (missing required property "script"|unknown property "requests")/);
      return true;
    });
  });

  it('so that a misspelled id is a schema error at the id, not a suite that does not exist', async () => {
    await assert.rejects(loadAll([], [file('../schema/cookie-vectors.schema.json', [{ ...cookieVector, id: 'cookie/cli/passes' }])], specs), (err: unknown) => {
      assert.ok(err instanceof InputErrors, String(err));
      assert.match(err.message, /v\.json:\d+:\d+ at \/vectors\/0\/id: must match the pattern/);
      return true;
    });
  });

  const refused: { name: string; schema: unknown; suites?: string[]; message: RegExp }[] = [
    {
      name: 'a $schema that names no suite',
      schema: '../schema/requirements.schema.json',
      message:
        /v\.json:2:3 at \/\$schema: "\.\.\/schema\/requirements\.schema\.json" names no suite's vector schema \(known: cookies \(cookie-vectors\.schema\.json\), mptcp/,
    },
    { name: 'a $schema that is no string', schema: 7, message: /v\.json:2:3 at \/\$schema: must be a string naming a suite's vector schema/ },
    {
      name: 'no $schema, where several suites could take the file',
      schema: undefined,
      message:
        /v\.json:1:1 at \/\$schema: missing "\$schema": a vector file names the vector schema of its suite \(cookies \(cookie-vectors\.schema\.json\), mptcp \(mptcp-vectors\.schema\.json\), mptcp-interop \(mptcp-interop-vectors\.schema\.json\)\); or give --suite$/,
    },
    {
      name: 'a $schema that names no suite, even with --suite',
      schema: 'cookie-vector.schema.json',
      suites: ['cookies'],
      message: /v\.json:2:3 at \/\$schema: "cookie-vector\.schema\.json" names no suite's vector schema/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}, with the file, line and pointer`, async () => {
      await assert.rejects(loadAll(c.suites ?? [], [file(c.schema, [cookieVector])], specs), (err: unknown) => {
        assert.ok(err instanceof InputErrors, String(err));
        assert.equal(err.errors.length, 1, err.message);
        assert.match(err.message, c.message);
        return true;
      });
    });
  }

  it('takes a file without $schema as the vectors of the one suite given with --suite', async () => {
    const loaded = await loadAll(['cookies'], [file(undefined, [cookieVector])], specs);
    assert.deepEqual(
      loaded.map((l) => [l.suite.name, l.vectors.length]),
      [['cookies', 1]],
    );
  });

  it('is a usage error when the suite its $schema names is not the one selected', async () => {
    await assert.rejects(loadAll(['cookies'], [file('../schema/mptcp-vectors.schema.json', [mptcpVector])], specs), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, /v\.json: its vectors belong to suite "mptcp", which is not selected$/);
      return true;
    });
  });

  it('says so from the command line, exit 2', () => {
    const r = cli(['validate', file('../schema/cookies.schema.json', [cookieVector])]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /v\.json:2:3 at \/\$schema: "\.\.\/schema\/cookies\.schema\.json" names no suite's vector schema \(known: cookies \(cookie-vectors\.schema\.json\), mptcp \(mptcp-vectors\.schema\.json\), mptcp-interop \(mptcp-interop-vectors\.schema\.json\)\)/,
    );
  });
});
