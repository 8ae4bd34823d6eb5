// runner/ is generic (README: it knows nothing of cookies or TCP): no code
// or CSS in it names a protocol's things. Comments may, to explain that
// genericity ("the cookie suite's origin server, say"), so TypeScript files
// are read with TypeScript's own parser and only their tokens are searched:
// a comment is trivia to the parser, and every character of code belongs to
// some token, so no code can hide in what is left out. Other files (JSON,
// CSS, shell) are searched whole.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers.js';

const WORDS = /cookie|set-cookie|packet|\bsyn\b/i;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)]));
}

/** The text of every token of a TypeScript file, one a line, with their positions; comments (JSDoc included) left out. */
function tokens(file: string, text: string): { pos: number; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: { pos: number; text: string }[] = [];
  const walk = (node: ts.Node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(source);
    if (!children.length) {
      if (node.kind !== ts.SyntaxKind.EndOfFileToken) out.push({ pos: node.getStart(source), text: node.getText(source) });
      return;
    }
    children.forEach(walk);
  };
  walk(source);
  return out;
}

/** Where a protocol word occurs in code (not in comments) under dir: "file:line: text". */
function protocolWordsIn(dir: string): string[] {
  const found: string[] = [];
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    const name = relative(ROOT, file);
    const line = (pos: number) => text.slice(0, pos).split('\n').length;
    if (file.endsWith('.ts')) {
      for (const t of tokens(file, text)) if (WORDS.test(t.text)) found.push(`${name}:${line(t.pos)}: ${t.text.slice(0, 120)}`);
    } else {
      text.split('\n').forEach((l, i) => {
        if (WORDS.test(l)) found.push(`${name}:${i + 1}: ${l.slice(0, 120)}`);
      });
    }
  }
  return found;
}

describe('runner/ knows no protocol', function () {
  // Parsing every file of runner/ takes a few seconds on a busy machine.
  this.timeout(120_000);

  it('no code, style or data file under runner/ names cookies, Set-Cookie, packets or SYN (comments may)', () => {
    assert.deepEqual(protocolWordsIn(join(ROOT, 'runner')), []);
  });

  it('the search sees code: a word in a string, an identifier or a template is found, the same word in a comment is not', () => {
    const text = [
      '// a cookie in a line comment',
      '/** a packet in JSDoc */',
      'const a = "Set-Cookie";',
      'function packetView() {}',
      'const t = `${a}// cookie in a template, after a substitution`;',
      '/* syn */ const syn = 1;',
    ].join('\n');
    const hits = tokens('x.ts', text)
      .filter((t) => WORDS.test(t.text))
      .map((t) => t.text);
    assert.deepEqual(hits, ['"Set-Cookie"', 'packetView', '}// cookie in a template, after a substitution`', 'syn']);
  });
});
