/**
 * The reference MPTCP endpoint (targets/reference/mptcp/) as the system under
 * test of the packet-level suite (docs/mptcp-vectors.md). No network device
 * is needed: each vector gets a fresh Host, the harness's segments go
 * straight into it (host.input), and every packet it sends goes to the runner
 * as an mptcp.packet notification. Time is real: a RealtimeDriver polls the
 * Host on its deadlines with the monotonic clock. Randomness is seeded from
 * the vector id, so a vector sends the same ISNs, keys and ports every run.
 *
 * The addresses are those of the linux-kernel target: the SUT 198.51.100.1,
 * the peers .2 to .5, the SUT's extra addresses .11 and up.
 */
import { createHash } from 'node:crypto';
import { Host, RealtimeDriver, seededRandom, type Connection, type HostEvent, type HostOptions, type Listener } from './mptcp/index.js';
import type { OpenParams, SocketParams } from '../../suites/mptcp/contract.js';
import { PathManager } from './path-manager.js';

type Notify = (method: string, params: unknown) => void;

const NET = '198.51.100';
/** How long a background operation waits, as the kernel agent's socket timeouts. */
const OP_TIMEOUT_MS = 20_000;

/**
 * What the vectors' sysctls mean for the Host. Every sysctl a vector may set
 * must be here; one that is not gives the vector an error naming it (rather
 * than a run that silently ignores what the vector is about).
 */
export function hostOptionsFrom(sysctls: Record<string, number | string>): { host: Partial<HostOptions>; mptcpEnabled: boolean } {
  const host: Partial<HostOptions> = {};
  let mptcpEnabled = true;
  for (const [key, raw] of Object.entries(sysctls)) {
    const n = Number(raw);
    switch (key) {
      case 'net.mptcp.enabled':
        mptcpEnabled = n !== 0;
        break;
      case 'net.mptcp.checksum_enabled':
        host.checksum = n !== 0;
        break;
      case 'net.mptcp.allow_join_initial_addr_port':
        host.denyJoinToFirstAddress = n === 0;
        break;
      case 'net.mptcp.syn_retrans_before_tcp_fallback':
        host.synRetriesBeforeFallback = n;
        break;
      case 'net.ipv4.tcp_fastopen':
        // Server side without a cookie (0x2 | 0x200): the reference keeps no cookies, so it takes SYN data only then.
        host.fastOpenServer = (n & 0x202) === 0x202;
        break;
      case 'net.mptcp.blackhole_timeout':
        // The Host has no blackhole detection across connections: 0 (off) is what it does.
        if (n !== 0) throw new Error(`${key}=${raw}: the reference endpoint has no blackhole detection across connections (only 0 is supported)`);
        break;
      default:
        throw new Error(`sysctl ${key} has no meaning for the reference endpoint (targets/reference/mptcp-adapter.ts maps the ones it honours)`);
    }
  }
  return { host, mptcpEnabled };
}

/** A 32-bit seed from the vector id. */
export function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0);
}

interface Vector {
  host: Host;
  driver: RealtimeDriver;
  pm: PathManager;
  mptcpEnabled: boolean;
  listener?: Listener;
  conn?: Connection;
  /** The socket was opened as MPTCP (IPPROTO_MPTCP). */
  mptcp: boolean;
  live: boolean;
}

export class ReferencePacketSut {
  private current: Vector | undefined;
  private readonly notify: Notify;

  constructor(notify: Notify) {
    this.notify = notify;
  }

  open(p: OpenParams): { addresses: { sut: string; peers: string[]; sutExtra: string[]; sutAnnounce?: string[] }; notes?: string[] } {
    this.close();
    const sut = `${NET}.1`;
    const peers = [2, 3, 4, 5].map((h) => `${NET}.${h}`);
    const extra = Array.from({ length: p.subflowEndpoints ?? 0 }, (_, i) => `${NET}.${11 + i}`);
    // As the kernel target's: in the SUT's /24, after its subflow endpoints' addresses.
    const announce = Array.from({ length: p.announceAddresses ?? 0 }, (_, i) => `${NET}.${21 + i}`);
    const { host: fromSysctls, mptcpEnabled } = hostOptionsFrom(p.sysctls);
    const subflows = p.limits?.subflows ?? 2;
    const host = new Host({ addresses: [sut, ...extra, ...announce], random: seededRandom(seedOf(p.vector)), ...fromSysctls, maxJoinedSubflows: subflows });
    const v: Vector = {
      host,
      driver: undefined as unknown as RealtimeDriver,
      pm: new PathManager(host, extra, { subflows, addAddrAccepted: p.limits?.addAddrAccepted ?? 2 }),
      mptcpEnabled,
      mptcp: true,
      live: true,
    };
    v.driver = new RealtimeDriver(host, (packet) => {
      if (v.live) this.notify('mptcp.packet', { data: Buffer.from(packet).toString('base64') });
    });
    v.driver.onEvent = (e: HostEvent) => v.pm.onEvent(e);
    v.driver.apps.push(() => v.pm.step());
    this.current = v;
    return { addresses: { sut, peers, sutExtra: extra, ...(announce.length ? { sutAnnounce: announce } : {}) } };
  }

  inject(p: { data: string }): Record<string, never> {
    const v = this.current;
    if (!v) throw new Error('mptcp.inject before mptcp.open');
    v.driver.input(new Uint8Array(Buffer.from(p.data, 'base64')));
    return {};
  }

  close(): Record<string, never> {
    const v = this.current;
    this.current = undefined;
    if (v) {
      v.live = false;
      v.driver.stop();
    }
    return {};
  }

  /** connect, accept and read run in the background: their end is an mptcp.done notification. */
  private background(v: Vector, id: string, work: Promise<Record<string, unknown>>): { started: true } {
    work.then(
      (result) => v.live && this.notify('mptcp.done', { id, result }),
      (err: Error) => v.live && this.notify('mptcp.done', { id, error: err.message }),
    );
    return { started: true };
  }

  /** Resolves once `check` holds after a step of the driver; rejects after the timeout or when the vector ends. */
  private async until(v: Vector, check: () => boolean, what: string): Promise<void> {
    await v.driver.waitFor(() => !v.live || check(), OP_TIMEOUT_MS, what);
    if (!v.live) throw new Error('the vector ended');
  }

  socket(p: SocketParams): { result?: Record<string, unknown>; error?: string; started?: boolean } {
    const v = this.current;
    if (!v) throw new Error('mptcp.socket before mptcp.open');
    const conn = (): Connection => {
      if (!v.conn) throw new Error(`${p.op} before a connection exists`);
      return v.conn;
    };
    try {
      switch (p.op) {
        case 'listen': {
          v.mptcp = p.mptcp ?? true;
          if (v.mptcp && !v.mptcpEnabled) throw new Error('OSError: [Errno 92] Protocol not available (net.mptcp.enabled=0)');
          v.listener = v.host.listen(p.port ?? 8000, { mptcp: v.mptcp, ...(p.fastOpen ? { fastOpen: true } : {}) });
          return { result: {} };
        }
        case 'accept': {
          const l = v.listener;
          if (!l) throw new Error('accept before listen');
          return this.background(
            v,
            p.id,
            this.until(v, () => l.queued > 0, 'a connection to accept').then(() => {
              const c = l.accept()!;
              v.conn = c;
              const first = c.subflowList[0]!;
              return { peer: `${first.remote}:${first.remotePort}` };
            }),
          );
        }
        case 'connect': {
          v.mptcp = p.mptcp ?? true;
          if (v.mptcp && !v.mptcpEnabled) throw new Error('OSError: [Errno 92] Protocol not available (net.mptcp.enabled=0)');
          const c = v.host.connect({ remote: p.address ?? `${NET}.2`, port: p.port ?? 8000, mptcp: v.mptcp, ...(p.fastOpen ? { fastOpen: true } : {}) });
          v.conn = c;
          // With fast open, the data is the first write: queued now, sent once the handshake allows (no cookie is kept).
          if (p.fastOpen && p.data) c.write(new Uint8Array(Buffer.from(p.data, 'base64')));
          v.driver.kick();
          return this.background(
            v,
            p.id,
            this.until(v, () => c.state !== 'connecting', 'the connection').then(() => {
              if (c.state === 'reset') throw new Error(`ConnectionRefusedError: ${c.resetReason ?? 'reset'}`);
              return {};
            }),
          );
        }
        case 'read': {
          const c = conn();
          const count = p.count ?? 65536;
          const chunks: Uint8Array[] = [];
          let got = 0;
          const pull = (): boolean => {
            if (got < count && c.readableLength > 0) {
              const b = c.read(count - got);
              chunks.push(b);
              got += b.length;
              v.driver.kick(); // a window update may be due
            }
            return got >= count || c.readableEnded || c.state === 'reset';
          };
          return this.background(
            v,
            p.id,
            this.until(v, pull, 'data to read').then(() => {
              const data = Buffer.concat(chunks);
              if (got < count && !c.readableEnded && c.state === 'reset') throw new Error(`ConnectionResetError: ${c.resetReason ?? 'reset'}`);
              return { data: data.toString('base64'), eof: got < count && c.readableEnded };
            }),
          );
        }
        case 'write': {
          const c = conn();
          if (c.state === 'reset') throw new Error(`BrokenPipeError: the connection was reset (${c.resetReason ?? ''})`);
          const data = new Uint8Array(Buffer.from(p.data ?? '', 'base64'));
          c.write(data);
          v.driver.kick();
          return { result: { written: data.length } };
        }
        case 'shutdown':
          conn().shutdown();
          v.driver.kick();
          return { result: {} };
        case 'close':
          conn().close();
          v.conn = undefined;
          v.driver.kick();
          return { result: {} };
        case 'announce': {
          conn().announceAddress(p.address!, undefined, p.addressId);
          v.driver.kick();
          return { result: {} };
        }
        case 'withdraw': {
          conn().removeAddress(p.addressId!);
          v.driver.kick();
          return { result: {} };
        }
        case 'query':
          return { result: query(conn(), v.mptcp) };
      }
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
}

/** What the socket says of itself, in the terms of the kernel's TCP_IS_MPTCP and MPTCP_INFO. */
export function query(c: Connection, openedAsMptcp: boolean): Record<string, unknown> {
  // As TCP_IS_MPTCP: an MPTCP socket that has not fallen back (also while its handshake runs).
  const isMptcp = openedAsMptcp && c.mode !== 'tcp';
  return {
    isMptcp,
    fallback: openedAsMptcp && c.mode === 'tcp',
    ...(isMptcp ? { subflows: liveSubflows(c), checksums: c.checksum, dataAcked: c.dataUna } : {}),
  };
}

/** Subflows in use: the first (while open) and the joins that completed their handshake, not closed. */
export function liveSubflows(c: Connection): number {
  return c.subflows().filter((s) => s.state !== 'closed' && s.state !== 'time-wait' && (s.initial || s.joined)).length;
}
