/**
 * Targets: one folder each under targets/, with a manifest (target.json) that
 * says how to start its adapter and what it needs. A target whose tools are
 * missing is reported unavailable, with the reason; it never fails the run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ClockOptions } from './clock.js';
import { InputError, InputErrors } from './errors.js';
import { JsonSource } from './json-source.js';
import { TARGETS_DIR } from './paths.js';
import { validateSource } from './schema.js';
import { displayPath } from './vectors.js';

export type Requirement = { command: string; package?: string } | { file: string; package?: string } | { probe: string[]; package?: string } | { root: true };

/** How the docker driver builds and runs the target (docs/targets.md). */
export interface DockerOptions {
  /** Stage the runtime's node binary and the compiled project into the build context. */
  node?: boolean;
  /** npm packages the adapter needs at run time (their dependencies come along). */
  modules?: string[];
  /** Other repository files the image needs, staged under .conformatrix/inputs/. */
  inputs?: string[];
  /** Linux capabilities the adapter needs; every other one is dropped. */
  capabilities?: string[];
  /** Devices to give the container (/dev/net/tun, say). */
  devices?: string[];
  /** Network sysctls of the container, set at creation. */
  sysctls?: Record<string, string | number>;
  /** The user inside the container; default an unprivileged one. */
  user?: string;
}

export interface TargetManifest {
  name: string;
  description?: string;
  homepage?: string;
  suites: string[];
  userAgentClass?: 'browser' | 'non-browser' | 'any';
  capabilities?: string[];
  local: { command: string[]; env?: Record<string, string>; requires?: Requirement[] };
  options?: Record<string, Record<string, unknown>>;
  /** Start-up budget, deadlines and a suite's waits are multiplied by it (a target under emulation); default 1. */
  timeFactor?: number;
  /** How the implementation's clock is set, when it can be (runner/clock.ts). */
  clock?: ClockOptions;
  docker?: DockerOptions;
  /** System packages the target needs, by distribution (targets/install-packages.sh). */
  packages?: { debian?: string[] };
}

export interface Target {
  id: string;
  dir: string;
  manifest: TargetManifest;
  /** The manifest as read, to locate problems found after the schema (an unknown suite, say). */
  source?: JsonSource;
}

export function loadTarget(dir: string): Target {
  const file = join(dir, 'target.json');
  const source = JsonSource.read(file);
  const display = JsonSource.parse(displayPath(file), source.text);
  const errors = validateSource(display, 'urn:conformatrix:target-manifest');
  if (errors.length) throw new InputErrors(errors);
  const id = dir.split('/').filter(Boolean).pop()!;
  return { id, dir, manifest: display.value as TargetManifest, source: display };
}

/** Every target under the targets folder (or the given folders). */
export function discoverTargets(dirs: string[] = [TARGETS_DIR]): Target[] {
  const targets: Target[] = [];
  const errors: InputError[] = [];
  for (const base of dirs) {
    if (!existsSync(base) || !statSync(base).isDirectory()) {
      errors.push(
        new InputError(
          { file: base },
          existsSync(base) ? "not a folder (--target-dir takes a folder of targets, or one target's folder)" : 'no such folder (--target-dir)',
        ),
      );
      continue;
    }
    if (existsSync(join(base, 'target.json'))) {
      targets.push(loadTarget(resolve(base)));
      continue;
    }
    for (const entry of readdirSync(base, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || !existsSync(join(base, entry.name, 'target.json'))) continue;
      try {
        targets.push(loadTarget(join(base, entry.name)));
      } catch (err) {
        if (err instanceof InputErrors) errors.push(...err.errors);
        else if (err instanceof InputError) errors.push(err);
        else throw err;
      }
    }
  }
  if (errors.length) throw new InputErrors(errors);
  return targets;
}

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (command.includes('/')) return isExecutable(command) ? command : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns why the target cannot run here, or undefined when everything it needs is present. */
export function missingRequirement(target: Target): string | undefined {
  const hint = (r: { package?: string }) => (r.package ? ` (install ${r.package})` : '');
  for (const req of target.manifest.local.requires ?? []) {
    if ('root' in req) {
      if (process.getuid?.() !== 0) return 'the local driver needs root for this target';
    } else if ('command' in req) {
      if (!onPath(req.command)) return `${req.command} not found on PATH${hint(req)}`;
    } else if ('file' in req) {
      if (!existsSync(req.file)) return `${req.file} does not exist${hint(req)}`;
    } else {
      const [cmd, ...args] = req.probe;
      const r = spawnSync(cmd!, args, { cwd: target.dir, encoding: 'utf8', timeout: 20_000 });
      if (r.error || r.status !== 0) {
        const why = r.error ? r.error.message : (r.stderr || r.stdout || `exit code ${r.status}`).trim().split('\n').pop();
        return `probe \`${req.probe.join(' ')}\` failed: ${why}${hint(req)}`;
      }
    }
  }
  const [cmd] = target.manifest.local.command;
  if (cmd && !isAbsolute(cmd) && !cmd.startsWith('.') && !onPath(cmd)) return `${cmd} not found on PATH`;
  return undefined;
}
