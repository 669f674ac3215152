// Stage 2a: the JSON Schema, compiled at build time, with its errors turned into plain messages
// that name the key path, quote the offending key or value, and point at the YAML node.
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../diagnostics.js';
import { didYouMean } from '../suggest.js';
import { looksLikeSecret } from './values.js';
import type { LoadedConfig } from './load.js';
import { displayPath } from './path.js';
import type { PathSegment } from './path.js';
import { validate } from './schema-validate.js';
import type { SchemaError } from './schema-validate.js';

type SchemaNode = Record<string, unknown>;
let schemaCache: SchemaNode | undefined;
function schemaDocument(): SchemaNode {
  schemaCache ??= JSON.parse(readFileSync(new URL('../../../schemas/purge.schema.json', import.meta.url), 'utf8')) as SchemaNode;
  return schemaCache;
}

/** The schema node at a JSON pointer such as `#/definitions/zone/properties/id/pattern`. */
function schemaAt(pointer: string): SchemaNode | undefined {
  let node: unknown = schemaDocument();
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as SchemaNode)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node !== null && typeof node === 'object' ? (node as SchemaNode) : undefined;
}

/** The schema node an error's keyword belongs to (its schemaPath minus the keyword). */
function ownerOf(error: SchemaError): SchemaNode | undefined {
  return schemaAt(error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/')));
}

function pathOf(instancePath: string): PathSegment[] {
  return instancePath.split('/').slice(1).map((part) => {
    const text = part.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(text) ? Number(text) : text;
  });
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list', object: 'a mapping', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false', null: 'empty',
};

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The punycode form of a domain typed with non-ASCII letters (bücher.de), when that form is what `pattern` wants. */
function punycodeForm(value: unknown, pattern: unknown): string | undefined {
  if (typeof value !== 'string' || typeof pattern !== 'string' || !/[^\x00-\x7f]/u.test(value)) return undefined;
  let ascii: string;
  try {
    ascii = new URL(`http://${value}/`).hostname;
  } catch {
    return undefined;
  }
  return ascii !== value && new RegExp(pattern, 'u').test(ascii) ? ascii : undefined;
}

/**
 * The fix for a value left empty (`key:` or `-` with nothing after it, or YAML's `null`/`~`):
 * write the value, or remove the line. In a vars list, names the placeholder it is for.
 */
function emptyValueHint(path: readonly PathSegment[], expected: string, typed: string | undefined): string {
  const last = path[path.length - 1];
  const entry = typeof last === 'number';
  const what = entry && path.length === 5 && path[0] === 'groups' && path[2] === 'vars' ? `the value for {${String(path[3])}}` : expected;
  if (typed) return `YAML reads ${typed} as no value: write ${what} instead (in quotes, "${typed}", for that text), or remove the ${entry ? 'entry' : 'key'}`;
  return entry ? `the "-" has nothing after it: write ${what} after it, or remove the line` : `nothing follows "${String(last)}:": write ${what} there, or remove the key`;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

export function checkSchema(config: LoadedConfig): Diagnostic[] {
  if (validate(config.value)) return [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // propertyNames failures come with a nested error per name; report the name once.
  const badNames = new Set(errors.filter((e) => e.keyword === 'propertyNames').map((e) => `${e.instancePath}/${String(e.params.propertyName)}`));
  for (const error of errors) {
    const path = pathOf(error.instancePath);
    const where = displayPath(path);
    const owner = ownerOf(error);
    const hint = typeof owner?.['x-hint'] === 'string' ? owner['x-hint'] : undefined;
    const value = valueAt(config.value, path);
    let message: string;
    let position = config.locate.value(path);
    let extraHint: string | undefined = hint;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(error.params.additionalProperty);
        const allowed = Object.keys((owner?.properties as SchemaNode | undefined) ?? {});
        message = `unknown key "${key}" in ${where}${didYouMean(key, allowed)}`;
        extraHint = allowed.length > 0 ? `allowed keys here: ${allowed.join(', ')}` : undefined;
        position = config.locate.key([...path, key]);
        break;
      }
      case 'required': {
        const key = String(error.params.missingProperty);
        const property = (owner?.properties as Record<string, SchemaNode> | undefined)?.[key];
        message = `${where}: missing key "${key}"`;
        extraHint = typeof property?.['x-hint'] === 'string' ? property['x-hint'] : typeof property?.description === 'string' ? property.description : hint;
        break;
      }
      case 'type': {
        const expected = ([] as string[]).concat(error.params.type as string | string[]).map((t) => TYPE_NAMES[t] ?? t).join(' or ');
        // A number is quoted as typed (`007`, `0x1F`, a 32-digit zone id), never as YAML re-prints it.
        const got = typeof value === 'number' ? `number ${config.locate.text(path) ?? String(value)}` : describeType(value);
        message = value === null ? `${where} is empty: expected ${expected}` : `${where} must be ${expected} (got ${got})`;
        // An empty value is a key or a "-" written without its content: say how to fix it.
        if (value === null && !hint) extraHint = emptyValueHint(path, expected, config.locate.text(path));
        // YAML reads an unquoted 1234…, 007 or 1e3 as a number: the fix is quotes, whatever the field.
        if (typeof value === 'number' && expected === 'a string') extraHint = `put it in quotes so that YAML keeps it as text: "${config.locate.text(path) ?? String(value)}"`;
        break;
      }
      case 'enum': {
        const allowed = (error.params.allowedValues as unknown[]).map(String);
        message = `${where}: ${quote(value)} is not one of ${allowed.join(', ')}${typeof value === 'string' ? didYouMean(value, allowed) : ''}`;
        extraHint = undefined;
        break;
      }
      case 'const':
        message = `${where} must be ${quote(error.params.allowedValue)} (got ${quote(value)})`;
        break;
      case 'pattern':
        // A bad name under propertyNames is reported once, by the propertyNames error.
        if (error.schemaPath.endsWith('/propertyNames/pattern') || badNames.has(error.instancePath)) continue;
        // token_env holds a name, but a pasted token lands here too: never quote it back (docs/commands.md).
        if (path[path.length - 1] === 'token_env' || (typeof value === 'string' && looksLikeSecret(value))) {
          message = `${where} is not ${typeof owner?.['x-expected'] === 'string' ? owner['x-expected'] : 'valid here'} (the value is not shown: it may be a secret)`;
          break;
        }
        message = typeof owner?.['x-expected'] === 'string' ? `${where}: ${quote(value)} is not ${owner['x-expected']}` : `${where}: ${quote(value)} is not valid here`;
        {
          const ascii = punycodeForm(value, owner?.pattern);
          if (ascii !== undefined) extraHint = `a domain with non-ASCII letters is written in its punycode form here, as Cloudflare names it: "${ascii}"`;
        }
        break;
      case 'propertyNames': {
        const name = String(error.params.propertyName);
        message = `${where}: invalid name "${name}"`;
        extraHint = typeof (owner?.propertyNames as SchemaNode | undefined)?.['x-hint'] === 'string' ? String((owner?.propertyNames as SchemaNode)['x-hint']) : undefined;
        position = config.locate.key([...path, name]);
        break;
      }
      case 'minItems':
        message = `${where} is empty: give at least ${String(error.params.limit)} ${Number(error.params.limit) === 1 ? 'entry' : 'entries'}`;
        break;
      case 'uniqueItems':
        message = `${where} lists the same value twice (entries ${String(error.params.j)} and ${String(error.params.i)})`;
        break;
      case 'minimum':
        message = `${where} must be at least ${String(error.params.limit)} (got ${quote(value)})`;
        break;
      case 'maximum':
        message = `${where} must be at most ${String(error.params.limit)} (got ${config.locate.text(path) ?? quote(value)})`;
        break;
      case 'minLength':
        message = `${where} must not be empty`;
        break;
      default:
        message = `${where}: ${error.message ?? error.keyword}`;
    }
    if (hint && !extraHint && error.keyword !== 'enum' && error.keyword !== 'additionalProperties') extraHint = hint;
    const dedupe = `${error.instancePath}|${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    diagnostics.push({ file: config.file, line: position.line, col: position.col, severity: 'error', message, hint: extraHint });
  }
  return diagnostics;
}
