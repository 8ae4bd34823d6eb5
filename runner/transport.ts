/**
 * The adapter contract's transport: JSON-RPC 2.0 messages, one per line, over
 * an adapter's stdin and stdout (docs/adapter-contract.md). A transport carries
 * calls to one running adapter; faults become AdapterFault errors that the
 * scheduler turns into error or timeout verdicts.
 */
import type { Placement } from './suite.js';
import { validateValue } from './schema.js';
import type { Handlers } from './contract.js';

export { CONTRACT_VERSION, type Handlers, type HelloResult } from './contract.js';

export type FaultKind = 'timeout' | 'exited' | 'garbage' | 'protocol' | 'adapter-error' | 'start-failed';

export class AdapterFault extends Error {
  readonly kind: FaultKind;
  constructor(kind: FaultKind, message: string) {
    super(message);
    this.name = 'AdapterFault';
    this.kind = kind;
  }
}

export interface Transport {
  /** Sends a request and resolves with the result; rejects with an AdapterFault. */
  call(method: string, params: unknown, signal?: AbortSignal): Promise<unknown>;
  /** Stops the adapter (gracefully, then by force). */
  close(): Promise<void>;
  /** Whether the transport can still carry calls. */
  readonly alive: boolean;
  /** Why it cannot, when it broke. */
  readonly faultReason: string | undefined;
  /** Recent stderr of the adapter, for error reasons. */
  stderrTail(): string;
  /** Hears the adapter's notifications (JSON-RPC requests without an id): events a suite may wait for. */
  onNotification?(handler: ((method: string, params: unknown) => void) | undefined): void;
}

export interface TransportFactory {
  readonly driver: string;
  /** Starts the adapter; with a placement (suites that build a topology), where the driver puts it. */
  start(placement?: Placement): Promise<Transport>;
  /** Details recorded in results.json (image id, say). */
  describe?(): Record<string, string>;
}

/** Checks an incoming line is a well-formed response to request `id`; returns the result or throws an AdapterFault. */
export function interpretResponse(message: unknown, id: number, method: string, resultSchema?: string): unknown {
  const problems = validateValue('urn:conformatrix:adapter-contract#/$defs/response', message);
  if (problems.length) throw new AdapterFault('protocol', `malformed response to ${method}: ${problems.join('; ')}`);
  const m = message as { id: number | string | null; result?: unknown; error?: { code: number; message: string; data?: unknown } };
  if (m.id !== id) throw new AdapterFault('protocol', `response to request ${JSON.stringify(m.id)} while waiting for ${id} (${method})`);
  if (m.error) throw new AdapterFault('adapter-error', `adapter reported an error in ${method}: ${m.error.message}`);
  if (resultSchema) {
    const bad = validateValue(resultSchema, m.result);
    if (bad.length) throw new AdapterFault('protocol', `malformed ${method} result: ${bad.join('; ')}`);
  }
  return m.result;
}

/** A transport that calls JavaScript handlers directly, with no process and no serialization. */
export function inProcessTransport(handlers: Handlers): Transport {
  let alive = true;
  return {
    get alive() {
      return alive;
    },
    faultReason: undefined,
    async call(method, params) {
      const fn = handlers[method];
      if (!fn) throw new AdapterFault('adapter-error', `adapter has no method ${method}`);
      try {
        return await fn(params);
      } catch (err) {
        throw new AdapterFault('adapter-error', `adapter reported an error in ${method}: ${(err as Error).message}`);
      }
    },
    async close() {
      alive = false;
    },
    stderrTail: () => '',
  };
}
