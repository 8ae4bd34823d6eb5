/**
 * GNU Wget, the way its users keep cookies: wget's own cookie jar, enabled by
 * default. The navigations of a vector go into as few wget invocations as
 * their methods and times allow (one, when all are GETs at one time):
 * consecutive navigations with the same method and time share an invocation
 * and its in-memory jar (a clock through libfaketime is set per process), and between
 * invocations the jar travels in a cookie file (--save-cookies with
 * --keep-session-cookies, then --load-cookies), as a user chaining wget
 * commands would keep a session. Requests go through the origin server as a
 * proxy; https is verified against the run's test CA. Wget follows redirects.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { libfaketimeActive, setFaketime } from '../../runner/clock.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';

interface Navigation {
  url: string;
  method: string;
  /** The navigation's time (clock capability), ms since the epoch. */
  now?: number;
}

interface FetchParams {
  proxy: string;
  ca: { file: string };
  navigations: Navigation[];
  timeoutMs: number;
}

/** The runner preloads libfaketime with a clock file when the manifest asks for it (runner/clock.ts); only then is there a clock to set. */
const clock = libfaketimeActive();

const version = /GNU Wget (\S+)/.exec(execFileSync('wget', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';

function run(args: string[], deadline: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // wget's IRI support reads the locale: under a non-UTF-8 one (a container's default C locale) it decodes
    // percent-escapes such as %7E in the URLs it is given. A UTF-8 locale, as its users run it, keeps them as written,
    // whatever the environment the adapter runs in (the local and docker drivers must give the same verdicts).
    const child = spawn('wget', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(100, deadline - performance.now()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** Wget's exit codes: 0 done, 8 the server answered with an error status (still a completed request). */
const done = (code: number | null) => code === 0 || code === 8;

async function fetch(params: FetchParams) {
  // The monotonic clock: this process's wall clock is the vector's (libfaketime), which stands still.
  const deadline = performance.now() + params.timeoutMs;
  const dir = mkdtempSync(join(tmpdir(), 'conformatrix-wget-'));
  const jar = join(dir, 'cookies.txt');
  const results: { status?: number; error?: string }[] = [];
  const notes: string[] = [];
  try {
    for (let i = 0; i < params.navigations.length;) {
      const { method, now } = params.navigations[i]!;
      let j = i;
      // A wget process cannot be paused between its downloads to move its clock: a new time starts a new invocation.
      while (j < params.navigations.length && params.navigations[j]!.method === method && params.navigations[j]!.now === now) j++;
      const group = params.navigations.slice(i, j);
      const args = [
        '--no-config',
        '--quiet',
        '--execute',
        'use_proxy=yes',
        '--execute',
        `http_proxy=${params.proxy}`,
        '--execute',
        `https_proxy=${params.proxy}`,
        `--ca-certificate=${params.ca.file}`,
        '--max-redirect=10',
        '--tries=1',
        `--timeout=${Math.ceil(params.timeoutMs / 1000)}`,
        '--output-document=/dev/null',
        '--save-cookies',
        jar,
        '--keep-session-cookies',
        ...(existsSync(jar) ? ['--load-cookies', jar] : []),
        ...(method !== 'GET' ? [`--method=${method}`] : []),
        ...group.map((n) => n.url),
      ];
      // wget reads the clock file libfaketime names (inherited from this process): set it before wget starts.
      if (clock) setFaketime(now);
      const { code, stderr } = await run(args, deadline);
      if (stderr.trim()) notes.push(stderr.trim());
      for (let k = 0; k < group.length; k++) results.push(done(code) ? {} : { error: `wget exit code ${code}: ${stderr.trim().split('\n').pop() ?? ''}` });
      i = j;
    }
  } finally {
    if (clock) setFaketime(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return { navigations: results, notes };
}

serveAdapter({
  hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: 'GNU Wget', version }, capabilities: clock ? ['https', 'clock'] : ['https'] }),
  'cookies.fetch': (params: FetchParams) => fetch(params),
});
