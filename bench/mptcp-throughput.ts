/**
 * Throughput of the reference MPTCP endpoint against the Linux kernel, and
 * of the kernel against itself over the same namespaces, in one run (needs
 * root; see targets/reference/mptcp/sim/kernel-lab.ts for the network):
 *
 *   reference -> kernel: our Host behind the TUN device in ep sends to a
 *                        kernel MPTCP socket in k (through the router);
 *   kernel -> reference: the other way;
 *   kernel -> kernel:    a kernel MPTCP socket in ep sends to one in k, the
 *                        same router in between (no TUN).
 *
 * Kernel senders are mptcp-peer.py, with their data ready before the clock
 * starts; kernel receivers are the kernel agent's sink; a transfer ends when
 * the receiver has every octet (and the digests match).
 *
 * Each kind runs `rounds` times, taking turns; the median and the best run
 * are kept, and the ratios say how far the userspace stack (and its TUN
 * relay) is from the kernel on this machine. Kernel-to-kernel runs here are
 * bimodal (about 10 ms, or 200, 400, 600 ms: the sending kernel's MPTCP-level
 * retransmission timer fires, MPTcpExtMPTCPRetrans, with no drop anywhere),
 * so look at both numbers; plain TCP over the same path is measured too.
 *
 * Set-up (the namespaces and agents, a sender's start and connection, an
 * accept) waits for its event within the start-up budget (bench/setup.ts),
 * never on a clock that starts before the peer was even started: a busy
 * machine makes it slower, not wrong. Past the budget the benchmark is
 * reported as not measured.
 *
 *   node dist/bench/mptcp-throughput.js [--mb N] [--rounds N] [--checksum]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { track } from '../runner/cleanup.js';
import { EP_ADDR, K_ADDR, KernelLab, kernelUnavailable } from '../targets/reference/mptcp/sim/kernel-lab.js';
import { Sink, testData } from '../targets/reference/mptcp/sim/network.js';
import { BenchUnavailable, runBenches, startupBudgetMs, withinStartupBudget } from './setup.js';

export interface ThroughputOptions {
  /** Octets per transfer, default 10 MB. */
  bytes?: number;
  /** Default 3. */
  rounds?: number;
  /** net.mptcp.checksum_enabled in the kernel's namespace (our end follows flag A). */
  checksum?: boolean;
  /** The start-up budget of each set-up step, ms (default: startupBudgetMs()). */
  startupBudgetMs?: number;
}

export interface Measure {
  /** Median time of a transfer, ms. */
  ms: number;
  /** Octets per second (median run). */
  bytesPerSecond: number;
  /** The fastest run, ms, and its octets per second. */
  bestMs: number;
  bestBytesPerSecond: number;
  runsMs: number[];
}

export type ThroughputResult =
  | { skipped: string }
  | {
      bytes: number;
      rounds: number;
      checksum: boolean;
      referenceToKernel: Measure;
      kernelToReference: Measure;
      kernelToKernel: Measure;
      /** The same path with plain TCP sockets on both ends (for scale: MPTCP's own cost in the kernel). */
      kernelToKernelTcp: Measure;
      /** reference-to-kernel throughput / kernel-to-kernel throughput. */
      ratio: number;
      /** kernel-to-reference throughput / kernel-to-kernel throughput. */
      ratioReceive: number;
      /** The same ratios for the fastest runs. */
      bestRatio: number;
      bestRatioReceive: number;
    };

interface Job {
  done: boolean;
  octets: number;
  sha256: string | null;
  error: string | null;
}

const PEER = fileURLToPath(new URL('../../bench/mptcp-peer.py', import.meta.url));

/**
 * A kernel sender (mptcp-peer.py) in a namespace, connected and ready; go() starts the transfer.
 * Its start (a Python process, which a busy machine can slow down by seconds) and its connection
 * are set-up: awaited within the start-up budget.
 */
async function kernelSender(
  ns: string,
  addr: string,
  port: number,
  count: number,
  budgetMs: number,
  tcp = false,
): Promise<{ sha256: string; go: () => void; done: Promise<void> }> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', PEER, addr, String(port), String(count), ...(tcp ? ['tcp'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  const untrack = track(`bench peer in ${ns}`, { sync: () => pid && process.kill(pid, 'SIGKILL') });
  const done = new Promise<void>((resolve) => child.once('exit', () => (untrack(), resolve())));
  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await withinStartupBudget(`mptcp-peer.py in ${ns} starting and connecting to ${addr}:${port}`, it.next(), budgetMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (first.done) throw new BenchUnavailable(`mptcp-peer.py in ${ns} ended before connecting to ${addr}:${port}`);
  const ready = JSON.parse(first.value) as { sha256: string };
  return { sha256: ready.sha256, go: () => child.stdin.write('go\n'), done };
}

/** A set-up call to the kernel agent (an accept): its failure, a timeout among them, means the benchmark could not be set up. */
function setupStep<T>(what: string, call: Promise<T>): Promise<T> {
  return call.catch((err: Error) => {
    throw new BenchUnavailable(`${what}: ${err.message}`);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const measure = (runs: number[], bytes: number): Measure => {
  const ms = median(runs);
  const best = Math.min(...runs);
  return { ms, bytesPerSecond: Math.round((bytes / ms) * 1000), bestMs: best, bestBytesPerSecond: Math.round((bytes / best) * 1000), runsMs: runs };
};

export async function measureMptcpThroughput(o: ThroughputOptions = {}): Promise<ThroughputResult> {
  const why = kernelUnavailable();
  if (why) return { skipped: why };
  const budget = o.startupBudgetMs ?? startupBudgetMs();
  const bytes = o.bytes ?? 10 * 1000 * 1000;
  const rounds = o.rounds ?? 3;
  const checksum = o.checksum ?? false;
  const data = testData(bytes, 4242);
  const digest = createHash('sha256').update(data).digest('hex');
  const L = await withinStartupBudget(
    'the kernel lab (namespaces, TUN device, kernel agent)',
    KernelLab.create({ checksum }).catch((err: Error) => {
      throw new BenchUnavailable(`the kernel lab could not be set up: ${err.message}`);
    }),
    budget,
    (late) => late.dispose(),
  );
  const runs = { up: [] as number[], down: [] as number[], kk: [] as number[], tcp: [] as number[] };
  try {
    const { listener } = await L.agent.call<{ listener: string }>('listen', { port: 6000, mptcp: true, backlog: 64 });
    const { listener: tcpListener } = await L.agent.call<{ listener: string }>('listen', { port: 6100, mptcp: false, backlog: 64 });
    for (let r = 0; r < rounds; r++) {
      // reference -> kernel (the accept and the handshake are set-up, awaited together: either may fail first)
      {
        const accepted = setupStep('the kernel accepting the reference', L.agent.call<{ conn: string }>('accept', { listener, timeoutMs: budget }));
        const conn = L.host.connect({ remote: K_ADDR, port: 6000 });
        L.driver.kick();
        const [{ conn: kconn }] = await Promise.all([
          accepted,
          setupStep(
            'the reference connecting',
            L.driver.waitFor(() => conn.state === 'established', budget, 'established'),
          ),
        ]);
        const { job } = await L.agent.call<{ job: string }>('sink', { conn: kconn });
        const t0 = performance.now();
        conn.write(data);
        conn.shutdown();
        L.driver.kick();
        const res = await L.agent.call<Job>('wait', { job, timeoutMs: 300000 });
        runs.up.push(performance.now() - t0);
        if (res.sha256 !== digest) throw new Error(`reference -> kernel: the kernel received ${res.octets} octets with another digest`);
        await L.agent.call('close', { conn: kconn });
      }
      // kernel -> reference
      {
        const l = L.host.listen(6001 + r);
        L.driver.kick();
        const sender = await kernelSender(L.k, EP_ADDR, 6001 + r, bytes, budget);
        await setupStep(
          'the reference accepting the kernel',
          L.driver.waitFor(() => l.queued > 0, budget, 'the kernel connection'),
        );
        const conn = l.accept()!;
        const sink = new Sink(conn);
        L.driver.apps.push(() => sink.pull());
        const t0 = performance.now();
        sender.go();
        await L.driver.waitFor(() => conn.readableEnded || (sink.pull(), sink.length >= bytes && conn.readableEnded), 300000, 'the data from the kernel');
        runs.down.push(performance.now() - t0);
        L.driver.apps.length = 0;
        if (createHash('sha256').update(sink.bytes()).digest('hex') !== sender.sha256) throw new Error('kernel -> reference: another digest');
        conn.close();
        L.driver.kick();
        await sender.done;
        L.host.unlisten(6001 + r);
      }
      // kernel -> kernel, the same path without the TUN device. The sender connects first (into the
      // listener's backlog), then the accept: no accept clock runs while the sender starts.
      {
        const sender = await kernelSender(L.ep, K_ADDR, 6000, bytes, budget);
        const { conn: kconn } = await setupStep('the kernel accepting the kernel', L.agent.call<{ conn: string }>('accept', { listener, timeoutMs: budget }));
        const { job } = await L.agent.call<{ job: string }>('sink', { conn: kconn });
        const t0 = performance.now();
        sender.go();
        const res = await L.agent.call<Job>('wait', { job, timeoutMs: 300000 });
        runs.kk.push(performance.now() - t0);
        if (res.sha256 !== sender.sha256) throw new Error('kernel -> kernel: another digest');
        await L.agent.call('close', { conn: kconn });
        await sender.done;
      }
      // kernel -> kernel over plain TCP, likewise
      {
        const sender = await kernelSender(L.ep, K_ADDR, 6100, bytes, budget, true);
        const { conn: kconn } = await setupStep(
          'the kernel accepting the kernel (TCP)',
          L.agent.call<{ conn: string }>('accept', { listener: tcpListener, timeoutMs: budget }),
        );
        const { job } = await L.agent.call<{ job: string }>('sink', { conn: kconn });
        const t0 = performance.now();
        sender.go();
        const res = await L.agent.call<Job>('wait', { job, timeoutMs: 300000 });
        runs.tcp.push(performance.now() - t0);
        if (res.sha256 !== sender.sha256) throw new Error('kernel -> kernel (TCP): another digest');
        await L.agent.call('close', { conn: kconn });
        await sender.done;
      }
    }
  } finally {
    await L.dispose();
  }
  const up = measure(runs.up, bytes);
  const down = measure(runs.down, bytes);
  const kk = measure(runs.kk, bytes);
  const tcp = measure(runs.tcp, bytes);
  return {
    bytes,
    rounds,
    checksum,
    referenceToKernel: up,
    kernelToReference: down,
    kernelToKernel: kk,
    kernelToKernelTcp: tcp,
    ratio: up.bytesPerSecond / kk.bytesPerSecond,
    ratioReceive: down.bytesPerSecond / kk.bytesPerSecond,
    bestRatio: up.bestBytesPerSecond / kk.bestBytesPerSecond,
    bestRatioReceive: down.bestBytesPerSecond / kk.bestBytesPerSecond,
  };
}

export function printMptcpThroughput(r: ThroughputResult): void {
  if ('skipped' in r) {
    console.log(`mptcp throughput: skipped: ${r.skipped}`);
    return;
  }
  const mbps = (m: Measure) =>
    `median ${((m.bytesPerSecond * 8) / 1e6).toFixed(1)} Mbit/s (${m.ms.toFixed(0)} ms), best ${((m.bestBytesPerSecond * 8) / 1e6).toFixed(1)} Mbit/s (${m.bestMs.toFixed(0)} ms)`;
  console.log(`\nmptcp throughput, ${r.bytes} octets, median of ${r.rounds}, checksums ${r.checksum ? 'on' : 'off'}`);
  console.log(`  reference -> kernel  ${mbps(r.referenceToKernel)}`);
  console.log(`  kernel -> reference  ${mbps(r.kernelToReference)}`);
  console.log(`  kernel -> kernel     ${mbps(r.kernelToKernel)}`);
  console.log(`  kernel -> kernel TCP ${mbps(r.kernelToKernelTcp)}`);
  console.log(`  ratio reference/kernel, medians: send ${r.ratio.toFixed(3)}, receive ${r.ratioReceive.toFixed(3)}`);
  console.log(`  ratio reference/kernel, best runs: send ${r.bestRatio.toFixed(3)}, receive ${r.bestRatioReceive.toFixed(3)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const mb = arg('--mb');
  const rounds = arg('--rounds');
  const failures = await runBenches([
    {
      name: 'mptcp throughput',
      run: async () => {
        const r = await measureMptcpThroughput({
          ...(mb ? { bytes: Math.round(Number(mb) * 1e6) } : {}),
          ...(rounds ? { rounds: Number(rounds) } : {}),
          checksum: process.argv.includes('--checksum'),
        });
        printMptcpThroughput(r);
        if (!('skipped' in r)) console.log(JSON.stringify(r));
      },
    },
  ]);
  process.exit(failures ? 1 : 0);
}
