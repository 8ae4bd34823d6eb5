/**
 * Containment of adapter processes. Every adapter the local driver starts runs
 * in a cgroup v2 of its own, below one cgroup for the run
 * (conformatrix-<runner pid>, beside the runner's own cgroup): whatever the
 * adapter starts stays in it, even a process that leaves the adapter's
 * process group with setsid, and cgroup.kill ends them all when the adapter
 * stops. Where no writable cgroup v2 hierarchy with cgroup.kill exists (not
 * root, Linux before 5.14, a container without delegation), adapters run in a
 * process group of their own only, and a descendant that calls setsid can
 * outlive the run; the first adapter started says so once on stderr.
 *
 * Temporary files are contained the same way: adapters get TMPDIR set to a
 * folder of the run's (runTempDir), so that what they, their tools and their
 * libraries make there (a browser's profile, a download) goes with it at the
 * end of the run, on Ctrl-C, and after an adapter was killed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './cleanup.js';

/** One adapter's cgroup. */
export interface Cell {
  /** The command to spawn instead of `command`: it moves itself into the cgroup, then execs `command`. */
  wrap(command: string[]): string[];
  /** Kills everything in the cgroup and waits until it is empty, then removes it. */
  release(): Promise<void>;
  /** The same, synchronously, for a process that is exiting (waits at most a moment for the kernel). */
  releaseSync(): void;
}

let runGroup: string | null | undefined;
let cells = 0;

/** Where the cgroup v2 hierarchy is mounted and where this process sits in it, or why there is none. */
function ownCgroup(): string | Error {
  let mount: string | undefined;
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [before, after] = line.split(' - ');
      if (after?.startsWith('cgroup2 ')) mount = before!.split(' ')[4];
    }
  } catch {
    return new Error('no /proc/self/mountinfo');
  }
  if (!mount) return new Error('no cgroup v2 hierarchy is mounted');
  const own = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!own) return new Error('this process is in no cgroup v2');
  return join(mount, own.slice(3).trim());
}

/** Kills what an earlier run that died (SIGKILL) left in its cgroups, and removes them. */
function sweep(parent: string): void {
  for (const name of readdirSync(parent)) {
    const m = /^conformatrix-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid || existsSync(`/proc/${m[1]}`)) continue;
    const dir = join(parent, name);
    try {
      for (const cell of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) releaseDirSync(join(dir, cell.name));
      rmdirSync(dir);
    } catch {
      // Someone else's or still busy; the next run tries again.
    }
  }
}

/** The run's cgroup, made on first use; null (with a note on stderr) when adapters cannot be contained here. */
function runCgroup(): string | null {
  if (runGroup !== undefined) return runGroup;
  const own = ownCgroup();
  let problem = own instanceof Error ? own.message : '';
  if (!(own instanceof Error)) {
    const dir = join(own, `conformatrix-${process.pid}`);
    try {
      sweep(own);
      mkdirSync(dir, { recursive: true });
      if (existsSync(join(dir, 'cgroup.kill'))) {
        runGroup = dir;
        process.once('exit', removeRunCgroup);
      } else {
        rmdirSync(dir);
        problem = 'the kernel has no cgroup.kill (Linux 5.14 or later has)';
      }
    } catch (err) {
      problem = `cannot make a cgroup in ${own}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }
  if (runGroup === undefined) {
    runGroup = null;
    process.stderr.write(`note: adapters run in process groups only (${problem}); a process an adapter detaches with setsid can outlive the run\n`);
  }
  return runGroup;
}

function populated(dir: string): boolean {
  try {
    return /^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

function kill(dir: string): void {
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
  } catch {
    // Already removed.
  }
}

function releaseDirSync(dir: string): void {
  kill(dir);
  // The kernel empties the cgroup as the killed processes exit: at once, unless one is stuck in the kernel.
  const until = Date.now() + 2000;
  while (populated(dir) && Date.now() < until);
  try {
    rmdirSync(dir);
  } catch {
    // Still busy; the next run's sweep removes it.
  }
}

/** Waits, by inotify on cgroup.events, until nothing is left in the cgroup. */
function emptied(dir: string): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const check = () => {
      if (populated(dir)) return;
      watcher?.close();
      resolve();
    };
    try {
      watcher = watch(join(dir, 'cgroup.events'), check);
    } catch {
      return resolve();
    }
    check();
  });
}

/** A cgroup for one adapter, or null when adapters cannot be contained here. */
export function newCell(): Cell | null {
  const run = runCgroup();
  if (!run) return null;
  const dir = join(run, `adapter-${++cells}`);
  try {
    mkdirSync(dir);
  } catch {
    return null;
  }
  let released: Promise<void> | undefined;
  return {
    // The shell moves itself into the cgroup before it execs the adapter, so that nothing the adapter starts is outside.
    wrap: (command) => ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...command],
    release() {
      released ??= (async () => {
        kill(dir);
        await emptied(dir);
        try {
          rmdirSync(dir);
        } catch {
          // Removed by a synchronous release meanwhile.
        }
      })();
      return released;
    },
    releaseSync: () => releaseDirSync(dir),
  };
}

/** Removes the run's cgroup once its adapters' cgroups are gone (the end of a run). */
export function removeRunCgroup(): void {
  if (!runGroup) return;
  try {
    for (const cell of readdirSync(runGroup, { withFileTypes: true }).filter((d) => d.isDirectory())) releaseDirSync(join(runGroup, cell.name));
    rmdirSync(runGroup);
    runGroup = undefined;
  } catch {
    // An adapter is still being released; the next run's sweep removes it.
  }
}

let tempRoot: string | undefined;

/**
 * The run's temporary folder for adapters (their TMPDIR), made on first use
 * and removed with everything in it when the run's resources are disposed
 * (runner/cleanup.ts), after the adapters, which were started later, have
 * stopped. Folders of runs that were killed outright are removed first.
 */
export function runTempDir(): string {
  if (tempRoot) return tempRoot;
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    const m = /^conformatrix-run-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !existsSync(`/proc/${m[1]}`)) rmSync(join(base, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(base, `conformatrix-run-${process.pid}-`));
  tempRoot = dir;
  track(`temporary folder ${dir}`, {
    sync: () => {
      rmSync(dir, { recursive: true, force: true });
      if (tempRoot === dir) tempRoot = undefined;
    },
  });
  return dir;
}
