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
import { CONTRACT_VERSION } from '../../runner/contract.js';

interface FetchParams {
  proxy: string;
  ca: { file: string };
  navigations: { url: string; method: string }[];
  timeoutMs: number;
}

const versionLine = execFileSync('curl', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
const version = /^curl (\S+)/.exec(versionLine)?.[1] ?? versionLine;

function fetch(params: FetchParams): Promise<{ navigations: { status?: number; error?: string }[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'conformatrix-curl-'));
  const jar = join(dir, 'cookies.txt');
  const args: string[] = ['--silent', '--show-error'];
  params.navigations.forEach((nav, i) => {
    if (i > 0) args.push('--next');
    args.push(
      '--proxy', params.proxy,
      '--cacert', params.ca.file,
      '--cookie', '/dev/null',
      '--cookie-jar', jar,
      '--location', '--max-redirs', '10',
      '--max-time', String(Math.ceil(params.timeoutMs / 1000)),
      '--output', '/dev/null',
      '--write-out', '%{http_code} %{exitcode} %{errormsg}\\n',
      ...(nav.method !== 'GET' ? ['--request', nav.method] : []),
      nav.url,
    );
  });
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const lines = out.split('\n').filter(Boolean);
      const navigations = params.navigations.map((_, i) => {
        const m = /^(\d{3}) (\d+) ?(.*)$/.exec(lines[i] ?? '');
        if (!m) return { error: `curl wrote no result (exit code ${code}): ${err.trim()}` };
        if (m[2] !== '0') return { error: `curl exit code ${m[2]}: ${m[3]}` };
        return { status: Number(m[1]) };
      });
      resolve({ navigations, notes: err.trim() ? [err.trim()] : [] });
    });
  });
}

serveAdapter({
  hello: () => ({ contract: CONTRACT_VERSION, implementation: { name: 'curl', version: versionLine.replace(/^curl /, '').split(' (')[0] === version ? version : version }, capabilities: ['https'] }),
  'cookies.fetch': (params: FetchParams) => fetch(params),
});
