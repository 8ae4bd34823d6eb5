/**
 * The adapter contract's constants and types, with no dependencies, so that
 * adapters written in TypeScript can import them without the runner's own
 * machinery (docs/adapter-contract.md).
 */
export const CONTRACT_VERSION = '1';

/** Handlers of an adapter written in JavaScript, usable in-process and behind stdio alike. */
// Each handler declares its own params type; the runner checks params against the method's schema before it calls.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handlers = Record<string, (params: any) => unknown | Promise<unknown>>;

/**
 * Where an implementation's code came from, when the version alone does not
 * say (a kernel booted from a distribution's package): the package, its
 * version, and the SHA-256 of the file that runs.
 */
export interface ImplementationBuild {
  package: string;
  version: string;
  sha256?: string;
}

export interface HelloResult {
  contract: string;
  implementation: { name: string; version: string; build?: ImplementationBuild };
  capabilities: string[];
}
