/** The order vectors are listed in, by every run and every merge: by suite, then file, then place in the file. */
import type { VectorRecord } from './model.js';

const place = (pointer: string): number[] =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : 0));

export function compareVectorOrder(a: Pick<VectorRecord, 'suite' | 'source' | 'id'>, b: Pick<VectorRecord, 'suite' | 'source' | 'id'>): number {
  if (a.suite !== b.suite) return a.suite < b.suite ? -1 : 1;
  if (a.source.file !== b.source.file) return a.source.file < b.source.file ? -1 : 1;
  const pa = place(a.source.pointer);
  const pb = place(b.source.pointer);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d) return d;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
