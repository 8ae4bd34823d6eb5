/** The suite's own folder in the repository (the middlebox's Dockerfile lives there). */
import { resolve } from 'node:path';
import { ROOT } from '../../runner/paths.js';

export const SUITE_DIR = resolve(ROOT, 'suites', 'mptcp-interop');
