/** `npm run bench`: every benchmark, one after another. Each prints ratios measured side by side in one run. */
import { printRunnerOverhead, runnerOverhead } from './runner-overhead.js';

printRunnerOverhead(await runnerOverhead());
