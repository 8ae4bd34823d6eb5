/**
 * Drives kernel-agent.py in a namespace through the same JSON-lines transport
 * the runner uses for adapters.
 */
import { fileURLToPath } from 'node:url';
import { startProcess } from '../../../runner/local-driver.js';
import type { Transport } from '../../../runner/transport.js';

export const KERNEL_AGENT = fileURLToPath(new URL('../../../../suites/mptcp/net/kernel-agent.py', import.meta.url));

export class KernelAgent {
  readonly namespace: string;
  private readonly transport: Transport;

  private constructor(namespace: string, transport: Transport) {
    this.namespace = namespace;
    this.transport = transport;
  }

  static start(namespace: string): KernelAgent {
    return new KernelAgent(namespace, startProcess({ command: ['ip', 'netns', 'exec', namespace, 'python3', KERNEL_AGENT], cwd: '/' }));
  }

  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.transport.call(method, params) as Promise<T>;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** The octets kernel-agent.py's source sends: octet i is (i * 7 + seed) mod 251. */
export function pattern(offset: number, count: number, seed = 0): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((offset + i) * 7 + seed) % 251;
  return out;
}
