/**
 * WebKit (Debian's WPE WebKit, or WebKitGTK under Xvfb), driven over WebDriver
 * classic the way a test suite drives Safari: a new WebDriver session per
 * vector. Each session is a new MiniBrowser process (the driver starts it), so
 * each vector gets a fresh browser and cookie jar. Starting a browser is most
 * of a vector's time, so the browser for a coming vector is started ahead, on
 * a driver of its own (a driver serves one session at a time), while the
 * current vector runs: see startAhead. All traffic goes through the origin server,
 * set as the browser's own proxy (MiniBrowser's --proxy; the WebDriver proxy
 * capability makes WebKit speak TLS to the proxy for https, not CONNECT). The
 * server, not a browser API, records the Cookie headers.
 *
 * TLS trust: WebKit's network stack (libsoup, glib-networking) verifies with
 * GnuTLS's system trust, which on Debian is the one file
 * /etc/ssl/certs/ca-certificates.crt, with no variable to point elsewhere. The
 * adapter makes that path hold the run's test CA for the driver and the
 * browsers only: locally in a mount namespace of their own (a bind mount), in
 * the container through the symlink its image makes to a file in /tmp
 * (CONFORMATRIX_WEBKIT_TRUST_FILE). Certificate checking stays on.
 *
 * The WebDriver calls are plain HTTP requests to the W3C endpoints (about ten
 * of them, see wd()): no client library is needed for that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { FetchParams, FetchResult, Navigation } from '../../suites/cookies/contract.js';

/** What one navigation gave (cookies.fetch's result, per navigation). */
type NavigationResult = FetchResult['navigations'][number];

/** The two WebKit ports Debian packages with a WebDriver; docs/targets/webkit.md says why WPE is the default. */
const PORTS = {
  wpe: {
    name: 'WPE WebKit',
    driver: '/usr/bin/WPEWebDriver',
    browser: '/usr/lib/x86_64-linux-gnu/wpe-webkit-1.1/MiniBrowser',
    options: 'wpe:browserOptions',
    args: ['--headless'],
    display: false,
  },
  gtk: {
    name: 'WebKitGTK',
    driver: '/usr/bin/WebKitWebDriver',
    browser: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    options: 'webkitgtk:browserOptions',
    args: [] as string[],
    display: true,
  },
} as const;

const port = PORTS[(process.env.CONFORMATRIX_WEBKIT_PORT ?? 'wpe') as keyof typeof PORTS];
if (!port) throw new Error(`CONFORMATRIX_WEBKIT_PORT must be wpe or gtk, not ${process.env.CONFORMATRIX_WEBKIT_PORT}`);

/** GnuTLS's system trust file on Debian (the only place glib-networking takes trust from). */
const SYSTEM_TRUST = '/etc/ssl/certs/ca-certificates.crt';

/** Everything the adapter made: removed when it ends, also on SIGTERM. */
const workDir = mkdtempSync(join(tmpdir(), 'conformatrix-webkit-'));
/** The file the browsers read as their trust store (the symlink's target in the image, or the bind mount's source). */
const trustFile = process.env.CONFORMATRIX_WEBKIT_TRUST_FILE ?? join(workDir, 'trust.pem');

interface Driver {
  process: ChildProcess;
  xvfb?: ChildProcess;
  base: string;
  exited: boolean;
}

/**
 * Browsers kept started ahead of the vectors (slots; each is a driver and the
 * session started on it for a coming vector). A slot's browser has the time
 * of the other slots' vectors to start: it starts once its slot's last vector
 * has ended and serves the vector SLOTS - 1 later. Starting a browser takes two
 * to four vectors' time (longer on a busy machine), so with two slots a vector
 * spent most of its time waiting for its browser; four cover it. Each slot is
 * one more idle browser in memory (about 100 MB); docs/targets/webkit.md has
 * the numbers.
 */
const SLOTS = Math.max(1, Math.floor(Number(process.env.CONFORMATRIX_WEBKIT_SLOTS ?? 4)) || 1);

/** Each slot's driver, started when the slot is first used, and again after it failed. */
const drivers: (Driver | undefined)[] = new Array<Driver | undefined>(SLOTS).fill(undefined);
/** A slot's driver being started: a second caller waits for it instead of starting another, which nothing would stop. */
const starting: (Promise<Driver> | undefined)[] = new Array<Promise<Driver> | undefined>(SLOTS).fill(undefined);
/** Every driver started, until it is stopped: what the adapter stops when it ends, a driver still starting included. */
const started = new Set<Driver>();

/** The page load and script timeout of a browser started ahead, until its vector sets its own. */
const AHEAD_TIMEOUT_MS = 30_000;
/**
 * How long closing a session or asking a browser started ahead whether it still answers may take. Neither decides a
 * verdict: past it the slot's driver is replaced, and the vector gets a new browser. A browser killed during a vector
 * left its driver not answering either (the adapter then waited for ever).
 */
const QUICK_MS = 10_000;

/** A free loopback port for the driver (WebDriver servers take a port, not a listening socket). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as { port: number };
      s.close(() => resolve(p));
    });
  });
}

/** Xvfb on a display it picks itself: -displayfd writes the number once the server accepts clients. */
function startXvfb(): Promise<{ process: ChildProcess; display: string }> {
  return new Promise((resolve, reject) => {
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    xvfb.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ process: xvfb, display: `:${out.trim()}` });
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it was ready: ${err.trim()}`)));
  });
}

/**
 * The driver's command: under the image's symlinked trust store as it is, or
 * locally in a mount namespace where the system trust file is the adapter's.
 */
function driverCommand(listen: number): string[] {
  // On 127.0.0.1, not its default "localhost", which it takes as ::1 first (absent in a container without IPv6).
  const argv = [port.driver, '--host=127.0.0.1', `--port=${listen}`];
  if (process.env.CONFORMATRIX_WEBKIT_TRUST_FILE) return argv;
  const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  return [
    'unshare',
    ...userns,
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$1" "$2" && shift 2 && exec "$@"',
    'sh',
    trustFile,
    SYSTEM_TRUST,
    ...argv,
  ];
}

/** The driver's HTTP server answers once it is up; until then connections are refused. */
async function waitReady(base: string, d: Driver): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (d.exited) throw new Error(`${port.driver} exited at start-up: ${driverLog.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    if (attempt > 200) throw new Error(`${port.driver} did not answer on ${base}`);
    // Not a verdict's synchronisation: the driver gives no other sign that it listens.
    await new Promise((r) => setTimeout(r, 50));
  }
}

let driverLog = '';

async function startDriver(): Promise<Driver> {
  // The trust file exists before the bind mount needs it; it gets the run's CA with the first vector.
  writeFileSync(trustFile, '', { flag: 'a' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: workDir,
    XDG_CACHE_HOME: join(workDir, 'cache'),
    XDG_DATA_HOME: join(workDir, 'data'),
    XDG_CONFIG_HOME: join(workDir, 'config'),
    GIO_USE_VFS: 'local',
  };
  let xvfb: ChildProcess | undefined;
  if (port.display) {
    const x = await startXvfb();
    xvfb = x.process;
    env.DISPLAY = x.display;
    delete env.WAYLAND_DISPLAY;
  }
  const listen = await freePort();
  const [cmd, ...args] = driverCommand(listen);
  // Its own process group, so that the driver and every browser it started can be stopped together.
  const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const d: Driver = { process: child, base: `http://127.0.0.1:${listen}`, exited: false, ...(xvfb ? { xvfb } : {}) };
  started.add(d);
  const keep = (b: Buffer) => (driverLog = (driverLog + b.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => (d.exited = true));
  child.once('error', () => (d.exited = true));
  await waitReady(d.base, d);
  return d;
}

function stopDriver(d: Driver | undefined): void {
  if (!d) return;
  started.delete(d);
  // The whole process group, even when its leader has exited: a browser's network process outlives a driver that ended
  // with its browser killed, and stays in the group (seen: a WPENetworkProcess left after the adapter's SIGTERM).
  for (const p of [d.process, d.xvfb]) {
    if (p?.pid) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** Slot i's driver: the running one, or a new one when there is none or it exited. */
async function slotDriver(i: number): Promise<Driver> {
  const d = drivers[i];
  if (d && !d.exited) return d;
  if (starting[i]) return starting[i]!;
  stopDriver(d);
  drivers[i] = undefined;
  const next = startDriver()
    .then((n) => (drivers[i] = n))
    .finally(() => (starting[i] = undefined));
  starting[i] = next;
  return next;
}

/** Ends a driver that failed (a browser that would not start or stop), with its browsers: the slot's next use starts a new one. */
function dropDriver(i: number, d: Driver): void {
  stopDriver(d);
  if (drivers[i] === d) drivers[i] = undefined;
}

/** The W3C element reference key. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

class WebDriverError extends Error {}

/** One WebDriver command: the value of the answer, or its error as an exception. */
async function wd(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object, signal?: AbortSignal): Promise<unknown> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  const json = (await r.json().catch(() => ({ value: { error: 'unreadable answer', message: `HTTP ${r.status}` } }))) as { value: unknown };
  const v = json.value as { error?: string; message?: string } | null;
  if (!r.ok || (v && typeof v === 'object' && 'error' in v && v.error))
    throw new WebDriverError(`${v?.error ?? r.status}: ${(v?.message ?? '').split('\n')[0]}`);
  return json.value;
}

class Session {
  constructor(
    readonly driver: Driver,
    readonly id: string,
    readonly version: string,
  ) {}

  static async open(d: Driver, proxy: string | undefined, timeoutMs: number): Promise<Session> {
    const args = ['--automation', ...port.args, ...(proxy ? [`--proxy=${proxy}`] : [])];
    // A new browser's start has a bound of its own, generous for a busy machine: a driver that never answers is replaced.
    const v = (await wd(
      d.base,
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: {
            [port.options]: { binary: port.browser, args },
            timeouts: { pageLoad: timeoutMs, script: timeoutMs, implicit: 0 },
          },
        },
      },
      AbortSignal.timeout(4 * AHEAD_TIMEOUT_MS),
    )) as { sessionId: string; capabilities: { browserVersion: string } };
    return new Session(d, v.sessionId, v.capabilities.browserVersion);
  }

  /**
   * How long a command may go unanswered: twice the page load and script timeouts the driver enforces itself, and 5 s
   * more. Only a driver that hangs reaches it: one whose browser was killed during a command sometimes never answered
   * it (and the vector, and the adapter, waited for ever). The command then fails, and the slot's driver is replaced.
   */
  private limitMs = 2 * AHEAD_TIMEOUT_MS + 5_000;

  cmd(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> {
    return wd(this.driver.base, method, `/session/${this.id}${path}`, body ?? (method === 'POST' ? {} : undefined), AbortSignal.timeout(this.limitMs));
  }

  /** Ends the session, its browser with it. A driver that does not answer within QUICK_MS is replaced by the caller (dropDriver). */
  close(): Promise<unknown> {
    return wd(this.driver.base, 'DELETE', `/session/${this.id}`, undefined, AbortSignal.timeout(QUICK_MS));
  }

  /** Whether the browser still answers (Get Current URL) within QUICK_MS. */
  answers(): Promise<boolean> {
    return wd(this.driver.base, 'GET', `/session/${this.id}/url`, undefined, AbortSignal.timeout(QUICK_MS)).then(
      () => true,
      () => false,
    );
  }

  /** The page load and script timeouts of the vector it serves. */
  timeouts(ms: number): Promise<unknown> {
    this.limitMs = 2 * ms + 5_000;
    return this.cmd('POST', '/timeouts', { pageLoad: ms, script: ms, implicit: 0 });
  }

  go(url: string) {
    return this.cmd('POST', '/url', { url });
  }

  async element(css: string): Promise<object> {
    return { [ELEMENT]: ((await this.cmd('POST', '/element', { using: 'css selector', value: css })) as Record<string, string>)[ELEMENT] };
  }

  exec(script: string, args: unknown[] = []): Promise<unknown> {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  execAsync(script: string, args: unknown[] = []): Promise<unknown> {
    return this.cmd('POST', '/execute/async', { script, args });
  }
}

/** Resolves with the root element's data-conformatrix mark, once the worker's report has set it. */
const AWAIT_MARK = `const done = arguments[arguments.length - 1];
const root = document.documentElement;
const check = () => { const m = root.getAttribute('data-conformatrix'); if (m !== null) { observer.disconnect(); done(m); } };
const observer = new MutationObserver(check);
observer.observe(root, { attributes: true });
check();`;

/**
 * Waits for the navigation a click started. A link's navigation has begun when
 * Element Click answers, but a form's submission is scheduled and begins
 * later, so the click can answer first. The wait is over when the document
 * that scripts run in is another one: its URL is read from inside it, so the
 * new document has committed, and its request has reached the origin server.
 * WebKit's driver makes a script wait for a navigation in progress to load,
 * so asking until the URL is another one is waiting for that event (the
 * driver has no command that waits for a navigation yet to start). Get
 * Current URL was not enough: in a whole-suite run at 4 busy processes per
 * core it answered another URL, and the vector ended, its browser with it,
 * before a form's POST had been sent (twice in 845 vectors).
 */
async function awaitNavigation(s: Session, before: unknown, deadline: number): Promise<NavigationResult> {
  for (;;) {
    // A script started while the old document unloads can fail: that is not the answer yet.
    const now = await s.exec(WHERE).catch(() => before);
    if (now !== before) return { status: 200 };
    if (Date.now() > deadline) return { error: `the click on #go did not navigate (still at ${String(now)})` };
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The URL of the document scripts run in. */
const WHERE = 'return location.href;';

async function navigate(s: Session, nav: Navigation, deadline: number): Promise<NavigationResult> {
  try {
    if (nav.reload) {
      // WebDriver's Refresh is the browser's own reload of the current document.
      await s.cmd('POST', '/refresh');
      return { status: 200 };
    }
    if (!nav.initiator) {
      if (nav.method !== 'GET') return { error: `a typed navigation is a GET; ${nav.method} needs an initiator document` };
      await s.go(nav.url);
      return { status: 200 };
    }
    // With the normal page load strategy, this returns once the initiator's load event has fired: its image or frame included.
    await s.go(nav.initiator.url);
    if (nav.initiator.destination === 'worker' || nav.initiator.destination === 'shared-worker') {
      const report = await s.execAsync(AWAIT_MARK);
      return report === 'done' ? { status: 200 } : { error: `the worker's request: ${String(report)}` };
    }
    if (nav.initiator.destination !== 'document') return { status: 200 };
    const before = await s.exec(WHERE);
    await s.cmd('POST', `/element/${Object.values(await s.element('#go'))[0]}/click`);
    return await awaitNavigation(s, before, deadline);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * Runs the script in the loaded document (the #go frame for an iframe). A
 * write is handed to the network process without an answer; a read goes over
 * the same connection and is answered in order, so a read after the last write
 * makes sure the store has it before the next navigation asks.
 */
async function runScript(s: Session, nav: Navigation): Promise<string[]> {
  const framed = nav.initiator?.destination === 'iframe';
  if (framed) await s.cmd('POST', '/frame', { id: await s.element('#go') });
  const reads: string[] = [];
  try {
    for (const op of nav.script!) {
      if ('set' in op) await s.exec('document.cookie = arguments[0];', [op.set]);
      else reads.push(String(await s.exec('return document.cookie;')));
    }
    if ('set' in nav.script![nav.script!.length - 1]!) await s.exec('return document.cookie;');
  } finally {
    if (framed) await s.cmd('POST', '/frame/parent').catch(() => undefined);
  }
  return reads;
}

/** A browser started ahead on a slot: what it was started for (the proxy and the CA), and its session once ready. */
interface Ahead {
  key: string;
  session: Promise<Session>;
}

/** Per slot, the browser started for the slot's coming vector. */
const ahead: (Ahead | undefined)[] = new Array<Ahead | undefined>(SLOTS).fill(undefined);

/** The next slot to serve a vector: slots take turns, so each has the others' vectors' time to start its browser. */
let turn = 0;

/** What a browser is started for: vectors with another proxy or CA do not use it. */
const keyOf = (proxy: string | undefined, pem: string) => `${proxy ?? ''}\n${pem}`;

/**
 * Starts a fresh browser on slot i for a vector to come: a new session (a new
 * MiniBrowser, its network process and an empty cookie jar) that has loaded
 * about:blank, which starts its web process. That is most of the time a new
 * browser takes before its first request; about:blank makes no request, so
 * the browser has made none, and holds nothing, when its vector gets it. A
 * browser the slot held before (started for another proxy or CA) is closed
 * first: a driver serves one session at a time.
 */
function startAhead(i: number, proxy: string | undefined, key: string): void {
  const before = ahead[i];
  const session = (async () => {
    if (before) await before.session.then((s) => s.close().catch(() => dropDriver(i, s.driver))).catch(() => undefined);
    const d = await slotDriver(i);
    try {
      const s = await Session.open(d, proxy, AHEAD_TIMEOUT_MS);
      await s.go('about:blank');
      return s;
    } catch (err) {
      dropDriver(i, d);
      throw err;
    }
  })();
  // A failure is seen by take(), which then starts a browser itself.
  session.catch(() => undefined);
  ahead[i] = { key, session };
}

/** Starts a browser on each slot that holds none for this proxy and CA. */
function fillSlots(proxy: string | undefined, key: string, except?: number): void {
  for (let i = 0; i < SLOTS; i++) if (i !== except && ahead[i]?.key !== key) startAhead(i, proxy, key);
}

/**
 * The browser for a vector: the one its slot started ahead, when it was
 * started for this proxy and CA and still answers (a browser that died
 * meanwhile has lost its session), or else a new one started now.
 */
async function take(params: FetchParams, key: string): Promise<{ slot: number; session: Session }> {
  const i = turn;
  turn = (turn + 1) % SLOTS;
  const started = ahead[i];
  ahead[i] = undefined;
  let s: Session | undefined;
  if (started?.key === key) {
    s = await started.session.catch(() => undefined);
    if (s && !(await s.answers())) {
      dropDriver(i, s.driver);
      s = undefined;
    }
  } else if (started) {
    await started.session.then((old) => old.close().catch(() => dropDriver(i, old.driver))).catch(() => undefined);
  }
  if (!s) {
    const d = await slotDriver(i);
    try {
      s = await Session.open(d, params.proxy, AHEAD_TIMEOUT_MS);
    } catch (err) {
      // A driver that cannot start a browser is started anew for the next vector.
      dropDriver(i, d);
      throw new Error(`no browser session: ${(err as Error).message}; driver log: ${driverLog.trim().split('\n').slice(-3).join(' | ')}`, { cause: err });
    }
  }
  // The other slots start their browsers now, while this vector runs.
  fillSlots(params.proxy, key, i);
  return { slot: i, session: s };
}

/** The CA the trust file holds. */
let trusted: string | undefined;

/**
 * Writes the run's CA to the trust file, in place (same inode), so that the
 * bind mount shows it; each new browser's network process reads it anew. Only
 * when it changes: a browser starting ahead may be reading it.
 */
function trust(pem: string): void {
  if (pem === trusted) return;
  writeFileSync(trustFile, pem);
  trusted = pem;
}

async function fetchVector(params: FetchParams) {
  trust(params.ca.pem);
  const key = keyOf(params.proxy, params.ca.pem);
  const { slot, session: s } = await take(params, key);
  // The vector's time starts with its browser: starting one (when none was ready) is start-up, not the vector's work.
  const deadline = Date.now() + params.timeoutMs;
  const navigations: NavigationResult[] = [];
  try {
    await s.timeouts(Math.max(500, params.timeoutMs));
    for (const nav of params.navigations) {
      if (Date.now() > deadline) {
        navigations.push({ error: 'out of time' });
        continue;
      }
      const result = await navigate(s, nav, deadline);
      if (nav.script && !result.error) {
        try {
          result.reads = await runScript(s, nav);
        } catch (err) {
          result.error = `document.cookie: ${(err as Error).message}`;
        }
      }
      navigations.push(result);
    }
  } finally {
    // The browser ends before the vector's result goes back: no late request of it can reach the next vector's session on the origin server.
    await s.close().catch(() => {
      // A browser that no longer answers takes its driver with it: the slot gets new ones.
      dropDriver(slot, s.driver);
    });
    startAhead(slot, params.proxy, key);
  }
  return { navigations };
}

let version: string | undefined;

function cleanup(): void {
  for (const d of [...drivers, ...started]) stopDriver(d);
  drivers.fill(undefined);
  rmSync(workDir, { recursive: true, force: true });
}

interface HelloParams {
  /** The cookie suite's HTTP mode tells the proxy and CA every cookies.fetch will carry (Suite.startup). */
  setup?: { cookies?: { proxy: string; ca: { pem: string } } };
}

serveAdapter({
  hello: async (params: HelloParams) => {
    const told = params?.setup?.cookies;
    if (told) {
      // The first vectors' browsers start now, within the runner's start-up budget; the first one reports the version.
      trust(told.ca.pem);
      fillSlots(told.proxy, keyOf(told.proxy, told.ca.pem));
      version ??= (await ahead[0]!.session).version;
    } else if (!version) {
      // Not told the proxy: a throwaway session asks the browser its version (its browserVersion capability).
      const d = await slotDriver(0);
      const s = await Session.open(d, undefined, 10_000);
      version = s.version;
      await s.close();
    }
    return {
      contract: CONTRACT_VERSION,
      implementation: { name: port.name, version },
      capabilities: ['https', 'browser-context', 'document-cookie', 'reload', 'workers'],
    };
  },
  'cookies.fetch': (params: FetchParams) => fetchVector(params),
});

process.on('exit', cleanup);

// The runner stops an adapter with SIGTERM (after a timeout, on Ctrl-C): the driver, its browsers and Xvfb go with it, and the work folder.
process.once('SIGTERM', () => process.exit(143));
