/**
 * The MPTCP fuzzer's throughput (issue 18): mutated scenarios per second
 * against the reference endpoint in-process (suites/mptcp/fuzz.ts), in wall
 * time and in this process's CPU time, which a busy machine does not skew.
 * All of the time is the fuzzer's and the endpoint's: no other target runs.
 *
 *   node dist/bench/fuzz-mptcp.js [SCENARIOS] [SEED]
 */
import { cpuUsage } from 'node:process';
import { fuzzMptcp } from '../suites/mptcp/fuzz.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function benchFuzzMptcp(scenarios = 5000, seed = 1): Promise<string> {
  const cpu0 = cpuUsage();
  const s = await fuzzMptcp({ seed, budget: scenarios, out: mkdtempSync(join(tmpdir(), 'cfx-bench-fuzz-')) });
  const cpu = cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return [
    `fuzz --suite mptcp, seed ${seed}: ${s.scenarios} scenarios (${s.injected} segments injected, ${s.events} events)`,
    `  wall ${(s.elapsedMs / 1000).toFixed(1)} s: ${s.scenariosPerSecond} scenarios/s`,
    `  CPU ${cpuSeconds.toFixed(1)} s: ${Math.round(s.scenarios / cpuSeconds)} scenarios per CPU second`,
    `  findings: ${s.crashes} crashes, ${s.hangs} hangs, ${s.violations} violations`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, seed] = process.argv.slice(2).map(Number);
  process.stdout.write((await benchFuzzMptcp(n || undefined, seed || undefined)) + '\n');
}
