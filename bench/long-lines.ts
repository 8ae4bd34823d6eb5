/**
 * The cost of long adapter lines in the runner's line splitter
 * (runner/stream-transport.ts). One answer whose line is 1, 4 and 16 MiB long
 * arrives in 64 KiB chunks, as a pipe delivers it, through in-memory streams;
 * the sizes alternate round by round so that the machine's drift hits them
 * alike. It prints the median time per MiB for each size and its ratio to the
 * 1 MiB time: about 1 when the cost is linear in the length (it was quadratic:
 * a 32 MB line cost a minute).
 */
import { PassThrough } from 'node:stream';
import { StreamTransport } from '../runner/stream-transport.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const CHUNK = 64 * 1024;

async function oneLine(mib: number): Promise<number> {
  const stdout = new PassThrough();
  const t = new StreamTransport({ stdin: new PassThrough(), stdout, stderr: new PassThrough(), exited: new Promise(() => undefined), kill: () => undefined });
  const line = JSON.stringify({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(mib * 1024 * 1024) }) + '\n';
  const t0 = performance.now();
  const answer = t.call('bench', {});
  for (let at = 0; at < line.length; at += CHUNK) stdout.write(line.slice(at, at + CHUNK));
  await answer;
  return performance.now() - t0;
}

export async function longLinesBench(rounds = 5): Promise<Record<number, number>> {
  const sizes = [1, 4, 16];
  const times: Record<number, number[]> = { 1: [], 4: [], 16: [] };
  for (let r = 0; r < rounds; r++) for (const mib of sizes) times[mib]!.push((await oneLine(mib)) / mib);
  return Object.fromEntries(sizes.map((s) => [s, median(times[s]!)]));
}

export function printLongLinesBench(perMib: Record<number, number>): void {
  process.stdout.write('adapter lines: median ms per MiB of one line, and its ratio to a 1 MiB line (1 = linear)\n');
  for (const [mib, ms] of Object.entries(perMib)) process.stdout.write(`  ${mib.padStart(2)} MiB  ${ms.toFixed(2)} ms/MiB  x${(ms / perMib[1]!).toFixed(2)}\n`);
}
