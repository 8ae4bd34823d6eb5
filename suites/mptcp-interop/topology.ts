/**
 * Client node — middlebox — server node, on two networks, built for one
 * scenario and removed after it:
 * - local driver: three network namespaces joined by veth pairs (a Lab);
 * - docker driver: the fabric's two networks, the middlebox container on
 *   both, the client's and the server's adapter containers on one each.
 *
 * The endpoints' addresses (CLIENT, SERVER) are not those of the networks:
 * each node routes them to its endpoint (a kernel owns them on its loopback,
 * a userspace stack behind a TUN device), and the middlebox routes them to
 * the nodes, so that every segment between the endpoints crosses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fabric, FabricNode, Placement } from '../../runner/suite.js';
import { Lab } from '../mptcp/net/lab.js';
import { SUITE_DIR } from './paths.js';

/** The endpoints' addresses: the client's first and its join address, and the server's. */
export const ADDRESSES = {
  client: '10.72.1.2',
  clientJoin: '10.72.2.2',
  clientPrefix: '10.72.0.0/16',
  clientJoinPrefix: '10.72.2.0/24',
  server: '10.73.1.2',
  serverPrefix: '10.73.0.0/16',
};

export interface NodeSite {
  /** Local driver: the node's network namespace. */
  namespace?: string;
  /** Docker driver: where the role's adapter container goes. */
  placement?: Placement;
  /** The middlebox's address on the node's network: the node's default route. */
  gateway: string;
  /** The node's own address on its network, where known before the adapter starts (local driver). */
  nextHop?: string;
}

export interface Topology {
  readonly kind: 'namespaces' | 'containers';
  client: NodeSite;
  server: NodeSite;
  /** The middlebox's interfaces towards the client and the server. */
  interfaces: { client: string; server: string };
  /** Loads an nftables ruleset into the middlebox. */
  rules(ruleset: string): Promise<void>;
  /** Routes a prefix, in the middlebox, to a node's address. */
  route(prefix: string, via: string): Promise<void>;
  /** Runs a shell script in the middlebox; its output. */
  sh(script: string): Promise<string>;
  /** The scenario's artifacts folder as the middlebox sees it: what it writes there is kept with the result. */
  readonly artifactsInside: string;
  /** Starts a long-running program in the middlebox (a proxy), its output going to `log` in the artifacts; resolves to its pid there. */
  daemon(command: string, log: string): Promise<string>;
  /** Starts capturing both sides of the middlebox; resolves once both captures listen. */
  capture(): Promise<void>;
  /** Stops the captures (they are written to the scenario's artifacts as they go); returns the files. */
  collect(): Promise<{ client: string; server: string }>;
  dispose(): Promise<void>;
}

const TCPDUMP = (iface: string, file: string) => ['tcpdump', '--immediate-mode', '-i', iface, '-w', file, '-U', '-s', '256', '-n', '-Z', 'root', 'tcp'];

/**
 * Waits until a capture says it listens (tcpdump prints it to stderr), or ends. No clock of its own: the captures are the
 * scenario's set-up, which the runner's start-up budget bounds (RunContext.startup). A fixed 10 s made 12 of 198
 * pair-scenarios an error ("tcpdump did not start") at 4 busy processes per core.
 */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${err.trim()}`)));
  });
}

export class NamespaceTopology implements Topology {
  readonly kind = 'namespaces';
  readonly client: NodeSite;
  readonly server: NodeSite;
  readonly interfaces: { client: string; server: string };
  private readonly lab = new Lab();
  private readonly mb: string;
  private captures: { child: ChildProcess; file: string; side: 'client' | 'server' }[] = [];
  private readonly scratch: string;
  private readonly daemons: number[] = [];

  constructor(scratch: string, sysctls: Record<string, number> = {}) {
    this.scratch = scratch;
    const c = this.lab.namespace('c');
    this.mb = this.lab.namespace('mb');
    const s = this.lab.namespace('s');
    for (const ns of [c, this.mb, s]) {
      // No IPv6: router solicitations and the like would only clutter the captures.
      this.lab.sysctl(ns, 'net.ipv6.conf.all.disable_ipv6', 1);
      this.lab.sysctl(ns, 'net.ipv6.conf.default.disable_ipv6', 1);
    }
    const left = this.lab.link(c, '10.71.1.2/24', this.mb, '10.71.1.1/24');
    const right = this.lab.link(this.mb, '10.71.2.1/24', s, '10.71.2.2/24');
    this.lab.sysctl(this.mb, 'net.ipv4.ip_forward', 1);
    for (const [key, value] of Object.entries(sysctls)) this.lab.sysctl(this.mb, key, value);
    this.interfaces = { client: left.devB, server: right.devA };
    this.client = { namespace: c, gateway: '10.71.1.1', nextHop: '10.71.1.2' };
    this.server = { namespace: s, gateway: '10.71.2.1', nextHop: '10.71.2.2' };
  }

  async rules(ruleset: string): Promise<void> {
    const file = join(this.scratch, 'middlebox.nft');
    mkdirSync(this.scratch, { recursive: true });
    writeFileSync(file, ruleset);
    this.lab.exec(this.mb, ['nft', '-f', file]);
  }

  async route(prefix: string, via: string): Promise<void> {
    this.lab.route(this.mb, prefix, via);
  }

  get artifactsInside(): string {
    return this.scratch;
  }

  async sh(script: string): Promise<string> {
    return this.lab.exec(this.mb, ['sh', '-c', script]);
  }

  async daemon(command: string, log: string): Promise<string> {
    mkdirSync(this.scratch, { recursive: true });
    const pid = (await this.sh(`${command} >${join(this.scratch, log)} 2>&1 </dev/null & echo $!`)).trim();
    // The namespace's processes share the run's pid namespace: dispose ends this one if the scenario does not.
    this.daemons.push(Number(pid));
    return pid;
  }

  async capture(): Promise<void> {
    mkdirSync(this.scratch, { recursive: true });
    this.captures = (['client', 'server'] as const).map((side) => {
      const file = join(this.scratch, `${side}-side.pcap`);
      const child = spawn('ip', ['netns', 'exec', this.mb, ...TCPDUMP(this.interfaces[side], file)], { stdio: ['ignore', 'ignore', 'pipe'] });
      return { child, file, side };
    });
    await Promise.all(this.captures.map((c) => listening(c.child)));
  }

  async collect(): Promise<{ client: string; server: string }> {
    await Promise.all(
      this.captures.map(async (c) => {
        if (c.child.exitCode === null) {
          const done = new Promise((resolve) => c.child.once('exit', resolve));
          c.child.kill('SIGINT');
          await done;
        }
      }),
    );
    this.captures = [];
    return { client: join(this.scratch, 'client-side.pcap'), server: join(this.scratch, 'server-side.pcap') };
  }

  async dispose(): Promise<void> {
    for (const c of this.captures) c.child.kill('SIGKILL');
    for (const pid of this.daemons.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It has ended.
      }
    }
    this.lab.dispose();
  }
}

export class ContainerTopology implements Topology {
  readonly kind = 'containers';
  client!: NodeSite;
  server!: NodeSite;
  interfaces!: { client: string; server: string };
  private mb!: FabricNode;
  private pids: Record<string, string> = {};
  private artifacts = '';

  /** The captures go straight into `artifacts` (a bind mount), so that they outlive a scenario cut short. */
  static async create(fabric: Fabric, artifacts: string, sysctls: Record<string, number> = {}): Promise<ContainerTopology> {
    const t = new ContainerTopology();
    mkdirSync(artifacts, { recursive: true });
    t.artifacts = artifacts;
    const [client, server] = await Promise.all([fabric.network('client'), fabric.network('server')]);
    t.mb = await fabric.node({
      name: 'middlebox',
      context: join(SUITE_DIR, 'middlebox'),
      networks: ['client', 'server'],
      // tcpdump switches to root explicitly (-Z root), which takes SETUID and SETGID even for root.
      capabilities: ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID'],
      sysctls: { 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.disable_ipv6': 1, ...sysctls },
      binds: [{ host: artifacts, node: '/capture' }],
    });
    const links = await t.mb.exec(['ip', '-4', '-o', 'addr', 'show']);
    const ifaceOf = (address: string) => {
      const line = links.stdout.split('\n').find((l) => l.includes(` ${address}/`));
      const name = line?.split(/\s+/)[1]?.replace(/@.*/, '');
      if (!name) throw new Error(`the middlebox has no interface with ${address}: ${links.stdout}`);
      return name;
    };
    t.interfaces = { client: ifaceOf(t.mb.addresses.client!), server: ifaceOf(t.mb.addresses.server!) };
    t.client = { placement: { network: client.name }, gateway: t.mb.addresses.client! };
    t.server = { placement: { network: server.name }, gateway: t.mb.addresses.server! };
    return t;
  }

  async sh(script: string): Promise<string> {
    const r = await this.mb.exec(['sh', '-c', script]);
    if (r.code !== 0) throw new Error(`middlebox: ${script}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  readonly artifactsInside = '/capture';

  async daemon(command: string, log: string): Promise<string> {
    // The container, and so the program, is removed with the fabric.
    return (await this.sh(`${command} >/capture/${log} 2>&1 </dev/null & echo $!`)).trim();
  }

  async rules(ruleset: string): Promise<void> {
    await this.sh(`cat > /tmp/middlebox.nft <<'EOF'\n${ruleset}EOF\nnft -f /tmp/middlebox.nft`);
  }

  async route(prefix: string, via: string): Promise<void> {
    await this.sh(`ip route add ${prefix} via ${via}`);
  }

  async capture(): Promise<void> {
    for (const side of ['client', 'server'] as const) {
      const args = TCPDUMP(this.interfaces[side], `/capture/${side}-side.pcap`).join(' ');
      this.pids[side] = (await this.sh(`${args} >/tmp/${side}.log 2>&1 & echo $!`)).trim();
    }
    for (let i = 0; i < 100; i++) {
      const logs = await this.sh('cat /tmp/client.log /tmp/server.log');
      if ((logs.match(/listening on/g) ?? []).length === 2) return;
      const alive = await this.mb.exec(['sh', '-c', `kill -0 ${this.pids.client} && kill -0 ${this.pids.server}`]);
      if (alive.code !== 0) throw new Error(`tcpdump stopped in the middlebox: ${logs.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`tcpdump did not start in the middlebox: ${await this.sh('cat /tmp/client.log /tmp/server.log')}`);
  }

  async collect(): Promise<{ client: string; server: string }> {
    for (const side of ['client', 'server'] as const) {
      if (this.pids[side]) await this.sh(`kill -INT ${this.pids[side]}; while kill -0 ${this.pids[side]} 2>/dev/null; do sleep 0.05; done`);
    }
    return { client: join(this.artifacts, 'client-side.pcap'), server: join(this.artifacts, 'server-side.pcap') };
  }

  async dispose(): Promise<void> {
    // The fabric removes the middlebox and the networks when the vector ends.
  }
}
