/**
 * Debian bookworm's Linux 6.1 LTS kernel as an MPTCP target, booted under
 * QEMU (vm.ts) once per adapter, in hello. For each vector, in the guest: a
 * fresh network namespace that gets the vector NIC (sut0) with the SUT's
 * addresses, the pinned sysctls and the vector's, and a kernel agent; when
 * the vector ends the NIC goes back and the namespace is removed, so no state
 * of one vector's connections meets the next. Everything else (the socket
 * steps, the query) is linux-kernel's (targets/linux-kernel/kernel-target.ts).
 */
import { stopping } from '../../runner/cleanup.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { OpenParams } from '../../suites/mptcp/contract.js';
import { KernelAgent } from '../../suites/mptcp/net/agent.js';
import { configureSut, serveKernelTarget } from '../linux-kernel/kernel-target.js';
import { PINNED } from '../linux-kernel/system.js';
import { buildImage, Vm, type VmImage } from './vm.js';

/** The vector NIC's name in the guest (guest/init.py). */
const DEV = 'sut0';

let image: VmImage | undefined;
let vm: Vm | undefined;
let counter = 0;
/** Where the tap device's packets go: the open vector's SUT, or nowhere between vectors. */
let deliver: ((packet: Uint8Array) => void) | undefined;

async function boot(): Promise<Vm> {
  image ??= await buildImage();
  const started = await Vm.boot(image, (why) => {
    // The VM is gone (a guest panic, qemu killed): this adapter can do nothing more. The runner restarts it. (On
    // SIGTERM the cleanup stopped it, and ends the process itself.)
    if (stopping()) return;
    process.stderr.write(`linux-6.1: ${why}\n`);
    process.exit(1);
  });
  started.tap.on('packet', (packet: Uint8Array) => deliver?.(packet));
  return started;
}

/** ip commands (their arguments) as one process: each one costs under TCG. */
const batch = (commands: string[][]) => commands.map((c) => c.join(' ')).join('\n') + '\n';

async function open(p: OpenParams, onPacket: (packet: Uint8Array) => void) {
  const guest = (vm ??= await boot());
  const ns = `v${counter++}`;
  const sut = '198.51.100.1';
  const peers = [2, 3, 4, 5].map((h) => `198.51.100.${h}`);
  const extra = Array.from({ length: p.subflowEndpoints ?? 0 }, (_, i) => `198.51.100.${11 + i}`);
  const ip = (commands: string[][]) => guest.exec(ns, ['ip', '-batch', '-'], batch(commands));
  /** The NIC back to the guest's own namespace (PID 1's), then the vector's namespace goes. */
  const remove = async () => {
    await ip([['link', 'set', DEV, 'netns', '1']]);
    await guest.exec(undefined, ['ip', 'netns', 'del', ns]);
  };
  await guest.exec(
    undefined,
    ['ip', '-batch', '-'],
    batch([
      ['netns', 'add', ns],
      ['link', 'set', DEV, 'netns', ns],
    ]),
  );
  try {
    await guest.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    // The harness answers no ARP: the guest sends every frame to the tap device as it is (no neighbour to resolve).
    await ip([
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `${sut}/24`, 'dev', DEV],
      ['link', 'set', DEV, 'arp', 'off', 'up'],
    ]);
    // A pinned sysctl the kernel does not have (net.mptcp.blackhole_timeout came with 6.12) pins nothing: sysctl -e
    // skips it. One the vector sets must be there.
    const sysctls = async (values: Record<string, string | number>) => {
      const pinned = Object.entries(values).filter(([k]) => k in PINNED && !(k in (p.sysctls ?? {})));
      const own = Object.entries(values).filter(([k]) => !(k in PINNED) || k in (p.sysctls ?? {}));
      for (const [flags, list] of [
        [['-e'], pinned],
        [[], own],
      ] as const)
        if (list.length) await guest.exec(ns, ['sysctl', '-q', '-w', ...flags, ...list.map(([k, v]) => `${k}=${v}`)]);
    };
    await configureSut(ip, sysctls, DEV, extra, p);
  } catch (err) {
    // The next vector needs the NIC: give it back before saying why this one cannot run.
    await remove().catch(() => undefined);
    throw err;
  }
  const agent = KernelAgent.over(guest.agent(ns), ns);
  deliver = onPacket;
  const close = async () => {
    deliver = undefined;
    await agent.close();
    await remove();
  };
  return { sut: { agent, inject: (packet: Uint8Array) => guest.tap.send(packet), close }, addresses: { sut, peers, sutExtra: extra } };
}

serveKernelTarget({
  // The VM boots here, within hello's start-up budget, not inside the first vector's deadline.
  hello: async () => {
    vm ??= await boot();
    return {
      contract: CONTRACT_VERSION,
      implementation: {
        name: 'Linux',
        version: vm.release,
        build: { package: image!.package, version: image!.packageVersion, sha256: image!.imageSha256 },
      },
      capabilities: ['mptcp-v1', 'sysctls'],
    };
  },
  open,
});
