// docs/contributing.md stays true: every file or folder it names exists, and every npm script it names is defined.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

const md = readFileSync(join(ROOT, 'docs', 'contributing.md'), 'utf8');
/** The section on the reference endpoint names its files by their bare name, inside targets/reference/mptcp/. */
const REFERENCE_SECTION = /^## The path of a segment[\s\S]*?(?=^## )/m;

const DIAGRAM_BASES = ['runner', 'runner/docker', 'suites', 'suites/cookies', 'suites/mptcp', 'suites/mptcp-interop', 'targets'];

/** Names that are not files of the repository: a run's reports, and the manifest every target folder has. */
const NOT_PATHS = new Set(['results.json', 'matrix.md', 'matrix.html', 'junit.xml', 'target.json']);

function namedPaths(text: string): string[] {
  const inCode = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  const inDiagram = [...(/```\n([\s\S]*?)```/.exec(text)?.[1] ?? '').matchAll(/[\w.-]+(?:\/[\w.<>-]*)+|[\w-]+\.(?:ts|json|md)\b/g)].map((m) => m[0]);
  return [...new Set([...inCode, ...inDiagram])].filter((p) => /\.(ts|js|json|md)$|\/$/.test(p) && !p.includes('<') && !NOT_PATHS.has(p));
}

describe('docs/contributing.md', () => {
  it('names only files and folders that exist', () => {
    const reference = REFERENCE_SECTION.exec(md)?.[0] ?? '';
    const missing = namedPaths(md).filter((p) => {
      if (existsSync(join(ROOT, p))) return false;
      if (!p.includes('/') && reference.includes(`\`${p}\``) && existsSync(join(ROOT, 'targets/reference/mptcp', p))) return false;
      // The diagram names a file or folder under the folder of its line or box (runner/, suites/, suites/<suite>/ ...).
      return !DIAGRAM_BASES.some((d) => existsSync(join(ROOT, d, p)));
    });
    assert.deepEqual(missing, []);
  });

  it('names only npm scripts that package.json defines', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const named = [...md.matchAll(/`npm run ([\w:-]+)`/g)].map((m) => m[1]!);
    assert.ok(named.length >= 3);
    assert.deepEqual(
      named.filter((n) => !(n in scripts)),
      [],
    );
  });

  it('the check finds a path that does not exist', () => {
    assert.deepEqual(
      namedPaths('see `runner/nowhere.ts` and `docs/`').filter((p) => !existsSync(join(ROOT, p))),
      ['runner/nowhere.ts'],
    );
  });
});
