/**
 * A target's clock, when its manifest says `"clock": {"via": "libfaketime"}`:
 * the adapter is started with libfaketime preloaded and a clock file of its
 * own. libfaketime reads the file at every time call (FAKETIME_NO_CACHE), so
 * the adapter sets its process's clock, and that of every process it starts
 * (they inherit the environment), by writing a time into the file; `+0` (an
 * offset of nothing) is the real clock (REAL_CLOCK). The monotonic clock is left real, so that timeouts
 * keep working while the wall clock stands still (and libfaketime's own fix
 * for monotonic waits stays off: see libfaketimeEnv). What the time means is the
 * suite's business; the runner only hands over the means.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTempDir } from './contain.js';

/** How a target's clock is set (the manifest's `clock`). */
export interface ClockOptions {
  /** libfaketime: preloaded by the runner (see above). adapter: the adapter sets its implementation's clock itself. */
  via: 'libfaketime' | 'adapter';
}

/**
 * The library's file name, as Debian's package libfaketime installs it: the variant that takes a lock around
 * each faked time call. With the plain one, the threads of a JVM that read the clock while the file changes
 * race in libfaketime's parser, and one of them can get a moment of the old time mixed with the new: Java 17's
 * HttpClient, which measures its request timeouts on the wall clock, then timed a request out in 12 ms (one
 * vector in about every other whole-suite run of java-httpclient; none in six runs with this variant).
 */
const LIBRARY = 'libfaketimeMT.so.1';

/**
 * libfaketime on this machine: Debian's multiarch folder (/usr/lib/<triplet>/faketime/), or the
 * plain folders of other layouts. CONFORMATRIX_LIBFAKETIME names another file.
 */
export function findLibfaketime(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONFORMATRIX_LIBFAKETIME) return existsSync(env.CONFORMATRIX_LIBFAKETIME) ? env.CONFORMATRIX_LIBFAKETIME : undefined;
  const multiarch = existsSync('/usr/lib')
    ? readdirSync('/usr/lib')
        .filter((d) => /-linux-gnu/.test(d))
        .map((d) => join('/usr/lib', d, 'faketime'))
    : [];
  for (const dir of [...multiarch, '/usr/lib/faketime', '/usr/lib64/faketime', '/usr/local/lib/faketime']) {
    const file = join(dir, LIBRARY);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The environment that preloads `library` with `clockFile` as the adapter's clock. */
export function libfaketimeEnv(library: string, clockFile: string): Record<string, string> {
  return {
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    // The "monotonic fix" libfaketime turns on by itself with a recent glibc rewrites pthread_cond_timedwait's
    // deadlines: a JVM's timed waits then last seconds each, and java-httpclient's adapter never answers.
    FAKETIME_FORCE_MONOTONIC_FIX: '0',
  };
}

/**
 * What the clock file holds for the real clock. Not an empty file: libfaketime 0.9.10 (Debian's) keeps the
 * last time it read when the file becomes empty, so a long-lived process (a JVM, PHP, Python) stayed at the
 * previous vector's time; and a process that once found no file (and so took libfaketime's built-in `+0`)
 * exits on an empty one ("failed to parse FAKETIME timestamp"). `+0` is that built-in default, so a missing
 * file (the docker driver's start) and this one mean the same.
 */
export const REAL_CLOCK = '+0';

/** For the local driver: a new clock file at the real clock in the run's temporary folder for each start of the adapter. */
export function localClockEnv(library: string): () => Record<string, string> {
  return () => {
    const file = join(mkdtempSync(join(runTempDir(), 'clock-')), 'now');
    writeFileSync(file, REAL_CLOCK);
    return libfaketimeEnv(library, file);
  };
}

/**
 * For the docker driver: the target's image installs Debian's faketime; `$LIB` is expanded by
 * the dynamic loader to the image's own multiarch folder. The clock file lives in the
 * container's writable /tmp (each start is a new container); a missing file is the real clock.
 */
export const DOCKER_CLOCK_ENV = libfaketimeEnv('/usr/$LIB/faketime/' + LIBRARY, '/tmp/conformatrix-clock');

/**
 * For adapters (and so in the adapter's process): is libfaketime loaded into this process, with a
 * clock file to write? Only then may the adapter claim the clock capability.
 */
export function libfaketimeActive(): boolean {
  if (!process.env.FAKETIME_TIMESTAMP_FILE) return false;
  try {
    return readFileSync('/proc/self/maps', 'utf8').includes('libfaketime');
  } catch {
    return false;
  }
}

/** What libfaketime reads from the clock file for `ms` (an absolute UTC time, which stands still), or REAL_CLOCK. */
export function faketimeSpec(ms: number | undefined): string {
  return ms === undefined ? REAL_CLOCK : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Sets the clock of this process and of the processes it starts from now on (undefined: the
 * real clock). The file is replaced whole (a rename), so that no time call reads half of it.
 */
export function setFaketime(ms: number | undefined, file = process.env.FAKETIME_TIMESTAMP_FILE): void {
  if (!file) throw new Error('no clock file: the runner did not start this adapter with libfaketime');
  writeFileSync(`${file}.new`, faketimeSpec(ms));
  renameSync(`${file}.new`, file);
}
