// The reference target gives the same verdict on every vector of the cookie
// suite, the MPTCP packet suite and the interop grid as the committed baseline
// (test/fixtures/baseline-verdicts/). A change that moves a verdict on
// purpose regenerates it with `npm run baseline-verdicts` and shows the moved
// ids in its diff.
import assert from 'node:assert/strict';
import { skipWithReason } from '../docker/helpers.js';
import { BASELINE_SUITES, baselineFile, changedVerdicts, readBaseline, referenceVerdicts } from './verdicts.js';

describe('baseline verdicts of the reference target', function () {
  // Measured on a busy shared 2-core machine: cookies 36 s, mptcp 17 s, mptcp-interop (13 scenarios, one after another) 192 s.
  this.timeout(600_000);

  it('lists each change as id: baseline → now', () => {
    assert.deepEqual(changedVerdicts({ 'a/1': 'pass', 'a/2': 'fail', 'a/3': 'pass' }, { 'a/1': 'pass', 'a/2': 'pass', 'a/4': 'skipped' }), [
      'a/2: fail → pass',
      'a/3: pass → none',
      'a/4: none → skipped',
    ]);
  });

  for (const { suite, missing } of BASELINE_SUITES) {
    it(`${suite}: every vector's verdict is the baseline's`, async function () {
      const why = missing();
      if (why) return skipWithReason(this, why);
      const changed = changedVerdicts(readBaseline(suite), await referenceVerdicts(suite));
      assert.deepEqual(
        changed,
        [],
        `${changed.length} verdicts differ from ${baselineFile(suite)} (if on purpose: npm run baseline-verdicts, and review the diff):\n${changed.join('\n')}`,
      );
    });
  }
});
