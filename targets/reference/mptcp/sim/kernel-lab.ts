/**
 * The reference endpoint against the Linux kernel: three network namespaces
 * of this run (suites/mptcp/net/lab.ts, names cfx-<pid>-<hex>-...):
 *
 *   ep:     tun0 10.81.0.1/24; the reference Host behind it is 10.81.0.2 and 10.81.0.3
 *           v0a 10.82.0.1/24 ------ v0b 10.82.0.2/24  :router
 *   router: v1a 10.83.0.1/24 ------ v1b 10.83.0.2/24  :k (the kernel's MPTCP sockets)
 *           v2a 10.84.0.1/24 ------ v2b 10.84.0.2/24  :k (its second address)
 *
 * The kernel agent (suites/mptcp/net/kernel-agent.py) runs in k; a second
 * one in ep serves kernel-to-kernel comparisons over the same path.
 */
import { execFileSync } from 'node:child_process';
import { KernelAgent } from '../../../../suites/mptcp/net/agent.js';
import { Lab, labUnavailable } from '../../../../suites/mptcp/net/lab.js';
import { TunDevice } from '../../../../suites/mptcp/net/tun.js';
import { Host, RealtimeDriver, cryptoRandom, type HostOptions } from '../index.js';

export const EP_ADDR = '10.81.0.2';
export const EP_ADDR2 = '10.81.0.3';
export const K_ADDR = '10.83.0.2';
export const K_ADDR2 = '10.84.0.2';

/** Why the kernel tests cannot run here, or undefined. */
export function kernelUnavailable(): string | undefined {
  const why = labUnavailable();
  if (why) return why;
  try {
    if (execFileSync('sysctl', ['-n', 'net.mptcp.enabled'], { encoding: 'utf8' }).trim() !== '1') return 'net.mptcp.enabled is not 1';
  } catch {
    return 'the kernel has no MPTCP (no net.mptcp sysctls)';
  }
  for (const tool of ['iptables', 'ss']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

export interface KernelLabOptions {
  /** net.mptcp.checksum_enabled in the kernel's namespace. */
  checksum?: boolean;
  /** Strip MPTCP options (kind 30) from SYN/ACKs in the router (TCPOPTSTRIP). */
  stripSynAck?: boolean;
  /** Options of the reference Host. */
  host?: Partial<HostOptions>;
  /** A kernel agent in ep too (kernel-to-kernel over the same path). */
  epAgent?: boolean;
}

export class KernelLab {
  readonly lab: Lab;
  readonly ep: string;
  readonly router: string;
  readonly k: string;
  readonly host: Host;
  readonly driver: RealtimeDriver;
  agent!: KernelAgent;
  epAgent: KernelAgent | undefined;
  private tun!: TunDevice;
  /** Sees (and may replace, or drop with null) every packet our Host sends, before the TUN device: a middlebox in front of us. */
  outFilter: ((p: Uint8Array) => Uint8Array | null) | undefined;
  private disposed = false;

  private constructor(o: KernelLabOptions) {
    this.lab = new Lab();
    try {
      this.ep = this.lab.namespace('ep');
      this.router = this.lab.namespace('rt');
      this.k = this.lab.namespace('k');
      this.lab.tun(this.ep, 'tun0', '10.81.0.1/24');
      // A longer queue in front of the userspace relay: fewer drops in bursts.
      this.lab.exec(this.ep, ['ip', 'link', 'set', 'tun0', 'txqueuelen', '10000']);
      this.lab.link(this.ep, '10.82.0.1/24', this.router, '10.82.0.2/24');
      this.lab.link(this.router, '10.83.0.1/24', this.k, '10.83.0.2/24');
      this.lab.link(this.router, '10.84.0.1/24', this.k, '10.84.0.2/24');
      for (const ns of [this.ep, this.router, this.k]) {
        this.lab.sysctl(ns, 'net.ipv4.conf.all.rp_filter', 0);
        this.lab.sysctl(ns, 'net.ipv4.conf.default.rp_filter', 0);
      }
      this.lab.sysctl(this.ep, 'net.ipv4.ip_forward', 1);
      this.lab.sysctl(this.router, 'net.ipv4.ip_forward', 1);
      this.lab.route(this.ep, 'default', '10.82.0.2');
      this.lab.route(this.router, '10.81.0.0/24', '10.82.0.1');
      this.lab.route(this.k, 'default', '10.83.0.1');
      // Replies from the second address leave by its own link.
      this.lab.exec(this.k, ['ip', 'route', 'add', 'default', 'via', '10.84.0.1', 'table', '100']);
      this.lab.exec(this.k, ['ip', 'rule', 'add', 'from', K_ADDR2, 'table', '100']);
      this.lab.sysctl(this.k, 'net.mptcp.enabled', 1);
      this.lab.sysctl(this.k, 'net.mptcp.checksum_enabled', o.checksum ? 1 : 0);
      this.lab.sysctl(this.k, 'net.mptcp.syn_retrans_before_tcp_fallback', 2);
      this.lab.exec(this.k, ['ip', 'mptcp', 'limits', 'set', 'subflow', '2', 'add_addr_accepted', '2']);
      this.lab.sysctl(this.ep, 'net.mptcp.enabled', 1);
      if (o.stripSynAck) {
        this.lab.exec(this.router, [
          'iptables',
          '-t',
          'mangle',
          '-A',
          'FORWARD',
          '-p',
          'tcp',
          '--tcp-flags',
          'SYN,ACK',
          'SYN,ACK',
          '-j',
          'TCPOPTSTRIP',
          '--strip-options',
          '30',
        ]);
      }
    } catch (err) {
      this.lab.dispose();
      throw err;
    }
    this.host = new Host({ addresses: [EP_ADDR, EP_ADDR2], random: cryptoRandom(), timeWaitMs: 1000, ...o.host });
    this.driver = new RealtimeDriver(this.host, (p) => {
      const out = this.outFilter ? this.outFilter(p) : p;
      if (out) this.tun.send(out);
    });
  }

  static async create(o: KernelLabOptions = {}): Promise<KernelLab> {
    const l = new KernelLab(o);
    try {
      l.tun = await TunDevice.open(l.ep, 'tun0');
      l.tun.on('packet', (p: Uint8Array) => l.driver.input(p));
      l.agent = KernelAgent.start(l.k);
      await l.agent.call('hello');
      if (o.epAgent) {
        l.epAgent = KernelAgent.start(l.ep);
        await l.epAgent.call('hello');
      }
    } catch (err) {
      await l.dispose();
      throw err;
    }
    return l;
  }

  /** A kernel MPTCP endpoint (ip mptcp endpoint add ...) in k. */
  endpoint(address: string, dev: string, flag: 'subflow' | 'signal'): void {
    this.lab.exec(this.k, ['ip', 'mptcp', 'endpoint', 'add', address, 'dev', dev, flag]);
  }

  /** An nft rule in the router's forward path (a table and chain of the lab's own are made on first use). */
  routerRule(rule: string[]): void {
    if (!this.nftReady) {
      this.lab.exec(this.router, ['nft', 'add', 'table', 'ip', 'cfx']);
      this.lab.exec(this.router, ['nft', 'add', 'chain', 'ip', 'cfx', 'mangle', '{', 'type', 'filter', 'hook', 'forward', 'priority', '-150', ';', '}']);
      this.nftReady = true;
    }
    this.lab.exec(this.router, ['nft', 'add', 'rule', 'ip', 'cfx', 'mangle', ...rule]);
  }

  private nftReady = false;

  /** `ss -Mni` in k (the kernel's MPTCP sockets). */
  ssMptcp(): string {
    return this.lab.exec(this.k, ['ss', '-Mni']);
  }

  /** `ss -tni` in k (TCP sockets, subflows among them). */
  ssTcp(): string {
    return this.lab.exec(this.k, ['ss', '-tni']);
  }

  /** The kernel's MPTcpExt counters in k. */
  nstat(): Record<string, number> {
    const out = this.lab.exec(this.k, ['nstat', '-az', '--json']);
    const j = JSON.parse(out) as { kernel: Record<string, number> };
    return j.kernel;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.driver.stop();
    const closes: Promise<void>[] = [];
    if (this.agent) closes.push(this.agent.close().catch(() => undefined));
    if (this.epAgent) closes.push(this.epAgent.close().catch(() => undefined));
    if (this.tun) closes.push(this.tun.close().catch(() => undefined));
    await Promise.race([Promise.all(closes), new Promise((r) => setTimeout(r, 3000))]);
    this.lab.dispose();
  }
}
