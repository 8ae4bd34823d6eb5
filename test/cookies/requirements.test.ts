// The project's own requirements index (vectors/specs/requirements/) and cookie
// vectors (vectors/cookies/), as issue 11 wants them: every testable
// requirement of rfc6265bis has a cookie vector, every cookie vector cites
// requirements that exist, and `conformatrix validate` and `conformatrix
// coverage --suite cookies` pass on them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverage } from '../../runner/coverage.js';
import { cli, tempDir } from '../helpers.js';

describe('cookie requirements and vectors (the real index)', function () {
  this.timeout(120_000);

  it('every testable requirement of rfc6265bis has at least one cookie vector', async () => {
    const { coverage: all } = await coverage({ suites: ['cookies'], profile: 'rfc6265bis', out: tempDir() });
    const c = all[0]!;
    assert.equal(c.doc, 'rfc6265bis');
    assert.ok(c.totals.testable > 0, 'the index has testable requirements');
    assert.deepEqual(c.uncovered, [], `uncovered: ${c.uncovered.join(' ')}`);
    for (const u of c.untestable) assert.ok(u.reason.trim().length >= 10, `${u.id} says why it is untestable`);
  });

  it('every cookie vector cites requirements, validate passes', () => {
    const r = cli(['validate']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /requirements: \d+ valid \(.*rfc6265: \d+ in \d+ files; rfc6265bis: \d+ in \d+ files[;)]/);
    assert.match(r.stdout, /cookies: \d+ vectors valid/);
  });

  it('conformatrix coverage --suite cookies prints the totals, writes coverage.md and coverage.json, and exits 0', () => {
    const out = tempDir();
    const r = cli(['coverage', '--suite', 'cookies', '--out', out]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^cookies, profile rfc6265bis, measured against rfc6265bis: \d+ requirements, \d+ untestable; (\d+)\/\1 testable covered \(100\.0%\) by \d+ vectors$/m,
    );
    assert.ok(existsSync(join(out, 'coverage.md')));
    const json = JSON.parse(readFileSync(join(out, 'coverage.json'), 'utf8')) as { suites: { uncovered: string[] }[] };
    assert.deepEqual(json.suites[0]!.uncovered, []);
  });
});
