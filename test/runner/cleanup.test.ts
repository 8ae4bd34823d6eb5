// The run's cleanup registry (runner/cleanup.ts): what it removes, in which order, and what is registered while it runs.
import assert from 'node:assert/strict';
import { disposeAll, track } from '../../runner/cleanup.js';

describe('cleanup registry', () => {
  it('removes newest first, each once, and what is registered while it removes (a creation in flight at Ctrl-C)', async () => {
    const order: string[] = [];
    track('network', { async: async () => void order.push('network') });
    track('container', {
      async: async () => {
        order.push('container');
        // A second container whose creation was in flight: it registers itself only now.
        track('late container', { async: async () => void order.push('late container') });
      },
    });
    const untrack = track('gone already', { sync: () => void order.push('gone already') });
    untrack();
    await disposeAll();
    assert.deepEqual(order, ['container', 'late container', 'network']);
    await disposeAll();
    assert.equal(order.length, 3, 'a second call finds nothing left');
  });

  it('a disposer that fails does not stop the others', async () => {
    const order: string[] = [];
    track('first', { sync: () => void order.push('first') });
    track('failing', {
      async: async () => {
        throw new Error('engine gone');
      },
    });
    const stderr = process.stderr.write;
    let said = '';
    process.stderr.write = ((s: string) => ((said += s), true)) as typeof process.stderr.write;
    try {
      await disposeAll();
    } finally {
      process.stderr.write = stderr;
    }
    assert.deepEqual(order, ['first']);
    assert.match(said, /cleanup of failing failed: engine gone/);
  });
});
