// The action's outputs (action.yml), as `key=value` lines for $GITHUB_OUTPUT,
// from a results.json: the count of each verdict, the results that apply, the
// unexpected ones (with the same rules as the run's exit code), the gate's
// lists when the run was gated, each target's pass count and the vector set's version.
// Usage: node outputs.mjs RESULTS.JSON
import { countVerdicts, isUnexpected, VERDICTS } from '../../dist/runner/model.js';
import { readResults } from '../../dist/runner/results.js';

const run = readResults(process.argv[2]);
const counts = countVerdicts(run.results);
const lines = VERDICTS.map((v) => `${v}=${counts[v]}`);
lines.push(`applicable=${run.results.length - counts.skipped}`);
lines.push(`unexpected=${run.results.filter(isUnexpected).length}`);
if (run.run.expectations) {
  const outcome = (o) => run.results.filter((r) => r.expectation?.outcome === o).length;
  lines.push(`new-failures=${outcome('new-failure')}`, `unexpected-passes=${outcome('unexpected-pass')}`);
}
// Per target (and per interop pair), as matrix.md counts them: passes over the results that are not skipped.
const passCounts = {};
for (const r of run.results) {
  const [pass, all] = (passCounts[r.targetId] ?? '0/0').split('/').map(Number);
  if (r.verdict !== 'skipped') passCounts[r.targetId] = `${pass + (r.verdict === 'pass' ? 1 : 0)}/${all + 1}`;
  else passCounts[r.targetId] ??= '0/0';
}
lines.push(`pass-counts=${JSON.stringify(passCounts)}`);
if (run.run.vectorsVersion) lines.push(`vectors-version=${run.run.vectorsVersion}`);
process.stdout.write(lines.join('\n') + '\n');
