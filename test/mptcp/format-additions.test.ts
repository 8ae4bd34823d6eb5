// What the packet-level vector format says since issue 13 item 3, against
// the reference target: the TCP window of an expected segment (a number or a
// range), a payload length as a range, "a mapping is present, any values"
// (dss.mapping), invariants over every segment the SUT sends, the destination
// port of a segment, a key that must differ from the SUT's first, and the
// TCP Fast Open option, the address of an ADD_ADDR the SUT sends. Each is
// shown to pass where it holds and to fail, naming what differs, where not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../runner/run.js';
import { cli, FIXTURES, readRun, tempDir } from '../helpers.js';

const FILE = join(FIXTURES, 'mptcp-vectors', 'format-additions.json');

describe('mptcp vectors: window, payload ranges, dss.mapping and invariants', function () {
  this.timeout(120_000);
  const verdicts = new Map<string, { verdict: string; reason?: string }>();

  before(async () => {
    const out = tempDir();
    await runCommand({ suites: ['mptcp'], targets: ['reference'], vectors: [FILE], out, quiet: true });
    for (const r of readRun(out).results)
      verdicts.set(r.vectorId.replace('mptcp/format/server/', ''), { verdict: r.verdict, ...(r.reason ? { reason: r.reason } : {}) });
  });

  const passes = (id: string) => assert.equal(verdicts.get(id)?.verdict, 'pass', `${id}: ${verdicts.get(id)?.reason ?? ''}`);
  const fails = (id: string, reason: RegExp) => {
    assert.equal(verdicts.get(id)?.verdict, 'fail', id);
    assert.match(verdicts.get(id)!.reason!, reason);
  };

  it('checks the window of an expected segment', () => {
    passes('window-in-range');
    fails('window-wrong', /differs in window: expected 0, got \d+/);
  });

  it('checks that a mapping is present whatever its values, or absent, and payload lengths in a range', () => {
    passes('mapping-present');
    // The same segment as mapping-present: only the mapping's presence differs.
    fails('mapping-absent-wrong', /^step 8 \(expect\): no matching segment within 300 ms/);
  });

  it('holds every segment the SUT sent to an invariant, once the script has passed', () => {
    passes('invariant-holds');
    fails('invariant-broken', /^invariant 1 \(no DSS on data\): the SUT sent .* len 5 <dss>, which differs in options\.dss: expected absent, got present$/);
  });

  it('checks the destination port of an expected segment (a join to the port an ADD_ADDR named)', () => {
    passes('dst-port');
    fails('dst-port-wrong', /differs in dstPort: expected 9001, got 9000/);
  });

  it('tells a key other than the SUT\'s first ("not-sut") from the same key sent again', () => {
    // The passing side is mptcp/capable/*/concurrent-connections-different-keys, run on every target.
    fails('not-sut-key-wrong', /differs in options\.mp_capable\.senderKey: expected not (0x[0-9a-f]{16}), got \1$/);
  });

  it('reads the TCP Fast Open option: a cookie request, or a cookie', () => {
    passes('mptcp/format/client/tfo-request');
    fails('mptcp/format/client/tfo-cookie-present-wrong', /differs in options\.fastopen\.cookie: expected present, got request/);
  });

  it('checks the address of an ADD_ADDR the SUT sends against its announce addresses ("sut.announceN")', () => {
    // The passing side is mptcp/addr/server/sut-announces-address-again-same-id and its neighbour, run on every target.
    fails(
      'announced-address-wrong',
      /^invariant 1: the SUT sent .*<[^>]*add_addr[^>]*>, which differs in options\.add_addr\.address: expected sut\.announce1 \([\d.]+\), got [\d.]+/,
    );
  });

  it('rejects an announce step for an address the setup does not give, naming file, line and pointer', () => {
    const file = join(FIXTURES, 'mptcp-vectors', 'announce-unknown-address.json');
    const r = cli(['validate', file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /announce-unknown-address\.json:\d+:\d+ at \/vectors\/0\/script\/1\/address: announce needs "address": the index of one of setup\.announceAddresses/,
    );
  });

  it('rejects an invariant that captures or waits, naming file, line and pointer', () => {
    const file = join(FIXTURES, 'mptcp-vectors', 'invariant-capture.json');
    const r = cli(['validate', file]);
    assert.equal(r.status, 2, r.stderr);
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"invariants"')) + 1;
    assert.match(
      r.stderr,
      new RegExp(`invariant-capture\\.json:${line}:\\d+ at /vectors/0/invariants/0/must/capture: an invariant matches segments already sent`),
    );
  });
});
