/**
 * The machine as the linux-kernel adapter sees it: whether it can make
 * network namespaces (not in a container with NET_ADMIN only) and set
 * sysctls, and running commands in a namespace or in its own.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

/** What every vector starts from, whatever the namespace's defaults: the vector's own sysctls come on top. */
export const PINNED: Record<string, string | number> = {
  'net.mptcp.enabled': 1,
  'net.mptcp.checksum_enabled': 0,
  'net.mptcp.allow_join_initial_addr_port': 1,
  'net.mptcp.blackhole_timeout': 0,
};

/** Can this process make network namespaces? (Not in a container with NET_ADMIN only.) */
function canMakeNamespaces(): boolean {
  const probe = `cfx-probe-${process.pid}`;
  const ok = spawnSync('ip', ['netns', 'add', probe]).status === 0;
  if (ok) spawnSync('ip', ['netns', 'del', probe]);
  return ok;
}

/** Whether vectors get network namespaces of their own (root, outside a container). */
export const namespaces = process.getuid?.() === 0 && canMakeNamespaces();

/**
 * Can the vector's sysctls be set? Not in a container, where /proc/sys is
 * read-only: there the pinned values are set when the container is made
 * (docker.sysctls in target.json), and vectors with sysctls of their own are
 * unsupported (the adapter does not claim the "sysctls" capability).
 */
export const sysctlsWritable = (() => {
  try {
    accessSync('/proc/sys/net/mptcp/enabled', constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

/** Runs a command in a namespace, or in this process's own when there is none. */
export function exec(ns: string | undefined, cmd: string[]): string {
  return execFileSync(ns ? 'ip' : cmd[0]!, ns ? ['netns', 'exec', ns, ...cmd] : cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

export function setSysctls(ns: string | undefined, values: Record<string, string | number>): void {
  // One sysctl process for them all (in order, the vector's last): a process per value cost a namespace entry each.
  if (ns || sysctlsWritable) return void exec(ns, ['sysctl', '-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
  for (const [key, value] of Object.entries(values)) {
    const now = readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim();
    if (now !== String(value))
      throw new Error(`${key} is ${now} here and cannot be set to ${value}: /proc/sys is read-only (in a container, set it in docker.sysctls of target.json)`);
  }
}
