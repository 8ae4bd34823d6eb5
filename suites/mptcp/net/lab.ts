/**
 * A small network of the run's own on this machine: network namespaces joined
 * by veth pairs, with TUN devices where a userspace stack plugs in. Every
 * name is prefixed with the lab's id (cfx-<pid>-...), only addresses the lab
 * assigns are used, and everything is removed when the lab is disposed, also
 * on Ctrl-C or a crash (runner/cleanup.ts), and by sweepLabs() after a run
 * that was killed outright.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stopping, track } from '../../../runner/cleanup.js';
import { pythonPath } from './python.js';

export interface Link {
  a: string;
  b: string;
  devA: string;
  devB: string;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** Why labs cannot be made here, or undefined when they can. */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces and TUN devices need root';
  if (spawnSync('sh', ['-c', 'command -v ip']).status !== 0) return 'ip is not installed';
  if (!pythonPath()) return 'python3 is not installed';
  if (spawnSync('sh', ['-c', 'test -c /dev/net/tun']).status !== 0) return '/dev/net/tun is missing';
  const probe = `cfx-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export class Lab {
  readonly id: string;
  private readonly namespaces: string[] = [];
  private readonly untrack: () => void;
  private links = 0;

  constructor() {
    this.id = `cfx-${process.pid}-${randomBytes(2).toString('hex')}`;
    this.untrack = track(`network lab ${this.id}`, { sync: () => this.dispose() });
  }

  /** A new namespace with its loopback up; returns its name. */
  namespace(role: string): string {
    // After Ctrl-C the cleanup may already have swept this lab: a namespace made now would be left behind.
    if (stopping()) throw new Error('the run is stopping: no new network namespace');
    const name = `${this.id}-${role}`;
    run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.exec(name, ['ip', 'link', 'set', 'lo', 'up']);
    return name;
  }

  exec(ns: string, cmd: string[]): string {
    return run('ip', ['netns', 'exec', ns, ...cmd]);
  }

  sysctl(ns: string, key: string, value: string | number): void {
    this.exec(ns, ['sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /** A veth pair between two namespaces, with an address (CIDR) on each end. */
  link(a: string, addrA: string, b: string, addrB: string): Link {
    const n = this.links++;
    const devA = `v${n}a`;
    const devB = `v${n}b`;
    const tmpA = `cfx${process.pid % 100000}${n}a`;
    const tmpB = `cfx${process.pid % 100000}${n}b`;
    run('ip', ['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
    run('ip', ['link', 'set', tmpA, 'netns', a, 'name', devA]);
    run('ip', ['link', 'set', tmpB, 'netns', b, 'name', devB]);
    this.exec(a, ['ip', 'addr', 'add', addrA, 'dev', devA]);
    this.exec(b, ['ip', 'addr', 'add', addrB, 'dev', devB]);
    this.exec(a, ['ip', 'link', 'set', devA, 'up']);
    this.exec(b, ['ip', 'link', 'set', devB, 'up']);
    return { a, b, devA, devB };
  }

  /** A TUN device in a namespace, with an address (CIDR) and up; a userspace stack attaches to it (TunDevice.open). */
  tun(ns: string, name: string, addr: string): void {
    this.exec(ns, ['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tun']);
    this.exec(ns, ['ip', 'addr', 'add', addr, 'dev', name]);
    this.exec(ns, ['ip', 'link', 'set', name, 'up']);
  }

  route(ns: string, destination: string, via: string): void {
    this.exec(ns, ['ip', 'route', 'add', destination, 'via', via]);
  }

  /** Removes every namespace of the lab (their devices go with them). */
  dispose(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      // Processes still inside keep nothing alive once the namespace is gone from the mount table.
      spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
        .stdout?.split('\n')
        .filter(Boolean)
        .forEach((pid) => {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // Gone already.
          }
        });
      spawnSync('ip', ['netns', 'del', ns]);
    }
    this.untrack();
  }
}

/** Removes the namespaces of labs whose process is gone (a run killed outright). */
export function sweepLabs(): string[] {
  const removed: string[] = [];
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const m of (list.stdout ?? '').matchAll(/^(cfx-(\d+)-[0-9a-f]+-\S+)/gm)) {
    const pid = Number(m[2]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) continue;
    spawnSync('ip', ['netns', 'del', m[1]!]);
    removed.push(m[1]!);
  }
  return removed;
}
