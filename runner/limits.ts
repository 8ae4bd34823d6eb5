/**
 * Limits on input files (docs/vectors.md). Each is far above what the
 * project's own files need (its largest vector files are about 180 kB, and
 * none has more than about 120 vectors, nested 10 deep; it has about 950
 * vectors in all), and low enough
 * that a runaway or hostile file is refused with a message instead of
 * exhausting the stack or the machine's memory.
 */

/** Bytes of one JSON input file (vectors, manifest, expectations). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Nesting of arrays and objects in one JSON input file. */
export const MAX_JSON_DEPTH = 64;
/** Vectors in one file. */
export const MAX_VECTORS_PER_FILE = 2_000;
/** Vectors in one run (or one validate), over every file and suite. */
export const MAX_VECTORS_PER_RUN = 10_000;
