/** junit.xml: one testsuite per target, one testcase per vector, with citations and level as properties. */
import builderModule from 'junit-report-builder';
import type { ResultRecord, RunResults } from '../model.js';
import { describeValue } from './text.js';

// The package is CommonJS and its typings describe an ES default export; at run time the import is the builder itself.
type Builder = typeof builderModule.default;
const builder: Builder = (builderModule as unknown as { default?: Builder }).default ?? (builderModule as unknown as Builder);

export function junitXml(run: RunResults): string {
  const b = builder.newBuilder();
  const vectors = new Map(run.vectors.map((v) => [v.id, v]));
  const byTarget = new Map<string, ResultRecord[]>();
  for (const r of run.results) byTarget.set(r.targetId, [...(byTarget.get(r.targetId) ?? []), r]);
  // Combinations of targets (interop pairs) get a testsuite each, after the targets.
  const known = new Set(run.targets.map((t) => t.id));
  const pairs = [...byTarget.keys()]
    .filter((id) => !known.has(id))
    .map((id) => ({ id, name: id, status: 'available' as const, implementation: undefined, reason: undefined }));
  for (const target of [...run.targets, ...pairs]) {
    const results = byTarget.get(target.id) ?? [];
    const suite = b.testSuite().name(target.id);
    suite.property('name', target.name);
    if (target.implementation) suite.property('version', `${target.implementation.name} ${target.implementation.version}`);
    suite.property('status', target.status);
    if (target.reason) suite.property('reason', target.reason);
    // The vector set, on every testsuite: junit has no properties for the whole file.
    if (run.run.vectorsVersion) suite.property('vectors.version', run.run.vectorsVersion);
    if (run.run.vectorSetHash) suite.property('vectors.hash', run.run.vectorSetHash);
    for (const r of results) {
      const v = vectors.get(r.vectorId);
      const tc = suite
        .testCase()
        .className(`${r.suite}.${target.id}`)
        .name(r.vectorId)
        .time(r.durationMs / 1000);
      if (v) {
        tc.property('title', v.title);
        tc.property('level', v.level);
        v.citations.forEach((c, i) => tc.property(i === 0 ? 'citation' : `citation.${i}`, `${c.doc} §${c.section}${c.anchor ? ` #${c.anchor}` : ''}`));
      }
      switch (r.verdict) {
        case 'fail':
          tc.failure(r.reason ?? 'failed', 'fail');
          tc.standardOutput(`expected: ${describeValue(r.expected)}\nactual:   ${describeValue(r.actual)}\n`);
          break;
        case 'error':
        case 'timeout':
          tc.error(r.reason ?? r.verdict, r.verdict);
          break;
        case 'skipped':
        case 'unsupported':
          tc.skipped();
          tc.property('skipped', `${r.verdict}: ${r.reason ?? ''}`);
          break;
        case 'flaky':
          tc.property('flaky', `passed on attempt ${(r.attempts?.length ?? 0) + 1}`);
          tc.standardOutput((r.attempts ?? []).map((a, i) => `attempt ${i + 1}: ${a.verdict}: ${a.reason ?? ''}`).join('\n') + '\n');
          break;
        default:
          break;
      }
      if (r.expectation)
        tc.property('expectation', `${r.expectation.expected}: ${r.expectation.outcome}${r.expectation.reason ? ` (${r.expectation.reason})` : ''}`);
    }
  }
  return b.build();
}
