/**
 * JSON Schema 2020-12 validation with ajv. Every schema in vectors/schema/ is
 * loaded once and addressed by its $id. Errors carry file:line:column and the
 * JSON pointer of the offending value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { InputError } from './errors.js';
import type { JsonSource } from './json-source.js';
import { SCHEMA_DIR } from './paths.js';

// ajv and ajv-formats are CommonJS; under NodeNext their default export sits on .default.
const Ajv2020 = Ajv2020Module.default;
type Ajv2020 = InstanceType<typeof Ajv2020>;
const addFormats = addFormatsModule.default;

let shared: Ajv2020 | undefined;

export function ajv(): Ajv2020 {
  if (!shared) {
    const instance = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(instance);
    for (const name of readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith('.schema.json'))
      .sort()) {
      instance.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as object);
    }
    shared = instance;
  }
  return shared;
}

export function validator(id: string): ValidateFunction {
  const fn = ajv().getSchema(id);
  if (!fn) throw new Error(`no JSON Schema with $id ${id} in ${SCHEMA_DIR}`);
  return fn;
}

/** Human wording for one ajv error. */
export function describeAjvError(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return `missing required property "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'pattern':
      return `must match the pattern ${(e.params as { pattern: string }).pattern}`;
    default:
      return e.message ?? e.keyword;
  }
}

/**
 * Reduces ajv's error list to the ones a person should read: when a oneOf or
 * anyOf fails, its branches' errors say more than the combinator's summary, and
 * errors deeper in the document are more precise than their ancestors'.
 */
export function pickAjvErrors(errors: ErrorObject[]): ErrorObject[] {
  const deepest = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const list = deepest.get(e.instancePath) ?? [];
    list.push(e);
    deepest.set(e.instancePath, list);
  }
  const paths = [...deepest.keys()];
  const picked: ErrorObject[] = [];
  for (const path of paths) {
    const hasDeeper = paths.some((p) => p !== path && p.startsWith(path + '/'));
    const list = deepest.get(path)!;
    const concrete = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
    if (hasDeeper && concrete.every((e) => e.keyword === 'type' || e.keyword === 'required')) continue;
    picked.push(...(concrete.length > 0 ? concrete : list));
  }
  const seen = new Set<string>();
  return picked.filter((e) => {
    const key = `${e.instancePath} ${describeAjvError(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Validates a parsed document; returns located errors (empty when valid). */
export function validateSource(source: JsonSource, schemaId: string, value: unknown = source.value, basePointer = ''): InputError[] {
  const fn = validator(schemaId);
  if (fn(value)) return [];
  return pickAjvErrors(fn.errors ?? []).map((e) => source.error(basePointer + e.instancePath, describeAjvError(e)));
}

/** Validates a plain value (an adapter message, say); returns one-line reasons. */
export function validateValue(schemaId: string, value: unknown): string[] {
  const fn = validator(schemaId);
  if (fn(value)) return [];
  return pickAjvErrors(fn.errors ?? []).map((e) => `${e.instancePath || '/'}: ${describeAjvError(e)}`);
}
