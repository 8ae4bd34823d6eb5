// The release gate fails closed, seen from a user's own project: a folder with
// its own target and expectations file, the CLI run as a child process. Each
// case below once exited 0 (a green gate) without testing what it was asked to.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../../runner/errors.js';
import { checkRan } from '../../runner/gate-checks.js';
import type { RunResults } from '../../runner/model.js';
import { cli, FIXTURES, readRun, tempDir } from '../helpers.js';

const VECTORS = join(FIXTURES, 'vectors', 'cli.json');
const ADAPTER = join(FIXTURES, 'targets', 'faulty', 'adapter.mjs');

/** A user's project: conformance/targets/mylib with the given manifest (by default one that runs). */
function project(manifest: Record<string, unknown> = {}): { dir: string; targets: string; file: (name: string, content: unknown) => string } {
  const dir = tempDir('conformatrix-project-');
  const targets = join(dir, 'conformance', 'targets');
  mkdirSync(join(targets, 'mylib'), { recursive: true });
  const base = {
    name: 'my cookie library',
    suites: ['cookies'],
    userAgentClass: 'non-browser',
    capabilities: ['clock'],
    local: { command: ['node', ADAPTER] },
  };
  writeFileSync(join(targets, 'mylib', 'target.json'), JSON.stringify({ ...base, ...manifest }, null, 2) + '\n');
  const file = (name: string, content: unknown) => {
    const path = join(dir, 'conformance', name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
    return path;
  };
  return { dir, targets, file };
}

const UNAVAILABLE = {
  local: { command: ['conformatrix-test-no-such-tool'], requires: [{ command: 'conformatrix-test-no-such-tool', package: 'mylib-tools' }] },
};

/** Exit 2 with one clear message, and no stack trace. */
function failsClosed(r: ReturnType<typeof cli>, message: RegExp): void {
  assert.equal(r.status, 2, `exit code ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('the release gate fails closed', function () {
  this.timeout(120_000);

  it('a target named with --target that is unavailable: exit 2 with its reason, nothing run', () => {
    const p = project(UNAVAILABLE);
    const out = join(p.dir, 'reports');
    const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--out', out]);
    failsClosed(r, /mylib \(named by --target\) is unavailable: conformatrix-test-no-such-tool not found on PATH \(install mylib-tools\)/);
  });

  it('a target named in an expectations file that is unavailable, or not in the run: exit 2', () => {
    const p = project(UNAVAILABLE);
    const expectations = p.file('mylib.expectations.json', { target: 'mylib', failures: {} });
    const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--expectations', expectations, '--out', join(p.dir, 'reports')]);
    failsClosed(r, /mylib \(named by .*mylib\.expectations\.json\) is unavailable: conformatrix-test-no-such-tool not found/);
    // The file is about a target the run does not have at all (a typo, or the wrong --target-dir).
    const q = project();
    const other = q.file('other.expectations.json', { target: 'mylbi', failures: {} });
    const r2 = cli(['run', '--vectors', VECTORS, '--target-dir', q.targets, '--grep', 'passes$', '--expectations', other, '--out', join(q.dir, 'reports')]);
    failsClosed(r2, /mylbi \(named by .*other\.expectations\.json\) is not a target of this run \(targets: mylib\)/);
  });

  it('no target at all (an empty --target-dir): exit 2', () => {
    const p = project();
    const empty = join(p.dir, 'no-targets-here');
    mkdirSync(empty);
    failsClosed(
      cli(['run', '--vectors', VECTORS, '--target-dir', empty, '--out', join(p.dir, 'reports')]),
      /no target can run \(none found for the selected suites\)/,
    );
  });

  it('no vector selected (--grep matches nothing): exit 2', () => {
    const p = project();
    failsClosed(
      cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--grep', 'no-such-vector', '--out', join(p.dir, 'reports')]),
      /no vector to run on any target/,
    );
  });

  it('every vector skipped on the named target: exit 2 after the reports are written', () => {
    const p = project();
    const out = join(p.dir, 'reports');
    const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--grep', 'browser-only', '--out', out]);
    failsClosed(r, /no vector ran on mylib \(named by --target\): 1 skipped, 0 unsupported/);
    assert.deepEqual(
      readRun(out).results.map((x) => x.verdict),
      ['skipped'],
      'the reports say what happened',
    );
  });

  it('a manifest with a misspelled suite: exit 2 naming file, line and pointer, instead of a vanished target', () => {
    const p = project({ suites: ['cookie'] });
    const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--out', join(p.dir, 'reports')]);
    failsClosed(r, /mylib\/target\.json:\d+:\d+ at \/suites\/0: unknown suite "cookie" \(known: cookies, mptcp, mptcp-interop\)/);
  });

  it('a manifest with a capability no suite of its declares: exit 2 naming file, line and pointer', () => {
    const p = project({ capabilities: ['clocks'] });
    const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--grep', 'passes$', '--out', join(p.dir, 'reports')]);
    failsClosed(
      r,
      /mylib\/target\.json:\d+:\d+ at \/capabilities\/0: unknown capability "clocks" for suites cookies \(known: clock, https, browser-context(, [a-z-]+)*\)/,
    );
  });

  it('merge of one shard of two, or of a shard and an unsharded run: exit 2 naming what is missing', () => {
    const p = project();
    const shard = (i: number) => {
      const out = join(p.dir, `shard-${i}`);
      const r = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--shard', `${i}/2`, '--out', out]);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      return out;
    };
    const first = shard(1);
    assert.deepEqual(readRun(first).run.shard, { index: 1, count: 2 }, 'results.json records the shard and the count');
    failsClosed(cli(['merge', first, '--out', join(p.dir, 'merged')]), /cannot merge: the run has 2 shards and 2\/2 is missing/);
    const whole = join(p.dir, 'whole');
    cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--out', whole]);
    failsClosed(cli(['merge', first, whole, '--out', join(p.dir, 'merged')]), /is not a shard/);
    // Both shards: merged, and gated on as one run.
    const second = shard(2);
    const merged = cli(['merge', first, second, '--out', join(p.dir, 'merged'), '--quiet']);
    assert.equal(merged.status, 1, merged.stderr); // cookies/cli/wrong-on-purpose fails on purpose
    assert.equal(readRun(join(p.dir, 'merged')).results.length, readRun(whole).results.length);
  });

  it('counts the interop pairs a named target plays a role in as its runs', () => {
    const run = (verdict: string) =>
      ({
        run: {},
        results: [{ targetId: 'hang+reference', vectorId: 'mptcp-interop/x', verdict, roles: { client: 'hang', server: 'reference' } }],
      }) as unknown as RunResults;
    assert.doesNotThrow(() => checkRan(run('timeout'), [{ id: 'hang', by: '--target' }]));
    assert.doesNotThrow(() => checkRan(run('pass'), [{ id: 'hang+reference', by: 'hang.expectations.json' }]));
    assert.throws(
      () => checkRan(run('unsupported'), [{ id: 'hang', by: '--target' }]),
      (e: unknown) => e instanceof GateError && /no vector ran on hang \(named by --target\): 0 skipped, 1 unsupported/.test(e.message),
    );
  });

  it('still exits 0 on a gate that ran and met its expectations', () => {
    const p = project();
    const file = join(p.dir, 'conformance', 'mylib.expectations.json');
    const first = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--out', join(p.dir, 'r1'), '--update-expectations', file]);
    assert.equal(first.status, 1, first.stderr);
    assert.ok(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { failures: object }).failures).length > 0);
    const gated = cli(['run', '--vectors', VECTORS, '--target-dir', p.targets, '--target', 'mylib', '--expectations', file, '--out', join(p.dir, 'r2')]);
    assert.equal(gated.status, 0, gated.stdout + gated.stderr);
  });
});
