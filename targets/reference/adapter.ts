/**
 * The bundled reference implementations, as a target like any other: this is
 * the program the runner starts (targets/reference/target.json).
 */
import { readFileSync } from 'node:fs';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION, type Handlers } from '../../runner/contract.js';
import { runCookieVector, type CookiesRunParams } from './cookies/adapter.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const referenceHandlers: Handlers = {
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'conformatrix reference', version: pkg.version },
    capabilities: ['clock'],
  }),
  'cookies.run': (params: CookiesRunParams) => runCookieVector(params),
};

if (import.meta.url === `file://${process.argv[1]}`) serveAdapter(referenceHandlers);
