// `fuzz --suite mptcp` (suites/mptcp/fuzz.ts): the in-process driver plays the vectors faithfully, the mutator is
// deterministic, the reports are written, a hang is what the event budget says, and the host's kernel is refused.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePacket } from '../../suites/mptcp/codec/index.js';
import { buildInjection } from '../../suites/mptcp/script/build.js';
import { ScriptState } from '../../suites/mptcp/script/state.js';
import { checkFuzzTargets, fuzzMptcp, replayMptcp, type IsolatedKernel, type MptcpFuzzSummary } from '../../suites/mptcp/fuzz.js';
import { runScenario, type ScenarioResult } from '../../suites/mptcp/fuzz/drive.js';
import { mutateBytes, mutatePacket } from '../../suites/mptcp/fuzz/mutate.js';
import { Rng } from '../../suites/mptcp/fuzz/rng.js';
import { loadPacketVectors, makeScenario } from '../../suites/mptcp/fuzz/scenario.js';
import { UsageError } from '../../runner/errors.js';
import { cli, tempDir } from '../helpers.js';

const vectors = loadPacketVectors();

/** A summary without its wall-clock numbers, which are the only part a seed does not fix. */
const fixedPart = (s: MptcpFuzzSummary) => ({ ...s, elapsedMs: 0, scenariosPerSecond: 0 });

describe('fuzz --suite mptcp', function () {
  this.timeout(300000);

  it('plays every packet vector, unmutated, as the suite does: every expect that is not optional is matched, nothing skipped', () => {
    assert.ok(vectors.length >= 100, `only ${vectors.length} vectors`);
    for (const v of vectors) {
      const r = runScenario({ index: 0, seed: 0, vectorId: v.id, vector: v, late: new Map(), mutations: [] });
      const optional = v.script.filter((s) => 'expect' in s && 'optional' in s && s.optional).length;
      assert.equal(r.crash, undefined, v.id);
      assert.equal(r.hang, undefined, v.id);
      assert.deepEqual(r.violations, [], v.id);
      assert.equal(r.skipped, 0, `${v.id}: an inject could not be built`);
      assert.ok(r.expectsMatched >= r.expects - optional, `${v.id}: ${r.expectsMatched} of ${r.expects} expects matched`);
    }
  });

  it('the same seed gives the same scenarios, mutations and results; another seed others', () => {
    const a = makeScenario(vectors, 5, 42);
    const b = makeScenario(vectors, 5, 42);
    assert.deepEqual(a, b);
    const ra = runScenario(a);
    const rb = runScenario(b);
    assert.deepEqual(ra, rb);
    const others = Array.from({ length: 20 }, (_, i) => makeScenario(vectors, 6, i).mutations.join('|'));
    const mine = Array.from({ length: 20 }, (_, i) => makeScenario(vectors, 5, i).mutations.join('|'));
    assert.notDeepEqual(others, mine);
  });

  it('writes fuzz-mptcp.json and fuzz-mptcp.md, and a run repeats exactly for its seed', async () => {
    const out1 = tempDir();
    const out2 = tempDir();
    const lines: string[] = [];
    const s1 = await fuzzMptcp({ seed: 9, budget: 400, out: out1, progress: (l) => lines.push(l) });
    const s2 = await fuzzMptcp({ seed: 9, budget: 400, out: out2 });
    assert.equal(s1.scenarios, 400);
    assert.ok(s1.injected > 400, `${s1.injected} segments injected`);
    assert.deepEqual(fixedPart(s1), fixedPart(s2));
    const json = JSON.parse(readFileSync(join(out1, 'fuzz-mptcp.json'), 'utf8')) as MptcpFuzzSummary;
    assert.deepEqual(fixedPart(json), fixedPart(s1));
    const md = readFileSync(join(out1, 'fuzz-mptcp.md'), 'utf8');
    assert.match(md, /^# MPTCP fuzzing/);
    assert.match(md, /Seed 9: 400 scenarios/);
    assert.match(lines.at(-1)!, /^fuzz mptcp: 400 scenarios, \d+\/s, 0 crashes, 0 hangs, 0 violations/);
  });

  it('every mutation level changes what is sent, deterministically, and byte mutations keep the checksums right unless they say not', () => {
    const v = vectors.find((x) => x.id === 'mptcp/dss/server/data-ack-for-mapped-data')!;
    const state = new ScriptState(v.id, { sut: '198.51.100.1', peers: ['198.51.100.2', '198.51.100.3'], sutExtra: [] });
    state.sutKey = 0x0123456789abcdefn;
    state.subflow(0).sut.isn = 1000;
    const built = buildInjection({ flags: 'PA', payload: 'hello', options: [{ mptcp: 'dss', dataAck: 1, dsn: 1, ssn: 1 }] }, state);
    let changedBytes = 0;
    let changedPackets = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const m = mutateBytes(built.bytes, new Rng(seed));
      assert.deepEqual(m, mutateBytes(built.bytes, new Rng(seed)));
      if (Buffer.compare(Buffer.from(m.bytes), Buffer.from(built.bytes)) !== 0) changedBytes++;
      const d = decodePacket(m.bytes, { lenient: true });
      if (d.ok && !m.what.includes('checksums left')) assert.ok(d.value.checks.tcpChecksum, `${m.what}: the TCP checksum is wrong`);
      const p = structuredClone(built.packet);
      const what = mutatePacket(p, new Rng(seed));
      assert.ok(what.length > 0);
      if (
        JSON.stringify(p, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) !==
        JSON.stringify(built.packet, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x))
      )
        changedPackets++;
    }
    assert.ok(changedBytes >= 190, `${changedBytes} of 200 byte mutations changed the packet`);
    assert.ok(changedPackets >= 150, `${changedPackets} of 200 packet mutations changed the packet`);
  });

  it('a scenario that runs past its event budget is a hang (counted in events, not wall time)', () => {
    const v = vectors.find((x) => x.id === 'mptcp/dss/server/data-ack-for-mapped-data')!;
    const s = { index: 0, seed: 0, vectorId: v.id, vector: v, late: new Map(), mutations: [] };
    const full = runScenario(s);
    assert.equal(full.hang, undefined);
    assert.ok(full.events > 3, `${full.events} events`);
    const cut = runScenario(s, { eventBudget: 3, drainMs: 120000 });
    assert.match(cut.hang ?? '', /more than 3 events/);
    assert.equal(cut.crash, undefined);
    // A finding's replay is the same scenario again.
    assert.deepEqual(replayMptcp(1, 3).scenario, makeScenario(vectors, 1, 3));
  });

  it('refuses the host kernel (linux-kernel) before running anything, in the API and on the command line', async () => {
    const out = tempDir();
    await assert.rejects(
      fuzzMptcp({ seed: 1, budget: 10, out, targets: ['reference', 'linux-kernel'] }),
      (err: Error) => err instanceof UsageError && /refuses the linux-kernel target: it is this machine's own kernel/.test(err.message),
    );
    assert.equal(existsSync(join(out, 'fuzz-mptcp.json')), false);
    assert.throws(() => checkFuzzTargets(['curl']), /cannot drive target "curl"/);
    const r = cli(['fuzz', '--suite', 'mptcp', '--target', 'linux-kernel', '--budget', '10', '--out', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^conformatrix: fuzz --suite mptcp refuses the linux-kernel target/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    assert.equal(existsSync(join(out, 'fuzz-mptcp.json')), false);
  });

  it('the command line runs the reference and writes the reports', () => {
    const out = tempDir();
    const r = cli(['fuzz', '--suite', 'mptcp', '--budget', '50', '--seed', '2', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /fuzz mptcp: 50 scenarios/);
    assert.equal((JSON.parse(readFileSync(join(out, 'fuzz-mptcp.json'), 'utf8')) as MptcpFuzzSummary).scenarios, 50);
    const help = cli(['fuzz', '--suite', 'mptcp', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: conformatrix fuzz --suite mptcp/);
    const bad = cli(['fuzz', '--suite', 'mptcp', '--budget', 'lots', '--out', out]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^conformatrix: --budget takes a whole number, not "lots"\n$/);
  });

  it('an isolated kernel target is compared with the reference on the shapes of its segments, not on ISNs or keys', async () => {
    // The hook with the reference itself behind it: the same answers, no divergence; the reference on another seed
    // (other ISNs, keys and ports): other numbers in every segment, the same shapes, still no divergence; the
    // reference with MPTCP off (sysctl net.mptcp.enabled 0): plain TCP answers, divergences.
    const answers = (r: ScenarioResult) => ({ answers: r.answers, shapes: r.shapes, segments: r.answers.length });
    const same: IsolatedKernel = { isolation: 'the reference again, in-process', run: async (s) => Promise.resolve(answers(runScenario(s))) };
    const s1 = await fuzzMptcp({ seed: 4, budget: 60, out: tempDir(), targets: ['reference', 'mirror'], isolatedKernels: { mirror: same } });
    assert.equal(s1.divergences, 0);
    assert.deepEqual(s1.targets, ['reference', 'mirror']);
    assert.equal(s1.kernels?.mirror?.scenarios, 60);
    assert.ok(s1.kernels!.mirror!.segments > 60, `${s1.kernels!.mirror!.segments} segments`);
    let renumbered = 0;
    const other: IsolatedKernel = {
      isolation: 'the reference with other ISNs',
      run: async (s) => {
        const r = runScenario({ ...s, vector: { ...s.vector, id: `${s.vector.id}/other` } });
        if (r.answers.join() !== runScenario(s).answers.join()) renumbered++;
        return Promise.resolve(answers(r));
      },
    };
    const s2 = await fuzzMptcp({ seed: 4, budget: 60, out: tempDir(), targets: ['other'], isolatedKernels: { other } });
    assert.ok(renumbered > 50, `only ${renumbered} of 60 scenarios had other numbers`);
    assert.equal(s2.divergences, 0, JSON.stringify(s2.findings[0]));
    const plain: IsolatedKernel = {
      isolation: 'the reference with MPTCP off',
      run: async (s) => {
        const setup = { ...s.vector.setup, sysctls: { ...s.vector.setup?.sysctls, 'net.mptcp.enabled': 0 } };
        return Promise.resolve(answers(runScenario({ ...s, vector: { ...s.vector, setup } })));
      },
    };
    const s3 = await fuzzMptcp({ seed: 4, budget: 60, out: tempDir(), targets: ['plain'], isolatedKernels: { plain } });
    assert.ok(s3.divergences > 10, `${s3.divergences} divergences`);
    const f = s3.findings.find((x) => x.kind === 'divergence')!;
    assert.match(f.signature, /^plain: only the reference sent .*mp_capable|dss/);
    assert.match(f.example.detail, /^only the reference sent: /);
  });
});
