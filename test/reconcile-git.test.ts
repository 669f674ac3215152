import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import {
  baseTopLevel,
  gitTopLevel,
  listBlobsAtCommit,
  listWorkingFiles,
  readFileAtCommit,
  repoRelativeDir,
  resolveCommit,
} from '../src/reconcile/git.js';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'purgeplan-git-')));
after(() => rmSync(scratch, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=purgeplan test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

function commit(root: string, message: string): string {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '--allow-empty', '-m', message);
  return git(root, 'rev-parse', 'HEAD').trim();
}

function fingerprintOfClone(root: string): string {
  const hash = createHash('sha256');
  hash.update(git(root, 'status', '--porcelain=v1', '-uall', '--ignored'));
  hash.update(readFileSync(join(root, '.git', 'index')));
  hash.update(git(root, 'rev-parse', 'HEAD'));
  return hash.digest('hex');
}

const binary = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
let repo = '';
let first = '';
let second = '';
let notARepo = '';

before(() => {
  repo = join(scratch, 'site');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  write(repo, {
    'purge.yaml': 'version: 1\n',
    'content/posts/hello.md': 'v1\n',
    'content/posts/old.md': 'old\n',
    'content/logo.png': binary,
    'content-old/x.md': 'x\n',
    'content/a*b [c].md': 'glob characters\n',
  });
  first = commit(repo, 'first');
  git(repo, 'tag', 'v1');
  write(repo, { 'content/posts/hello.md': 'v2\n', '.gitignore': 'build/\n' });
  unlinkSync(join(repo, 'content/posts/old.md'));
  second = commit(repo, 'second');
  notARepo = join(scratch, 'plain');
  mkdirSync(notARepo);
});

describe('gitTopLevel', () => {
  it('finds the top level from a subdirectory', () => {
    assert.equal(gitTopLevel(join(repo, 'content', 'posts')), repo);
    assert.equal(baseTopLevel(join(repo, 'content'), 'main'), repo);
  });

  it('is null outside a repository, and baseTopLevel says so', () => {
    assert.equal(gitTopLevel(notARepo), null);
    assert.throws(() => baseTopLevel(notARepo, 'main'), (error: unknown) => error instanceof UserError && /not inside a git repository/.test(error.message));
  });

  it('is null for a directory that does not exist', () => {
    assert.equal(gitTopLevel(join(scratch, 'missing')), null);
  });

  it('repoRelativeDir gives the path below the top level', () => {
    assert.equal(repoRelativeDir(repo, join(repo, 'content', 'posts')), 'content/posts');
    assert.equal(repoRelativeDir(repo, repo), '');
    assert.throws(() => repoRelativeDir(repo, notARepo), UserError);
  });
});

describe('resolveCommit', () => {
  const refs: [string, () => string][] = [
    ['HEAD', () => second],
    ['HEAD~1', () => first],
    ['main', () => second],
    ['v1', () => first],
    [first.slice(0, 10), () => first],
  ];
  for (const [ref, expected] of refs) {
    it(`resolves ${ref === first.slice(0, 10) ? 'an abbreviated sha' : ref}`, () => {
      assert.equal(resolveCommit(repo, ref), expected());
    });
  }

  it('an unknown ref is a UserError with a hint', () => {
    assert.throws(
      () => resolveCommit(repo, 'origin/nope'),
      (error: unknown) => error instanceof UserError && error.message === 'unknown git ref "origin/nope"' && /git fetch/.test(error.hint ?? ''),
    );
  });

  for (const ref of ['-h', '--output=/tmp/x', '']) {
    it(`refuses ${JSON.stringify(ref)} before running git`, () => {
      assert.throws(() => resolveCommit(repo, ref), (error: unknown) => error instanceof UserError && /not a valid git ref/.test(error.message));
    });
  }

  it('outside a repository, says so', () => {
    assert.throws(
      () => resolveCommit(notARepo, 'HEAD'),
      (error: unknown) => error instanceof UserError && /needs a git repository/.test(error.message),
    );
  });
});

describe('readFileAtCommit', () => {
  it('reads a file as it was at an older commit, and as it is now', () => {
    assert.equal(readFileAtCommit(repo, first, 'content/posts/hello.md')?.toString(), 'v1\n');
    assert.equal(readFileAtCommit(repo, second, 'content/posts/hello.md')?.toString(), 'v2\n');
  });

  it('reads a file deleted since', () => {
    assert.equal(readFileAtCommit(repo, first, 'content/posts/old.md')?.toString(), 'old\n');
    assert.equal(readFileAtCommit(repo, second, 'content/posts/old.md'), null);
  });

  it('keeps binary bytes exactly', () => {
    assert.deepEqual(readFileAtCommit(repo, first, 'content/logo.png'), binary);
  });

  it('takes glob characters in a path literally', () => {
    assert.equal(readFileAtCommit(repo, first, 'content/a*b [c].md')?.toString(), 'glob characters\n');
    assert.equal(readFileAtCommit(repo, first, 'content/a*'), null);
  });

  it('is null for a missing path or a directory', () => {
    assert.equal(readFileAtCommit(repo, first, 'nope.txt'), null);
    assert.equal(readFileAtCommit(repo, first, 'content/posts'), null);
    assert.equal(readFileAtCommit(repo, first, '.gitignore'), null, '.gitignore was added in the second commit');
  });

  it('refuses a path outside the repository', () => {
    assert.throws(() => readFileAtCommit(repo, first, '../etc/passwd'), UserError);
  });
});

const listFilesAtCommit = (top: string, commit: string, dir: string) => listBlobsAtCommit(top, commit, dir).map((blob) => blob.path);

describe('listBlobsAtCommit: paths', () => {
  it('lists the files below a directory at a commit, repo-relative and sorted', () => {
    assert.deepEqual(listFilesAtCommit(repo, first, 'content'), [
      'content/a*b [c].md',
      'content/logo.png',
      'content/posts/hello.md',
      'content/posts/old.md',
    ]);
    assert.deepEqual(listFilesAtCommit(repo, second, 'content/posts'), ['content/posts/hello.md']);
  });

  it('lists the whole tree for the top level', () => {
    assert.deepEqual(listFilesAtCommit(repo, second, ''), [
      '.gitignore',
      'content-old/x.md',
      'content/a*b [c].md',
      'content/logo.png',
      'content/posts/hello.md',
      'purge.yaml',
    ]);
  });

  it('is empty for a directory that did not exist then, or for a file', () => {
    assert.deepEqual(listFilesAtCommit(repo, first, 'static'), []);
    assert.deepEqual(listFilesAtCommit(repo, first, 'purge.yaml'), []);
  });
});

describe('listWorkingFiles', () => {
  it('lists tracked and untracked files, not ignored or deleted ones, relative to the directory', () => {
    const clone = join(scratch, 'working');
    git(scratch, 'clone', '-q', repo, clone);
    write(clone, { 'content/new.md': 'new\n', 'build/out.html': 'ignored\n' });
    unlinkSync(join(clone, 'content/logo.png'));
    assert.deepEqual(listWorkingFiles(join(clone, 'content')), ['a*b [c].md', 'new.md', 'posts/hello.md']);
  });

  it('walks a directory outside git, skipping .git and node_modules', () => {
    const plain = join(scratch, 'plain-walk');
    write(plain, { 'b.txt': 'b', 'a/c.txt': 'c', 'node_modules/x/index.js': 'x', '.git': 'gitdir: elsewhere', '.hidden': 'h' });
    assert.deepEqual(listWorkingFiles(plain), ['.hidden', 'a/c.txt', 'b.txt']);
  });
});

describe('without git on PATH', () => {
  it('resolveCommit says git is missing; gitTopLevel is null and listWorkingFiles walks the directory', () => {
    const gitModule = new URL('../src/reconcile/git.js', import.meta.url).href;
    const script = `
      const git = await import(${JSON.stringify(gitModule)});
      let message = '';
      try { git.resolveCommit(${JSON.stringify(repo)}, 'HEAD'); } catch (error) { message = error.name + ': ' + error.message; }
      console.log(JSON.stringify({ message, topLevel: git.gitTopLevel(${JSON.stringify(repo)}), files: git.listWorkingFiles(${JSON.stringify(join(repo, 'content', 'posts'))}) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: '' }, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), {
      message: 'UserError: --base needs git: git is not installed or not on PATH',
      topLevel: null,
      files: ['hello.md'],
    });
  });
});

describe('reads leave the clone as it was', () => {
  it('no change to the working tree, the index or HEAD', () => {
    write(repo, { 'content/untracked.md': 'u\n' });
    writeFileSync(join(repo, 'content/posts/hello.md'), 'v3 (uncommitted)\n');
    const beforeReads = fingerprintOfClone(repo);
    resolveCommit(repo, 'HEAD~1');
    readFileAtCommit(repo, first, 'content/posts/hello.md');
    listFilesAtCommit(repo, first, 'content');
    listWorkingFiles(repo);
    assert.equal(fingerprintOfClone(repo), beforeReads);
    assert.equal(readFileSync(join(repo, 'content/posts/hello.md'), 'utf8'), 'v3 (uncommitted)\n');
  });
});
