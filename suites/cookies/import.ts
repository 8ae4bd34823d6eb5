/**
 * `conformatrix import FORMAT SRC --out DEST`: converts an external cookie
 * test corpus into vectors. FORMAT is http-state (import-http-state.ts) or
 * wpt-cookies (import-wpt-cookies.ts); what they share is in import-common.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../runner/errors.js';
import { SpecLibrary } from '../../runner/specs.js';
import type { SuiteCommand } from '../../runner/suite.js';
import { writeImported } from './import-common.js';
import { convertHttpState } from './import-http-state.js';
import { convertWptCookies, DEFAULT_ORIGIN } from './import-wpt-cookies.js';

const FORMATS = ['http-state', 'wpt-cookies'];

/** DEST: a .json file, or a folder in which the file is named after the format. */
function destination(out: string, format: string): string {
  return out.endsWith('.json') ? out : join(out, `${format}.json`);
}

function importHttpState(src: string, out: string): number {
  if (!statSync(src).isDirectory()) throw new UsageError(`${src} is not a folder`);
  const { vectors, warnings, skipped } = convertHttpState(src);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (vectors.length === 0) throw new UsageError(`no NNNN-test files with NNNN-expected in ${src}`);
  const dest = destination(out, 'http-state');
  writeImported(dest, `Imported from the http-state parser corpus by conformatrix import http-state (${vectors.length} tests).`, vectors);
  process.stdout.write(`wrote ${vectors.length} vectors to ${dest}${skipped ? ` (${skipped} test(s) skipped, see the warnings)` : ''}\n`);
  // A default run (profile rfc6265bis) skips every imported vector; say so here, where the user is looking.
  process.stdout.write('the vectors state expectations under profile rfc6265 only: run them with --profile rfc6265\n');
  return 0;
}

function importWptCookies(src: string, out: string, origin: string | undefined): number {
  if (origin !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username)
      throw new UsageError(`--origin takes an http or https origin such as ${DEFAULT_ORIGIN}, not ${JSON.stringify(origin)}`);
  }
  const { vectors, warnings, skipped } = convertWptCookies(src, SpecLibrary.load(), origin !== undefined ? { origin } : {});
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (vectors.length === 0) throw new UsageError(`no test of ${src} could be converted${skipped ? ` (${skipped} skipped, see the warnings)` : ''}`);
  const dest = destination(out, 'wpt-cookies');
  writeImported(dest, `Imported from a WPT-style cookie test corpus by conformatrix import wpt-cookies (${vectors.length} tests).`, vectors);
  process.stdout.write(`wrote ${vectors.length} vectors to ${dest}${skipped ? ` (${skipped} test(s) skipped, see the warnings)` : ''}\n`);
  return 0;
}

export const importCommand: SuiteCommand = {
  summary: 'convert an external cookie test corpus into vectors',
  usage:
    'conformatrix import http-state|wpt-cookies SRC --out DEST [--origin URL] (DEST: a .json file, or a folder for FORMAT.json; --origin: wpt-cookies only)',
  async run(args: string[]): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`Usage: ${this.usage}\n`);
      return 0;
    }
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, origin: { type: 'string' } } });
    const [format, src] = positionals;
    if (!format || !FORMATS.includes(format)) throw new UsageError(`unknown corpus format ${JSON.stringify(format)}; known: ${FORMATS.join(', ')}`);
    if (!src || !values.out || positionals.length > 2) throw new UsageError(`usage: ${this.usage}`);
    if (!existsSync(src)) throw new UsageError(`${src}: no such file or folder`);
    if (format === 'http-state') {
      if (values.origin !== undefined) throw new UsageError('--origin is for wpt-cookies only: the http-state corpus names its origin');
      return importHttpState(src, values.out);
    }
    return importWptCookies(src, values.out, values.origin);
  },
};
