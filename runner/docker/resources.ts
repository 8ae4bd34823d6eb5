/**
 * Everything the docker driver creates carries labels naming the run and its
 * owner (the runner's process: host, boot, pid and the process's start time),
 * so that it can be found and removed: at the end of the run, on SIGINT and
 * SIGTERM, after an uncaught error, and, for what a killed run left behind, at
 * the start of the next run. That sweep removes only what is provably stale:
 * the owner's boot is over, or its pid is gone or now names another process.
 * Another run on the same engine, alive, keeps everything it made.
 *
 * Image-build containers cannot carry a run's labels (only the label that
 * every Dockerfile sets, LABEL org.conformatrix.build=1; a label per run
 * would defeat the build cache), so a process that builds writes a claim
 * file in BUILD_CLAIMS naming itself and the build containers it started.
 * The sweep removes a build container when its claim's owner is gone, or when
 * nobody on this host claims it and no live process on this host is building
 * (a live build may not have named its newest container yet).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';

export const LABEL = 'org.conformatrix';
export const LABEL_RUN = 'org.conformatrix.run';
export const LABEL_PID = 'org.conformatrix.pid';
export const LABEL_HOST = 'org.conformatrix.host';
export const LABEL_BOOT = 'org.conformatrix.boot';
export const LABEL_STARTED = 'org.conformatrix.started';
export const LABEL_BUILD = 'org.conformatrix.build';

/** Where processes that build images claim their build containers: one file per process, shared by every run on the host. */
export const BUILD_CLAIMS = '/tmp/conformatrix-builds';

/** The kernel's id of this boot ('' where there is none to read): a pid means nothing across boots. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** When the process started, in clock ticks since boot (/proc/<pid>/stat, field 22), or undefined. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Who owns a resource: this process, told so that a later run can prove it gone. */
export interface Owner {
  host: string;
  pid: number;
  boot: string;
  started: string;
}

export function currentOwner(): Owner {
  return { host: hostname(), pid: process.pid, boot: bootId(), started: processStart(process.pid) ?? '' };
}

export function runLabels(runId: string): Record<string, string> {
  const owner = currentOwner();
  return {
    [LABEL]: '1',
    [LABEL_RUN]: runId,
    [LABEL_PID]: String(owner.pid),
    [LABEL_HOST]: owner.host,
    [LABEL_BOOT]: owner.boot,
    [LABEL_STARTED]: owner.started,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Is the owner provably gone? Only an owner on this host can be judged. Its
 * boot must be this one, its pid alive, and the process behind that pid the
 * one that started when the owner did (what is not recorded is not compared:
 * resources of older runs carry only the pid).
 */
function gone(owner: Partial<Owner>): boolean {
  if (owner.host !== hostname()) return false;
  const pid = Number(owner.pid);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return true;
  if (!alive(pid)) return true;
  const started = processStart(pid);
  return Boolean(owner.started && started && owner.started !== started);
}

/** Was this resource made by a run that is gone (on this host)? */
function orphaned(labels: Record<string, string> | undefined): boolean {
  if (!labels || labels[LABEL] !== '1') return false;
  return gone({ host: labels[LABEL_HOST], pid: Number(labels[LABEL_PID]), boot: labels[LABEL_BOOT], started: labels[LABEL_STARTED] });
}

interface Claim extends Owner {
  containers: string[];
}

const builds = { running: 0, containers: new Set<string>() };

function claimFile(pid = process.pid): string {
  return join(BUILD_CLAIMS, `${pid}.json`);
}

/** Rewrites this process's claim file (whole, then renamed, so that a reader never sees half of it); removes it when no build runs. */
function writeClaim(): void {
  if (builds.running === 0) {
    rmSync(claimFile(), { force: true });
    return;
  }
  mkdirSync(BUILD_CLAIMS, { recursive: true });
  // Shared by every user's runs on the host, like /tmp itself.
  try {
    chmodSync(BUILD_CLAIMS, 0o1777);
  } catch {
    // Made by another user, who made it shared.
  }
  const claim: Claim = { ...currentOwner(), containers: [...builds.containers] };
  const tmp = `${claimFile()}.tmp`;
  writeFileSync(tmp, JSON.stringify(claim));
  renameSync(tmp, claimFile());
}

/**
 * Claims an image build of this process, before it starts: add() each build
 * container as the builder names it, release() once the build is over and its
 * containers are removed.
 */
export function claimBuild(): { add(id: string): void; release(): void } {
  const mine = new Set<string>();
  builds.running++;
  writeClaim();
  let released = false;
  return {
    add(id: string) {
      mine.add(id);
      builds.containers.add(id);
      writeClaim();
    },
    release() {
      if (released) return;
      released = true;
      builds.running--;
      for (const id of mine) builds.containers.delete(id);
      writeClaim();
    },
  };
}

/** Every claim file on this host, with whether its owner is gone. */
function readClaims(): { file: string; claim: Partial<Claim>; gone: boolean }[] {
  let names: string[];
  try {
    names = readdirSync(BUILD_CLAIMS).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const claims: { file: string; claim: Partial<Claim>; gone: boolean }[] = [];
  for (const name of names) {
    const file = join(BUILD_CLAIMS, name);
    try {
      const claim = JSON.parse(readFileSync(file, 'utf8')) as Partial<Claim>;
      claims.push({ file, claim, gone: gone(claim) });
    } catch {
      // Removed meanwhile (its build ended): nothing to judge.
    }
  }
  return claims;
}

/** Is this build container stale: claimed by an owner that is gone, or claimed by nobody while nobody on this host builds? */
function staleBuild(id: string, claims: { claim: Partial<Claim>; gone: boolean }[]): boolean {
  // The builder names its containers by their first 12 hex digits.
  const owner = claims.find((c) => (c.claim.containers ?? []).some((short) => id.startsWith(short)));
  if (owner) return owner.gone;
  return !claims.some((c) => !c.gone);
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
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
    removed.push(`container ${c.Id.slice(0, 12)}`);
  }
  // Containers a killed image build left (they carry the Dockerfiles' label, and no run's), by the builders' claims.
  // Claims are read after the containers are listed: a build claims before its first container exists, so a listed
  // container of a live build has its builder's claim on disk by then, even if that build began a moment ago.
  const candidates = await docker.listContainers({ all: true, filters: { label: [`${LABEL_BUILD}=1`], status: ['created', 'exited', 'dead'] } });
  const claims = readClaims();
  for (const c of candidates) {
    if (c.Labels?.[LABEL_RUN] || !staleBuild(c.Id, claims)) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
    removed.push(`build container ${c.Id.slice(0, 12)}`);
  }
  for (const c of claims) if (c.gone) rmSync(c.file, { force: true });
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL}=1`] } })) {
    if (!orphaned(n.Labels)) continue;
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
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
