/**
 * The docker driver: each target's adapter runs in a container of the
 * target's image, on an internal network of its own, and speaks the adapter
 * contract over the container's attached stdin and stdout (the same JSON lines
 * as the local driver). The container is kept across vectors and replaced after
 * a fault. It is untrusted code: every capability is dropped but those its
 * manifest asks for, it runs as an unprivileged user with a read-only root
 * file system, a pids limit and a memory limit, and the only thing outside its
 * network it can reach is the harness endpoint the run opened for it.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { stopping, track } from '../cleanup.js';
import { DOCKER_CLOCK_ENV } from '../clock.js';
import type { HarnessEndpoint, Placement } from '../suite.js';
import { DockerFabric } from './fabric.js';
import { StreamTransport } from '../stream-transport.js';
import type { DockerOptions, Target } from '../targets.js';
import type { TransportFactory } from '../transport.js';
import { ensureImage, type BuiltImage } from './images.js';
import { createTargetNetwork, removeNetwork, RunFirewall, type TargetNetwork } from './network.js';
import { LABEL_RUN, runLabels, sweepOrphans } from './resources.js';

// Ryuk, testcontainers' reaper, is an image pulled from a registry, and no registry may be reachable; the run
// removes what it creates itself (resources.ts). testcontainers reads this when it first needs the reaper.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/** Does a docker engine answer (within a few seconds)? */
export async function dockerAvailable(timeoutMs = 5000): Promise<string | undefined> {
  try {
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    await client.container.dockerode.ping();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** How an adapter's container ended, in words: an out-of-memory kill says so, with the limit it hit. */
export function exitReason(code: number, oomKilled: boolean, memoryGiB: number): string {
  if (!oomKilled) return `adapter exited with code ${code}`;
  const limit = Number.isInteger(memoryGiB) ? `${memoryGiB} GiB` : `${Math.round(memoryGiB * 1024)} MiB`;
  // 137 is SIGKILL: the adapter itself was the victim; otherwise another process of its container was, and the adapter exited after it.
  return code === 137
    ? `adapter was killed: out of memory (container limit ${limit})`
    : `adapter exited with code ${code} after its container ran out of memory (limit ${limit})`;
}

/** A GenericContainer whose stdin stays open and is attached before the adapter starts, with the run's limits. */
class AdapterContainer extends GenericContainer {
  private readonly onCreated: (id: string) => Promise<void>;
  constructor(
    image: string,
    onCreated: (id: string) => Promise<void>,
    limits: { pids: number },
    outDir: string,
    host: Pick<DockerOptions, 'devices' | 'sysctls'>,
  ) {
    super(image);
    this.onCreated = onCreated;
    Object.assign(this.createOpts, { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    Object.assign(this.hostConfig, {
      PidsLimit: limits.pids,
      ReadonlyRootfs: true,
      // As Mounts (not Tmpfs and Binds), so that the engine mounts them in path order: the run's
      // output folder stays visible even when it lies under /tmp.
      Mounts: [
        { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 512 * 1024 * 1024, Mode: 0o1777 } },
        { Type: 'bind', Source: outDir, Target: outDir, ReadOnly: true },
      ],
      Devices: (host.devices ?? []).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
      ...(host.sysctls ? { Sysctls: Object.fromEntries(Object.entries(host.sysctls).map(([k, v]) => [k, String(v)])) } : {}),
    });
  }
  protected override async containerCreated(id: string): Promise<void> {
    await this.onCreated(id);
  }
}

export interface DockerDriverOptions {
  outDir: string;
  /** Memory limit per adapter container, in GiB (default 2; fractions allowed: the tests use a small one). */
  memoryGiB?: number;
  pids?: number;
}

export class DockerDriver {
  readonly runId = randomBytes(3).toString('hex');
  readonly labels = runLabels(this.runId);
  readonly swept: string[];
  private readonly docker: Dockerode;
  private readonly firewall: RunFirewall;
  private readonly options: DockerDriverOptions;
  private readonly networks = new Map<string, Promise<TargetNetwork>>();
  private readonly images = new Map<string, Promise<BuiltImage>>();
  private readonly untrackFirewall: () => void;
  private networkCount = 0;

  private constructor(docker: Dockerode, swept: string[], options: DockerDriverOptions) {
    this.docker = docker;
    this.swept = swept;
    this.options = options;
    this.firewall = new RunFirewall(this.runId);
    this.untrackFirewall = track(`firewall ${this.firewall.table}`, { sync: () => this.firewall.remove() });
  }

  /** Connects to the engine and sweeps what killed runs left behind. */
  static async start(options: DockerDriverOptions): Promise<DockerDriver> {
    const client = await getContainerRuntimeClient();
    const docker = client.container.dockerode;
    const swept = await sweepOrphans(docker);
    return new DockerDriver(docker, swept, options);
  }

  /** Notes every target of this driver should carry in results.json. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.firewall.problem)
      notes.push(`the run's host firewall is missing (${this.firewall.problem}): containers can reach services listening on the host's addresses`);
    return notes;
  }

  /** Builds (or finds) the target's image; concurrent callers share one build, and at most two builds run at once. */
  image(target: Target): Promise<BuiltImage> {
    let p = this.images.get(target.id);
    if (!p) {
      p = this.buildSlot(() => ensureImage(target));
      this.images.set(target.id, p);
    }
    return p;
  }

  private building = 0;
  private readonly waitingBuilds: (() => void)[] = [];

  private async buildSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.building >= 2) await new Promise<void>((resolve) => this.waitingBuilds.push(resolve));
    this.building++;
    try {
      return await fn();
    } finally {
      this.building--;
      this.waitingBuilds.shift()?.();
    }
  }

  private network(target: Target): Promise<TargetNetwork> {
    let p = this.networks.get(target.id);
    if (!p) {
      if (stopping()) return Promise.reject(new Error('the run is stopping: no new network'));
      const bridge = `cx${this.runId}${(this.networkCount++).toString(36)}`;
      p = createTargetNetwork(this.docker, `conformatrix-${this.runId}-${target.id}`, bridge, this.labels).then((net) => {
        track(`network ${net.name}`, { async: () => removeNetwork(this.docker, net.id) });
        return net;
      });
      this.networks.set(target.id, p);
    }
    return p;
  }

  /** Where the target reaches the harness: its network's gateway, through ports the run opens one by one, for that network alone. */
  async harness(target: Target): Promise<HarnessEndpoint> {
    const net = await this.network(target);
    return {
      address: net.gateway,
      expose: async (port: number) => this.firewall.allow(net.bridge, net.gateway, port),
    };
  }

  factory(target: Target, resultSchemas: Record<string, string>): TransportFactory {
    let built: BuiltImage | undefined;
    return {
      driver: 'docker',
      describe: (): Record<string, string> => (built ? { imageId: built.id } : {}),
      start: async (placement?: Placement) => {
        built = await this.image(target);
        // Placed by a suite's topology: on that fabric network, which the fabric made; otherwise on the target's own.
        const net = placement?.network ? { name: placement.network } : await this.network(target);
        return this.startContainer(target, built.image, net, resultSchemas, placement?.sysctls);
      },
    };
  }

  private async startContainer(
    target: Target,
    image: string,
    net: Pick<TargetNetwork, 'name'>,
    resultSchemas: Record<string, string>,
    sysctls?: Record<string, string | number>,
  ): Promise<StreamTransport> {
    const manifest = target.manifest.docker ?? {};
    const docker = sysctls ? { ...manifest, sysctls: { ...manifest.sysctls, ...sysctls } } : manifest;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let stdin: NodeJS.WritableStream | undefined;
    let containerId = '';
    let untrack: () => void = () => undefined;
    if (stopping()) throw new Error('the run is stopping: no new adapter container');
    mkdirSync(this.options.outDir, { recursive: true });
    // The adapter runs as an unprivileged user: it must be able to read what the run shares with it (the test CA).
    chmodSync(this.options.outDir, 0o755);
    const container = new AdapterContainer(
      image,
      async (id) => {
        containerId = id;
        // Tracked from its creation, not once started: Ctrl-C while it starts must remove it too.
        const created = this.docker.getContainer(id);
        untrack = track(`container ${id.slice(0, 12)}`, { async: () => created.remove({ force: true }).catch(() => undefined) });
        if (stopping()) throw new Error('the run is stopping: adapter container not started');
        const stream = (await this.docker
          .getContainer(id)
          .attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
        this.docker.modem.demuxStream(stream, stdout, stderr);
        stream.on('end', () => {
          stdout.end();
          stderr.end();
        });
        stdin = stream;
      },
      { pids: this.options.pids ?? 512 },
      this.options.outDir,
      docker,
    )
      .withLabels({ ...this.labels, 'org.conformatrix.target': target.id })
      .withNetworkMode(net.name)
      .withUser(docker.user ?? '65534:65534')
      .withDroppedCapabilities('ALL')
      .withSecurityOpt('no-new-privileges')
      .withResourcesQuota({ memory: this.options.memoryGiB ?? 2 })
      .withSharedMemorySize(256 * 1024 * 1024)
      // HOME in the writable /tmp; the run's output folder (the test CA, artifacts) at the same path, read-only (see Mounts).
      // A clock through libfaketime: the image installs faketime (docs/targets.md), the adapter writes the clock file.
      .withEnvironment({ HOME: '/tmp', ...(target.manifest.clock?.via === 'libfaketime' ? DOCKER_CLOCK_ENV : {}) })
      .withStartupTimeout(30_000);
    if (docker.capabilities?.length) container.withAddedCapabilities(...docker.capabilities);
    let started;
    try {
      started = await container.start();
    } catch (err) {
      if (containerId)
        await this.docker
          .getContainer(containerId)
          .remove({ force: true })
          .catch(() => undefined);
      untrack();
      throw err;
    }
    const handle = this.docker.getContainer(containerId);
    const exited = handle.wait().then(
      async (r: { StatusCode: number }) => {
        // Killed by the kernel for the container's memory limit, the adapter just "exits with 137": the engine knows why.
        const oom = await handle.inspect().then(
          (info: { State?: { OOMKilled?: boolean } }) => info.State?.OOMKilled === true,
          () => false,
        );
        await handle.remove({ force: true }).catch(() => undefined);
        untrack();
        return { kind: 'exited' as const, how: exitReason(r.StatusCode, oom, this.options.memoryGiB ?? 2) };
      },
      (err: Error) => ({ kind: 'exited' as const, how: `adapter container failed: ${err.message}` }),
    );
    void started;
    return new StreamTransport({
      stdin: stdin as unknown as NodeJS.WritableStream & import('node:stream').Writable,
      stdout,
      stderr,
      exited,
      kill: () => void handle.kill().catch(() => handle.remove({ force: true }).catch(() => undefined)),
      resultSchemas,
    });
  }

  private fabricCount = 0;

  /** Networks and helper nodes for one vector of a suite that builds a topology; dispose() removes them. */
  fabric(): DockerFabric {
    if (this.firewall.problem) throw new Error(`a topology needs the run's host firewall, which is missing (${this.firewall.problem})`);
    return new DockerFabric(this.docker, this.labels, `${this.firewall.fabricPrefix}${(this.fabricCount++).toString(36)}`, (context) =>
      this.fabricImage(context),
    );
  }

  private readonly fabricImages = new Map<string, Promise<BuiltImage>>();

  /** The image of a fabric's helper node, built from the folder `context` (with its Dockerfile) once per run. */
  fabricImage(context: string): Promise<BuiltImage> {
    let p = this.fabricImages.get(context);
    if (!p) {
      const target = { id: `fabric-${basename(context)}`, dir: context, manifest: { name: basename(context), suites: [], local: { command: [] }, docker: {} } };
      p = this.buildSlot(() => ensureImage(target as unknown as Target));
      this.fabricImages.set(context, p);
    }
    return p;
  }

  /** Removes what the run created: containers first, then networks, then the firewall. */
  async dispose(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${this.runId}`] } });
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    for (const p of this.networks.values()) {
      const net = await p.catch(() => undefined);
      if (net) await removeNetwork(this.docker, net.id);
    }
    this.firewall.remove();
    this.untrackFirewall();
  }
}
