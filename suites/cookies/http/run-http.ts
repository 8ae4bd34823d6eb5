/**
 * Running a cookie vector over real HTTP. The origin server is given the
 * vector's script; the adapter is asked to make the vector's navigations
 * through the server (as a proxy) with a fresh cookie jar; the Cookie header
 * of each request is what the server recorded, octet for octet.
 */
import type { Decision, Outcome, RunContext, Session, TargetView } from '../../../runner/suite.js';
import { judge, type Observed } from '../verdict.js';
import type { CookieVector, RequestContext } from '../vector.js';
import { isWorker } from '../vector.js';
import type { Profile } from '../vector.js';
import type { OriginServer, Script, VectorSession } from './origin-server.js';
import { adapterScript } from '../vector.js';
import { refusedResponse } from './http-refusal.js';
import { call, type FetchResult, type Navigation } from '../contract.js';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The document an initiator serves: it holds the link, form, image or frame that makes the request. */
export function initiatorPage(url: string, method: string, destination: 'document' | 'iframe' | 'image'): string {
  const u = escapeHtml(url);
  const body =
    destination === 'image'
      ? `<img id="go" src="${u}" alt="">`
      : destination === 'iframe'
        ? `<iframe id="go" src="${u}"></iframe>`
        : method === 'GET'
          ? `<a id="go" href="${u}">go</a>`
          : `<form method="post" action="${u}"><button id="go" type="submit">go</button></form>`;
  return `<!doctype html><meta charset="utf-8"><title>conformatrix initiator</title>\n${body}\n`;
}

/** A JavaScript string literal that can stand inside a <script> element. */
const jsString = (s: string) => JSON.stringify(s).replace(/</g, '\\u003c');

/** Sets the worker's report on the document's root element, where the adapter waits for it, and hands it to a parent document. */
const REPORT = `const report = (m) => { document.documentElement.dataset.conformatrix = String(m); if (parent !== self) parent.postMessage(String(m), '*'); };`;

/**
 * The document that starts a dedicated or shared worker from workerUrl (its
 * own origin: a worker's script is same-origin with the document that starts
 * it). The worker's report ("done", or "failed: ...") lands on the root
 * element as data-conformatrix.
 */
export function workerStarterPage(workerUrl: string, destination: 'worker' | 'shared-worker'): string {
  const start =
    destination === 'worker'
      ? `const w = new Worker(${jsString(workerUrl)}); w.onmessage = (e) => report(e.data);`
      : `const w = new SharedWorker(${jsString(workerUrl)}); w.port.onmessage = (e) => report(e.data);`;
  return `<!doctype html><meta charset="utf-8"><title>conformatrix initiator</title>
<script>
${REPORT}
try { ${start} w.onerror = () => report('failed: the worker did not start'); } catch (e) { report('failed: ' + e); }
</script>
`;
}

/** The worker's script: it fetches url with the cookies the browser allows, and reports to the document that started it. */
export function workerScript(url: string, destination: 'worker' | 'shared-worker'): string {
  const go = `const go = () => fetch(${JSON.stringify(url)}, { credentials: 'include', mode: 'no-cors', cache: 'no-store' }).then(() => 'done', (e) => 'failed: ' + e);`;
  return destination === 'worker'
    ? `${go}\ngo().then((m) => postMessage(m));\n`
    : `${go}\nonconnect = (e) => { const port = e.ports[0]; go().then((m) => port.postMessage(m)); };\n`;
}

/** The top-level document that holds the initiator in a frame (sandboxed, with no token, when the context says so), and passes on a worker's report. */
export function topPage(frameUrl: string, sandbox: boolean): string {
  return `<!doctype html><meta charset="utf-8"><title>conformatrix top</title>
<iframe id="frame" src="${escapeHtml(frameUrl)}"${sandbox ? ' sandbox' : ''}></iframe>
<script>addEventListener('message', (e) => { document.documentElement.dataset.conformatrix = String(e.data); });</script>
`;
}

/**
 * The pages that start a browser request from its context, the first the one
 * the client loads: the top document when the initiator is framed, the
 * initiator, and a worker's script. Each URL gets a query parameter naming the
 * navigation (and its role), so that pages of two navigations never collide.
 */
export function contextPages(url: string, method: string, context: RequestContext, n: number): Script['pages'] {
  const tag = (base: string, role: string) => {
    const u = new URL(base);
    u.searchParams.append(`conformatrix-${role}`, String(n));
    return u.href;
  };
  const destination = context.destination ?? 'document';
  const pages: Script['pages'] = [];
  const initiator = tag(context.initiator!, context.top ? 'frame' : 'navigation');
  if (context.top) pages.push({ url: tag(context.top, 'navigation'), html: topPage(initiator, context.sandbox === true) });
  if (isWorker(destination)) {
    const worker = tag(context.initiator!, 'worker');
    pages.push({ url: initiator, html: workerStarterPage(worker, destination as 'worker' | 'shared-worker') });
    pages.push({ url: worker, html: workerScript(url, destination as 'worker' | 'shared-worker'), contentType: 'text/javascript; charset=utf-8' });
  } else {
    // A sandboxed top-level document can only be sandboxed by its response: CSP's sandbox directive, with no token, sets the sandboxed origin browsing context flag.
    const headers: [string, string][] | undefined = context.sandbox && !context.top ? [['Content-Security-Policy', 'sandbox']] : undefined;
    pages.push({ url: initiator, html: initiatorPage(url, method, destination as 'document' | 'iframe' | 'image'), ...(headers ? { headers } : {}) });
  }
  return pages;
}

/** Which requests the client starts itself: all but those that follow a redirect. */
export function isNavigation(v: CookieVector, i: number): boolean {
  return !(i > 0 && v.requests[i - 1]!.response?.location);
}

/** The hosts of a script's https URLs: requests, redirect targets and initiator documents. */
export function httpsHosts(script: Script): string[] {
  const urls = [...script.requests.flatMap((r) => [r.url, ...(r.response.location ? [r.response.location] : [])]), ...script.pages.map((p) => p.url)];
  return [
    ...new Set(
      urls
        .map((u) => new URL(u))
        .filter((u) => u.protocol === 'https:')
        .map((u) => u.hostname),
    ),
  ];
}

export function planHttp(v: CookieVector, target: TargetView): Decision {
  const caps = target.capabilities;
  if (v.requests.some((r) => r.url.startsWith('https:')) && !caps.has('https'))
    return { run: false, verdict: 'unsupported', reason: `needs https; ${target.id}'s adapter cannot be told to trust the test CA` };
  if (v.requests.some((r, i) => (r.advance ?? 0) > 0 && !isNavigation(v, i)))
    return { run: false, verdict: 'unsupported', reason: 'the clock advances inside a redirect chain, which a real HTTP client follows by itself' };
  if (v.requests.some((r) => r.reload) && !caps.has('reload'))
    return {
      run: false,
      verdict: 'unsupported',
      reason: `needs a reload from the browser's interface; ${target.id}'s adapter does not declare the reload capability`,
    };
  if (v.requests.some((r) => isWorker(r.context?.destination)) && !caps.has('workers'))
    return {
      run: false,
      verdict: 'unsupported',
      reason: `needs a request made by a dedicated or shared worker; ${target.id}'s adapter does not declare the workers capability`,
    };
  if (v.requests.some((r) => r.context?.initiator) && !caps.has('browser-context'))
    return { run: false, verdict: 'unsupported', reason: `needs requests started from another site's document; ${target.id} cannot load documents` };
  return { run: true };
}

/** The run's test CA as an adapter is given it: its file, its PEM, and the key every host certificate shares (for clients that pin keys). */
export function caParams(server: OriginServer): { file: string; pem: string; spki: string } {
  return { file: server.caFile, pem: server.ca.certPem, spki: server.ca.hostKeySpki };
}

/**
 * What an HTTP-mode adapter is told in hello (Suite.startup): the proxy and
 * CA that each of its cookies.fetch calls will carry, so that it can start
 * its client (launch a browser) within its start-up budget. The target's
 * listener starts here if no vector has started it yet.
 */
export async function startupHttp(target: TargetView, server: OriginServer): Promise<{ proxy: string; ca: ReturnType<typeof caParams> }> {
  const { proxy, port } = await server.endpoint(target.id, target.harness.address);
  await target.harness.expose(port);
  return { proxy, ca: caParams(server) };
}

export async function runHttp(
  v: CookieVector,
  profile: Profile,
  session: Session,
  target: TargetView,
  ctx: RunContext,
  server: OriginServer,
  times: number[],
  setCookies: Buffer[][],
): Promise<Outcome> {
  const { proxy, port } = await server.endpoint(target.id, target.harness.address);
  await target.harness.expose(port);
  const clock = target.capabilities.has('clock');
  const script: Script = { requests: [], pages: [] };
  const navigations: Navigation[] = [];
  /** The navigation that made each request the client started itself. */
  const navigationOf = new Map<number, number>();
  v.requests.forEach((r, i) => {
    const method = r.method ?? 'GET';
    const location = r.response?.location ? new URL(r.response.location, r.url).href : undefined;
    script.requests.push({
      method,
      url: new URL(r.url).href,
      response: { status: r.response?.status ?? (location ? 302 : 200), setCookie: setCookies[i]!, ...(location ? { location } : {}) },
    });
    if (!isNavigation(v, i)) return;
    const nav: Navigation = { url: new URL(r.url).href, method, ...(clock ? { now: times[i]! } : {}) };
    if (r.context?.initiator) {
      const pages = contextPages(nav.url, method, r.context, navigations.length + 1);
      script.pages.push(...pages);
      nav.initiator = { url: pages[0]!.url, destination: r.context.destination ?? 'document' };
    }
    if (r.reload) nav.reload = true;
    if (r.script) nav.script = adapterScript(r.script)!;
    navigationOf.set(i, navigations.length);
    navigations.push(nav);
  });

  // Certificates for the vector's https hosts are issued now, before the client
  // is handed the vector, so that none is issued on its request path.
  await server.prepare(httpsHosts(script));
  server.begin(target.id, script);
  let result: FetchResult;
  let recorded: VectorSession | undefined;
  try {
    result = await call(session, 'cookies.fetch', {
      vector: v.id,
      proxy,
      ca: caParams(server),
      navigations,
      timeoutMs: Math.max(1000, ctx.timeoutMs - 500),
    });
  } finally {
    recorded = server.end(target.id)!;
  }

  const observed: Observed[] = [];
  const missing: string[] = [];
  v.requests.forEach((r, i) => {
    const seen = recorded.observed.find((o) => o.index === i);
    if (!seen) missing.push(`request ${i + 1} (${r.method ?? 'GET'} ${r.url})`);
    observed.push({
      url: r.url,
      method: r.method ?? 'GET',
      ...(clock ? { now: times[i]! } : {}),
      setCookie: setCookies[i]!,
      cookie: seen?.cookie ?? null,
      ...(r.script ? { reads: result.navigations[navigationOf.get(i)!]?.reads ?? [] } : {}),
    });
  });
  const unexpected = recorded.observed.filter((o) => o.index < 0).map((o) => `${o.method} ${o.url}`);
  const navErrors = result.navigations.map((n, i) => (n.error ? `navigation ${i + 1} (${navigations[i]?.url}): ${n.error}` : '')).filter(Boolean);
  const server_ = { problems: recorded.problems, unexpected, adapterNotes: result.notes ?? [] };
  const timing = { serverMs: recorded.serverMs };
  if (missing.length) {
    const why = [
      `the client never made ${missing.join(', ')}`,
      ...navErrors,
      ...recorded.problems,
      ...(unexpected.length ? [`it requested instead: ${unexpected.join(', ')}`] : []),
    ];
    return { verdict: 'error', expected: null, actual: null, reason: why.join('; '), details: { server: server_ }, timing };
  }
  // A script that could not run gives no reads: say why, rather than fail the vector on reads that were never made.
  const scriptErrors = navigations.flatMap((n, k) =>
    n.script && (result.navigations[k]?.error || !result.navigations[k]?.reads)
      ? [`navigation ${k + 1} (${n.url}): ${result.navigations[k]?.error ?? 'the adapter gave no document.cookie reads'}`]
      : [],
  );
  if (scriptErrors.length)
    return {
      verdict: 'error',
      expected: null,
      actual: null,
      reason: `the script did not run: ${scriptErrors.join('; ')}`,
      details: { server: server_ },
      timing,
    };
  const judged = judge(v, profile, observed);
  // A client may refuse a response whose Set-Cookie holds a control octet before any cookie rule applies (RFC 9110 §5.5).
  const refused =
    judged.verdict === 'fail'
      ? refusedResponse(
          setCookies,
          navigationOf,
          result.navigations.map((n) => n.error),
        )
      : undefined;
  const outcome = refused ? { ...judged, verdict: 'unsupported' as const, reason: refused } : judged;
  const multi = recorded.observed.filter((o) => o.cookieFields > 1).map((o) => o.url);
  return {
    ...outcome,
    details: { ...(outcome.details as object), server: { ...server_, ...(multi.length ? { severalCookieFields: multi } : {}) } },
    timing,
  };
}
