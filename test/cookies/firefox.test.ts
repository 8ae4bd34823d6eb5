// The firefox target's adapter with the real browser (Debian's firefox-esr): a browser that dies during a vector fails
// that vector only and is launched anew; SIGTERM and stdin's end leave no process and no profile folder; no request
// leaves the machine, seen in the system calls of every Firefox process; and the user context the vectors share is
// reset between them, so that a vector finds nothing of the one before.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { VECTORS_DIR } from '../../runner/paths.js';
import { runCommand } from '../../runner/run.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { TestCa } from '../../suites/cookies/http/test-ca.js';
import { readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { runIsolation } from './browsers.js';
import { skipWithReason } from '../docker/helpers.js';
import { MARK, markedProcesses } from '../leftovers.js';

const ADAPTER = join(ROOT, 'dist', 'targets', 'firefox', 'adapter.js');

function firefoxMissing(): string | undefined {
  const firefox = discoverTargets().find((t) => t.id === 'firefox')!;
  const missing = missingRequirement(firefox);
  return missing && `firefox is not available here: ${missing} (targets/install-packages.sh firefox)`;
}

/** The adapter as the local driver runs it, spoken to in JSON lines. */
class Adapter {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private next = 1;
  private readonly waiting = new Map<number, (answer: { result?: unknown; error?: { message: string } }) => void>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [ADAPTER], {
      cwd: join(ROOT, 'targets', 'firefox'),
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number; result?: unknown; error?: { message: string } };
      this.waiting.get(answer.id)?.(answer);
    });
  }

  call(method: string, params: object): Promise<{ result?: unknown; error?: { message: string } }> {
    const id = this.next++;
    this.child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

/** The main Firefox process the adapter started (its direct child). */
function firefoxOf(adapterPid: number): number | undefined {
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === adapterPid && /\(firefox/.test(stat)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

describe('firefox target (Debian firefox-esr over WebDriver BiDi)', function () {
  this.timeout(240_000);
  let proxy: Server | undefined;

  afterEach(() => proxy?.close());

  it('fails only the vector during which the browser dies, launches it anew for the next, and leaves nothing after SIGTERM', async function () {
    const why = firefoxMissing();
    if (why) return skipWithReason(this, why);
    const tmp = tempDir('conformatrix-tmpdir-');
    const mark = `firefox-crash-${process.pid}`;
    const adapter = new Adapter({ TMPDIR: tmp, [MARK]: mark });
    let killed: number | undefined;
    // The proxy the browser sends the vector's requests to: the first one kills the browser, and is never answered.
    proxy = createServer((req, res) => {
      if (req.url === 'http://crash.example/') {
        killed = firefoxOf(adapter.child.pid!);
        if (killed !== undefined) process.kill(killed, 'SIGKILL');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok</p>');
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    const params = (url: string) => ({
      proxy: `http://127.0.0.1:${(proxy!.address() as AddressInfo).port}`,
      ca: { pem: new TestCa().certPem },
      navigations: [{ url, method: 'GET' }],
      timeoutMs: 60_000,
    });
    const hello = await adapter.call('hello', { contract: '1', suites: ['cookies'] });
    assert.match((hello.result as { implementation: { version: string } }).implementation.version, /^\d+\.\d+/);

    const crashed = await adapter.call('cookies.fetch', params('http://crash.example/'));
    assert.ok(killed !== undefined, 'the proxy found the browser and killed it');
    const why1 = crashed.error?.message ?? (crashed.result as { navigations: { error?: string }[] }).navigations[0]!.error;
    assert.ok(why1, `the vector the browser died in is not answered as a success: ${JSON.stringify(crashed)}`);

    const after = await adapter.call('cookies.fetch', params('http://ok.example/'));
    assert.deepEqual(after.result, { navigations: [{ status: 200 }] }, JSON.stringify(after));
    const relaunched = firefoxOf(adapter.child.pid!);
    assert.ok(relaunched !== undefined && relaunched !== killed, 'a new browser runs');

    adapter.child.kill('SIGTERM');
    assert.equal(await adapter.exited, 143);
    assert.deepEqual(readdirSync(tmp), [], 'the profile folders are gone');
    assert.deepEqual(markedProcesses(mark), [], 'no Firefox process is left');
    rmSync(tmp, { recursive: true });
  });

  it("removes the profile and ends the browser when stdin ends (the runner's normal stop)", async function () {
    const why = firefoxMissing();
    if (why) return skipWithReason(this, why);
    const tmp = tempDir('conformatrix-tmpdir-');
    const mark = `firefox-stdin-${process.pid}`;
    const adapter = new Adapter({ TMPDIR: tmp, [MARK]: mark });
    await adapter.call('hello', { contract: '1', suites: ['cookies'] });
    assert.equal(readdirSync(tmp).length, 1, 'the browser runs on a profile in TMPDIR');
    adapter.child.stdin!.end();
    assert.equal(await adapter.exited, 0);
    assert.deepEqual(readdirSync(tmp), [], 'the profile folder is gone');
    assert.deepEqual(markedProcesses(mark), [], 'no Firefox process is left');
    rmSync(tmp, { recursive: true });
  });

  it('resets the user context it shares between vectors: a vector finds no cookie, partitioned cookie, document.cookie write or shared worker of the one before', async function () {
    const why = firefoxMissing();
    if (why) return skipWithReason(this, why);
    const { run, failed } = await runIsolation('firefox', 'firefox-isolation.json');
    assert.deepEqual(failed, []);
    assert.deepEqual(Object.keys(verdicts(run, 'firefox')), [
      'cookies/isolation/leaves-cookies',
      'cookies/isolation/leaves-a-partitioned-cookie',
      'cookies/isolation/finds-no-partitioned-cookie',
      'cookies/isolation/leaves-a-worker',
      'cookies/isolation/finds-nothing',
    ]);
  });

  it('connects to nothing but the loopback: every socket of every Firefox process, over http, https and SameSite vectors', async function () {
    const why = firefoxMissing();
    if (why) return skipWithReason(this, why);
    if (spawnSync('strace', ['-V']).status !== 0) return skipWithReason(this, 'strace is not installed (apt-get install strace)');
    const dir = tempDir();
    const log = join(dir, 'strace');
    // The adapter starts the browser through this wrapper: strace follows Firefox and every process it starts.
    const wrapper = join(dir, 'firefox');
    const firefox = existsSync('/usr/lib/firefox-esr/firefox-esr') ? '/usr/lib/firefox-esr/firefox-esr' : '/usr/bin/firefox-esr';
    writeFileSync(wrapper, `#!/bin/sh\nexec strace -f -qq -o ${log} -e trace=connect,sendto,sendmsg,sendmmsg ${firefox} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const out = tempDir();
    const previous = process.env.CONFORMATRIX_FIREFOX;
    process.env.CONFORMATRIX_FIREFOX = wrapper;
    try {
      const vectors = ['storage.json', 'samesite.json', 'prefixes.json'].map((f) => join(VECTORS_DIR, 'cookies', f));
      await runCommand({
        suites: ['cookies'],
        targets: ['firefox'],
        vectors,
        grep: 'cookies/(storage/replace-same-name|samesite/strict-(not-)?sent-(cross|same)-site-(navigation|iframe)|prefixes/host-prefix-with)',
        out,
        quiet: true,
        timeoutMs: 60_000,
      }).catch(() => 1);
    } finally {
      if (previous === undefined) delete process.env.CONFORMATRIX_FIREFOX;
      else process.env.CONFORMATRIX_FIREFOX = previous;
    }
    const results = readRun(out).results.filter((r) => r.verdict !== 'skipped' && r.verdict !== 'unsupported');
    assert.ok(
      results.some((r) => r.vectorId.includes('samesite')) && results.some((r) => r.verdict === 'pass'),
      JSON.stringify(results.map((r) => `${r.vectorId} ${r.verdict}`)),
    );
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => /sa_family=AF_INET6?\b/.test(l));
    const addresses = calls.map((l) => /sin6?_addr=inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"/.exec(l)?.[1] ?? l);
    assert.ok(addresses.length > 0, 'the capture saw the browser connect to its proxy');
    assert.deepEqual(
      [...new Set(addresses.filter((a) => a !== '127.0.0.1' && a !== '::1'))],
      [],
      'every address Firefox sent to or connected to is the loopback',
    );
  });
});
