/**
 * CPU time of each target's process tree during a run in this process (the
 * local driver starts adapters as children of it): a browser's own processes
 * (its renderers, its GPU and network processes) count for the target whose
 * adapter launched it. On a shared machine, CPU seconds say what a target
 * costs where wall time says mostly how busy the machine was.
 *
 * Linux only (/proc). Every interval it sums, over each adapter's live
 * subtree, each process's own CPU time and that of its children it has
 * reaped (utime, stime, cutime, cstime of /proc/PID/stat): a renderer that
 * ends between two samples is then counted by the process that reaped it.
 * The figure of an adapter is the largest sum seen: what its tree spent in
 * the last interval before it ended is not counted, nor a process that
 * outlived the parent that would have reaped it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';

interface Stat {
  ppid: number;
  /** Own CPU plus that of reaped children, in clock ticks. */
  ticks: number;
}

/** Clock ticks per second (sysconf(_SC_CLK_TCK)): 100 on every Linux that Node runs on. */
const TICKS_PER_SECOND = 100;

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields come after the last ")".
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of proc(5), here from field 3 on.
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // It ended meanwhile.
  }
}

/** The target folder an adapter runs in (the local driver starts it in targets/<name>/), or undefined. */
function targetOf(pid: number): string | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return basename(dirname(cwd)) === 'targets' ? basename(cwd) : undefined;
  } catch {
    return undefined;
  }
}

export class TargetCpu {
  /** The largest subtree sum seen, by adapter pid. */
  private readonly peak = new Map<number, { target: string; ticks: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 500) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const stats = new Map<number, Stat>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const s = readStat(Number(name));
      if (s) stats.set(Number(name), s);
    }
    const children = new Map<number, number[]>();
    for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
    for (const adapter of children.get(process.pid) ?? []) {
      const known = this.peak.get(adapter);
      const target = known?.target ?? targetOf(adapter);
      if (!target) continue;
      let ticks = 0;
      for (let todo = [adapter]; todo.length;) {
        const pid = todo.pop()!;
        ticks += stats.get(pid)?.ticks ?? 0;
        todo.push(...(children.get(pid) ?? []));
      }
      if (!known || ticks > known.ticks) this.peak.set(adapter, { target, ticks });
    }
  }

  /** Stops sampling; CPU seconds by target (the target's folder name), over all its adapters. */
  stop(): Map<string, number> {
    this.sample();
    clearInterval(this.timer);
    const out = new Map<string, number>();
    for (const { target, ticks } of this.peak.values()) out.set(target, (out.get(target) ?? 0) + ticks / TICKS_PER_SECOND);
    return out;
  }
}
