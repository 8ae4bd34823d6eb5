// The clock of every real-HTTP target that claims one really moves: real clients, real processes, the runner's libfaketime
// (or the adapter's own hook), and outcomes that differ with the date.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import { runCommand } from '../../runner/run.js';
import { discoverTargets, missingRequirement, type Target } from '../../runner/targets.js';
import { findLibfaketime } from '../../runner/clock.js';
import { readRun, ROOT, tempDir } from '../helpers.js';

const httpTargets = discoverTargets().filter((t) => t.manifest.options?.cookies?.mode === 'http' && t.manifest.userAgentClass === 'non-browser');
const clocked = httpTargets.filter((t) => t.manifest.clock);

/** The same vector as cookies/expiry/expires-future-then-expired, over https, at the earliest and the latest clock a vector sets today. */
function httpsClockVectors(dir: string): string {
  const spec = [{ doc: 'rfc6265bis', section: '5.7', anchor: 'storage-model' }];
  const vector = (id: string, start: string, expires: string) => ({
    id: `cookies/clock/${id}`,
    title: `A cookie with a future Expires is kept until then, over https, with the clock at ${start}`,
    spec,
    requirements: ['rfc6265bis/5.7/step-6.otherwise-1'],
    level: 'MUST',
    ua: 'any',
    flags: ['expires', 'clock'],
    clock: { start },
    requests: [
      { url: 'https://home.example.org/', cookie: null, response: { setCookie: [`a=b; Expires=${expires}`] } },
      { url: 'https://home.example.org/check', advance: 20, cookie: 'a=b' },
      { url: 'https://home.example.org/check', advance: 20, cookie: null },
    ],
  });
  const file = join(dir, 'clock.json');
  writeFileSync(
    file,
    JSON.stringify({
      description: 'Clock and certificates: the test CA holds at the clocks vectors set.',
      vectors: [
        vector('https-2070', '2069-12-31T23:59:30Z', 'Wed, 01 Jan 2070 00:00:00 GMT'),
        vector('https-1994', '1994-01-15T08:49:07Z', 'Sat, 15 Jan 1994 08:49:37 GMT'),
      ],
    }),
  );
  return file;
}

function skipUnless(ctx: Mocha.Context, target: Target): void {
  const missing =
    missingRequirement(target) ?? (target.manifest.clock?.via === 'libfaketime' && !findLibfaketime() ? 'libfaketime not found (install faketime)' : undefined);
  if (missing) {
    process.stdout.write(`      skipped: ${target.id} is not available here: ${missing} (targets/install-packages.sh ${target.id})\n`);
    ctx.skip();
  }
}

describe('the clock of real HTTP clients', function () {
  this.timeout(240_000);

  it('every native client either sets its clock or its page says why it cannot', () => {
    for (const t of httpTargets.filter((t) => !t.manifest.clock)) {
      const page = readFileSync(join(ROOT, 'docs', 'targets', `${t.id}.md`), 'utf8');
      assert.match(page, /libfaketime/, `${t.id} has no clock, and docs/targets/${t.id}.md does not say why libfaketime cannot move it`);
    }
    assert.deepEqual(
      httpTargets.filter((t) => !t.manifest.clock).map((t) => t.id),
      ['go-cookiejar'],
    );
  });

  for (const target of clocked) {
    it(`${target.id}: keeps a 2030 cookie until its Expires and drops it after, at a clock it could not read from the system (and at 1994 and 2069 over https)`, async function () {
      skipUnless(this, target);
      const out = tempDir();
      // At the real date (before 2030), the cookie of expires-future-then-expired would still be sent by the third request.
      await runCommand({
        suites: ['cookies'],
        targets: [target.id],
        vectors: [join(VECTORS_DIR, 'cookies', 'expiry.json'), httpsClockVectors(out)],
        grep: 'expires-future-then-expired|cookies/clock/',
        out,
        quiet: true,
        timeoutMs: 30_000,
      });
      const run = readRun(out);
      assert.ok(run.targets[0]!.capabilities?.includes('clock'), `${target.id}'s hello does not claim the clock: ${JSON.stringify(run.targets[0])}`);
      const byId = Object.fromEntries(run.results.map((r) => [r.vectorId, r]));
      const moved = byId['cookies/expiry/expires-future-then-expired']!;
      assert.equal(moved.verdict, 'pass', `${moved.verdict}: ${moved.reason}`);
      // The certificates hold at both ends of the clocks vectors set: the client completed every https request.
      // libsoup takes every date before 2020 for the past (docs/targets/libsoup.md): its 1994 cookie is gone at once.
      for (const id of ['cookies/clock/https-2070', 'cookies/clock/https-1994']) {
        const r = byId[id]!;
        if (target.id === 'libsoup' && id.endsWith('1994'))
          assert.match(r.reason ?? '', /^request 2 .*expected "a=b", got no Cookie header$/, `${r.verdict}: ${r.reason}`);
        else assert.equal(r.verdict, 'pass', `${id}: ${r.verdict}: ${r.reason}`);
      }
    });
  }
});
