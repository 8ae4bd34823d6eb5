/**
 * The script of matrix.html, as text. Its source is the typed browser code in
 * ./page/ (its own tsconfig: DOM, ES2020, no Node), compiled by `npm run build`
 * into scripts (not modules) that this joins in PAGE_FILES order and wraps in
 * one function, so that nothing leaks onto window. The page runs once when it
 * loads: it unpacks the embedded data, draws the grids with DOM APIs only
 * (text goes in with textContent, never as markup), and keeps the filters and
 * the open cell in location.hash.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled page files, in the order they run (page/tsconfig.json lists the same). */
export const PAGE_FILES = ['types', 'unpack', 'dom', 'data', 'state', 'filters', 'grids', 'diff', 'views', 'panel', 'main'];

const PAGE_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'page');

function compiled(name: string): string {
  const file = join(PAGE_DIR, `${name}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: the report page is built by \`npm run build\` (tsc -p runner/reports/html/page)`);
  // One "use strict" for the whole (the wrapper's), and no source map comment: the page is one file.
  return readFileSync(file, 'utf8')
    .replace(/^"use strict";\n/, '')
    .replace(/^\/\/# sourceMappingURL=.*$/m, '');
}

let cache: { script: string; unpack: string } | undefined;
function load(): { script: string; unpack: string } {
  if (!cache) {
    const body = PAGE_FILES.map(compiled).join('\n');
    cache = { script: `(function () {\n'use strict';\n${body}\n})();\n`, unpack: compiled('unpack') };
  }
  return cache;
}

/** The page's script. */
export function pageScript(): string {
  return load().script;
}

/** The source of the page's unpack(table) (the inverse of packValue in runner/reports/html.ts), for the tests to evaluate. */
export function unpackSource(): string {
  return load().unpack;
}
