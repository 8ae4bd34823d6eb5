/**
 * The docker driver's costs, measured in one run:
 *   - the cold build of each target's image (no layer cache; the base image present);
 *   - the warm start of each target: a container from the built image up to its hello answer,
 *     against the local driver's process start;
 *   - the time per vector through a container against the local driver, interleaved round by
 *     round, as a ratio.
 * Targets: the arguments, or a set that covers each kind of adapter.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeAll } from '../runner/cleanup.js';
import { DockerDriver } from '../runner/docker/driver.js';
import { ensureImage } from '../runner/docker/images.js';
import { CONTRACT_VERSION } from '../runner/contract.js';
import { localDriver } from '../runner/local-driver.js';
import type { RunResults } from '../runner/model.js';
import { runCommand } from '../runner/run.js';
import { discoverTargets } from '../runner/targets.js';
import { readFileSync } from 'node:fs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface DockerBenchRow {
  target: string;
  coldBuildSeconds: number;
  dockerStartMs: number;
  localStartMs: number;
  dockerVectorMs: number;
  localVectorMs: number;
}

async function perVector(target: string, driver: 'local' | 'docker'): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'conformatrix-bench-'));
  await runCommand({ suites: ['cookies'], targets: [target], vectors: [], out, jobs: 1, quiet: true, driver, timeoutMs: 20_000 });
  const run = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
  const ran = run.results.filter((r) => r.timing).slice(1);
  return median(ran.map((r) => r.durationMs));
}

export async function dockerBench(ids: string[] = ['reference', 'python-cookiejar', 'curl', 'go-cookiejar']): Promise<DockerBenchRow[]> {
  const targets = discoverTargets().filter((t) => ids.includes(t.id));
  const rows: DockerBenchRow[] = [];
  const driver = await DockerDriver.start({ outDir: mkdtempSync(join(tmpdir(), 'conformatrix-bench-')) });
  try {
    for (const target of targets) {
      const cold = await ensureImage(target, { rebuild: true });
      const starts = { docker: [] as number[], local: [] as number[] };
      const hello = async (start: () => Promise<{ call: (m: string, p: unknown) => Promise<unknown>; close: () => Promise<void> }>) => {
        const t0 = performance.now();
        const t = await start();
        await t.call('hello', { contract: CONTRACT_VERSION, suites: ['cookies'] });
        const ms = performance.now() - t0;
        await t.close();
        return ms;
      };
      const local = localDriver({ command: target.manifest.local.command, cwd: target.dir, env: target.manifest.local.env ?? {} });
      for (let i = 0; i < 5; i++) {
        starts.docker.push(await hello(() => driver.factory(target, {}).start()));
        starts.local.push(await hello(() => local.start()));
      }
      const vectors = { docker: [] as number[], local: [] as number[] };
      for (let round = 0; round < 3; round++) {
        vectors.local.push(await perVector(target.id, 'local'));
        vectors.docker.push(await perVector(target.id, 'docker'));
      }
      rows.push({
        target: target.id,
        coldBuildSeconds: cold.seconds,
        dockerStartMs: median(starts.docker),
        localStartMs: median(starts.local),
        dockerVectorMs: median(vectors.docker),
        localVectorMs: median(vectors.local),
      });
    }
  } finally {
    await driver.dispose();
    await disposeAll();
  }
  return rows;
}

export function printDockerBench(rows: DockerBenchRow[]): void {
  const lines = ['docker driver against the local driver (medians; vectors: the whole cookie suite, 3 interleaved rounds)'];
  lines.push(
    `  ${'target'.padEnd(18)} ${'cold build'.padStart(10)} ${'start docker'.padStart(13)} ${'start local'.padStart(12)} ${'ratio'.padStart(6)} ${'vector docker'.padStart(14)} ${'vector local'.padStart(13)} ${'ratio'.padStart(6)}`,
  );
  for (const r of rows)
    lines.push(
      `  ${r.target.padEnd(18)} ${`${r.coldBuildSeconds.toFixed(1)} s`.padStart(10)} ${`${r.dockerStartMs.toFixed(0)} ms`.padStart(13)} ${`${r.localStartMs.toFixed(0)} ms`.padStart(12)} ${(r.dockerStartMs / r.localStartMs).toFixed(1).padStart(6)} ${`${r.dockerVectorMs.toFixed(2)} ms`.padStart(14)} ${`${r.localVectorMs.toFixed(2)} ms`.padStart(13)} ${(r.dockerVectorMs / r.localVectorMs).toFixed(2).padStart(6)}`,
    );
  process.stdout.write(lines.join('\n') + '\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) printDockerBench(await dockerBench(process.argv.slice(2).length ? process.argv.slice(2) : undefined));
