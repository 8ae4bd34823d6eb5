// `conformatrix fuzz` on the command line: its usage, and bad options as usage errors (exit 2, one line, no stack).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers.js';

function usageError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('fuzz: command line', function () {
  this.timeout(120_000);

  for (const flag of ['--help', '-h'])
    it(`fuzz ${flag} prints the usage and exits 0`, () => {
      const r = cli(['fuzz', flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: conformatrix fuzz --suite S .*--budget N \| --time S/);
    });

  it('--budget and --time together', () => {
    usageError(
      cli(['fuzz', '--suite', 'cookies', '--budget', '5', '--time', '5', '--out', tempDir()]),
      /^conformatrix: give --budget N \(scenarios\) or --time S \(seconds\), not both\n$/,
    );
  });

  it('no --suite, a bad number, a bad driver', () => {
    usageError(cli(['fuzz', '--out', tempDir()]), /fuzz needs --suite/);
    usageError(cli(['fuzz', '--suite', 'cookies', '--budget', 'ten', '--out', tempDir()]), /--budget takes a whole number from 1 to \d+, not "ten"/);
    usageError(cli(['fuzz', '--suite', 'cookies', '--driver', 'auto', '--out', tempDir()]), /--driver takes local or docker, not "auto"/);
  });

  it('an unknown suite and an unknown target are named', () => {
    usageError(cli(['fuzz', '--suite', 'cookie', '--out', tempDir()]), /unknown suite "cookie" \(known: cookies, /);
    usageError(
      cli(['fuzz', '--suite', 'cookies', '--target', 'nosuch', '--budget', '1', '--out', tempDir()]),
      /unknown target\(s\) for suites cookies: nosuch/,
    );
  });

  it("--suite mptcp goes to the suite's own fuzzer (suites/mptcp/fuzz.ts), with its own usage", () => {
    const r = cli(['fuzz', '--suite', 'mptcp', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: conformatrix fuzz --suite mptcp/);
  });

  it('a short run writes the reports and says where', () => {
    const out = tempDir();
    const r = cli([
      'fuzz',
      '--suite',
      'cookies',
      '--target',
      'tough-cookie',
      '--budget',
      '10',
      '--seed',
      '2',
      '--minimise',
      '1',
      '--shrink-rounds',
      '2',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^fuzzing reference, tough-cookie \(seed 2\)$/m);
    assert.match(r.stderr, /^fuzz: 10 scenarios \([0-9.]+\/s\), \d+ disagreements, \d+ clusters$/m);
    assert.match(r.stdout, /^10 scenarios, \d+ disagreements, \d+ clusters\nReports: .*fuzz\.json, .*fuzz\.md, .*fuzz\.html\n$/);
    for (const f of ['fuzz.json', 'fuzz.md', 'fuzz.html']) assert.ok(existsSync(join(out, f)));
  });
});
