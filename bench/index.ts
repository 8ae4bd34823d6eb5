/**
 * `npm run bench`: every benchmark, one after another. Each prints ratios measured side by side in one run.
 * One that cannot run here prints why and the others go on (bench/setup.ts); the exit code is non-zero
 * only when one failed.
 */
import { printRunnerOverhead, runnerOverhead } from './runner-overhead.js';
import { printTargetThroughput, targetThroughput } from './targets.js';
import { cookieEnginesBench, printCookieEnginesBench } from './cookie-engines.js';
import { cookieSuiteBench, printCookieSuiteBench } from './cookie-suite.js';
import { originProxyBench, printOriginProxyBench } from './origin-proxy.js';
import { printMptcpCodecBench, runMptcpCodecBench } from './mptcp-codec.js';
import { dockerBench, printDockerBench } from './docker.js';
import { dockerAvailable } from '../runner/docker/driver.js';
import { measureMptcpThroughput, printMptcpThroughput } from './mptcp-throughput.js';
import { interopBench, packetLevelBench, printInteropBench, printPacketLevelBench, vmBootMs } from './mptcp-suites.js';
import { longLinesBench, printLongLinesBench } from './long-lines.js';
import { benchFuzzMptcp } from './fuzz-mptcp.js';
import { loadBench, printLoadBench } from './load.js';
import { fuzzThroughput, printFuzzThroughput } from './fuzz.js';
import { BenchUnavailable, runBenches } from './setup.js';

const failures = await runBenches([
  { name: 'runner overhead', run: async () => printRunnerOverhead(await runnerOverhead()) },
  { name: 'cookie engines', run: async () => printCookieEnginesBench(await cookieEnginesBench()) },
  { name: 'cookie targets', run: async () => printTargetThroughput(await targetThroughput()) },
  { name: 'cookie suite', run: async () => printCookieSuiteBench(await cookieSuiteBench()) },
  { name: 'origin proxy', run: async () => printOriginProxyBench(await originProxyBench()) },
  { name: 'long lines', run: async () => printLongLinesBench(await longLinesBench()) },
  { name: 'cookie fuzzer', run: async () => printFuzzThroughput(await fuzzThroughput()) },
  { name: 'mptcp codec', run: async () => printMptcpCodecBench(await runMptcpCodecBench()) },
  { name: 'mptcp throughput', run: async () => printMptcpThroughput(await measureMptcpThroughput()) },
  { name: 'mptcp packet-level suite', run: async () => printPacketLevelBench(await packetLevelBench(), await vmBootMs()) },
  { name: 'mptcp fuzzer', run: async () => void process.stdout.write(`${await benchFuzzMptcp()}\n`) },
  { name: 'mptcp interop grid', run: async () => printInteropBench(await interopBench(), await vmBootMs()) },
  { name: 'idle against loaded', run: async () => printLoadBench(await loadBench()) },
  {
    name: 'docker driver',
    run: async () => {
      const noDocker = await dockerAvailable();
      if (noDocker) throw new BenchUnavailable(`no docker engine answers (${noDocker})`);
      printDockerBench(await dockerBench());
    },
  },
]);
process.exitCode = failures ? 1 : 0;
