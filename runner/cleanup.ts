/**
 * Everything a run creates (adapter processes, containers, network namespaces,
 * servers) is registered here and removed when the run ends: on normal exit,
 * on SIGINT and SIGTERM, and on an uncaught error.
 */

type Disposer = { name: string; sync?: () => void; async?: () => Promise<void> };

const disposers = new Set<Disposer>();
let installed = false;
let shuttingDown = false;

/** Registers a resource; the returned function unregisters it (call it once the resource is gone). */
export function track(name: string, handlers: { sync?: () => void; async?: () => Promise<void> }): () => void {
  install();
  const d: Disposer = { name, ...handlers };
  disposers.add(d);
  return () => {
    disposers.delete(d);
  };
}

/** Runs every registered disposer; safe to call more than once. */
export async function disposeAll(): Promise<void> {
  // One at a time, newest first (an adapter before what was set up for it), each taken off the list as it starts:
  // a second Ctrl-C meanwhile runs the synchronous disposers of those still waiting, instead of forgetting them.
  // Until none is left: a resource registered while the others are removed (a container whose creation was in
  // flight at Ctrl-C) is removed too, not forgotten.
  for (let d = newest(); d; d = newest()) {
    disposers.delete(d);
    try {
      if (d.async) await d.async();
      else d.sync?.();
    } catch (err) {
      process.stderr.write(`cleanup of ${d.name} failed: ${(err as Error).message}\n`);
    }
  }
}

function newest(): Disposer | undefined {
  let last: Disposer | undefined;
  for (const d of disposers) last = d;
  return last;
}

/**
 * True once a signal has started the cleanup: drivers then create nothing new (no container, network or
 * namespace), since what they would make after the cleanup's sweep could be left behind.
 */
export function stopping(): boolean {
  return shuttingDown;
}

function disposeAllSync(): void {
  const list = [...disposers].reverse();
  disposers.clear();
  for (const d of list) {
    try {
      d.sync?.();
    } catch {
      // The process is exiting; nothing more can be done.
    }
  }
}

const signalHooks: ((signal: NodeJS.Signals) => void)[] = [];

/**
 * Lets the CLI react to Ctrl-C (write partial reports, say) before the cleanup
 * exits the process. The returned function unregisters the hook: a run calls
 * it once its reports are complete, so that a later signal (in a library, or
 * while the CLI waits on something else) does not rewrite them as partial.
 */
export function onInterrupt(hook: (signal: NodeJS.Signals) => void): () => void {
  signalHooks.push(hook);
  return () => {
    const at = signalHooks.indexOf(hook);
    if (at >= 0) signalHooks.splice(at, 1);
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      disposeAllSync();
      process.exit(130);
    }
    shuttingDown = true;
    process.stderr.write(`\nconformatrix: ${signal}: stopping and removing what this run created...\n`);
    for (const hook of [...signalHooks]) {
      try {
        hook(signal);
      } catch {
        // Best effort.
      }
    }
    void disposeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', disposeAllSync);
  process.on('uncaughtException', (err) => {
    process.stderr.write(`conformatrix: uncaught error: ${err.stack ?? err.message}\n`);
    shuttingDown = true;
    void disposeAll().finally(() => process.exit(2));
  });
}
