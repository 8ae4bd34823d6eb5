/**
 * A connection's addresses at the MPTCP level (RFC 8684 §3.4): ADD_ADDR and
 * REMOVE_ADDR, sent (the application's announceAddress / removeAddress) and
 * received, and the keepalives that a removed address's subflows get before
 * they go (removal-probes.ts). It owns the peer's address table and the
 * probes, and returns what the Connection does (queue an option on a subflow,
 * reset a subflow, send a keepalive, raise an event, count) instead of doing
 * it. Where one step changes what the next one sees (a subflow reset is no
 * longer live), it yields its steps one at a time: the Connection applies each
 * before it asks for the next.
 */
import { addAddrHmac, type AddAddr, type MptcpOption } from '../../../suites/mptcp/codec/index.js';
import { PeerAddresses } from './peer-addresses.js';
import { RemovalProbes } from './removal-probes.js';
import type { ResetView } from './resets.js';
import type { SubflowMptcp } from './subflow-mptcp.js';
import type { Subflow } from './subflow.js';

/** One thing for the Connection to do. */
export type AddressEffect =
  /** Queue a control option on `s`. */
  | { do: 'send'; s: Subflow; option: MptcpOption }
  /** Reset `s` (MP_TCPRST, reason unspecified), keeping the connection when others are left. */
  | { do: 'drop'; s: Subflow; reason: string }
  /** A keepalive on `s` (§3.4.2). */
  | { do: 'probe'; s: Subflow }
  | { do: 'event'; event: { type: 'add-addr'; addressId: number; address: string; port?: number } | { type: 'remove-addr'; addressIds: number[] } }
  | { do: 'count'; stat: 'addAddrReceived' | 'addAddrBadHmac' };

/** What this reads of the connection, at the moment it reads it: what resets.ts reads, and more. */
export interface AddressView extends ResetView {
  /** Subflows able to carry data (backups included). */
  usable(): Subflow[];
  mp(s: Subflow): SubflowMptcp;
  /** Our address id for a local address. */
  addressIdFor(address: string): number;
  /** The shortest retransmission timeout, the least a keepalive waits. */
  minRto: number;
}

export class Addresses {
  /** Addresses the peer announced, by address id. */
  readonly peer = new PeerAddresses();
  /** Keepalives sent on subflows whose address the peer removed, waiting for an answer. */
  private readonly probes = new RemovalProbes();
  /** Our addresses announced, by address id (until withdrawn). */
  readonly ours = new Map<number, string>();

  /** ADD_ADDR (§3.4.1): one of our addresses, with its HMAC. Returns the address id and the subflow and option to send. */
  announce(v: AddressView, address: string, port?: number, id?: number): { addressId: number; send: AddressEffect & { do: 'send' } } {
    if (v.mode !== 'mptcp' || v.remoteKey === undefined) throw new Error('ADD_ADDR needs MPTCP');
    const addressId = id ?? v.addressIdFor(address);
    const s = v.usable()[0] ?? v.subflows.find((x) => x.synchronized);
    if (!s) throw new Error('no subflow to send ADD_ADDR on');
    const p = port !== undefined ? { port } : {};
    const hmac = addAddrHmac({ senderKey: v.localKey, receiverKey: v.remoteKey, addressId, address, ...p });
    const option: AddAddr = { type: 'mptcp', subtype: 'add_addr', echo: false, addressId, address, ...p, hmac };
    this.ours.set(addressId, address);
    return { addressId, send: { do: 'send', s, option } };
  }

  /** REMOVE_ADDR (§3.4.2): withdraw one of our address ids; our subflows on it are reset (when one is kept). */
  *remove(v: AddressView, addressId: number): Generator<AddressEffect, void, void> {
    if (v.mode !== 'mptcp') throw new Error('REMOVE_ADDR needs MPTCP');
    this.ours.delete(addressId);
    const keep = v.subflows.find((x) => !x.closed && x.synchronized && v.mp(x).localAddressId !== addressId);
    if (keep) yield { do: 'send', s: keep, option: { type: 'mptcp', subtype: 'remove_addr', addressIds: [addressId] } };
    for (const s of [...v.subflows]) {
      if (!s.closed && v.mp(s).localAddressId === addressId && keep) yield { do: 'drop', s, reason: 'address removed locally' };
    }
  }

  /** The peer's ADD_ADDR on `s`. */
  *onAddAddr(v: AddressView, s: Subflow, o: AddAddr): Generator<AddressEffect, void, void> {
    const out = this.peer.onAddAddr(o, v);
    if (out.kind === 'echo') return; // the peer's echo of our ADD_ADDR
    yield { do: 'count', stat: 'addAddrReceived' };
    if (out.kind === 'bad-hmac') {
      yield { do: 'count', stat: 'addAddrBadHmac' };
      return;
    }
    yield { do: 'send', s, option: out.echo };
    if (out.announce)
      yield { do: 'event', event: { type: 'add-addr', addressId: o.addressId, address: o.address, ...(o.port !== undefined ? { port: o.port } : {}) } };
  }

  /** The peer's REMOVE_ADDR: its subflows on those ids get a keepalive first; the path goes only if nothing answers it (onTimer). */
  *onRemoveAddr(v: AddressView, ids: number[], now: number): Generator<AddressEffect, void, void> {
    this.peer.onRemoveAddr(ids);
    yield { do: 'event', event: { type: 'remove-addr', addressIds: ids } };
    for (const x of v.live()) {
      if (!ids.includes(v.mp(x).remoteAddressId)) continue;
      if (this.probes.has(x)) continue;
      if (x.synchronized) {
        yield { do: 'probe', s: x };
        this.probes.add(x, now + Math.max(x.rto, v.minRto));
      } else yield* this.removeProbed(v, x);
    }
  }

  /** The keepalives whose time is up: an answered one keeps its path (§3.4.2); an unanswered one's subflow goes. */
  *onTimer(v: AddressView, now: number): Generator<AddressEffect, void, void> {
    for (const p of this.probes.takeDue(now)) {
      if (RemovalProbes.answered(p) || v.state === 'reset') continue;
      yield* this.removeProbed(v, p.s);
    }
  }

  nextDeadline(): number | undefined {
    return this.probes.nextDeadline();
  }

  /** A subflow whose address the peer removed, and whose keepalive went unanswered. */
  private *removeProbed(v: AddressView, x: Subflow): Generator<AddressEffect, void, void> {
    if (x.closed || v.live().length <= 1) return; // never the last one
    yield { do: 'drop', s: x, reason: 'address removed by the peer' };
  }
}
