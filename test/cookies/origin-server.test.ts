// The origin server: scripted answers, octet-exact recording, and hostile clients.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import fc from 'fast-check';
import { HttpError, parseRequestHead } from '../../suites/cookies/http/http1.js';
import { OriginServer } from '../../suites/cookies/http/origin-server.js';
import { tempDir } from '../helpers.js';

/** Sends raw octets to the proxy port and collects everything until the server closes or `ms` pass. */
function exchange(port: number, chunks: (Buffer | string)[], options: { gapMs?: number; waitMs?: number } = {}): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let closed = false;
    socket.on('data', (d) => got.push(d));
    socket.on('close', () => {
      closed = true;
      resolve({ data: Buffer.concat(got), closed });
    });
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const c of chunks) {
        if (socket.destroyed) break;
        socket.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
    setTimeout(() => {
      if (!closed) {
        socket.destroy();
        resolve({ data: Buffer.concat(got), closed: false });
      }
    }, options.waitMs ?? 3000);
  });
}

/**
 * Sends `octets` one at a time, `gapMs` apart, and counts how many were sent
 * before the server ended the connection (all of them if it never did).
 */
function trickle(port: number, first: string, octets: string, gapMs: number): Promise<{ sent: number; data: Buffer }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let sent = 0;
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      socket.destroy();
      resolve({ sent, data: Buffer.concat(got) });
    };
    socket.on('data', (d) => got.push(d));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      if (first) socket.write(first);
      for (const c of octets) {
        await new Promise((r) => setTimeout(r, gapMs));
        if (ended) return;
        socket.write(c);
        sent++;
      }
      finish();
    });
  });
}

/** A connection that has had one keep-alive request answered, so the server has certainly accepted it and is reading. */
async function openConnection(port: number): Promise<{ socket: Socket; next(): Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let pending: Buffer = Buffer.alloc(0);
  const waiting: ((s: string) => void)[] = [];
  // One chunk is one answer here: each answer is written in one piece and read before the next is asked for.
  socket.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    const w = waiting.shift();
    if (w) {
      w(pending.toString('latin1'));
      pending = Buffer.alloc(0);
    }
  });
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  await once(socket, 'connect');
  const answer = next();
  socket.write('GET http://warm.example.org/ HTTP/1.1\r\nHost: warm.example.org\r\n\r\n');
  assert.match(await answer, /^HTTP\/1\.1 404 /);
  return { socket, next };
}

describe('origin server', function () {
  this.timeout(30_000);
  let server: OriginServer;
  let port: number;

  before(async () => {
    server = new OriginServer({ outDir: tempDir(), headTimeoutMs: 400, idleTimeoutMs: 2000, maxRequestsPerVector: 5 });
    ({ port } = await server.endpoint('t'));
  });
  after(() => server.close());

  const script = () => ({
    requests: [
      {
        method: 'GET',
        url: 'http://home.example.org/a',
        response: { status: 302, setCookie: [Buffer.from('a=\u0001b; Path=/', 'latin1')], location: 'http://home.example.org/b' },
      },
      { method: 'GET', url: 'http://home.example.org/b', response: { status: 200, setCookie: [] } },
    ],
    pages: [],
  });

  it('serves the scripted response with raw Set-Cookie octets, and records the Cookie header octet for octet', async () => {
    server.begin('t', script());
    const r = await exchange(
      port,
      [
        'GET http://home.example.org/a HTTP/1.1\r\nHost: home.example.org\r\n\r\nGET http://home.example.org/b HTTP/1.1\r\nHost: home.example.org\r\nCookie: x=\xff\x01y\r\nCookie: z=1\r\nConnection: close\r\n\r\n',
      ],
      { waitMs: 2000 },
    );
    const session = server.end('t')!;
    const text = r.data.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 302 Found\r\nSet-Cookie: a=\u0001b; Path=\/\r\nLocation: http:\/\/home\.example\.org\/b\r\n/);
    assert.match(text, /HTTP\/1\.1 200 OK\r\n/);
    assert.deepEqual(
      session.observed.map((o) => [o.index, o.url, o.cookie?.toString('latin1') ?? null, o.cookieFields]),
      [
        [0, 'http://home.example.org/a', null, 0],
        [1, 'http://home.example.org/b', 'x=\xff\x01y; z=1', 2],
      ],
    );
  });

  it('answers a malformed request line with 400 and closes, without harming the next client', async () => {
    server.begin('t', script());
    const bad = await exchange(port, ['GARBAGE\r\n\r\n']);
    assert.equal(bad.closed, true);
    assert.match(bad.data.toString(), /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*malformed request line: "GARBAGE"/);
    const good = await exchange(port, ['GET http://home.example.org/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.match(good.data.toString(), /^HTTP\/1\.1 302 Found/);
    const session = server.end('t')!;
    assert.ok(
      session.problems.some((p) => /malformed request line/.test(p)),
      session.problems.join('\n'),
    );
    assert.equal(session.observed.length, 1);
  });

  it('answers a huge header with 431 and closes', async () => {
    server.begin('t', script());
    const r = await exchange(port, [`GET http://home.example.org/a HTTP/1.1\r\nX-Big: ${'x'.repeat(70 * 1024)}\r\n\r\n`]);
    server.end('t');
    assert.equal(r.closed, true);
    assert.match(r.data.toString(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[\s\S]*longer than 65536 octets/);
  });

  it('times out a slow client that never finishes its head, with 408', async () => {
    server.begin('t', script());
    const started = Date.now();
    const r = await exchange(port, ['GET http://home.example.org/a HTTP/1.1\r\n', 'Host: home', '.example.org'], { gapMs: 150, waitMs: 5000 });
    const session = server.end('t')!;
    assert.equal(r.closed, true);
    assert.ok(Date.now() - started < 3000, 'closed within the head timeout, not the idle one');
    assert.match(r.data.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(
      session.problems.some((p) => /no complete request within 400 ms/.test(p)),
      session.problems.join('\n'),
    );
  });

  it("cuts off a client that trickles its head, at the head limit counted from the connection's start", async () => {
    server.begin('t', script());
    // One octet every 100 ms: 60 octets would take 6 s, 15 times the 400 ms limit.
    // A deadline that each octet pushes back would never expire.
    const octets = 'GET http://home.example.org/a HTTP/1.1\r\nHost: home.example.org\r\nX: 1\r\n\r\n'.slice(0, 60);
    const r = await trickle(port, '', octets, 100);
    const session = server.end('t')!;
    assert.ok(r.sent < octets.length / 2, `the server let the client send ${r.sent} octets, 100 ms apart, past a 400 ms limit`);
    assert.match(r.data.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(
      session.problems.some((p) => /no complete request within 400 ms/.test(p)),
      session.problems.join('\n'),
    );
  });

  it('cuts off a trickled second request on a kept-alive connection, at the limit counted from its first octet', async () => {
    server.begin('t', script());
    const octets = 'GET http://home.example.org/b HTTP/1.1\r\nHost: home.example.org\r\nX: 1\r\n\r\n'.slice(0, 60);
    const r = await trickle(port, 'GET http://home.example.org/a HTTP/1.1\r\nHost: home.example.org\r\n\r\n', octets, 100);
    const session = server.end('t')!;
    assert.ok(r.sent < octets.length / 2, `the server let the client send ${r.sent} octets, 100 ms apart, past a 400 ms limit`);
    assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 302 Found\r\n[\s\S]*HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.deepEqual(
      session.observed.map((o) => o.index),
      [0],
    );
  });

  it('counts empty lines before a request line towards the head limit, with 431', async () => {
    const r = await exchange(port, ['\r\n'.repeat(40 * 1024)]);
    assert.equal(r.closed, true);
    assert.match(r.data.toString(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[\s\S]*longer than 65536 octets/);
  });

  it('times out a client that never sends anything, and notes it', async () => {
    const before = server.diagnostics.length;
    const r = await exchange(port, [], { waitMs: 5000 });
    assert.equal(r.closed, true);
    assert.match(r.data.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(
      server.diagnostics.slice(before).some((d) => /sent no request within 400 ms/.test(d)),
      server.diagnostics.join('\n'),
    );
  });

  it('refuses bodies it does not take, malformed CONNECT targets, and requests past the per-vector limit', async () => {
    server.begin('t', script());
    const chunked = await exchange(port, ['POST http://home.example.org/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']);
    assert.match(chunked.data.toString(), /^HTTP\/1\.1 501 /);
    const connect_ = await exchange(port, ['CONNECT not a host HTTP/1.1\r\n\r\n']);
    assert.match(connect_.data.toString(), /^HTTP\/1\.1 400 /);
    const many = await exchange(port, [Array.from({ length: 7 }, () => 'GET http://elsewhere.example.org/ HTTP/1.1\r\nHost: x\r\n\r\n').join('')]);
    assert.match(many.data.toString(), /HTTP\/1\.1 429 Too Many Requests/);
    server.end('t');
  });

  it('answers 404 when no vector runs, and never for a favicon records anything', async () => {
    const r = await exchange(port, ['GET http://home.example.org/a HTTP/1.1\r\nConnection: close\r\n\r\n']);
    assert.match(r.data.toString(), /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*no vector is running/);
    server.begin('t', script());
    await exchange(port, ['GET http://home.example.org/favicon.ico HTTP/1.1\r\nConnection: close\r\n\r\n']);
    assert.equal(server.end('t')!.observed.length, 0);
  });
});

describe('HTTP/1.1 request heads', () => {
  it('parses CRLF and bare LF heads, keeps header octets, and reports how much it consumed', () => {
    const crlf = parseRequestHead(Buffer.from('GET /x HTTP/1.1\r\nCookie:  a=\xff b \r\n\r\nrest', 'latin1'))!;
    assert.equal(crlf.head.target, '/x');
    assert.equal(crlf.head.headers[0]!.value.toString('latin1'), 'a=\xff b');
    assert.equal(crlf.length, 36);
    assert.ok(parseRequestHead(Buffer.from('GET /x HTTP/1.1\nHost: h\n\n')));
    assert.equal(parseRequestHead(Buffer.from('GET /x HTTP/1.1\r\nHost: h\r\n')), null);
  });

  it('never fails with anything but an HttpError, whatever the octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('', 'GET / HTTP/1.1\r\n'), (bytes, prefix) => {
        try {
          parseRequestHead(Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]), { maxHeadBytes: 256, maxHeaders: 10, maxBodyBytes: 10 });
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('origin server certificates', function () {
  this.timeout(60_000);
  let server: OriginServer;
  let port: number;

  beforeEach(async () => {
    server = new OriginServer({ outDir: tempDir(), maxCachedHosts: 3 });
    ({ port } = await server.endpoint('t'));
    server.begin('t', {
      requests: [{ method: 'GET', url: 'https://pre.example.org/', response: { status: 200, setCookie: [Buffer.from('k=v')] } }],
      pages: [],
    });
  });
  afterEach(() => server.close());

  /** CONNECT through the proxy, then TLS that verifies the host certificate against the run's CA, then one request. */
  async function getOverTunnel(host: string, path = '/'): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
    const [established] = (await once(socket, 'data')) as [Buffer];
    assert.match(established.toString(), /^HTTP\/1\.1 200 Connection Established\r\n\r\n$/);
    const tls = tlsConnect({ socket, servername: host, ca: server.ca.certPem });
    await once(tls, 'secureConnect');
    tls.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    const got: Buffer[] = [];
    for await (const d of tls) got.push(d as Buffer);
    return Buffer.concat(got).toString('latin1');
  }

  it("issues the certificates of a vector's hosts before the vector, so that no CONNECT to them signs one", async () => {
    await server.prepare(['pre.example.org', 'other.example.org', 'pre.example.org']);
    assert.equal(server.ca.signatures, 2);
    const answer = await getOverTunnel('pre.example.org');
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\nSet-Cookie: k=v\r\n/);
    assert.equal(server.ca.signatures, 2, 'a CONNECT to a prepared host signed a certificate');
    assert.deepEqual(
      server.end('t')!.observed.map((o) => o.url),
      ['https://pre.example.org/'],
    );
  });

  it('keeps a bounded number of certificates, and issues an evicted one again when asked', async () => {
    await server.prepare(['a.example.org', 'b.example.org', 'c.example.org', 'd.example.org']);
    assert.equal(server.ca.signatures, 4);
    await server.prepare(['b.example.org', 'c.example.org', 'd.example.org']);
    assert.equal(server.ca.signatures, 4, 'the three most recent hosts are kept');
    assert.match(await getOverTunnel('a.example.org'), /^HTTP\/1\.1 404 /);
    assert.equal(server.ca.signatures, 5, 'the least recently used host was dropped, and is issued again');
  });

  it('answers a plain request while a burst of CONNECTs to new hosts waits for its certificates', async () => {
    const hosts = 40;
    // Every connection is open and read by the server before the burst, so the
    // server reads the burst and the plain request in the same turn of its loop.
    const plain = await openConnection(port);
    const tunnels = await Promise.all(Array.from({ length: hosts }, () => openConnection(port)));
    const established = tunnels.map((t) => t.next());
    let establishedFirst = 0;
    for (const e of established) void e.then(() => establishedFirst++);
    tunnels.forEach((t, i) => t.socket.write(`CONNECT new-${i}.example.org:443 HTTP/1.1\r\nHost: new-${i}.example.org:443\r\n\r\n`));
    const answer = plain.next();
    plain.socket.write('GET http://plain.example.org/ HTTP/1.1\r\nHost: plain.example.org\r\n\r\n');
    assert.match(await answer, /^HTTP\/1\.1 404 /);
    // Issuing synchronously, the server would have answered all the CONNECTs first.
    assert.ok(establishedFirst < hosts, `all ${hosts} CONNECTs were answered before the plain request`);
    for (const e of await Promise.all(established)) assert.match(e, /^HTTP\/1\.1 200 Connection Established\r\n\r\n$/);
    for (const t of [plain, ...tunnels]) t.socket.destroy();
  });
});

describe('origin server connections', function () {
  this.timeout(30_000);

  it('closes a connection past the per-target limit without reading it, and keeps serving those it holds', async () => {
    const server = new OriginServer({ outDir: tempDir(), maxConnectionsPerTarget: 2 });
    try {
      const { port } = await server.endpoint('t');
      const held = [await openConnection(port), await openConnection(port)];
      const refused = await exchange(port, ['GET http://x.example.org/ HTTP/1.1\r\nHost: x.example.org\r\n\r\n'], { waitMs: 20_000 });
      assert.equal(refused.closed, true);
      assert.equal(refused.data.length, 0);
      const answer = held[1]!.next();
      held[1]!.socket.write('GET http://x.example.org/ HTTP/1.1\r\nHost: x.example.org\r\n\r\n');
      assert.match(await answer, /^HTTP\/1\.1 404 /);
      for (const h of held) h.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
