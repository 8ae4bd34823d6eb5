/**
 * The linux-kernel target's side of the MPTCP interop suite: the kernel's
 * MPTCP as the client or the server of a scenario, in the node the runner
 * gives it (a network namespace, or the adapter's own container). The
 * endpoint's address goes on the loopback device, the node's default route
 * to the middlebox, and a kernel agent moves the pattern octets each way
 * while it watches the connection (TCP_IS_MPTCP, MPTCP_INFO) and the node's
 * MPTcpExt counters.
 */
import { createHash } from 'node:crypto';
import { KernelAgent, pattern } from '../../suites/mptcp/net/agent.js';
import { decodeMptcpInfo } from '../../suites/mptcp/net/mptcp-info.js';
import { SEED, TransferBound, type PrepareParams, type Report, type TransferParams } from '../../suites/mptcp-interop/contract.js';
import { exec, PINNED, setSysctls } from './system.js';

/**
 * Where the endpoint's kernel is: how to run a command in one of its network
 * namespaces, set sysctls there and start a kernel agent there. The host's
 * kernel by default; a kernel booted in a VM gives its own (linux-6.1).
 */
export interface KernelNode {
  exec(ns: string | undefined, cmd: string[]): Promise<string>;
  sysctls(ns: string | undefined, values: Record<string, string | number>): Promise<void>;
  agent(ns: string | undefined): KernelAgent;
}

/** The kernel this process runs on. */
export const HOST_NODE: KernelNode = {
  exec: async (ns, cmd) => exec(ns, cmd),
  sysctls: async (ns, values) => setSysctls(ns, values),
  agent: (ns) => KernelAgent.start(ns),
};

/** IP, ICMP and TCP counters that tell a segment too large for the path, dropped for its checksum, or sent again. */
const PATH_COUNTERS = ['IpFragFails', 'IcmpOutDestUnreachs', 'TcpInCsumErrors', 'TcpRetransSegs'];

/** The counters of a node (iproute2's nstat): every MPTcpExt one, named without its prefix, and PATH_COUNTERS. */
async function counters(node: KernelNode, ns: string | undefined): Promise<Record<string, number>> {
  const all = (JSON.parse(await node.exec(ns, ['nstat', '-asz', '--json'])) as { kernel: Record<string, number> }).kernel;
  return Object.fromEntries(
    Object.entries(all).flatMap(([name, value]) =>
      name.startsWith('MPTcpExt') ? [[name.slice('MPTcpExt'.length), value]] : PATH_COUNTERS.includes(name) ? [[name, value]] : [],
    ),
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const isReset = (error: string | undefined) => /ConnectionReset|ECONNRESET|BrokenPipe|EPIPE|Connection reset/i.test(error ?? '');

interface Query {
  isMptcp: boolean;
  mptcpInfo?: string;
  /** tcpi_state of each subflow (MPTCP_TCPINFO). */
  subflowStates?: number[];
}

/** TCP states of a subflow whose handshake never completed, or that is not one (linux/tcp_states.h). */
const NOT_ESTABLISHED = new Set([2 /* SYN_SENT */, 3 /* SYN_RECV */, 7 /* CLOSE */, 10 /* LISTEN */, 12 /* NEW_SYN_RECV */]);

/**
 * The subflows whose handshake has completed. MPTCP_INFO's counts include a
 * join still waiting for its SYN/ACK, so a join that is then refused would
 * count whenever a look falls in that wait; MPTCP_TCPINFO gives each
 * subflow's state.
 */
function subflowCount(q: Query, info: ReturnType<typeof decodeMptcpInfo> | undefined): number {
  if (q.subflowStates) return Math.max(1, q.subflowStates.filter((s) => !NOT_ESTABLISHED.has(s)).length);
  return info ? (info.subflowsTotal ?? info.subflows + 1) : 1;
}

export class KernelInterop {
  private ns: string | undefined;
  private role: 'client' | 'server' = 'client';
  private address = '';
  private agent: KernelAgent | undefined;
  private before: Record<string, number> = {};
  private served: Promise<Report> | undefined;

  constructor(private readonly node: KernelNode = HOST_NODE) {}

  async prepare(p: PrepareParams): Promise<{ nextHop?: string }> {
    this.ns = p.namespace;
    this.role = p.role;
    this.address = p.address;
    const ns = this.ns;
    const exec = (cmd: string[]) => this.node.exec(ns, cmd);
    for (const a of [p.address, ...(p.extraAddresses ?? []), ...(p.announceAddresses ?? [])]) await exec(['ip', 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    if (p.gateway) await exec(['ip', 'route', 'replace', 'default', 'via', p.gateway]);
    await this.node.sysctls(ns, { ...PINNED, 'net.mptcp.checksum_enabled': p.checksums ? 1 : 0 });
    await exec(['ip', 'mptcp', 'endpoint', 'flush']);
    await exec(['ip', 'mptcp', 'limits', 'set', 'subflow', '4', 'add_addr_accepted', '4']);
    for (const a of p.extraAddresses ?? []) await exec(['ip', 'mptcp', 'endpoint', 'add', a, 'subflow']);
    // A signal endpoint: the path manager announces it (ADD_ADDR) on every connection and opens no subflow from it.
    for (const a of p.announceAddresses ?? []) await exec(['ip', 'mptcp', 'endpoint', 'add', a, 'signal']);
    this.agent = this.node.agent(ns);
    this.before = await counters(this.node, ns);
    // The node's own address towards the middlebox: the source of its route to the gateway.
    const route = p.gateway ? await exec(['ip', '-4', '-o', 'route', 'get', p.gateway]) : '';
    const nextHop = /\bsrc (\S+)/.exec(route)?.[1];
    return nextHop ? { nextHop } : {};
  }

  private get kernel(): KernelAgent {
    if (!this.agent) throw new Error('interop: prepare first');
    return this.agent;
  }

  /** Moves the octets both ways on a connection, watching it, and says how it went. */
  private async transfer(conn: string, p: TransferParams, bound: TransferBound): Promise<Report> {
    const a = this.kernel;
    const mine = SEED[this.role];
    const theirs = SEED[this.role === 'client' ? 'server' : 'client'];
    const watch = { mptcp: false, fallback: false, fallbackReason: undefined as string | undefined, subflows: 0 };
    const look = async () => {
      const q = await a.call<Query>('query', { conn }).catch(() => undefined);
      if (!q) return;
      const info = q.mptcpInfo ? decodeMptcpInfo(Buffer.from(q.mptcpInfo, 'base64')) : undefined;
      if (!q.isMptcp || info?.flags.fallback) {
        if (!watch.fallback) watch.fallbackReason = q.isMptcp ? 'MPTCP_INFO says it fell back' : 'TCP_IS_MPTCP is 0';
        watch.fallback = true;
      }
      watch.subflows = Math.max(watch.subflows, q.isMptcp ? subflowCount(q, info) : 1);
    };
    const first = await a.call<Query>('query', { conn });
    watch.mptcp = first.isMptcp;
    await look();
    // The client's preamble (application commands a middlebox may rewrite) goes ahead of the pattern, a write per line, as an
    // application would send its commands; the server reads as many lines. With replies, in lockstep (exchange()); without,
    // the server's pattern goes from the start and the client's follows its lines at once.
    const ahead = this.role === 'client' && p.preamble ? Buffer.from(p.preamble, 'latin1') : undefined;
    let line: string | undefined;
    let answered: string | undefined;
    let replied = 0;
    let source: { job: string };
    if (p.preamble && p.replies !== undefined) {
      const { said, wrote } = await this.exchange(conn, p.preamble, p.replies, bound);
      if (this.role === 'server') line = said;
      else answered = said;
      replied = wrote;
      source = await a.call<{ job: string }>('source', { conn, count: p.send, seed: mine });
    } else {
      for (const l of this.role === 'client' && p.preamble ? p.preamble.split(/(?<=\n)/) : [])
        await a.call('write', { conn, data: Buffer.from(l, 'latin1').toString('base64') });
      source = await a.call<{ job: string }>('source', { conn, count: p.send, seed: mine });
      line = this.role === 'server' && p.preamble ? await this.readLines(conn, p.preamble.split('\n').length - 1, Math.max(1, bound.moved(0))) : undefined;
    }
    const sink = await a.call<{ job: string }>('sink', { conn });
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await look();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    type Job = { done: boolean; octets: number; sha256: string | null; error: string | null };
    const poll = (job: string, timeoutMs: number) => a.call<Job>('wait', { job, timeoutMs });
    // Waits for one job until it is done or the bound ends it: octets either job moved (written, or read) keep it going.
    let moved = 0;
    const wait = async (job: string, other: string): Promise<Job> => {
      for (let left = bound.moved(moved); ;) {
        const r = await poll(job, Math.max(1, left));
        if (r.done) return r;
        moved = r.octets + (await poll(other, 0)).octets;
        left = bound.moved(moved);
        if (left <= 0) return r;
      }
    };
    const sent = await wait(source.job, sink.job);
    let error = sent.error ?? (sent.done ? undefined : `${bound.why()} while sending: ${sent.octets} of ${p.send} octets written`);
    if (sent.done && !sent.error) await a.call('shutdown', { conn }).catch((e: Error) => (error ??= e.message));
    const got = await wait(sink.job, source.job);
    error ??= got.error ?? (got.done ? undefined : `${bound.why()} while receiving: ${got.octets} of ${p.receive} octets read`);
    watching = false;
    await watcher;
    await look();
    await a.call('close', { conn }).catch(() => undefined);
    const intact =
      got.done &&
      !got.error &&
      got.octets === p.receive &&
      got.sha256 === sha256(pattern(0, p.receive, theirs)) &&
      (line === undefined || line === p.preamble) &&
      (answered === undefined || answered === p.replies);
    const after = await counters(this.node, this.ns);
    const changed = Object.fromEntries(
      Object.entries(after)
        .filter(([k, v]) => v !== (this.before[k] ?? 0))
        .map(([k, v]) => [k, v - (this.before[k] ?? 0)]),
    );
    return {
      mptcp: watch.mptcp,
      fallback: watch.fallback,
      ...(watch.fallbackReason && watch.fallback ? { fallbackReason: watch.fallbackReason } : {}),
      subflows: watch.subflows,
      sent: sent.octets + (ahead?.length ?? 0) + replied,
      received: got.octets + Buffer.byteLength(line ?? answered ?? '', 'latin1'),
      intact,
      ...(line !== undefined ? { preambleReceived: line } : {}),
      ...(answered !== undefined ? { repliesReceived: answered } : {}),
      ...(isReset(error) ? { reset: true } : {}),
      ...(error ? { error } : {}),
      counters: changed,
    };
  }

  /**
   * The commands and their replies in lockstep, as an FTP control connection goes: the client writes a line and reads its
   * reply before the next; the server reads a line and the agent answers it at once (its `line` method, in the agent's own
   * process: no round trip to this one between the command's arrival and the reply, which a VM's serial port would make
   * slow). Returns what arrived (the server's lines, or the client's replies) and how many octets of replies the server wrote.
   */
  private async exchange(conn: string, preamble: string, replies: string, bound: TransferBound): Promise<{ said: string; wrote: number }> {
    const lines = preamble.split(/(?<=\n)/);
    const answers = replies.split(/(?<=\n)/);
    let said = '';
    let wrote = 0;
    for (const [i, l] of lines.entries()) {
      if (this.role === 'client') await this.kernel.call('write', { conn, data: Buffer.from(l, 'latin1').toString('base64') });
      const answer = this.role === 'server' ? answers[i] : undefined;
      const r = await this.kernel.call<{ data: string; eof: boolean }>('line', {
        conn,
        timeoutMs: Math.max(1, bound.moved(0)),
        ...(answer ? { reply: Buffer.from(answer, 'latin1').toString('base64') } : {}),
      });
      said += Buffer.from(r.data, 'base64').toString('latin1');
      if (r.eof) break;
      wrote += answer ? Buffer.byteLength(answer, 'latin1') : 0;
    }
    return { said, wrote };
  }

  /** Reads `count` lines (at most 512 octets in all) through the agent's `line`, which never reads past a line's end. */
  private async readLines(conn: string, count: number, timeoutMs: number): Promise<string> {
    let line = '';
    for (let i = 0; i < count && line.length < 512; i++) {
      const r = await this.kernel.call<{ data: string; eof: boolean }>('line', { conn, timeoutMs });
      line += Buffer.from(r.data, 'base64').toString('latin1');
      if (r.eof) break;
    }
    return line;
  }

  private failed(error: string): Report {
    return { mptcp: false, fallback: false, subflows: 0, sent: 0, received: 0, intact: false, ...(isReset(error) ? { reset: true } : {}), error, counters: {} };
  }

  async serve(p: TransferParams): Promise<Record<string, never>> {
    const a = this.kernel;
    const bound = new TransferBound(p);
    const { listener } = await a.call<{ listener: string }>('listen', { port: p.port ?? 8080, addr: this.address, mptcp: true });
    this.served = a
      .call<{ conn: string }>('accept', { listener, timeoutMs: Math.max(1, bound.handshakeLeft()) })
      .then(({ conn }) => this.transfer(conn, p, bound))
      .catch((err: Error) => this.failed(err.message));
    return {};
  }

  async connect(p: TransferParams): Promise<Report> {
    const bound = new TransferBound(p);
    try {
      const { conn } = await this.kernel.call<{ conn: string }>('connect', {
        addr: p.address,
        port: p.port ?? 8080,
        bind: this.address,
        mptcp: true,
        timeoutMs: Math.max(1, bound.handshakeLeft()),
      });
      return await this.transfer(conn, p, bound);
    } catch (err) {
      return this.failed((err as Error).message);
    }
  }

  async finish(): Promise<Report> {
    if (!this.served) throw new Error('interop.finish before interop.serve');
    return this.served;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
