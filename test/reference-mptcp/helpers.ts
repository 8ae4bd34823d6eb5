// Scenarios shared by the in-memory tests of the reference endpoint.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Connection, ConnectOptions, Host, ListenOptions } from '../../targets/reference/mptcp/index.js';
import type { MptcpOption, Packet } from '../../suites/mptcp/codec/index.js';
import { mptcpOptions, Sink, type Sim } from '../../targets/reference/mptcp/sim/network.js';

export const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface Transfer {
  client: Connection;
  server: Connection;
  /** What each side received. */
  atServer: Sink;
  atClient: Sink;
}

export interface TransferOptions {
  connect?: Partial<ConnectOptions>;
  listen?: ListenOptions;
  /** Client to server, server to client. */
  up?: Uint8Array;
  down?: Uint8Array;
  /** Called once both ends are established (before any data is written). */
  onEstablished?: (t: Transfer) => void;
  /** Shut down after writing (default true); the other end shuts down once it has read everything. */
  close?: boolean;
  port?: number;
  limitMs?: number;
  /** Write in pieces of this size as the send buffer drains, default all at once. */
  writeChunk?: number;
}

/** Opens a connection from a to b, moves the data both ways, closes, and checks nothing. */
export function transfer(a: Host, b: Host, sim: Sim, o: TransferOptions = {}): Transfer {
  const port = o.port ?? 80;
  const l = b.listen(port, o.listen ?? {});
  const client = a.connect({ remote: b.addresses[0]!, port, ...o.connect });
  const up = o.up ?? new Uint8Array(0);
  const down = o.down ?? new Uint8Array(0);
  let t: Transfer | undefined;
  let upAt = 0;
  let downAt = 0;
  const chunk = o.writeChunk ?? Number.POSITIVE_INFINITY;
  const close = o.close ?? true;
  const pushData = (c: Connection, data: Uint8Array, at: number): number => {
    if (c.state !== 'established' && c.state !== 'closing') return at;
    while (at < data.length && c.writableLength < Math.min(chunk * 4, Number.MAX_SAFE_INTEGER)) {
      const n = Math.min(chunk, data.length - at);
      c.write(data.subarray(at, at + n));
      at += n;
      if (chunk === Number.POSITIVE_INFINITY) break;
    }
    return at;
  };
  let clientShut = false;
  let serverShut = false;
  sim.apps.push(() => {
    if (!t) {
      if (client.state !== 'established') return;
      const server = l.accept();
      if (!server) return;
      t = { client, server, atServer: new Sink(server), atClient: new Sink(client) };
      o.onEstablished?.(t);
    }
    upAt = pushData(t.client, up, upAt);
    downAt = pushData(t.server, down, downAt);
    t.atServer.pull();
    t.atClient.pull();
    if (close && upAt === up.length && !clientShut && t.client.state !== 'reset') {
      clientShut = true;
      t.client.shutdown();
    }
    if (close && downAt === down.length && !serverShut && t.server.readableEnded && t.server.state !== 'reset') {
      serverShut = true;
      t.server.shutdown();
    }
  });
  sim.run(() => {
    if (!t) return client.state === 'reset';
    const over = (c: Connection) => c.state === 'closed' || c.state === 'reset';
    if (close) return over(t.client) && over(t.server);
    return t.atServer.length >= up.length && t.atClient.length >= down.length;
  }, o.limitMs ?? 600000);
  sim.apps.pop();
  if (!t) assert.fail(`the connection was not established: ${client.resetReason ?? client.state}`);
  return t;
}

export function assertSameBytes(got: Uint8Array, want: Uint8Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} octets instead of ${want.length}`);
  assert.equal(sha(got), sha(want), `${what}: the octets differ`);
}

export const isSyn = (p: Packet) => !!p.tcp.flags.syn && !p.tcp.flags.ack;
export const isSynAck = (p: Packet) => !!p.tcp.flags.syn && !!p.tcp.flags.ack;
export const hasData = (p: Packet) => p.tcp.payload.length > 0;

/** Every MPTCP option seen on the wire, with the packet. */
export function tap(sim: Sim): { p: Packet; o: MptcpOption }[] {
  const seen: { p: Packet; o: MptcpOption }[] = [];
  sim.hooks.push((d) => {
    for (const o of mptcpOptions(d.packet)) seen.push({ p: d.packet, o });
    return undefined;
  });
  return seen;
}
