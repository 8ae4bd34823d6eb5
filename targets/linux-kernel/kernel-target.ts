/**
 * What every Linux kernel target shares, wherever its kernel runs (the host's,
 * targets/linux-kernel; one booted in a VM, targets/linux-6.1): the SUT's
 * settings for a vector, the socket steps through the kernel agent, and the
 * adapter's handlers. A target supplies a KernelHost: how it makes a vector's
 * SUT (a namespace with a device the harness plays the peer behind) and says
 * hello.
 */
import { serveAdapter } from '../../runner/adapter-kit.js';
import type { Handlers, HelloResult } from '../../runner/contract.js';
import type { OpenParams, SocketParams } from '../../suites/mptcp/contract.js';
import type { KernelAgent } from '../../suites/mptcp/net/agent.js';
import { decodeMptcpInfo } from '../../suites/mptcp/net/mptcp-info.js';
import { PINNED } from './system.js';

/** One vector's system under test. */
export interface Sut {
  agent: KernelAgent;
  /** Hands a packet to the kernel as if it came from the network. */
  inject(packet: Uint8Array): void;
  /** Removes the SUT and all it made. */
  close(): Promise<void>;
  /** Runs an ip command (its arguments) in the SUT's namespace: announce and withdraw steps (signal endpoints). */
  ip?(args: string[]): Promise<void>;
}

export interface KernelHost {
  hello(): HelloResult | Promise<HelloResult>;
  /** Makes a vector's SUT; every packet its kernel sends towards the harness goes to onPacket. */
  open(
    p: OpenParams,
    onPacket: (packet: Uint8Array) => void,
  ): Promise<{ sut: Sut; addresses: { sut: string; peers: string[]; sutExtra: string[]; sutAnnounce?: string[] } }>;
  /** More handlers (the interop suite's). */
  handlers?: Handlers;
}

/**
 * Sets a vector's SUT up in a namespace whose device `dev` already has the
 * SUT's address: its extra addresses (and those announce steps announce), the pinned sysctls and the vector's,
 * the path manager's limits and endpoints. `ip` runs ip commands (their
 * arguments) in the namespace, in order (one at a time, or as one ip -batch
 * where each process costs, in a VM); `sysctls` sets values there.
 */
export async function configureSut(
  ip: (commands: string[][]) => Promise<unknown>,
  sysctls: (values: Record<string, string | number>) => Promise<void>,
  dev: string,
  extra: string[],
  p: OpenParams,
  announce: string[] = [],
): Promise<void> {
  if (extra.length) await ip(extra.map((a) => ['addr', 'add', `${a}/24`, 'dev', dev]));
  if (announce.length) await ip(announce.map((a) => ['addr', 'add', `${a}/24`, 'dev', dev]));
  await sysctls({ ...PINNED, ...p.sysctls });
  await ip([
    ['mptcp', 'endpoint', 'flush'],
    ['mptcp', 'limits', 'set', 'subflow', String(p.limits?.subflows ?? 2), 'add_addr_accepted', String(p.limits?.addAddrAccepted ?? 2)],
    ...extra.map((a) => ['mptcp', 'endpoint', 'add', a, 'dev', dev, 'subflow']),
  ]);
}

/** The SUT's addresses for announce steps (p.announceAddresses), after its subflow endpoints' in the same /24. */
export function announceAddresses(sutAddress: string, p: OpenParams): string[] {
  const net = sutAddress.split('.').slice(0, 3).join('.');
  return Array.from({ length: p.announceAddresses ?? 0 }, (_, i) => `${net}.${21 + i}`);
}

const notify = (method: string, params: unknown) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');

interface Vector {
  sut: Sut;
  listener?: string;
  conn?: string;
  mptcp: boolean;
}

/** connect, accept and read run in the background: their end is an mptcp.done notification. */
function background(id: string, work: Promise<Record<string, unknown>>) {
  work.then(
    (result) => notify('mptcp.done', { id, result }),
    (err: Error) => notify('mptcp.done', { id, error: err.message }),
  );
  return { started: true };
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

async function socket(v: Vector, p: SocketParams) {
  const a = v.sut.agent;
  const conn = () => {
    if (!v.conn) throw new Error(`${p.op} before a connection exists`);
    return v.conn;
  };
  try {
    switch (p.op) {
      case 'listen': {
        v.mptcp = p.mptcp ?? true;
        v.listener = (
          await a.call<{ listener: string }>('listen', { port: p.port ?? 8000, mptcp: v.mptcp, ...(p.fastOpen ? { fastOpen: true } : {}) })
        ).listener;
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
          a
            .call<{ conn: string }>('connect', {
              addr: p.address,
              port: p.port ?? 8000,
              mptcp: v.mptcp,
              timeoutMs: 20000,
              ...(p.fastOpen ? { fastOpen: true, data: p.data ?? '' } : {}),
            })
            .then((r) => ((v.conn = r.conn), {})),
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
      case 'announce':
      case 'withdraw': {
        // A signal endpoint: the in-kernel path manager announces it (ADD_ADDR) on every connection; deleting it withdraws it (REMOVE_ADDR).
        if (!v.sut.ip) throw new Error(`${p.op}: this target cannot change the SUT's endpoints`);
        await v.sut.ip(
          p.op === 'announce'
            ? ['mptcp', 'endpoint', 'add', p.address!, 'id', String(p.addressId), 'signal']
            : ['mptcp', 'endpoint', 'delete', 'id', String(p.addressId)],
        );
        return { result: {} };
      }
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

/** Serves the adapter contract's mptcp.* methods (and the host's own handlers) on stdio. */
export function serveKernelTarget(host: KernelHost): void {
  let current: Vector | undefined;
  const close = async () => {
    const v = current;
    current = undefined;
    if (v) await v.sut.close();
    return {};
  };
  serveAdapter({
    hello: () => host.hello(),
    'mptcp.open': async (p: OpenParams) => {
      if (current) await close();
      const { sut, addresses } = await host.open(p, (packet) => notify('mptcp.packet', { data: Buffer.from(packet).toString('base64') }));
      current = { sut, mptcp: true };
      return { addresses };
    },
    'mptcp.inject': (p: { data: string }) => {
      if (!current) throw new Error('mptcp.inject before mptcp.open');
      current.sut.inject(new Uint8Array(Buffer.from(p.data, 'base64')));
      return {};
    },
    'mptcp.socket': (p: SocketParams) => {
      if (!current) throw new Error('mptcp.socket before mptcp.open');
      return socket(current, p);
    },
    'mptcp.close': () => close(),
    ...host.handlers,
  });
}
