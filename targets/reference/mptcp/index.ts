/**
 * The reference MPTCP endpoint: a userspace TCP and MPTCP v1 (RFC 8684)
 * stack, sans-IO. A Host takes IP packets (input), gives IP packets
 * (takeOutput) and events (takeEvents); time is an input (input's and
 * poll's `now`, in ms) and randomness comes from an injected RandomSource.
 *
 *   const host = new Host({ addresses: ['10.0.0.1'], random: seededRandom(1) });
 *   const conn = host.connect({ remote: '10.0.0.2', port: 80, checksum: true });
 *   conn.write(bytes); conn.shutdown();
 *   for (const p of host.takeOutput()) wire.send(p);
 *   host.input(packetFromWire, now); host.poll(now); host.nextDeadline();
 *   host.listen(80).accept(); conn.read(); conn.addSubflow(local, remote);
 */
export { Host, Listener, parseOptions } from './host.js';
export { Connection, type ConnectionMode, type HostEvent } from './connection.js';
export { seededRandom, random64, type RandomSource } from './random.js';
export { cryptoRandom } from './crypto-random.js';
export { RealtimeDriver } from './realtime.js';
export type * from './types.js';
