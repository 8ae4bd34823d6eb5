/**
 * Drives kernel-agent.py in a network namespace. Unlike an adapter, the agent
 * answers requests in any order (an accept waits while segments are injected),
 * so this client keeps several requests in flight.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { track } from '../../../runner/cleanup.js';
import { python } from './python.js';

export const KERNEL_AGENT = fileURLToPath(new URL('../../../../suites/mptcp/net/kernel-agent.py', import.meta.url));

/**
 * The agent's process as the client sees it: lines each way and its end.
 * Locally a child process (localAgentProcess); a VM target relays a guest's
 * process over its serial port (targets/linux-6.1/guest.ts).
 */
export interface AgentProcess {
  write(line: string): void;
  /** Closes its stdin: the agent exits, its sockets with it. */
  end(): void;
  kill(): void;
  onLine(listener: (line: string) => void): void;
  /** Called once, when it has ended, with how (and the last line of its stderr). */
  onExit(listener: (why: string) => void): void;
}

/** The agent as a child process of this one, in a network namespace or, without one, in this process's. */
function localAgentProcess(namespace: string | undefined): AgentProcess {
  // By absolute path, not PATH's python3 (see python.ts).
  const argv = namespace ? ['ip', 'netns', 'exec', namespace, python(), KERNEL_AGENT] : [python(), KERNEL_AGENT];
  const child: ChildProcessWithoutNullStreams = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  const untrack = track(`kernel agent ${namespace ?? ''}`, { sync: () => pid && process.kill(pid, 'SIGKILL') });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdin.on('error', () => undefined);
  return {
    write: (line) => child.stdin.write(line + '\n'),
    end: () => child.stdin.end(),
    kill: () => child.kill('SIGKILL'),
    onLine: (listener) => createInterface({ input: child.stdout }).on('line', listener),
    onExit: (listener) =>
      child.on('exit', (code, signal) => {
        untrack();
        listener(
          `kernel agent ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`,
        );
      }),
  };
}

export class KernelAgent {
  readonly namespace: string;
  private readonly child: AgentProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exited: string | undefined;
  private readonly ended: Promise<void>;

  private constructor(namespace: string | undefined, child: AgentProcess) {
    this.namespace = namespace ?? '';
    this.child = child;
    this.child.onLine((line) => {
      let m: { id?: number; result?: unknown; error?: { message: string } };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        return;
      }
      const p = m.id !== undefined ? this.pending.get(m.id) : undefined;
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
    this.ended = new Promise((resolve) =>
      this.child.onExit((why) => {
        this.exited = why;
        for (const p of this.pending.values()) p.reject(new Error(why));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Starts the agent in a namespace (or, without one, in the caller's). */
  static start(namespace?: string): KernelAgent {
    return new KernelAgent(namespace, localAgentProcess(namespace));
  }

  /** Drives an agent that runs elsewhere (in a VM), in the namespace given (there). */
  static over(child: AgentProcess, namespace?: string): KernelAgent {
    return new KernelAgent(namespace, child);
  }

  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.child.end();
    const timer = setTimeout(() => this.child.kill(), 1000);
    await this.ended;
    clearTimeout(timer);
  }
}

/** The octets kernel-agent.py's source sends: octet i is (i * 7 + seed) mod 251. */
export function pattern(offset: number, count: number, seed = 0): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((offset + i) * 7 + seed) % 251;
  return out;
}
