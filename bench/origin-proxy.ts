/**
 * The cookie suite's origin server as a TLS proxy: what a CONNECT to a host
 * costs, side by side in one run, with the rounds interleaved and the medians
 * kept.
 *
 * - Event-loop time per new host certificate: node-forge signing it on the
 *   event loop (how certificates were issued before) against TestCa.issue(),
 *   whose RSA signature runs on the thread pool (only the building of the
 *   certificate stays on the event loop). Each is also given with its latency.
 * - A CONNECT, TLS handshake (verified against the run's CA) and one request,
 *   for a host whose certificate was issued before the vector against a host
 *   the server has not seen.
 *
 *   node dist/bench/origin-proxy.js [--rounds N]
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import { OriginServer } from '../suites/cookies/http/origin-server.js';

export interface OriginProxyBench {
  rounds: number;
  /** Medians, in ms. */
  forgeSignMs: number;
  issueEventLoopMs: number;
  issueLatencyMs: number;
  connectPreparedMs: number;
  connectNewHostMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A host certificate signed by forge on the calling thread, as the server did before. */
function forgeSigned(caKey: forge.pki.rsa.PrivateKey, hostKey: forge.pki.rsa.PublicKey, host: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = hostKey;
  cert.serialNumber = '02';
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer([{ name: 'commonName', value: 'bench CA' }]);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

async function connectOnce(port: number, host: string, caPem: string): Promise<number> {
  const t0 = performance.now();
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
  await once(socket, 'data');
  const tls = tlsConnect({ socket, servername: host, ca: caPem });
  await once(tls, 'secureConnect');
  tls.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  for await (const _ of tls);
  return performance.now() - t0;
}

export async function originProxyBench(rounds = 15): Promise<OriginProxyBench> {
  const pem = (k: forge.pki.PEM) => forge.pki.privateKeyFromPem(k) as forge.pki.rsa.PrivateKey;
  const caKey = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const hostKey = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const server = new OriginServer({ outDir: mkdtempSync(join(tmpdir(), 'conformatrix-bench-')), maxCachedHosts: 4 * rounds });
  const { port } = await server.endpoint('bench');
  const r = { forge: [] as number[], loop: [] as number[], latency: [] as number[], prepared: [] as number[], fresh: [] as number[] };
  try {
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      forgeSigned(caKey, forge.pki.setRsaPublicKey(hostKey.n, hostKey.e), `forge-${i}.example.org`);
      r.forge.push(performance.now() - t);
      t = performance.now();
      const issued = server.ca.issue(`issue-${i}.example.org`);
      r.loop.push(performance.now() - t);
      await issued;
      r.latency.push(performance.now() - t);
      await server.prepare([`prepared-${i}.example.org`]);
      r.prepared.push(await connectOnce(port, `prepared-${i}.example.org`, server.ca.certPem));
      r.fresh.push(await connectOnce(port, `new-${i}.example.org`, server.ca.certPem));
    }
  } finally {
    await server.close();
  }
  return {
    rounds,
    forgeSignMs: median(r.forge),
    issueEventLoopMs: median(r.loop),
    issueLatencyMs: median(r.latency),
    connectPreparedMs: median(r.prepared),
    connectNewHostMs: median(r.fresh),
  };
}

export function printOriginProxyBench(b: OriginProxyBench): void {
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const lines = [
    `cookie origin server as TLS proxy (medians of ${b.rounds} interleaved rounds)`,
    `  new host certificate, time on the event loop: forge signing ${ms(b.forgeSignMs)}, TestCa.issue ${ms(b.issueEventLoopMs)} (${(b.forgeSignMs / b.issueEventLoopMs).toFixed(1)}x less; its latency, signature on the thread pool included: ${ms(b.issueLatencyMs)})`,
    `  CONNECT + TLS + one request: host issued before the vector ${ms(b.connectPreparedMs)}, new host ${ms(b.connectNewHostMs)} (${(b.connectNewHostMs / b.connectPreparedMs).toFixed(2)}x)`,
  ];
  process.stdout.write(lines.join('\n') + '\n\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--rounds');
  printOriginProxyBench(await originProxyBench(i > 0 ? Number(process.argv[i + 1]) : undefined));
}
