/**
 * The local driver: the adapter runs as a child process of the runner, in its
 * target's folder, and speaks the contract over its stdin and stdout. The
 * process is kept across vectors and restarted after a fault. It runs in a
 * process group of its own and, where the kernel allows, in a cgroup of its
 * own (runner/contain.ts), so that whatever it starts dies with it, even a
 * process that left its process group.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { stopping, track } from './cleanup.js';
import { newCell, runTempDir } from './contain.js';
import { StreamTransport, type AdapterExit } from './stream-transport.js';
import type { TransportFactory } from './transport.js';

export interface ProcessSpec {
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** More environment, made anew for each start of the adapter (a clock file of its own: runner/clock.ts). */
  envPerStart?: () => Record<string, string>;
  /** Result schemas per method, to validate what comes back. */
  resultSchemas?: Record<string, string>;
}

/** How long an adapter has between SIGTERM and SIGKILL to remove what it made (namespaces, temporary folders). */
export const GRACE_MS = 2000;

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Stops an adapter: SIGTERM first, so that it can remove what it made
 * (network namespaces, temporary folders), then SIGKILL to its whole process
 * group if it is still there after the grace period.
 */
function terminate(pid: number | undefined, exited: Promise<unknown>): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return killGroup(pid);
  }
  const timer = setTimeout(() => killGroup(pid), GRACE_MS);
  void exited.then(() => clearTimeout(timer));
}

export function startProcess(spec: ProcessSpec): StreamTransport {
  const cell = newCell();
  const [cmd, ...args] = cell ? cell.wrap(spec.command) : spec.command;
  const child = spawn(cmd!, args, {
    cwd: spec.cwd,
    env: { ...process.env, TMPDIR: runTempDir(), ...spec.env, ...spec.envPerStart?.() },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  let exited: Promise<AdapterExit> | undefined = undefined;
  // On Ctrl-C the adapter gets its SIGTERM and grace period, and is reaped, before what was set up for it goes.
  const untrack = track(`adapter ${spec.command.join(' ')}`, {
    sync: () => {
      killGroup(pid);
      cell?.releaseSync();
    },
    async: async () => {
      terminate(pid, exited!);
      await exited;
    },
  });
  exited = new Promise<AdapterExit>((resolve) => {
    child.on('error', (err) => {
      untrack();
      void cell?.release();
      resolve({ kind: 'start-failed', how: `cannot start ${spec.command.join(' ')}: ${err.message}` });
    });
    child.on('exit', (code, signal) => {
      // Whatever is left of the process group and the cgroup goes too. A descendant may still hold the
      // adapter's stdout or stderr open: the pipes no longer keep the runner alive, and end once it is gone.
      killGroup(pid);
      child.stdin.destroy();
      (child.stdout as Socket).unref();
      (child.stderr as Socket).unref();
      const how = signal ? `adapter was killed by ${signal}` : `adapter exited with code ${code}`;
      void (cell ? cell.release() : Promise.resolve()).then(() => {
        untrack();
        resolve({ kind: 'exited', how });
      });
    });
  });
  return new StreamTransport({
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill: () => terminate(pid, exited!),
    ...(spec.resultSchemas ? { resultSchemas: spec.resultSchemas } : {}),
  });
}

export function localDriver(spec: ProcessSpec): TransportFactory {
  return {
    driver: 'local',
    async start() {
      // After Ctrl-C nothing new starts: the cleanup removes what exists, and a restart would only race it.
      if (stopping()) throw new Error('the run is stopping: adapter not started');
      return startProcess(spec);
    },
  };
}
