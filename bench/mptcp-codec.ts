/**
 * MPTCP codec throughput: decode and encode rates, in packets per second,
 * for a realistic mix (a SYN with MP_CAPABLE and the usual TCP options, data
 * segments of 1400 bytes with a checksummed DSS mapping, pure ACKs with a
 * DSS data ACK), measured side by side in one run: the workloads take turns
 * in each round and the median of the rounds is kept. Absolute numbers
 * depend on the machine, so the printout leads with ratios.
 *
 *   node dist/bench/mptcp-codec.js [--rounds N] [--ms N]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { decodePacket, encodePacket, type Packet } from '../suites/mptcp/codec/index.js';

export interface CodecBenchOptions {
  /** Rounds; the median is reported. Default 7. */
  rounds?: number;
  /** Time spent on each workload in each round, in milliseconds. Default 150. */
  msPerRun?: number;
}

export interface Rate {
  decodePerSecond: number;
  encodePerSecond: number;
}

export interface CodecBenchResult {
  /** The mix: 1 SYN, 8 data segments, 8 pure ACKs. */
  mix: Rate;
  syn: Rate;
  data: Rate;
  ack: Rate;
  /** encode rate / decode rate for the mix. */
  encodeOverDecode: number;
  /** decode rate of each kind / decode rate of a pure ACK. */
  decodeRelativeToAck: { syn: number; data: number };
  rounds: number;
  msPerRun: number;
}

const K1 = 0x1122334455667788n;
const K2 = 0x99aabbccddeeff00n;

function samples(): { syn: Packet; data: Packet; ack: Packet } {
  const ip = { version: 4 as const, src: '192.0.2.1', dst: '198.51.100.2' };
  const syn: Packet = {
    ip,
    tcp: {
      srcPort: 40000,
      dstPort: 443,
      seq: 12345,
      ack: 0,
      flags: { syn: true },
      window: 64240,
      options: [
        { type: 'mss', mss: 1460 },
        { type: 'sack-permitted' },
        { type: 'timestamps', value: 1, echo: 0 },
        { type: 'nop' },
        { type: 'window-scale', shift: 7 },
        {
          type: 'mptcp',
          subtype: 'mp_capable',
          version: 1,
          flags: { A: true, B: false, C: false, D: false, E: false, F: false, G: false, H: true },
          form: 'syn',
        },
      ],
      payload: new Uint8Array(0),
    },
  };
  const payload = Uint8Array.from({ length: 1400 }, (_, i) => (i * 31) & 0xff);
  const data: Packet = {
    ip,
    tcp: {
      srcPort: 40000,
      dstPort: 443,
      seq: 12346,
      ack: 999,
      flags: { ack: true, psh: true },
      window: 502,
      options: [
        { type: 'nop' },
        { type: 'nop' },
        { type: 'timestamps', value: 100, echo: 90 },
        { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: K1, mapping: { dsn: K2, subflowSeq: 1, dataLevelLength: payload.length, checksum: 0 } },
      ],
      payload,
    },
  };
  const ack: Packet = {
    ip,
    tcp: {
      srcPort: 443,
      dstPort: 40000,
      seq: 999,
      ack: 13746,
      flags: { ack: true },
      window: 502,
      options: [
        { type: 'nop' },
        { type: 'nop' },
        { type: 'timestamps', value: 95, echo: 100 },
        { type: 'mptcp', subtype: 'dss', dataFin: false, dataAck: K2 + 1400n },
      ],
      payload: new Uint8Array(0),
    },
  };
  return { syn, data, ack };
}

/** Runs `fn` over `items` for about `ms` milliseconds; items processed per second. */
function rate<T>(items: readonly T[], fn: (x: T) => unknown, ms: number): number {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 64; i++) {
      const r = fn(items[n % items.length]!);
      if (r) sink++;
      n++;
    }
    now = performance.now();
  }
  if (sink < 0) console.log(sink); // keeps the results alive
  return (n * 1000) / (now - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runMptcpCodecBench(opts: CodecBenchOptions = {}): Promise<CodecBenchResult> {
  const rounds = opts.rounds ?? 7;
  const ms = opts.msPerRun ?? 150;
  const s = samples();
  const packets = { syn: [s.syn], data: [s.data], ack: [s.ack], mix: [s.syn, ...Array<Packet>(8).fill(s.data), ...Array<Packet>(8).fill(s.ack)] };
  const bytes = Object.fromEntries(Object.entries(packets).map(([k, ps]) => [k, ps.map((p) => encodePacket(p))])) as Record<keyof typeof packets, Uint8Array[]>;
  const kinds = ['mix', 'syn', 'data', 'ack'] as const;
  const seen: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const k of kinds) {
      (seen[`${k}.decode`] ??= []).push(rate(bytes[k], (b) => decodePacket(b).ok, ms));
      (seen[`${k}.encode`] ??= []).push(rate(packets[k], (p) => encodePacket(p).length, ms));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const get = (k: string): Rate => ({ decodePerSecond: median(seen[`${k}.decode`]!), encodePerSecond: median(seen[`${k}.encode`]!) });
  const mix = get('mix');
  const syn = get('syn');
  const data = get('data');
  const ack = get('ack');
  return {
    mix,
    syn,
    data,
    ack,
    encodeOverDecode: mix.encodePerSecond / mix.decodePerSecond,
    decodeRelativeToAck: { syn: syn.decodePerSecond / ack.decodePerSecond, data: data.decodePerSecond / ack.decodePerSecond },
    rounds,
    msPerRun: ms,
  };
}

export function printMptcpCodecBench(r: CodecBenchResult): void {
  const k = (n: number) => `${(n / 1000).toFixed(0).padStart(6)}k/s`;
  const ratio = (n: number) => n.toFixed(2);
  console.log(`MPTCP codec (${r.rounds} rounds x ${r.msPerRun} ms per workload, medians)`);
  console.log(`  encode/decode for the mix: ${ratio(r.encodeOverDecode)}`);
  console.log(`  decode rate relative to a pure ACK: SYN ${ratio(r.decodeRelativeToAck.syn)}, 1400-byte data ${ratio(r.decodeRelativeToAck.data)}`);
  console.log('  packets per second    decode      encode   encode/decode');
  for (const [name, v] of [
    ['mix (1:8:8)', r.mix],
    ['SYN + MP_CAPABLE', r.syn],
    ['data + DSS', r.data],
    ['pure ACK + DSS', r.ack],
  ] as const) {
    console.log(`  ${name.padEnd(18)} ${k(v.decodePerSecond)}  ${k(v.encodePerSecond)}   ${ratio(v.encodePerSecond / v.decodePerSecond)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const rounds = arg('--rounds');
  const ms = arg('--ms');
  printMptcpCodecBench(await runMptcpCodecBench({ ...(rounds ? { rounds } : {}), ...(ms ? { msPerRun: ms } : {}) }));
}
