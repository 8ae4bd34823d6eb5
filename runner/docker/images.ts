/**
 * Target images. Each target folder has a Dockerfile; its image is built
 * locally with testcontainers and tagged with a hash of everything that goes
 * into it, so that an unchanged target is never rebuilt:
 *
 *   - the target folder itself;
 *   - for targets whose adapter runs on Node.js (manifest docker.node): the
 *     runtime's node binary, the compiled project (dist/runner, dist/suites,
 *     dist/targets) and the npm packages the adapter needs (docker.modules,
 *     with their dependencies), staged under .conformatrix/ in the context;
 *   - other repository files the image needs (docker.inputs), staged under
 *     .conformatrix/inputs/.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { ROOT } from '../paths.js';
import type { Target } from '../targets.js';

import { track } from '../cleanup.js';
import { captureBuild } from './build-log.js';
import { claimBuild } from './resources.js';

/** What goes into a target's build context: [path in the context, path on disk]. */
export function contextFiles(target: Target): [string, string][] {
  const files: [string, string][] = [];
  const walk = (dir: string, into: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name === '.build') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, join(into, entry.name));
      else if (entry.isFile()) files.push([join(into, entry.name), path]);
    }
  };
  walk(target.dir, '');
  const docker = target.manifest.docker ?? {};
  for (const input of docker.inputs ?? []) {
    const path = join(ROOT, input);
    if (statSync(path).isDirectory()) walk(path, join('.conformatrix', 'inputs', input));
    else files.push([join('.conformatrix', 'inputs', input), path]);
  }
  if (docker.node) {
    files.push([join('.conformatrix', 'node'), process.execPath]);
    files.push([join('.conformatrix', 'app', 'package.json'), join(ROOT, 'package.json')]);
    for (const part of ['runner', 'suites', 'targets']) walk(join(ROOT, 'dist', part), join('.conformatrix', 'app', 'dist', part));
    for (const [pkg, dir] of moduleClosure(docker.modules ?? [])) walk(dir, join('.conformatrix', 'app', 'node_modules', pkg));
  }
  return files.filter(([inContext]) => !inContext.endsWith('.map') && !inContext.endsWith('.d.ts'));
}

/**
 * The npm packages and all of their dependencies, as installed: [name, folder].
 * A package is looked up as Node looks it up from the project's root: in its
 * node_modules, then in each parent folder's. In a clone that is the
 * project's own node_modules; where conformatrix is itself installed as a
 * package, its dependencies sit beside it in the installing project's.
 */
function moduleClosure(names: string[]): [string, string][] {
  const found = new Map<string, string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    const dir = installedPackage(name);
    if (!dir) throw new Error(`npm package ${name} is not installed (run npm ci)`);
    found.set(name, dir);
    const deps = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) visit(dep);
  };
  names.forEach(visit);
  return [...found].sort(([a], [b]) => a.localeCompare(b));
}

function installedPackage(name: string): string | undefined {
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function contentHash(files: [string, string][]): string {
  const h = createHash('sha256');
  for (const [inContext, path] of files) {
    h.update(inContext).update('\0');
    h.update(readFileSync(path)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

export function imageName(target: Target, hash: string): string {
  return `conformatrix/${target.id}:${hash}`;
}

/** Removes the target's images of earlier content (other tags of conformatrix/<id>); images in use stay. */
async function pruneSuperseded(docker: Dockerode, current: string): Promise<void> {
  const repo = current.slice(0, current.lastIndexOf(':'));
  for (const img of await docker.listImages({ filters: { reference: [`${repo}:*`] } })) {
    const tags = (img.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`) && t !== current);
    for (const tag of tags)
      await docker
        .getImage(tag)
        .remove({ noprune: false })
        .catch(() => undefined);
  }
}

export interface BuiltImage {
  image: string;
  id: string;
  built: boolean;
  seconds: number;
}

export class ImageBuildError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

/** Builds the target's image unless an image with the same content hash exists (or `rebuild` asks for a build without cache). */
export async function ensureImage(target: Target, options: { rebuild?: boolean } = {}): Promise<BuiltImage> {
  const started = Date.now();
  const files = contextFiles(target);
  const image = imageName(target, contentHash(files));
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const exists = () => client.image.exists(ImageName.fromString(image));
  if (options.rebuild || !(await exists())) {
    const context = mkdtempSync(join(tmpdir(), `conformatrix-build-${target.id}-`));
    try {
      for (const [inContext, path] of files) {
        const dest = join(context, inContext);
        mkdirSync(dirname(dest), { recursive: true });
        copyFileSync(path, dest);
      }
      // The builder's intermediate containers: removed if the build is cut short (Ctrl-C) or fails. They are
      // claimed for this process meanwhile, so that another run's start-up sweep leaves them alone (resources.ts).
      const intermediates = new Set<string>();
      const claim = claimBuild();
      const removeIntermediates = async () => {
        await Promise.all(
          [...intermediates].map((id) =>
            docker
              .getContainer(id)
              .remove({ force: true })
              .catch(() => undefined),
          ),
        );
        claim.release();
      };
      const untrack = track(`image build of ${image}`, { async: removeIntermediates });
      const { error, output } = await captureBuild(
        image,
        () => GenericContainer.fromDockerfile(context, 'Dockerfile').withCache(!options.rebuild).build(image, { deleteOnExit: false }),
        (id) => {
          intermediates.add(id);
          claim.add(id);
        },
      );
      await removeIntermediates();
      untrack();
      if (error || !(await exists())) {
        throw new ImageBuildError(`building the image of ${target.id} failed${error ? `: ${(error as Error).message}` : ''}`, output);
      }
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    const id = (await docker.getImage(image).inspect()).Id;
    await pruneSuperseded(docker, image);
    return { image, id, built: true, seconds: (Date.now() - started) / 1000 };
  }
  const id = (await docker.getImage(image).inspect()).Id;
  return { image, id, built: false, seconds: (Date.now() - started) / 1000 };
}
