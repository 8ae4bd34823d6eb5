/**
 * The Python interpreter that runs the harness's own helpers (the kernel
 * agent and the TUN bridge), by absolute path. Every vector starts two of
 * them; started by the name python3, whatever PATH finds first runs, and a
 * version manager's shim took 4.8 s a start under load where
 * /usr/bin/python3 took 0.45 s. The helpers need nothing but the standard
 * library, so the system's interpreter is the one to use.
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** The interpreter Debian's python3 package installs (the target's manifest requires it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

let resolved: string | undefined | null = null;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of the interpreter: CONFORMATRIX_PYTHON when set (an
 * absolute path, for a machine without /usr/bin/python3), else
 * /usr/bin/python3, else the real interpreter behind PATH's python3 (asked
 * once, so a shim runs at most once per process). Undefined when there is none.
 */
export function pythonPath(): string | undefined {
  if (resolved !== null) return resolved;
  const chosen = process.env.CONFORMATRIX_PYTHON;
  if (chosen) {
    if (!chosen.startsWith('/') || !executable(chosen)) throw new Error(`CONFORMATRIX_PYTHON=${chosen} is not an absolute path to an executable`);
    return (resolved = chosen);
  }
  if (executable(SYSTEM_PYTHON)) return (resolved = SYSTEM_PYTHON);
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  return (resolved = exe.startsWith('/') ? exe : undefined);
}

/** The interpreter's path, or an error that says none was found. */
export function python(): string {
  const path = pythonPath();
  if (!path) throw new Error(`no Python interpreter: neither ${SYSTEM_PYTHON} nor a python3 on PATH (or set CONFORMATRIX_PYTHON)`);
  return path;
}
