/**
 * The Linux kernel the run happens on, as an MPTCP target. For each vector:
 * a fresh network namespace with a TUN device, where the kernel is the system
 * under test (address 198.51.100.1) and the harness is the peer behind the
 * TUN device (198.51.100.2 and up); a kernel agent in the namespace opens
 * IPPROTO_MPTCP sockets and performs the socket steps; every segment the
 * kernel routes to the TUN device goes to the runner as an mptcp.packet
 * notification. Where network namespaces cannot be made (a container with
 * NET_ADMIN only), the adapter's own namespace is used, with a new TUN device
 * per vector. What is not about where the kernel runs is in kernel-target.ts,
 * shared with the kernels booted in a VM.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { OpenParams } from '../../suites/mptcp/contract.js';
import { KernelAgent } from '../../suites/mptcp/net/agent.js';
import { Lab } from '../../suites/mptcp/net/lab.js';
import { KernelInterop } from './interop.js';
import { announceAddresses, configureSut, serveKernelTarget } from './kernel-target.js';
import { exec, namespaces, setSysctls, sysctlsWritable } from './system.js';
import { TunDevice } from '../../suites/mptcp/net/tun.js';

/**
 * The vector's subnet. In a namespace of its own, always 198.51.100.0/24. In
 * the shared namespace, a new /24 per vector (from 198.18.0.0/15), so that
 * what the kernel still holds of an earlier vector's connections (TIME_WAIT,
 * an unanswered FIN) never meets this vector's segments.
 */
function subnet(shared: number | undefined): string {
  return shared === undefined ? '198.51.100' : `${198}.${18 + ((shared >> 8) & 1)}.${shared & 255}`;
}

const interop = new KernelInterop();

let counter = 0;

async function open(p: OpenParams, onPacket: (packet: Uint8Array) => void) {
  const dev = namespaces ? 'tun0' : `cfxtun${counter++}`;
  const net = subnet(namespaces ? undefined : counter - 1);
  const sut = `${net}.1`;
  const peers = [2, 3, 4, 5].map((h) => `${net}.${h}`);
  let lab: Lab | undefined;
  let ns: string | undefined;
  if (namespaces) {
    lab = new Lab();
    ns = lab.namespace('sut');
    // No IPv6 on the vector's devices: router solicitations would only clutter the exchange.
    exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']);
  } else {
    // One namespace for all vectors: the previous vector's device (and its sockets' routes) went with it.
    exec(undefined, ['ip', 'tuntap', 'add', 'dev', dev, 'mode', 'tun']);
  }
  if (lab && ns) lab.tun(ns, dev, `${sut}/24`);
  else {
    exec(undefined, ['ip', 'addr', 'add', `${sut}/24`, 'dev', dev]);
    exec(undefined, ['ip', 'link', 'set', dev, 'up']);
  }
  const extra = Array.from({ length: p.subflowEndpoints ?? 0 }, (_, i) => `${net}.${11 + i}`);
  const announce = announceAddresses(sut, p);
  await configureSut(
    async (commands) => commands.forEach((cmd) => exec(ns, ['ip', ...cmd])),
    async (values) => setSysctls(ns, values),
    dev,
    extra,
    p,
    announce,
  );
  // The kernel agent starts while the TUN bridge does: two interpreters coming up side by side.
  const agent = KernelAgent.start(ns);
  let tun: TunDevice;
  try {
    tun = await TunDevice.open(ns ?? '', dev);
  } catch (err) {
    await agent.close().catch(() => undefined);
    throw err;
  }
  tun.on('packet', onPacket);
  const close = async () => {
    await Promise.all([agent.close(), tun.close()]);
    if (lab) lab.dispose();
    else spawnSync('ip', ['link', 'del', dev]);
  };
  const ip = async (args: string[]) => void exec(ns, ['ip', ...args]);
  return {
    sut: { agent, inject: (packet: Uint8Array) => tun.send(packet), close, ip },
    addresses: { sut, peers, sutExtra: extra, ...(announce.length ? { sutAnnounce: announce } : {}) },
  };
}

serveKernelTarget({
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'Linux', version: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() },
    // interop-checksums: in a container the runner sets net.mptcp.checksum_enabled when it makes it (a placement's sysctls).
    capabilities: [
      'mptcp-v1',
      'sut-announce',
      'mptcp-interop',
      'interop-join',
      'interop-checksums',
      'interop-announce',
      'interop-preamble',
      ...(namespaces || sysctlsWritable ? ['sysctls'] : []),
    ],
  }),
  open,
  handlers: {
    'interop.prepare': (p: Parameters<KernelInterop['prepare']>[0]) => interop.prepare(p),
    'interop.serve': (p: Parameters<KernelInterop['serve']>[0]) => interop.serve(p),
    'interop.connect': (p: Parameters<KernelInterop['connect']>[0]) => interop.connect(p),
    'interop.finish': () => interop.finish(),
  },
});
