/**
 * Unpacks the table written by packValue (runner/reports/html.ts): a string,
 * number, boolean or null stands for itself; [0, i, j, ...] is an array of
 * the entries i, j...; [1, k, v, ...] an object of keys and values. Entries
 * refer only to earlier ones; the last is the value. Evaluated by the tests too.
 */
function unpack(table: unknown[]): unknown {
  const out: unknown[] = new Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const e = table[i];
    if (!Array.isArray(e)) {
      out[i] = e;
      continue;
    }
    if (e[0] === 0) {
      const a: unknown[] = new Array(e.length - 1);
      for (let j = 1; j < e.length; j++) a[j - 1] = out[e[j]];
      out[i] = a;
    } else {
      const o = {};
      // defineProperty, not assignment: a key "__proto__" stays a plain key, as JSON.parse keeps it.
      for (let j = 1; j < e.length; j += 2)
        Object.defineProperty(o, out[e[j]] as string, { value: out[e[j + 1]], enumerable: true, writable: true, configurable: true });
      out[i] = o;
    }
  }
  return out[out.length - 1];
}
