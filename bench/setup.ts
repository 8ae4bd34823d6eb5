/**
 * What `npm run bench` needs to survive a busy machine: a start-up budget for
 * the set-up a benchmark waits on (namespaces, agents, peers), apart from what
 * it measures, and a runner that prints why a benchmark could not run and
 * goes on with the others.
 *
 * A benchmark throws BenchUnavailable when it cannot run here: a tool or a
 * privilege is missing, or its set-up did not finish within the start-up
 * budget. Any other error is a real failure (a wrong digest, a target that
 * fails a vector it must pass): the run goes on, and exits non-zero.
 */

/** A benchmark that cannot run here; the message says why. */
export class BenchUnavailable extends Error {
  override name = 'BenchUnavailable';
}

/** The start-up budget (ms): CONFORMATRIX_BENCH_STARTUP_MS, or two minutes, which a machine at 4 busy processes per core stays within. */
export function startupBudgetMs(): number {
  const asked = Number(process.env.CONFORMATRIX_BENCH_STARTUP_MS);
  return Number.isFinite(asked) && asked > 0 ? asked : 120_000;
}

/**
 * Waits for a set-up step (an event: a peer connected, an agent answering),
 * at most `budgetMs`. Past it, BenchUnavailable names the step; what the step
 * yields later is handed to `dispose`, so nothing is left behind.
 */
export async function withinStartupBudget<T>(what: string, step: Promise<T>, budgetMs: number, dispose?: (late: T) => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BenchUnavailable(`${what} did not finish within the start-up budget of ${budgetMs} ms (CONFORMATRIX_BENCH_STARTUP_MS)`)),
      budgetMs,
    );
  });
  try {
    return await Promise.race([step, overrun]);
  } catch (err) {
    if (err instanceof BenchUnavailable)
      void step.then(
        (late) => dispose?.(late),
        () => undefined,
      );
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export interface BenchEntry {
  name: string;
  /** Measures and prints; throws BenchUnavailable when it cannot run here. */
  run: () => Promise<void>;
}

/**
 * Runs the benchmarks one after another. One that cannot run prints why;
 * one that fails prints its error; the others go on either way. Returns the
 * number of real failures.
 */
export async function runBenches(entries: BenchEntry[], write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  let failures = 0;
  for (const entry of entries) {
    try {
      await entry.run();
    } catch (err) {
      if (err instanceof BenchUnavailable) {
        write(`${entry.name}: not measured: ${err.message}\n`);
      } else {
        failures++;
        write(`${entry.name}: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
  return failures;
}
