/**
 * The bundled reference implementations, as a target like any other: this is
 * the program the runner starts (targets/reference/target.json). It serves
 * the cookie suite (targets/reference/cookies/), and the two MPTCP suites
 * with the reference MPTCP endpoint (targets/reference/mptcp/): the
 * packet-level one (mptcp-adapter.ts) and interop (interop.ts).
 */
import { readFileSync } from 'node:fs';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION, type Handlers } from '../../runner/contract.js';
import { runCookieVector, type CookiesRunParams } from './cookies/adapter.js';
import type { OpenParams, SocketParams } from '../../suites/mptcp/contract.js';
import type { PrepareParams, TransferParams } from '../../suites/mptcp-interop/contract.js';
import { ReferencePacketSut } from './mptcp-adapter.js';
import { ReferenceInterop } from './interop.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const notify = (method: string, params: unknown) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');

const sut = new ReferencePacketSut(notify);
const interop = new ReferenceInterop();

/**
 * Capabilities: "clock" for the cookie suite; "mptcp-v1" and "sysctls" for
 * the packet-level suite (the sysctls vectors set are mapped onto the Host's
 * options, see mptcp-adapter.ts), and "sut-announce" (addresses the SUT
 * announces and withdraws); the interop ones.
 */
export const CAPABILITIES = [
  'clock',
  'document-cookie',
  'mptcp-v1',
  'sysctls',
  'sut-announce',
  'mptcp-interop',
  'interop-join',
  'interop-checksums',
  'interop-announce',
  'interop-preamble',
];

export const referenceHandlers: Handlers = {
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'conformatrix reference', version: pkg.version },
    capabilities: CAPABILITIES,
  }),
  'cookies.run': (params: CookiesRunParams) => runCookieVector(params),
  'mptcp.open': (p: OpenParams) => sut.open(p),
  'mptcp.inject': (p: { data: string }) => sut.inject(p),
  'mptcp.socket': (p: SocketParams) => sut.socket(p),
  'mptcp.close': () => sut.close(),
  'interop.prepare': (p: PrepareParams) => interop.prepare(p),
  'interop.serve': (p: TransferParams) => interop.serve(p),
  'interop.connect': (p: TransferParams) => interop.connect(p),
  'interop.finish': () => interop.finish(),
};

if (import.meta.url === `file://${process.argv[1]}`) serveAdapter(referenceHandlers);
