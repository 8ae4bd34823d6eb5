// The MPTCP vector schema closes every option: each kind (a TCP option's
// `kind`, an MPTCP option's `mptcp` subtype) has its own subschema, so a field
// the option does not have is a schema error, reported with its file, line and
// JSON pointer in the same pass as every other schema error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, FIXTURES, ROOT } from '../helpers.js';

const FILE = join(FIXTURES, 'mptcp-vectors', 'unknown-option-field.json');

/** The 1-based line of the first occurrence of `needle` in the fixture. */
function lineOf(needle: string): number {
  const text = readFileSync(FILE, 'utf8');
  assert.ok(text.includes(needle), needle);
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('mptcp vector schema: closed options', function () {
  this.timeout(60_000);

  it('rejects a field an option kind does not have, with its line and JSON pointer, as a schema error', () => {
    const r = cli(['validate', FILE]);
    assert.equal(r.status, 2, r.stderr);
    // A TCP option (by kind) in an expect, and an MPTCP option (by subtype) in an inject.
    assert.match(
      r.stderr,
      new RegExp(`unknown-option-field\\.json:${lineOf('"msss"')}:\\d+ at /vectors/0/script/2/expect/options/require/0: unknown property "msss"`),
    );
    assert.match(
      r.stderr,
      new RegExp(`unknown-option-field\\.json:${lineOf('"dataAkc64"')}:\\d+ at /vectors/0/script/3/inject/options/0: unknown property "dataAkc64"`),
    );
    // A raw option to send needs its octets.
    assert.match(
      r.stderr,
      new RegExp(`unknown-option-field\\.json:${lineOf('"mptcp": "raw"')}:\\d+ at /vectors/0/script/4/inject/options/0: missing required property "hex"`),
    );
    // One error per problem: the subschemas of the other kinds stay silent.
    assert.equal(r.stderr.split('\n').filter((l) => l.includes(' at /vectors/')).length, 3, r.stderr);
  });

  it("accepts every field the docs name for each option kind (the project's own vectors)", () => {
    const r = cli(['validate', join(ROOT, 'vectors', 'mptcp')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /mptcp: \d+ vectors valid/);
  });
});
