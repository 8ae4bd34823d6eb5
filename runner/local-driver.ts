/**
 * The local driver: the adapter runs as a child process of the runner, in its
 * target's folder, and speaks the contract over its stdin and stdout. The
 * process is kept across vectors and restarted after a fault; it runs in a
 * process group of its own, so that whatever it starts dies with it.
 */
import { spawn } from 'node:child_process';
import { track } from './cleanup.js';
import { StreamTransport } from './stream-transport.js';
import type { TransportFactory } from './transport.js';

export interface ProcessSpec {
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Result schemas per method, to validate what comes back. */
  resultSchemas?: Record<string, string>;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Stops an adapter that misbehaved: SIGTERM first, so that it can remove what
 * it made (network namespaces, say), then SIGKILL to its whole process group
 * if it is still there a second later.
 */
function terminate(pid: number | undefined, exited: Promise<unknown>): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return killGroup(pid);
  }
  const timer = setTimeout(() => killGroup(pid), 1000);
  void exited.then(() => clearTimeout(timer));
}

export function startProcess(spec: ProcessSpec): StreamTransport {
  const [cmd, ...args] = spec.command;
  const child = spawn(cmd!, args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  const untrack = track(`adapter ${spec.command.join(' ')}`, { sync: () => killGroup(pid) });
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => {
      untrack();
      resolve(`cannot start ${spec.command.join(' ')}: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      untrack();
      // Whatever is left of the process group goes too.
      killGroup(pid);
      resolve(signal ? `adapter was killed by ${signal}` : `adapter exited with code ${code}`);
    });
  });
  return new StreamTransport({
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill: () => terminate(pid, exited),
    ...(spec.resultSchemas ? { resultSchemas: spec.resultSchemas } : {}),
  });
}

export function localDriver(spec: ProcessSpec): TransportFactory {
  return {
    driver: 'local',
    async start() {
      return startProcess(spec);
    },
  };
}
