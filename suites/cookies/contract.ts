/**
 * The cookie suite's adapter contract: the params and results of its methods
 * as an adapter receives and returns them (docs/adapter-contract.md,
 * "cookies.*"; the schema is vectors/schema/cookies-adapter.schema.json, and
 * the transport checks every result against it), and how a manifest says in
 * which mode a target takes part.
 */
import type { Session } from '../../runner/suite.js';
import type { AdapterScriptOp, Destination, RequestContext } from './vector.js';

export type { AdapterScriptOp } from './vector.js';

/**
 * How a target takes part (its manifest's options.cookies.mode): through its
 * cookie API, handed each request and response ('api', the default, method
 * cookies.run), or as a real HTTP client against the harness's origin server
 * ('http', method cookies.fetch).
 */
export type CookieMode = 'api' | 'http';

/** A target's manifest options for this suite (options.cookies). */
export interface CookieOptions {
  mode?: CookieMode;
}

/** One request of cookies.run, with the response the adapter hands its implementation. */
export interface RunRequest {
  url: string;
  method: string;
  /** The request's time, in ms since the epoch: given only to targets with the clock capability. */
  now?: number;
  /** The context the vector gives the request (or the one its redirect chain started in). */
  context?: RequestContext;
  /** This request follows the previous response's redirect. */
  redirected?: boolean;
  /** setCookie: each Set-Cookie field value, base64. */
  response: { status: number; setCookie: string[]; location?: string };
  /** Capability document-cookie: document.cookie operations in the document the request loaded. */
  script?: AdapterScriptOp[];
}

/** cookies.run: a vector's requests, in order, through the implementation's API. */
export interface RunParams {
  /** The vector's id, for logs. */
  vector: string;
  /** The run's spec profile; only implementations with profiles (the reference) use it. */
  profile?: string;
  requests: RunRequest[];
}

/** What cookies.run returns. */
export interface RunResult {
  /** For each request, the Cookie header field value (base64), or null when there is none. */
  cookies: (string | null)[];
  /** Given when a request has a script: for each request, what its reads gave (empty when it has none). */
  reads?: string[][];
  notes?: string[];
}

/** One navigation of cookies.fetch: a request the client starts itself (a redirect's hops follow by themselves). */
export interface Navigation {
  url: string;
  method: string;
  /** Capability clock: the time to set before this navigation, in ms since the epoch. */
  now?: number;
  /** For browser vectors: the document that starts the navigation, served by the origin server (for a framed initiator, the top document that holds it). */
  initiator?: { url: string; destination: Destination };
  /** Reload the current document, as the browser's reload button does, instead of loading url anew. */
  reload?: true;
  /** document.cookie operations to run, in order, in the document this navigation loads. */
  script?: AdapterScriptOp[];
}

/** cookies.fetch: navigations for a real HTTP client, through the origin server as its proxy. */
export interface FetchParams {
  vector: string;
  /** The origin server as a forward HTTP proxy: http://127.0.0.1:PORT. */
  proxy: string;
  /** The run's test CA: its file (PEM), the PEM itself, and the base64 SHA-256 of the SubjectPublicKeyInfo every host certificate shares. */
  ca: { file: string; pem: string; spki: string };
  navigations: Navigation[];
  timeoutMs: number;
}

/** What cookies.fetch returns. */
export interface FetchResult {
  /** One entry per navigation, in order; reads: what each read of the navigation's script gave, in order. */
  navigations: { status?: number; error?: string; reads?: string[] }[];
  notes?: string[];
}

/** The suite's methods, their params and their results: what a session call sends and gets. */
export interface CookieMethods {
  'cookies.run': { params: RunParams; result: RunResult };
  'cookies.fetch': { params: FetchParams; result: FetchResult };
}

/** Calls one of the suite's methods; the transport has checked the result against the method's result schema. */
export async function call<M extends keyof CookieMethods>(
  session: Session,
  method: M,
  params: CookieMethods[M]['params'],
): Promise<CookieMethods[M]['result']> {
  return (await session.call(method, params)) as CookieMethods[M]['result'];
}
