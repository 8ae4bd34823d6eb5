/**
 * Errors about bad input (vectors, manifests, adapter messages, command lines).
 * Each one names where the problem is: file, line and column, and the JSON
 * pointer inside the document, whenever the input has them.
 */

export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  pointer?: string;
}

export function formatLocation(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) {
    let where = loc.file;
    if (loc.line !== undefined) where += `:${loc.line}`;
    if (loc.line !== undefined && loc.column !== undefined) where += `:${loc.column}`;
    parts.push(where);
  }
  if (loc.pointer !== undefined) parts.push(`at ${loc.pointer === '' ? '/' : loc.pointer}`);
  return parts.join(' ');
}

/** A problem with input the user gave us. Never a bug in the harness. */
export class InputError extends Error {
  readonly location: SourceLocation;
  readonly detail: string;
  constructor(location: SourceLocation, detail: string) {
    const where = formatLocation(location);
    super(where ? `${where}: ${detail}` : detail);
    this.name = 'InputError';
    this.location = location;
    this.detail = detail;
  }
}

/** Several input errors found in one pass, reported together. */
export class InputErrors extends Error {
  readonly errors: InputError[];
  constructor(errors: InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'InputErrors';
    this.errors = errors;
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The run cannot vouch for what it was asked to check (a named target is
 * unavailable, nothing ran, shards are missing): exit code 2, so that a gate
 * fails closed instead of passing on no evidence.
 */
export class GateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
