/**
 * The docker driver's fabric: networks and helper containers (a middlebox,
 * say) that a suite builds a topology from, for one vector, and the placing
 * of targets' adapters on those networks (DockerDriver.factory's placement).
 * The networks' bridges carry the run's fabric prefix, so that the run's
 * firewall lets containers on them talk to each other and route through one
 * another, and nothing more (network.ts). dispose() removes it all.
 */
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { track } from '../cleanup.js';
import type { Fabric, FabricNetwork, FabricNode, FabricNodeSpec } from '../suite.js';
import type { BuiltImage } from './images.js';
import { removeNetwork } from './network.js';

export class DockerFabric implements Fabric {
  readonly kind = 'docker';
  private readonly docker: Dockerode;
  private readonly labels: Record<string, string>;
  private readonly prefix: string;
  private readonly build: (context: string) => Promise<BuiltImage>;
  private readonly networks = new Map<string, FabricNetwork & { id: string }>();
  private readonly containers: string[] = [];
  private readonly untrack: () => void;
  private count = 0;
  /** The removal, once begun: the suite's end and the run's cleanup (Ctrl-C) may both ask for it, and both wait for it. */
  private disposing: Promise<void> | undefined;

  constructor(docker: Dockerode, labels: Record<string, string>, prefix: string, build: (context: string) => Promise<BuiltImage>) {
    this.docker = docker;
    this.labels = labels;
    this.prefix = prefix;
    this.build = build;
    this.untrack = track(`fabric ${prefix}`, { async: () => this.dispose() });
  }

  async network(name: string): Promise<FabricNetwork & { id: string }> {
    const known = this.networks.get(name);
    if (known) return known;
    this.refuseOnceDisposed();
    const bridge = `${this.prefix}n${(this.count++).toString(36)}`;
    const network = await this.docker.createNetwork({
      Name: `conformatrix-${bridge}-${name}`,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: this.labels,
      Options: { 'com.docker.network.bridge.name': bridge },
    });
    const info = (await network.inspect()) as { Id: string; Name: string; IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
    const config = info.IPAM?.Config?.[0];
    if (!config?.Subnet || !config.Gateway) {
      await network.remove().catch(() => undefined);
      throw new Error(`fabric network ${name} has no subnet`);
    }
    const net = { name: info.Name, id: info.Id, subnet: config.Subnet, gateway: config.Gateway };
    if (this.disposing) {
      // Made while the fabric was being removed: its removal would miss it.
      await network.remove().catch(() => undefined);
      this.refuseOnceDisposed();
    }
    this.networks.set(name, net);
    return net;
  }

  async node(spec: FabricNodeSpec): Promise<FabricNode> {
    const built = await this.build(spec.context);
    const [first, ...others] = await Promise.all(spec.networks.map((n) => this.network(n)));
    if (!first) throw new Error(`fabric node ${spec.name} needs a network`);
    this.refuseOnceDisposed();
    const container = await this.docker.createContainer({
      Image: built.image,
      name: `conformatrix-${this.prefix}-${spec.name}`,
      Labels: this.labels,
      HostConfig: {
        // An init process reaps what exec'd commands leave behind (a stopped capture, say).
        Init: true,
        NetworkMode: first.name,
        CapDrop: ['ALL'],
        CapAdd: spec.capabilities ?? [],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: 256,
        Memory: 512 * 1024 * 1024,
        ...(spec.sysctls ? { Sysctls: Object.fromEntries(Object.entries(spec.sysctls).map(([k, v]) => [k, String(v)])) } : {}),
        ...(spec.binds?.length ? { Binds: spec.binds.map((b) => `${b.host}:${b.node}:rw`) } : {}),
      },
    });
    if (this.disposing) {
      await container.remove({ force: true }).catch(() => undefined);
      this.refuseOnceDisposed();
    }
    this.containers.push(container.id);
    for (const n of others) await this.docker.getNetwork(n.id).connect({ Container: container.id });
    await container.start();
    const info = (await container.inspect()) as { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } };
    const addresses: Record<string, string> = {};
    for (const n of [first, ...others]) {
      const logical = [...this.networks.entries()].find(([, v]) => v.name === n.name)![0];
      addresses[logical] = info.NetworkSettings.Networks[n.name]?.IPAddress ?? '';
    }
    return {
      addresses,
      exec: (argv) => this.exec(container, argv),
      readFile: async (path) => {
        const r = await this.exec(container, ['base64', '-w0', path]);
        if (r.code !== 0) throw new Error(`cannot read ${path} in ${spec.name}: ${r.stderr.trim()}`);
        return Buffer.from(r.stdout, 'base64');
      },
    };
  }

  private async exec(container: Dockerode.Container, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    out.on('data', (b: Buffer) => chunks.out.push(b));
    err.on('data', (b: Buffer) => chunks.err.push(b));
    this.docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const { ExitCode } = (await exec.inspect()) as { ExitCode: number | null };
    return { code: ExitCode ?? -1, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
  }

  private refuseOnceDisposed(): void {
    if (this.disposing) throw new Error('the fabric is being removed (the vector ended, or the run is stopping): nothing new is made on it');
  }

  /**
   * Removes the helper containers, then (once every container on them is gone) the networks. Once: a second call
   * waits for the first. The run's cleanup keeps tracking the fabric until it is gone, so that Ctrl-C during a removal
   * the vector's end began waits for it instead of exiting half-way (which left the networks, and the middlebox).
   */
  dispose(): Promise<void> {
    return (this.disposing ??= this.removeAll().finally(() => this.untrack()));
  }

  private async removeAll(): Promise<void> {
    await Promise.all(
      this.containers.splice(0).map((id) =>
        this.docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    // Adapter containers placed here are removed by the scheduler when the vector ends; any left are removed with the network.
    for (const net of this.networks.values()) await removeNetwork(this.docker, net.id);
    this.networks.clear();
  }
}
