// The cookie fuzzer's benchmark (bench/fuzz.ts, in `npm run bench`): throughput per target and the share of the time in
// each target, from a real fuzzing run.
import assert from 'node:assert/strict';
import { fuzzThroughput, printFuzzThroughput } from '../../bench/fuzz.js';

describe('bench: the cookie fuzzer', function () {
  this.timeout(300_000);

  it('measures scenarios per second per target and the share of the time in each, and prints them', async () => {
    const r = await fuzzThroughput(10, ['tough-cookie']);
    assert.equal(r.scenarios, 10);
    assert.deepEqual(
      r.targets.map((t) => [t.target, t.runs]),
      [
        ['reference', 10],
        ['tough-cookie', 10],
      ],
    );
    for (const t of r.targets) {
      assert.ok(t.scenariosPerSecond > 0, JSON.stringify(t));
      assert.ok(t.share > 0 && t.share <= 1, JSON.stringify(t));
    }
    let printed = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      printFuzzThroughput(r);
    } finally {
      process.stdout.write = write;
    }
    assert.match(printed, /^cookie fuzzer: 10 scenarios on 2 targets in [0-9.]+ s, [0-9.]+ scenarios\/s/);
    assert.match(printed, /\n {2}tough-cookie +10 +[0-9.]+ +[0-9.]+ %\n/);
    assert.match(printed, /the targets' mean share: [0-9.]+ %/);
  });
});
