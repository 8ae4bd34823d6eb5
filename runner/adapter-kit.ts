/**
 * The adapter side of the contract, for adapters written in JavaScript: reads
 * JSON-RPC requests from stdin, one per line, calls the handler of each method
 * and writes the answers to stdout. An adapter exits when stdin closes.
 * Adapters in other languages implement the same few lines themselves
 * (docs/adapter-contract.md).
 */
import { createInterface } from 'node:readline';
import type { Handlers } from './contract.js';

export function serveAdapter(handlers: Handlers): void {
  const out = (message: object) => process.stdout.write(JSON.stringify(message) + '\n');
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One request at a time, in order: the runner never sends the next before the answer.
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      let request: { id?: number; method?: string; params?: unknown };
      try {
        request = JSON.parse(line) as typeof request;
      } catch {
        out({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
        return;
      }
      if (request.id === undefined) return; // A notification.
      const handler = request.method ? handlers[request.method] : undefined;
      if (!handler) {
        out({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: `no method ${request.method}` } });
        return;
      }
      try {
        const result = await handler(request.params);
        out({ jsonrpc: '2.0', id: request.id, result: result ?? null });
      } catch (err) {
        out({ jsonrpc: '2.0', id: request.id, error: { code: -32000, message: (err as Error).message ?? String(err) } });
      }
    });
  });
  rl.on('close', () => {
    void queue.then(() => process.exit(0));
  });
}
