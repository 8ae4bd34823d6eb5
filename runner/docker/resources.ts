/**
 * Everything the docker driver creates carries labels naming the run (and the
 * runner's process), so that it can be found and removed: at the end of the
 * run, on SIGINT and SIGTERM, after an uncaught error, and, for what a killed
 * run left behind, at the start of the next run. Image-build containers carry
 * the label that every Dockerfile sets (LABEL org.conformatrix.build=1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import type Dockerode from 'dockerode';

export const LABEL = 'org.conformatrix';
export const LABEL_RUN = 'org.conformatrix.run';
export const LABEL_PID = 'org.conformatrix.pid';
export const LABEL_HOST = 'org.conformatrix.host';
export const LABEL_BUILD = 'org.conformatrix.build';

export function runLabels(runId: string): Record<string, string> {
  return { [LABEL]: '1', [LABEL_RUN]: runId, [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Was this resource made by a run that is gone (on this host)? */
function orphaned(labels: Record<string, string> | undefined): boolean {
  if (!labels || labels[LABEL] !== '1') return false;
  if (labels[LABEL_HOST] !== hostname()) return false;
  const pid = Number(labels[LABEL_PID]);
  return !Number.isInteger(pid) || !alive(pid);
}

/** The nftables table of a run: conformatrix_<pid>_<run>. */
export function firewallTable(runId: string, pid = process.pid): string {
  return `conformatrix_${pid}_${runId}`;
}

/** Removes every container, network and firewall table of runs that no longer exist. Returns what it removed. */
export async function sweepOrphans(docker: Dockerode): Promise<string[]> {
  const removed: string[] = [];
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL}=1`] } })) {
    if (!orphaned(c.Labels)) continue;
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    removed.push(`container ${c.Id.slice(0, 12)}`);
  }
  // Containers a killed image build left (they carry the Dockerfiles' label, and no run's).
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL_BUILD}=1`], status: ['created', 'exited', 'dead'] } })) {
    if (c.Labels?.[LABEL_RUN]) continue;
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    removed.push(`build container ${c.Id.slice(0, 12)}`);
  }
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL}=1`] } })) {
    if (!orphaned(n.Labels)) continue;
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
    removed.push(`network ${n.Name}`);
  }
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
  if (tables.status === 0) {
    for (const m of tables.stdout.matchAll(/^table inet (conformatrix_(\d+)_[0-9a-f]+)$/gm)) {
      if (alive(Number(m[2]))) continue;
      try {
        execFileSync('nft', ['delete', 'table', 'inet', m[1]!]);
        removed.push(`firewall table ${m[1]}`);
      } catch {
        // Someone else removed it.
      }
    }
  }
  return removed;
}
