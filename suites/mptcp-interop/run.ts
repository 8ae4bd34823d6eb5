/**
 * One interop scenario for one client × server pair: build the topology, load
 * the middlebox's rules, start both endpoints, move the data both ways while
 * capturing both sides of the middlebox, and compare how each side ended up
 * with what the scenario expects.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Ensemble, Outcome as Verdict, RunContext } from '../../runner/suite.js';
import { decodePacket, ipPayload, readPcap, type MptcpOption } from '../mptcp/codec/index.js';
import type { Report } from './contract.js';
import { ACTED, FTP_COMMANDS, FTP_REPLIES, middleboxSetup, middleboxSysctls, PROXY_PORT, type MiddleboxSetup } from './middlebox.js';
import type { Outcome, RateLimit, Scenario } from './scenario.js';
import { ADDRESSES, ContainerTopology, NamespaceTopology, type Topology } from './topology.js';

export const PORT = 8080;
/**
 * The transfer's bounds (TransferBound): each side gives up once no octet has moved either way for IDLE_MS, or once the
 * scenario's `timeoutMs` (by default DEFAULT_TIMEOUT_MS) has passed, both times the pair's timeFactor. The idle bound is what
 * ends a stall; the cap is only there so that a transfer that creeps on forever ends too. A single bound on the whole transfer
 * made a slow but steady one fail on a busy machine (issue 17: mss-clamp-handshake, 815,848 of 1,048,576 octets in 20 s).
 */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const IDLE_MS = 15_000;
/**
 * The bound on the connection itself (TransferParams.handshakeMs), not times the timeFactor: a handshake waits on the
 * endpoints' retransmission timers, which run on the clock, not on the CPU. 60 s leaves room for a SYN sent 5 times from a
 * 1 s RTO (RFC 6298) and then a fallback SYN without MP_CAPABLE (Linux 6.18 sends it after 2), on a machine as busy as any.
 */
export const HANDSHAKE_MS = 60_000;

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

/** What one side's capture shows: how many segments, which carried MPTCP options, the MSS of its SYNs, its data segments. */
export interface WireSummary {
  segments: number;
  /** Segments with any MPTCP option. */
  withMptcp: number;
  /** The MSS options of SYNs and SYN/ACKs, each value once. */
  synMss: number[];
  /** Where the connections and subflows came from: the source address and port of each SYN without ACK, each once. */
  opened: string[];
  /**
   * Captured packets with data, and those of them with a DSS (or an MP_CAPABLE with data). A packet may be several
   * segments (the veth devices aggregate: GRO/GSO); each of them carries the same options.
   */
  dataSegments: number;
  dataWithMapping: number;
}

/**
 * An IPv4 segment's headers alone, with the IP length saying so, and how many data octets followed them: the capture
 * keeps only the first 256 octets of each packet, which the decoder would call truncated.
 */
function headersOf(ip: Uint8Array): { headers: Uint8Array; data: number } | undefined {
  if (ip.length < 20 || ip[0]! >> 4 !== 4) return undefined;
  const ihl = (ip[0]! & 15) * 4;
  const end = ihl + (ip[ihl + 12]! >> 4) * 4;
  if (ip.length < end) return undefined;
  const headers = ip.slice(0, end);
  headers[2] = end >> 8;
  headers[3] = end & 0xff;
  return { headers, data: ((ip[2]! << 8) | ip[3]!) - end };
}

export function wireSummary(file: string): WireSummary | undefined {
  if (!existsSync(file)) return undefined;
  const pcap = readPcap(new Uint8Array(readFileSync(file)));
  if (!pcap.ok) return undefined;
  const w: WireSummary = { segments: 0, withMptcp: 0, synMss: [], opened: [], dataSegments: 0, dataWithMapping: 0 };
  for (const rec of pcap.value.records) {
    const ip = ipPayload(pcap.value.header.linktype, rec.data);
    const h = ip.ok ? headersOf(ip.value) : undefined;
    if (!h) continue;
    const d = decodePacket(h.headers, { lenient: true });
    if (!d.ok) continue;
    const tcp = d.value.packet.tcp;
    const mptcp = tcp.options.filter((o): o is MptcpOption => o.type === 'mptcp');
    w.segments++;
    if (mptcp.length) w.withMptcp++;
    if (tcp.flags.syn) for (const o of tcp.options) if (o.type === 'mss' && !w.synMss.includes(o.mss)) w.synMss.push(o.mss);
    const from = `${d.value.packet.ip.src}:${tcp.srcPort}`;
    if (tcp.flags.syn && !tcp.flags.ack && !w.opened.includes(from)) w.opened.push(from);
    if (h.data > 0) {
      w.dataSegments++;
      if (mptcp.some((o) => o.subtype === 'dss' || o.subtype === 'mp_capable')) w.dataWithMapping++;
    }
  }
  return w;
}

/**
 * The data segments of a capture in the order they were captured, each once (a retransmission of the same sequence number
 * is left out): who sent it, its TCP sequence number and how many octets it carried. Tells how an exchange of lines went
 * on the wire (a command, its reply, then the data).
 */
export function dataSegments(file: string): { from: string; seq: number; length: number }[] {
  const pcap = readPcap(new Uint8Array(readFileSync(file)));
  if (!pcap.ok) return [];
  const out: { from: string; seq: number; length: number }[] = [];
  const seen = new Set<string>();
  for (const rec of pcap.value.records) {
    const ip = ipPayload(pcap.value.header.linktype, rec.data);
    const h = ip.ok ? headersOf(ip.value) : undefined;
    if (!h || h.data === 0) continue;
    const d = decodePacket(h.headers, { lenient: true });
    if (!d.ok) continue;
    const from = `${d.value.packet.ip.src}:${d.value.packet.tcp.srcPort}`;
    const key = `${from} ${d.value.packet.tcp.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ from, seq: d.value.packet.tcp.seq, length: h.data });
  }
  return out;
}

/** The middlebox's own account, from its counters, its SYN proxy statistics and its proxy's log. */
export interface MiddleboxAccount {
  /** nftables' named counters: packets each. */
  counters: Record<string, number>;
  /** /proc/net/stat/synproxy, summed over the CPUs. */
  synproxy?: Record<string, number>;
  /** The sessions HAProxy logged: octets each way and how each ended. */
  proxySessions?: { uploaded: number; downloaded: number; termination: string }[];
}

/** Sums /proc/net/stat/synproxy (a header, then one line of hexadecimal numbers per CPU). */
export function parseSynproxyStat(text: string): Record<string, number> {
  const [header, ...cpus] = text.trim().split('\n');
  const names = (header ?? '').trim().split(/\s+/);
  const sums: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const line of cpus)
    line
      .trim()
      .split(/\s+/)
      .forEach((v, i) => names[i] && (sums[names[i]!]! += parseInt(v, 16)));
  return sums;
}

/** The session lines of HAProxy's log (the log-format of middlebox.ts). */
export function parseProxyLog(text: string): { uploaded: number; downloaded: number; termination: string }[] {
  return [...text.matchAll(/^session .* uploaded=(\d+) downloaded=(\d+) termination=(\S+)/gm)].map((m) => ({
    uploaded: Number(m[1]),
    downloaded: Number(m[2]),
    termination: m[3]!,
  }));
}

/** What each side said went wrong, if anything (a stall, a reset), for a verdict's reason. */
function sideErrors(reports: { client: Report; server: Report }): string {
  const said = (['client', 'server'] as const).flatMap((side) => (reports[side].error ? [`the ${side}: ${reports[side].error}`] : []));
  return said.length ? ` (${said.join('; ')})` : '';
}

/**
 * The middlebox's two links send at most `kbit` kbit/s each, or each its own rate (a token bucket; its queue holds about a
 * second of it).
 */
export function rateLimit(interfaces: { client: string; server: string }, kbit: number | RateLimit): string {
  const rates = typeof kbit === 'number' ? { toClient: kbit, toServer: kbit } : kbit;
  return [
    [interfaces.client, rates.toClient],
    [interfaces.server, rates.toServer],
  ]
    .map(([dev, rate]) => `tc qdisc replace dev ${dev} root tbf rate ${rate}kbit burst 16kb latency 1s`)
    .join(' && ');
}

/** The rate limit's own account: octets sent, and how often the bucket held a packet back (overlimits). */
const RATE_LIMIT_STATE = 'tc -s qdisc show';

/** Starts HAProxy in the middlebox and waits until it listens. Returns its pid there. */
async function startProxy(topology: Topology, config: string, artifactDir: string): Promise<string> {
  writeFileSync(join(artifactDir, 'haproxy.cfg'), config);
  await topology.sh('command -v haproxy >/dev/null').catch(() => {
    throw new Error('the middlebox has no haproxy (Debian package haproxy): the TCP-terminating proxy cannot run');
  });
  const pid = await topology.daemon(`haproxy -db -f ${topology.artifactsInside}/haproxy.cfg`, 'haproxy.log');
  // It listens once its socket shows; polling ss is waiting for that event, bounded in case it never comes.
  await topology.sh(
    `i=0; until ss -Hltn 'sport = :${PROXY_PORT}' | grep -q .; do kill -0 ${pid} || { echo 'haproxy exited:'; cat ${topology.artifactsInside}/haproxy.log; exit 1; }; ` +
      `i=$((i+1)); [ $i -lt 200 ] || { echo 'haproxy did not listen'; exit 1; }; sleep 0.05; done`,
  );
  return pid;
}

/** Soft-stops HAProxy: it lets open sessions end and log (at most its hard-stop-after), then exits. */
async function stopProxy(topology: Topology, pid: string): Promise<void> {
  await topology.sh(
    `kill -USR1 ${pid} 2>/dev/null; i=0; while kill -0 ${pid} 2>/dev/null && [ "$(cut -d' ' -f3 /proc/${pid}/stat 2>/dev/null)" != Z ] && [ $i -lt 400 ]; do i=$((i+1)); sleep 0.05; done; kill -KILL ${pid} 2>/dev/null; true`,
  );
}

/** Reads the middlebox's counters and statistics, keeping the whole of what it says in the artifacts. */
async function account(topology: Topology, setup: MiddleboxSetup, artifactDir: string): Promise<MiddleboxAccount> {
  const state: string[] = [];
  let synproxy: Record<string, number> | undefined;
  for (const cmd of setup.state) {
    const out = await topology.sh(cmd).catch((e: Error) => `(failed: ${e.message})`);
    state.push(`# ${cmd}\n${out}`);
    if (cmd.includes('/proc/net/stat/synproxy')) synproxy = parseSynproxyStat(out);
  }
  writeFileSync(join(artifactDir, 'middlebox-state.txt'), state.join('\n'));
  const listed = JSON.parse(await topology.sh('nft -j list counters table ip conformatrix_middlebox')) as {
    nftables: { counter?: { name: string; packets: number } }[];
  };
  const counters = Object.fromEntries(listed.nftables.flatMap((o) => (o.counter ? [[o.counter.name, o.counter.packets]] : [])));
  return { counters, ...(synproxy ? { synproxy } : {}) };
}

export async function runScenario(s: Scenario, ensemble: Ensemble, ctx: RunContext): Promise<Verdict> {
  // Set-up (topology, rules, adapters, routes, captures) is the harness's work, not the pair's: it has the start-up
  // budget and holds the scenario's deadline, which so covers the transfer alone (RunContext.startup).
  const setup = <T>(what: string, work: () => Promise<T>): Promise<T> => (ctx.startup ? ctx.startup(what, work) : work());
  const sysctls = middleboxSysctls(s.middlebox);
  const topology: Topology = await setup('the topology', async () =>
    ensemble.fabric ? await ContainerTopology.create(ensemble.fabric, ctx.artifactDir, sysctls) : new NamespaceTopology(ctx.artifactDir, sysctls),
  );
  // The transfer's bound scales with the slower endpoint (its manifest's timeFactor: a kernel under emulation), as the runner's deadline does.
  const timeFactor = Math.max(1, ...Object.values(ensemble.targets).map((t) => t.timeFactor ?? 1));
  const timeoutMs = (s.timeoutMs ?? DEFAULT_TIMEOUT_MS) * timeFactor;
  const idleMs = Math.min(IDLE_MS * timeFactor, timeoutMs);
  const handshakeMs = Math.min(HANDSHAKE_MS, timeoutMs);
  let reports: { client: Report; server: Report } | undefined;
  let captured: { client: string; server: string } | undefined;
  let middlebox: MiddleboxAccount | undefined;
  let proxy: string | undefined;
  const mb = middleboxSetup(s.middlebox, {
    ...topology.interfaces,
    joinPrefix: ADDRESSES.clientJoinPrefix,
    clientPrefix: ADDRESSES.clientPrefix,
    serverAddress: ADDRESSES.server,
    port: PORT,
  });
  try {
    await setup('the middlebox rules', () => topology.rules(mb.ruleset));
    if (mb.haproxy) proxy = await setup('the proxy', () => startProxy(topology, mb.haproxy!, ctx.artifactDir));
    if (s.rateLimitKbit) await setup('the rate limit', () => topology.sh(rateLimit(topology.interfaces, s.rateLimitKbit!)));
    // In a container /proc/sys is read-only: a kernel endpoint gets its checksum setting when its container is made.
    const sysctls = { 'net.mptcp.checksum_enabled': s.checksums ? 1 : 0 };
    const place = (site: typeof topology.client) => (site.placement ? { ...site.placement, sysctls } : undefined);
    // An adapter that is dear to start (a VM) serves scenario after scenario, where its node is a namespace the scenario
    // gives (the local driver): interop.reset at the end leaves it as it started (capability interop-reuse).
    const reusable = (role: 'client' | 'server') => !topology[role].placement && !!ensemble.targets[role]?.capabilities.has('interop-reuse');
    const server = await ensemble.start('server', place(topology.server), { keep: reusable('server') });
    const client = await ensemble.start('client', place(topology.client), { keep: reusable('client') });
    const prepare = async (role: 'client' | 'server') => {
      const site = topology[role];
      const session = role === 'client' ? client : server;
      const r = (await session.call('interop.prepare', {
        role,
        ...(site.namespace ? { namespace: site.namespace } : {}),
        address: role === 'client' ? ADDRESSES.client : ADDRESSES.server,
        ...(role === 'client' && s.join ? { extraAddresses: [ADDRESSES.clientJoin] } : {}),
        ...(role === 'client' && s.announce ? { announceAddresses: [ADDRESSES.clientJoin] } : {}),
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
    // Through the FTP helper the client's stream starts with a PORT command: a real FTP control exchange's, as data, each
    // command answered by the server before the client goes on.
    const preamble = s.middlebox === 'ftp-alg' ? { preamble: FTP_COMMANDS, replies: FTP_REPLIES } : {};
    await server.call('interop.serve', {
      port: PORT,
      send: s.transfer.serverToClient,
      receive: s.transfer.clientToServer,
      timeoutMs,
      idleMs,
      handshakeMs,
      ...preamble,
    });
    const [c, sv] = await Promise.all([
      client.call('interop.connect', {
        address: ADDRESSES.server,
        port: PORT,
        send: s.transfer.clientToServer,
        receive: s.transfer.serverToClient,
        timeoutMs,
        idleMs,
        handshakeMs,
        ...preamble,
      }),
      server.call('interop.finish', {}),
    ]);
    reports = { client: c as Report, server: sv as Report };
    if (proxy) await stopProxy(topology, proxy);
    middlebox = await account(topology, s.rateLimitKbit ? { ...mb, state: [...mb.state, RATE_LIMIT_STATE] } : mb, ctx.artifactDir);
    if (mb.haproxy) middlebox.proxySessions = parseProxyLog(readFileSync(join(ctx.artifactDir, 'haproxy.log'), 'utf8'));
    // A kept adapter's endpoint goes before the node does; one that cannot reset is an error, and the runner kills it.
    for (const [role, session] of [
      ['server', server],
      ['client', client],
    ] as const)
      if (reusable(role)) await setup(`resetting the ${role}`, () => session.call('interop.reset', {}));
  } finally {
    captured = await topology.collect().catch(() => undefined);
    await topology.dispose();
  }
  const artifacts: Record<string, string> = captured
    ? { pcapClientSide: relative(ctx.outDir, captured.client), pcapServerSide: relative(ctx.outDir, captured.server) }
    : {};
  for (const [name, file] of [
    ['middleboxState', 'middlebox-state.txt'],
    ['proxyLog', 'haproxy.log'],
  ] as const)
    if (existsSync(join(ctx.artifactDir, file))) artifacts[name] = relative(ctx.outDir, join(ctx.artifactDir, file));
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
  // The server's count includes the preamble's lines, as they arrived, and the client's the replies.
  const ahead = reports.server.preambleReceived !== undefined ? Buffer.byteLength(reports.server.preambleReceived, 'latin1') : 0;
  const replied = reports.client.repliesReceived !== undefined ? Buffer.byteLength(reports.client.repliesReceived, 'latin1') : 0;
  const complete = reports.server.received - ahead === s.transfer.clientToServer && reports.client.received - replied === s.transfer.serverToClient;
  if (expected.intact === 'any' ? !complete : actual.intact !== expected.intact) {
    problems.push(
      expected.intact === false
        ? 'the data arrived intact where the scenario expects it damaged'
        : `the data did not arrive ${expected.intact === 'any' ? 'complete' : 'intact'}: the server got ${reports.server.received} of ${s.transfer.clientToServer} octets${reports.server.intact ? '' : ' (or not the right ones)'}, the client ${reports.client.received} of ${s.transfer.serverToClient}${reports.client.intact ? '' : ' (or not the right ones)'}${sideErrors(reports)}`,
    );
  }
  // A real middlebox that did nothing would make the scenario the plain one: it cannot pass then.
  if (mb.counted && !middlebox?.counters[ACTED]) problems.push(`the middlebox never acted (its counter "${ACTED}" stayed at 0)`);
  if (mb.haproxy && !middlebox?.proxySessions?.length) problems.push('HAProxy logged no session: the connection did not go through the proxy');
  if (e.rstReason !== undefined && !actual.rstReasons.includes(e.rstReason))
    problems.push(`no reset carried MP_TCPRST reason ${e.rstReason} (seen: ${actual.rstReasons.join(', ') || 'none'})`);
  return {
    verdict: problems.length ? 'fail' : 'pass',
    expected,
    actual,
    ...(problems.length ? { reason: problems.join('; ') } : {}),
    details: {
      client: reports.client,
      server: reports.server,
      resets,
      topology: topology.kind,
      ...(middlebox ? { middlebox } : {}),
      ...(captured ? { wire: { clientSide: wireSummary(captured.client), serverSide: wireSummary(captured.server) } } : {}),
    },
    artifacts,
  };
}
