/**
 * Chromium (Debian's package), driven with playwright-core the way a user's
 * browser would be driven: one headless browser for the whole run, launched
 * in hello (with the proxy and CA the runner tells it there) so that no vector
 * pays for a launch inside its deadline; top-level navigations to the
 * vector's URLs in one tab, and, for requests started by another site, the
 * initiator document loaded first and its link clicked (or its image or
 * frame loaded). All traffic goes through the origin server as the context's
 * proxy; the server, not a browser API, records the Cookie headers. The run's
 * host certificates are trusted by pinning their key (--ignore-certificate-
 * errors-spki-list): Chromium takes no CA file on the command line. A
 * navigation's script (the non-HTTP API) runs through the real document.cookie
 * of the loaded document, or of the #go frame for an iframe. A request a
 * worker makes is awaited through the mark the initiator page sets when its
 * worker reports.
 *
 * The browser runs in a network namespace of its own, where only loopback
 * exists and the proxy is reached through the adapter (netns.ts): changes of
 * the machine's interfaces would otherwise abort its navigations with
 * net::ERR_NETWORK_CHANGED.
 *
 * The vectors share one browser context (a cookie jar) and its tab, which
 * are reset after each vector to the state of fresh ones (see reset): a
 * fresh context per vector cost Chromium about as much CPU as the vector
 * itself. A reset that cannot be completed throws the context away.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Frame, type Page } from 'playwright-core';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';
import type { FetchParams, FetchResult, Navigation } from '../../suites/cookies/contract.js';
import { isolate, type Isolation } from './netns.js';

/** What one navigation gave (cookies.fetch's result, per navigation). */
type NavigationResult = FetchResult['navigations'][number];

/** The page's document, in the functions page.evaluate runs in the browser (the adapter itself runs in Node, without the DOM's types). */
declare const document: { cookie: string };

const EXECUTABLE = process.env.CONFORMATRIX_CHROMIUM ?? ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p))!;

let browser: Browser | undefined;
let launchedFor: string | undefined;
/** The network namespace's bridge of the running browser, if it has one. */
let isolation: Isolation | undefined;
/** Said once on stderr when the browser runs without a namespace of its own. */
let warned = false;

/**
 * Features off on top of playwright's own list. HttpsUpgrades and the
 * HTTPS-First ones: http vectors must stay http (no automatic upgrade of typed
 * http navigations to https). The WebUI omnibox popups: the browser's own
 * address-bar UI, which otherwise loads two chrome:// pages in a renderer of
 * their own for every tab; nothing a vector sees.
 */
const DISABLED_FEATURES = [
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'HttpsFirstModeV2ForTypicallySecureUsers',
  'MediaRouter',
  'OptimizationHints',
  'Translate',
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
];

/** The browser for this run: launched once, again only if the pinned key or the proxy's host changes. */
async function launch(spki: string, proxy: string): Promise<Browser> {
  const proxyHost = new URL(proxy).hostname;
  const key = `${spki} ${proxyHost}`;
  if (browser && launchedFor === key && browser.isConnected()) return browser;
  await discard();
  await browser?.close().catch(() => undefined);
  isolation?.close();
  isolation = undefined;
  launchedFor = key;
  const ns = await isolate(proxy, EXECUTABLE);
  if ('reason' in ns) {
    if (!warned) process.stderr.write(`chromium: runs in this machine's network namespace (${ns.reason}): an interface change aborts its requests\n`);
    warned = true;
  } else isolation = ns;
  browser = await chromium.launch({
    executablePath: isolation?.executable ?? EXECUTABLE,
    ...(isolation ? { env: isolation.env } : {}),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
      '--no-first-run',
      '--disable-quic',
      // Nothing is ever resolved: every request goes to the proxy, which answers for every host.
      `--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE ${proxyHost}`,
      '--proxy-bypass-list=<-loopback>',
      `--ignore-certificate-errors-spki-list=${spki}`,
      `--disable-features=${DISABLED_FEATURES.join(',')}`,
    ],
  });
  workers = await watchWorkers(browser);
  return browser;
}

/**
 * The browser's live workers (dedicated, shared, service), by target id, from
 * the browser's own target events: a reset waits for the vector's workers to
 * end, so that none is still there to answer the next vector (a shared
 * worker of the same URL would be joined, not started anew).
 */
interface Workers {
  live: Set<string>;
  /** Called when a worker ends. */
  changed?: () => void;
  cdp: CDPSession;
}

let workers: Workers | undefined;

async function watchWorkers(b: Browser): Promise<Workers> {
  const cdp = await b.newBrowserCDPSession();
  const w: Workers = { live: new Set(), cdp };
  const isWorker = (type: string) => type === 'worker' || type === 'shared_worker' || type === 'service_worker';
  cdp.on('Target.targetCreated', (e) => {
    if (isWorker(e.targetInfo.type)) w.live.add(e.targetInfo.targetId);
  });
  cdp.on('Target.targetDestroyed', (e) => {
    if (w.live.delete(e.targetId)) w.changed?.();
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  return w;
}

/** Resolves once the browser has no worker left, or with false after `ms`. */
function workersEnded(ms: number): Promise<boolean> {
  const w = workers;
  if (!w || w.live.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      w.changed = undefined;
      resolve(false);
    }, ms);
    w.changed = () => {
      if (w.live.size > 0) return;
      clearTimeout(timer);
      w.changed = undefined;
      resolve(true);
    };
  });
}

/** The context and tab the vectors share, for one proxy. */
interface Shared {
  context: BrowserContext;
  page: Page;
  proxy: string;
  /** When it was made: it is replaced after MAX_CONTEXT_AGE_MS (see reset). */
  since: number;
}

let shared: Shared | undefined;

/**
 * A context serves vectors for this long at most. The reset clears all a
 * vector can leave behind, but the browser keeps bookkeeping of its own per
 * context (bounce-tracking records, for one, whose mitigation acts on sites
 * an hour after their bounce): a context made afresh from time to time keeps
 * such state far from anything a vector could notice.
 */
const MAX_CONTEXT_AGE_MS = 10 * 60_000;

/** How long a reset may wait for the previous vector's workers to end before it throws the context away. */
const RESET_BUDGET_MS = 5_000;

/** The shared context and tab for this proxy: the ones in use, or new ones. */
async function prepare(spki: string, proxy: string): Promise<Shared> {
  const b = await launch(spki, proxy);
  if (shared && shared.proxy === proxy && !shared.page.isClosed()) return shared;
  await discard();
  const context = await b.newContext({ proxy: { server: proxy } });
  try {
    // One tab, as a user would browse: each navigation replaces the document in it.
    const page = await context.newPage();
    shared = { context, page, proxy, since: Date.now() };
    return shared;
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}

/** Closes the shared context (its tab, its documents, their workers and its cookie jar go with it). */
async function discard(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.context.close().catch(() => undefined);
}

/**
 * Brings the shared context back to the state of a fresh one after a vector:
 * - the tab goes to about:blank (a new tab's document), which unloads the
 *   vector's documents and frames: their dedicated workers end and their
 *   shared workers lose their last client, and any tab a vector opened is closed;
 * - it waits until the browser has no worker left (target events, not a clock);
 * - the cookie jar is emptied (Storage.clearCookies of the context).
 * Nothing else a vector does outlives its documents: every response of the
 * origin server is `Cache-Control: no-store`, the server closes the
 * connections when a vector ends, and its pages use no storage but cookies.
 * When a step fails or the workers outlive RESET_BUDGET_MS, the context is
 * thrown away and the next vector gets a new one.
 */
async function reset(s: Shared): Promise<void> {
  try {
    if (Date.now() - s.since > MAX_CONTEXT_AGE_MS) throw new Error('old enough to be replaced');
    for (const p of s.context.pages()) if (p !== s.page) await p.close();
    await s.page.goto('about:blank', { timeout: RESET_BUDGET_MS });
    if (!(await workersEnded(RESET_BUDGET_MS))) throw new Error('workers outlived the vector');
    await s.context.clearCookies();
  } catch {
    if (shared === s) await discard();
  }
}

async function navigate(page: Page, nav: Navigation, timeout: number): Promise<{ status?: number; error?: string }> {
  try {
    if (nav.reload) {
      // What the reload button does: the browser process reloads the tab's document (CDP Page.reload).
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
      const root = await page.waitForSelector('html[data-conformatrix]', { state: 'attached', timeout });
      const report = await root.getAttribute('data-conformatrix');
      return report === 'done' ? { status: 200 } : { error: `the worker's request: ${report}` };
    }
    if (nav.initiator.destination !== 'document') return { status: 200 };
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout }), page.click('#go', { timeout })]);
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
 * Runs the script in the loaded document. A write goes to the network
 * service's cookie store over the document's cookie pipe without an answer;
 * a read after it goes over the same pipe (a write drops the document's cookie
 * cache) and is answered in order, so the store has the write before any later
 * navigation asks it. Hence the final read after the last write, not reported.
 */
async function runScript(page: Page, nav: Navigation): Promise<string[]> {
  const frame = await loadedDocument(page, nav);
  const reads: string[] = [];
  for (const op of nav.script!) {
    if ('set' in op) await frame.evaluate((s) => void (document.cookie = s), op.set);
    else reads.push(await frame.evaluate(() => document.cookie));
  }
  if ('set' in nav.script![nav.script!.length - 1]!) await frame.evaluate(() => document.cookie);
  return reads;
}

async function fetch(params: FetchParams) {
  const deadline = Date.now() + params.timeoutMs;
  const s = await prepare(params.ca.spki, params.proxy);
  const navigations: NavigationResult[] = [];
  try {
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
    await reset(s);
  }
  return { navigations };
}

let version: string | undefined;

interface HelloParams {
  /** The cookie suite's HTTP mode tells the proxy and CA every cookies.fetch will carry (Suite.startup). */
  setup?: { cookies?: { proxy: string; ca: { spki: string } } };
}

serveAdapter({
  hello: async (params: HelloParams) => {
    const told = params?.setup?.cookies;
    if (told) {
      // The browser, its context and its tab are made now, within the runner's start-up budget, not in the first vector's deadline.
      await prepare(told.ca.spki, told.proxy);
      version = browser!.version();
    } else if (!version) {
      // Not told what the vectors will bring: a throwaway launch asks the browser its version, and the first vector launches.
      const probe = await chromium.launch({
        executablePath: EXECUTABLE,
        headless: true,
        args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      version = probe.version();
      await probe.close();
    }
    return {
      contract: CONTRACT_VERSION,
      implementation: { name: 'Chromium', version },
      capabilities: ['https', 'browser-context', 'document-cookie', 'reload', 'workers'],
    };
  },
  'cookies.fetch': (params: FetchParams) => fetch(params),
});

process.on('exit', () => {
  void browser?.close();
  isolation?.close();
});

// The runner stops an adapter with SIGTERM (after a timeout, on Ctrl-C) and gives it a grace period before SIGKILL:
// closing the browser removes its profile and artifacts folders, which a kill would leave behind.
process.once('SIGTERM', () => {
  void Promise.resolve(browser?.close())
    .catch(() => undefined)
    .finally(() => {
      isolation?.close();
      process.exit(143);
    });
});
