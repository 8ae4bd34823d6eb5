/**
 * How a packet-script result reads in the reports (runner/view.ts): the
 * segments of the exchange, decoded, one a row; and, for a failed expect
 * step, the matcher's finding in place of a line diff (a pattern against a
 * whole decoded segment: a line diff of the two says nothing).
 */
import type { ResultRecord } from '../../../runner/model.js';
import type { DetailView } from '../../../runner/view.js';

export interface SegmentEntry {
  /** Milliseconds since the vector started. */
  t: number;
  /** peer (the harness) or sut. */
  from: string;
  /** The segment, decoded on one line. */
  packet: string;
}

export function segmentsView(exchange: SegmentEntry[]): DetailView {
  return {
    title: 'Exchange',
    covers: ['exchange'],
    name: 'exchange',
    blocks: [
      { note: 'The segments of the exchange, decoded, in order; t is milliseconds since the vector started. The harness plays the peer.' },
      {
        table: {
          columns: ['t', 'direction', 'packet'],
          rows: exchange.map((e) => {
            const from = String(e.from);
            const side = from === 'peer' || from === 'sut' ? from : 'other';
            const dir = from === 'peer' ? 'peer \u2192 SUT' : from === 'sut' ? 'SUT \u2192 peer' : from;
            return {
              name: `from-${side}`,
              cells: [
                { cell: e.t !== undefined ? `${e.t} ms` : '', num: true },
                {
                  cell: { text: dir, strong: from === 'sut' },
                  name: 'dir',
                  ...(side === 'peer' ? { tone: 'accent' as const } : side === 'sut' ? { tone: 'good' as const } : {}),
                },
                { text: typeof e.packet === 'string' ? e.packet : JSON.stringify(e.packet), code: true, name: 'pkt' },
              ],
            };
          }),
        },
        name: 'exchange packets',
      },
    ],
  };
}

function pretty(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v, null, 2);
}

/**
 * The comparison of a result that is not a pass: the engine's finding
 * ("step N (...): no matching segment ... differs in FIELD: expected X, got Y",
 * written by the engine's expect step) as a row, then the step's pattern and
 * the segment side by side.
 */
export function findingView(reason: string, expected: unknown, actual: unknown): DetailView {
  const m = /^(step \d+ \(.*?\)): no matching segment.*?differs in (\S+): expected (.*), got (.*?)(?:; (\d+) other segment\(s\) did not match either)?$/.exec(
    reason,
  );
  const blocks: DetailView['blocks'] = m
    ? [
        {
          table: {
            columns: ['step', 'field', 'expected', 'got'],
            rows: [
              {
                cells: [
                  m[1]!,
                  { text: m[2]!, code: true },
                  { cell: { text: m[3]!, code: true }, tone: 'del' },
                  { cell: { text: m[4]!, code: true }, tone: 'add' },
                ],
              },
            ],
          },
          name: 'mismatch',
        },
        ...(m[5] ? [{ note: `${m[5]} other segment(s) did not match either; the first one is compared.` }] : []),
      ]
    : [{ note: `The matcher found: ${reason}`, name: 'mismatch-reason' }];
  blocks.push({
    columns: [
      { pre: pretty(expected), heading: 'expected (the step\u2019s pattern)', name: 'json' },
      { pre: pretty(actual), heading: 'actual (the segment, decoded)', name: 'json' },
    ],
    name: 'pattern-pair',
  });
  return { title: 'Expected vs actual', place: 'comparison', blocks };
}

/** The views of a script's outcome: the finding (unless it passed) and the segments. */
export function scriptViews(outcome: { verdict: string; reason?: string; expected: unknown; actual: unknown }, exchange: SegmentEntry[]): DetailView[] {
  const views = [segmentsView(exchange)];
  if (outcome.verdict !== 'pass') views.unshift(findingView(outcome.reason ?? '', outcome.expected, outcome.actual));
  return views;
}

/** The views of an MPTCP result: those of its script, when it ran (a timeout or a harness error has no exchange). */
export function mptcpViews(r: ResultRecord): DetailView[] | undefined {
  const exchange = (r.details as { exchange?: unknown } | null | undefined)?.exchange;
  if (!Array.isArray(exchange)) return undefined;
  return scriptViews(r, exchange as SegmentEntry[]);
}
