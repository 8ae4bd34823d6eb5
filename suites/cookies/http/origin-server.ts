/**
 * The origin server of HTTP-mode cookie targets. Every client reaches it as a
 * forward HTTP proxy: http URLs arrive in absolute form, https ones through
 * CONNECT, answered with a certificate of the run's test CA. It answers for
 * every host a vector names (nothing is ever resolved, nothing leaves the
 * machine), serves the scripted responses of the running vector, and records
 * the exact Cookie header of each request, as octets.
 *
 * Each target gets a listener (a port) of its own, so that targets running in
 * parallel never see each other's requests; one vector runs at a time per
 * target. Everything is bounded: head size, header count, body size, requests
 * per vector, connections, time (a whole request, not each chunk), and the
 * certificates kept. Certificates for the hosts of a vector are issued before
 * the target is handed the vector (prepare()); a host no vector names still
 * gets one when asked, issued off the event loop, so a client that CONNECTs to
 * many new hosts delays only its own tunnels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import {
  bodyLength,
  DEFAULT_LIMITS,
  headerValues,
  HttpError,
  parseRequestHead,
  serializeResponse,
  type Limits,
  type RawResponse,
  type RequestHead,
} from './http1.js';
import { TestCa } from './test-ca.js';

export interface ScriptedResponse {
  status: number;
  setCookie: Buffer[];
  location?: string;
}

export interface ScriptedRequest {
  method: string;
  /** Normalised absolute URL (WHATWG href). */
  url: string;
  response: ScriptedResponse;
}

export interface Script {
  requests: ScriptedRequest[];
  /** Documents (and worker scripts) that start browser navigations: served as they are, not recorded; text/html unless contentType says otherwise, with headers added. */
  pages: { url: string; html: string; contentType?: string; headers?: [string, string][] }[];
}

export interface Observed {
  /** Index of the scripted request this was, or -1 for an unexpected one. */
  index: number;
  method: string;
  url: string;
  /** The Cookie header as sent (several fields joined with "; "), or null when there was none. */
  cookie: Buffer | null;
  cookieFields: number;
  at: number;
}

export interface ServerOptions {
  outDir: string;
  limits?: Partial<Limits>;
  /**
   * A request must arrive complete (head and body) within this time of its
   * start: the connection's start for the first request, the end of the
   * previous request on a kept-alive connection, or its first octet after an
   * idle pause. Octets that trickle in do not extend it.
   */
  headTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this time. */
  idleTimeoutMs?: number;
  maxRequestsPerVector?: number;
  /** Open connections to one target's listener; any further one is closed as soon as it is accepted (net.Server.maxConnections). */
  maxConnectionsPerTarget?: number;
  /** Host certificates kept (least recently used ones are dropped, and issued again if asked for). */
  maxCachedHosts?: number;
}

/** The limits the origin server applies unless told otherwise (docs/adapter-contract.md states them). */
export const DEFAULT_SERVER_OPTIONS: Required<Omit<ServerOptions, 'limits' | 'outDir'>> = {
  headTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxRequestsPerVector: 200,
  maxConnectionsPerTarget: 64,
  maxCachedHosts: 256,
};

export class VectorSession {
  readonly script: Script;
  readonly observed: Observed[] = [];
  readonly problems: string[] = [];
  next = 0;
  requests = 0;
  /** Time the server spent answering this vector's requests, in ms. */
  serverMs = 0;
  constructor(script: Script) {
    this.script = script;
  }
}

interface Listener {
  server: Server;
  port: number;
  address: string;
  session: VectorSession | undefined;
  sockets: Set<Socket>;
}

const favicon = /\/favicon\.ico$/;

export class OriginServer {
  readonly ca: TestCa;
  readonly caFile: string;
  /** Problems with clients that belong to no vector (hostile input, stray connections). */
  readonly diagnostics: string[] = [];
  private readonly listeners = new Map<string, Listener>();
  private readonly limits: Limits;
  private readonly options: Required<Omit<ServerOptions, 'limits' | 'outDir'>>;
  /** TLS contexts by host, least recently used first (a Map keeps insertion order). */
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private closed = false;

  constructor(options: ServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const { limits: _limits, outDir: _outDir, ...rest } = options;
    this.options = { ...DEFAULT_SERVER_OPTIONS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.ca = new TestCa();
    const dir = join(options.outDir, 'tls');
    mkdirSync(dir, { recursive: true });
    this.caFile = join(dir, 'conformatrix-test-ca.pem');
    writeFileSync(this.caFile, this.ca.certPem);
  }

  private note(message: string): void {
    if (this.diagnostics.length < 1000) this.diagnostics.push(message);
  }

  /** The proxy address for a target (its listener starts on first use, on the address the target reaches the harness at). */
  async endpoint(targetId: string, address = '127.0.0.1'): Promise<{ port: number; proxy: string }> {
    let l = this.listeners.get(targetId);
    if (!l) {
      if (this.closed) throw new Error('origin server is closed');
      const server = createServer({ pauseOnConnect: false });
      l = { server, port: 0, address, session: undefined, sockets: new Set() };
      const listener = l;
      server.maxConnections = this.options.maxConnectionsPerTarget;
      server.on('connection', (socket) => this.accept(listener, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, address, () => resolve());
      });
      l.port = (server.address() as { port: number }).port;
      l.address = address;
      this.listeners.set(targetId, l);
    }
    return { port: l.port, proxy: `http://${l.address}:${l.port}` };
  }

  /** Starts serving a vector's script to a target. */
  begin(targetId: string, script: Script): VectorSession {
    const l = this.listeners.get(targetId);
    if (!l) throw new Error(`no listener for ${targetId}; call endpoint() first`);
    const session = new VectorSession(script);
    l.session = session;
    return session;
  }

  /** Stops serving the target's vector; later requests get 404. Open connections are closed. */
  end(targetId: string): VectorSession | undefined {
    const l = this.listeners.get(targetId);
    if (!l) return undefined;
    const session = l.session;
    l.session = undefined;
    for (const s of l.sockets) s.destroy();
    l.sockets.clear();
    return session;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.listeners.values()].map(
        (l) =>
          new Promise<void>((resolve) => {
            for (const s of l.sockets) s.destroy();
            l.server.close(() => resolve());
          }),
      ),
    );
    this.listeners.clear();
  }

  /** Issues, before a target is handed a vector, the certificates of the https hosts it names. */
  async prepare(hosts: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(hosts)].map((h) => this.secureContext(h)));
  }

  /** The TLS context for a host: from the cache, or issued (asynchronously) and cached. */
  private secureContext(host: string): Promise<SecureContext> {
    const key = host.replace(/^\[|\]$/g, '').toLowerCase();
    let ctx = this.contexts.get(key);
    if (ctx) {
      this.contexts.delete(key);
    } else {
      ctx = this.ca.issue(key).then(({ key: k, cert }) => createSecureContext({ key: k, cert }));
      // A failed issue is not kept: the next CONNECT tries again.
      ctx.catch(() => {
        if (this.contexts.get(key) === ctx) this.contexts.delete(key);
      });
    }
    this.contexts.set(key, ctx);
    while (this.contexts.size > this.options.maxCachedHosts) this.contexts.delete(this.contexts.keys().next().value!);
    return ctx;
  }

  private accept(l: Listener, socket: Socket): void {
    l.sockets.add(socket);
    socket.on('close', () => l.sockets.delete(socket));
    socket.on('error', () => undefined);
    this.serve(l, socket, { scheme: 'http' });
  }

  /**
   * Reads requests from a connection (plain, or TLS inside a CONNECT tunnel)
   * and answers them, one at a time, until the client or a limit closes it.
   */
  private serve(l: Listener, socket: Socket | TLSSocket, via: { scheme: 'http' | 'https'; authority?: string }): void {
    let buf: Buffer = Buffer.alloc(0);
    let served = 0;
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const where = `${via.scheme === 'https' ? `tunnel to ${via.authority}` : 'proxy'} from ${peer}`;

    let timer: NodeJS.Timeout | undefined;
    // Whether the timer running is the current request's deadline. It is set
    // once per request and never pushed back by octets that arrive, so a client
    // that trickles its head is cut off at the limit all the same.
    let requestTimer = false;
    const arm = () => {
      const waitingForRequest = buf.length > 0 || served === 0;
      if (waitingForRequest && requestTimer) return;
      clearTimeout(timer);
      requestTimer = waitingForRequest;
      const ms = waitingForRequest ? this.options.headTimeoutMs : this.options.idleTimeoutMs;
      timer = setTimeout(() => {
        if (waitingForRequest) {
          const what = buf.length > 0 ? `sent ${buf.length} octets but no complete request head` : 'sent no request';
          this.note(`${where}: client ${what} within ${ms} ms; closed`);
          fail(new HttpError(408, `no complete request within ${ms} ms`));
        } else {
          socket.destroy();
        }
      }, ms);
      timer.unref();
    };
    const fail = (err: HttpError) => {
      clearTimeout(timer);
      l.session?.problems.push(`${where}: ${err.message}`);
      if (!l.session) this.note(`${where}: ${err.message}`);
      socket.end(
        serializeResponse({ status: err.status, headers: [['Content-Type', 'text/plain']], body: `conformatrix origin server: ${err.message}\n`, close: true }),
      );
      socket.removeAllListeners('data');
    };
    const pump = () => {
      while (true) {
        let parsed;
        try {
          parsed = parseRequestHead(buf, this.limits);
        } catch (err) {
          if (err instanceof HttpError) return fail(err);
          throw err;
        }
        if (!parsed) return arm();
        const { head, length } = parsed;
        let bodyOctets: number;
        try {
          bodyOctets = bodyLength(head, this.limits);
        } catch (err) {
          if (err instanceof HttpError) return fail(err);
          throw err;
        }
        if (buf.length < length + bodyOctets) return arm();
        buf = buf.subarray(length + bodyOctets);
        served++;
        // The next request's deadline starts now (or with its first octet, after an idle pause).
        requestTimer = false;
        if (head.method === 'CONNECT') {
          if (via.scheme === 'https') return fail(new HttpError(400, 'CONNECT inside a tunnel'));
          return this.tunnel(l, socket, head, buf, where, () => clearTimeout(timer));
        }
        const t0 = performance.now();
        let response: RawResponse;
        try {
          response = this.respond(l, head, via);
        } catch (err) {
          if (err instanceof HttpError) return fail(err);
          throw err;
        }
        const closeAfter = response.close || head.version === 'HTTP/1.0' || headerValues(head, 'connection').some((v) => /close/i.test(v.toString('latin1')));
        socket.write(serializeResponse({ ...response, close: closeAfter }));
        if (l.session) l.session.serverMs += performance.now() - t0;
        if (closeAfter) {
          clearTimeout(timer);
          socket.end();
          return;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      pump();
    });
    socket.on('close', () => clearTimeout(timer));
    arm();
  }

  private tunnel(l: Listener, socket: Socket, head: RequestHead, rest: Buffer, where: string, stop: () => void): void {
    stop();
    const authority = head.target;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):([0-9]{1,5})$/.exec(authority);
    if (!m) {
      socket.end(
        serializeResponse({
          status: 400,
          headers: [],
          body: `conformatrix origin server: malformed CONNECT target ${JSON.stringify(authority.slice(0, 200))}\n`,
          close: true,
        }),
      );
      this.note(`${where}: malformed CONNECT target ${JSON.stringify(authority.slice(0, 200))}`);
      return;
    }
    socket.removeAllListeners('data');
    // Whatever the client sends before the tunnel is up waits in the socket, for the TLS socket to read.
    socket.pause();
    if (rest.length) socket.unshift(rest);
    const host = m[1]!;
    const problem = (message: string) => {
      if (l.session) l.session.problems.push(message);
      else this.note(message);
    };
    // The tunnel is established once the host's certificate is ready, which
    // for a host no vector named means issuing one (off the event loop).
    this.secureContext(host).then(
      (secureContext) => {
        if (socket.destroyed) return;
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const tls = new TLSSocket(socket, {
          isServer: true,
          secureContext,
          SNICallback: (servername, cb) =>
            this.secureContext(servername).then(
              (c) => cb(null, c),
              (err: Error) => cb(err),
            ),
          ALPNProtocols: ['http/1.1'],
        });
        tls.on('error', (err) => problem(`${where}: TLS with the client failed for ${authority}: ${err.message}`));
        l.sockets.add(tls);
        tls.on('close', () => l.sockets.delete(tls));
        this.serve(l, tls, { scheme: 'https', authority });
      },
      (err: Error) => {
        if (socket.destroyed) return;
        problem(`${where}: no certificate could be issued for ${JSON.stringify(host.slice(0, 200))}: ${err.message}; CONNECT refused`);
        socket.end(
          serializeResponse({
            status: 502,
            headers: [['Content-Type', 'text/plain']],
            body: `conformatrix origin server: no certificate for ${JSON.stringify(host.slice(0, 200))}\n`,
            close: true,
          }),
        );
      },
    );
  }

  /** The answer to one request of the running vector. */
  private respond(l: Listener, head: RequestHead, via: { scheme: 'http' | 'https'; authority?: string }): RawResponse {
    const url = requestUrl(head, via);
    const session = l.session;
    if (!session) {
      this.note(`request for ${head.method} ${url} while no vector runs on this target`);
      return notFound(`no vector is running: ${head.method} ${url}`);
    }
    if (++session.requests > this.options.maxRequestsPerVector) {
      return {
        status: 429,
        headers: [],
        body: `conformatrix origin server: more than ${this.options.maxRequestsPerVector} requests in one vector\n`,
        close: true,
      };
    }
    const page = head.method === 'GET' ? session.script.pages.find((p) => p.url === url) : undefined;
    if (page)
      return {
        status: 200,
        headers: [['Content-Type', page.contentType ?? 'text/html; charset=utf-8'], ['Cache-Control', 'no-store'], ...(page.headers ?? [])],
        body: page.html,
      };

    const cookieFields = headerValues(head, 'cookie');
    const cookie = cookieFields.length === 0 ? null : Buffer.concat(cookieFields.flatMap((v, i) => (i === 0 ? [v] : [Buffer.from('; '), v])));
    const scripted = session.script.requests;
    let index = -1;
    for (let i = session.next; i < scripted.length; i++) {
      if (scripted[i]!.url === url && scripted[i]!.method === head.method) {
        index = i;
        break;
      }
    }
    if (index < 0) {
      if (favicon.test(url)) return notFound('no favicon');
      session.observed.push({ index: -1, method: head.method, url, cookie, cookieFields: cookieFields.length, at: Date.now() });
      return notFound(`no scripted response for ${head.method} ${url}`);
    }
    if (index > session.next) session.problems.push(`request ${index + 1} (${head.method} ${url}) came before request ${session.next + 1}`);
    session.next = index + 1;
    session.observed.push({ index, method: head.method, url, cookie, cookieFields: cookieFields.length, at: Date.now() });
    const r = scripted[index]!.response;
    const headers: RawResponse['headers'] = r.setCookie.map((v) => ['Set-Cookie', v] as [string, Buffer]);
    if (r.location) headers.push(['Location', r.location]);
    headers.push(['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'no-store']);
    const body = r.location ? '' : '<!doctype html><title>conformatrix</title><p>ok</p>\n';
    return { status: r.status, headers, body };
  }
}

function notFound(why: string): RawResponse {
  return {
    status: 404,
    headers: [
      ['Content-Type', 'text/plain'],
      ['Cache-Control', 'no-store'],
    ],
    body: `conformatrix origin server: ${why}\n`,
  };
}

/** The absolute URL a request is for: absolute form through the proxy, or origin form inside a tunnel. */
export function requestUrl(head: RequestHead, via: { scheme: 'http' | 'https'; authority?: string }): string {
  let raw: string;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(head.target)) raw = head.target;
  else if (head.target.startsWith('/')) {
    const authority = via.authority ?? headerValues(head, 'host')[0]?.toString('latin1');
    if (!authority) throw new HttpError(400, 'origin-form request without a Host header');
    raw = `${via.scheme}://${authority}${head.target}`;
  } else throw new HttpError(400, `unsupported request target ${JSON.stringify(head.target.slice(0, 200))}`);
  try {
    return new URL(raw).href;
  } catch {
    throw new HttpError(400, `request target is not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
}
