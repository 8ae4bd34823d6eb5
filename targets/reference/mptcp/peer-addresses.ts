/**
 * The addresses the peer announced (ADD_ADDR, RFC 8684 §3.4.1) and removed
 * (REMOVE_ADDR, §3.4.2), by address id. Owns that table; each call returns
 * what the Connection does next (the echo to send, the event to raise)
 * instead of doing it.
 */
import { addAddrHmac, type AddAddr, type MptcpOption } from '../../../suites/mptcp/codec/index.js';
import { sameBytes } from './join.js';

export interface PeerAddress {
  address: string;
  port?: number;
}

/** What an ADD_ADDR received leads to. */
export type AddAddrOutcome =
  /** The peer's echo of our own ADD_ADDR: nothing. */
  | { kind: 'echo' }
  /** A bad or missing HMAC: dropped (and counted). */
  | { kind: 'bad-hmac' }
  /** Accepted: the echo to send, and whether the address (or its port) is new to the application. */
  | { kind: 'accepted'; echo: MptcpOption; announce: boolean };

export class PeerAddresses {
  private readonly byId = new Map<number, PeerAddress>();

  get(addressId: number): PeerAddress | undefined {
    return this.byId.get(addressId);
  }

  /** An ADD_ADDR from the peer, checked with the keys (sender = the peer). */
  onAddAddr(o: AddAddr, keys: { localKey: bigint; remoteKey: bigint | undefined }): AddAddrOutcome {
    if (o.echo) return { kind: 'echo' };
    const port = o.port !== undefined ? { port: o.port } : {};
    const expected = addAddrHmac({ senderKey: keys.remoteKey!, receiverKey: keys.localKey, addressId: o.addressId, address: o.address, ...port });
    if (!o.hmac || !sameBytes(o.hmac, expected)) return { kind: 'bad-hmac' };
    const known = this.byId.get(o.addressId);
    this.byId.set(o.addressId, { address: o.address, ...port });
    return {
      kind: 'accepted',
      echo: { type: 'mptcp', subtype: 'add_addr', echo: true, addressId: o.addressId, address: o.address, ...port },
      // §3.4.1: an id announced again with another port is a new place to join (the same address, a new port); the
      // same address and port again (a retransmission) is not.
      announce: !known || known.address !== o.address || known.port !== o.port,
    };
  }

  /** A REMOVE_ADDR from the peer: the ids leave the table (the Connection probes the subflows that used them). */
  onRemoveAddr(ids: number[]): void {
    for (const id of ids) this.byId.delete(id);
  }
}
