/**
 * A Linux kernel booted under QEMU for the run: the kernel and initramfs
 * build-vm.sh makes, started once (in hello) and reused by every vector.
 *
 * - qemu runs in a network namespace of the run's own (a Lab), where its
 *   vector NIC (virtio-net, no offloads, so every frame is one wire segment)
 *   is joined to the tap device tap0. The harness reads and writes that tap
 *   device through a packet socket (tun-bridge.py --ethernet): it sees
 *   exactly the IP packets the guest kernel sends, as the TUN device shows
 *   the host kernel's for linux-kernel.
 * - The harness reaches the guest's init (guest/init.py) over a virtio serial
 *   port joined to a Unix socket this process listens on, before qemu starts,
 *   so nothing the guest says is lost: JSON lines; commands run in the guest
 *   (exec) and processes started there (spawn), such as the kernel agent.
 * - qemu, the namespace (with the tap device) and the socket go when the
 *   adapter ends, on SIGTERM, and on a crash (runner/cleanup.ts); a run killed
 *   outright leaves the namespace, which the next run sweeps (sweepLabs), and
 *   qemu, which the runner's cgroup ends with the adapter.
 */
import { execFile, execFileSync, spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { track } from '../../runner/cleanup.js';
import type { AgentProcess } from '../../suites/mptcp/net/agent.js';
import { Lab } from '../../suites/mptcp/net/lab.js';
import { TunDevice } from '../../suites/mptcp/net/tun.js';
import { namespaces, sysctlsWritable } from '../linux-kernel/system.js';

const BUILD = fileURLToPath(new URL('../../../targets/linux-6.1/build-vm.sh', import.meta.url));

/** The MAC of the guest's vector NIC: guest/init.py finds the NIC by it and names it sut0. */
export const GUEST_MAC = '52:54:00:cf:00:01';

/** What build-vm.sh made: the folder, and the kernel's package and hash (info.json). */
export interface VmImage {
  dir: string;
  package: string;
  packageVersion: string;
  imageSha256: string;
}

/** Builds (or finds in the cache) the kernel and initramfs. */
export async function buildImage(): Promise<VmImage> {
  try {
    const { stdout } = await promisify(execFile)('bash', [BUILD], { encoding: 'utf8' });
    const dir = stdout.trim().split('\n').pop()!;
    return { dir, ...(JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as Omit<VmImage, 'dir'>) };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`build-vm.sh failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string } };

export class Vm {
  readonly release: string;
  readonly tap: TunDevice;
  private readonly qemu: ChildProcessByStdio<null, Readable, Readable>;
  private readonly host: VmHost;
  private readonly channel: Socket;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly children = new Map<string, { line: (l: string) => void; exit: (why: string) => void }>();
  private nextId = 1;
  private ended: string | undefined;

  private constructor(parts: { qemu: ChildProcessByStdio<null, Readable, Readable>; host: VmHost; channel: Socket; release: string; tap: TunDevice }) {
    this.qemu = parts.qemu;
    this.host = parts.host;
    this.channel = parts.channel;
    this.release = parts.release;
    this.tap = parts.tap;
  }

  /**
   * Boots the VM and waits for its init to say it serves (an event, however
   * slow TCG is); `onEnd` hears it if the VM ends before close().
   */
  static async boot(image: VmImage, onEnd: (why: string) => void): Promise<Vm> {
    const host = VmHost.make();
    const path = join(tmpdir(), `cfx-vm-${process.pid}-${randomBytes(2).toString('hex')}.sock`);
    const server = createServer();
    const untrackSocket = track(`VM socket ${path}`, { sync: () => rmSync(path, { force: true }) });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    const console = { text: '' };
    // qemu connects to the socket as it starts: the harness is there before the guest can say anything.
    const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const argv = host.argv(['qemu-system-x86_64', ...qemuArgs(image, path, host.tap)]);
    const qemu = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const untrackQemu = track(`qemu ${host.tap}`, { sync: () => void qemu.kill('SIGKILL') });
    const keep = (d: Buffer) => (console.text = (console.text + d.toString()).slice(-8000));
    qemu.stdout.on('data', keep);
    qemu.stderr.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      qemu.once('exit', (code, signal) => {
        untrackQemu();
        reject(new Error(`qemu ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before the guest was ready: ${lastLines(console.text)}`));
      }),
    );
    exited.catch(() => undefined);
    try {
      const channel = await Promise.race([connected, exited]);
      server.close();
      const lines = createInterface({ input: channel });
      const ready = new Promise<string>((resolve) =>
        lines.on('line', function first(line) {
          const m = JSON.parse(line) as Message;
          if (m.method !== 'ready') return;
          lines.off('line', first);
          resolve(String(m.params?.release));
        }),
      );
      const release = await Promise.race([ready, exited]);
      const tap = await TunDevice.open(host.ns ?? '', host.tap, { ethernet: GUEST_MAC });
      const vm = new Vm({ qemu, host, channel, release, tap });
      lines.on('line', (line) => vm.onLine(line));
      qemu.once('exit', (code, signal) => vm.end(`qemu ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${lastLines(console.text)}`, onEnd));
      untrackSocket();
      rmSync(path, { force: true });
      return vm;
    } catch (err) {
      server.close();
      qemu.kill('SIGKILL');
      host.dispose();
      untrackSocket();
      rmSync(path, { force: true });
      throw err;
    }
  }

  private onLine(line: string): void {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      return;
    }
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result);
      return;
    }
    const child = this.children.get(String(m.params?.child));
    if (!child) return;
    if (m.method === 'out') child.line(String(m.params?.line));
    if (m.method === 'exit') {
      this.children.delete(String(m.params?.child));
      const stderr = String(m.params?.stderr ?? '').trim();
      child.exit(`kernel agent exited with code ${String(m.params?.code)}${stderr ? `: ${stderr.split('\n').pop()}` : ''}`);
    }
  }

  private end(why: string, onEnd?: (why: string) => void): void {
    if (this.ended) return;
    this.ended = why;
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
    for (const c of this.children.values()) c.exit(why);
    this.children.clear();
    onEnd?.(why);
  }

  private send(message: Message): void {
    this.channel.write(JSON.stringify(message) + '\n');
  }

  private request<T>(method: string, params: Record<string, unknown>): Promise<T> {
    if (this.ended) return Promise.reject(new Error(this.ended));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ id, method, params });
    });
  }

  /** The host's network namespace that holds qemu and the tap device (none in a container: the adapter's own). */
  get namespace(): string | undefined {
    return this.host.ns;
  }

  /** The tap device's name there. */
  get tapName(): string {
    return this.host.tap;
  }

  /** Runs a command in the guest, in one of its network namespaces or its own, with `input` on its stdin; its stdout. */
  async exec(ns: string | undefined, argv: string[], input?: string): Promise<string> {
    return (await this.request<{ stdout: string }>('exec', { argv, ...(ns ? { ns } : {}), ...(input !== undefined ? { input } : {}) })).stdout;
  }

  /** Starts a process in the guest; lines go to and come from it as for a local child. */
  spawn(ns: string | undefined, argv: string[]): AgentProcess {
    return this.child('spawn', { argv, ...(ns ? { ns } : {}) });
  }

  /** Starts the kernel agent in a namespace of the guest (forked from its init, which has it loaded). */
  agent(ns: string | undefined): AgentProcess {
    return this.child('agent', ns ? { ns } : {});
  }

  private child(method: string, params: Record<string, unknown>): AgentProcess {
    const lines: ((l: string) => void)[] = [];
    const exits: ((why: string) => void)[] = [];
    let id: string | undefined;
    let queued: Message[] | undefined = [];
    let gone: string | undefined;
    const exit = (why: string) => {
      if (gone) return;
      gone = why;
      for (const e of exits) e(why);
    };
    const tell = (method: string, params: Record<string, unknown>) => {
      if (gone) return;
      if (queued) queued.push({ method, params });
      else this.send({ method, params: { child: id, ...params } });
    };
    this.request<{ child: string }>(method, params).then(
      (r) => {
        id = r.child;
        this.children.set(id, { line: (l) => lines.forEach((f) => f(l)), exit });
        for (const m of queued ?? []) this.send({ method: m.method!, params: { child: id, ...m.params } });
        queued = undefined;
      },
      (err: Error) => exit(`kernel agent did not start: ${err.message}`),
    );
    return {
      write: (line) => tell('input', { line }),
      end: () => tell('end', {}),
      kill: () => tell('kill', {}),
      onLine: (listener) => void lines.push(listener),
      onExit: (listener) => (gone ? listener(gone) : void exits.push(listener)),
    };
  }

  /** Stops the VM and removes its namespace (the tap device goes with it). */
  async close(): Promise<void> {
    this.end('the VM was stopped');
    await this.tap.close();
    const exited = new Promise((resolve) =>
      this.qemu.exitCode !== null || this.qemu.signalCode !== null ? resolve(undefined) : this.qemu.once('exit', resolve),
    );
    this.qemu.kill('SIGKILL');
    await exited;
    this.host.dispose();
  }
}

/**
 * Where qemu and its tap device live on this machine: a network namespace of
 * the run's own (a Lab), or, where namespaces cannot be made (a container with
 * NET_ADMIN), the adapter's own namespace, with a tap device named after the
 * adapter's pid. The host side of the tap device says nothing: no address, no
 * IPv6 (router solicitations).
 */
class VmHost {
  private readonly untrack: () => void;

  private constructor(
    readonly ns: string | undefined,
    readonly tap: string,
    private readonly lab: Lab | undefined,
  ) {
    this.untrack = lab ? () => undefined : track(`tap device ${tap}`, { sync: () => void spawnSync('ip', ['link', 'del', tap]) });
  }

  static make(): VmHost {
    if (namespaces) {
      const lab = new Lab();
      const ns = lab.namespace('vm');
      lab.sysctl(ns, 'net.ipv6.conf.default.disable_ipv6', 1);
      const host = new VmHost(ns, 'tap0', lab);
      host.exec(['ip', 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
      host.exec(['ip', 'link', 'set', 'tap0', 'up']);
      return host;
    }
    const host = new VmHost(undefined, `cfxtap${process.pid % 100000}`, undefined);
    host.exec(['ip', 'tuntap', 'add', 'dev', host.tap, 'mode', 'tap']);
    // In a container /proc/sys is read-only: the manifest's docker.sysctls turn IPv6 off there (and the bridge relays IPv4 only).
    if (sysctlsWritable) host.exec(['sysctl', '-q', '-w', `net.ipv6.conf.${host.tap}.disable_ipv6=1`]);
    host.exec(['ip', 'link', 'set', host.tap, 'up']);
    return host;
  }

  /** A command's argv, run in the namespace when there is one. */
  argv(cmd: string[]): string[] {
    return this.ns ? ['ip', 'netns', 'exec', this.ns, ...cmd] : cmd;
  }

  exec(cmd: string[]): void {
    const argv = this.argv(cmd);
    execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  dispose(): void {
    if (this.lab) this.lab.dispose();
    else spawnSync('ip', ['link', 'del', this.tap]);
    this.untrack();
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ') || '(no console output)';
}

/**
 * Direct kernel boot with qboot (no BIOS wait), one CPU under TCG, the
 * console on stdout; the agent's port and the vector NIC, both virtio. The
 * NIC offers no checksum or segmentation offload (csum=off, and a tap
 * without vnet headers), so the guest sends finished wire segments.
 */
function qemuArgs(image: VmImage, socket: string, tap: string): string[] {
  return [
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    '-machine',
    'pc',
    '-accel',
    'tcg',
    '-bios',
    '/usr/share/qemu/qboot.rom',
    '-m',
    '256',
    '-smp',
    '1',
    '-kernel',
    join(image.dir, 'vmlinuz'),
    '-initrd',
    join(image.dir, 'initramfs.cpio'),
    // tsc=reliable and no_timer_check: no calibration against other clocks, which TCG makes slow and pointless; no
    // keyboard; PYTHONHASHSEED (init's environment): the guest's python3 starts before /dev holds urandom.
    // clocksource=hpet: the guest keeps time by the HPET, which qemu derives from the host's clock. Under TCG on a busy
    // host the kernel's TSC calibration against the PIT goes wrong ("tsc: PIT calibration deviates from HPET: 306909
    // 2595662 ... Using PIT calibration value"): with the TSC as its clock the guest's time then ran 8.5 times too fast,
    // and with it every timer of the guest (TCP's retransmissions, the kernel agent's waits, which ended transfers early).
    '-append',
    'console=ttyS0 panic=-1 quiet tsc=reliable no_timer_check clocksource=hpet mitigations=off i8042.noaux i8042.nokbd PYTHONHASHSEED=0 random.trust_cpu=on',
    '-serial',
    'stdio',
    '-chardev',
    `socket,id=agent,path=${socket}`,
    '-device',
    'virtio-serial-pci',
    '-device',
    'virtserialport,chardev=agent,name=conformatrix',
    '-netdev',
    `tap,id=n0,ifname=${tap},script=no,downscript=no,vnet_hdr=off`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${GUEST_MAC},csum=off,guest_csum=off`,
  ];
}
