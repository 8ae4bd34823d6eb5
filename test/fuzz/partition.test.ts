// Clustering of disagreements (runner/fuzz/partition.ts): keyed on who parts from the reference, not on how they part.
import assert from 'node:assert/strict';
import { clusterKey, disagrees, dissenters, partitionOf } from '../../runner/fuzz/partition.js';

const partition = (o: Record<string, string | undefined>) => partitionOf(new Map(Object.entries(o)));

describe('fuzz: partitions and clusters', () => {
  it('groups targets by what they did, leaves out those that could not take part', () => {
    const p = partition({ reference: 'a=b', curl: 'a=b', wget: '(none)', java: undefined });
    assert.deepEqual(
      p.groups.map((g) => g.targets),
      [['curl', 'reference'], ['wget']],
    );
    assert.deepEqual(p.excluded, ['java']);
    assert.ok(disagrees(p));
    assert.ok(!disagrees(partition({ reference: 'x', curl: 'x' })));
  });

  it('puts two disagreements in one cluster when the same targets part from the reference, whatever each did instead', () => {
    const one = partition({ reference: 'a=b', curl: 'a=b', wget: '(none)', php: 'error' });
    const two = partition({ reference: 'a=b', curl: 'a=b', wget: 'a=c', php: 'a=c' });
    assert.notEqual(one.key, two.key);
    assert.equal(clusterKey(one, ['ctl'], 'reference'), clusterKey(two, ['ctl'], 'reference'));
    // Other dissenters, or other features, are another cluster.
    const three = partition({ reference: 'a=b', curl: '(none)', wget: '(none)', php: 'a=b' });
    assert.notEqual(clusterKey(one, ['ctl'], 'reference'), clusterKey(three, ['ctl'], 'reference'));
    assert.notEqual(clusterKey(one, ['ctl'], 'reference'), clusterKey(one, ['8bit'], 'reference'));
  });

  it('falls back to the whole grouping when the reference did not take part', () => {
    const p = partition({ reference: undefined, curl: 'x', wget: 'y' });
    assert.equal(clusterKey(p, [], 'reference'), `${p.key} # `);
  });

  it('names the targets that part from the reference, in id order; none when the reference was left out', () => {
    assert.deepEqual(dissenters(partition({ reference: 'a', wget: 'b', curl: 'c', php: 'a', java: undefined }), 'reference'), ['curl', 'wget']);
    assert.deepEqual(dissenters(partition({ reference: undefined, curl: 'x', wget: 'y' }), 'reference'), []);
  });
});
