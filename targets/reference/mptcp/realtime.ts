/**
 * The I/O shell around a sans-IO Host for real networks: packets in and out
 * through a function pair (a TUN device, say), time from the monotonic clock,
 * timers from setTimeout. The Host itself never sees any of that.
 *
 * Packets that arrive in the same turn of the event loop are fed in together
 * and answered with one takeOutput(), so ACKs coalesce as they would with
 * delayed ACKs.
 */
import { performance } from 'node:perf_hooks';
import type { Host } from './host.js';
import type { HostEvent } from './connection.js';

export class RealtimeDriver {
  readonly host: Host;
  private readonly send: (packet: Uint8Array) => void;
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private scheduled = false;
  private stopped = false;
  private readonly waiters = new Set<{ check: () => boolean; resolve: () => void }>();
  /** Every event, in order, for whoever wants them. */
  readonly events: HostEvent[] = [];
  onEvent: ((e: HostEvent) => void) | undefined;
  /** Run after every step: applications that read and write. */
  readonly apps: (() => void)[] = [];

  constructor(host: Host, send: (packet: Uint8Array) => void) {
    this.host = host;
    this.send = send;
  }

  now(): number {
    return performance.now() - this.t0;
  }

  /** A packet from the network. */
  input(packet: Uint8Array): void {
    if (this.stopped) return;
    this.host.input(packet, this.now());
    this.kick();
  }

  /** Runs a step soon (after an API call on a connection, say). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.step();
    });
  }

  private step(): void {
    if (this.stopped) return;
    const now = this.now();
    const d = this.host.nextDeadline();
    if (d !== undefined && d <= now) this.host.poll(now);
    for (const p of this.host.takeOutput()) this.send(p);
    this.takeEvents();
    for (const app of this.apps) app();
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
    // The application may have written from a waiter: send that too.
    for (const p of this.host.takeOutput()) this.send(p);
    this.arm();
  }

  /** Moves the Host's events into `events`, telling `onEvent`. */
  private takeEvents(): void {
    for (const e of this.host.takeEvents()) {
      this.events.push(e);
      this.onEvent?.(e);
    }
  }

  private arm(): void {
    const d = this.host.nextDeadline();
    if (d === undefined) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = undefined;
      return;
    }
    if (this.timerAt !== undefined && this.timerAt <= d) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = d;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.step();
      },
      Math.max(0, Math.ceil(d - this.now())),
    );
  }

  /** Resolves once `check()` holds (checked after every step); rejects after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
    if (check()) {
      // A packet may have changed the Host since the last step (input() only schedules one): its events are due now.
      this.takeEvents();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const w = {
        check,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(w);
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }
}
