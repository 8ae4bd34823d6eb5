// An implementation's own mocha suite imports the vectors as tests (docs/library.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, ROOT } from '../helpers.js';

describe("library: defineConformanceTests in a user's mocha suite", function () {
  this.timeout(60_000);

  it('turns each vector into a mocha test, with failures, skips and passes as mocha shows them', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--no-config',
        '--no-color',
        '--reporter',
        'spec',
        join(FIXTURES, 'library', 'my-implementation.test.mjs'),
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CONFORMATRIX_VECTORS: join(FIXTURES, 'vectors', 'cli.json') } },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /cookies conformance: my-jar/);
    assert.match(r.stdout, /2 passing/);
    assert.match(r.stdout, /1 pending/);
    assert.match(r.stdout, /1 failing/);
    assert.match(r.stdout, /browser-only: a vector for browsers only \[skipped: applies to browser user agents/);
    assert.match(r.stdout, /expected "a=c", got "a=b"/);
  });
});
