/* Expected vs actual: side by side, a line diff. */

function pretty(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v, null, 2);
}
type DiffOp = ['=', string, string] | ['-', string, null] | ['+', null, string];
/** Line operations turning a into b: an LCS over the lines between a common prefix and suffix. */
function diffLines(a: string[], b: string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  let pre = 0;
  let suf = 0;
  const ops: DiffOp[] = [];
  while (pre < n && pre < m && a[pre] === b[pre]) pre++;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) suf++;
  for (let i = 0; i < pre; i++) ops.push(['=', a[i]!, b[i]!]);
  const A = a.slice(pre, n - suf);
  const B = b.slice(pre, m - suf);
  const N = A.length;
  const M = B.length;
  if (N * M > 4000000) {
    for (const x of A) ops.push(['-', x, null]);
    for (const y of B) ops.push(['+', null, y]);
  } else {
    const W = M + 1;
    const L = new Uint32Array((N + 1) * W);
    for (let i = N - 1; i >= 0; i--)
      for (let j = M - 1; j >= 0; j--) L[i * W + j] = A[i] === B[j] ? L[(i + 1) * W + j + 1]! + 1 : Math.max(L[(i + 1) * W + j]!, L[i * W + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < N && j < M) {
      if (A[i] === B[j]) {
        ops.push(['=', A[i]!, B[j]!]);
        i++;
        j++;
      } else if (L[(i + 1) * W + j]! >= L[i * W + j + 1]!) ops.push(['-', A[i++]!, null]);
      else ops.push(['+', null, B[j++]!]);
    }
    for (; i < N; i++) ops.push(['-', A[i]!, null]);
    for (; j < M; j++) ops.push(['+', null, B[j]!]);
  }
  for (let i = n - suf; i < n; i++) ops.push(['=', a[i]!, b[i - n + m]!]);
  return ops;
}
interface DiffRow {
  kind: 'same' | 'change';
  left: string | undefined;
  right: string | undefined;
}
/** Rows of the side-by-side view: removed and added lines between two equal ones are paired. */
function diffRows(ops: DiffOp[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let dels: string[] = [];
  let adds: string[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push({ kind: 'change', left: dels[k], right: adds[k] });
    dels = [];
    adds = [];
  };
  for (const op of ops) {
    if (op[0] === '=') {
      flush();
      rows.push({ kind: 'same', left: op[1], right: op[2] });
    } else if (op[0] === '-') dels.push(op[1]);
    else adds.push(op[2]);
  }
  flush();
  return rows;
}
/** A line, with the part that differs from the other line marked. */
function lineCell(text: string | undefined, other: string | undefined, side: 'del' | 'add'): HTMLElement {
  const td = el('td', { class: 'code' });
  if (text === undefined) {
    td.className = 'code gap';
    return td;
  }
  td.className = `code ${side}`;
  if (other === undefined) {
    add(td, el('mark', { text }));
    return td;
  }
  let p = 0;
  let s = 0;
  while (p < text.length && p < other.length && text[p] === other[p]) p++;
  while (s < text.length - p && s < other.length - p && text[text.length - 1 - s] === other[other.length - 1 - s]) s++;
  add(td, [text.slice(0, p), el('mark', { text: text.slice(p, text.length - s) }), text.slice(text.length - s)]);
  return td;
}
/**
 * The comparison of a result: a note where there are no values to compare, the
 * suite's own comparison view where it gave one, else the line diff.
 */
function diffView(r: PageResult): HTMLElement {
  const box = el('div', { class: 'diffbox' });
  if ((r.verdict === 'skipped' || r.verdict === 'unsupported') && r.expected === null && r.actual === null) {
    add(box, el('p', { class: 'note', text: `No values: the vector did not run on this target (${r.verdict}).` }));
    return box;
  }
  if ((r.verdict === 'error' || r.verdict === 'timeout') && r.expected === null && r.actual === null) {
    const what = r.verdict === 'timeout' ? 'the vector timed out' : 'the adapter or the harness failed';
    add(
      box,
      el('p', {
        class: 'note no-verdict',
        text: `No verdict: ${what} before the target gave a result to compare. The reason above${r.logs ? ' and the adapter\u2019s stderr below' : ''} say what happened.`,
      }),
    );
    return box;
  }
  const own = (r.views ?? []).filter((v) => v.place === 'comparison');
  if (own.length) {
    for (const v of own) add(box, drawBlocks(v.blocks));
    return box;
  }
  const rows = diffRows(diffLines(pretty(r.expected).split('\n'), pretty(r.actual).split('\n')));
  const same = rows.every((x) => x.kind === 'same');
  const table = el('table', { class: `diff${same ? ' equal' : ''}` });
  add(table, el('colgroup', null, [el('col', { class: 'ln' }), el('col', { class: 'half' }), el('col', { class: 'ln' }), el('col', { class: 'half' })]));
  add(
    table,
    el('thead', null, el('tr', null, [el('th', { colspan: '2', scope: 'col', text: 'expected' }), el('th', { colspan: '2', scope: 'col', text: 'actual' })])),
  );
  const body = el('tbody');
  let la = 0;
  let lb = 0;
  for (const x of rows) {
    const tr = el('tr', { class: x.kind === 'same' ? 'same' : 'changed' });
    if (x.kind === 'same') {
      la++;
      lb++;
      add(tr, [
        el('td', { class: 'ln', text: String(la) }),
        el('td', { class: 'code', text: x.left }),
        el('td', { class: 'ln', text: String(lb) }),
        el('td', { class: 'code', text: x.right }),
      ]);
    } else {
      add(tr, [
        el('td', { class: 'ln', text: x.left !== undefined ? String(++la) : '' }),
        lineCell(x.left, x.right, 'del'),
        el('td', { class: 'ln', text: x.right !== undefined ? String(++lb) : '' }),
        lineCell(x.right, x.left, 'add'),
      ]);
    }
    add(body, tr);
  }
  add(table, body);
  add(
    box,
    el('p', {
      class: 'note',
      text: same ? 'Expected and actual are equal.' : 'Lines that differ are highlighted: removed from expected on the left, in actual on the right.',
    }),
  );
  add(box, el('div', { class: 'scroll' }, table));
  return box;
}
