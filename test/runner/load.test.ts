// The machine's load in results (runner/load.ts): what is recorded, and when reports warn that timeouts may be the machine's.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { loadWarning, watchLoad, type MachineLoad } from '../../runner/load.js';
import { matrixMarkdown } from '../../runner/reports/matrix.js';
import { summaryText } from '../../runner/reports/summary.js';
import type { RunResults } from '../../runner/model.js';

const load = (peak: number, cpus = 2): MachineLoad => ({ cpus, start: [peak, 1, 1], end: [1, 1, 1], peak });

describe('machine load', () => {
  it('records the CPU count and three load averages at the start and the end, and a peak at least as high as both 1-minute values', () => {
    const w = watchLoad();
    const l = w.stop();
    assert.equal(l.cpus, availableParallelism());
    assert.equal(l.start.length, 3);
    assert.equal(l.end.length, 3);
    assert.ok(l.peak >= l.start[0]! && l.peak >= l.end[0]!);
  });

  for (const [peak, cpus, timeouts, warns] of [
    [3.9, 2, 5, false],
    [4, 2, 5, true],
    [40, 2, 0, false],
    [40, 32, 3, false],
    [70, 32, 3, true],
  ] as const) {
    it(`peak ${peak} on ${cpus} CPUs with ${timeouts} timeouts: ${warns ? 'warns' : 'no warning'}`, () => {
      const w = loadWarning(load(peak, cpus), timeouts);
      if (warns) assert.match(w!, new RegExp(`^${timeouts} timeout\\(s\\) while the machine was busy \\(load up to ${peak} on ${cpus} CPUs\\)`));
      else assert.equal(w, undefined);
    });
  }

  it('no load recorded (an older results.json, a merged run): no warning', () => assert.equal(loadWarning(undefined, 10), undefined));

  it('matrix.md and the console summary carry the warning when timeouts coincide with load', () => {
    const run: RunResults = {
      format: 'conformatrix-results',
      formatVersion: 1,
      run: { harness: { name: 'conformatrix', version: '0' }, suites: ['s'], startedAt: 'a', finishedAt: 'b', load: load(9) },
      targets: [{ id: 't', name: 'T', suites: ['s'], status: 'available', driver: 'local' }],
      vectors: [],
      results: [
        {
          vectorId: 's/v',
          targetId: 't',
          suite: 's',
          verdict: 'timeout',
          expected: null,
          actual: null,
          reason: 'no answer within 10000 ms',
          durationMs: 10000,
        },
      ],
    };
    assert.match(matrixMarkdown(run), /> \*\*Warning:\*\* 1 timeout\(s\) while the machine was busy \(load up to 9 on 2 CPUs\)/);
    assert.match(summaryText(run), /Warning: 1 timeout\(s\) while the machine was busy/);
    run.results[0]!.verdict = 'fail';
    assert.doesNotMatch(matrixMarkdown(run), /Warning/);
  });
});
