/**
 * The adapter contract over a pair of byte streams: requests written to the
 * adapter's stdin, one JSON message per line; answers read from its stdout;
 * its stderr kept for error reasons. The local driver gives it a child
 * process's pipes, the docker driver a container's attached streams. A process
 * that dies, garbage on stdout, a malformed answer or a late one become an
 * AdapterFault for the pending call.
 */
import type { Readable, Writable } from 'node:stream';
import { AdapterFault, interpretResponse, type Transport } from './transport.js';

const MAX_LINE = 64 * 1024 * 1024;
const STDERR_KEEP = 16 * 1024;

export interface AdapterStreams {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves when the adapter has stopped, saying how. */
  exited: Promise<AdapterExit>;
  /** Stops the adapter at once (and whatever it started). */
  kill(): void;
  /** Result schemas per method, to validate what comes back. */
  resultSchemas?: Record<string, string>;
}

/**
 * How an adapter stopped: it never started (its program could not be run), or
 * it exited; `how` in words ("adapter exited with code 3", "adapter was killed
 * by SIGKILL", "cannot start ...").
 */
export interface AdapterExit {
  kind: 'start-failed' | 'exited';
  how: string;
}

interface Pending {
  id: number;
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class StreamTransport implements Transport {
  private readonly io: AdapterStreams;
  /** The pieces of the line being received, not yet ended by a newline, and their total length. */
  private partial: string[] = [];
  private partialLength = 0;
  private stderr = '';
  private pending: Pending | undefined;
  private nextId = 1;
  private fault: AdapterFault | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private notify: ((method: string, params: unknown) => void) | undefined;

  constructor(io: AdapterStreams) {
    this.io = io;
    io.stdout.setEncoding('utf8');
    io.stderr.setEncoding('utf8');
    io.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    io.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
    });
    io.stdin.on('error', () => {
      // EPIPE when the adapter died; the exit is what gets reported.
    });
    this.exitPromise = io.exited.then(({ kind, how }) => {
      this.exited = true;
      this.failAll(new AdapterFault(kind, `${how}${this.tailNote()}`));
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

  onNotification(handler: ((method: string, params: unknown) => void) | undefined): void {
    this.notify = handler;
  }

  private tailNote(): string {
    const tail = this.stderr.trim().split('\n').slice(-5).join('\n').trim();
    return tail ? `; stderr: ${tail.slice(-1000)}` : '';
  }

  /**
   * Splits stdout into lines. Only the new chunk is searched for newlines and
   * the unfinished line is kept as a list of pieces, so that a long line costs
   * time in proportion to its length (appending to one string and searching it
   * all again on every chunk made a 32 MB line cost a minute of CPU).
   */
  private onStdout(chunk: string): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, newline);
      start = newline + 1;
      if (this.partialLength + piece.length > MAX_LINE) return this.tooLong();
      const line = (this.partial.length ? this.partial.join('') + piece : piece).replace(/\r$/, '');
      this.partial = [];
      this.partialLength = 0;
      if (line.trim() === '') continue;
      this.onLine(line);
    }
    if (start < chunk.length) {
      this.partial.push(chunk.slice(start));
      this.partialLength += chunk.length - start;
      if (this.partialLength > MAX_LINE) this.tooLong();
    }
  }

  private tooLong(): void {
    this.partial = [];
    this.partialLength = 0;
    this.failAll(new AdapterFault('garbage', `adapter wrote a line longer than ${MAX_LINE} bytes`));
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.failAll(new AdapterFault('garbage', `adapter wrote a line that is not JSON: ${excerpt(line)}`));
      return;
    }
    // Notifications from the adapter (a method and no id): events for whoever listens (logs otherwise); no answer.
    if (message && typeof message === 'object' && 'method' in message && !('id' in message)) {
      const n = message as { method: unknown; params?: unknown };
      if (typeof n.method === 'string') this.notify?.(n.method, n.params);
      return;
    }
    const pending = this.pending;
    if (!pending) {
      this.failAll(new AdapterFault('protocol', `adapter wrote a message nobody asked for: ${excerpt(line)}`));
      return;
    }
    this.pending = undefined;
    try {
      pending.resolve(interpretResponse(message, pending.id, pending.method, this.io.resultSchemas?.[pending.method]));
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
      const done =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
      this.pending = { id, method, resolve: done(resolve), reject: done(reject) };
      this.io.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  /** Ends stdin (adapters exit on end of input), then kills what is left after a second. */
  async close(): Promise<void> {
    if (this.exited) return;
    if (this.fault) return this.kill();
    this.io.stdin.end();
    const timer = setTimeout(() => this.io.kill(), 1000);
    await this.exitPromise;
    clearTimeout(timer);
  }

  /** Kills at once (after a timeout or a protocol fault) and waits for the end. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.io.kill();
    await this.exitPromise;
  }
}

function excerpt(line: string): string {
  return JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line);
}
