// The reference listener and the third ACK of the MP_CAPABLE handshake (issue
// 13 item 4): an MP_CAPABLE it cannot take as the version 1 option the SYN/ACK
// agreed on (version 0, version 2, flag B) makes it fall back, in its decision
// function and end to end through the runner with the vectors of
// vectors/mptcp/variants.json.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import { thirdAckRefusal } from '../../targets/reference/mptcp/handshake.js';
import { readRun, ROOT, tempDir } from '../helpers.js';

const H = { A: false, B: false, C: false, D: false, E: false, F: false, G: false, H: true };
const ack = { type: 'mptcp', subtype: 'mp_capable', form: 'ack', version: 1, flags: H, senderKey: 9n, receiverKey: 1n } as const;

describe('reference MPTCP endpoint, the third ACK of the handshake', function () {
  this.timeout(120_000);

  it('takes a version 1 third ACK that echoes its key', () => {
    assert.equal(thirdAckRefusal(ack, 1n, false), undefined);
  });

  it('falls back on a third ACK whose MP_CAPABLE is of version 0 (the RFC 6824 layout) or version 2', () => {
    assert.match(thirdAckRefusal({ ...ack, version: 0 }, 1n, false) ?? '', /version 0/);
    assert.match(thirdAckRefusal({ ...ack, version: 2 }, 1n, false) ?? '', /version 2/);
    assert.match(thirdAckRefusal({ ...ack, version: 0, form: 'ack-data', dataLevelLength: 5 }, 1n, true) ?? '', /version 0/);
  });

  it('falls back on a third ACK whose MP_CAPABLE sets flag B', () => {
    assert.match(thirdAckRefusal({ ...ack, flags: { ...H, B: true } }, 1n, false) ?? '', /flag B/);
  });

  it('passes the third-ACK variant vectors end to end', async () => {
    const out = tempDir();
    await runCommand({
      suites: ['mptcp'],
      targets: ['reference'],
      vectors: [join(ROOT, 'vectors', 'mptcp', 'variants.json')],
      grep: 'third-ack-(v0|version-2|b-flag|one-key)-falls-back',
      out,
      quiet: true,
    });
    const results = readRun(out).results;
    assert.equal(results.length, 4);
    for (const r of results) assert.equal(r.verdict, 'pass', `${r.vectorId}: ${r.reason ?? ''}`);
  });
});
