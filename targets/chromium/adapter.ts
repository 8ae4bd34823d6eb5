/**
 * Chromium (Debian's package), driven with playwright-core the way a user's
 * browser would be driven: one headless browser for the whole run, a fresh
 * browser context (a fresh cookie jar) per vector, top-level navigations to the
 * vector's URLs, and, for requests started by another site, the initiator
 * document loaded first and its link clicked (or its image or frame loaded).
 * All traffic goes through the origin server as the context's proxy; the
 * server, not a browser API, records the Cookie headers. The run's host
 * certificates are trusted by pinning their key (--ignore-certificate-errors-
 * spki-list): Chromium takes no CA file on the command line. A navigation's
 * script (the non-HTTP API) runs through the real document.cookie of the loaded
 * document, or of the #go frame for an iframe.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { serveAdapter } from '../../runner/adapter-kit.js';
import { CONTRACT_VERSION } from '../../runner/contract.js';

interface Navigation {
  url: string;
  method: string;
  initiator?: { url: string; destination: 'document' | 'iframe' | 'image' };
  reload?: true;
  script?: ({ set: string } | { read: true })[];
}

/** The page's document, in the functions page.evaluate runs in the browser (the adapter itself runs in Node, without the DOM's types). */
declare const document: { cookie: string };

type NavigationResult = { status?: number; error?: string; reads?: string[] };

interface FetchParams {
  proxy: string;
  ca: { spki: string };
  navigations: Navigation[];
  timeoutMs: number;
}

const EXECUTABLE = process.env.CONFORMATRIX_CHROMIUM ?? ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p))!;

let browser: Browser | undefined;
let launchedFor: string | undefined;

/** The browser for this run: launched once, again only if the pinned key or the proxy's host changes. */
async function launch(spki: string, proxy: string): Promise<Browser> {
  const proxyHost = new URL(proxy).hostname;
  const key = `${spki} ${proxyHost}`;
  if (browser && launchedFor === key && browser.isConnected()) return browser;
  await browser?.close().catch(() => undefined);
  launchedFor = key;
  browser = await chromium.launch({
    executablePath: EXECUTABLE,
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
      // http vectors must stay http: no automatic upgrade of typed http navigations to https.
      '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForTypicallySecureUsers,MediaRouter,OptimizationHints,Translate',
    ],
  });
  return browser;
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
  const b = await launch(params.ca.spki, params.proxy);
  const context = await b.newContext({ proxy: { server: params.proxy } });
  const deadline = Date.now() + params.timeoutMs;
  const navigations: NavigationResult[] = [];
  try {
    // One tab per vector, as a user would browse: each navigation replaces the document in it.
    const page = await context.newPage();
    for (const nav of params.navigations) {
      const result: NavigationResult = await navigate(page, nav, Math.max(500, deadline - Date.now()));
      if (nav.script && !result.error) {
        try {
          result.reads = await runScript(page, nav);
        } catch (err) {
          result.error = `document.cookie: ${(err as Error).message.split('\n')[0]!}`;
        }
      }
      navigations.push(result);
    }
  } finally {
    await context.close().catch(() => undefined);
  }
  return { navigations };
}

let version: string | undefined;

serveAdapter({
  hello: async () => {
    // The version comes from the browser itself; a throwaway launch asks it.
    if (!version) {
      const probe = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      version = probe.version();
      await probe.close();
    }
    return { contract: CONTRACT_VERSION, implementation: { name: 'Chromium', version }, capabilities: ['https', 'browser-context', 'document-cookie', 'reload'] };
  },
  'cookies.fetch': (params: FetchParams) => fetch(params),
});

process.on('exit', () => {
  void browser?.close();
});

// The runner stops an adapter with SIGTERM (after a timeout, on Ctrl-C) and gives it a grace period before SIGKILL:
// closing the browser removes its profile and artifacts folders, which a kill would leave behind.
process.once('SIGTERM', () => {
  void Promise.resolve(browser?.close())
    .catch(() => undefined)
    .finally(() => process.exit(143));
});
