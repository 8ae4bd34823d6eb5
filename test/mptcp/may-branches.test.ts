// Issue 13 item 5: a packet-level vector whose expectation the RFC leaves
// optional (level MAY) passes an implementation that takes the other branch.
// The other branch is the reference endpoint with its segments rewritten as
// a host that declines each optional behaviour sends them
// (test/mptcp/other-branch-adapter.ts); every MAY vector of vectors/mptcp/
// must pass both it and the reference, and the two must really differ.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { runCommand } from '../../runner/run.js';
import { readPcap } from '../../suites/mptcp/codec/index.js';
import { readRun, ROOT, tempDir } from '../helpers.js';

const VECTORS = join(ROOT, 'vectors', 'mptcp');
const TARGETS = join(ROOT, 'test', 'mptcp', 'fixtures', 'other-branch-targets');

/** Vectors whose branch the rewrite cannot change: the reference already takes the other one. */
const SAME_BRANCH: Record<string, string> = {
  'mptcp/capable/client/syn-fallback-after-retransmissions': 'with the policy set to 0 the reference already retransmits its SYN without MP_CAPABLE',
  'mptcp/capable/client/plain-synack-fallback-or-v0-retry':
    'the reference speaks version 1 only and falls back; no rewrite of its segments makes a version 0 SYN',
};

function mayVectorIds(): string[] {
  return readdirSync(VECTORS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as { vectors: { id: string; level: string }[] }).vectors)
    .filter((v) => v.level === 'MAY')
    .map((v) => v.id);
}

/** The octets of every segment of a vector's exchange, from its pcap. */
function exchange(out: string, run: RunResults, target: string, id: string): string[] {
  const r = run.results.find((x) => x.targetId === target && x.vectorId === id)!;
  const pcap = readPcap(new Uint8Array(readFileSync(join(out, r.artifacts!.pcap!))));
  assert.ok(pcap.ok, `${target} ${id}: its pcap`);
  return pcap.value.records.map((rec) => Buffer.from(rec.data).toString('hex'));
}

describe('MAY vectors pass an implementation that takes the other branch', function () {
  this.timeout(300_000);
  const ids = mayVectorIds();
  const grep = `^(reference|other-branch) (${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')}): `;
  let run: RunResults;
  let out = '';

  before(async () => {
    out = tempDir();
    await runCommand({
      suites: ['mptcp'],
      targets: ['reference', 'other-branch'],
      targetDirs: [join(ROOT, 'targets'), TARGETS],
      vectors: [VECTORS],
      grep,
      out,
      quiet: true,
    });
    run = readRun(out);
  });

  it('finds the MAY vectors', () => {
    assert.ok(ids.length >= 8, ids.join(', '));
  });

  it('every MAY vector passes the reference and the other branch', () => {
    for (const target of ['reference', 'other-branch']) {
      const results = run.results.filter((r) => r.targetId === target);
      assert.deepEqual(results.map((r) => r.vectorId).sort(), [...ids].sort(), target);
      for (const r of results) assert.equal(r.verdict, 'pass', `${target} ${r.vectorId}: ${r.reason ?? ''}`);
    }
  });

  it('the other branch is really another: the SUT sent different segments', () => {
    for (const id of ids) {
      const ref = exchange(out, run, 'reference', id);
      const other = exchange(out, run, 'other-branch', id);
      if (SAME_BRANCH[id]) assert.deepEqual(other, ref, `${id}: ${SAME_BRANCH[id]}`);
      else assert.notDeepEqual(other, ref, `${id}: the rewrite changed nothing, so this is not the other branch`);
    }
  });
});
