/**
 * MPTCP interop: two real implementations, a client and a server, with a real
 * middlebox between them that strips or mangles MPTCP options (netfilter).
 * Every scenario runs for every client × server pair of the targets taking
 * part (docs/mptcp-interop.md).
 */
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import type { Decision, LoadedVector, Suite, TargetView } from '../../runner/suite.js';
import { sweepLabs } from '../mptcp/net/lab.js';
import { missingKernelFeature } from './kernel.js';
import { middleboxSetup } from './middlebox.js';
import { SUITE_DIR } from './paths.js';
import { DEFAULT_TIMEOUT_MS, PORT, runScenario } from './run.js';
import { loadScenarios, type Scenario } from './scenario.js';
import { interopViews } from './views.js';

/** What a pair must be able to do for the scenario. */
function planEnsemble(vector: LoadedVector<Scenario>, targets: Record<string, TargetView>): Decision {
  for (const [role, t] of Object.entries(targets)) {
    if (!t.capabilities.has('mptcp-interop'))
      return { run: false, verdict: 'unsupported', reason: `${t.id} (${role}) does not take part in interop scenarios` };
    if (vector.data.checksums && !t.capabilities.has('interop-checksums'))
      return { run: false, verdict: 'unsupported', reason: `${t.id} (${role}) cannot ask for DSS checksums here` };
    if (vector.data.join && role === 'client' && !t.capabilities.has('interop-join'))
      return { run: false, verdict: 'unsupported', reason: `${t.id} cannot open a second subflow as a client` };
    if (vector.data.middlebox === 'ftp-alg' && !t.capabilities.has('interop-preamble'))
      return { run: false, verdict: 'unsupported', reason: `${t.id} (${role}) cannot send or read an application command ahead of the data` };
    if (vector.data.announce && role === 'client' && !t.capabilities.has('interop-announce'))
      return { run: false, verdict: 'unsupported', reason: `${t.id} cannot announce an address (ADD_ADDR) as a client` };
  }
  // The middlebox runs on this kernel with either driver (containers share it): without what the behaviour needs there is no scenario.
  const plan = { client: 'client', server: 'server', joinPrefix: '', clientPrefix: '', serverAddress: '', port: PORT };
  const missing = missingKernelFeature(middleboxSetup(vector.data.middlebox, plan).features);
  if (missing) return { run: false, verdict: 'unsupported', reason: `the middlebox cannot be built: ${missing}` };
  return { run: true };
}

const schema = (name: string) => `urn:conformatrix:mptcp-interop-adapter#/$defs/${name}`;

const suite: Suite<Scenario> = {
  name: 'mptcp-interop',
  // The middlebox node of every topology (topology.ts), built once before the first scenario with the docker driver.
  fabricImages: [join(SUITE_DIR, 'middlebox')],
  title: 'Multipath TCP interop through middleboxes',
  vectorSchema: 'urn:conformatrix:mptcp-interop-vectors',
  vectorDir: join(VECTORS_DIR, 'mptcp-interop'),
  capabilities: {
    'mptcp-interop': 'the target takes part in interop scenarios',
    'interop-checksums': 'the adapter can ask for DSS checksums',
    'interop-join': 'as a client, the adapter can open a second subflow',
    'interop-preamble': 'the adapter can send (client) or read (server) a line of text ahead of the pattern',
    'interop-announce': 'as a client, the adapter can announce an address (ADD_ADDR) it opens no subflow from',
    'interop-reuse':
      'the adapter serves scenario after scenario (local driver): interop.reset removes its endpoint and all it made for a scenario, and the runner keeps it for the next',
  },
  // Measured against the RFC 8684 requirements index, as the packet-level suite; every scenario of vectors/mptcp-interop/ cites some.
  requirements: { measuredAgainst: { '*': 'rfc8684' }, vectorsMustCite: true },
  load: loadScenarios,
  roles: ['client', 'server'],
  plan: () => ({ run: true }),
  planEnsemble,
  run: () => Promise.reject(new Error('interop scenarios run with a pair of targets (runEnsemble)')),
  runEnsemble: (vector, ensemble, ctx) => runScenario(vector.data, ensemble, ctx),
  // The transfer's own bound, and time to collect the captures; set-up (topology, adapters, captures) is outside it (run.ts).
  timeoutMs: (vector) => (vector.data.timeoutMs ?? DEFAULT_TIMEOUT_MS) + 10_000,
  methods: {
    'interop.prepare': { params: schema('prepare-params'), result: schema('prepare-result') },
    'interop.serve': { params: schema('transfer'), result: schema('serve-result') },
    'interop.connect': { params: schema('transfer'), result: schema('report') },
    'interop.finish': { params: schema('serve-result'), result: schema('report') },
    'interop.reset': { params: schema('serve-result'), result: schema('serve-result') },
  },
  setup: async () => {
    sweepLabs();
    return { services: undefined, dispose: async () => void sweepLabs() };
  },
  views: interopViews,
};

export default suite;
