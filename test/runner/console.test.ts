// The console of `conformatrix run`, as CI reads it: the default reporter's
// progress lines in completion order, failures without harness stack frames,
// the rerun command of each failure (run for real here), known failures of a
// gated run shown as expected, and --reporter json printing JSON only.
// The targets are real adapter processes: the bundled reference, and the
// faulty fixture adapter, whose hang and late vectors make it the slow one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { CLI, cli, FIXTURES, readRun, ROOT, tempDir } from '../helpers.js';

const FAULTS = join(FIXTURES, 'vectors', 'faults.json');
const CLI_VECTORS = join(FIXTURES, 'vectors', 'cli.json');
/** The fixture folder first: faulty (the slow target) is planned before the reference. */
const DIRS = ['--target-dir', join(FIXTURES, 'targets'), '--target-dir', join(ROOT, 'targets')];
/** A stack frame of the harness's own code, as mocha or a raw error would print it. */
const HARNESS_FRAME = /^\s+at .*(runner|mocha)[/\\]/m;

/** Runs a rerun command as printed, with the local CLI for `npx conformatrix` and the reports in `out`. */
function runPrinted(command: string, out: string) {
  assert.match(command, /^npx conformatrix run /);
  const r = spawnSync('sh', ['-c', `${command.replace(/^npx conformatrix/, `'${process.execPath}' '${CLI}'`)} --out '${out}'`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: stripVTControlCharacters(r.stdout), stderr: r.stderr };
}

describe('conformatrix run: the console', function () {
  this.timeout(180_000);

  describe('the default reporter, on a slow target and a fast one', () => {
    let r: ReturnType<typeof cli>;
    let out: string;
    before(() => {
      out = tempDir();
      r = cli(['run', '--vectors', FAULTS, ...DIRS, '--target', 'faulty', '--target', 'reference', '--timeout', '2000', '--out', out]);
    });

    it("prints each target's progress as its results complete: the fast target is done before the slow one, though planned after it", () => {
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stdout.split('\n');
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      const referenceDone = at(/^reference\s+19\/19 done\s+19 pass$/);
      const faultyDone = at(/^faulty\s+19\/19 done\s+11 pass, 6 error, 2 timeout$/);
      assert.ok(referenceDone >= 0 && faultyDone >= 0, r.stdout);
      assert.ok(referenceDone < faultyDone, 'the reference finished first and was not held back');
      assert.ok(at(/^faulty\s+\d+\/19\s{6}/) >= 0, 'a progress line before faulty is done');
      // A line per unexpected result as it arrives.
      assert.ok(at(/^ {2}✗ faulty {2}cookies\/faults\/hang: timeout: no verdict within 2000 ms$/) >= 0, r.stdout);
      assert.doesNotMatch(r.stdout, /\x1b\[/, 'no cursor movement or colour');
    });

    it('lists each unexpected result without stack frames: the reason, "no verdict" and the adapter\'s stderr for a timeout', () => {
      assert.doesNotMatch(r.stdout, HARNESS_FRAME);
      const list = r.stdout.slice(r.stdout.indexOf('Unexpected results: 8'));
      assert.ok(list.length > 30, r.stdout);
      const hang = list.slice(list.indexOf('faulty  cookies/faults/hang'));
      assert.match(
        hang,
        /^faulty {2}cookies\/faults\/hang: fault injection: hang\n {3}timeout: no verdict within 2000 ms\n {3}no verdict: the target gave no result to compare\n {3}stderr of faulty:\n.*faulty adapter: hanging on cookies\/faults\/hang/,
      );
      assert.doesNotMatch(hang.split('\n\n')[0]!, /expected|equal/);
    });

    it('prints a command for each failure that runs exactly that vector on that target again', () => {
      const cmd = /faulty {2}cookies\/faults\/crash:.*\n(?: {3}.*\n)*? {3}rerun: {4}(.*)/.exec(r.stdout)?.[1];
      assert.ok(cmd, r.stdout);
      for (const part of ['--vectors', '--target-dir', '--timeout 2000', '--target faulty']) assert.ok(cmd.includes(part), `${cmd} has ${part}`);
      const again = tempDir();
      const r2 = runPrinted(cmd, again);
      assert.equal(r2.status, 1, r2.stdout + r2.stderr);
      const rerun = readRun(again);
      assert.deepEqual(
        rerun.results.map((x) => `${x.targetId} ${x.vectorId} ${x.verdict}`),
        ['faulty cookies/faults/crash error'],
      );
    });

    it("keeps the adapter's stderr with a timeout in results.json", () => {
      const hang = readRun(out).results.find((x) => x.targetId === 'faulty' && x.vectorId === 'cookies/faults/hang')!;
      assert.equal(hang.verdict, 'timeout');
      assert.match(hang.logs?.faulty ?? '', /faulty adapter: hanging on cookies\/faults\/hang/);
      const ok = readRun(out).results.find((x) => x.targetId === 'faulty' && x.vectorId === 'cookies/faults/ok-1')!;
      assert.equal(ok.logs, undefined, 'a pass keeps no logs');
    });
  });

  it("with a mocha reporter (spec), shows a failure's reason and values with no harness stack frames", () => {
    const r = cli(['run', '--vectors', CLI_VECTORS, '--target', 'reference', '--reporter', 'spec', '--out', tempDir()]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /1 failing/);
    assert.match(r.stdout, /request 2 \(GET http:\/\/home\.example\.org\/\): expected "a=c", got "a=b"/);
    assert.doesNotMatch(r.stdout, HARNESS_FRAME);
    assert.doesNotMatch(r.stdout, /^\s+at /m, 'no stack frame at all');
  });

  it('with --reporter json, prints valid JSON on stdout, and the summary on stderr', () => {
    const out = tempDir();
    const r = cli(['run', '--vectors', CLI_VECTORS, '--target', 'reference', '--reporter', 'json', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    writeFileSync(join(out, 'out.json'), r.stdout);
    const json = JSON.parse(r.stdout) as { stats: { passes: number; failures: number }; failures: { fullTitle: string; err: { stack?: string } }[] };
    assert.equal(json.stats.failures, 1);
    assert.equal(json.failures[0]!.fullTitle.startsWith('reference cookies/cli/wrong-on-purpose: '), true);
    assert.doesNotMatch(json.failures[0]!.err.stack ?? '', /\n\s+at /);
    assert.match(r.stderr, /target\s+version\s+pass\s+flaky\s+fail/);
  });

  describe('gated on expectations', () => {
    let expectations: string;
    before(() => {
      expectations = join(tempDir(), 'faulty.json');
      writeFileSync(
        expectations,
        JSON.stringify({
          target: 'faulty',
          failures: { 'cookies/faults/crash': { reason: 'the fixture crashes on purpose' }, 'cookies/faults/garbage': { reason: 'prints garbage on purpose' } },
        }),
      );
    });
    const args = () => [
      'run',
      '--vectors',
      FAULTS,
      ...DIRS,
      '--target',
      'faulty',
      '--grep',
      'crash|garbage|ok-1$',
      '--expectations',
      expectations,
      '--out',
      tempDir(),
    ];

    it('shows known failures as expected failures, not as failing or unexpected (default reporter)', () => {
      const r = cli(args());
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^faulty\s+3\/3 done\s+1 pass, 2 expected failure\(s\)$/m);
      assert.match(
        r.stdout,
        /Expected failures \(known, listed in the expectations\): 2\n {2}faulty {2}cookies\/faults\/crash \(error: the fixture crashes on purpose\)/,
      );
      assert.doesNotMatch(r.stdout, /Unexpected results|✗/);
    });

    it("shows known failures as expected failures with mocha's spec reporter too", () => {
      const r = cli([...args(), '--reporter', 'spec']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /failing/);
      assert.match(r.stdout, /3 passing/);
      assert.match(r.stdout, /cookies\/faults\/crash: .*\[expected failure, error: the fixture crashes on purpose\]/);
    });
  });
});
