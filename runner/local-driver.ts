/**
 * The local driver: the adapter runs as a child process of the runner, in its
 * target's folder, and speaks the contract over stdin and stdout. The process
 * is kept across vectors and restarted after a fault.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { track } from './cleanup.js';
import { AdapterFault, interpretResponse, type Transport, type TransportFactory } from './transport.js';

const MAX_LINE = 64 * 1024 * 1024;
const STDERR_KEEP = 16 * 1024;

export interface ProcessSpec {
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Result schemas per method, to validate what comes back. */
  resultSchemas?: Record<string, string>;
}

interface Pending {
  id: number;
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class ProcessTransport implements Transport {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly spec: ProcessSpec;
  private buffer = '';
  private stderr = '';
  private pending: Pending | undefined;
  private nextId = 1;
  private fault: AdapterFault | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private readonly untrack: () => void;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    const [cmd, ...args] = spec.command;
    // A process group of its own, so that whatever the adapter starts dies with it.
    this.child = spawn(cmd!, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = this.child.pid;
    this.untrack = track(`adapter ${spec.command.join(' ')}`, { sync: () => killGroup(pid) });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
    });
    this.child.stdin.on('error', () => {
      // EPIPE when the adapter died; the exit handler reports it.
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.failAll(new AdapterFault('start-failed', `cannot start ${spec.command.join(' ')}: ${err.message}`));
        this.exited = true;
        this.untrack();
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        this.untrack();
        // Whatever is left of the process group goes too.
        killGroup(pid);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.failAll(new AdapterFault('exited', `adapter ${how}${this.tailNote()}`));
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.exited && !this.fault;
  }

  get faultReason(): string | undefined {
    return this.fault?.message ?? (this.exited ? 'adapter exited' : undefined);
  }

  stderrTail(): string {
    return this.stderr;
  }

  private tailNote(): string {
    const tail = this.stderr.trim().split('\n').slice(-5).join('\n').trim();
    return tail ? `; stderr: ${tail.slice(-1000)}` : '';
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() === '') continue;
      this.onLine(line);
    }
    if (this.buffer.length > MAX_LINE) {
      this.buffer = '';
      this.failAll(new AdapterFault('garbage', `adapter wrote a line longer than ${MAX_LINE} bytes`));
    }
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.failAll(new AdapterFault('garbage', `adapter wrote a line that is not JSON: ${excerpt(line)}`));
      return;
    }
    // Notifications from the adapter (a method and no id) carry logs; they need no answer.
    if (message && typeof message === 'object' && 'method' in message && !('id' in message)) return;
    const pending = this.pending;
    if (!pending) {
      this.failAll(new AdapterFault('protocol', `adapter wrote a message nobody asked for: ${excerpt(line)}`));
      return;
    }
    this.pending = undefined;
    try {
      pending.resolve(interpretResponse(message, pending.id, pending.method, this.spec.resultSchemas?.[pending.method]));
    } catch (err) {
      if (err instanceof AdapterFault && err.kind !== 'adapter-error') this.fault = err;
      pending.reject(err);
    }
  }

  private failAll(fault: AdapterFault): void {
    this.fault ??= fault;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(fault);
  }

  call(method: string, params: unknown, signal?: AbortSignal): Promise<unknown> {
    if (this.fault) return Promise.reject(this.fault);
    if (this.exited) return Promise.reject(new AdapterFault('exited', `adapter is not running${this.tailNote()}`));
    if (this.pending) return Promise.reject(new Error(`call ${method} while ${this.pending.method} is pending`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.pending?.id === id) this.pending = undefined;
        const fault = new AdapterFault('timeout', `no answer to ${method} in time${this.tailNote()}`);
        this.fault ??= fault;
        reject(fault);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = <T>(fn: (v: T) => void) => (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.pending = { id, method, resolve: done(resolve), reject: done(reject) };
      this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    if (this.fault) return this.kill();
    this.child.stdin.end();
    const timer = setTimeout(() => killGroup(this.child.pid), 1000);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** Kills at once (after a timeout or a protocol fault) and waits for the exit. */
  async kill(): Promise<void> {
    if (this.exited) return;
    killGroup(this.child.pid);
    await this.exitPromise;
  }
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function excerpt(line: string): string {
  return JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line);
}

export function localDriver(spec: ProcessSpec): TransportFactory {
  return {
    driver: 'local',
    async start() {
      return new ProcessTransport(spec);
    },
  };
}
