/**
 * The output side of a Subflow: the TCP segment of each kind it sends (SYN,
 * SYN/ACK, ACK, data, FIN, RST; RFC 9293 §3.1), its SYN options and its
 * window field. A pure function of what the subflow lends it; the Subflow
 * decides what is due and when (output(), its timers), and its input is
 * elsewhere (subflow-input.ts).
 */
import type { MptcpOption, TcpOption, TcpSegment } from '../../../suites/mptcp/codec/index.js';
import { wire32 } from './seq.js';
import type { SegmentKind } from './subflow-owner.js';

/** The TCP Fast Open option (RFC 7413). */
/** The TCP Fast Open option's kind (RFC 7413). */
export const TFO_OPTION_KIND = 34;

/** What a segment is built from (relative sequence numbers, seq.ts). */
export interface Sending {
  readonly localPort: number;
  readonly remotePort: number;
  readonly isn: number;
  readonly irs: number;
  readonly rcvNxt: number;
  readonly ourMss: number;
  /** The shift we offer in our SYN or SYN/ACK, if any; the one applied to the windows we advertise. */
  readonly offeredWscale: number | undefined;
  readonly ourWscale: number;
  /** Ask for a TCP Fast Open cookie in our SYN. */
  readonly fastOpenRequest: boolean;
}

/**
 * One segment of `kind` at relative `seq`, with the MPTCP options given. The
 * window advertised is `receiveWindow` (octets, asked only when a window goes
 * out: not on a RST), scaled except in a SYN or SYN/ACK.
 */
export function buildSegment(
  s: Sending,
  kind: SegmentKind,
  seq: number,
  payload: Uint8Array | undefined,
  mptcp: readonly MptcpOption[],
  receiveWindow: () => number,
): TcpSegment {
  const options: TcpOption[] = [];
  const syn = kind === 'syn' || kind === 'syn-ack';
  if (syn) {
    options.push({ type: 'mss', mss: s.ourMss });
    if (s.offeredWscale !== undefined) options.push({ type: 'nop' }, { type: 'window-scale', shift: s.offeredWscale });
    // A TFO cookie request: the option (kind 34) with no cookie. The endpoint keeps no cookies, so it never sends data in a SYN.
    if (kind === 'syn' && s.fastOpenRequest) options.push({ type: 'unknown', kind: TFO_OPTION_KIND, data: new Uint8Array(0) });
  }
  for (const o of mptcp) options.push(o);
  return {
    srcPort: s.localPort,
    dstPort: s.remotePort,
    seq: wire32(s.isn, seq),
    ack: kind === 'syn' ? 0 : wire32(s.irs, s.rcvNxt),
    flags: {
      syn,
      ack: kind !== 'syn',
      fin: kind === 'fin',
      rst: kind === 'rst',
      psh: kind === 'data',
    },
    window: kind === 'rst' ? 0 : windowField(receiveWindow(), syn ? 0 : s.ourWscale),
    options,
    payload: payload ?? new Uint8Array(0),
  };
}

/** The 16-bit window field for `window` octets at `shift`. */
function windowField(window: number, shift: number): number {
  return Math.min(0xffff, Math.floor(window / 2 ** shift));
}
