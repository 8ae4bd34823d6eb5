/**
 * The Multipath TCP suite (RFC 8684). Packet-level vectors: the harness plays
 * the peer of the system under test, injecting segments and checking what the
 * SUT sends back and what its sockets report (script/engine.ts).
 */
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import type { Decision, LoadedVector, Suite, TargetView } from '../../runner/suite.js';
import { mptcpCommand } from './commands.js';
import { sweepLabs } from './net/lab.js';
import { runScript } from './script/engine.js';
import { loadMptcpVectors, type MptcpVector } from './vector.js';
import { mptcpViews } from './script/views.js';

function plan(vector: LoadedVector<MptcpVector>, target: TargetView): Decision {
  const v = vector.data;
  if (!target.capabilities.has('mptcp-v1')) return { run: false, verdict: 'unsupported', reason: `${target.id} does not speak MPTCP v1` };
  if (v.setup?.sysctls && Object.keys(v.setup.sysctls).length && !target.capabilities.has('sysctls'))
    return { run: false, verdict: 'unsupported', reason: `needs sysctls (${Object.keys(v.setup.sysctls).join(', ')}) that ${target.id} cannot set` };
  if (v.setup?.announceAddresses && !target.capabilities.has('sut-announce'))
    return {
      run: false,
      verdict: 'unsupported',
      reason: `needs the SUT to announce and withdraw addresses of its own, which ${target.id}'s adapter cannot set up`,
    };
  return { run: true };
}

const schema = (name: string) => `urn:conformatrix:mptcp-adapter#/$defs/${name}`;

const suite: Suite<MptcpVector> = {
  name: 'mptcp',
  title: 'Multipath TCP (RFC 8684)',
  vectorSchema: 'urn:conformatrix:mptcp-vectors',
  vectorDir: join(VECTORS_DIR, 'mptcp'),
  capabilities: {
    'mptcp-v1': 'the target speaks MPTCP v1 (RFC 8684)',
    sysctls: 'the adapter applies the sysctls a vector sets',
    'sut-announce': "the adapter gives the SUT the addresses a vector's setup.announceAddresses asks for, and carries out its announce and withdraw steps",
  },
  // Measured against the RFC 8684 requirements index (vectors/specs/requirements/rfc8684/); every vector of vectors/mptcp/ cites some.
  requirements: { measuredAgainst: { '*': 'rfc8684' }, vectorsMustCite: true },
  load: loadMptcpVectors,
  plan,
  run: (vector, session, target, ctx) => runScript(vector.data, session, ctx, target.timeFactor),
  methods: {
    'mptcp.open': { params: schema('open-params'), result: schema('open-result') },
    'mptcp.inject': { params: schema('inject-params'), result: schema('empty') },
    'mptcp.socket': { params: schema('socket-params'), result: schema('socket-result') },
    'mptcp.close': { params: schema('empty'), result: schema('empty') },
  },
  // Namespaces a killed adapter could not remove (after a timeout, say) go when the run ends; those of killed runs, when one starts.
  setup: async () => {
    sweepLabs();
    return { services: undefined, dispose: async () => void sweepLabs() };
  },
  commands: { mptcp: mptcpCommand },
  views: mptcpViews,
};

export default suite;
