/**
 * Debian bookworm's Linux 6.1 LTS kernel as an MPTCP target, booted under
 * QEMU (vm.ts) once per adapter, in hello. For each vector, in the guest: a
 * fresh network namespace that gets the vector NIC (sut0) with the SUT's
 * addresses, the pinned sysctls and the vector's, and a kernel agent; when
 * the vector ends the NIC goes back and the namespace is removed, so no state
 * of one vector's connections meets the next. Everything else (the socket
 * steps, the query) is linux-kernel's (targets/linux-kernel/kernel-target.ts).
 *
 * As an endpoint of the interop suite: the guest's NIC is joined to the
 * node, through a bridge (tap device and a veth pair) in the VM's host
 * namespace; the node routes the endpoint's addresses to the guest, which
 * holds them on its loopback in a namespace of its own, and everything else
 * to the middlebox. The node is the namespace the runner gives (local driver)
 * or the adapter's own container on the fabric's network (docker driver),
 * where qemu and its tap device live too. The endpoint's steps are
 * linux-kernel's (targets/linux-kernel/interop.ts), their commands and kernel
 * agent run in the guest.
 */
import { stopping } from '../../runner/cleanup.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { OpenParams } from '../../suites/mptcp/contract.js';
import { KernelAgent } from '../../suites/mptcp/net/agent.js';
import type { PrepareParams } from '../../suites/mptcp-interop/contract.js';
import { KernelInterop, type KernelNode } from '../linux-kernel/interop.js';
import { announceAddresses, configureSut, serveKernelTarget } from '../linux-kernel/kernel-target.js';
import { exec, PINNED, setSysctls } from '../linux-kernel/system.js';
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

/**
 * Sets sysctls in a namespace of the guest. A pinned sysctl the kernel does
 * not have (net.mptcp.blackhole_timeout came with 6.12) pins nothing: sysctl
 * -e skips it. One in `own` (the vector's) must be there.
 */
async function guestSysctls(guest: Vm, ns: string, values: Record<string, string | number>, own: Record<string, unknown> = {}): Promise<void> {
  const pinned = Object.entries(values).filter(([k]) => k in PINNED && !(k in own));
  const rest = Object.entries(values).filter(([k]) => !(k in PINNED) || k in own);
  for (const [flags, list] of [
    [['-e'], pinned],
    [[], rest],
  ] as const)
    if (list.length) await guest.exec(ns, ['sysctl', '-q', '-w', ...flags, ...list.map(([k, v]) => `${k}=${v}`)]);
}

/** A namespace of the guest holding its NIC, for one vector or one interop role; IPv4 only (the suites speak IPv4 here). */
async function guestNamespace(guest: Vm, ns: string): Promise<void> {
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
  } catch (err) {
    // The NIC goes back to the guest's own namespace (PID 1's) before the namespace does, as at a vector's end.
    await guest.exec(ns, ['ip', 'link', 'set', DEV, 'netns', '1']).catch(() => undefined);
    await guest.exec(undefined, ['ip', 'netns', 'del', ns]).catch(() => undefined);
    throw err;
  }
}

async function open(p: OpenParams, onPacket: (packet: Uint8Array) => void) {
  const guest = (vm ??= await boot());
  const ns = `v${counter++}`;
  const sut = '198.51.100.1';
  const peers = [2, 3, 4, 5].map((h) => `198.51.100.${h}`);
  const extra = Array.from({ length: p.subflowEndpoints ?? 0 }, (_, i) => `198.51.100.${11 + i}`);
  // Addresses for the vector's announce steps: on the NIC from the start, announced when a step adds a signal endpoint.
  const announce = announceAddresses(sut, p);
  const ip = (commands: string[][]) => guest.exec(ns, ['ip', '-batch', '-'], batch(commands));
  /** The NIC back to the guest's own namespace (PID 1's), then the vector's namespace goes. */
  const remove = async () => {
    await ip([['link', 'set', DEV, 'netns', '1']]);
    await guest.exec(undefined, ['ip', 'netns', 'del', ns]);
  };
  await guestNamespace(guest, ns);
  try {
    // The harness answers no ARP: the guest sends every frame to the tap device as it is (no neighbour to resolve).
    await ip([
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `${sut}/24`, 'dev', DEV],
      ['link', 'set', DEV, 'arp', 'off', 'up'],
    ]);
    await configureSut(ip, (values) => guestSysctls(guest, ns, values, p.sysctls), DEV, extra, p, announce);
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
  return {
    // announce and withdraw steps: the path manager's signal endpoints, in the vector's namespace of the guest.
    sut: { agent, inject: (packet: Uint8Array) => guest.tap.send(packet), close, ip: async (args: string[]) => void (await ip([args])) },
    addresses: { sut, peers, sutExtra: extra, ...(announce.length ? { sutAnnounce: announce } : {}) },
  };
}

/**
 * The guest's and the interop node's addresses on the link between them (a
 * /24 seen by the two alone). Outside every address a scenario uses: in
 * 10.74.0.0/24 (as it was) the guest as a server held the NAT middlebox's
 * public address (NAT_ADDRESS, 10.74.0.1), and the node routed the client's
 * translated SYNs back to the guest's own address: no connection.
 */
const LINK = { guest: '10.75.0.1', node: '10.75.0.2' };

/** The interop endpoint's commands and kernel agent, in the guest. */
const guestNode: KernelNode = {
  exec: (ns, cmd) => vm!.exec(ns, cmd),
  sysctls: (ns, values) => guestSysctls(vm!, ns!, values),
  agent: (ns) => KernelAgent.over(vm!.agent(ns), ns),
};
/** The open scenario's endpoint (a fresh one for each: nothing of one scenario's agent or counters meets the next). */
let interop = new KernelInterop(guestNode);
/** The open scenario's namespace in the guest, and whether the bridge to its node stands in the VM's host namespace. */
let scenario: { ns?: string; bridged: boolean } | undefined;

/**
 * Joins the guest's NIC to the interop node and prepares the endpoint in a
 * namespace of the guest. The node is the runner's namespace (local driver)
 * or, in a container (docker driver), the container's own namespace, which
 * holds qemu's tap device too: the same bridge, veth pair and routes, both
 * ends of the pair in that one namespace. The node's address towards the
 * middlebox (nextHop) is the one the middlebox routes the endpoint's
 * addresses to; the node forwards them to the guest.
 */
async function prepareInterop(p: PrepareParams): Promise<{ nextHop?: string }> {
  const guest = (vm ??= await boot());
  const host = guest.namespace;
  const node = p.namespace;
  if (!p.gateway) throw new Error("linux-6.1: interop.prepare without a gateway (the middlebox's address on the node's network)");
  // A node of its own is a namespace of the runner's (local driver); without one the node is this process's namespace, which
  // must then be the one that holds the VM's tap device (a container, where no namespace can be made).
  if (!node && host)
    throw new Error(`linux-6.1: interop.prepare gave no node namespace, and the VM's tap device is in ${host}, not in this process's namespace`);
  // A scenario before it that was not reset (the adapter is kept only after a reset; this is a second prepare): its things go first.
  if (scenario) await resetInterop();
  scenario = { bridged: true };
  interop = new KernelInterop(guestNode);
  // The VM's side: a bridge of the tap device and a veth pair whose other end goes to the node (and goes with it; in a
  // container it stays beside the bridge, and the reset removes it).
  exec(host, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0']);
  exec(host, ['ip', 'link', 'set', guest.tapName, 'master', 'br0']);
  exec(host, ['ip', 'link', 'add', 'vm0', 'type', 'veth', 'peer', 'name', 'vm1', ...(node ? ['netns', node] : [])]);
  exec(host, ['ip', 'link', 'set', 'vm0', 'master', 'br0', 'up']);
  exec(host, ['ip', 'link', 'set', 'br0', 'up']);
  // The node's side: a router between the guest and the middlebox. In a container /proc/sys is read-only: forwarding is
  // on from the container's start (docker.sysctls of target.json), which setSysctls checks.
  exec(node, ['ip', 'addr', 'add', `${LINK.node}/24`, 'dev', 'vm1']);
  exec(node, ['ip', 'link', 'set', 'vm1', 'up']);
  setSysctls(node, { 'net.ipv4.ip_forward': 1 });
  exec(node, ['ip', 'route', 'replace', 'default', 'via', p.gateway]);
  for (const a of [p.address, ...(p.extraAddresses ?? []), ...(p.announceAddresses ?? [])]) exec(node, ['ip', 'route', 'add', `${a}/32`, 'via', LINK.guest]);
  const nextHop = /\bsrc (\S+)/.exec(exec(node, ['ip', '-4', '-o', 'route', 'get', p.gateway]))?.[1];
  // The guest's side: the NIC in a namespace of its own, with the endpoint's addresses on its loopback (interop.ts).
  const ns = `i${counter++}`;
  await guestNamespace(guest, ns);
  scenario.ns = ns;
  await guest.exec(
    ns,
    ['ip', '-batch', '-'],
    batch([
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `${LINK.guest}/24`, 'dev', DEV],
      ['link', 'set', DEV, 'arp', 'on', 'up'],
    ]),
  );
  await interop.prepare({ ...p, namespace: ns, gateway: LINK.node });
  return nextHop ? { nextHop } : {};
}

/**
 * Ends a scenario so that the VM can serve the next one (interop.reset,
 * capability interop-reuse): the endpoint's kernel agent ends (its sockets
 * with it), the NIC goes back to the guest's own namespace and the
 * scenario's namespace goes (its addresses, routes, sysctls, MPTCP endpoints
 * and limits, counters and any socket left in TIME_WAIT), and the bridge and
 * veth pair to the node go from the VM's host namespace (the container's own
 * with the docker driver, where the veth pair's routes go with it). What stays: the
 * kernel and its memory, the guest's init, and the NIC (its MAC; it is
 * moved, not made again).
 */
async function resetInterop(): Promise<Record<string, never>> {
  const s = scenario;
  scenario = undefined;
  if (!s || !vm) return {};
  await interop.close();
  if (s.ns) {
    await vm.exec(s.ns, ['ip', 'link', 'set', DEV, 'netns', '1']);
    await vm.exec(undefined, ['ip', 'netns', 'del', s.ns]);
  }
  const host = vm.namespace;
  if (s.bridged) {
    // The veth pair may be gone already (its other end went with the node's namespace); the bridge is the VM's own.
    const links = exec(host, ['ip', '-o', 'link', 'show']);
    if (/^\d+: vm0@/m.test(links)) exec(host, ['ip', 'link', 'del', 'vm0']);
    exec(host, ['ip', 'link', 'del', 'br0']);
  }
  return {};
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
      // The interop endpoint's node is a namespace of the runner's or this container (prepareInterop); its sysctls, the
      // checksums' among them, are the guest's, set per scenario. interop-reuse: the suite keeps the adapter only where
      // the scenario gives a namespace for a node (the local driver); a container is placed on one scenario's network.
      capabilities: [
        'mptcp-v1',
        'sysctls',
        'sut-announce',
        'mptcp-interop',
        'interop-join',
        'interop-checksums',
        'interop-announce',
        'interop-preamble',
        'interop-reuse',
      ],
    };
  },
  open,
  handlers: {
    'interop.prepare': (p: PrepareParams) => prepareInterop(p),
    'interop.serve': (p: Parameters<KernelInterop['serve']>[0]) => interop.serve(p),
    'interop.connect': (p: Parameters<KernelInterop['connect']>[0]) => interop.connect(p),
    'interop.finish': () => interop.finish(),
    'interop.reset': () => resetInterop(),
  },
});
