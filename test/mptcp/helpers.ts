// Small helpers shared by the MPTCP codec tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TARGETS_DIR } from '../../runner/paths.js';
import { loadTarget, missingRequirement } from '../../runner/targets.js';
import type { DecodeResult } from '../../suites/mptcp/codec/index.js';

/** Bytes from hex written with spaces, '|' separators and newlines for readability. */
export function hx(text: string): Uint8Array {
  const clean = text.replace(/[\s|]/g, '');
  assert.match(clean, /^([0-9a-f]{2})*$/i, `bad hex in a test: ${text}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The value of a successful decode; fails the test with the decoder's message otherwise. */
export function value<T>(r: DecodeResult<T>): T {
  if (!r.ok) assert.fail(`decode failed: ${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

/** MP_CAPABLE flags from the letters that are set, e.g. flags('AH'). */
export function flags(set: string) {
  const f = { A: false, B: false, C: false, D: false, E: false, F: false, G: false, H: false };
  for (const ch of set) (f as Record<string, boolean>)[ch] = true;
  return f;
}

/** Test-only copies of 64-bit keys used across tables. */
export const K1 = 0x1122334455667788n;
export const K2 = 0x99aabbccddeeff00n;

/** Why the linux-kernel target cannot run here (not root, no MPTCP, no TUN, a tool missing), or undefined when it can. */
export function kernelMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'the linux-kernel target needs root for network namespaces';
  if (!existsSync('/proc/sys/net/mptcp/enabled')) return 'the kernel has no MPTCP';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const tool of ['ip', 'sysctl', 'python3']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  return undefined;
}

/** Why the linux-6.1 target (a kernel under QEMU) cannot run here, or undefined when it can: the runner's own check. */
export function vmMissing(): string | undefined {
  const why = kernelMissing();
  if (why) return why;
  const missing = missingRequirement(loadTarget(join(TARGETS_DIR, 'linux-6.1')));
  return missing ? `linux-6.1: ${missing}` : undefined;
}

/**
 * The host pids of the qemu processes in a run's containers (the docker driver labels each with the runner's pid): a
 * process's cgroup names its container. `owners` keeps which run each container seen belongs to, one look each.
 */
export function qemusInContainers(runnerPid: number, owners = new Map<string, string>()): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('qemu-system')) continue;
      const id = /[0-9a-f]{64}/.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[0];
      if (!id) continue;
      if (!owners.has(id))
        owners.set(id, spawnSync('docker', ['inspect', '-f', '{{index .Config.Labels "org.conformatrix.pid"}}', id], { encoding: 'utf8' }).stdout.trim());
      if (owners.get(id) === String(runnerPid)) found.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
