/**
 * JSON documents that remember where every value came from, so that a schema
 * error at a JSON pointer can be reported as file:line:column.
 */
import { readFileSync, statSync } from 'node:fs';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { InputError, type SourceLocation } from './errors.js';
import { MAX_FILE_BYTES, MAX_JSON_DEPTH } from './limits.js';

export class JsonSource {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  private readonly tree: Node | undefined;
  private readonly lineStarts: number[];

  private constructor(file: string, text: string, tree: Node | undefined, value: unknown) {
    this.file = file;
    this.text = text;
    this.tree = tree;
    this.value = value;
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Parses strict JSON (no comments, no trailing commas); throws InputError with a position. */
  static parse(file: string, text: string): JsonSource {
    // The parser recurses once per level: refuse deep nesting before it exhausts the stack.
    const deep = depthExceeded(text, MAX_JSON_DEPTH);
    if (deep !== undefined) {
      const probe = new JsonSource(file, text, undefined, undefined);
      throw new InputError({ file, ...probe.position(deep) }, `arrays and objects nested more than ${MAX_JSON_DEPTH} deep (the limit; see docs/vectors.md)`);
    }
    const errors: ParseError[] = [];
    const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length > 0 || tree === undefined) {
      const probe = new JsonSource(file, text, undefined, undefined);
      const first = errors[0];
      const offset = first ? first.offset : 0;
      const why = first
        ? printParseErrorCode(first.error)
            .replace(/([a-z])([A-Z])/g, '$1 $2')
            .toLowerCase()
        : 'empty document';
      throw new InputError({ file, ...probe.position(offset) }, `invalid JSON: ${why}`);
    }
    // jsonc-parser's tree is complete; JSON.parse gives the plain value with exact number semantics.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError({ file }, `invalid JSON: ${(err as Error).message}`);
    }
    return new JsonSource(file, text, tree, value);
  }

  /** Reads a UTF-8 JSON file of at most MAX_FILE_BYTES; throws InputError on bad bytes, with their offset and line. */
  static read(file: string): JsonSource {
    let bytes: Buffer;
    try {
      const size = statSync(file).size;
      if (size > MAX_FILE_BYTES) throw new InputError({ file }, `${size} bytes: larger than the limit of ${MAX_FILE_BYTES} bytes (see docs/vectors.md)`);
      bytes = readFileSync(file);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError({ file }, `cannot read: ${(err as Error).message}`);
    }
    return JsonSource.parse(file, decodeUtf8(file, bytes));
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /** Location of the value at a JSON pointer; falls back to the nearest existing ancestor. */
  locate(pointer: string): SourceLocation {
    const segments = parsePointer(pointer);
    if (this.tree) {
      for (let n = segments.length; n >= 0; n--) {
        const node = findNodeAtLocation(this.tree, segments.slice(0, n));
        if (node) {
          // For an object property, point at the property name, which reads better.
          const at = node.parent && node.parent.type === 'property' ? node.parent.offset : node.offset;
          return { file: this.file, ...this.position(at), pointer };
        }
      }
    }
    return { file: this.file, pointer };
  }

  error(pointer: string, message: string): InputError {
    return new InputError(this.locate(pointer), message);
  }
}

/**
 * The text of a file's bytes, which must be UTF-8: a lenient decoder would
 * turn bad bytes into U+FFFD and let a corrupted vector pass as another one.
 */
export function decodeUtf8(file: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The valid prefix encodes back to the same bytes: the first difference is the first bad byte.
    const again = Buffer.from(bytes.toString('utf8'), 'utf8');
    let at = 0;
    while (at < bytes.length && bytes[at] === again[at]) at++;
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 10) line++;
    throw new InputError({ file, line }, `invalid UTF-8 at byte offset ${at} (byte 0x${bytes[at]!.toString(16).padStart(2, '0')})`);
  }
}

/** The offset at which arrays and objects nest deeper than max (outside strings), or undefined. */
export function depthExceeded(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

export function parsePointer(pointer: string): (string | number)[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export function joinPointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
