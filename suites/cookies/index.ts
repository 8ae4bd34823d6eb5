/**
 * The HTTP cookie suite (RFC 6265 and rfc6265bis). A vector is an ordered list
 * of requests a user agent makes, each with its scripted response; the verdict
 * compares the Cookie header of each request with the vector's expectation.
 */
import { join } from 'node:path';
import { VECTORS_DIR } from '../../runner/paths.js';
import type { Decision, LoadedVector, Outcome, RunContext, Session, Suite, TargetView } from '../../runner/suite.js';
import { toBytes } from './bytes.js';
import { renderDates } from './time.js';
import { judge, type Observed } from './verdict.js';
import {
  adapterScript,
  DEFAULT_PROFILE,
  loadCookieVectors,
  needsClock,
  PROFILE_NAMES,
  usesScript,
  vectorProfiles,
  type CookieVector,
  type Profile,
} from './vector.js';
import { importCommand } from './import.js';
import { OriginServer } from './http/origin-server.js';
import { planHttp, runHttp, startupHttp } from './http/run-http.js';
import { cookieViews } from './views.js';
import { call, type CookieMode, type CookieOptions, type RunRequest } from './contract.js';

/** How a target takes part: through its API ('api', the default) or as a real HTTP client ('http'). */
function modeOf(target: TargetView): CookieMode {
  return (target.options as CookieOptions).mode === 'http' ? 'http' : 'api';
}

interface CookieServices {
  server: OriginServer | undefined;
  outDir: string;
}

/** A vector of more requests than this gets PER_REQUEST_BUDGET_MS for each, when that is more than the run's --timeout (Suite.timeoutMs). */
export const MANY_REQUESTS = 10;
export const PER_REQUEST_BUDGET_MS = 1000;

/** The user-agent class decides which vectors apply. */
function uaDecision(v: CookieVector, target: TargetView): Decision {
  const cls = target.userAgentClass ?? 'non-browser';
  if (v.ua !== 'any' && cls !== 'any' && v.ua !== cls)
    return { run: false, verdict: 'skipped', reason: `applies to ${v.ua} user agents; ${target.id} is a ${cls} user agent` };
  return { run: true };
}

function plan(vector: LoadedVector<CookieVector>, target: TargetView, profile: string | undefined): Decision {
  const v = vector.data;
  const p = (profile ?? DEFAULT_PROFILE) as Profile;
  // Say which profile would run it: imported sets, for one, are rfc6265 only, and a default run would skip them all.
  if (!vectorProfiles(v).includes(p))
    return { run: false, verdict: 'skipped', reason: `expectation only under profile ${vectorProfiles(v).join(', ')} (use --profile ${vectorProfiles(v)[0]})` };
  const ua = uaDecision(v, target);
  if (!ua.run) return ua;
  if (usesScript(v) && !target.capabilities.has('document-cookie'))
    return {
      run: false,
      verdict: 'unsupported',
      reason: `needs the non-HTTP API (document.cookie in a loaded document); ${target.id}'s adapter does not declare the document-cookie capability`,
    };
  if (needsClock(v) && !target.capabilities.has('clock'))
    return {
      run: false,
      verdict: 'unsupported',
      reason: `needs a controllable clock (${v.clock ? `fixed at ${v.clock.start}` : 'time advances between requests'}); ${target.id} uses the real clock`,
    };
  if (modeOf(target) === 'http') return planHttp(v, target);
  return { run: true };
}

/**
 * The context of each request. A request that follows a redirect is made in
 * the context of the request that started the chain (the client follows it by
 * itself, from the same document), so it inherits that context. So does a
 * reload from the browser's interface: rfc6265bis §5.2 makes it same-site
 * exactly when the reloaded document's own request was.
 */
function chainContexts(v: CookieVector): (CookieVector['requests'][number]['context'] | undefined)[] {
  const out: (CookieVector['requests'][number]['context'] | undefined)[] = [];
  v.requests.forEach((r, i) => out.push(i > 0 && (v.requests[i - 1]!.response?.location || r.reload) ? out[i - 1] : r.context));
  return out;
}

/** The time of each request: the fixed start or the real time, plus the advances so far. */
function requestTimes(v: CookieVector, realNow: number): number[] {
  let t = v.clock ? Date.parse(v.clock.start) : realNow;
  return v.requests.map((r) => (t += (r.advance ?? 0) * 1000));
}

async function run(vector: LoadedVector<CookieVector>, session: Session, target: TargetView, ctx: RunContext): Promise<Outcome> {
  const v = vector.data;
  const profile = (ctx.profile ?? DEFAULT_PROFILE) as Profile;
  const times = requestTimes(v, Date.now());
  const clock = target.capabilities.has('clock');
  const setCookies = v.requests.map((r, i) => (r.response?.setCookie ?? []).map((h) => toBytes(typeof h === 'string' ? renderDates(h, times[i]!) : h)));
  if (modeOf(target) === 'http') {
    const services = ctx.services as CookieServices;
    services.server ??= new OriginServer({ outDir: services.outDir });
    return runHttp(v, profile, session, target, ctx, services.server, times, setCookies);
  }
  const contexts = chainContexts(v);
  const requests: RunRequest[] = v.requests.map((r, i) => {
    const response: RunRequest['response'] = {
      status: r.response?.status ?? (r.response?.location ? 302 : 200),
      setCookie: setCookies[i]!.map((b) => b.toString('base64')),
    };
    if (r.response?.location) response.location = new URL(r.response.location, r.url).href;
    return {
      url: r.url,
      method: r.method ?? 'GET',
      ...(clock ? { now: times[i]! } : {}),
      ...(contexts[i] ? { context: contexts[i] } : {}),
      ...(i > 0 && v.requests[i - 1]!.response?.location ? { redirected: true } : {}),
      response,
      ...(r.script ? { script: adapterScript(r.script)! } : {}),
    };
  });
  const result = await call(session, 'cookies.run', { vector: v.id, profile, requests });
  if (result.cookies.length !== requests.length)
    return {
      verdict: 'error',
      expected: null,
      actual: result,
      reason: `adapter returned ${result.cookies.length} Cookie headers for ${requests.length} requests`,
    };
  if (usesScript(v) && result.reads?.length !== requests.length)
    return {
      verdict: 'error',
      expected: null,
      actual: result,
      reason: `adapter returned document.cookie reads for ${result.reads?.length ?? 0} requests, not ${requests.length}`,
    };
  const observed: Observed[] = requests.map((r, i) => ({
    url: r.url,
    method: r.method,
    ...(r.now !== undefined ? { now: r.now } : {}),
    setCookie: setCookies[i]!,
    cookie: result.cookies[i] === null ? null : Buffer.from(result.cookies[i]!, 'base64'),
    ...(result.reads ? { reads: result.reads[i]! } : {}),
  }));
  return judge(v, profile, observed);
}

const suite: Suite<CookieVector> = {
  name: 'cookies',
  title: 'HTTP cookies (RFC 6265, rfc6265bis)',
  vectorSchema: 'urn:conformatrix:cookie-vectors',
  vectorDir: join(VECTORS_DIR, 'cookies'),
  profiles: { names: PROFILE_NAMES, default: DEFAULT_PROFILE },
  // Each profile is measured against the requirements of its own document; the project's vectors all cite some.
  requirements: { measuredAgainst: { rfc6265bis: 'rfc6265bis', rfc6265: 'rfc6265' }, vectorsMustCite: true },
  capabilities: {
    clock: "the adapter sets the implementation's clock to each request's time",
    https: "(HTTP mode) the client trusts the run's test CA",
    'browser-context': '(HTTP mode) the adapter can load the document a browser navigation starts from',
    'document-cookie': "the adapter runs a vector's document.cookie writes and reads in the document a request loads (the non-HTTP API)",
    reload: "(HTTP mode) the adapter can reload the current document the way the browser's reload button does",
    workers: '(HTTP mode) the adapter waits for the request a dedicated or shared worker makes, started by the document it loads',
  },
  load: loadCookieVectors,
  plan,
  run,
  methods: {
    'cookies.run': { params: 'urn:conformatrix:cookies-adapter#/$defs/run-params', result: 'urn:conformatrix:cookies-adapter#/$defs/run-result' },
    'cookies.fetch': { params: 'urn:conformatrix:cookies-adapter#/$defs/fetch-params', result: 'urn:conformatrix:cookies-adapter#/$defs/fetch-result' },
  },
  /** The origin server starts on the first HTTP-mode vector and stops when the run ends. */
  async setup({ outDir }) {
    const services: CookieServices = { server: undefined, outDir };
    return { services, dispose: async () => services.server?.close() };
  },
  /**
   * A vector of many requests gets a budget that grows with them, where that
   * is more than the run's --timeout: each request is work for the target (a
   * browser's navigation), and the limits vectors make up to 70, which a busy
   * machine stretched past the default 10 s on Chromium. The --timeout alone
   * rules a vector of up to MANY_REQUESTS.
   */
  timeoutMs: (vector) => (vector.data.requests.length > MANY_REQUESTS ? vector.data.requests.length * PER_REQUEST_BUDGET_MS : undefined),
  /** HTTP-mode targets hear the proxy and CA in hello, so that a browser is launched before the first vector's deadline starts. */
  async startup(target, services) {
    if (modeOf(target) !== 'http' || !services) return undefined;
    const s = services as CookieServices;
    s.server ??= new OriginServer({ outDir: s.outDir });
    return startupHttp(target, s.server);
  },
  commands: { import: importCommand },
  views: cookieViews,
};

export default suite;
