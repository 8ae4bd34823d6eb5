/** `npm run bench`: every benchmark, one after another. Each prints ratios measured side by side in one run. */
import { printRunnerOverhead, runnerOverhead } from './runner-overhead.js';
import { printTargetThroughput, targetThroughput } from './targets.js';
import { printMptcpCodecBench, runMptcpCodecBench } from './mptcp-codec.js';

printRunnerOverhead(await runnerOverhead());
printTargetThroughput(await targetThroughput());
printMptcpCodecBench(await runMptcpCodecBench());
