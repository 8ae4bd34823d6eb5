// The requirements index (runner/requirements.ts), the checks of the vectors
// that cite it (level rule, unknown and untestable ids, suites whose vectors
// must cite), and `conformatrix coverage` (runner/coverage.ts), on a small
// index and vector set of our own in test/fixtures/requirements/.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverage, uncitedErrors, type SuiteCoverage } from '../../runner/coverage.js';
import { InputErrors } from '../../runner/errors.js';
import { SPECS_DIR } from '../../runner/paths.js';
import { RequirementsIndex, weakestLevel } from '../../runner/requirements.js';
import { SpecLibrary } from '../../runner/specs.js';
import { loadVectorFiles } from '../../runner/vectors.js';
import cookies from '../../suites/cookies/index.js';
import mptcpInterop from '../../suites/mptcp-interop/index.js';
import mptcp from '../../suites/mptcp/index.js';
import { cli, FIXTURES, tempDir } from '../helpers.js';

const DIR = join(FIXTURES, 'requirements');
const fixtureSpecs = () => SpecLibrary.load(SPECS_DIR, join(DIR, 'index'));

/** The InputErrors a function throws, as their messages. */
function inputErrors(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  assert.fail('expected input errors, got none');
}

/** The 1-based line of the first line holding `needle` in a file. */
function lineOf(file: string, needle: string): number {
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('requirements index', function () {
  this.timeout(30_000);

  it('loads an index split over files, with every entry and its source', () => {
    const specs = fixtureSpecs();
    const index = specs.requirements;
    assert.deepEqual(index.docs(), ['rfc6265', 'rfc6265bis', 'rfc8684']);
    assert.equal(index.of('rfc6265bis').length, 7);
    assert.equal(index.filesOf('rfc6265bis').length, 2);
    const r = index.get('rfc6265bis/5.6.1/fixture-must-not')!;
    assert.equal(r.level, 'MUST NOT');
    assert.match(r.source.file, /index\/rfc6265bis\/attributes\.json$/);
    assert.equal(r.source.pointer, '/requirements/0');
  });

  it('takes the actors of a protocol between peers (sender, receiver, both) for rfc8684, and keeps a reading', () => {
    const index = fixtureSpecs().requirements;
    assert.deepEqual(
      index.of('rfc8684').map((r) => [r.id, r.actor]),
      [
        ['rfc8684/3.1/fixture-sender-must', 'sender'],
        ['rfc8684/3.1/fixture-untestable', 'sender'],
        ['rfc8684/3.2/fixture-receiver-reading', 'receiver'],
        ['rfc8684/B.1/fixture-both-may', 'both'],
      ],
    );
    assert.match(index.get('rfc8684/3.2/fixture-receiver-reading')!.reading!, /without a BCP 14 keyword/);
    assert.equal(index.get('rfc8684/3.1/fixture-sender-must')!.reading, undefined);
  });

  it('names file, line and pointer for a wrong anchor, an id/section mismatch, a duplicate id, an unknown section, a schema error and a file in the wrong folder', () => {
    const errors = inputErrors(() => RequirementsIndex.load(join(DIR, 'broken'), SpecLibrary.load()));
    const a = join(DIR, 'broken', 'rfc6265bis', 'a.json');
    const has = (re: RegExp) =>
      assert.ok(
        errors.some((e) => re.test(e)),
        `no error matches ${re}:\n${errors.join('\n')}`,
      );
    has(
      new RegExp(
        `broken/rfc6265bis/a\\.json:${lineOf(a, '"anchor": "storage"')}:\\d+ at /requirements/0/anchor: rfc6265bis section 5\\.7 \\("Storage Model"\\) has anchor "storage-model", not "storage"`,
      ),
    );
    has(
      new RegExp(
        `broken/rfc6265bis/a\\.json:${lineOf(a, '"id": "rfc6265bis/5.8/step-3"')}:\\d+ at /requirements/1/id: id rfc6265bis/5\\.8/step-3 names section 5\\.8, but the entry's section is 5\\.7`,
      ),
    );
    has(
      /broken\/rfc6265bis\/b\.json:\d+:\d+ at \/requirements\/0\/id: duplicate requirement id rfc6265bis\/5\.8\.3\/step-1 \(first defined in \S*broken\/rfc6265bis\/a\.json at \/requirements\/2\)/,
    );
    has(/broken\/rfc6265bis\/a\.json:\d+:\d+ at \/requirements\/3\/section: rfc6265bis has no section 9\.9/);
    has(/broken\/rfc6265bis\/c\.json:\d+:\d+ at \/requirements\/0\/level: must be one of "MUST", "MUST NOT"/);
    has(/broken\/rfc6265\/wrong-doc\.json:\d+:\d+ at \/doc: doc "rfc6265bis" in the folder of "rfc6265"/);
    // Each document has its actors: rfc8684's are not the cookie documents', and the other way round.
    const actors = join(DIR, 'broken', 'rfc8684', 'actors.json');
    has(
      new RegExp(
        `broken/rfc8684/actors\\.json:${lineOf(actors, '"actor": "user-agent"')}:\\d+ at /requirements/0/actor: must be one of "sender", "receiver", "both"`,
      ),
    );
    has(/broken\/rfc6265bis\/d\.json:\d+:\d+ at \/requirements\/0\/actor: must be one of "user-agent", "server", "both"/);
    assert.equal(errors.length, 8, errors.join('\n'));
  });

  it('maps BCP 14 keywords to vector levels, the weakest counting', () => {
    assert.equal(weakestLevel([{ level: 'MUST NOT' }]), 'MUST');
    assert.equal(weakestLevel([{ level: 'MUST' }, { level: 'NOT RECOMMENDED' }]), 'SHOULD');
    assert.equal(weakestLevel([{ level: 'SHOULD NOT' }, { level: 'OPTIONAL' }, { level: 'MUST' }]), 'MAY');
    assert.equal(weakestLevel([]), undefined);
  });
});

describe('vectors citing requirements', function () {
  this.timeout(30_000);
  const file = join(DIR, 'bad-vectors', 'cookies.json');

  it('checks the level rule, unknown ids and untestable ids, with file, line and pointer', () => {
    const { errors, vectors } = loadVectorFiles(cookies, [file], fixtureSpecs());
    const messages = errors.map((e) => e.message);
    const at = (i: number, pointer: string, re: RegExp) => {
      const m = messages.find((x) => x.includes(` at /vectors/${i}${pointer}: `));
      assert.ok(m, `no error at /vectors/${i}${pointer}:\n${messages.join('\n')}`);
      assert.match(m, /bad-vectors\/cookies\.json:\d+:\d+ at /);
      assert.match(m, re);
    };
    at(0, '/level', /level SHOULD, but the weakest requirement it cites is MAY: rfc6265bis\/5\.8\.1\/omit-empty-header \(MAY\)/);
    at(3, '/level', /level MUST, but the weakest requirement it cites is SHOULD: rfc6265bis\/5\.6\.7\/fixture-recommended \(RECOMMENDED\)/);
    at(4, '/level', /level MUST, but the weakest requirement it cites is MAY/);
    at(5, '/requirements/0', /unknown requirement rfc6265bis\/5\.7\/step-99: not in the requirements index of rfc6265bis/);
    at(6, '/requirements/1', /requirement rfc6265bis\/5\.7\/fixture-untestable is marked untestable \(Fixture: it leaves no trace/);
    at(7, '/requirements/0', /unknown requirement layered-cookies\/3\/step-1: not in any requirements index \(there is none for layered-cookies/);
    assert.equal(errors.length, 6, messages.join('\n'));
    // The line is the line of the offending value.
    const level0 = messages.find((m) => m.includes('at /vectors/0/level'))!;
    assert.equal(Number(/cookies\.json:(\d+):/.exec(level0)![1]), lineOf(file, '"level": "SHOULD"'));
    // MUST NOT as MUST and RECOMMENDED as SHOULD are right, and a vector citing nothing is no error here (see the next test).
    for (const i of [1, 2, 8]) assert.ok(!messages.some((m) => m.includes(` at /vectors/${i}/`)), `vector ${i}: ${messages.join('\n')}`);
    assert.equal(vectors.length, 9);
  });

  it('a suite that says its vectors must cite finds the one in its folder that cites nothing; elsewhere none', () => {
    const { vectors } = loadVectorFiles(cookies, [file], fixtureSpecs());
    const inFolder = uncitedErrors({ ...cookies, vectorDir: join(DIR, 'bad-vectors') }, vectors);
    assert.equal(inFolder.length, 1);
    // The vector's opening brace: the line above its id.
    const line = lineOf(file, '"id": "cookies/req-bad/cites-nothing"') - 1;
    assert.match(
      inFolder[0]!.message,
      new RegExp(`bad-vectors/cookies\\.json:${line}:\\d+ at /vectors/8: vector cookies/req-bad/cites-nothing cites no requirement`),
    );
    assert.deepEqual(uncitedErrors(cookies, vectors), [], 'outside vectors/cookies/ a vector need not cite');
    assert.deepEqual(
      uncitedErrors({ ...cookies, requirements: { ...cookies.requirements!, vectorsMustCite: false }, vectorDir: join(DIR, 'bad-vectors') }, vectors),
      [],
    );
  });
});

describe('MPTCP vectors and interop scenarios citing requirements', function () {
  this.timeout(30_000);
  const bad = join(DIR, 'mptcp-vectors', 'bad.json');
  const interopBad = join(DIR, 'mptcp-vectors', 'interop-bad.json');

  it('names file, line and pointer for an unknown id, an untestable id and a level above the weakest requirement', () => {
    const { errors, vectors } = loadVectorFiles(mptcp, [bad], fixtureSpecs());
    const messages = errors.map((e) => e.message);
    const unknown = messages.find((m) => m.includes(' at /vectors/0/requirements/1: '));
    assert.ok(unknown, messages.join('\n'));
    assert.match(
      unknown,
      new RegExp(
        `mptcp-vectors/bad\\.json:${lineOf(bad, '"rfc8684/3.1/no-such-requirement"')}:\\d+ at /vectors/0/requirements/1: unknown requirement rfc8684/3\\.1/no-such-requirement: not in the requirements index of rfc8684`,
      ),
    );
    const level = messages.find((m) => m.includes(' at /vectors/1/level: '));
    assert.ok(level, messages.join('\n'));
    assert.match(level, /level MUST, but the weakest requirement it cites is SHOULD: rfc8684\/3\.2\/fixture-receiver-reading \(SHOULD\)/);
    assert.ok(
      messages.some((m) => /bad\.json:\d+:\d+ at \/vectors\/2\/requirements\/0: requirement rfc8684\/3\.1\/fixture-untestable is marked untestable/.test(m)),
      messages.join('\n'),
    );
    assert.equal(errors.length, 3, messages.join('\n'));
    assert.equal(vectors.length, 4);
    // The loaded vector carries its citations, which coverage counts.
    assert.deepEqual(vectors[0]!.requirements, ['rfc8684/3.1/fixture-sender-must', 'rfc8684/3.1/no-such-requirement']);
  });

  it("checks an interop scenario's citations the same way", () => {
    const { errors, vectors } = loadVectorFiles(mptcpInterop, [interopBad], fixtureSpecs());
    assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
    assert.match(
      errors[0]!.message,
      new RegExp(
        `interop-bad\\.json:${lineOf(interopBad, '"rfc8684/3.7/no-such-requirement"')}:\\d+ at /vectors/0/requirements/0: unknown requirement rfc8684/3\\.7/no-such-requirement`,
      ),
    );
    assert.deepEqual(vectors[0]!.requirements, ['rfc8684/3.7/no-such-requirement']);
  });

  it('both MPTCP suites are measured against rfc8684 and find the vector of their folder that cites nothing', () => {
    for (const suite of [mptcp, mptcpInterop]) assert.deepEqual(suite.requirements, { measuredAgainst: { '*': 'rfc8684' }, vectorsMustCite: true }, suite.name);
    const { vectors } = loadVectorFiles(mptcp, [bad], fixtureSpecs());
    const uncited = uncitedErrors({ ...mptcp, vectorDir: join(DIR, 'mptcp-vectors') }, vectors);
    assert.equal(uncited.length, 1);
    assert.match(
      uncited[0]!.message,
      new RegExp(
        `mptcp-vectors/bad\\.json:${lineOf(bad, '"id": "mptcp/req-bad/cites-nothing"') - 1}:\\d+ at /vectors/3: vector mptcp/req-bad/cites-nothing cites no requirement: every vector of suite mptcp`,
      ),
    );
    const scenarios = loadVectorFiles(mptcpInterop, [interopBad], fixtureSpecs()).vectors;
    const uncitedScenario = uncitedErrors({ ...mptcpInterop, vectorDir: join(DIR, 'mptcp-vectors') }, scenarios);
    assert.deepEqual(
      uncitedScenario.map((e) => /at (\S+):/.exec(e.message)![1]),
      ['/vectors/1'],
    );
  });
});

describe('conformatrix coverage', function () {
  this.timeout(60_000);

  async function fixtureCoverage(profile?: string) {
    const out = tempDir();
    const r = await coverage({ suites: ['cookies'], ...(profile ? { profile } : {}), out, specs: fixtureSpecs(), vectors: [join(DIR, 'vectors')] });
    return { ...r, out };
  }

  it('lists per requirement its vectors, the uncovered and the untestable, with totals per section and level, in coverage.json and coverage.md', async () => {
    const { coverage: all, out } = await fixtureCoverage();
    assert.equal(all.length, 1);
    const c = all[0]!;
    assert.equal(c.profile, 'rfc6265bis');
    assert.equal(c.doc, 'rfc6265bis');
    assert.deepEqual(c.totals, { requirements: 7, testable: 6, covered: 4, untestable: 1 });
    // The rfc6265-only vector cites 5.8.3 step 2, but does not count under profile rfc6265bis.
    assert.deepEqual(c.uncovered, ['rfc6265bis/5.6.7/fixture-recommended', 'rfc6265bis/5.8.3/step-2']);
    assert.deepEqual(c.untestable, [{ id: 'rfc6265bis/5.7/fixture-untestable', reason: 'Fixture: it leaves no trace in any request a vector can see.' }]);
    assert.deepEqual(c.requirements.find((r) => r.id === 'rfc6265bis/5.7/step-1')!.vectors, ['cookies/req-fixture/stored-and-sent']);
    assert.deepEqual(
      c.sections.map((s) => [s.section, s.title, `${s.covered}/${s.testable}`, s.untestable]),
      [
        ['5.6.1', 'The Expires Attribute', '1/1', 0],
        ['5.6.7', 'The SameSite Attribute', '0/1', 0],
        ['5.7', 'Storage Model', '2/2', 1],
        ['5.8.1', 'The Cookie Header Field', '1/1', 0],
        ['5.8.3', 'Retrieval Algorithm', '0/1', 0],
      ],
    );
    assert.deepEqual(
      c.levels.map((l) => [l.level, `${l.covered}/${l.testable}`, l.untestable]),
      [
        ['MUST', '3/3', 1],
        ['SHOULD', '0/2', 0],
        ['MAY', '1/1', 0],
      ],
    );
    const json = JSON.parse(readFileSync(join(out, 'coverage.json'), 'utf8')) as { format: string; suites: SuiteCoverage[] };
    assert.equal(json.format, 'conformatrix-coverage');
    assert.deepEqual(json.suites, JSON.parse(JSON.stringify(all)));
    const md = readFileSync(join(out, 'coverage.md'), 'utf8');
    assert.match(md, /## cookies \(profile rfc6265bis\): rfc6265bis/);
    assert.match(md, /\*\*4\/6\*\* testable ones covered/);
    assert.match(md, /\| \[§5\.7\]\(\S+#storage-model\) Storage Model \| 3 \| 1 \| 2\/2 \|/);
    assert.match(md, /### Uncovered \(2\)\n\n- `rfc6265bis\/5\.6\.7\/fixture-recommended` \(RECOMMENDED\): /);
    assert.match(md, /### Untestable \(1\)\n\n- `rfc6265bis\/5\.7\/fixture-untestable`: Fixture: it leaves no trace/);
    assert.match(md, /\| `rfc6265bis\/5\.8\.3\/step-2` \| SHOULD \| \*\*none\*\* \|/);
  });

  it('measures the mptcp suite, which has no profiles, against rfc8684: actors, readings, sections and levels', async () => {
    const out = tempDir();
    const { coverage: all } = await coverage({ suites: ['mptcp'], out, specs: fixtureSpecs(), vectors: [join(DIR, 'mptcp-vectors', 'cites.json')] });
    assert.equal(all.length, 1);
    const c = all[0]!;
    assert.equal(c.suite, 'mptcp');
    assert.equal(c.profile, undefined);
    assert.equal(c.doc, 'rfc8684');
    assert.equal(c.vectors, 2);
    assert.deepEqual(c.totals, { requirements: 4, testable: 3, covered: 2, untestable: 1 });
    assert.deepEqual(c.uncovered, ['rfc8684/B.1/fixture-both-may']);
    assert.deepEqual(
      c.requirements.map((r) => [r.id, r.actor, r.vectors.length]),
      [
        ['rfc8684/3.1/fixture-sender-must', 'sender', 2],
        ['rfc8684/3.1/fixture-untestable', 'sender', 0],
        ['rfc8684/3.2/fixture-receiver-reading', 'receiver', 1],
        ['rfc8684/B.1/fixture-both-may', 'both', 0],
      ],
    );
    assert.match(c.requirements[2]!.reading!, /without a BCP 14 keyword/);
    assert.deepEqual(
      c.sections.map((s) => [s.section, s.title, `${s.covered}/${s.testable}`, s.untestable]),
      [
        ['3.1', 'Connection Initiation', '1/1', 1],
        ['3.2', 'Starting a New Subflow', '1/1', 0],
        ['B.1', 'TFO Cookie Request with MPTCP', '0/1', 0],
      ],
    );
    assert.deepEqual(
      c.levels.map((l) => [l.level, `${l.covered}/${l.testable}`, l.untestable]),
      [
        ['MUST', '1/1', 1],
        ['SHOULD', '1/1', 0],
        ['MAY', '0/1', 0],
      ],
    );
    const md = readFileSync(join(out, 'coverage.md'), 'utf8');
    assert.match(md, /## mptcp: rfc8684\n/);
    assert.match(md, /\| `rfc8684\/3\.2\/fixture-receiver-reading` \| SHOULD \(reading\) \| `mptcp\/req-fixture\/receiver-reading` \|/);
    assert.match(md, /### Uncovered \(1\)\n\n- `rfc8684\/B\.1\/fixture-both-may` \(MAY\): /);
    const json = JSON.parse(readFileSync(join(out, 'coverage.json'), 'utf8')) as { suites: SuiteCoverage[] };
    assert.equal(json.suites[0]!.requirements[2]!.reading, c.requirements[2]!.reading);
  });

  it('measures profile rfc6265 against rfc6265, counting the vectors of that profile', async () => {
    const { coverage: all } = await fixtureCoverage('rfc6265');
    assert.equal(all[0]!.doc, 'rfc6265');
    assert.deepEqual(all[0]!.totals, { requirements: 1, testable: 1, covered: 1, untestable: 0 });
    assert.deepEqual(all[0]!.requirements[0]!.vectors, ['cookies/req-fixture/stored-and-sent']);
  });

  it('refuses a document without an index, an unknown profile, and stray arguments', async () => {
    const noIndex = SpecLibrary.load(SPECS_DIR, join(DIR, 'no-such-folder'));
    // Vectors that cite nothing: test/fixtures/vectors/cli.json.
    await assert.rejects(
      coverage({ suites: ['cookies'], out: tempDir(), specs: noIndex, vectors: [join(FIXTURES, 'vectors', 'cli.json')] }),
      (err: unknown) => {
        assert.ok(err instanceof InputErrors);
        assert.match(
          err.message,
          /vectors\/specs\/requirements\/rfc6265bis\/: no requirements index for rfc6265bis, which suite cookies under profile rfc6265bis is measured against/,
        );
        return true;
      },
    );
    for (const [args, re] of [
      [['coverage', '--profile', 'rfc2109'], /unknown profile "rfc2109" \(known: rfc6265, rfc6265bis\)/],
      [['coverage', 'cookies'], /Unexpected argument 'cookies'/],
      [['coverage', '--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const r = cli([...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const help = cli(['coverage', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: conformatrix coverage \[--suite S\]\.\.\. \[--profile P\] \[--out DIR\]/);
    assert.ok(!existsSync(join(DIR, 'vectors', 'coverage.json')));
  });
});
