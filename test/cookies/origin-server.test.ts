// The origin server: scripted answers, octet-exact recording, and hostile clients.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
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
      { method: 'GET', url: 'http://home.example.org/a', response: { status: 302, setCookie: [Buffer.from('a=\u0001b; Path=/', 'latin1')], location: 'http://home.example.org/b' } },
      { method: 'GET', url: 'http://home.example.org/b', response: { status: 200, setCookie: [] } },
    ],
    pages: [],
  });

  it('serves the scripted response with raw Set-Cookie octets, and records the Cookie header octet for octet', async () => {
    server.begin('t', script());
    const r = await exchange(port, ['GET http://home.example.org/a HTTP/1.1\r\nHost: home.example.org\r\n\r\nGET http://home.example.org/b HTTP/1.1\r\nHost: home.example.org\r\nCookie: x=\xff\x01y\r\nCookie: z=1\r\nConnection: close\r\n\r\n'], { waitMs: 2000 });
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
    assert.ok(session.problems.some((p) => /malformed request line/.test(p)), session.problems.join('\n'));
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
    assert.ok(session.problems.some((p) => /no complete request within 400 ms/.test(p)), session.problems.join('\n'));
  });

  it('times out a client that never sends anything, and notes it', async () => {
    const before = server.diagnostics.length;
    const r = await exchange(port, [], { waitMs: 5000 });
    assert.equal(r.closed, true);
    assert.match(r.data.toString(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(server.diagnostics.slice(before).some((d) => /sent no request within 400 ms/.test(d)), server.diagnostics.join('\n'));
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
