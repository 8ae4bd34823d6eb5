// The script engine features the v2 vectors rely on, run against a scripted
// fake adapter (no kernel): expect flags with "?", optional expects and steps
// that run only "if" a capture exists, silences that also look at pending
// segments, and the dataAcked query field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext, Session } from '../../runner/suite.js';
import { decodePacket, encodePacket, type Packet } from '../../suites/mptcp/codec/index.js';
import { runScript } from '../../suites/mptcp/script/engine.js';
import { matchExpect } from '../../suites/mptcp/script/match.js';
import { ScriptState } from '../../suites/mptcp/script/state.js';
import type { MptcpVector, Step } from '../../suites/mptcp/vector.js';

const ADDRESSES = { sut: '198.51.100.1', peers: ['198.51.100.2', '198.51.100.3'], sutExtra: [] };

const flagsOf = (letters: string) => ({
  syn: letters.includes('S'),
  ack: letters.includes('A'),
  fin: letters.includes('F'),
  rst: letters.includes('R'),
  psh: letters.includes('P'),
  urg: false,
  ece: false,
  cwr: false,
});

/** A segment the fake SUT sends from its listening port to the peer's first subflow. */
function sutSegment(letters: string, seq = 1000, payload = ''): Packet {
  return {
    ip: { version: 4, src: ADDRESSES.sut, dst: ADDRESSES.peers[0]!, ttl: 64 },
    tcp: { srcPort: 8000, dstPort: 40000, seq, ack: 0, flags: flagsOf(letters), window: 1000, options: [], payload: new Uint8Array(Buffer.from(payload)) },
  };
}

/**
 * A fake adapter: `react` says what the SUT sends after each call (segments,
 * as packets) and what each socket call returns.
 */
function fakeSession(react: (method: string, params: Record<string, unknown>) => { send?: Packet[]; result?: unknown }) {
  let handler: (method: string, params: unknown) => void = () => undefined;
  const injected: Packet[] = [];
  const session: Session = {
    signal: new AbortController().signal,
    onNotification: (h) => (handler = h),
    call: async (method, params) => {
      const p = (params ?? {}) as Record<string, unknown>;
      if (method === 'mptcp.inject') {
        const d = decodePacket(new Uint8Array(Buffer.from(p.data as string, 'base64')));
        if (d.ok) injected.push(d.value.packet);
      }
      const r = react(method, p);
      // The SUT's segments arrive after the call returns, as they would from a real TUN device.
      for (const packet of r.send ?? []) setTimeout(() => handler('mptcp.packet', { data: Buffer.from(encodePacket(packet)).toString('base64') }), 5);
      if (method === 'mptcp.open') return { addresses: ADDRESSES };
      return r.result ?? {};
    },
  };
  return { session, injected };
}

async function run(script: Step[], react: Parameters<typeof fakeSession>[0]) {
  const dir = mkdtempSync(join(tmpdir(), 'cfx-v2-'));
  try {
    const { session, injected } = fakeSession(react);
    const vector: MptcpVector = {
      id: 'mptcp/test/server/engine',
      title: 'engine',
      spec: [],
      level: 'MUST',
      role: 'server',
      script: [{ sut: 'listen', port: 8000 }, ...script],
    };
    const ctx: RunContext = { profile: undefined, timeoutMs: 10000, artifactDir: join(dir, 'a'), outDir: dir, artifacts: {}, services: undefined, seed: 0 };
    const outcome = await runScript(vector, session, ctx);
    return { outcome, injected };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mptcp script engine (v2 features)', () => {
  it('a flag letter followed by "?" may be set or not', () => {
    const state = new ScriptState('mptcp/test/server/flags', ADDRESSES);
    const sf = state.subflow(0);
    assert.equal(matchExpect({ flags: 'RA?' }, sutSegment('R'), state, sf).ok, true);
    assert.equal(matchExpect({ flags: 'RA?' }, sutSegment('AR'), state, sf).ok, true);
    assert.equal(matchExpect({ flags: 'RA?' }, sutSegment('A'), state, sf).ok, false);
    assert.equal(matchExpect({ flags: 'R' }, sutSegment('AR'), state, sf).ok, false);
    assert.equal(matchExpect({ flags: 'A?F' }, sutSegment('AF'), state, sf).ok, true);
  });

  it('an optional expect that sees nothing passes, and the steps that need its capture are skipped', async () => {
    const { outcome, injected } = await run(
      [
        { inject: { flags: 'S' } },
        { expect: { flags: 'SA', within: 50, capture: { synAck: 'tcp.seq' } }, optional: true },
        { inject: { flags: 'A', payload: 'x' }, if: 'synAck' },
        { expect: { flags: 'RA?' } },
      ],
      (method) => (method === 'mptcp.inject' ? { send: [sutSegment('AR')] } : {}),
    );
    assert.equal(outcome.verdict, 'pass', outcome.reason);
    assert.equal(injected.length, 1, 'the step with "if" was skipped');
  });

  it('an optional expect that matches captures, and the steps that need it run', async () => {
    const { outcome, injected } = await run(
      [
        { inject: { flags: 'S' } },
        { expect: { flags: 'SA', within: 500, capture: { synAck: 'tcp.seq' } }, optional: true },
        { inject: { flags: 'A', payload: 'x' }, if: 'synAck' },
        { expect: { flags: 'RA?' } },
      ],
      (method, p) => {
        if (method !== 'mptcp.inject') return {};
        const d = decodePacket(new Uint8Array(Buffer.from(p.data as string, 'base64')));
        return { send: [d.ok && d.value.packet.tcp.flags.syn ? sutSegment('SA', 999) : sutSegment('R')] };
      },
    );
    assert.equal(outcome.verdict, 'pass', outcome.reason);
    assert.equal(injected.length, 2);
  });

  it('a silence with "pending" also fails on an unmatched segment that arrived before it began', async () => {
    const script = (pending: boolean): Step[] => [
      { sut: 'write', data: 'hello' },
      { expect: { flags: 'A', payloadLength: 0, within: 500 }, note: 'the data segment arrives first and stays unmatched' },
      { expectNone: 50, pending, match: { payloadLength: 5 } },
    ];
    const react = (method: string, p: Record<string, unknown>) =>
      method === 'mptcp.socket' && p.op === 'write' ? { send: [sutSegment('PA', 1, 'hello'), sutSegment('A', 6)] } : {};
    const without = await run(script(false), react);
    assert.equal(without.outcome.verdict, 'pass', without.outcome.reason);
    const withPending = await run(script(true), react);
    assert.equal(withPending.outcome.verdict, 'fail');
    assert.match(withPending.outcome.reason ?? '', /len 5/);
  });

  it('a query with within asks again until its expectation holds', async () => {
    let asked = 0;
    const react = (method: string, p: Record<string, unknown>) =>
      method === 'mptcp.socket' && p.op === 'query' ? { result: { result: { isMptcp: true, dataAcked: ++asked >= 3 ? 5 : 0 } } } : {};
    assert.equal((await run([{ sut: 'query', within: 1000, expect: { dataAcked: 5 } }], react)).outcome.verdict, 'pass');
    assert.equal(asked, 3);
    asked = 0;
    assert.equal((await run([{ sut: 'query', expect: { dataAcked: 5 } }], react)).outcome.verdict, 'fail', 'without within, one answer decides');
    asked = -100;
    const late = await run([{ sut: 'query', within: 100, expect: { dataAcked: 5 } }], react);
    assert.equal(late.outcome.verdict, 'fail');
    assert.match(late.outcome.reason ?? '', /dataAcked is 0, not 5/);
  });

  it('a query can check dataAcked', async () => {
    const react = (method: string, p: Record<string, unknown>) =>
      method === 'mptcp.socket' && p.op === 'query' ? { result: { result: { isMptcp: true, dataAcked: 5 } } } : {};
    assert.equal((await run([{ sut: 'query', expect: { dataAcked: 5 } }], react)).outcome.verdict, 'pass');
    assert.equal((await run([{ sut: 'query', expect: { dataAcked: 4 } }], react)).outcome.verdict, 'fail');
  });

  it('the verdict follows the kind of failure, not the words of its message', async () => {
    // The SUT's own error text may say anything, ": script: " included: still the SUT's failure.
    const sutSays = (method: string, p: Record<string, unknown>) =>
      method === 'mptcp.socket' && p.op === 'query' ? { result: { error: 'EINVAL: script: no such socket' } } : {};
    const fail = (await run([{ sut: 'query', expect: { isMptcp: true } }], sutSays)).outcome;
    assert.equal(fail.verdict, 'fail', fail.reason);
    // A step that cannot go on (here the session call itself throws) is the script's error.
    const broken = (method: string): { result?: unknown } => {
      if (method === 'mptcp.socket') throw new Error('the helper broke');
      return {};
    };
    const error = (await run([{ sut: 'query', expect: { isMptcp: true } }], broken)).outcome;
    assert.equal(error.verdict, 'error', error.reason);
  });
});
