/** `npm run bench`: every benchmark, one after another. Each prints ratios measured side by side in one run. */
import { printRunnerOverhead, runnerOverhead } from './runner-overhead.js';
import { printTargetThroughput, targetThroughput } from './targets.js';
import { cookieSuiteBench, printCookieSuiteBench } from './cookie-suite.js';
import { originProxyBench, printOriginProxyBench } from './origin-proxy.js';
import { printMptcpCodecBench, runMptcpCodecBench } from './mptcp-codec.js';
import { dockerBench, printDockerBench } from './docker.js';
import { dockerAvailable } from '../runner/docker/driver.js';
import { measureMptcpThroughput, printMptcpThroughput } from './mptcp-throughput.js';
import { interopBench, packetLevelBench, printInteropBench, printPacketLevelBench } from './mptcp-suites.js';
import { longLinesBench, printLongLinesBench } from './long-lines.js';

printRunnerOverhead(await runnerOverhead());
printTargetThroughput(await targetThroughput());
printCookieSuiteBench(await cookieSuiteBench());
printOriginProxyBench(await originProxyBench());
printLongLinesBench(await longLinesBench());
printMptcpCodecBench(await runMptcpCodecBench());
printMptcpThroughput(await measureMptcpThroughput());
printPacketLevelBench(await packetLevelBench());
printInteropBench(await interopBench());
const noDocker = await dockerAvailable();
if (noDocker) process.stdout.write(`docker driver: not measured, no docker engine answers (${noDocker})\n`);
else printDockerBench(await dockerBench());
