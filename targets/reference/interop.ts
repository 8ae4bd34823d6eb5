/**
 * The reference target's side of the MPTCP interop suite
 * (docs/mptcp-interop.md): the reference endpoint as the client or the server
 * of a scenario, in the node the runner gives it (a network namespace with
 * the local driver, the adapter's own container with the docker driver).
 *
 * The endpoint is a userspace stack, so it owns its addresses behind a TUN
 * device: the node routes each of them (/32) to the device and forwards
 * between the device and its network, with the middlebox as its default
 * route. A RealtimeDriver runs the Host on the device; a path manager opens
 * the join subflow from the extra address; the transfer moves the pattern
 * octets each way, shuts the sending side down and reads to the end of the
 * stream, watching whether the connection is MPTCP, falls back, and how many
 * subflows it has.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TunDevice } from '../../suites/mptcp/net/tun.js';
import { SEED, TransferBound, type PrepareParams, type Report, type TransferParams } from '../../suites/mptcp-interop/contract.js';
import { Host, RealtimeDriver, cryptoRandom, type Connection, type HostStats } from './mptcp/index.js';
import { liveSubflows } from './mptcp-adapter.js';
import { PathManager } from './path-manager.js';

const DEVICE = 'cfxref0';
/** Octets written ahead of what the peer has acknowledged, as a socket's send buffer would hold. */
const SEND_AHEAD = 256 * 1024;
const CHUNK = 64 * 1024;
/** The pattern repeats every 251 octets. */
const PERIOD = 251;

/**
 * Octet i of a direction is (i * 7 + seed) mod 251: one period and a chunk of
 * it, computed once, give any stretch of the pattern as a view (no per-octet
 * work on the event loop while the stack runs).
 */
class Pattern {
  private readonly cycle: Buffer;
  constructor(seed: number) {
    this.cycle = Buffer.alloc(PERIOD + CHUNK);
    for (let i = 0; i < this.cycle.length; i++) this.cycle[i] = (i * 7 + seed) % PERIOD;
  }

  /** Octets [offset, offset + count), count at most CHUNK. */
  at(offset: number, count: number): Buffer {
    const from = offset % PERIOD;
    return this.cycle.subarray(from, from + count);
  }

  /** Whether `data` is the pattern from `offset`. */
  matches(offset: number, data: Uint8Array): boolean {
    for (let at = 0; at < data.length; at += CHUNK) {
      const n = Math.min(CHUNK, data.length - at);
      if (!this.at(offset + at, n).equals(data.subarray(at, at + n))) return false;
    }
    return true;
  }
}

/** Runs a command in a namespace, or in this process's own when there is none. */
function exec(ns: string | undefined, cmd: string[]): string {
  try {
    return execFileSync(ns ? 'ip' : cmd[0]!, ns ? ['netns', 'exec', ns, ...cmd] : cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd.join(' ')}${ns ? ` (in ${ns})` : ''}: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

export class ReferenceInterop {
  private role: 'client' | 'server' = 'client';
  private address = '';
  private host: Host | undefined;
  private driver: RealtimeDriver | undefined;
  private tun: TunDevice | undefined;
  private checksums = false;
  private served: Promise<Report> | undefined;

  async prepare(p: PrepareParams): Promise<{ nextHop?: string; notes?: string[] }> {
    await this.dispose();
    this.role = p.role;
    this.address = p.address;
    this.checksums = p.checksums;
    const ns = p.namespace;
    // Announced addresses are the node's too (routed to the device), as the kernel's signal endpoints are its own.
    const addresses = [p.address, ...(p.extraAddresses ?? []), ...(p.announceAddresses ?? [])];
    exec(ns, ['ip', 'tuntap', 'add', 'dev', DEVICE, 'mode', 'tun']);
    // A longer queue in front of the userspace relay: fewer drops in bursts.
    exec(ns, ['ip', 'link', 'set', DEVICE, 'txqueuelen', '10000']);
    exec(ns, ['ip', 'link', 'set', DEVICE, 'up']);
    for (const a of addresses) exec(ns, ['ip', 'route', 'add', `${a}/32`, 'dev', DEVICE]);
    if (p.gateway) exec(ns, ['ip', 'route', 'replace', 'default', 'via', p.gateway]);
    this.forwarding(ns);
    const tun = await TunDevice.open(ns ?? '', DEVICE);
    const host = new Host({ addresses, random: cryptoRandom(), checksum: p.checksums, maxJoinedSubflows: 4 });
    const driver = new RealtimeDriver(host, (packet) => tun.send(packet));
    tun.on('packet', (packet: Uint8Array) => driver.input(packet));
    const pm = new PathManager(host, p.extraAddresses ?? [], { subflows: 4, addAddrAccepted: 4, announce: p.announceAddresses ?? [] });
    driver.onEvent = (e) => pm.onEvent(e);
    driver.apps.push(() => pm.step());
    this.tun = tun;
    this.host = host;
    this.driver = driver;
    // The node's own address towards the middlebox: the source of its route to the gateway.
    const route = p.gateway ? exec(ns, ['ip', '-4', '-o', 'route', 'get', p.gateway]) : '';
    const nextHop = /\bsrc (\S+)/.exec(route)?.[1];
    return nextHop ? { nextHop } : {};
  }

  /** The node forwards between its network and the TUN device. */
  private forwarding(ns: string | undefined): void {
    if (ns) {
      exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      return;
    }
    // In a container /proc/sys is read-only: docker.sysctls in target.json sets it when the container is made.
    const now = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    if (now !== '1') {
      try {
        exec(undefined, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
      } catch (err) {
        throw new Error(
          `net.ipv4.ip_forward is ${now} and cannot be set here (in a container, set it in docker.sysctls of target.json): ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }

  private get ready(): { host: Host; driver: RealtimeDriver } {
    if (!this.host || !this.driver) throw new Error('interop: prepare first');
    return { host: this.host, driver: this.driver };
  }

  private failed(error: string, reset = false): Report {
    return {
      mptcp: false,
      fallback: false,
      subflows: 0,
      sent: 0,
      received: 0,
      intact: false,
      ...(reset ? { reset: true } : {}),
      error,
      counters: this.counters(),
    };
  }

  private counters(): Record<string, number> {
    const stats = this.host?.stats;
    if (!stats) return {};
    return Object.fromEntries(Object.entries(stats as unknown as Record<string, number>).filter(([, v]) => v !== 0)) as Partial<HostStats> as Record<
      string,
      number
    >;
  }

  async serve(p: TransferParams): Promise<Record<string, never>> {
    const { host, driver } = this.ready;
    const listener = host.listen(p.port ?? 8080, { checksum: this.checksums });
    const bound = new TransferBound(p, () => driver.now());
    this.served = driver
      .waitFor(() => listener.queued > 0, Math.max(1, bound.handshakeLeft()), 'a connection to accept')
      .then(() => this.transfer(listener.accept()!, p, bound))
      .catch((err: Error) => this.failed(err.message));
    return {};
  }

  async connect(p: TransferParams): Promise<Report> {
    const { host, driver } = this.ready;
    if (!p.address) throw new Error('interop.connect needs the server address');
    const bound = new TransferBound(p, () => driver.now());
    const c = host.connect({ remote: p.address, port: p.port ?? 8080, local: this.address, checksum: this.checksums });
    driver.kick();
    try {
      await driver.waitFor(() => c.state !== 'connecting', Math.max(1, bound.handshakeLeft()), 'the connection');
    } catch (err) {
      c.abort();
      driver.kick();
      return this.failed(`${(err as Error).message}: ${c.subflows()[0]?.state ?? 'no subflow'}`);
    }
    if (c.state === 'reset') return this.failed(`connection refused or reset: ${c.resetReason ?? 'reset'}`, true);
    return this.transfer(c, p, bound);
  }

  async finish(): Promise<Report> {
    if (!this.served) throw new Error('interop.finish before interop.serve');
    return this.served;
  }

  /** Moves the octets both ways on a connection, watching it, and says how it went. */
  private async transfer(c: Connection, p: TransferParams, bound: TransferBound): Promise<Report> {
    const { driver } = this.ready;
    const mine = new Pattern(SEED[this.role]);
    const theirs = new Pattern(SEED[this.role === 'client' ? 'server' : 'client']);
    const mptcp = c.isMptcp || (c.mode === 'pending' && c.fallback === undefined);
    let subflows = 0;
    let sent = 0;
    let received = 0;
    let intact = true;
    let shut = false;
    let resetSeen = false;
    // The client's preamble (application commands a middlebox may rewrite) goes ahead of the pattern, a line at a time, each
    // once all before it was acknowledged, so that each line starts a segment of its own and the pattern does not share the
    // last one's: an FTP helper reads a command only at the start of a segment, and a full segment its rewrite lengthens
    // no longer fits the path (docs/targets/reference.md). The server reads as many lines before the pattern. With replies,
    // in lockstep as an FTP control connection goes: the client sends a line once the reply to the one before it has
    // arrived, and its pattern after the last reply; the server answers each line as soon as it has it, and sends its
    // pattern after the last answer.
    const lines = this.role === 'client' && p.preamble ? p.preamble.split(/(?<=\n)/) : [];
    const ahead = lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1'), 0);
    const lockstep = p.preamble !== undefined && p.replies !== undefined;
    const answers = lockstep && this.role === 'server' ? p.replies!.split(/(?<=\n)/) : [];
    let answered = 0;
    let wanted = this.role === 'server' && p.preamble ? p.preamble.split('\n').length - 1 : 0;
    let line: string | undefined = wanted > 0 ? '' : undefined;
    // The client's replies: how many it waits for (one after each line it sent), and what arrived of them.
    let awaiting = 0;
    let replies: string | undefined = lockstep && this.role === 'client' ? '' : undefined;
    const send = (): void => {
      if (resetSeen || c.state === 'closed') return;
      // Send: the preamble's lines, then keep the send buffer filled up to SEND_AHEAD, then shut down.
      while (lines.length > 0 && c.writableLength === 0 && awaiting === 0) {
        c.write(Buffer.from(lines.shift()!, 'latin1'));
        if (lockstep) awaiting = 1;
      }
      const preambleAcked = lines.length === 0 && awaiting === 0 && (ahead === 0 || sent > 0 || c.writableLength === 0);
      const answeredAll = !lockstep || wanted === 0;
      if (preambleAcked && answeredAll) {
        while (sent < p.send && c.writableLength < SEND_AHEAD) {
          const n = Math.min(CHUNK, p.send - sent);
          c.write(mine.at(sent, n));
          sent += n;
        }
        if (sent >= p.send && !shut) {
          shut = true;
          c.shutdown();
        }
      }
    };
    const step = (): boolean => {
      if (c.state === 'reset') resetSeen = true;
      subflows = Math.max(subflows, c.isMptcp ? liveSubflows(c) : 1);
      send();
      // Receive: everything that arrived, checked against the pattern as it comes.
      for (;;) {
        let b = c.read(256 * 1024);
        if (b.length === 0) break;
        // The preamble's lines come first (at most 512 octets of them, as the kernel's adapter reads), each answered at once.
        while (wanted > 0 && line !== undefined && b.length > 0) {
          const nl = b.indexOf(0x0a);
          const n = nl < 0 ? b.length : nl + 1;
          line += Buffer.from(b.subarray(0, n)).toString('latin1');
          b = b.subarray(n);
          if (nl >= 0) {
            wanted--;
            const answer = answers[answered];
            if (answer !== undefined && !resetSeen && c.state !== 'closed') {
              c.write(Buffer.from(answer, 'latin1'));
              answered++;
            }
          }
          if (line.length >= 512) wanted = 0;
        }
        // The client's replies, a line for each line it sent, come ahead of the server's pattern.
        while (awaiting > 0 && replies !== undefined && b.length > 0) {
          const nl = b.indexOf(0x0a);
          const n = nl < 0 ? b.length : nl + 1;
          replies += Buffer.from(b.subarray(0, n)).toString('latin1');
          b = b.subarray(n);
          if (nl >= 0 || replies.length >= 512) awaiting = 0;
        }
        if (b.length === 0) continue;
        if (intact && !theirs.matches(received, b)) intact = false;
        received += b.length;
      }
      // What arrived may let the next line, or the pattern, go.
      send();
      return resetSeen || (shut && c.readableEnded);
    };
    // Writes and reads after every step of the driver, not only when the wait below looks.
    const app = (): void => void step();
    driver.apps.push(app);
    let error: string | undefined;
    // Octets acknowledged and received: the progress that keeps the transfer within its bound (TransferBound).
    const moved = () => sent - c.writableLength + received;
    for (let left = bound.moved(moved()); ; left = bound.moved(moved())) {
      if (left <= 0) {
        error = `${bound.why()}: sent ${sent} of ${p.send} octets (${c.writableLength} not yet acknowledged), received ${received} of ${p.receive}${c.readableEnded ? ' and the end of the stream' : ''}`;
        break;
      }
      try {
        await driver.waitFor(step, left, 'the transfer');
        break;
      } catch {
        // A bound may have passed, or octets moved meanwhile and the idle clock starts again: look.
      }
    }
    driver.apps.splice(driver.apps.indexOf(app), 1);
    step();
    const eof = c.readableEnded;
    const reset = resetSeen && !(shut && eof && c.writableLength === 0);
    if (reset) error ??= `connection reset: ${c.resetReason ?? 'reset'}`;
    if (!reset && !error) {
      c.close();
      driver.kick();
    } else if (error && !reset) {
      c.abort();
      driver.kick();
    }
    return {
      mptcp,
      fallback: c.fallback !== undefined,
      ...(c.fallback ? { fallbackReason: c.fallback.reason } : {}),
      subflows,
      sent:
        sent +
        (ahead - lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1'), 0)) +
        answers.slice(0, answered).reduce((n, l) => n + Buffer.byteLength(l, 'latin1'), 0),
      received: received + Buffer.byteLength(line ?? replies ?? '', 'latin1'),
      intact: intact && received === p.receive && eof && (line === undefined || line === p.preamble) && (replies === undefined || replies === p.replies),
      ...(line !== undefined ? { preambleReceived: line } : {}),
      ...(replies !== undefined ? { repliesReceived: replies } : {}),
      ...(reset ? { reset: true } : {}),
      ...(error ? { error } : {}),
      counters: this.counters(),
    };
  }

  async dispose(): Promise<void> {
    this.driver?.stop();
    await this.tun?.close();
    this.driver = undefined;
    this.host = undefined;
    this.tun = undefined;
    this.served = undefined;
  }
}
