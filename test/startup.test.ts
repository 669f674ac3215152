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
