/**
 * tough-cookie through its API, the way its users drive it: a CookieJar with
 * default options, setCookie for each Set-Cookie field and getCookieString
 * before each request, with the clock passed as `now`. tough-cookie has no HTTP
 * client of its own. Header octets become JavaScript strings the way Node's
 * HTTP parser makes them: one char per octet (latin1).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CookieJar } from 'tough-cookie';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';

const require = createRequire(import.meta.url);

// The jar reads the clock through Date.now() and new Date(); this process exists
// only for the jar, so its clock is the vector's, the way faketime sets a
// program's clock: both are redirected to the vector's time.
const RealDate = Date;
let fixedNow: number | undefined;
class VectorDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(fixedNow ?? RealDate.now());
    else super(...(args as [string | number | Date]));
  }
  static override now(): number {
    return fixedNow ?? RealDate.now();
  }
}
globalThis.Date = VectorDate as DateConstructor;
// The package does not export its package.json; read it next to the resolved entry point (dist/).
const version = (JSON.parse(readFileSync(join(dirname(require.resolve('tough-cookie')), '..', 'package.json'), 'utf8')) as { version: string }).version;

interface RunRequest {
  url: string;
  method: string;
  now?: number;
  response: { setCookie: string[] };
}

serveAdapter({
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'tough-cookie', version },
    capabilities: ['clock'],
  }),
  'cookies.run': async (params: { requests: RunRequest[] }) => {
    const jar = new CookieJar();
    const cookies: (string | null)[] = [];
    for (const r of params.requests) {
      fixedNow = r.now;
      const now = new Date();
      const header = await jar.getCookieString(r.url, { http: true });
      // base64 to and from one char per octet (atob and btoa: the reference's adapter does the same, and the engine bench copies both).
      cookies.push(header === '' ? null : btoa(header));
      for (const line of r.response.setCookie) {
        await jar.setCookie(atob(line), r.url, { now, http: true, ignoreError: true });
      }
    }
    return { cookies };
  },
});
