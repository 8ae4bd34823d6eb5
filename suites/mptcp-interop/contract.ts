/**
 * The parameters of the interop adapter methods, as an adapter receives them
 * (docs/adapter-contract.md, "interop.*"; the schema is
 * vectors/schema/mptcp-interop-adapter.schema.json), and what both sides
 * agree on.
 */

/** interop.prepare: the node, its addresses and whether DSS checksums are asked for. */
export interface PrepareParams {
  role: 'client' | 'server';
  namespace?: string;
  address: string;
  extraAddresses?: string[];
  /** Addresses the endpoint owns and announces (ADD_ADDR) without opening subflows from them (capability interop-announce). */
  announceAddresses?: string[];
  gateway?: string;
  checksums: boolean;
}

/** interop.serve and interop.connect: where, and how much each way. */
export interface TransferParams {
  address?: string;
  port?: number;
  send: number;
  receive: number;
  timeoutMs: number;
  /** Text the client sends ahead of its pattern (an FTP command), which the server reads as its first line (capability interop-preamble). */
  preamble?: string;
}

/** What an endpoint says of its side of the transfer (interop.connect, interop.finish). */
export interface Report {
  mptcp: boolean;
  fallback: boolean;
  fallbackReason?: string;
  subflows: number;
  sent: number;
  received: number;
  intact: boolean;
  reset?: boolean;
  error?: string;
  counters?: Record<string, number>;
  /** The server's first line, when there was a preamble: what arrived of it. */
  preambleReceived?: string;
}

/** The client sends with seed 1, the server with seed 2 (docs/mptcp-interop.md). */
export const SEED = { client: 1, server: 2 } as const;
