// Fast start (issue: foundation, item 7; issue 15): `--help` and `validate` must not load what only
// plan or apply need (checked on the built modules' static imports: commands are imported by
// cli.ts only when run), and the bin runs its bundle from V8's code cache, never wrongly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

describe('the bin (dist/bin, scripts/bundle.mjs): one bundle run from V8\'s code cache', () => {
  const BIN = fileURLToPath(new URL('../bin/', import.meta.url));

  /** Runs `script` (CommonJS, given `bin`: the directory of the bin) in a fresh node; its stdout as JSON. */
  function probe(script: string, bin = BIN): unknown {
    const result = spawnSync(process.execPath, ['-e', `const bin = ${JSON.stringify(bin)};\n${script}`], { encoding: 'utf8', cwd: ROOT });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').pop()!);
  }

  /** A copy of dist/bin whose code cache `damage` changed. */
  function copyWithCache(damage: (cache: Buffer) => Buffer): string {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bin-'));
    const copy = join(dir, 'dist', 'bin');
    cpSync(BIN, copy, { recursive: true });
    // The bundle finds package.json two levels up, as from dist/bin.
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    writeFileSync(join(copy, 'bundle.cache'), damage(readFileSync(join(copy, 'bundle.cache'))));
    return copy;
  }

  it('the build made a code cache for this bundle, and this Node.js accepts it', () => {
    const state = probe(`const { compileBundle } = require(bin + '/purgeplan.js');
      const { script, cached } = compileBundle(true);
      console.log(JSON.stringify({ cached, rejected: script.cachedDataRejected }));`);
    assert.deepEqual(state, { cached: true, rejected: false });
  });

  it('--help loads neither undici nor child_process (commands are initialized when they run)', () => {
    const loaded = probe(`process.argv = [process.execPath, bin + '/purgeplan.js', '--help'];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      require(bin + '/purgeplan.js').compileBundle(true).run();
      setTimeout(() => write(JSON.stringify({
        undici: Object.keys(require.cache).some((file) => file.includes('undici')),
        childProcess: process.moduleLoadList.includes('NativeModule child_process'),
      }) + '\\n'), 50);`);
    assert.deepEqual(loaded, { undici: false, childProcess: false });
  });

  it('a cache from another build is not used, and one V8 refuses is only slower: the CLI works either way', () => {
    const otherBuild = copyWithCache((cache) => Buffer.concat([Buffer.from(`${'0'.repeat(64)}\n`), cache.subarray(65)]));
    const damaged = copyWithCache((cache) => Buffer.concat([cache.subarray(0, 65), Buffer.alloc(cache.length - 65, 7)]));
    try {
      const check = `const { compileBundle } = require(bin + '/purgeplan.js');
        const { script, cached } = compileBundle(true);
        console.log(JSON.stringify({ cached, rejected: script.cachedDataRejected ?? null }));`;
      assert.deepEqual(probe(check, otherBuild), { cached: false, rejected: null });
      assert.deepEqual(probe(check, damaged), { cached: true, rejected: true });
      for (const bin of [otherBuild, damaged]) {
        const result = spawnSync(process.execPath, [join(bin, 'purgeplan.js'), 'validate'], { encoding: 'utf8', cwd: ROOT });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /purge\.yaml is valid/);
      }
    } finally {
      for (const bin of [otherBuild, damaged]) rmSync(resolve(bin, '..', '..'), { recursive: true, force: true });
    }
  });

  it('the bundle is ASCII and ends with its digest, which opens the cache', () => {
    const bundle = readFileSync(resolve(BIN, 'bundle.js'));
    assert.ok(bundle.every((byte) => byte < 0x80));
    const text = bundle.toString('latin1');
    const id = /\/\/# purgeplan-build ([0-9a-f]{64})\n$/.exec(text)![1]!;
    assert.equal(createHash('sha256').update(text.slice(0, text.lastIndexOf('//# purgeplan-build'))).digest('hex'), id);
    assert.equal(readFileSync(resolve(BIN, 'bundle.cache')).toString('latin1', 0, 65), `${id}\n`);
  });
});
