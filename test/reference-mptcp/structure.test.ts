// The shape of the code (issue 12): no import cycle among the reference MPTCP
// endpoint's modules (type-only imports count too: they tie the modules'
// designs just the same), and no source file over about 600 lines in runner/,
// suites/, targets/ or test/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

const DIR = join(ROOT, 'targets', 'reference', 'mptcp');
const MAX_LINES = 600;
/** Where the line ceiling applies, and to what: code, not data (JSON, fixtures) nor declarations. */
const CEILING_DIRS = ['runner', 'suites', 'targets', 'test'];
const CODE = /\.(ts|mts|cts|js|mjs|cjs|py|go|c|sh)$/;
/**
 * Files allowed over the ceiling, relative to the root, each with the most
 * lines it may have and why: a ceiling that only comes down.
 */
const OVER_CEILING: Record<string, number> = {
  // None at present.
};

function sources(dir: string, code = /\.ts$/): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === '__pycache__' ? [] : sources(p, code);
    return code.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The number of lines of a file (a last line without a newline counts). */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The files of DIR a source file imports or re-exports from (relative specifiers; `import type` included). */
export function importsOf(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    const spec =
      (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)
        ? st.moduleSpecifier.text
        : undefined;
    if (!spec || !spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (target.startsWith(DIR + '/') && existsSync(target)) out.push(target);
  }
  return out;
}

/** Every cycle in the import graph, each as the list of files around it (depth-first search). */
export function cyclesIn(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

describe('reference MPTCP endpoint, structure', () => {
  const files = sources(DIR);
  const name = (f: string) => relative(DIR, f);

  it('has no import cycle among its modules', () => {
    assert.ok(files.length > 10, `sources found in ${DIR}`);
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles = cyclesIn(graph);
    assert.deepEqual(
      cycles.map((c) => c.map(name).join(' -> ')),
      [],
    );
  });

  it('the cycle check finds a cycle, type-only imports included', () => {
    const a = join(DIR, 'a.ts');
    const b = join(DIR, 'b.ts');
    const c = join(DIR, 'c.ts');
    assert.deepEqual(
      cyclesIn(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, [a]],
        ]),
      ).map((x) => x.map(name)),
      [['a.ts', 'b.ts', 'c.ts', 'a.ts']],
    );
    assert.deepEqual(
      cyclesIn(
        new Map([
          [a, [b]],
          [b, []],
          [c, [a, b]],
        ]),
      ),
      [],
    );
    // Read from a real file: subflow.ts imports rtt.ts, and `import type` counts.
    assert.ok(importsOf(join(DIR, 'subflow.ts')).includes(join(DIR, 'rtt.ts')));
    assert.ok(importsOf(join(DIR, 'data-sender.ts')).includes(join(DIR, 'subflow.ts')), 'data-sender.ts imports Subflow only as a type');
  });
});

describe('source files, size', () => {
  const files = CEILING_DIRS.flatMap((d) => sources(join(ROOT, d), CODE));
  const name = (f: string) => relative(ROOT, f);

  it(`no source file in ${CEILING_DIRS.join('/, ')}/ is over ${MAX_LINES} lines (the ones allowed over it may not grow)`, () => {
    assert.ok(files.some((f) => name(f) === 'targets/reference/mptcp/connection.ts') && files.some((f) => f.endsWith('.py')), 'sources found');
    const over: string[] = [];
    for (const f of files) {
      const lines = lineCount(f);
      const limit = OVER_CEILING[name(f)] ?? MAX_LINES;
      if (lines > limit) over.push(`${name(f)}: ${lines} lines (at most ${limit})`);
    }
    assert.deepEqual(over, []);
  });

  it('allows over the ceiling only files that exist and are still over it', () => {
    const stale = Object.entries(OVER_CEILING)
      .filter(([f]) => !existsSync(join(ROOT, f)) || lineCount(join(ROOT, f)) <= MAX_LINES)
      .map(([f]) => f);
    assert.deepEqual(stale, [], 'remove these from OVER_CEILING');
  });
});
