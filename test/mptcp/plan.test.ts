// Which packet vectors a target is asked to run: a vector that needs something of the adapter (sysctls set, addresses
// for the SUT to announce) is unsupported, with the reason, on a target whose adapter does not say it can.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { targetView } from '../../runner/plan.js';
import type { LoadedVector } from '../../runner/suite.js';
import { loadTarget } from '../../runner/targets.js';
import suite from '../../suites/mptcp/index.js';
import type { MptcpVector } from '../../suites/mptcp/vector.js';
import { ROOT } from '../helpers.js';

const vector = (setup: MptcpVector['setup']) => ({ id: 'mptcp/x', data: { setup } }) as unknown as LoadedVector<MptcpVector>;
const view = (target: string) => targetView(loadTarget(join(ROOT, 'targets', target)), 'mptcp');

describe('mptcp suite: planning a vector on a target', () => {
  it('runs a vector whose SUT announces addresses only where the adapter says sut-announce', () => {
    const announcing = vector({ announceAddresses: 1 });
    for (const target of ['reference', 'linux-kernel', 'linux-6.1']) assert.deepEqual(suite.plan(announcing, view(target), undefined), { run: true }, target);
    const d = suite.plan(announcing, { ...view('linux-6.1'), capabilities: new Set(['mptcp-v1', 'sysctls']) }, undefined);
    assert.equal(d.run, false);
    assert.equal(!d.run && d.verdict, 'unsupported');
    assert.match((!d.run && d.reason) || '', /announce and withdraw addresses/);
    assert.deepEqual(suite.plan(vector({}), view('linux-6.1'), undefined), { run: true });
  });
});
