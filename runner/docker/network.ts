/**
 * Each target runs on a network of its own: an internal docker bridge (no NAT,
 * no route off the machine) whose only reachable address outside it is the
 * harness endpoint the run opens on the bridge's gateway. Docker's internal
 * networks stop forwarding, but a container could still reach any service that
 * listens on any of the host's addresses; an nftables table of the run drops
 * everything from the run's bridges to the host except the harness ports it
 * opened (and, belt and braces, any forwarding from or to them).
 *
 * An opened port is opened for one bridge only: the host owns every bridge's
 * gateway address, so a rule on address and port alone would let a container
 * reach another target's endpoint through that target's gateway (and, say,
 * answer that target's vector for it). The set holds bridge . address . port.
 */
import { spawnSync } from 'node:child_process';
import type Dockerode from 'dockerode';
import { firewallTable } from './resources.js';

export interface TargetNetwork {
  name: string;
  id: string;
  bridge: string;
  gateway: string;
}

export class RunFirewall {
  readonly table: string;
  readonly bridgePrefix: string;
  /** Why the firewall is not there, if it is not: then containers can reach the host's services. */
  readonly problem: string | undefined;

  /**
   * Bridges of topologies (fabric networks): containers on one may talk to each
   * other, and route through one another (a middlebox), but reach nothing
   * else: neither the host nor, routed by the host, any other network.
   */
  readonly fabricPrefix: string;

  constructor(runId: string) {
    this.table = firewallTable(runId);
    this.bridgePrefix = `cx${runId}`;
    this.fabricPrefix = `cf${runId}`;
    const rules = `
table inet ${this.table} {
  set harness { type ifname . ipv4_addr . inet_service; }
  chain input {
    type filter hook input priority filter - 10; policy accept;
    iifname "${this.bridgePrefix}*" iifname . ip daddr . tcp dport @harness accept
    iifname "${this.bridgePrefix}*" counter drop
    iifname "${this.fabricPrefix}*" counter drop
  }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    iifname "${this.bridgePrefix}*" counter drop
    oifname "${this.bridgePrefix}*" counter drop
    iifname "${this.fabricPrefix}*" oifname != "${this.fabricPrefix}*" counter drop
    oifname "${this.fabricPrefix}*" iifname != "${this.fabricPrefix}*" counter drop
  }
}
`;
    const r = spawnSync('nft', ['-f', '-'], { input: rules, encoding: 'utf8' });
    this.problem = r.error ? `nft: ${r.error.message}` : r.status !== 0 ? `nft: ${r.stderr.trim()}` : undefined;
  }

  private readonly allowed = new Set<string>();

  /** Lets the containers on one of the run's bridges (and only those) reach one harness endpoint on the host. */
  allow(bridge: string, address: string, port: number): void {
    const key = `${bridge} ${address}:${port}`;
    if (this.problem || this.allowed.has(key)) return;
    this.allowed.add(key);
    const r = spawnSync('nft', ['add', 'element', 'inet', this.table, 'harness', `{ "${bridge}" . ${address} . ${port} }`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nft add element: ${r.stderr.trim()}`);
  }

  remove(): void {
    if (this.problem) return;
    spawnSync('nft', ['delete', 'table', 'inet', this.table]);
  }
}

export async function createTargetNetwork(docker: Dockerode, name: string, bridge: string, labels: Record<string, string>): Promise<TargetNetwork> {
  const network = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Labels: labels,
    Options: { 'com.docker.network.bridge.name': bridge },
  });
  const info = (await network.inspect()) as { Id: string; IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) {
    await network.remove().catch(() => undefined);
    throw new Error(`network ${name} has no gateway address`);
  }
  return { name, id: info.Id, bridge, gateway };
}

/**
 * Removes a network of the run and, first, every container still attached to it: one whose creation was in flight
 * when the run stopped is attached but not yet known to the run, and the engine refuses to remove a network in use.
 */
export async function removeNetwork(docker: Dockerode, id: string): Promise<void> {
  const network = docker.getNetwork(id);
  const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
  if (!info) return;
  await Promise.all(
    Object.keys(info.Containers ?? {}).map((c) =>
      docker
        .getContainer(c)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  await network.remove().catch(() => undefined);
}
