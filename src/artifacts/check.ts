// The files purgeplan writes and reads back (saved plan, state, journal) are checked against their
// JSON Schemas (scripts/artifact-schemas.mjs, compiled at build time). A damaged file gives one
// clear sentence naming the field, never an internal error.
import type { SchemaError, SchemaValidateFunction } from '../config/schema-validate.js';

/** `requests[3].body.files` from `/requests/3/body/files`. */
function fieldPath(instancePath: string): string {
  let out = '';
  for (const part of instancePath.split('/').slice(1)) {
    const text = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(text) ? `[${text}]` : /^[A-Za-z_][\w]*$/.test(text) ? `${out ? '.' : ''}${text}` : `[${JSON.stringify(text)}]`;
  }
  return out || 'the top level';
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
