// The run command end to end: mocha reporters and grep, reports, verdicts and exit codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import { cli, FIXTURES, readRun, tempDir, verdicts } from '../helpers.js';

const VECTORS = join(FIXTURES, 'vectors', 'cli.json');

describe('conformatrix run', function () {
  this.timeout(60_000);

  it('exits 1 on a failure and shows expected vs actual in the console, junit.xml and matrix.md', () => {
    const out = tempDir();
    const r = cli(['run', '--vectors', VECTORS, '--target', 'reference', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^reference {2}4\/4 done {2}3 pass, 1 fail$/m);
    assert.match(r.stdout, /Unexpected results: 1\n\n1\) reference {2}cookies\/cli\/wrong-on-purpose: /);
    assert.match(r.stdout, /request 2 \(GET http:\/\/home\.example\.org\/\): expected "a=c", got "a=b"/);
    assert.match(r.stdout, /target\s+version\s+pass\s+flaky\s+fail/);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, /<testsuite name="reference" tests="4" failures="1" errors="0" skipped="0">/);
    assert.match(junit, /<failure message="request 2 [^"]*expected &quot;a=c&quot;, got &quot;a=b&quot;" type="fail"\/>/);
    assert.match(junit, /<property name="citation" value="rfc6265bis §5\.7 #storage-model"\/>/);
    const matrix = readFileSync(join(out, 'matrix.md'), 'utf8');
    assert.match(matrix, /\| `cookies\/cli\/wrong-on-purpose` \| MUST \| ❌ \|/);
    assert.match(matrix, /\*\*passed\*\* \| \*\*3\/4\*\*/);
    const run = readRun(out);
    const wrong = run.results.find((x) => x.vectorId === 'cookies/cli/wrong-on-purpose')!;
    assert.deepEqual(wrong.expected, [
      { request: 1, cookie: null },
      { request: 2, cookie: 'a=c' },
    ]);
    assert.deepEqual(wrong.actual, [
      { request: 1, cookie: null },
      { request: 2, cookie: 'a=b' },
    ]);
    assert.equal(run.targets[0]!.implementation!.name, 'conformatrix reference');
  });

  it('runs only what --grep selects, through mocha', () => {
    const out = tempDir();
    const r = cli(['run', '--vectors', VECTORS, '--target', 'reference', '--grep', 'passes$', '--reporter', 'spec', '--out', out]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 passing/);
    assert.deepEqual(Object.keys(verdicts(readRun(out), 'reference')), ['cookies/cli/passes']);
  });

  it('skips vectors for another user-agent class, and marks vectors needing a clock the target lacks as unsupported', async () => {
    const out = tempDir();
    await runCommand({ suites: [], targets: ['clockless'], vectors: [VECTORS], out, targetDirs: [join(FIXTURES, 'targets')], quiet: true });
    const byId = Object.fromEntries(readRun(out).results.map((x) => [x.vectorId, x]));
    assert.equal(byId['cookies/cli/browser-only']!.verdict, 'skipped');
    assert.match(byId['cookies/cli/browser-only']!.reason!, /applies to browser user agents; clockless is a non-browser user agent/);
    assert.equal(byId['cookies/cli/needs-clock']!.verdict, 'unsupported');
    assert.match(byId['cookies/cli/needs-clock']!.reason!, /needs a controllable clock \(fixed at 1994-11-06T08:49:37Z\)/);
    assert.equal(byId['cookies/cli/passes']!.verdict, 'pass');
  });

  it('refuses a target that is not among the known ones', () => {
    const r = cli(['run', '--vectors', VECTORS, '--target', 'faulty']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown target\(s\) for suites cookies: faulty/);
  });

  it('lists the plan without running it', () => {
    const r = cli(['run', '--vectors', VECTORS, '--target', 'reference', '--list']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^reference\n {2}cookies\/cli\/passes\n/);
  });

  it('exits 2 on usage errors', () => {
    assert.equal(cli(['run', '--jobs', 'many']).status, 2);
    assert.match(cli(['run', '--profile', 'rfc2109', '--vectors', VECTORS]).stderr, /unknown profile "rfc2109"/);
    assert.match(cli(['frobnicate']).stderr, /unknown command "frobnicate"/);
    assert.equal(cli(['run', '--no-such-option']).status, 2);
  });
});
