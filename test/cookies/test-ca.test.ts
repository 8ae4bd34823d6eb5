// The run's test CA and its host certificates hold at every clock a vector sets: a client whose clock is faked
// (libfaketime) checks them at that clock.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import { TestCa } from '../../suites/cookies/http/test-ca.js';

/** Every time of every request of a vector with a clock (its start plus the advances so far). */
function vectorClocks(): number[] {
  const dir = join(VECTORS_DIR, 'cookies');
  const times: number[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const { vectors } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { vectors: { clock?: { start: string }; requests: { advance?: number }[] }[] };
    for (const v of vectors) {
      if (!v.clock) continue;
      let t = Date.parse(v.clock.start);
      for (const r of v.requests) times.push((t += (r.advance ?? 0) * 1000));
    }
  }
  return times;
}

describe('cookies: the test CA', function () {
  this.timeout(60_000);

  it('and a host certificate it issues are valid at every clock a vector sets, and now', async () => {
    const ca = new TestCa();
    const host = new X509Certificate((await ca.issue('home.example.org')).cert.split(/(?<=-----END CERTIFICATE-----)/)[0]!);
    const root = new X509Certificate(ca.certPem);
    assert.ok(host.verify(root.publicKey));
    const times = [...vectorClocks(), Date.now()];
    assert.ok(times.length > 100, `${times.length} clocks`);
    for (const cert of [root, host]) {
      const [from, to] = [Date.parse(cert.validFrom), Date.parse(cert.validTo)];
      const outside = times.filter((t) => t < from || t > to).map((t) => new Date(t).toISOString());
      assert.deepEqual([...new Set(outside)], [], `valid ${cert.validFrom} to ${cert.validTo}`);
    }
  });
});
