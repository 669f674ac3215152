// Fast start (issue: foundation, item 7; issue 15): `--help` and `validate` must not load what only
// plan or apply need (checked on the built modules' static imports: commands are imported by
// cli.ts only when run), and the bin runs its bundle from V8's code cache, never wrongly.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
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
    assert.match(readFileSync(resolve(SRC, 'http/client.js'), 'utf8'), /import\(['"]undici['"]\)/, 'the one HTTP client imports undici lazily');
  });
});

describe('the bin (dist/bin, scripts/bundle.mjs): a split bundle run from V8\'s code cache', () => {
  const BIN = fileURLToPath(new URL('../bin/', import.meta.url));

  /** Runs `script` (CommonJS, given `bin`: the directory of the bin) in a fresh node; its stdout as JSON. */
  function probe(script: string, bin = BIN, stdin: 'pipe' | number = 'pipe'): unknown {
    const result = spawnSync(process.execPath, ['-e', `const bin = ${JSON.stringify(bin)};\n${script}`], { encoding: 'utf8', cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').pop()!);
  }

  /** A copy of dist/bin whose code cache `damage` changed (with `every`, the cache of every chunk). */
  function copyWithCache(damage: (cache: Buffer) => Buffer, every = false): string {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bin-'));
    const copy = join(dir, 'dist', 'bin');
    cpSync(BIN, copy, { recursive: true });
    // The bundle finds package.json two levels up, as from dist/bin.
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    for (const name of every ? readdirSync(copy).filter((file) => file.endsWith('.cache')) : ['bundle.cache']) {
      writeFileSync(join(copy, name), damage(readFileSync(join(copy, name))));
    }
    return copy;
  }

  /** The chunks of the bundle: every .js in dist/bin but the loader. */
  const chunks = () => readdirSync(BIN).filter((name) => name.endsWith('.js') && name !== 'purgeplan.js');

  /** Runs the bin in this process on `args` from the repository root; when it is done, the chunks it compiled. */
  function chunksLoadedBy(args: readonly string[], bin = BIN): { name: string; cached: boolean; rejected: boolean | null }[] {
    return probe(`process.argv = [process.execPath, bin + '/purgeplan.js', ...${JSON.stringify(args)}];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = process.stderr.write = () => true;
      const loader = require(bin + '/purgeplan.js');
      loader.compileBundle(true).run();
      process.once('beforeExit', () => write(JSON.stringify([...loader.compiledChunks()].map(([name, chunk]) => ({ name, cached: chunk.cached, rejected: chunk.script.cachedDataRejected ?? null }))) + '\\n'));`, bin) as { name: string; cached: boolean; rejected: boolean | null }[];
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

  it('validate makes no stdin stream (only apply\'s confirmation reads whether stdin is a terminal)', () => {
    // stdin a file: process.stdin would be a file stream (node's internal/fs/streams).
    const stdin = openSync(join(ROOT, 'package.json'), 'r');
    const made = probe(`process.argv = [process.execPath, bin + '/purgeplan.js', 'validate'];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      require(bin + '/purgeplan.js').compileBundle(true).run();
      process.once('beforeExit', () => write(JSON.stringify({ stdinStream: process.moduleLoadList.includes('NativeModule internal/fs/streams') }) + '\\n'));`, BIN, stdin);
    closeSync(stdin);
    assert.deepEqual(made, { stdinStream: false });
  });

  it('a cache from another build is not used, and one V8 refuses is only slower: the CLI works either way', () => {
    const otherBuild = copyWithCache((cache) => Buffer.concat([Buffer.from(`${'0'.repeat(64)}\n`), cache.subarray(65)]));
    const damaged = copyWithCache((cache) => Buffer.concat([cache.subarray(0, 65), Buffer.alloc(cache.length - 65, 7)]));
    let everyDamaged = '';
    try {
      const check = `const { compileBundle } = require(bin + '/purgeplan.js');
        const { script, cached } = compileBundle(true);
        console.log(JSON.stringify({ cached, rejected: script.cachedDataRejected ?? null }));`;
      everyDamaged = copyWithCache((cache) => Buffer.concat([cache.subarray(0, 65), Buffer.alloc(cache.length - 65, 7)]), true);
      assert.deepEqual(probe(check, otherBuild), { cached: false, rejected: null });
      assert.deepEqual(probe(check, damaged), { cached: true, rejected: true });
      const loaded = chunksLoadedBy(['validate'], everyDamaged);
      assert.ok(loaded.length > 1 && loaded.every((chunk) => chunk.cached && chunk.rejected === true), JSON.stringify(loaded));
      for (const bin of [otherBuild, damaged, everyDamaged]) {
        const result = spawnSync(process.execPath, [join(bin, 'purgeplan.js'), 'validate'], { encoding: 'utf8', cwd: ROOT });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /purge\.yaml is valid/);
        const plan = spawnSync(process.execPath, [join(bin, 'purgeplan.js'), 'plan', '--json'], { encoding: 'utf8', cwd: ROOT });
        assert.equal(plan.status, 0, plan.stderr);
        assert.equal(plan.stdout, spawnSync(process.execPath, [join(BIN, 'purgeplan.js'), 'plan', '--json'], { encoding: 'utf8', cwd: ROOT }).stdout);
      }
    } finally {
      for (const bin of [otherBuild, damaged, everyDamaged].filter(Boolean)) rmSync(resolve(bin, '..', '..'), { recursive: true, force: true });
    }
  });

  it('every chunk is ASCII and ends with its digest, which opens its cache', () => {
    assert.ok(chunks().includes('bundle.js') && chunks().length > 2, chunks().join(', '));
    for (const name of chunks()) {
      const chunk = readFileSync(resolve(BIN, name));
      assert.ok(chunk.every((byte) => byte < 0x80), name);
      const text = chunk.toString('latin1');
      const id = /\/\/# purgeplan-build ([0-9a-f]{64})\n$/.exec(text)![1]!;
      assert.equal(createHash('sha256').update(text.slice(0, text.lastIndexOf('//# purgeplan-build'))).digest('hex'), id, name);
      assert.equal(readFileSync(resolve(BIN, name.replace(/\.js$/, '.cache'))).toString('latin1', 0, 65), `${id}\n`, name);
    }
  });

  it('validate loads only its part of the bundle, every chunk of it from a cache V8 accepts', () => {
    const loaded = chunksLoadedBy(['validate']);
    assert.ok(loaded.every((chunk) => chunk.cached && chunk.rejected === false), JSON.stringify(loaded));
    const names = loaded.map((chunk) => chunk.name);
    assert.ok(names.includes('bundle.js') && names.some((name) => name.startsWith('validate-')), names.join(', '));
    const others = /^(plan|apply|show|init|explain|coverage|drift|import|fmt|comment|github|gitlab|libesm)-/;
    assert.deepEqual(names.filter((name) => others.test(name)), []);
    const size = (list: readonly string[]) => list.reduce((sum, name) => sum + statSync(resolve(BIN, name)).size, 0);
    assert.ok(size(names) < size(chunks()) / 2, `validate loads ${size(names)} of ${size(chunks())} bytes`);
    // plan and --help run from their caches too.
    for (const args of [['plan'], ['--help']]) {
      const chunksOf = chunksLoadedBy(args);
      assert.ok(chunksOf.every((chunk) => chunk.cached && chunk.rejected === false), JSON.stringify(chunksOf));
    }
  });
});

describe('validate runs git only for watch patterns a tracked file does not settle, once', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'purgeplan-startup-git-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const write = (dir: string, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  };
  /** `validate` in `repo` through a git on PATH that logs its arguments: the result and the git commands run. */
  function validateLogged(repo: string, name: string, env: Record<string, string> = {}): { status: number | null; stderr: string; calls: string[] } {
    const bin = join(scratch, `logging-git-${name}`);
    const log = join(scratch, `git-${name}.log`);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    write(bin, { git: `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n` });
    chmodSync(join(bin, 'git'), 0o755);
    writeFileSync(log, '');
    // No GIT_* variable of the runner's points git elsewhere.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
    const result = spawnSync(process.execPath, [CLI, 'validate'], { cwd: repo, encoding: 'utf8', env: { ...inherited, ...env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` } });
    return { status: result.status, stderr: result.stderr, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }
  const config = (watch: string) => `version: 1\nzones:\n  www: { id: 023e105f4ecef8ad9ca31a8372d0c353 }\ngroups:\n  blog:\n    urls: ["https://www.example.com/blog/"]\n${watch}`;
  const unmatched = (stderr: string) => [...stderr.matchAll(/watch pattern "([^"]+)" matches no file/g)].map((match) => match[1]);

  it('one git process lists the tree: tracked and untracked files count, ignored and deleted ones do not', () => {
    const repo = join(scratch, 'watching');
    write(repo, {
      'purge.yaml': config('    watch: ["content/**", "gone.md", "build/out.html", "notes/new.md"]\n'),
      'content/a.md': '# a\n', 'gone.md': 'soon deleted\n', '.gitignore': 'build/\n',
    });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'site');
    unlinkSync(join(repo, 'gone.md'));
    write(repo, { 'build/out.html': 'ignored\n', 'notes/new.md': 'untracked\n' });
    const { status, stderr, calls } = validateLogged(repo, 'watching');
    assert.equal(status, 0, stderr);
    assert.equal(calls.length, 1, calls.join('\n'));
    assert.match(calls[0], /^ls-files /);
    assert.deepEqual(unmatched(stderr), ['gone.md', 'build/out.html']);
  });


  it('no git process when every pattern matches a tracked file in the working tree (read from the index), in a repository and in a linked worktree', () => {
    const repo = join(scratch, 'tracked');
    write(repo, { 'purge.yaml': config('    watch: ["data/posts.txt", "content/**", "*.md"]\n'), 'data/posts.txt': 'hello\n', 'content/a/b.md': '# b\n' });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'site');
    const inRepo = validateLogged(repo, 'tracked');
    assert.equal(inRepo.status, 0, inRepo.stderr);
    assert.deepEqual([inRepo.calls, unmatched(inRepo.stderr)], [[], []]);
    const linked = join(scratch, 'tracked-worktree');
    git(repo, 'worktree', 'add', '-q', linked);
    const inWorktree = validateLogged(linked, 'tracked-worktree');
    assert.equal(inWorktree.status, 0, inWorktree.stderr);
    assert.deepEqual([inWorktree.calls, unmatched(inWorktree.stderr)], [[], []]);
  });

  it('when the index cannot be read for sure, git lists the tree, with the same warnings', () => {
    const repo = join(scratch, 'unsure');
    write(repo, { 'purge.yaml': config('    watch: ["content/**", "missing/**"]\n'), 'content/a.md': '# a\n' });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'site');
    // The index file named by a variable, then an index in version 4 (prefix-compressed paths).
    const redirected = validateLogged(repo, 'unsure-env', { GIT_INDEX_FILE: join(repo, '.git', 'index') });
    git(repo, 'update-index', '--index-version', '4');
    const version4 = validateLogged(repo, 'unsure-v4');
    for (const { status, stderr, calls } of [redirected, version4]) {
      assert.equal(status, 0, stderr);
      assert.equal(calls.length, 1, calls.join('\n'));
      assert.deepEqual(unmatched(stderr), ['missing/**']);
    }
  });

  it('outside a repository: git is asked for the top level once, then the directory is walked', () => {
    const plain = join(scratch, 'plain-dir');
    write(plain, { 'purge.yaml': config('    watch: ["content/**", "missing/**"]\n'), 'content/a.md': '# a\n' });
    const { status, stderr, calls } = validateLogged(plain, 'plain-dir');
    assert.equal(status, 0, stderr);
    assert.deepEqual(calls, ['rev-parse --show-toplevel']);
    assert.deepEqual(unmatched(stderr), ['missing/**']);
  });

  it('no git process without watch patterns', () => {
    const repo = join(scratch, 'plain');
    write(repo, { 'purge.yaml': config('') });
    git(repo, 'init', '-q');
    const { status, stderr, calls } = validateLogged(repo, 'plain');
    assert.equal(status, 0, stderr);
    assert.deepEqual(calls, []);
  });

  it('outside a work tree (a bare repository) the directory is walked, as before', () => {
    const bare = join(scratch, 'bare.git');
    git(scratch, 'init', '-q', '--bare', bare);
    write(bare, { 'purge.yaml': config('    watch: ["content/**", "HEAD"]\n'), 'content/a.md': '# a\n' });
    const { status, stderr } = validateLogged(bare, 'bare');
    assert.equal(status, 0, stderr);
    assert.doesNotMatch(stderr, /matches no file/);
  });
});
