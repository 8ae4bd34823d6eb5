/**
 * Fuzz scenarios: which vector, and which of its inject steps are mutated
 * how. A scenario is a pure function of the run's seed and its index, so a
 * finding is replayed from those two numbers alone (`replay` in fuzz.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from '../../../runner/paths.js';
import type { MptcpVector } from '../vector.js';
import type { LateMutation, Scenario } from './drive.js';
import { mutateSpec, LEVELS, ADDABLE } from './mutate.js';
import { Rng, scenarioSeed } from './rng.js';

/** The packet vectors with at least one inject step, in a fixed order (file name, then place in the file). */
export function loadPacketVectors(dir = join(VECTORS_DIR, 'mptcp')): MptcpVector[] {
  const out: MptcpVector[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { vectors: MptcpVector[] };
    for (const v of doc.vectors) if (v.script.some((s) => 'inject' in s)) out.push(v);
  }
  return out;
}

/** Scenario `index` of a run with `runSeed`: one to four mutations (and, one time in three or so, one of the script) of the inject steps of one vector. */
export function makeScenario(vectors: readonly MptcpVector[], runSeed: number, index: number): Scenario {
  const seed = scenarioSeed(runSeed, index);
  const mutations: string[] = [];
  const rng = new Rng(seed);
  const base = rng.pick(vectors);
  const vector = structuredClone(base);
  if (rng.chance(0.3)) mutations.push(mutateScript(vector, rng));
  const injects = vector.script.flatMap((s, i) => ('inject' in s ? [i] : []));
  const late = new Map<number, LateMutation[]>();
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const i = rng.pick(injects);
    const step = vector.script[i]!;
    if (!('inject' in step)) continue;
    const level = rng.pick(LEVELS);
    if (level === 'spec') mutations.push(`step ${i + 1}: spec: ${mutateSpec(step.inject, rng)}`);
    else {
      const list = late.get(i) ?? [];
      list.push({ level, seed: rng.u32() });
      late.set(i, list);
    }
  }
  return { index, seed, vectorId: base.id, vector, late, mutations };
}

/**
 * A mutation of the script itself, before any step's: an inject step sent twice (a duplicate, as a network may
 * make), or a new segment with one more option put after one (ACK, data or FIN, on the same subflow).
 */
function mutateScript(vector: MptcpVector, rng: Rng): string {
  const injects = vector.script.flatMap((s, i) => ('inject' in s ? [i] : []));
  const i = rng.pick(injects);
  const step = vector.script[i]!;
  if (!('inject' in step)) return 'no script mutation';
  if (rng.chance(0.4)) {
    vector.script.splice(i + 1, 0, structuredClone(step));
    return `step ${i + 1} sent twice`;
  }
  const option = structuredClone(rng.pick(ADDABLE));
  const flags = rng.pick(['A', 'PA', 'FA', 'RA', 'R']);
  const inject = {
    flags,
    ...(step.inject.subflow !== undefined ? { subflow: step.inject.subflow } : {}),
    ...(flags === 'PA' ? { payload: { repeat: 0x61, count: 1 + rng.int(2000) } } : {}),
    options: [option],
  };
  vector.script.splice(i + 1, 0, { inject });
  return `step ${i + 2} new: ${JSON.stringify(inject)}`;
}
