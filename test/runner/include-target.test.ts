// --include-target: only the client × server pairs of a suite with roles in
// which the named target takes part (in the manner of QUIC Interop Runner's
// --must-include), planned directly and listed by the CLI.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ensemblePlans, type LoadedSuite } from '../../runner/plan.js';
import type { TargetPlan } from '../../runner/scheduler.js';
import { cli, FIXTURES, ROOT } from '../helpers.js';

const member = (id: string): TargetPlan =>
  ({ record: { id, name: id, suites: ['pairs'], status: 'available', driver: 'local' }, view: { id }, factory: {}, items: [] }) as unknown as TargetPlan;
const loaded = [{ suite: { name: 'pairs', roles: ['client', 'server'] }, vectors: [{ id: 'pairs/one' }] }] as unknown as LoadedSuite[];

describe('--include-target', function () {
  this.timeout(120_000);

  it('plans only the pairs that include the target, in both roles', () => {
    const plans = ['a', 'b', 'mine'].map(member);
    assert.equal(ensemblePlans(plans, loaded).length, 9, 'every ordered pair without it');
    const ids = ensemblePlans(plans, loaded, ['mine']).map((p) => p.record.id);
    assert.deepEqual(ids, ['a+mine', 'b+mine', 'mine+a', 'mine+b', 'mine+mine']);
  });

  it('lists only those pairs from the command line', () => {
    const r = cli([
      'run',
      '--suite',
      'mptcp-interop',
      '--target-dir',
      join(ROOT, 'targets'),
      '--target-dir',
      join(FIXTURES, 'interop-targets'),
      '--include-target',
      'hang',
      '--list',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const pairs = r.stdout.split('\n').filter((l) => l.includes('+'));
    assert.ok(pairs.includes('reference+hang') && pairs.includes('hang+reference') && pairs.includes('hang+hang'), r.stdout);
    assert.ok(
      pairs.every((p) => p.split('+').includes('hang')),
      `only pairs with hang: ${pairs.join(', ')}`,
    );
  });

  it('is a usage error for a target the run does not have', () => {
    const r = cli(['run', '--suite', 'mptcp-interop', '--include-target', 'nobody', '--list']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown target\(s\) for suites mptcp-interop: nobody/);
  });
});
