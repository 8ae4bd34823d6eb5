// The npm package works from its tarball: `npm pack`, `npm install ./conformatrix-*.tgz` in an empty folder, then the
// command line, a target of the user's own (--target-dir) and the library (docs/library.md), all from that folder.
//
// Offline: the folder gets a package-lock.json made from this repository's (its production entries, resolved and
// integrity as they are), so that npm installs the locked versions from its cache, which `npm ci` filled, without
// asking the registry for any package's metadata. `--ignore-scripts`: the dependencies' install scripts (ssh2,
// cpu-features) would build native code; conformatrix has none of its own to run from a tarball.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunResults } from '../../runner/model.js';
import { vectorsVersion } from '../../runner/vectors-version.js';
import { dockerMissing, skipWithReason } from '../docker/helpers.js';
import { ROOT, tempDir } from '../helpers.js';

interface Lock {
  version: string;
  packages: Record<string, { dev?: boolean; [k: string]: unknown }>;
}

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** The lock file of a project whose only dependency is the tarball: this repository's production entries. */
function appLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const self = lock.packages['']!;
  const deps = Object.fromEntries(Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && !p.dev));
  return {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies: { conformatrix: `file:${tarball}` } },
      'node_modules/conformatrix': {
        version: self['version'],
        resolved: `file:${tarball}`,
        license: self['license'],
        dependencies: self['dependencies'],
        bin: self['bin'],
        engines: self['engines'],
      },
      ...deps,
    },
  };
}

describe('the npm package, from its tarball', function () {
  this.timeout(600_000);
  let app: string;
  let packDir: string;
  let files: string[];

  before(function () {
    packDir = tempDir('conformatrix-pack-');
    // dist/ is built by the test build (npm test's pretest); packing again would only rebuild it.
    const pack = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    files = info!.files.map((f) => f.path);
    app = tempDir('conformatrix-app-');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLock(info!.filename), null, 2));
    writeFileSync(join(app, info!.filename), readFileSync(join(packDir, info!.filename)));
    const install = sh('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', `./${info!.filename}`], app);
    assert.equal(
      install.status,
      0,
      `npm install --offline of the tarball failed (its dependencies come from npm's cache: run \`npm ci\` in the repository first):\n${install.stderr}`,
    );
  });

  // The folder holds a whole install (about 100 MB): it goes, unlike the small folders of other tests.
  after(() => {
    for (const dir of [app, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carries the runner, the vectors, schemas, spec indexes, targets and the suites’ helper files, and nothing of test/', () => {
    for (const f of [
      'dist/runner/cli.js',
      'dist/runner/index.js',
      'dist/runner/index.d.ts',
      'dist/runner/reports/html/page/main.js',
      'dist/suites/cookies/index.js',
      'dist/targets/reference/adapter.js',
      'vectors/VERSION',
      'vectors/schema/results.schema.json',
      'vectors/specs/rfc6265bis.json',
      'vectors/cookies/parse.json',
      'targets/reference/target.json',
      'targets/install-packages.sh',
      'suites/mptcp/net/tun-bridge.py',
      'suites/mptcp/net/kernel-agent.py',
      'suites/mptcp-interop/middlebox/Dockerfile',
    ])
      assert.ok(files.includes(f), `${f} is in the package`);
    assert.deepEqual(
      files.filter((f) => /^(dist\/)?(test|bench)\//.test(f) || /fixtures/.test(f)),
      [],
      'no tests, test fixtures or benchmarks',
    );
    // Every file a shipped manifest names (its adapter, its docker inputs) is shipped too.
    for (const manifest of files.filter((f) => /^targets\/[^/]+\/target\.json$/.test(f))) {
      const m = JSON.parse(readFileSync(join(app, 'node_modules', 'conformatrix', manifest), 'utf8')) as {
        local?: { command: string[] };
        docker?: { inputs?: string[] };
      };
      const dir = manifest.slice(0, -'/target.json'.length);
      for (const arg of (m.local?.command ?? []).filter((a) => /^\.{1,2}\/|\.(js|py|pl|rb|php|sh)$/.test(a))) {
        const path = join(dir, arg).replace(/\\/g, '/');
        assert.ok(files.includes(path), `${manifest}: its adapter ${path} is in the package`);
      }
      for (const input of m.docker?.inputs ?? [])
        assert.ok(
          files.some((f) => f === input || f.startsWith(input + '/')),
          `${manifest}: its docker input ${input} is in the package`,
        );
    }
  });

  it('npx conformatrix run --suite cookies --target reference passes, from the package’s own vectors', () => {
    const r = sh('npx', ['--no-install', 'conformatrix', 'run', '--suite', 'cookies', '--target', 'reference', '--out', 'out'], app);
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-3000));
    const run = JSON.parse(readFileSync(join(app, 'out', 'results.json'), 'utf8')) as RunResults;
    const passes = run.results.filter((x) => x.verdict === 'pass').length;
    assert.ok(passes > 500, `${passes} passes`);
    assert.ok(
      run.vectors.every((v) => resolve(app, v.source.file).startsWith(join(app, 'node_modules', 'conformatrix', 'vectors'))),
      'read from the installed package, not from this repository',
    );
    assert.equal(run.run.vectorsVersion, vectorsVersion());
    for (const f of ['matrix.md', 'matrix.html', 'junit.xml']) assert.ok(readFileSync(join(app, 'out', f), 'utf8').length > 1000, f);
    assert.equal(sh('npx', ['--no-install', 'conformatrix', '--version'], app).stdout.trim(), run.run.harness.version);
  });

  it('runs a target of the user’s own with --target-dir, its adapter written with the package’s serveAdapter', () => {
    const dir = join(app, 'conformance', 'targets', 'mylib');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'target.json'),
      JSON.stringify({ name: 'mylib', suites: ['cookies'], userAgentClass: 'non-browser', capabilities: [], local: { command: ['node', 'adapter.mjs'] } }),
    );
    // A jar that never sends a cookie: it passes the vectors that expect none and fails the others.
    writeFileSync(
      join(dir, 'adapter.mjs'),
      `import { serveAdapter, CONTRACT_VERSION } from 'conformatrix';
serveAdapter({
  hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: 'mylib', version: '0.0.1' }, capabilities: [] }),
  'cookies.run': ({ requests }) => ({ cookies: requests.map(() => null) }),
});
`,
    );
    const v = sh('npx', ['--no-install', 'conformatrix', 'validate', 'conformance/targets/mylib/target.json'], app);
    assert.equal(v.status, 0, v.stderr);
    const r = sh(
      'npx',
      [
        '--no-install',
        'conformatrix',
        'run',
        '--suite',
        'cookies',
        '--target-dir',
        'conformance/targets',
        '--target',
        'mylib',
        '--out',
        'mine',
        '--reporter',
        'dot',
      ],
      app,
    );
    assert.equal(r.status, 1, `unexpected results: exit 1\n${r.stderr.slice(-3000)}`);
    const run = JSON.parse(readFileSync(join(app, 'mine', 'results.json'), 'utf8')) as RunResults;
    assert.deepEqual(
      run.targets.map((t) => [t.id, t.status, t.implementation?.version]),
      [['mylib', 'available', '0.0.1']],
    );
    const verdicts = new Set(run.results.map((x) => x.verdict));
    assert.ok(verdicts.has('pass') && verdicts.has('fail'), [...verdicts].join(', '));
    assert.ok(!verdicts.has('error'), 'the adapter ran');
  });

  it('defines mocha tests in a user’s suite (docs/library.md), importing from "conformatrix"', () => {
    writeFileSync(
      join(app, 'conformance.test.mjs'),
      `import { defineConformanceTests } from 'conformatrix';
await defineConformanceTests({
  suite: 'cookies',
  grep: 'cookies/parse/',
  target: {
    name: 'my-jar', version: '1.2.3', userAgentClass: 'non-browser', capabilities: ['clock'],
    handlers: { 'cookies.run': async ({ requests }) => ({ cookies: requests.map(() => null) }) },
  },
});
`,
    );
    const r = sh('npx', ['--no-install', 'mocha', '--no-color', '--reporter', 'spec', 'conformance.test.mjs'], app);
    assert.ok(r.status !== null && r.status > 0, `failures: mocha exits with their count\n${r.stderr}`);
    assert.match(r.stdout, /cookies conformance: my-jar/);
    assert.match(r.stdout, /\b\d+ passing/);
    assert.match(r.stdout, /\b\d+ failing/);
    assert.match(r.stdout, /cookies\/parse\//);
    assert.doesNotMatch(r.stdout, /cookies\/domain\//, 'the grep option');
  });

  it('runs a target in a container (--driver docker), its npm modules taken from beside the installed package', async function () {
    const missing = await dockerMissing();
    if (missing) return skipWithReason(this, missing);
    const r = sh(
      'npx',
      [
        '--no-install',
        'conformatrix',
        'run',
        '--driver',
        'docker',
        '--suite',
        'cookies',
        '--target',
        'tough-cookie',
        '--grep',
        'cookies/parse/',
        '--out',
        'dock',
        '--reporter',
        'dot',
      ],
      app,
    );
    assert.ok(r.status === 0 || r.status === 1, `exit 0 or 1 (tough-cookie's own failures)\n${r.stderr.slice(-3000)}`);
    const run = JSON.parse(readFileSync(join(app, 'dock', 'results.json'), 'utf8')) as RunResults;
    assert.deepEqual(
      run.targets.map((t) => [t.id, t.status, t.driver]),
      [['tough-cookie', 'available', 'docker']],
    );
    assert.ok(run.results.filter((x) => x.verdict === 'pass').length > 50, 'the vectors ran in the container');
    assert.ok(!run.results.some((x) => x.verdict === 'error'), 'no adapter error');
  });
});
