/**
 * Chromium in a network namespace of its own, where only loopback exists.
 *
 * Why: Chromium watches the machine's interfaces (netlink) and, on any change
 * of an address or a link, flushes its socket pools with
 * net::ERR_NETWORK_CHANGED, which aborts the navigations waiting for a
 * connection, although every request goes to the runner's proxy on
 * 127.0.0.1. On a shared machine, a neighbour that starts a container or
 * makes a veth, a TUN or a namespace does exactly that. In a namespace of its
 * own the browser sees none of it.
 *
 * How: playwright starts `in-netns.sh` (beside this file in the source tree)
 * as the browser's executable; it runs `unshare --net` (as root; otherwise in
 * a user namespace of its own as well), and in the new namespace
 * `netns-launch.js` brings loopback up, listens on the proxy's own address
 * and port there, and starts the real browser with playwright's pipes. Each
 * connection the browser makes to the proxy goes through a unix socket (a
 * file, which both namespaces see) to the adapter, which connects it to the
 * real proxy. The browser's command line, its proxy and its CDP pipes are
 * those it would have without the namespace.
 *
 * Where it cannot be made (a container, whose own network namespace already
 * hides the host's interfaces; a machine without unshare or ip, or with user
 * namespaces off), the browser runs as before, and the adapter says why on
 * its stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The script playwright starts as the browser: targets/chromium/in-netns.sh (the adapter runs from dist/targets/chromium/). */
const SCRIPT = fileURLToPath(new URL('../../../targets/chromium/in-netns.sh', import.meta.url));
/** What runs inside the namespace, compiled beside this file. */
const LAUNCHER = fileURLToPath(new URL('./netns-launch.js', import.meta.url));

/** Joins two sockets both ways: the end of one ends the other, an error of one destroys both. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

/** How a namespace is made here, or why none can be. */
type Support = { unshare: string[]; ip: string } | { reason: string };

let support: Support | undefined;

/**
 * Tries, once per adapter, the very thing the launch does: unshare a network
 * namespace and bring its loopback up. Root needs only a network namespace;
 * another user gets a user namespace too, where it is root.
 */
export function netnsSupport(): Support {
  if (support) return support;
  if (process.env.CONFORMATRIX_CHROMIUM_NETNS === '0') return (support = { reason: 'CONFORMATRIX_CHROMIUM_NETNS=0' });
  const ip = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
  if (!ip) return (support = { reason: 'no ip command (iproute2) to bring up the namespace loopback' });
  if (!existsSync(SCRIPT)) return (support = { reason: `${SCRIPT} is missing` });
  const unshare = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const r = spawnSync('unshare', [...unshare, '--', ip, 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  // In the docker driver's container this fails (no CAP_SYS_ADMIN, and seccomp refuses user namespaces): the container's
  // own network namespace already hides the host's interfaces.
  if (r.status !== 0) return (support = { reason: `unshare ${unshare.join(' ')} failed: ${(r.error?.message ?? r.stderr).trim()}` });
  return (support = { unshare, ip });
}

/** A namespace made ready for one browser: what playwright launches, with which environment, and the bridge to close after. */
export interface Isolation {
  executable: string;
  env: Record<string, string>;
  close(): void;
}

/**
 * The bridge for a browser whose proxy is `proxy` (an http URL on a loopback
 * address): a unix socket in a folder of its own, whose connections go to the
 * proxy. Undefined, with the reason, when no namespace can be made.
 */
export async function isolate(proxy: string, browser: string): Promise<Isolation | { reason: string }> {
  const s = netnsSupport();
  if ('reason' in s) return s;
  const url = new URL(proxy);
  const host = url.hostname;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) return { reason: `the proxy ${proxy} is not on a loopback address` };
  const port = Number(url.port || 80);
  const dir = mkdtempSync(join(tmpdir(), 'conformatrix-chromium-netns-'));
  const socket = join(dir, 'proxy.sock');
  const server: Server = createServer((c) => splice(c, createConnection(port, host)));
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  server.unref();
  let closed = false;
  return {
    executable: SCRIPT,
    env: {
      ...(process.env as Record<string, string>),
      CONFORMATRIX_UNSHARE: s.unshare.join(' '),
      CONFORMATRIX_NODE: process.execPath,
      CONFORMATRIX_NETNS_LAUNCHER: LAUNCHER,
      CONFORMATRIX_NETNS_IP: s.ip,
      CONFORMATRIX_NETNS_SOCKET: socket,
      CONFORMATRIX_NETNS_LISTEN: `${host}:${port}`,
      CONFORMATRIX_NETNS_BROWSER: browser,
    },
    // Synchronous, so that the exit handler can call it too.
    close() {
      if (closed) return;
      closed = true;
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
