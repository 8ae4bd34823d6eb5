// Chromium's adapter: its browser is launched in hello, within the runner's start-up budget, not inside the first
// vector's deadline (issue 14); the vectors share one browser context, which is reset between them so that a vector
// leaves nothing to the next. And the runner's side: every (re)start of an HTTP-mode adapter hears the proxy and CA
// in hello. And a cookie vector's time budget, which grows with its requests. And the browser's network namespace of its
// own, where the machine's interface changes cannot abort its requests.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCommand } from '../../runner/run.js';
import { LOCAL_HARNESS, type Session, type TargetView } from '../../runner/suite.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { OriginServer } from '../../suites/cookies/http/origin-server.js';
import { runHttp, startupHttp } from '../../suites/cookies/http/run-http.js';
import type { CookieVector } from '../../suites/cookies/vector.js';
import { FIXTURES, readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { runIsolation } from './browsers.js';

const chromium = discoverTargets().find((t) => t.id === 'chromium')!;

/** Why Chromium cannot run here, said on the test's output; undefined when it can. */
function unavailable(): string | undefined {
  const missing = missingRequirement(chromium);
  if (missing) process.stdout.write(`      skipped: chromium is not available here: ${missing}\n`);
  return missing;
}

/** The Chromium browser processes (not their helpers) that descend from `pid` (the adapter may start them through a launcher). */
function browsersOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // It ended meanwhile.
    }
  }
  const descends = (p: number): boolean => {
    for (let q = parents.get(p); q !== undefined && q > 1; q = parents.get(q)) if (q === pid) return true;
    return false;
  };
  const out: number[] = [];
  for (const p of parents.keys()) {
    try {
      // A helper's command line may be rewritten as one string (Chromium's setproctitle): look for --type= in it.
      const cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (descends(p) && /chromium/.test(readlinkSync(`/proc/${p}/exe`)) && !/(^|[\0 ])--type=/.test(cmdline)) out.push(p);
    } catch {
      // It ended meanwhile.
    }
  }
  return out;
}

/** The names of the network interfaces that a process sees (its network namespace's). */
function interfacesOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean);
}

/**
 * Keeps changing this machine's interfaces until stopped, as a neighbour on a shared machine does when it starts a
 * container: a veth pair made, given an address, brought up and deleted, again and again (one `ip -batch` process,
 * a change every 20 ms). The address is from TEST-NET-1 and no packet is sent.
 */
function changeInterfaces(): { stop: () => Promise<number> } {
  const name = `cfx-nc${process.pid % 10000}`;
  const ip = spawn('ip', ['-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => ip.on('exit', () => resolve()));
  let changes = 0;
  const timer = setInterval(() => {
    ip.stdin.write(
      `link add ${name}a type veth peer name ${name}b\naddress add 192.0.2.1/32 dev ${name}a\nlink set ${name}a up\nlink set ${name}b up\nlink del ${name}a\n`,
    );
    changes++;
  }, 20);
  return {
    stop: async () => {
      clearInterval(timer);
      ip.stdin.end();
      await exited;
      return changes;
    },
  };
}

/**
 * A proxy in front of the origin server that starts relaying each connection only after `delayMs`, as a busy
 * machine makes a browser wait for its proxy: the browser's connection (and, for https, its CONNECT) is pending
 * for that long, which is when an interface change aborts it.
 */
async function slowProxy(to: string, delayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(to);
  const open = new Set<Socket>();
  const server = createServer((c) => {
    open.add(c);
    c.on('close', () => open.delete(c));
    c.on('error', () => c.destroy());
    setTimeout(() => {
      if (c.destroyed) return;
      const u = createConnection(Number(target.port), target.hostname);
      c.pipe(u).pipe(c);
      u.on('error', () => c.destroy());
      c.on('close', () => u.destroy());
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const c of open) c.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The adapter as the local driver starts it, and a JSON-RPC client for it. */
function startAdapter(): { child: ChildProcessWithoutNullStreams; call: (method: string, params: unknown) => Promise<unknown>; stop: () => Promise<void> } {
  const child = spawn('node', [join(ROOT, 'dist', 'targets', 'chromium', 'adapter.js')], { cwd: chromium.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as { id: number; result?: unknown; error?: { message: string } };
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(m.error.message));
    else w?.resolve(m.result);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`the adapter exited: ${stderr}`));
  });
  let id = 0;
  return {
    child,
    call: (method, params) =>
      new Promise((resolve, reject) => {
        waiting.set(++id, { resolve, reject });
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
      }),
    // Closing stdin ends the adapter, which closes its browser first.
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** The view of the chromium target the adapter tests start it with (http mode, the local harness). */
function chromiumView(): TargetView {
  return { id: 'chromium', name: 'Chromium', userAgentClass: 'browser', capabilities: new Set(['https']), options: { mode: 'http' }, harness: LOCAL_HARNESS };
}

describe('the chromium adapter', function () {
  this.timeout(120_000);

  it('launches its browser in hello when told the proxy and CA, and runs the first vector in that browser', async function () {
    if (unavailable()) return;
    const server = new OriginServer({ outDir: tempDir() });
    const target = chromiumView();
    const adapter = startAdapter();
    try {
      await adapter.call('hello', { contract: '1', suites: ['cookies'], setup: { cookies: await startupHttp(target, server) } });
      // The answer to hello comes once the browser runs: the start-up budget, not a vector's deadline, pays for the launch.
      const launched = browsersOf(adapter.child.pid!);
      assert.equal(launched.length, 1, 'one browser runs once hello is answered');
      const session: Session = { call: (m, p) => adapter.call(m, p), onNotification: () => undefined, signal: new AbortController().signal };
      const v: CookieVector = {
        id: 'cookies/test/first-vector',
        title: 'x',
        spec: [{ doc: 'rfc6265bis', section: '5.7' }],
        level: 'MUST',
        ua: 'any',
        requests: [
          { url: 'https://home.example.org/', cookie: null, response: { setCookie: ['a=b'] } },
          { url: 'https://home.example.org/', cookie: 'a=b' },
        ],
      };
      const ctx = { profile: undefined, timeoutMs: 60_000, artifactDir: tempDir(), outDir: tempDir(), artifacts: {}, services: undefined, seed: 0 };
      const setCookie = [[Buffer.from('a=b')], []];
      const o = await runHttp(v, 'rfc6265bis', session, target, ctx, server, [Date.now(), Date.now()], setCookie);
      assert.equal(o.verdict, 'pass', o.reason);
      assert.deepEqual(browsersOf(adapter.child.pid!), launched, 'the first vector ran in the browser hello launched, and launched no other');
    } finally {
      await adapter.stop();
      await server.close();
    }
  });

  it('resets the context it shares between vectors: a vector finds no cookie, document.cookie write or shared worker of the one before', async function () {
    if (unavailable()) return;
    const { run, failed } = await runIsolation('chromium', 'chromium-isolation.json');
    assert.deepEqual(failed, []);
    assert.deepEqual(Object.keys(verdicts(run, 'chromium')), [
      'cookies/isolation/leaves-cookies',
      'cookies/isolation/leaves-a-worker',
      'cookies/isolation/finds-nothing',
    ]);
  });
});

describe('the chromium adapter on a machine whose interfaces change', function () {
  this.timeout(180_000);

  it('loads every page while veth pairs come and go: the browser runs in a network namespace where only loopback exists', async function () {
    if (unavailable()) return;
    const ip = ['/usr/sbin/ip', '/sbin/ip'].find((p) => existsSync(p));
    if (process.getuid?.() !== 0 || !ip) {
      process.stdout.write(`      skipped: changing this machine's interfaces needs root and ip (iproute2)\n`);
      return this.skip();
    }
    const server = new OriginServer({ outDir: tempDir() });
    const target = chromiumView();
    const adapter = startAdapter();
    const setup = await startupHttp(target, server);
    const proxy = await slowProxy(setup.proxy, 150);
    let changes: ReturnType<typeof changeInterfaces> | undefined;
    try {
      await adapter.call('hello', { contract: '1', suites: ['cookies'], setup: { cookies: { ...setup, proxy: proxy.url } } });
      // Every cookies.fetch goes to the slow proxy, as hello was told.
      const session: Session = {
        call: (m, p) => adapter.call(m, m === 'cookies.fetch' ? { ...(p as object), proxy: proxy.url } : p),
        onNotification: () => undefined,
        signal: new AbortController().signal,
      };
      const hosts = ['home.example.org', 'app.example.com', 'attacker.example.net', 'www.example.com', 'other.example.org'];
      const v: CookieVector = {
        id: 'cookies/test/interfaces-change',
        title: 'x',
        spec: [{ doc: 'rfc6265bis', section: '5.7' }],
        level: 'MUST',
        ua: 'any',
        requests: [
          ...hosts.map((h) => ({ url: `https://${h}/`, cookie: null, response: { setCookie: ['a=b'] } })),
          ...hosts.map((h) => ({ url: `http://${h}/`, cookie: 'a=b' })),
        ],
      };
      const ctx = { profile: undefined, timeoutMs: 60_000, artifactDir: tempDir(), outDir: tempDir(), artifacts: {}, services: undefined, seed: 0 };
      changes = changeInterfaces();
      const problems: string[] = [];
      for (let i = 0; i < 4; i++) {
        const setCookie = v.requests.map((_, j) => (j < hosts.length ? [Buffer.from('a=b')] : []));
        const o = await runHttp(
          v,
          'rfc6265bis',
          session,
          target,
          ctx,
          server,
          v.requests.map(() => Date.now()),
          setCookie,
        );
        if (o.verdict !== 'pass') problems.push(`run ${i + 1}: ${o.verdict}: ${o.reason}`);
      }
      const made = await changes.stop();
      changes = undefined;
      assert.ok(made >= 20, `the interfaces changed ${made} times`);
      assert.deepEqual(problems, [], 'every navigation completed while the interfaces changed');
      const [browserPid] = browsersOf(adapter.child.pid!);
      assert.ok(browserPid, 'the browser runs');
      assert.notEqual(readlinkSync(`/proc/${browserPid}/ns/net`), readlinkSync('/proc/self/ns/net'), 'the browser has a network namespace of its own');
      assert.deepEqual(interfacesOf(browserPid), ['lo'], 'where only loopback exists');
    } finally {
      await changes?.stop();
      await adapter.stop();
      await proxy.close();
      await server.close();
    }
  });
});

describe('hello of an HTTP-mode cookie target', function () {
  this.timeout(60_000);

  it('carries the proxy and CA that the vectors will carry, at every (re)start of the adapter', async () => {
    const out = tempDir();
    const record = join(tempDir(), 'hello.jsonl');
    process.env.RECORDER_FILE = record;
    try {
      await runCommand({
        suites: ['cookies'],
        targets: ['recorder'],
        vectors: [join(FIXTURES, 'vectors', 'startup.json')],
        out,
        quiet: true,
        targetDirs: [join(FIXTURES, 'startup-targets')],
      }).catch(() => 1);
    } finally {
      delete process.env.RECORDER_FILE;
    }
    const hellos = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { setup?: { cookies?: { proxy: string; ca: { file: string; pem: string; spki: string } } } });
    // The first vector makes the adapter exit: the second runs in a restarted one, which is told again.
    assert.equal(hellos.length, 2);
    const run = readRun(out);
    for (const hello of hellos) {
      const told = hello.setup?.cookies;
      assert.ok(told, `hello without setup.cookies: ${JSON.stringify(hello)}`);
      assert.match(told.proxy, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(told.ca.file, join(out, 'tls', 'conformatrix-test-ca.pem'));
      assert.match(told.ca.pem, /^-----BEGIN CERTIFICATE-----/);
      assert.match(told.ca.spki, /^[A-Za-z0-9+/]{43}=$/);
    }
    assert.deepEqual(hellos[1], hellos[0], 'the restarted adapter hears the same proxy and CA');
    assert.equal(run.results.find((r) => r.vectorId === 'cookies/startup/crash')?.verdict, 'error');
  });
});

describe("a cookie vector's time budget", function () {
  this.timeout(60_000);

  it("is a second per request for a vector of more than ten, when that is more than the run's --timeout: eleven requests answered after 3 s pass, ten time out", async () => {
    const out = tempDir();
    await runCommand({
      suites: ['cookies'],
      targets: ['faulty'],
      vectors: [join(FIXTURES, 'vectors', 'budget.json')],
      out,
      quiet: true,
      timeoutMs: 1500,
      targetDirs: [join(FIXTURES, 'targets')],
    }).catch(() => 1);
    const run = readRun(out);
    const v = verdicts(run, 'faulty');
    assert.equal(v['cookies/budget/eleven-requests/late'], 'pass');
    assert.equal(v['cookies/budget/ten-requests/late'], 'timeout');
    assert.equal(run.results.find((r) => r.vectorId === 'cookies/budget/ten-requests/late')?.reason, 'no verdict within 1500 ms');
  });
});
