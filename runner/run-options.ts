/**
 * The options of `conformatrix run`, as node:util parseArgs reads them: the
 * command line (runner/cli.ts) and the rerun command (runner/rerun.ts), which
 * must read a recorded argv as the command line did, share this one table.
 */
import type { ParseArgsConfig } from 'node:util';

export const RUN_OPTIONS = {
  suite: { type: 'string', multiple: true, default: [] },
  target: { type: 'string', multiple: true, default: [] },
  'include-target': { type: 'string', multiple: true, default: [] },
  vectors: { type: 'string', multiple: true, default: [] },
  profile: { type: 'string' },
  out: { type: 'string', default: 'reports' },
  grep: { type: 'string' },
  invert: { type: 'boolean', default: false },
  reporter: { type: 'string' },
  jobs: { type: 'string' },
  timeout: { type: 'string' },
  list: { type: 'boolean', default: false },
  driver: { type: 'string', default: 'local' },
  'target-dir': { type: 'string', multiple: true, default: [] },
  shard: { type: 'string' },
  retries: { type: 'string' },
  seed: { type: 'string' },
  expectations: { type: 'string', multiple: true, default: [] },
  'update-expectations': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;
