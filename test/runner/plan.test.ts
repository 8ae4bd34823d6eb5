// The run's plan (runner/plan.ts): which vectors run on which targets, what is
// decided before an adapter starts, profiles, target selection, --include-target,
// --grep and --shard. Table-driven, over small suites and targets built here:
// planning starts no adapter, so none is needed.
import assert from 'node:assert/strict';
import { InputErrors, UsageError } from '../../runner/errors.js';
import { buildPlans, selectProfile, selectTargets, selectWork, type Drive, type LoadedSuite } from '../../runner/plan.js';
import type { TargetPlan } from '../../runner/scheduler.js';
import { LOCAL_HARNESS, type Decision, type LoadedVector, type Suite, type TargetView } from '../../runner/suite.js';
import type { Target, TargetManifest } from '../../runner/targets.js';
import type { Transport, TransportFactory } from '../../runner/transport.js';

/** A vector whose data is the decision the suite's plan() gives for it on a browser and on anything else. */
type Plan = { browser: Decision; other: Decision };
const RUN: Decision = { run: true };
const NOT_APPLICABLE: Decision = { run: false, verdict: 'skipped', reason: 'browsers only' };
const CANNOT: Decision = { run: false, verdict: 'unsupported', reason: 'needs a capability' };

function vector(id: string, plan: Plan = { browser: RUN, other: RUN }): LoadedVector<Plan> {
  return {
    id,
    title: id,
    level: 'MUST',
    citations: [{ doc: 'x', section: '1' }],
    flags: [],
    source: { file: 'x.json', pointer: '/vectors/0' },
    data: plan,
  } as LoadedVector<Plan>;
}

function suite(name: string, extra: Partial<Suite<Plan>> = {}): Suite<Plan> {
  return {
    name,
    title: name,
    vectorSchema: `urn:test:${name}`,
    vectorDir: '/nonexistent',
    methods: { [`${name}.run`]: { params: 'p', result: `urn:test:${name}#result` } },
    load: () => ({ vectors: [], errors: [] }),
    plan: (v, target: TargetView) => (target.userAgentClass === 'browser' ? v.data.browser : v.data.other),
    run: async () => ({ verdict: 'pass', expected: null, actual: null }),
    ...extra,
  };
}

function target(id: string, manifest: Partial<TargetManifest> = {}): Target {
  return { id, dir: '/nonexistent', manifest: { name: id.toUpperCase(), suites: ['jar'], local: { command: ['true'] }, ...manifest } };
}

/** A factory that is never started here: planning only asks whether there is one. */
const FACTORY: TransportFactory = { driver: 'test', start: async () => ({}) as Transport };
const available = async (): Promise<Drive> => ({ driver: 'test', factory: FACTORY, harness: LOCAL_HARNESS });

const jar = suite('jar', { profiles: { names: ['old', 'new'], default: 'new' }, capabilities: { clock: 'a clock' } });
const wire = suite('wire');
const pairs = suite('pairs', { roles: ['client', 'server'] });
const JAR: LoadedSuite = {
  suite: jar as Suite,
  vectors: [
    vector('jar/a'),
    vector('jar/browser-only', { browser: RUN, other: NOT_APPLICABLE }),
    vector('jar/needs-clock', { browser: CANNOT, other: CANNOT }),
  ],
};
const WIRE: LoadedSuite = { suite: wire as Suite, vectors: [vector('wire/a'), vector('wire/b')] };
const PAIRS: LoadedSuite = { suite: pairs as Suite, vectors: [vector('pairs/x'), vector('pairs/y')] };

/** Each plan's items as "target: vector" or "target: vector [verdict]" when decided before the adapter starts. */
function itemsOf(plans: TargetPlan[]): string[] {
  return plans.flatMap((p) => p.items.map((i) => `${p.record.id}: ${i.vector.id}${i.decision.run ? '' : ` [${i.decision.verdict}]`}`));
}

describe('plan', () => {
  describe('selectProfile', () => {
    const cases: { name: string; loaded: LoadedSuite[]; wanted?: string; expect: string | undefined | RegExp }[] = [
      { name: 'the default of the first suite with profiles', loaded: [WIRE, JAR], expect: 'new' },
      { name: 'the one asked for', loaded: [JAR], wanted: 'old', expect: 'old' },
      { name: 'none when no suite has profiles', loaded: [WIRE], expect: undefined },
      { name: 'a usage error for a profile no suite knows', loaded: [JAR, WIRE], wanted: 'rfc2109', expect: /^unknown profile "rfc2109" \(known: old, new\)$/ },
      { name: 'a usage error for any profile when no suite has profiles', loaded: [WIRE], wanted: 'old', expect: /^unknown profile "old" \(known: none\)$/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        if (c.expect instanceof RegExp)
          assert.throws(
            () => selectProfile(c.loaded, c.wanted),
            (e: Error) => e instanceof UsageError && (c.expect as RegExp).test(e.message),
          );
        else assert.equal(selectProfile(c.loaded, c.wanted), c.expect);
      });
    }
  });

  describe('selectTargets', () => {
    const discovered = [
      target('lib'),
      target('browser', { userAgentClass: 'browser' }),
      target('packets', { suites: ['wire'] }),
      target('both', { suites: ['jar', 'wire'] }),
    ];
    const cases: { name: string; suites: string[]; named?: string[]; include?: string[]; expect: string[] | RegExp }[] = [
      { name: 'every target of the selected suites', suites: ['jar'], expect: ['lib', 'browser', 'both'] },
      { name: 'of several suites', suites: ['jar', 'wire'], expect: ['lib', 'browser', 'packets', 'both'] },
      { name: 'those named with --target', suites: ['jar'], named: ['both', 'lib'], expect: ['lib', 'both'] },
      { name: '--target and --include-target together', suites: ['jar'], named: ['lib'], include: ['browser'], expect: ['lib', 'browser'] },
      { name: '--include-target alone keeps every target (as partners)', suites: ['jar'], include: ['browser'], expect: ['lib', 'browser', 'both'] },
      {
        name: 'a usage error for a name that is no target of the suites',
        suites: ['wire'],
        named: ['lib', 'nobody'],
        expect: /^unknown target\(s\) for suites wire: lib, nobody \(known: packets, both\)$/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const select = () => selectTargets(discovered, [jar as Suite, wire as Suite], c.suites, c.named ?? [], c.include ?? []);
        if (c.expect instanceof RegExp) assert.throws(select, (e: Error) => e instanceof UsageError && (c.expect as RegExp).test(e.message));
        else
          assert.deepEqual(
            select().map((t) => t.id),
            c.expect,
          );
      });
    }

    it('refuses a manifest naming a suite or capability that no suite declares, with its pointer', () => {
      const bad = [target('typo', { suites: ['jar', 'jra'], capabilities: ['clock', 'clocks'] })];
      assert.throws(
        () => selectTargets(bad, [jar as Suite, wire as Suite], ['jar'], []),
        (e: Error) =>
          e instanceof InputErrors &&
          e.errors.map((x) => x.location.pointer).join(' ') === '/suites/1 /capabilities/1' &&
          /unknown suite "jra"/.test(e.message),
      );
    });
  });

  describe('buildPlans', () => {
    const cases: { name: string; targets: Target[]; loaded: LoadedSuite[]; expect: string[] }[] = [
      {
        name: 'a vector that does not apply is skipped before the adapter starts; what it cannot do waits for hello',
        targets: [target('lib')],
        loaded: [JAR],
        expect: ['lib: jar/a', 'lib: jar/browser-only [skipped]', 'lib: jar/needs-clock'],
      },
      {
        name: 'the target class decides what applies',
        targets: [target('browser', { userAgentClass: 'browser' })],
        loaded: [JAR],
        expect: ['browser: jar/a', 'browser: jar/browser-only', 'browser: jar/needs-clock'],
      },
      {
        name: "only the suites in a target's manifest",
        targets: [target('lib'), target('packets', { suites: ['wire'] })],
        loaded: [JAR, WIRE],
        expect: ['lib: jar/a', 'lib: jar/browser-only [skipped]', 'lib: jar/needs-clock', 'packets: wire/a', 'packets: wire/b'],
      },
      { name: 'a suite with roles is not planned target by target', targets: [target('peer', { suites: ['pairs'] })], loaded: [PAIRS], expect: [] },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        assert.deepEqual(itemsOf(await buildPlans(c.targets, c.loaded, 'new', available)), c.expect);
      });
    }

    it("records the target, the suites' result schemas for its driver, and no items when it cannot start", async () => {
      const asked: Record<string, string>[] = [];
      const [plan] = await buildPlans([target('lib', { suites: ['jar', 'wire'], userAgentClass: 'non-browser' })], [JAR, WIRE], 'new', async (_t, schemas) => {
        asked.push(schemas);
        return { driver: 'test', factory: null, harness: LOCAL_HARNESS, reason: 'no such program', notes: ['a note'] };
      });
      assert.deepEqual(asked, [
        { hello: 'urn:conformatrix:adapter-contract#/$defs/hello-result', 'jar.run': 'urn:test:jar#result', 'wire.run': 'urn:test:wire#result' },
      ]);
      assert.deepEqual(plan!.record, {
        id: 'lib',
        name: 'LIB',
        suites: ['jar', 'wire'],
        userAgentClass: 'non-browser',
        status: 'unavailable',
        reason: 'no such program',
        driver: 'test',
        notes: ['a note'],
      });
      assert.deepEqual(plan!.items, []);
    });

    it("gives each suite's plan() the manifest's options for that suite", async () => {
      const seen: unknown[] = [];
      const probe: LoadedSuite = { suite: suite('wire', { plan: (_v, t) => (seen.push(t.options), RUN) }) as Suite, vectors: [vector('wire/a')] };
      await buildPlans([target('lib', { suites: ['jar', 'wire'], options: { jar: { a: 1 }, wire: { b: 2 } } })], [JAR, probe], undefined, available);
      assert.deepEqual(seen, [{ b: 2 }]);
    });
  });

  describe('selectWork', () => {
    const planned = async (targets: Target[], loaded: LoadedSuite[]) => buildPlans(targets, loaded, 'new', available);
    const peers = [target('a', { suites: ['pairs', 'jar'] }), target('b', { suites: ['pairs', 'jar'] })];
    const cases: { name: string; targets: Target[]; loaded: LoadedSuite[]; options: Parameters<typeof selectWork>[2]; expect: string[] }[] = [
      {
        name: 'every ordered pair of a suite with roles, after the targets',
        targets: peers,
        loaded: [PAIRS],
        options: {},
        expect: ['a+a: pairs/x', 'a+a: pairs/y', 'a+b: pairs/x', 'a+b: pairs/y', 'b+a: pairs/x', 'b+a: pairs/y', 'b+b: pairs/x', 'b+b: pairs/y'],
      },
      {
        name: '--include-target: its own vectors, and only the pairs it is in',
        targets: peers,
        loaded: [JAR, PAIRS],
        options: { include: ['b'], grep: /pairs\/x|jar\/a/ },
        expect: ['b: jar/a', 'a+b: pairs/x', 'b+a: pairs/x', 'b+b: pairs/x'],
      },
      {
        name: '--grep matches the suite title and the test title',
        targets: [target('lib')],
        loaded: [JAR],
        options: { grep: /^lib jar\/(a|needs-clock):/ },
        expect: ['lib: jar/a', 'lib: jar/needs-clock'],
      },
      {
        name: '--grep --invert',
        targets: [target('lib')],
        loaded: [JAR],
        options: { grep: /needs-clock/, invert: true },
        expect: ['lib: jar/a', 'lib: jar/browser-only [skipped]'],
      },
      {
        name: '--shard 1/2 deals the vectors sorted by id',
        targets: [target('lib')],
        loaded: [JAR],
        options: { shard: { index: 1, count: 2 } },
        expect: ['lib: jar/a', 'lib: jar/needs-clock'],
      },
      { name: '--shard 2/2', targets: [target('lib')], loaded: [JAR], options: { shard: { index: 2, count: 2 } }, expect: ['lib: jar/browser-only [skipped]'] },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        assert.deepEqual(itemsOf(selectWork(await planned(c.targets, c.loaded), c.loaded, c.options).plans), c.expect);
      });
    }

    it('selects and hashes the vectors before sharding, so that every shard of a run has the same hash', async () => {
      const whole = selectWork(await planned([target('lib')], [JAR]), [JAR], { grep: /jar\/a|browser/ });
      const shards = [1, 2].map(async (index) =>
        selectWork(await planned([target('lib')], [JAR]), [JAR], { grep: /jar\/a|browser/, shard: { index, count: 2 } }),
      );
      for (const s of await Promise.all(shards)) {
        assert.equal(s.vectorSetHash, whole.vectorSetHash);
        assert.deepEqual([...s.selected.keys()], ['jar/a', 'jar/browser-only']);
      }
      const other = selectWork(await planned([target('lib')], [JAR]), [JAR], { grep: /jar\/a/ });
      assert.notEqual(other.vectorSetHash, whole.vectorSetHash, 'another selection, another hash');
    });
  });
});
