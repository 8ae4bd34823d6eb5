// Every real-HTTP target is a real column: the client runs, reports its version, and gets verdicts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import { runCommand } from '../../runner/run.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { readRun, tempDir } from '../helpers.js';
import { expectVerdicts, runBrowser } from './browsers.js';

const httpTargets = discoverTargets().filter((t) => t.manifest.options?.cookies?.mode === 'http');

describe('real HTTP cookie targets', function () {
  this.timeout(180_000);

  it('includes every client of the real-HTTP issue', () => {
    assert.deepEqual(httpTargets.map((t) => t.id).sort(), [
      'chromium',
      'curl',
      'firefox',
      'go-cookiejar',
      'java-httpclient',
      'libsoup',
      'perl-cookiejar',
      'perl-lwp',
      'php-guzzle',
      'python-urllib',
      'ruby',
      'webkit',
      'wget',
    ]);
  });

  /** Browsers that take seconds a vector (docs/targets/firefox.md, webkit.md): they run a slice of storage.json here; their other tests run more. */
  const SLOW = new Set(['firefox', 'webkit']);
  for (const target of httpTargets) {
    it(`${target.id}: runs the storage vectors over real HTTP, with its real version`, async function () {
      const missing = missingRequirement(target);
      if (missing) {
        process.stdout.write(`      skipped: ${target.id} is not available here: ${missing} (targets/install-packages.sh ${target.id})\n`);
        this.skip();
      }
      const out = tempDir();
      await runCommand({
        suites: ['cookies'],
        targets: [target.id],
        vectors: [join(VECTORS_DIR, 'cookies', 'storage.json')],
        ...(SLOW.has(target.id) ? { grep: 'storage/(replace|secure)' } : {}),
        out,
        quiet: true,
        timeoutMs: 20_000,
      });
      const run = readRun(out);
      const record = run.targets[0]!;
      assert.equal(record.status, 'available');
      assert.match(record.implementation!.version, /\d/);
      const count = (v: string) => run.results.filter((r) => r.verdict === v).length;
      const broken = run.results.filter((r) => r.verdict === 'error' || r.verdict === 'timeout');
      assert.deepEqual(
        broken.map((r) => `${r.vectorId}: ${r.reason}`),
        [],
      );
      assert.ok(count('pass') >= 8, `${target.id} passed ${count('pass')}`);
    });
  }

  it('libsoup, which stores an empty cookie, fails the vector that sees the empty Cookie header it then sends', async function () {
    const libsoup = httpTargets.find((t) => t.id === 'libsoup')!;
    const missing = missingRequirement(libsoup);
    if (missing) {
      process.stdout.write(`      skipped: libsoup is not available here: ${missing}\n`);
      this.skip();
    }
    const out = tempDir();
    await runCommand({ suites: ['cookies'], targets: ['libsoup'], vectors: [join(VECTORS_DIR, 'cookies', 'parse.json')], out, quiet: true, timeoutMs: 20_000 });
    const r = readRun(out).results.find((x) => x.vectorId === 'cookies/parse/nameless/empty-cookie-leaves-no-empty-header');
    assert.equal(r?.verdict, 'fail', JSON.stringify(r));
    assert.match(r!.reason!, /^request 2 \(GET http:\/\/home\.example\.org\/\): expected no Cookie header field at all, got an empty Cookie header/);
    // libsoup leaves a stored empty cookie out of a header that has other cookies, so only a replacement shows it
    // beside them: the empty cookie takes the place of the nameless "xyz" (same empty name, domain and path).
    const replacing = readRun(out).results.filter((x) => /^cookies\/parse\/nameless\/empty-cookie-.*-does-not-replace-nameless$/.test(x.vectorId));
    assert.equal(replacing.length, 5);
    for (const x of replacing) {
      assert.equal(x.verdict, 'fail', JSON.stringify(x));
      assert.match(x.reason!, /^request 2 \(GET http:\/\/home\.example\.org\/\): expected "xyz", got ""$/);
    }
  });

  it('ruby requests IPv6 literal hosts through the proxy (the host vectors of [2001:db8::1] get verdicts, not errors)', async function () {
    const ruby = httpTargets.find((t) => t.id === 'ruby')!;
    const missing = missingRequirement(ruby);
    if (missing) {
      process.stdout.write(`      skipped: ruby is not available here: ${missing}\n`);
      this.skip();
    }
    const out = tempDir();
    const vectors = ['domain.json', 'host.json'].map((f) => join(VECTORS_DIR, 'cookies', f));
    await runCommand({ suites: ['cookies'], targets: ['ruby'], vectors, grep: 'ipv6', out, quiet: true, timeoutMs: 20_000 });
    const results = readRun(out).results;
    assert.deepEqual(results.map((r) => `${r.vectorId}: ${r.verdict}${r.verdict === 'pass' ? '' : ` ${r.reason}`}`).sort(), [
      'cookies/domain/ipv6-domain-tail-rejected: pass',
      'cookies/host/ipv6-host-only: pass',
    ]);
  });

  it('chromium runs the SameSite vectors, which every other client skips', async function () {
    // 90-odd browser vectors: a busy 2-core machine has been seen to take over five minutes.
    this.timeout(600_000);
    const chromium = httpTargets.find((t) => t.id === 'chromium')!;
    const missing = missingRequirement(chromium);
    if (missing) {
      process.stdout.write(`      skipped: chromium is not available here: ${missing}\n`);
      this.skip();
    }
    const out = tempDir();
    const file = join(VECTORS_DIR, 'cookies', 'samesite.json');
    const total = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: unknown[] }).vectors.length;
    // curl is named and runs none of them: the gate refuses to call that a run (exit 2), after writing the reports.
    await assert.rejects(
      runCommand({ suites: ['cookies'], targets: ['chromium', 'curl'], vectors: [file], out, quiet: true, timeoutMs: 20_000 }),
      (err: Error) => err.name === 'GateError' && new RegExp(`no vector ran on curl \\(named by --target\\): ${total} skipped`).test(err.message),
    );
    const run = readRun(out);
    const on = (t: string, v: string) => run.results.filter((r) => r.targetId === t && r.verdict === v).length;
    assert.ok(on('chromium', 'pass') >= 50, `chromium passed ${on('chromium', 'pass')}`);
    assert.equal(on('chromium', 'error') + on('chromium', 'timeout'), 0);
    assert.equal(on('curl', 'skipped'), total);
  });

  it('webkit runs the SameSite vectors through a real WebKit, each request made', async function () {
    this.timeout(600_000);
    const { run, byId } = await runBrowser(this, 'webkit', join(VECTORS_DIR, 'cookies', 'samesite.json'));
    assert.match(run.targets[0]!.implementation!.name, /WebKit/);
    const passed = run.results.filter((r) => r.verdict === 'pass').length;
    assert.ok(passed >= 60, `webkit passed ${passed}`);
    // Typed, clicked (link and form), framed, image and worker requests, over https through CONNECT with the test CA trusted.
    const made = [
      'strict-sent-same-site-navigation',
      'strict-sent-same-site-post-navigation',
      'lax-not-sent-cross-site-post-navigation',
      'strict-sent-same-site-iframe',
    ];
    expectVerdicts(byId, [...made, 'worker-strict-sent-same-site-document', 'shared-worker-strict-sent-same-site-document'], {
      // WebKit has no Lax-by-default (docs/targets/webkit.md): a cookie without SameSite goes with a cross-site image request.
      'unknown-value-is-default': /request 3 \(GET https:\/\/app\.example\.com\/pixel\): expected no Cookie header, got "u=1"$/,
    });
  });

  it('firefox runs the SameSite vectors too, every request made', async function () {
    this.timeout(600_000);
    const { run, byId } = await runBrowser(this, 'firefox', join(VECTORS_DIR, 'cookies', 'samesite.json'));
    assert.equal(run.targets[0]!.implementation!.name, 'Firefox ESR');
    const passed = run.results.filter((r) => r.verdict === 'pass').length;
    assert.ok(passed >= 50, `firefox passed ${passed}`);
    // Strict cookies stay home on a cross-site navigation and come along on a same-site one, in a real user context.
    expectVerdicts(byId, [
      'strict-not-sent-cross-site-navigation',
      'strict-sent-same-site-navigation',
      'strict-not-sent-cross-site-iframe',
      'strict-sent-same-site-iframe',
    ]);
  });
});
