/**
 * Firefox (Debian's firefox-esr), driven over WebDriver BiDi, which Firefox
 * speaks itself (--remote-debugging-port), with puppeteer-core as the client.
 * The adapter launches Firefox itself, headless, on a profile it makes (its
 * user.js from prefs.ts: no background service, no proxy bypass), so that the
 * cookie settings are Firefox's own; puppeteer connects to the BiDi endpoint.
 * One browser for the adapter, launched at hello; a user context (a cookie
 * jar) whose proxy is the origin server (BiDi browser.createUserContext's
 * proxy), and one tab in it, shared by the vectors and reset between them (see
 * reset): a fresh user context and tab per vector cost Firefox about as
 * much as one of the vector's navigations (docs/targets/firefox.md).
 * Navigations are the chromium adapter's: a typed URL, a reload, or an initiator document loaded
 * first and its #go element clicked (or its image, frame or worker awaited).
 * The run's test CA is added to the profile's certificate database with NSS's
 * certutil, as a trusted issuer of server certificates, so certificates are
 * checked as usual. A browser that crashes fails the vector it was running and
 * is launched anew for the next.
 * SIGTERM, or stdin's end, closes the browser and removes the profile folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Frame, type Page } from 'puppeteer-core';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { FetchParams, FetchResult, Navigation } from '../../suites/cookies/contract.js';

/** What one navigation gave (cookies.fetch's result, per navigation). */
type NavigationResult = FetchResult['navigations'][number];
import { FIREFOX_PREFS, userJs } from './prefs.js';

/** The page's document, in the functions page.evaluate runs in the browser (the adapter itself runs in Node, without the DOM's types). */
declare const document: { cookie: string; documentElement: { getAttribute(name: string): string | null } };

const CAPABILITIES = ['https', 'browser-context', 'document-cookie', 'reload', 'workers'];

const EXECUTABLE =
  process.env.CONFORMATRIX_FIREFOX ?? ['/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox-esr'].find((p) => existsSync(p)) ?? '/usr/bin/firefox-esr';

/** A Firefox the adapter started: its process, its profile folder, the CAs its profile trusts, and (once connected) the BiDi client. */
interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  profile: string;
  trusted: Set<string>;
  browser?: Browser;
}

/** Every Firefox not yet ended, from its spawn on: what SIGTERM and exit end and remove, even one still starting. */
const launched = new Set<Running>();
let current: Promise<Running> | undefined;

/** Runs NSS's certutil on the profile's certificate database. */
function certutil(profile: string, args: string[], input?: string): void {
  const r = spawnSync('certutil', ['-d', `sql:${profile}`, ...args], { input, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`certutil ${args[0]}: ${r.error?.message ?? r.stderr.trim()}`);
}

/** A fresh profile folder: the preferences, and an empty NSS database that the run's CA is added to. */
function makeProfile(): string {
  const profile = mkdtempSync(join(tmpdir(), 'conformatrix-firefox-'));
  writeFileSync(join(profile, 'user.js'), userJs(FIREFOX_PREFS));
  // Firefox's caches and temporary files go under the profile too, so that removing it leaves nothing behind.
  mkdirSync(join(profile, 'tmp'));
  certutil(profile, ['-N', '--empty-password']);
  return profile;
}

/** Launches Firefox on a fresh profile and connects to its BiDi endpoint, which it announces on stderr. */
async function launch(): Promise<Running> {
  const profile = makeProfile();
  const child = spawn(EXECUTABLE, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: profile, TMPDIR: join(profile, 'tmp'), XDG_CACHE_HOME: join(profile, 'tmp'), MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  const r: Running = { child, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())), profile, trusted: new Set() };
  launched.add(r);
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`firefox exited (${signal ?? code}) before it listened: ${stderr.slice(-500)}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
    });
    r.browser = await puppeteer.connect({ browserWSEndpoint: `${endpoint}/session`, protocol: 'webDriverBiDi' });
    return r;
  } catch (err) {
    await shutdown(r, 0);
    throw err;
  }
}

/**
 * Firefox's processes: the main one, those under it (content, socket and
 * utility processes), and those that name its profile folder (the crash
 * helper, which leaves the tree), deepest first.
 */
function processesOf(r: Running): number[] {
  const children = new Map<number, number[]>();
  const naming: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent's pid is the second field after the command, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(r.profile)) naming.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  const below = (p: number): number[] => (children.get(p) ?? []).flatMap((c) => [...below(c), c]);
  return [...new Set([...below(r.child.pid!), ...naming, r.child.pid!])];
}

/** SIGKILL to every process of a Firefox: a killed main process does not take the others with it at once. */
function killTree(r: Running): void {
  if (r.child.pid === undefined) return;
  for (const pid of processesOf(r)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Ends a browser: a BiDi close if it answers, SIGKILL to its processes if it does not within `graceMs`; then removes its profile. */
async function shutdown(r: Running, graceMs: number): Promise<void> {
  const killer = setTimeout(() => killTree(r), graceMs);
  if (r.browser && graceMs > 0) await r.browser.close().catch(() => killTree(r));
  else killTree(r);
  await r.exited;
  clearTimeout(killer);
  rmSync(r.profile, { recursive: true, force: true, maxRetries: 5 });
  launched.delete(r);
}

const alive = (r: Running) => r.browser?.connected === true && r.child.exitCode === null && r.child.signalCode === null;

/**
 * The browser for a vector: the running one, launched anew if it has died. The
 * run's CA is added to the profile's NSS database while Firefox runs: NSS
 * shares the SQLite database, and the next TLS handshake trusts it.
 */
async function browserFor(caPem: string | undefined): Promise<Browser> {
  let r = await current?.catch(() => undefined);
  if (!r || !alive(r)) {
    if (r) await shutdown(r, 0);
    current = launch();
    r = await current;
  }
  if (caPem !== undefined && !r.trusted.has(caPem)) {
    certutil(r.profile, ['-A', '-n', `conformatrix test CA ${r.trusted.size + 1}`, '-t', 'C,,', '-a'], caPem);
    r.trusted.add(caPem);
  }
  return r.browser!;
}

async function navigate(page: Page, nav: Navigation, timeout: number): Promise<{ status?: number; error?: string }> {
  try {
    if (nav.reload) {
      // What the reload button does: the parent process reloads the tab's document (BiDi browsingContext.reload).
      const response = await page.reload({ waitUntil: 'load', timeout });
      return response ? { status: response.status() } : { error: 'no response' };
    }
    if (!nav.initiator) {
      if (nav.method !== 'GET') return { error: `a typed navigation is a GET; ${nav.method} needs an initiator document` };
      const response = await page.goto(nav.url, { waitUntil: 'load', timeout });
      return response ? { status: response.status() } : { error: 'no response' };
    }
    await page.goto(nav.initiator.url, { waitUntil: 'load', timeout });
    if (nav.initiator.destination === 'worker' || nav.initiator.destination === 'shared-worker') {
      // The worker's fetch ends after the page's load: the page marks its root element with the worker's report.
      await page.waitForSelector('html[data-conformatrix]', { timeout });
      const report = await page.evaluate(() => document.documentElement.getAttribute('data-conformatrix'));
      return report === 'done' ? { status: 200 } : { error: `the worker's request: ${report}` };
    }
    if (nav.initiator.destination !== 'document') return { status: 200 };
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout }), page.click('#go')]);
    return response ? { status: response.status() } : { error: 'no response' };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0]! };
  }
}

/** The document a navigation loaded: the page's, or the frame the initiator's #go element holds. */
async function loadedDocument(page: Page, nav: Navigation): Promise<Frame> {
  if (nav.initiator?.destination !== 'iframe') return page.mainFrame();
  const frame = await (await page.$('#go'))?.contentFrame();
  if (!frame) throw new Error('the initiator document has no #go frame');
  return frame;
}

/**
 * Runs the script in the loaded document. A document.cookie write sends the
 * cookie to the parent process's cookie service at once (an IPC message of the
 * content process's channel to the parent); the BiDi answer to the write comes
 * back over the same channel, after it, so the parent has stored the cookie
 * before the adapter starts the next navigation.
 */
async function runScript(page: Page, nav: Navigation): Promise<string[]> {
  const frame = await loadedDocument(page, nav);
  const reads: string[] = [];
  for (const op of nav.script!) {
    if ('set' in op) await frame.evaluate((s) => void (document.cookie = s), op.set);
    else reads.push(await frame.evaluate(() => document.cookie));
  }
  return reads;
}

/** The proxy as BiDi wants it: host:port. */
const hostPort = (proxy: string) => new URL(proxy).host;

/** The user context and tab the vectors share, in one browser, for one proxy. */
interface Shared {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  proxy: string;
  /** When it was made: it is replaced after MAX_CONTEXT_AGE_MS (see reset). */
  since: number;
}

let shared: Shared | undefined;

/**
 * A user context serves vectors for this long at most. The reset clears all a
 * vector can leave behind, but Firefox keeps bookkeeping of its own per user
 * context (bounce-tracking protection, for one, which acts on sites long after
 * their bounce): a context made afresh from time to time keeps such state far
 * from anything a vector could notice.
 */
const MAX_CONTEXT_AGE_MS = 10 * 60_000;

/** How long the reset's navigation to about:blank may take before the context is thrown away. */
const RESET_BUDGET_MS = 5_000;

/** The shared user context and tab for this browser and proxy: the ones in use, or new ones. */
async function prepare(browser: Browser, proxy: string): Promise<Shared> {
  if (shared && shared.browser === browser && shared.proxy === proxy && !shared.page.isClosed()) return shared;
  await discard();
  const context = await browser.createBrowserContext({ proxyServer: hostPort(proxy) });
  try {
    // One tab, as a user would browse: each navigation replaces the document in it.
    const page = await context.newPage();
    shared = { browser, context, page, proxy, since: Date.now() };
    return shared;
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}

/** Removes the shared user context (BiDi browser.removeUserContext: its tabs, their documents and workers, its cookies go with it). */
async function discard(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.context.close().catch(() => undefined);
}

/** A vector whose pages start a dedicated or shared worker. */
const startsWorkers = (navigations: Navigation[]) =>
  navigations.some((n) => n.initiator?.destination === 'worker' || n.initiator?.destination === 'shared-worker');

/**
 * Sends a WebDriver BiDi command that puppeteer has no method for, on the
 * browser's own session (puppeteer's BiDi browser exposes its connection).
 */
async function bidi(browser: Browser, method: string, params: object): Promise<void> {
  await (browser as unknown as { connection: { send(method: string, params: object): Promise<unknown> } }).connection.send(method, params);
}

/**
 * Brings the shared user context back to the state of a fresh one after a
 * vector:
 * - any tab the vector opened is closed, and the shared tab goes to
 *   about:blank (a new tab's document), which unloads the vector's documents
 *   and frames;
 * - every cookie of the user context is deleted: BiDi storage.deleteCookies
 *   with the user context as its partition, which Firefox turns into an
 *   origin-attributes pattern naming only the user context, so that it
 *   matches the cookies of every partition key too (a cross-site frame's
 *   cookies, which Total Cookie Protection keeps under the top-level site).
 *   The cookie service tells the content processes, which drop them from the
 *   copies document.cookie reads.
 * Firefox's BiDi reports no worker realms, so the end of a vector's workers
 * cannot be awaited: after a vector whose pages start workers, the user
 * context is removed instead, as before every vector in the past, and the next
 * vector gets a new one (a shared worker belongs to its user context, so no
 * later page can join it). Nothing else a vector does outlives its documents:
 * every response of the origin server is `Cache-Control: no-store` and sends
 * no Strict-Transport-Security, the server closes the connections when a
 * vector ends, and its pages use no storage but cookies. When a step fails,
 * or the context is older than MAX_CONTEXT_AGE_MS, it is thrown away too.
 */
async function reset(s: Shared, navigations: Navigation[]): Promise<void> {
  try {
    if (startsWorkers(navigations)) throw new Error('workers may outlive the vector');
    if (Date.now() - s.since > MAX_CONTEXT_AGE_MS) throw new Error('old enough to be replaced');
    for (const p of await s.context.pages()) if (p !== s.page) await p.close();
    await s.page.goto('about:blank', { waitUntil: 'load', timeout: RESET_BUDGET_MS });
    await bidi(s.browser, 'storage.deleteCookies', { partition: { type: 'storageKey', userContext: s.context.id } });
  } catch {
    if (shared === s) await discard();
  }
}

async function fetch(params: FetchParams) {
  const browser = await browserFor(params.ca?.pem);
  const deadline = Date.now() + params.timeoutMs;
  const navigations: NavigationResult[] = [];
  let s: Shared | undefined;
  try {
    s = await prepare(browser, params.proxy);
    for (const nav of params.navigations) {
      const result: NavigationResult = await navigate(s.page, nav, Math.max(500, deadline - Date.now()));
      if (nav.script && !result.error) {
        try {
          result.reads = await runScript(s.page, nav);
        } catch (err) {
          result.error = `document.cookie: ${(err as Error).message.split('\n')[0]!}`;
        }
      }
      navigations.push(result);
    }
  } finally {
    if (s) await reset(s, params.navigations);
  }
  const r = await current?.catch(() => undefined);
  if (r && r.browser === browser && !alive(r))
    throw new Error(`firefox ended during the vector (${r.child.signalCode ?? r.child.exitCode ?? 'disconnected'}); it is launched anew for the next`);
  return { navigations };
}

let version: string | undefined;

interface HelloParams {
  /** The cookie suite's HTTP mode tells the proxy every cookies.fetch will carry (Suite.startup). */
  setup?: { cookies?: { proxy: string } };
}

serveAdapter({
  hello: async (params: HelloParams) => {
    // The browser for the run starts now; its version comes from the browser itself.
    const browser = await browserFor(undefined);
    version ??= (await browser.version()).replace(/^firefox\//i, '');
    // Told the proxy: the shared user context and its tab are made now too, not in the first vector's deadline.
    const told = params?.setup?.cookies;
    if (told) await prepare(browser, told.proxy);
    return { contract: CONTRACT_VERSION, implementation: { name: 'Firefox ESR', version }, capabilities: CAPABILITIES };
  },
  'cookies.fetch': (params: FetchParams) => fetch(params),
});

// stdin's end: the kit exits; a synchronous kill and removal are all an exit handler can do.
process.on('exit', () => {
  for (const r of launched) {
    killTree(r);
    // Its content processes may still be ending: removal retries while files come and go.
    rmSync(r.profile, { recursive: true, force: true, maxRetries: 5 });
  }
});

// The runner stops an adapter with SIGTERM (after a timeout, on Ctrl-C) and gives it two seconds before SIGKILL:
// a browser gets one to close, then its profile folder is removed.
process.once('SIGTERM', () => {
  void Promise.all([...launched].map((r) => shutdown(r, 1000)))
    .catch(() => undefined)
    .finally(() => process.exit(143));
});
