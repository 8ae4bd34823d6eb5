// A client may refuse, at the HTTP layer, a response whose Set-Cookie holds a control octet (RFC 9110 §5.5): such a
// vector cannot observe its cookie rules, and says so (unsupported), instead of failing it on a cookie rule.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import { runCommand } from '../../runner/run.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { invalidFieldOctet, refusedResponse } from '../../suites/cookies/http/http-refusal.js';
import { readRun, tempDir } from '../helpers.js';

describe('a response the client refuses at the HTTP layer', function () {
  this.timeout(300_000);

  it('finds the control octets RFC 9110 makes invalid in a field value, and only those', () => {
    assert.equal(invalidFieldOctet(Buffer.from('a=b\x01c')), 0x01);
    assert.equal(invalidFieldOctet(Buffer.from('a=b\x7f')), 0x7f);
    assert.equal(invalidFieldOctet(Buffer.from('a=b\tc; Path=/')), -1, 'HTAB is allowed');
    assert.equal(invalidFieldOctet(Buffer.from([0x61, 0x3d, 0xff, 0xe9])), -1, 'obs-text is allowed');
  });

  it('blames the refusal only on a failed navigation that got such a response, a redirect hop included', () => {
    const bad = [Buffer.from('a=b\x02c')];
    const good = [Buffer.from('a=b')];
    const nav = new Map([
      [0, 0],
      [2, 1],
    ]);
    // Request 2 is a hop of navigation 1's redirect chain; the refused response is its.
    assert.match(
      refusedResponse([good, bad, good], nav, ['Invalid header value "Set-Cookie: a=b\x02c"', undefined])!,
      /^the client refused response 2 at the HTTP layer \(it said: Invalid header value "Set-Cookie: a=b\\x02c"\); .* control octet 0x02, which RFC 9110 §5\.5/,
    );
    assert.equal(refusedResponse([good, bad, good], nav, [undefined, 'timeout']), undefined, 'the failed navigation never got the bad response');
    assert.equal(refusedResponse([good, good, good], nav, ['some error', 'other']), undefined, 'no bad octet: a failure stays a failure');
  });

  it('java-httpclient, whose JDK parser refuses such a response, gets unsupported with its error, and keeps its real failures', async function () {
    const java = discoverTargets().find((t) => t.id === 'java-httpclient')!;
    const missing = missingRequirement(java);
    if (missing) {
      process.stdout.write(`      skipped: java-httpclient is not available here: ${missing}\n`);
      this.skip();
    }
    const out = tempDir();
    await runCommand({
      suites: ['cookies'],
      targets: ['java-httpclient'],
      vectors: [join(VECTORS_DIR, 'cookies', 'parse.json')],
      grep: 'cookies/parse/ctl/(soh-in-value|del-in-name|soh-at-start-of-name): ',
      out,
      quiet: true,
      timeoutMs: 30_000,
    });
    const byId = new Map(readRun(out).results.map((r) => [r.vectorId, r]));
    for (const id of ['cookies/parse/ctl/soh-in-value', 'cookies/parse/ctl/del-in-name']) {
      const r = byId.get(id)!;
      assert.equal(r.verdict, 'unsupported', JSON.stringify(r));
      assert.match(
        r.reason!,
        /^the client refused response 1 at the HTTP layer \(it said: java\.net\.ProtocolException: Invalid header value .*\); its Set-Cookie field holds the control octet 0x(01|7f)/,
      );
      assert.doesNotMatch(r.reason!, /[\x00-\x08\x0b-\x1f\x7f]/, 'the reason carries no raw control octet');
    }
    // The JDK trims a control octet at the very start of the field and stores the cookie: a real failure, kept.
    assert.equal(byId.get('cookies/parse/ctl/soh-at-start-of-name')?.verdict, 'fail');
  });
});
