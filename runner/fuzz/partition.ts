/**
 * Partitions and clusters. A scenario's partition groups the targets by what
 * they did (FuzzSuite.observe): targets in one group did the same. Targets
 * that could not take part are left out. A disagreement is a partition of more
 * than one group; disagreements are clustered by partition and by the
 * features of their input, so that one odd octet found a hundred times is one
 * cluster, not a hundred.
 */

export interface Group {
  /** The targets that did the same, in id order. */
  targets: string[];
  /** What they did (the suite's observation). */
  observation: string;
}

export interface Partition {
  /** Groups ordered by their first target's id. */
  groups: Group[];
  /** Targets the scenario could not run on (unsupported, skipped). */
  excluded: string[];
  /** The grouping alone, as text: equal for two scenarios that split the targets the same way. */
  key: string;
}

/** The partition of one scenario's observations, target id -> observation (undefined: left out). */
export function partitionOf(observed: Map<string, string | undefined>): Partition {
  const byObservation = new Map<string, string[]>();
  const excluded: string[] = [];
  for (const id of [...observed.keys()].sort()) {
    const o = observed.get(id);
    if (o === undefined) excluded.push(id);
    else byObservation.set(o, [...(byObservation.get(o) ?? []), id]);
  }
  const groups = [...byObservation].map(([observation, targets]) => ({ targets, observation })).sort((a, b) => (a.targets[0]! < b.targets[0]! ? -1 : 1));
  return { groups, excluded, key: groups.map((g) => g.targets.join(',')).join(' | ') };
}

export function disagrees(p: Partition): boolean {
  return p.groups.length > 1;
}

/**
 * The cluster a disagreement belongs to: which targets part from the reference (whatever each of them did instead),
 * and its input's features. Keyed on the whole grouping, a dozen targets split almost every scenario a way of its own
 * (a first run gave 1272 clusters for 1461 disagreements); what a reader asks first is who differs from the reference.
 * Without the reference's observation, the whole grouping is the key.
 */
/** The targets whose observation differs from the reference's, in id order (none when the reference was left out). */
export function dissenters(p: Partition, reference: string): string[] {
  const own = p.groups.find((g) => g.targets.includes(reference));
  return own ? p.groups.flatMap((g) => (g === own ? [] : g.targets)).sort() : [];
}

export function clusterKey(p: Partition, features: string[], reference?: string): string {
  const own = reference === undefined ? undefined : p.groups.find((g) => g.targets.includes(reference));
  const who = own
    ? `differ from ${reference}: ${p.groups
        .flatMap((g) => (g === own ? [] : g.targets))
        .sort()
        .join(',')}`
    : p.key;
  return `${who} # ${[...new Set(features)].sort().join(',')}`;
}
