/**
 * One interop scenario for one client × server pair: build the topology, load
 * the middlebox's rules, start both endpoints, move the data both ways while
 * capturing both sides of the middlebox, and compare how each side ended up
 * with what the scenario expects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Ensemble, Outcome as Verdict, RunContext } from '../../runner/suite.js';
import { decodePacket, ipPayload, readPcap, type MptcpOption } from '../mptcp/codec/index.js';
import type { Report } from './contract.js';
import { middleboxRuleset } from './middlebox.js';
import type { Outcome, Scenario } from './scenario.js';
import { ADDRESSES, ContainerTopology, NamespaceTopology, type Topology } from './topology.js';

export const PORT = 8080;
export const DEFAULT_TIMEOUT_MS = 20_000;

export function outcomeOf(r: Report): Outcome {
  if (r.reset) return 'reset';
  return r.mptcp && !r.fallback ? 'mptcp' : 'fallback';
}

/** The resets seen on the wire, with their MP_TCPRST reason where they carry one. */
export function resetsIn(files: string[]): { from: string; reason?: number }[] {
  const out: { from: string; reason?: number }[] = [];
  for (const file of files.filter((f) => existsSync(f))) {
    const pcap = readPcap(new Uint8Array(readFileSync(file)));
    if (!pcap.ok) continue;
    for (const rec of pcap.value.records) {
      const ip = ipPayload(pcap.value.header.linktype, rec.data);
      if (!ip.ok) continue;
      const d = decodePacket(ip.value, { lenient: true });
      if (!d.ok || !d.value.packet.tcp.flags.rst) continue;
      const rst = d.value.packet.tcp.options.find((o): o is MptcpOption & { subtype: 'mp_tcprst' } => o.type === 'mptcp' && o.subtype === 'mp_tcprst');
      out.push({ from: d.value.packet.ip.src, ...(rst ? { reason: rst.reason } : {}) });
    }
  }
  return out;
}

export async function runScenario(s: Scenario, ensemble: Ensemble, ctx: RunContext): Promise<Verdict> {
  // Set-up (topology, rules, adapters, routes, captures) is the harness's work, not the pair's: it has the start-up
  // budget and holds the scenario's deadline, which so covers the transfer alone (RunContext.startup).
  const setup = <T>(what: string, work: () => Promise<T>): Promise<T> => (ctx.startup ? ctx.startup(what, work) : work());
  const topology: Topology = await setup('the topology', async () =>
    ensemble.fabric ? await ContainerTopology.create(ensemble.fabric, ctx.artifactDir) : new NamespaceTopology(ctx.artifactDir),
  );
  const timeoutMs = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let reports: { client: Report; server: Report } | undefined;
  let captured: { client: string; server: string } | undefined;
  try {
    await setup('the middlebox rules', () => topology.rules(middleboxRuleset(s.middlebox, { ...topology.interfaces, joinPrefix: ADDRESSES.clientJoinPrefix })));
    // In a container /proc/sys is read-only: a kernel endpoint gets its checksum setting when its container is made.
    const sysctls = { 'net.mptcp.checksum_enabled': s.checksums ? 1 : 0 };
    const place = (site: typeof topology.client) => (site.placement ? { ...site.placement, sysctls } : undefined);
    const server = await ensemble.start('server', place(topology.server));
    const client = await ensemble.start('client', place(topology.client));
    const prepare = async (role: 'client' | 'server') => {
      const site = topology[role];
      const session = role === 'client' ? client : server;
      const r = (await session.call('interop.prepare', {
        role,
        ...(site.namespace ? { namespace: site.namespace } : {}),
        address: role === 'client' ? ADDRESSES.client : ADDRESSES.server,
        ...(role === 'client' && s.join ? { extraAddresses: [ADDRESSES.clientJoin] } : {}),
        gateway: site.gateway,
        checksums: s.checksums ?? false,
      })) as { nextHop?: string };
      const via = r.nextHop ?? site.nextHop;
      if (!via) throw new Error(`the ${role}'s adapter did not say its address on its network (nextHop)`);
      await topology.route(role === 'client' ? ADDRESSES.clientPrefix : ADDRESSES.serverPrefix, via);
    };
    await setup('preparing the server', () => prepare('server'));
    await setup('preparing the client', () => prepare('client'));
    await setup('the captures', () => topology.capture());
    ctx.artifacts.pcapClientSide = relative(ctx.outDir, `${ctx.artifactDir}/client-side.pcap`);
    ctx.artifacts.pcapServerSide = relative(ctx.outDir, `${ctx.artifactDir}/server-side.pcap`);
    await server.call('interop.serve', { port: PORT, send: s.transfer.serverToClient, receive: s.transfer.clientToServer, timeoutMs });
    const [c, sv] = await Promise.all([
      client.call('interop.connect', { address: ADDRESSES.server, port: PORT, send: s.transfer.clientToServer, receive: s.transfer.serverToClient, timeoutMs }),
      server.call('interop.finish', {}),
    ]);
    reports = { client: c as Report, server: sv as Report };
  } finally {
    captured = await topology.collect().catch(() => undefined);
    await topology.dispose();
  }
  const artifacts: Record<string, string> = captured
    ? { pcapClientSide: relative(ctx.outDir, captured.client), pcapServerSide: relative(ctx.outDir, captured.server) }
    : {};
  if (!reports) throw new Error('internal: no reports');
  const resets = captured ? resetsIn([captured.client, captured.server]) : [];
  const intact = reports.client.intact && reports.server.intact;
  const actual = {
    client: outcomeOf(reports.client),
    server: outcomeOf(reports.server),
    subflows: reports.client.subflows,
    intact,
    rstReasons: [...new Set(resets.flatMap((r) => (r.reason !== undefined ? [r.reason] : [])))],
  };
  const e = s.expect;
  const expected = {
    client: e.client,
    server: e.server,
    ...(e.subflows !== undefined ? { subflows: e.subflows } : {}),
    intact: e.intact ?? true,
    ...(e.rstReason !== undefined ? { rstReason: e.rstReason } : {}),
  };
  const problems: string[] = [];
  for (const side of ['client', 'server'] as const) {
    if (actual[side] !== e[side]) {
      const r = reports[side];
      problems.push(`the ${side} ended as ${actual[side]}, not ${e[side]}${r.error ? ` (${r.error})` : r.fallbackReason ? ` (${r.fallbackReason})` : ''}`);
    }
  }
  if (e.subflows !== undefined && actual.subflows !== e.subflows) problems.push(`the client had ${actual.subflows} subflow(s), not ${e.subflows}`);
  const complete = reports.server.received === s.transfer.clientToServer && reports.client.received === s.transfer.serverToClient;
  if (expected.intact === 'any' ? !complete : actual.intact !== expected.intact) {
    problems.push(
      expected.intact === false
        ? 'the data arrived intact where the scenario expects it damaged'
        : `the data did not arrive ${expected.intact === 'any' ? 'complete' : 'intact'}: the server got ${reports.server.received} of ${s.transfer.clientToServer} octets${reports.server.intact ? '' : ' (or not the right ones)'}, the client ${reports.client.received} of ${s.transfer.serverToClient}${reports.client.intact ? '' : ' (or not the right ones)'}`,
    );
  }
  if (e.rstReason !== undefined && !actual.rstReasons.includes(e.rstReason))
    problems.push(`no reset carried MP_TCPRST reason ${e.rstReason} (seen: ${actual.rstReasons.join(', ') || 'none'})`);
  return {
    verdict: problems.length ? 'fail' : 'pass',
    expected,
    actual,
    ...(problems.length ? { reason: problems.join('; ') } : {}),
    details: { client: reports.client, server: reports.server, resets, topology: topology.kind },
    artifacts,
  };
}
