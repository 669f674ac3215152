// The files purgeplan writes and reads back (saved plan, state, journal) are checked against their
// JSON Schemas (scripts/artifact-schemas.mjs, compiled at build time). A damaged file gives one
// clear sentence naming the field, never an internal error.
import type { SchemaError, SchemaValidateFunction } from '../config/schema-validate.js';

/** `requests[3].body.files` from `/requests/3/body/files`. */
function fieldPath(instancePath: string): string {
  let out = '';
  for (const part of instancePath.split('/').slice(1)) out = childPath(out, part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return out || 'the top level';
}

/** The path of a key or index below `path`: `a.b`, `a[3]`, `a["odd key"]`. */
function childPath(path: string, key: string | number): string {
  if (typeof key === 'number' || /^\d+$/.test(key)) return `${path}[${key}]`;
  return /^[A-Za-z_][\w]*$/.test(key) ? `${path ? `${path}.` : ''}${key}` : `${path}[${describeJson(key)}]`;
}

const SHOWN_CHARACTERS = 80;

/**
 * A JSON value for a message, one line and short: `"text"` (JSON-escaped, so control characters
 * never reach the terminal; cut past 80 characters), a number, `a list of 3`, `an object`.
 */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS - 1)}…" (${text.length} characters)` : text;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Where two JSON values first differ: the field's path, and each side in a few words. */
export interface JsonDifference {
  readonly path: string;
  /** The value found (describeJson). */
  readonly actual: string;
  /** The value expected (describeJson). */
  readonly expected: string;
}

/**
 * The first field where `actual` differs from `expected` (both plain JSON values), or null when
 * they are the same document: same values, same keys in the same order, same list lengths. Fields
 * are visited in `expected`'s order, lists item by item, so the path names the first difference a
 * reader of the file would meet.
 */
export function jsonDifference(actual: unknown, expected: unknown, path = ''): JsonDifference | null {
  const here = (a: unknown, e: unknown, at: string): JsonDifference => ({ path: at || 'the top level', actual: describeJson(a), expected: describeJson(e) });
  const kind = kindOf(expected);
  if (kindOf(actual) !== kind) return here(actual, expected, path);
  if (kind === 'array') {
    const a = actual as unknown[];
    const e = expected as unknown[];
    for (let i = 0; i < Math.min(a.length, e.length); i++) {
      const found = jsonDifference(a[i], e[i], childPath(path, i));
      if (found !== null) return found;
    }
    if (a.length !== e.length) return a.length > e.length ? here(a[e.length], undefined, childPath(path, e.length)) : here(undefined, e[a.length], childPath(path, a.length));
    return null;
  }
  if (kind === 'object') {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const expectedKeys = Object.keys(e);
    for (const key of expectedKeys) {
      if (!Object.hasOwn(a, key)) return here(undefined, e[key], childPath(path, key));
      const found = jsonDifference(a[key], e[key], childPath(path, key));
      if (found !== null) return found;
    }
    const actualKeys = Object.keys(a);
    const extra = actualKeys.find((key) => !Object.hasOwn(e, key));
    if (extra !== undefined) return here(a[extra], undefined, childPath(path, extra));
    if (actualKeys.some((key, i) => key !== expectedKeys[i])) return { path: path || 'the top level', actual: 'its fields in another order', expected: 'the order purgeplan writes' };
    return null;
  }
  return Object.is(actual, expected) ? null : here(actual, expected, path);
}

const BODY_FORMS = '{"purge_everything": true}, {"hosts": [...]}, {"prefixes": [...]}, {"tags": [...]} or {"files": [...]}';

function detail(error: SchemaError): string {
  switch (error.keyword) {
    case 'oneOf':
      return fieldPath(error.instancePath).endsWith('.body') ? `not a purge body: expected exactly one of ${BODY_FORMS}` : 'matches none of its forms';
    case 'additionalProperties':
      return `unexpected key "${String(error.params.additionalProperty)}"`;
    case 'type':
      return `must be ${String(error.params.type).replace(',', ' or ')}`;
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'not valid';
  }
}

/**
 * The most telling problem of a value against a compiled schema, or null when it conforms: the
 * shallowest field in trouble, as `<field> is missing` or `<field> is not valid: <why>`.
 */
export function schemaProblem(validate: SchemaValidateFunction, value: unknown): string | null {
  if (validate(value)) return null;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  if (errors.length === 0) return 'the top level is not valid';
  const depth = (e: SchemaError) => (e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1);
  const shallowest = errors.reduce((least, e) => Math.min(least, depth(e)), Infinity);
  const here = errors.filter((e) => depth(e) === shallowest);
  const telling = here.find((e) => e.keyword === 'oneOf') ?? here.find((e) => e.keyword !== 'required');
  if (telling !== undefined) return `${fieldPath(telling.instancePath)} is not valid: ${detail(telling)}`;
  const missing = here[0];
  const at = fieldPath(missing.instancePath);
  // Missing keys, and something wrong deeper too: the object as a whole is not valid.
  if (errors.some((e) => depth(e) > shallowest && e.instancePath.startsWith(`${missing.instancePath}/`))) return `${at} is not valid`;
  return `${missing.instancePath === '' ? '' : `${at}.`}${String(missing.params.missingProperty)} is missing`;
}
