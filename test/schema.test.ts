// The shipped JSON Schema (schemas/purge.schema.json) is what editors show users as they type: every
// property is described, every object with fixed keys refuses unknown ones, it compiles with ajv,
// it is exactly what scripts/schema-source.mjs generates, and every purge.yaml in the repository
// points editors at it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AjvModule from 'ajv';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_PATH = join(ROOT, 'schemas', 'purge.schema.json');
const SCHEMA_TEXT = readFileSync(SCHEMA_PATH, 'utf8');
const SCHEMA = JSON.parse(SCHEMA_TEXT) as Schema;

interface Schema {
  readonly [keyword: string]: unknown;
  readonly description?: unknown;
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema | readonly Schema[];
  readonly definitions?: Readonly<Record<string, Schema>>;
  readonly type?: string | readonly string[];
}

/** A subschema with where it sits (a JSON pointer) and why it must be described. */
interface Site { readonly pointer: string; readonly schema: Schema; readonly role: 'root' | 'definition' | 'property' | 'additionalProperties' | 'items' }

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every schema that describes a value of the file: properties, map values, list items, definitions. */
function walk(schema: Schema, pointer: string, role: Site['role'], out: Site[] = []): Site[] {
  out.push({ pointer, schema, role });
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, `${pointer}/properties/${name}`, 'property', out);
  if (isSchema(schema.additionalProperties)) walk(schema.additionalProperties, `${pointer}/additionalProperties`, 'additionalProperties', out);
  if (Array.isArray(schema.items)) schema.items.forEach((item: Schema, i: number) => walk(item, `${pointer}/items/${i}`, 'items', out));
  else if (isSchema(schema.items)) walk(schema.items, `${pointer}/items`, 'items', out);
  for (const [name, child] of Object.entries(schema.definitions ?? {})) walk(child, `${pointer}/definitions/${name}`, 'definition', out);
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const list = schema[keyword];
    if (Array.isArray(list)) list.forEach((child: Schema, i: number) => walk(child, `${pointer}/${keyword}/${i}`, 'items', out));
  }
  return out;
}

/** Follows a local `$ref` (`#/definitions/zone`). */
function resolveRef(ref: string): Schema {
  assert.match(ref, /^#\//, `only local references: ${ref}`);
  let node: unknown = SCHEMA;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  assert.ok(isSchema(node), `${ref} resolves to a schema`);
  return node;
}

const SITES = walk(SCHEMA, '#', 'root');

/** The repository's own purge.yaml and every examples/<site>/purge.yaml. */
const CONFIGS = [
  'purge.yaml',
  ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'examples', entry.name, 'purge.yaml')))
    .map((entry) => `examples/${entry.name}/purge.yaml`)
    .sort(),
];

describe('schemas/purge.schema.json', () => {
  it('the walk reaches every level: definitions, properties, map values and list items', () => {
    const roles = new Set(SITES.map((s) => s.role));
    for (const role of ['definition', 'property', 'additionalProperties', 'items']) assert.ok(roles.has(role as Site['role']), role);
    for (const pointer of [
      '#/definitions/group/properties/variants/properties/headers/additionalProperties/properties/values/items',
      '#/definitions/group/properties/vars/additionalProperties/items',
      '#/definitions/zone/properties/limits/properties/files_per_request',
      '#/definitions/cacheKey/properties/cookies/properties/include/items',
    ]) assert.ok(SITES.some((s) => s.pointer === pointer), pointer);
    assert.ok(SITES.length > 80, `${SITES.length} schemas`);
  });

  it('every property, map value, list item and definition has a non-empty description', () => {
    const missing: string[] = [];
    for (const { pointer, schema } of SITES) {
      // A bare reference is described where it points (draft-07 ignores keywords beside $ref).
      const described = schema.$ref !== undefined ? resolveRef(schema.$ref) : schema;
      if (typeof described.description !== 'string' || described.description.trim() === '') missing.push(pointer);
    }
    assert.deepEqual(missing, [], 'schemas without a description');
  });

  it('every $ref resolves', () => {
    for (const { schema } of SITES) if (schema.$ref !== undefined) resolveRef(schema.$ref);
    assert.ok(SITES.filter((s) => s.schema.$ref !== undefined).length >= 3);
  });

  it('every object schema with fixed keys refuses other keys (additionalProperties: false)', () => {
    const open: string[] = [];
    let fixed = 0;
    for (const { pointer, schema } of SITES) {
      if (schema.properties === undefined) continue;
      fixed++;
      if (schema.additionalProperties !== false) open.push(pointer);
    }
    assert.deepEqual(open, [], 'object schemas with properties that accept unknown keys');
    assert.ok(fixed >= 10, `${fixed} object schemas with fixed keys`);
  });

  it('maps keyed by user names (zones, cache_keys, groups, vars, headers) check their values with a schema', () => {
    for (const { pointer, schema } of SITES) {
      if (schema.type !== 'object' || schema.properties !== undefined) continue;
      assert.ok(isSchema(schema.additionalProperties), `${pointer}: a map without properties has a value schema`);
    }
  });

  it('compiles with ajv in strict mode (with the x-hint and x-expected annotations) and accepts every purge.yaml of the repository', () => {
    const Ajv = AjvModule.default;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(['x-hint', 'x-expected']);
    const validate = ajv.compile(SCHEMA);
    for (const config of CONFIGS) {
      const valid = validate(parse(readFileSync(join(ROOT, config), 'utf8')));
      assert.ok(valid, `${config}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(validate({ version: 1, grups: {} }), false, 'an unknown top-level key is refused');
    assert.equal(validate({ version: 1, groups: { g: { urls: ['https://www.example.com/'], urlz: [] } } }), false, 'an unknown group key is refused');
  });

  it('is exactly what scripts/schema-source.mjs generates (run `npm run build` after editing the source)', async () => {
    const source = (await import(pathToFileURL(join(ROOT, 'scripts', 'schema-source.mjs')).href)) as { schema: unknown };
    assert.equal(SCHEMA_TEXT, `${JSON.stringify(source.schema, null, 2)}\n`);
  });
});

describe('every purge.yaml points editors at the schema', () => {
  it('there are examples to check', () => {
    assert.ok(CONFIGS.length >= 5, CONFIGS.join(', '));
  });

  for (const config of CONFIGS) {
    it(`${config} starts with a yaml-language-server $schema comment that resolves to schemas/purge.schema.json`, () => {
      const first = readFileSync(join(ROOT, config), 'utf8').split('\n')[0];
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(modeline, `first line of ${config}: ${first}`);
      const target = resolve(dirname(join(ROOT, config)), modeline[1]);
      assert.equal(target, SCHEMA_PATH);
      assert.ok(existsSync(target));
    });
  }
});
