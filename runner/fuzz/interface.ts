/**
 * The seam between the generic differential fuzzer (runner/fuzz/) and a
 * suite. The runner knows nothing of what a scenario is: a suite supplies it
 * as a FuzzSuite, and the runner generates, runs (as vectors, through the
 * scheduler and the targets' normal adapters), partitions, clusters,
 * minimises and reports. docs/fuzz.md describes the whole.
 *
 * Every function is pure: the same arguments give the same answer, so that
 * one seed gives one list of scenarios, whatever the machine or the clock.
 */
import type { ResultRecord } from '../model.js';
import type { LoadedVector, Suite } from '../suite.js';

export interface FuzzSuite<S> {
  /** The suite whose targets and adapters run the scenarios. */
  suite: Suite;
  /** The scenario number `index` of the stream of `seed`: depends on nothing else. */
  generate(seed: number, index: number): S;
  /**
   * Smaller scenarios to try in place of `s`, the most promising first (the
   * largest cuts): the delta-debugging steps. Empty when `s` cannot shrink.
   */
  shrink(s: S): S[];
  /** How big `s` is, in the suite's own unit (octets, say): a shrink candidate is smaller. */
  size(s: S): number;
  /** Short stable labels of what is odd about the input; a cluster is a partition and a set of these. */
  features(s: S): string[];
  /** The scenario as a vector of the suite, to run; its expectations need only make the result record what the target did. */
  toVector(s: S, id: string): LoadedVector;
  /**
   * What a target did, from its result, as a string: two targets that did the
   * same have the same string. Undefined when the target could not take part
   * (the scenario is unsupported there): it is left out of the partition.
   */
  observe(result: ResultRecord): string | undefined;
  /** A ready vector in the suite's vector format, expecting what `expected` (the reference's result) shows. */
  propose(s: S, expected: ResultRecord, id: string): unknown;
  /** The scenario for a person to read (reports). */
  show(s: S): string;
  /** The target whose outcome becomes a proposed vector's expectation. */
  reference: string;
  /** Targets fuzzed when none is named: by default every target of the suite. */
  defaultTarget?(target: { id: string; userAgentClass?: string | undefined }): boolean;
}
