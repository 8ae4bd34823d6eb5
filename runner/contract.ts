/**
 * The adapter contract's constants and types, with no dependencies, so that
 * adapters written in TypeScript can import them without the runner's own
 * machinery (docs/adapter-contract.md).
 */
export const CONTRACT_VERSION = '1';

/** Handlers of an adapter written in JavaScript, usable in-process and behind stdio alike. */
export type Handlers = Record<string, (params: any) => unknown | Promise<unknown>>;

export interface HelloResult {
  contract: string;
  implementation: { name: string; version: string };
  capabilities: string[];
}
