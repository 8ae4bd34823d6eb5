// The webkit target's adapter with the real browser: a fresh cookie jar per vector, also from the browsers it starts
// ahead of their vectors, a browser that dies mid-vector, and SIGTERM, which must leave no driver, browser or Xvfb
// behind, nor the adapter's temporary folder.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCommand } from '../../runner/run.js';
import { discoverTargets, missingRequirement } from '../../runner/targets.js';
import { TestCa } from '../../suites/cookies/http/test-ca.js';
import { readRun, ROOT, tempDir, verdicts } from '../helpers.js';
import { runIsolation } from './browsers.js';
import { MARK, markedProcesses } from '../leftovers.js';

const ADAPTER = join(ROOT, 'dist', 'targets', 'webkit', 'adapter.js');
/** Both ports the adapter can drive; WPE is the target's own, WebKitGTK is tried when it is installed. */
const PORTS = [
  { port: 'wpe', needs: ['/usr/bin/WPEWebDriver', '/usr/lib/x86_64-linux-gnu/wpe-webkit-1.1/MiniBrowser'] },
  { port: 'gtk', needs: ['/usr/bin/WebKitWebDriver', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/bin/Xvfb'] },
];

function skipUnlessWebkit(ctx: Mocha.Context): void {
  const webkit = discoverTargets().find((t) => t.id === 'webkit')!;
  const missing = missingRequirement(webkit);
  if (missing) {
    process.stdout.write(`      skipped: webkit is not available here: ${missing} (targets/install-packages.sh webkit)\n`);
    ctx.skip();
  }
}

/** The adapter as the local driver starts it, speaking JSON-RPC over its stdin and stdout. */
class Adapter {
  readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [ADAPTER], {
      cwd: join(ROOT, 'targets', 'webkit'),
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { id: number; result?: unknown; error?: { message: string } };
      this.waiting.get(m.id)?.(m);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async call(method: string, params: object): Promise<unknown> {
    const id = this.next++;
    const answer = new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    const m = await answer;
    if (m.error) throw new Error(m.error.message);
    return m.result;
  }
}

/**
 * The pids under `root` whose name (the kernel's, from /proc/PID/stat) matches. Only stat files are read: reading another
 * process's command line or environment takes its memory's lock, and a process being killed can hold that a long time,
 * which blocked the whole test process (and mocha's own timeout) when the proxy below looked for the browsers that way.
 */
function descendants(root: number, what: RegExp): number[] {
  const parent = new Map<number, { ppid: number; name: string }>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const m = /^(\d+) \((.*)\) \S (\d+)/s.exec(readFileSync(`/proc/${p}/stat`, 'utf8'));
      if (m) parent.set(Number(m[1]), { ppid: Number(m[3]), name: m[2]! });
    } catch {
      // Gone meanwhile.
    }
  }
  const under = (pid: number): boolean => {
    for (let q = parent.get(pid)?.ppid; q !== undefined && q > 1; q = parent.get(q)?.ppid) if (q === root) return true;
    return false;
  };
  return [...parent].filter(([pid, p]) => what.test(p.name) && under(pid)).map(([pid]) => pid);
}

/** Live processes of the mark whose command line names `what`. */
const marked = (mark: string, what: RegExp) => markedProcesses(mark).filter((p) => what.test(p));

describe('webkit target', function () {
  this.timeout(300_000);

  it("gives each vector a fresh cookie jar: a cookie an earlier vector stored is not sent, also on its slot's next browser", async function () {
    skipUnlessWebkit(this);
    const vector = (id: string, requests: object[]) => ({ id, title: id, spec: [{ doc: 'rfc6265bis', section: '5.7' }], level: 'MUST', ua: 'any', requests });
    const file = join(tempDir(), 'leak.json');
    writeFileSync(
      file,
      JSON.stringify({
        vectors: [
          // The first vector stores a persistent cookie and shows that it was stored; the later ones ask for it again.
          // Four of them: with the default four slots, the last runs on the first one's slot.
          vector('cookies/test/a-stores', [
            { url: 'http://leak.example.org/', cookie: null, response: { setCookie: ['kept=1; Max-Age=86400; Path=/'] } },
            { url: 'http://leak.example.org/', cookie: 'kept=1' },
          ]),
          ...['b', 'c', 'd', 'e'].map((n) => vector(`cookies/test/${n}-starts-empty`, [{ url: 'http://leak.example.org/', cookie: null }])),
        ],
      }),
    );
    const out = tempDir();
    // One vector at a time per target, in file order: the others run after a, on the same adapter.
    await runCommand({ suites: ['cookies'], targets: ['webkit'], vectors: [file], out, quiet: true, timeoutMs: 30_000 });
    const results = readRun(out).results;
    assert.deepEqual(results.map((r) => `${r.vectorId}: ${r.verdict}${r.reason ? ` ${r.reason}` : ''}`).sort(), [
      'cookies/test/a-stores: pass',
      'cookies/test/b-starts-empty: pass',
      'cookies/test/c-starts-empty: pass',
      'cookies/test/d-starts-empty: pass',
      'cookies/test/e-starts-empty: pass',
    ]);
  });

  // The browsers started ahead take turns. With two slots (the default is four) and three vectors, the third runs on
  // the slot of the first, in the browser that slot started after the first vector's had ended: a slot that served a
  // second vector in the same browser would fail here.
  it("starts each vector's browser ahead, fresh: a vector finds no cookie, document.cookie write or shared worker of the ones before", async function () {
    skipUnlessWebkit(this);
    const before = process.env.CONFORMATRIX_WEBKIT_SLOTS;
    // The local driver hands the runner's environment to the adapter.
    process.env.CONFORMATRIX_WEBKIT_SLOTS = '2';
    const { run, failed } = await runIsolation('webkit', 'chromium-isolation.json').finally(() => {
      if (before === undefined) delete process.env.CONFORMATRIX_WEBKIT_SLOTS;
      else process.env.CONFORMATRIX_WEBKIT_SLOTS = before;
    });
    // WebKit lists a document's cookies in an order of its own (host-only ones before domain ones): the first vector
    // fails on that order alone, its read shows that all four cookies were stored.
    assert.deepEqual(failed, [
      'cookies/isolation/leaves-cookies: fail: request 1 (GET https://app.example.com/): document.cookie read 1 expected "h=1; d=1; p=1; js=1", got "h=1; p=1; js=1; d=1"',
    ]);
    assert.deepEqual(Object.keys(verdicts(run, 'webkit')), [
      'cookies/isolation/leaves-cookies',
      'cookies/isolation/leaves-a-worker',
      'cookies/isolation/finds-nothing',
    ]);
  });

  for (const { port, needs } of PORTS) {
    it(`${port}: SIGTERM stops the driver, its browsers${port === 'gtk' ? ' and Xvfb' : ''}, and removes the adapter's folder`, async function () {
      const missing = needs.find((f) => !existsSync(f));
      if (missing) {
        process.stdout.write(`      skipped: ${missing} is absent (the ${port} port's packages are not installed)\n`);
        return this.skip();
      }
      const tmp = tempDir();
      const mark = `webkit-sigterm-${port}-${process.pid}`;
      const adapter = new Adapter({ TMPDIR: tmp, [MARK]: mark, CONFORMATRIX_WEBKIT_PORT: port });
      const hello = (await adapter.call('hello', { contract: '1', suites: ['cookies'] })) as { implementation: { name: string; version: string } };
      assert.match(hello.implementation.version, /^2\.\d+\.\d+$/);
      assert.equal(hello.implementation.name, port === 'wpe' ? 'WPE WebKit' : 'WebKitGTK');
      // The driver runs (started at hello), and under the gtk port so does Xvfb.
      assert.equal(marked(mark, /WebDriver/).length >= 1, true, markedProcesses(mark).join('\n'));
      if (port === 'gtk') assert.equal(marked(mark, /Xvfb/).length, 1, markedProcesses(mark).join('\n'));
      assert.equal(readdirSync(tmp).length, 1);
      adapter.child.kill('SIGTERM');
      assert.equal(await adapter.exited, 143);
      assert.deepEqual(markedProcesses(mark), []);
      assert.deepEqual(readdirSync(tmp), []);
    });
  }

  it('a browser that dies during a vector gives that navigation an error, and the next vector gets a new browser', async function () {
    skipUnlessWebkit(this);
    const tmp = tempDir();
    const mark = `webkit-crash-${process.pid}`;
    const requests: string[] = [];
    // A forward proxy for plain http: /crash kills the browser (every MiniBrowser of this adapter) instead of answering.
    const proxy: Server = createServer((req, res) => {
      requests.push(req.url!);
      if (req.url!.endsWith('/crash')) {
        // Kernel names are cut at 15 characters (WPENetworkProce, WebKitWebProces).
        for (const pid of descendants(adapter.child.pid!, /MiniBrowser|WebProces|NetworkProce/)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Gone meanwhile.
          }
        }
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>ok</p>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const adapter = new Adapter({ TMPDIR: tmp, [MARK]: mark });
    try {
      await adapter.call('hello', { contract: '1', suites: ['cookies'] });
      const ca = { pem: new TestCa().certPem };
      const fetch = (url: string) =>
        adapter.call('cookies.fetch', { vector: 'x', proxy: address, ca, navigations: [{ url, method: 'GET' }], timeoutMs: 20_000 }) as Promise<{
          navigations: { status?: number; error?: string }[];
        }>;
      const crashed = await fetch('http://crash.example.org/crash');
      assert.equal(crashed.navigations.length, 1);
      assert.ok(crashed.navigations[0]!.error, JSON.stringify(crashed));
      const after = await fetch('http://fine.example.org/ok');
      assert.deepEqual(after.navigations, [{ status: 200 }]);
      assert.deepEqual(
        requests.filter((u) => !u.endsWith('/favicon.ico')),
        ['http://crash.example.org/crash', 'http://fine.example.org/ok'],
      );
    } finally {
      adapter.child.kill('SIGTERM');
      await adapter.exited;
      proxy.close();
    }
    assert.deepEqual(markedProcesses(mark), []);
  });
});
