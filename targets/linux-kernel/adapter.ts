/**
 * The Linux kernel the run happens on, as an MPTCP target. For each vector:
 * a fresh network namespace with a TUN device, where the kernel is the system
 * under test (address 198.51.100.1) and the harness is the peer behind the
 * TUN device (198.51.100.2 and up); a kernel agent in the namespace opens
 * IPPROTO_MPTCP sockets and performs the socket steps; every segment the
 * kernel routes to the TUN device goes to the runner as an mptcp.packet
 * notification. Where network namespaces cannot be made (a container with
 * NET_ADMIN only), the adapter's own namespace is used, with a new TUN device
 * per vector.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { OpenParams, SocketParams } from '../../suites/mptcp/contract.js';
import { KernelAgent } from '../../suites/mptcp/net/agent.js';
import { Lab } from '../../suites/mptcp/net/lab.js';
import { KernelInterop } from './interop.js';
import { exec, namespaces, PINNED, setSysctls, sysctlsWritable } from './system.js';
import { decodeMptcpInfo } from '../../suites/mptcp/net/mptcp-info.js';
import { TunDevice } from '../../suites/mptcp/net/tun.js';

/**
 * The vector's subnet. In a namespace of its own, always 198.51.100.0/24. In
 * the shared namespace, a new /24 per vector (from 198.18.0.0/15), so that
 * what the kernel still holds of an earlier vector's connections (TIME_WAIT,
 * an unanswered FIN) never meets this vector's segments.
 */
function subnet(shared: number | undefined): string {
  return shared === undefined ? '198.51.100' : `${198}.${18 + ((shared >> 8) & 1)}.${shared & 255}`;
}

const interop = new KernelInterop();

const notify = (method: string, params: unknown) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');

interface Vector {
  lab?: Lab;
  ns?: string;
  dev: string;
  tun: TunDevice;
  agent: KernelAgent;
  listener?: string;
  conn?: string;
  mptcp: boolean;
}

let current: Vector | undefined;
let counter = 0;

async function open(p: OpenParams) {
  if (current) await close();
  const dev = namespaces ? 'tun0' : `cfxtun${counter++}`;
  const net = subnet(namespaces ? undefined : counter - 1);
  const sut = `${net}.1`;
  const peers = [2, 3, 4, 5].map((h) => `${net}.${h}`);
  let lab: Lab | undefined;
  let ns: string | undefined;
  if (namespaces) {
    lab = new Lab();
    ns = lab.namespace('sut');
    // No IPv6 on the vector's devices: router solicitations would only clutter the exchange.
    exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
  } else {
    // One namespace for all vectors: the previous vector's device (and its sockets' routes) went with it.
    exec(undefined, ['ip', 'tuntap', 'add', 'dev', dev, 'mode', 'tun']);
  }
  if (lab && ns) lab.tun(ns, dev, `${sut}/24`);
  else {
    exec(undefined, ['ip', 'addr', 'add', `${sut}/24`, 'dev', dev]);
    exec(undefined, ['ip', 'link', 'set', dev, 'up']);
  }
  const extra = Array.from({ length: p.subflowEndpoints ?? 0 }, (_, i) => `${net}.${11 + i}`);
  for (const a of extra) exec(ns, ['ip', 'addr', 'add', `${a}/24`, 'dev', dev]);
  setSysctls(ns, { ...PINNED, ...p.sysctls });
  exec(ns, ['ip', 'mptcp', 'endpoint', 'flush']);
  exec(ns, ['ip', 'mptcp', 'limits', 'set', 'subflow', String(p.limits?.subflows ?? 2), 'add_addr_accepted', String(p.limits?.addAddrAccepted ?? 2)]);
  for (const a of extra) exec(ns, ['ip', 'mptcp', 'endpoint', 'add', a, 'dev', dev, 'subflow']);
  // The kernel agent starts while the TUN bridge does: two interpreters coming up side by side.
  const agent = KernelAgent.start(ns);
  let tun: TunDevice;
  try {
    tun = await TunDevice.open(ns ?? '', dev);
  } catch (err) {
    await agent.close().catch(() => undefined);
    throw err;
  }
  tun.on('packet', (packet: Uint8Array) => notify('mptcp.packet', { data: Buffer.from(packet).toString('base64') }));
  current = { ...(lab ? { lab } : {}), ...(ns ? { ns } : {}), dev, tun, agent, mptcp: true };
  return { addresses: { sut, peers, sutExtra: extra } };
}

async function close() {
  const v = current;
  current = undefined;
  if (!v) return {};
  await Promise.all([v.agent.close(), v.tun.close()]);
  if (v.lab) v.lab.dispose();
  else spawnSync('ip', ['link', 'del', v.dev]);
  return {};
}

/** connect, accept and read run in the background: their end is an mptcp.done notification. */
function background(id: string, work: Promise<Record<string, unknown>>) {
  work.then(
    (result) => notify('mptcp.done', { id, result }),
    (err: Error) => notify('mptcp.done', { id, error: err.message }),
  );
  return { started: true };
}

async function socket(p: SocketParams) {
  const v = current;
  if (!v) throw new Error('mptcp.socket before mptcp.open');
  const a = v.agent;
  const conn = () => {
    if (!v.conn) throw new Error(`${p.op} before a connection exists`);
    return v.conn;
  };
  try {
    switch (p.op) {
      case 'listen': {
        v.mptcp = p.mptcp ?? true;
        v.listener = (await a.call<{ listener: string }>('listen', { port: p.port ?? 8000, mptcp: v.mptcp })).listener;
        return { result: {} };
      }
      case 'accept':
        return background(
          p.id,
          a.call<{ conn: string; peer: string }>('accept', { listener: v.listener, timeoutMs: 20000 }).then((r) => ((v.conn = r.conn), { peer: r.peer })),
        );
      case 'connect':
        v.mptcp = p.mptcp ?? true;
        return background(
          p.id,
          a.call<{ conn: string }>('connect', { addr: p.address, port: p.port ?? 8000, mptcp: v.mptcp, timeoutMs: 20000 }).then((r) => ((v.conn = r.conn), {})),
        );
      case 'read':
        return background(p.id, readAll(a, conn(), p.count ?? 65536));
      case 'write':
        return { result: await a.call('write', { conn: conn(), data: p.data ?? '' }) };
      case 'shutdown':
        return { result: await a.call('shutdown', { conn: conn() }) };
      case 'close':
        await a.call('close', { conn: conn() });
        v.conn = undefined;
        return { result: {} };
      case 'query': {
        const q = await a.call<{ isMptcp: boolean; mptcpInfo?: string; mptcpInfoError?: string }>('query', { conn: conn() });
        const raw = q.mptcpInfo ? Buffer.from(q.mptcpInfo, 'base64') : undefined;
        const info = raw ? decodeMptcpInfo(raw) : undefined;
        // mptcpi_bytes_acked: the octets the peer has acknowledged at the data level (DATA_ACK), Linux 6.5 and later.
        const dataAcked = raw && raw.length >= 80 ? Number(raw.readBigUInt64LE(72)) : undefined;
        return {
          result: {
            isMptcp: q.isMptcp,
            fallback: v.mptcp && (!q.isMptcp || info?.flags.fallback === true),
            ...(info && q.isMptcp ? { subflows: info.subflowsTotal ?? info.subflows + 1, checksums: info.checksums, mptcpInfo: info } : {}),
            ...(dataAcked !== undefined && q.isMptcp ? { dataAcked } : {}),
          },
        };
      }
    }
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Reads until `count` octets or the end of the stream. */
async function readAll(a: KernelAgent, conn: string, count: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let total = 0;
  let eof = false;
  while (total < count) {
    const r = await a.call<{ data: string; eof: boolean }>('read', { conn, max: count - total, timeoutMs: 20000 });
    if (r.eof) {
      eof = true;
      break;
    }
    const b = Buffer.from(r.data, 'base64');
    chunks.push(b);
    total += b.length;
  }
  return { data: Buffer.concat(chunks).toString('base64'), eof };
}

serveAdapter({
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'Linux', version: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() },
    // interop-checksums: in a container the runner sets net.mptcp.checksum_enabled when it makes it (a placement's sysctls).
    capabilities: [
      'mptcp-v1',
      'mptcp-interop',
      'interop-join',
      'interop-checksums',
      'interop-announce',
      'interop-preamble',
      ...(namespaces || sysctlsWritable ? ['sysctls'] : []),
    ],
  }),
  'mptcp.open': (p: OpenParams) => open(p),
  'mptcp.inject': (p: { data: string }) => {
    if (!current) throw new Error('mptcp.inject before mptcp.open');
    current.tun.send(new Uint8Array(Buffer.from(p.data, 'base64')));
    return {};
  },
  'mptcp.socket': (p: SocketParams) => socket(p),
  'mptcp.close': () => close(),
  'interop.prepare': (p: Parameters<KernelInterop['prepare']>[0]) => interop.prepare(p),
  'interop.serve': (p: Parameters<KernelInterop['serve']>[0]) => interop.serve(p),
  'interop.connect': (p: Parameters<KernelInterop['connect']>[0]) => interop.connect(p),
  'interop.finish': () => interop.finish(),
});
