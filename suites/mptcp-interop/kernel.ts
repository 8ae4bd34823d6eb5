/**
 * Whether the kernel the run happens on has what a middlebox behaviour needs
 * (the FTP helper, synproxy, NAT), from its module list: a feature is there
 * when it is built in or a module of it is there. The docker driver's
 * containers share this kernel, so the answer holds for both drivers.
 *
 * Sources, in order: the kernel's configuration (/proc/config.gz, `=y` built
 * in, `=m` a module), then the module lists of /lib/modules/<release>
 * (modules.builtin, modules.dep), then the loaded modules (/proc/modules).
 * When none can be read, the answer is that it cannot be told: a scenario
 * that needs the feature is unsupported then, never run on a guess.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { KernelFeature } from './middlebox.js';

function read(file: string, gzip = false): string | undefined {
  try {
    if (!existsSync(file)) return undefined;
    const data = readFileSync(file);
    return (gzip ? gunzipSync(data) : data).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A module name as the lists spell it: `nf_conntrack_ftp` matches `.../nf_conntrack_ftp.ko.xz` and `nf-conntrack-ftp`. */
const moduleName = (s: string) => s.replaceAll('-', '_');

/**
 * Why the features are not all there (naming the first missing one and where
 * that was read), or undefined when they are. `root` and `kernelRelease` are
 * for tests; a run reads the real ones.
 */
export function missingKernelFeature(features: KernelFeature[], root = '/', kernelRelease = release()): string | undefined {
  if (!features.length) return undefined;
  const config = read(join(root, 'proc/config.gz'), true);
  if (config !== undefined) {
    for (const f of features) {
      if (!new RegExp(`^CONFIG_${f.config}=[ym]$`, 'm').test(config))
        return `the kernel (${kernelRelease}) has no ${f.module} (CONFIG_${f.config} is not set in /proc/config.gz)`;
    }
    return undefined;
  }
  const dir = join(root, 'lib/modules', kernelRelease);
  const lists = [read(join(dir, 'modules.builtin')), read(join(dir, 'modules.dep'))].filter((l): l is string => l !== undefined);
  if (lists.length) {
    const names = new Set(
      lists.flatMap((l) => l.split('\n').map((line) => moduleName(/([^/\s:]+)\.ko(\.\w+)?:?(\s|$)/.exec(line)?.[1] ?? ''))).filter(Boolean),
    );
    for (const f of features) if (!names.has(f.module)) return `the kernel (${kernelRelease}) has no ${f.module} (not in the module lists of ${dir})`;
    return undefined;
  }
  const loaded = read(join(root, 'proc/modules'));
  if (loaded !== undefined) {
    const names = new Set(loaded.split('\n').map((l) => moduleName(l.split(' ')[0] ?? '')));
    for (const f of features)
      if (!names.has(f.module)) return `the kernel (${kernelRelease}) has no ${f.module} loaded, and no module list says whether it can`;
    return undefined;
  }
  return `cannot tell whether the kernel (${kernelRelease}) has ${features.map((f) => f.module).join(', ')}: no /proc/config.gz, no module list in ${dir}, no /proc/modules`;
}
