// What the MPTCP fuzzer (suites/mptcp/fuzz.ts) found in the reference endpoint: each finding is a packet vector
// with the mutation written out by hand, run by the fuzzer's in-process driver, and it must not crash the endpoint.
// docs/targets/reference.md, "What the fuzzer found in it", lists them.
import assert from 'node:assert/strict';
import { runScenario, type ScenarioResult } from '../../suites/mptcp/fuzz/drive.js';
import { loadPacketVectors } from '../../suites/mptcp/fuzz/scenario.js';
import type { InjectSpec, MptcpVector } from '../../suites/mptcp/vector.js';

const vectors = loadPacketVectors();

/** Runs vector `id` with `edit` made to its inject step number `step` (1-based, as in the reports). */
function runEdited(id: string, step: number, edit: (inject: InjectSpec) => void): ScenarioResult {
  const base = vectors.find((v) => v.id === id);
  assert.ok(base, `no vector ${id}`);
  const vector: MptcpVector = structuredClone(base);
  const s = vector.script[step - 1];
  assert.ok(s && 'inject' in s, `step ${step} of ${id} is not an inject`);
  edit(s.inject);
  return runScenario({ index: 0, seed: 0, vectorId: id, vector, late: new Map(), mutations: [] });
}

function assertSurvives(r: ScenarioResult): void {
  assert.equal(r.crash, undefined, `the endpoint crashed: ${r.crash?.where}: ${r.crash?.error}\n${r.crash?.stack ?? ''}`);
  assert.equal(r.hang, undefined);
  assert.deepEqual(r.violations, []);
}

describe('reference MPTCP endpoint, what the fuzzer found', function () {
  it('an ADD_ADDR announcing an IPv6 address on an IPv4 connection opens no subflow to it (it crashed every output)', () => {
    const r = runEdited('mptcp/join/server/sut-join-third-ack-hmac', 7, (i) => {
      const o = i.options!.find((x) => x.mptcp === 'add_addr')!;
      o.address = '::1';
    });
    assertSurvives(r);
    assert.ok(r.injected >= 3);
    assert.ok(!r.answers.some((a) => /\bS\]/.test(a) && a.includes('::1')), 'a SYN towards ::1');
  });
});
