/**
 * CPU burners: busy processes that oversubscribe the machine, for the load
 * benchmark (bench/load.ts) and the stress test (test/stress/load.test.ts).
 * Each ends by itself after `seconds` at the latest, so none outlives its
 * caller even if the caller dies before it stops them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Busy processes per core that issue 14 names as "oversubscribed". */
export const BURNERS_PER_CORE = 4;

export interface Burners {
  count: number;
  /** Kills every burner (SIGKILL). */
  stop(): void;
}

/** Starts BURNERS_PER_CORE busy processes per core, each ending by itself after `seconds`. */
export function burn(seconds: number, perCore = BURNERS_PER_CORE): Burners {
  const loop = `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end);`;
  const procs: ChildProcess[] = Array.from({ length: perCore * availableParallelism() }, () => spawn(process.execPath, ['-e', loop], { stdio: 'ignore' }));
  return {
    count: procs.length,
    stop: () => {
      for (const p of procs) p.kill('SIGKILL');
    },
  };
}
