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

export class KernelAgent {
  readonly namespace: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private stderr = '';
  private exited: string | undefined;
  private readonly untrack: () => void;

  private constructor(namespace: string | undefined) {
    this.namespace = namespace ?? '';
    // By absolute path, not PATH's python3 (see python.ts).
    const argv = namespace ? ['ip', 'netns', 'exec', namespace, python(), KERNEL_AGENT] : [python(), KERNEL_AGENT];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.child.pid;
    this.untrack = track(`kernel agent ${namespace ?? ''}`, { sync: () => pid && process.kill(pid, 'SIGKILL') });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
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
    this.child.on('exit', (code, signal) => {
      this.untrack();
      this.exited = `kernel agent ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /** Starts the agent in a namespace (or, without one, in the caller's). */
  static start(namespace?: string): KernelAgent {
    return new KernelAgent(namespace);
  }

  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await done;
    clearTimeout(timer);
  }
}

/** The octets kernel-agent.py's source sends: octet i is (i * 7 + seed) mod 251. */
export function pattern(offset: number, count: number, seed = 0): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((offset + i) * 7 + seed) % 251;
  return out;
}
