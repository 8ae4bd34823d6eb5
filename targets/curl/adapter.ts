/**
 * curl, the way its users keep cookies: one curl invocation per vector, all of
 * the vector's navigations in it (joined with --next), the cookie engine
 * enabled with an empty input and a cookie jar file that every navigation of
 * the invocation shares. Requests go through the origin server as a proxy;
 * https is verified against the run's test CA (--cacert). curl follows
 * redirects itself (--location). libcurl's cookie engine decides everything.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

const versionLine = execFileSync('curl', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
const version = /^curl (\S+)/.exec(versionLine)?.[1] ?? versionLine;

/** The results curl wrote for one invocation's navigations (one --write-out line each). */
interface Outcome {
  navigations: { status?: number; error?: string }[];
  stderr: string;
}

/**
 * One curl invocation for some navigations, with the jar in `jar`: the first one starts with the
 * cookie engine on and nothing loaded (--cookie /dev/null), later ones load what the earlier ones left.
 */
function invoke(params: FetchParams, navigations: Navigation[], jar: string, first: boolean, now: number | undefined): Promise<Outcome> {
  const args: string[] = ['--silent', '--show-error'];
  navigations.forEach((nav, i) => {
    if (i > 0) args.push('--next');
    args.push(
      '--proxy',
      params.proxy,
      '--cacert',
      params.ca.file,
      '--cookie',
      first ? '/dev/null' : jar,
      '--cookie-jar',
      jar,
      '--location',
      '--max-redirs',
      '10',
      '--max-time',
      String(Math.ceil(params.timeoutMs / 1000)),
      '--output',
      '/dev/null',
      '--write-out',
      '%{http_code} %{exitcode} %{errormsg}\\n',
      ...(nav.method !== 'GET' ? ['--request', nav.method] : []),
      nav.url,
    );
  });
  // curl reads the clock file libfaketime names (inherited from this process): set it before curl starts.
  if (clock) setFaketime(now);
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.split('\n').filter(Boolean);
      resolve({
        navigations: navigations.map((_, i) => {
          const m = /^(\d{3}) (\d+) ?(.*)$/.exec(lines[i] ?? '');
          if (!m) return { error: `curl wrote no result (exit code ${code}): ${err.trim()}` };
          if (m[2] !== '0') return { error: `curl exit code ${m[2]}: ${m[3]}` };
          return { status: Number(m[1]) };
        }),
        stderr: err.trim(),
      });
    });
  });
}

/**
 * Consecutive navigations at the same time share an invocation. A curl process cannot be paused
 * between its transfers to move its clock, so where the time changes a new invocation starts, with
 * the jar handed over in the cookie file (session cookies included), as a user's next curl command would.
 */
export function groupByTime(navigations: Navigation[]): Navigation[][] {
  const groups: Navigation[][] = [];
  navigations.forEach((nav, i) => {
    if (i > 0 && nav.now === navigations[i - 1]!.now) groups[groups.length - 1]!.push(nav);
    else groups.push([nav]);
  });
  return groups;
}

async function fetch(params: FetchParams): Promise<{ navigations: { status?: number; error?: string }[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'conformatrix-curl-'));
  const jar = join(dir, 'cookies.txt');
  const navigations: Outcome['navigations'] = [];
  const notes: string[] = [];
  try {
    for (const [k, group] of groupByTime(params.navigations).entries()) {
      const outcome = await invoke(params, group, jar, k === 0, group[0]!.now);
      navigations.push(...outcome.navigations);
      if (outcome.stderr) notes.push(outcome.stderr);
    }
  } finally {
    if (clock) setFaketime(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return { navigations, notes };
}

serveAdapter({
  hello: () => ({
    contract: CONTRACT_VERSION,
    implementation: { name: 'curl', version: versionLine.replace(/^curl /, '').split(' (')[0] === version ? version : version },
    capabilities: clock ? ['https', 'clock'] : ['https'],
  }),
  'cookies.fetch': (params: FetchParams) => fetch(params),
});
