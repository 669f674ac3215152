// The shipped examples and the repository's own purge.yaml are what users copy first: each must
// validate with no error and no warning (validate --strict), plan without a token into one JSON
// document with requests, and be accepted by the shipped JSON Schema that editors use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'bin', 'purgeplan.js');
const SCHEMA = join(ROOT, 'schemas', 'purge.schema.json');

/** Every examples/<site>/purge.yaml (other files there, such as CI snippets, are not configurations). */
const EXAMPLES = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'examples', entry.name, 'purge.yaml')))
  .map((entry) => `examples/${entry.name}/purge.yaml`)
  .sort();
const CONFIGS = [...EXAMPLES, 'purge.yaml'];

/** The CLI as CI runs it: from the repository root, with no token and no debug output. */
function purgeplan(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (/TOKEN|^PURGEPLAN_/.test(name)) delete env[name];
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface PlanDocument {
  readonly format_version: number;
  readonly config: { readonly path: string };
  readonly groups: readonly { readonly name: string; readonly status: string }[];
  readonly requests: readonly { readonly zone: string; readonly body: Record<string, unknown> }[];
  readonly summary: { readonly requests: number };
}

describe('examples/', () => {
  it('has the four documented examples', () => {
    for (const name of ['blog', 'shop', 'api-cors', 'multi-zone']) assert.ok(EXAMPLES.includes(`examples/${name}/purge.yaml`), name);
  });

  for (const config of EXAMPLES) {
    it(`${config} starts with the schema modeline (pointing at the shipped schema) and a description`, () => {
      const lines = readFileSync(join(ROOT, config), 'utf8').split('\n');
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/.exec(lines[0]);
      assert.ok(modeline, `first line: ${lines[0]}`);
      assert.equal(resolve(dirname(join(ROOT, config)), modeline[1]), SCHEMA, 'the $schema path leads to schemas/purge.schema.json');
      const description = lines.slice(1).filter((line) => line.startsWith('#') && line.length > 10);
      assert.ok(description.length >= 3, 'a comment describing the site it models');
    });
  }
});

describe('every example and the root purge.yaml', () => {
  for (const config of CONFIGS) {
    it(`${config}: validate --strict passes with no warning`, () => {
      const result = purgeplan(['validate', '--strict', '-c', config]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'no diagnostics at all');
      assert.match(result.stdout, new RegExp(`^${config.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is valid: \\d+ groups?, \\d+ zones?\\n$`));
    });

    it(`${config}: plan --json prints one JSON document with requests, without a token`, () => {
      const result = purgeplan(['plan', '--json', '--all', '--strict', '-c', config]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'nothing on stderr');
      const document = JSON.parse(result.stdout) as PlanDocument;
      assert.equal(document.format_version, 1);
      assert.equal(document.config.path, config);
      assert.ok(document.requests.length > 0, 'requests');
      assert.equal(document.summary.requests, document.requests.length);
      assert.ok(document.groups.every((group) => group.status === 'new'), 'every group is due with --all');
      for (const request of document.requests) assert.equal(Object.keys(request.body).length, 1, 'one purge type per body');
    });
  }

  it('the shipped JSON Schema (as an editor uses it) accepts every one of them', () => {
    const Ajv = AjvModule.default;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(['x-hint', 'x-expected']);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    for (const config of CONFIGS) {
      const document: unknown = parse(readFileSync(join(ROOT, config), 'utf8'));
      assert.ok(validate(document), `${config}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(validate({ version: 1, grups: {} }), false, 'and still refuses an unknown key');
  });

  it('the examples use vars files kept beside them', () => {
    for (const config of EXAMPLES) {
      const text = readFileSync(join(ROOT, config), 'utf8');
      for (const [, file] of text.matchAll(/\{\s*file:\s*([^\s}]+)\s*\}/g)) {
        assert.ok(existsSync(join(ROOT, dirname(config), file)), `${config}: ${file}`);
        assert.ok(!file.includes('..') && !file.startsWith('/'), `${config}: ${file} stays beside the example`);
      }
    }
  });
});
