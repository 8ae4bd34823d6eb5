// The cookie suite's view of a result (suites/cookies/views.ts), which
// matrix.html draws: one row per request, the header expectations apart from
// the document.cookie reads that share a request number with them.
import assert from 'node:assert/strict';
import type { ResultRecord } from '../../runner/model.js';
import type { ViewCell, ViewRow, ViewValue } from '../../runner/view.js';
import { cookieViews } from '../../suites/cookies/views.js';

/** The text a value shows, as the page writes it (bytes as they are, here all printable). */
function text(v: ViewValue | ViewCell | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if ('cell' in v) return text(v.cell);
  if ('text' in v) return v.text ?? '';
  if ('bytes' in v) return v.bytes;
  if ('list' in v) return v.list.map(text).join(' | ');
  if ('seq' in v) return v.seq.map(text).join('');
  return JSON.stringify(v);
}

function record(actualRead: string): ResultRecord {
  return {
    vectorId: 'cookies/non-http/constructed',
    targetId: 'reference',
    suite: 'cookies',
    verdict: actualRead === 'a=1' ? 'pass' : 'fail',
    ...(actualRead === 'a=1' ? {} : { reason: 'constructed' }),
    durationMs: 1,
    expected: [
      { request: 1, cookie: 'a=1' },
      { request: 1, read: 1, documentCookie: 'a=1' },
    ],
    actual: [
      { request: 1, cookie: 'a=1' },
      { request: 1, read: 1, documentCookie: actualRead },
    ],
    details: { exchange: [{ url: 'http://home.example.org/', method: 'GET', cookie: 'a=1', setCookie: [], documentCookie: [actualRead] }] },
  };
}

describe('cookie suite: the exchange view', () => {
  it('shows a request\u2019s expected Cookie header apart from its document.cookie reads, and marks only what differs', () => {
    const views = cookieViews(record('b=2'))!;
    const table = views[0]!.blocks.find((b) => 'table' in b) as { table: { columns: string[]; rows: ViewRow[] } };
    assert.deepEqual(table.table.columns, ['#', 'request', 'Cookie sent', 'expected Cookie', 'Set-Cookie received', 'document.cookie reads']);
    const row = table.table.rows[0]!;
    assert.equal(text(row.cells[3]), '\u2713 a=1', 'the header expectation, met');
    assert.equal((row.cells[3] as { tone?: string }).tone, undefined, 'the header is not marked');
    assert.equal(text(row.cells[5]), '\u2717 b=2 expected a=1');
    assert.match(row.name!, /\bmismatch\b/);
    const passing = (cookieViews(record('a=1'))![0]!.blocks.find((b) => 'table' in b) as { table: { rows: ViewRow[] } }).table.rows[0]!;
    assert.equal(text(passing.cells[5]), '\u2713 a=1');
    assert.doesNotMatch(passing.name!, /mismatch/);
  });

  it('makes no view of a result without an exchange (an error before any request)', () => {
    assert.equal(cookieViews({ ...record('a=1'), details: { server: { problems: [] } } }), undefined);
  });
});
