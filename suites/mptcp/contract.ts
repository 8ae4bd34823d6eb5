/**
 * The parameters of the adapter methods of the packet-level suite, as an
 * adapter receives them (docs/adapter-contract.md, "mptcp.*"; the schema is
 * vectors/schema/mptcp-adapter.schema.json).
 */

/** mptcp.open: a vector begins; the adapter sets up its node. */
export interface OpenParams {
  vector: string;
  role: 'client' | 'server';
  sysctls: Record<string, number | string>;
  subflowEndpoints?: number;
  /** Addresses to put on the SUT's interface for mptcp.socket announce (not announced until then). */
  announceAddresses?: number;
  limits?: { subflows?: number; addAddrAccepted?: number };
}

/** mptcp.socket: one socket operation of the vector's script. */
export interface SocketParams {
  op: 'listen' | 'connect' | 'accept' | 'write' | 'read' | 'shutdown' | 'close' | 'query' | 'announce' | 'withdraw';
  id: string;
  port?: number;
  address?: string;
  mptcp?: boolean;
  /** connect: with TCP Fast Open (RFC 7413), `data` its first write. */
  fastOpen?: boolean;
  data?: string;
  count?: number;
  /** announce, withdraw: the address id (announce: `address` is one of the SUT's announce addresses). */
  addressId?: number;
}
