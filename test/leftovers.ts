/**
 * Counts what a run left behind, for the interrupt tests: processes that
 * carry the run's mark in their environment (every descendant inherits it,
 * also one that left the process group), network namespaces, devices and nft
 * tables made since a snapshot, containers and docker networks labelled with
 * the runner's pid, and anything in the run's TMPDIR.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { uniform } from '../runner/fuzz/prng.js';

/** The environment variable that marks a run's processes. */
export const MARK = 'CONFORMATRIX_TEST_RUN';

export interface Snapshot {
  namespaces: Set<string>;
  links: Set<string>;
  tables: Set<string>;
}

const lines = (cmd: string, args: string[]) => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);

export function snapshot(): Snapshot {
  return {
    namespaces: new Set(lines('ip', ['netns', 'list']).map((l) => l.split(' ')[0]!)),
    links: new Set(lines('ip', ['-o', 'link', 'show']).map((l) => l.split(': ')[1]!.split('@')[0]!)),
    tables: new Set(lines('nft', ['list', 'tables'])),
  };
}

/** Live (not zombie) processes whose environment has MARK=mark, as "process <pid> <command line>". */
export function markedProcesses(mark: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      // An empty command line: the process is exiting (its memory already gone; a SIGKILL just delivered), not left.
      if (cmdline === '') continue;
      found.push(`process ${pid} ${cmdline.split('\0').join(' ').slice(0, 200)}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Everything of the run still there. Namespaces and devices other runs on the
 * machine make meanwhile are told apart by their owner's pid (in their name):
 * a new one counts when its owner has ended or is one of `ownPids`.
 */
export function leftoversOf(options: { before: Snapshot; mark: string; runnerPid: number; tmp: string; ownPids: Set<number> }): string[] {
  const out = markedProcesses(options.mark);
  const now = snapshot();
  const ours = (name: string, pattern: RegExp) => {
    const m = pattern.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    return options.ownPids.has(pid) || !pidAlive(pid);
  };
  out.push(...[...now.namespaces].filter((n) => !options.before.namespaces.has(n) && ours(n, /^cfx-(\d+)-/)).map((n) => `network namespace ${n}`));
  // Veth ends are named cfx<pid % 100000><n>a|b until they move into their namespace.
  const prefixes = [...options.ownPids].map((p) => `cfx${p % 100000}`);
  out.push(...[...now.links].filter((l) => !options.before.links.has(l) && prefixes.some((p) => l.startsWith(p))).map((l) => `device ${l}`));
  out.push(...[...now.tables].filter((t) => !options.before.tables.has(t) && t.includes(`conformatrix_${options.runnerPid}_`)).map((t) => `nft ${t}`));
  const ps = lines('docker', ['ps', '-a', '--filter', `label=org.conformatrix.pid=${options.runnerPid}`, '--format', '{{.ID}} {{.Names}}']);
  out.push(...ps.map((l) => `container ${l}`));
  out.push(
    ...lines('docker', ['network', 'ls', '--filter', `label=org.conformatrix.pid=${options.runnerPid}`, '--format', '{{.Name}}']).map(
      (l) => `docker network ${l}`,
    ),
  );
  // testcontainers (the docker driver's library) keeps one empty lock file per user in the temporary folder, shared by
  // every process of that user on purpose: in the usual /tmp it is made once; it is no folder of a run.
  const shared = /^testcontainers-node-\d+\.lock$/;
  out.push(
    ...readdirSync(options.tmp)
      .filter((f) => !shared.test(f))
      .map((f) => `temporary ${options.tmp}/${f}`),
  );
  return out;
}

/** A small seeded generator: the same seed picks the same interrupt points. */
export const seeded = uniform;
