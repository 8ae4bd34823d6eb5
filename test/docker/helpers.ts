/** Shared by the docker driver's tests: skip, with the reason, where no engine or base image is here. */
import { spawnSync } from 'node:child_process';
import { dockerAvailable } from '../../runner/docker/driver.js';

export async function dockerMissing(): Promise<string | undefined> {
  const problem = await dockerAvailable();
  if (problem) return `no docker engine answers (${problem}); .ci/run installs and starts one`;
  const base = spawnSync('docker', ['image', 'inspect', 'debian:bookworm-slim'], { encoding: 'utf8' });
  if (base.status !== 0) return 'the base image debian:bookworm-slim is missing: run targets/build-base-image.sh';
  return undefined;
}

export function skipWithReason(ctx: Mocha.Context, reason: string): void {
  process.stdout.write(`      skipped: ${reason}\n`);
  ctx.skip();
}

/** Containers, networks and firewall tables a run (by its runner's pid) left. */
export function leftovers(pid: number): string[] {
  const out: string[] = [];
  const ps = spawnSync('docker', ['ps', '-a', '--filter', `label=org.conformatrix.pid=${pid}`, '--format', '{{.ID}} {{.Names}}'], { encoding: 'utf8' });
  out.push(
    ...ps.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => `container ${l}`),
  );
  const nets = spawnSync('docker', ['network', 'ls', '--filter', `label=org.conformatrix.pid=${pid}`, '--format', '{{.Name}}'], { encoding: 'utf8' });
  out.push(
    ...nets.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => `network ${l}`),
  );
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
  out.push(
    ...tables.stdout
      .split('\n')
      .filter((l) => l.includes(`conformatrix_${pid}_`))
      .map((l) => `firewall ${l}`),
  );
  return out;
}

/** Intermediate containers of image builds, which carry the Dockerfiles' label. */
export function buildContainers(): string[] {
  const ps = spawnSync('docker', ['ps', '-a', '--filter', 'label=org.conformatrix.build=1', '--format', '{{.ID}} {{.Status}} {{.Labels}}'], {
    encoding: 'utf8',
  });
  return ps.stdout.split('\n').filter((l) => l && !l.includes('org.conformatrix.run='));
}
