// `unless` on a step of a packet-level vector: the step is skipped once an
// earlier optional expect captured the variable (the other branch of a MAY,
// run end to end in test/mptcp/may-branches.test.ts); a variable no earlier
// expect captures is an error with its line and JSON pointer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, FIXTURES } from '../helpers.js';

const FILE = join(FIXTURES, 'mptcp-vectors', 'unless-uncaptured.json');

describe('mptcp vectors: unless', function () {
  this.timeout(60_000);

  it('rejects `unless` on a variable no earlier expect captures, naming file, line and pointer', () => {
    const r = cli(['validate', FILE]);
    assert.equal(r.status, 2, r.stderr);
    const line =
      readFileSync(FILE, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"unless"')) + 1;
    assert.match(r.stderr, new RegExp(`unless-uncaptured\\.json:${line}:\\d+ at /vectors/0/script/2/unless: no earlier expect captures "synAck"`));
  });
});
