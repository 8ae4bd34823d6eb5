/**
 * `npm run baseline-verdicts [SUITE...]`: runs the reference target over the
 * suites (all three by default) and writes test/fixtures/baseline-verdicts/
 * again. Review the diff: every changed line is a verdict that moved.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { BASELINE_DIR, BASELINE_SUITES, baselineFile, changedVerdicts, readBaseline, referenceVerdicts, type Verdicts } from './verdicts.js';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((s) => !BASELINE_SUITES.some((b) => b.suite === s));
if (unknown.length) {
  process.stderr.write(`no baseline for ${unknown.join(', ')} (known: ${BASELINE_SUITES.map((b) => b.suite).join(', ')})\n`);
  process.exit(2);
}
mkdirSync(BASELINE_DIR, { recursive: true });
let failed = false;
for (const { suite, missing } of BASELINE_SUITES.filter((b) => !wanted.length || wanted.includes(b.suite))) {
  const why = missing();
  if (why) {
    process.stderr.write(`${suite}: not written: ${why}\n`);
    failed = true;
    continue;
  }
  const t0 = performance.now();
  const now = await referenceVerdicts(suite);
  let before: Verdicts = {};
  try {
    before = readBaseline(suite);
  } catch {
    // A first baseline.
  }
  writeFileSync(baselineFile(suite), JSON.stringify(now, null, 2) + '\n');
  const changed = changedVerdicts(before, now);
  process.stdout.write(
    `${suite}: ${Object.keys(now).length} verdicts in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${changed.length} changed${changed.length ? `:\n  ${changed.join('\n  ')}` : ''}\n`,
  );
}
process.exit(failed ? 1 : 0);
