/**
 * How an interop pair's result reads in the reports (runner/view.ts): what
 * each endpoint reported (MPTCP or fallback, subflows, octets), the resets
 * seen on the wire and the topology. The captures are the result's artifacts,
 * which the reports link on their own.
 */
import type { ResultRecord } from '../../runner/model.js';
import type { DetailView, ViewRow } from '../../runner/view.js';
import type { Report } from './contract.js';

const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');

export function pairView(reports: { client: Report; server: Report }, resets: { from: string; reason?: number }[], topology: string): DetailView {
  const rows = (['client', 'server'] as const).map((side): ViewRow => {
    const r = reports[side];
    return {
      name: side,
      ...(r.reset || r.error ? { tone: 'bad' as const } : {}),
      cells: [
        { text: side, strong: true },
        yesNo(r.mptcp),
        r.fallback ? `yes${r.fallbackReason ? ` (${r.fallbackReason})` : ''}` : 'no',
        { cell: String(r.subflows), num: true },
        { cell: String(r.sent), num: true },
        { cell: String(r.received), num: true },
        r.intact ? { text: 'yes', tone: 'good' } : { text: 'no', tone: 'bad' },
        yesNo(r.reset),
        r.error ? { text: r.error, tone: 'bad' } : '',
      ],
    };
  });
  return {
    title: 'Endpoints',
    covers: ['client', 'server', 'resets', 'topology'],
    name: 'endpoints',
    blocks: [
      { table: { columns: ['role', 'MPTCP', 'fallback', 'subflows', 'sent', 'received', 'intact', 'reset', 'error'], rows }, name: 'endpoints' },
      {
        pairs: [
          ['Topology', topology],
          [
            'Resets on the wire',
            resets.length ? { list: resets.map((x) => `from ${x.from}${x.reason !== undefined ? `, MP_TCPRST reason ${x.reason}` : ''}`) } : 'none',
          ],
        ],
      },
    ],
  };
}

/** The views of an interop result: the endpoints' reports, when both were made. */
export function interopViews(r: ResultRecord): DetailView[] | undefined {
  const d = r.details as { client?: Report; server?: Report; resets?: { from: string; reason?: number }[]; topology?: string } | null | undefined;
  if (!d || typeof d.client !== 'object' || typeof d.server !== 'object' || !d.client || !d.server) return undefined;
  return [pairView({ client: d.client, server: d.server }, Array.isArray(d.resets) ? d.resets : [], String(d.topology ?? ''))];
}
