/** Where the project's own folders are, seen from the compiled code in dist/runner/. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS_DIR = resolve(ROOT, 'vectors');
export const SCHEMA_DIR = resolve(VECTORS_DIR, 'schema');
export const SPECS_DIR = resolve(VECTORS_DIR, 'specs');
export const TARGETS_DIR = resolve(ROOT, 'targets');
export const DIST_DIR = resolve(ROOT, 'dist');
