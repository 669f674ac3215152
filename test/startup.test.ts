// Fast start (issue: foundation, item 7): `--help` and `validate` must not load what only plan
// or apply need. Checked on the built modules' static imports, which is what node loads eagerly;
// commands themselves are imported by cli.ts only when run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Packages a module loads eagerly: the closure of its static, non-type imports. */
function eagerPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/^\s*import\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[1];
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.split('/')[0]);
    }
  };
  walk(resolve(SRC, entry));
  return packages;
}

describe('start-up loads only what the command needs', () => {
  it('the CLI entry loads commander alone; every command is imported when it runs', () => {
    assert.deepEqual([...eagerPackages('cli.js')], ['commander']);
    assert.doesNotMatch(readFileSync(resolve(SRC, 'cli.js'), 'utf8'), /^\s*import\s+[^'"]*from\s+['"]\.\/commands\/(validate|plan|apply|show|init)\.js['"]/m);
  });

  it('validate loads neither undici nor diff', () => {
    const packages = eagerPackages('commands/validate.js');
    assert.ok(!packages.has('undici') && !packages.has('diff'), [...packages].join(', '));
    assert.ok(packages.has('yaml'));
  });

  it('plan and show never load undici; apply loads it only when it sends', () => {
    for (const command of ['plan', 'show', 'apply']) assert.ok(!eagerPackages(`commands/${command}.js`).has('undici'), command);
    assert.match(readFileSync(resolve(SRC, 'cloudflare/client.js'), 'utf8'), /import\(['"]undici['"]\)/);
  });
});

describe('the bundled bin (dist/bin, scripts/bundle.mjs) keeps that laziness', () => {
  const BIN = fileURLToPath(new URL('../bin/', import.meta.url));
  /** The files node reads before running anything: the entry and the closure of its static imports. */
  function eagerFiles(start: string): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (file: string): void => {
      if (files.has(file)) return;
      const text = readFileSync(file, 'utf8');
      files.set(file, text);
      for (const match of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"();]*?from\s*)?["']([^'"]+)["']/g)) {
        if (match[1].startsWith('.')) walk(resolve(dirname(file), match[1]));
        else assert.match(match[1], /^node:/, `${file} imports ${match[1]} at start-up`);
      }
    };
    walk(start);
    return files;
  }

  it('start-up reads commander and the wiring only; each command is a chunk imported when it runs', () => {
    const eager = [...eagerFiles(resolve(BIN, 'purgeplan.js')).values()].join('\n');
    assert.match(eager, /node_modules\/commander\//);
    for (const marker of ['node_modules/yaml/', 'node_modules/undici/', 'node_modules/diff/', 'ajv/dist/runtime']) assert.ok(!eager.includes(marker), `${marker} is loaded at start-up`);
    const entry = readFileSync(resolve(BIN, 'purgeplan.js'), 'utf8');
    for (const command of ['validate', 'plan', 'apply', 'show', 'init', 'coverage']) assert.match(entry, new RegExp(`import\\("\\./chunks/${command}-[A-Z0-9]+\\.js"\\)`), command);
  });

  it('validate loads yaml but neither undici nor diff', () => {
    const entry = readFileSync(resolve(BIN, 'purgeplan.js'), 'utf8');
    const chunk = /import\("(\.\/chunks\/validate-[A-Z0-9]+\.js)"\)/.exec(entry)![1];
    const eager = [...eagerFiles(resolve(BIN, chunk)).values()].join('\n');
    assert.ok(eager.includes('node_modules/yaml/'));
    assert.ok(!eager.includes('node_modules/undici/') && !eager.includes('node_modules/diff/'));
  });
});
