/**
 * The machine's load while a run ran. A timeout measured on a machine whose
 * CPUs are oversubscribed may be the machine's and not the target's: results
 * record the load (the kernel's 1, 5 and 15 minute averages of runnable tasks)
 * and the CPU count at the start and the end, and the highest 1-minute average
 * seen between, so that reports can warn when timeouts coincide with load.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { RunResults } from './model.js';

export interface MachineLoad {
  /** CPUs the run could use (os.availableParallelism()). */
  cpus: number;
  /** Load averages (1, 5, 15 minutes) when the run started. */
  start: number[];
  /** Load averages when the run ended. */
  end: number[];
  /** The highest 1-minute average sampled during the run (every few seconds). */
  peak: number;
}

/** Above this many runnable tasks per CPU, a run's timeouts are reported as possibly the machine's. */
export const BUSY_PER_CPU = 2;

const SAMPLE_MS = 5_000;
const round = (n: number) => Math.round(n * 100) / 100;

/** Starts watching the load; stop() returns what was seen. The sampler never keeps the process alive. */
export function watchLoad(): { stop(): MachineLoad } {
  const cpus = availableParallelism();
  const start = loadavg().map(round);
  let peak = start[0]!;
  const timer = setInterval(() => (peak = Math.max(peak, loadavg()[0]!)), SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const end = loadavg().map(round);
      return { cpus, start, end, peak: round(Math.max(peak, end[0]!)) };
    },
  };
}

/**
 * The warning a report shows when a run had timeouts while the machine was busy, or undefined. Busy: the peak
 * 1-minute load reached BUSY_PER_CPU runnable tasks per CPU.
 */
export function loadWarning(load: MachineLoad | undefined, timeouts: number): string | undefined {
  if (!load || timeouts === 0 || load.peak < BUSY_PER_CPU * load.cpus) return undefined;
  return (
    `${timeouts} timeout(s) while the machine was busy (load up to ${load.peak} on ${load.cpus} CPUs): ` +
    'they may measure the machine rather than the target; run those vectors again on an idle machine before blaming it'
  );
}

/** loadWarning for a whole run: its timeouts, its load. */
export function runLoadWarning(run: RunResults): string | undefined {
  return loadWarning(run.run.load, run.results.filter((r) => r.verdict === 'timeout').length);
}
