import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileWatch, digestWatchedAtCommit, digestWatchedWorking, watchDigest, watchPatternProblem } from '../src/reconcile/watch.js';

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'purgeplan-watch-')));
after(() => rmSync(scratch, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=purgeplan test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

describe('compileWatch: one row per glob rule', () => {
  const rows: { rule: string; patterns: string[]; match: string[]; noMatch: string[] }[] = [
    { rule: '* does not cross /', patterns: ['posts/*.md'], match: ['posts/a.md', 'posts/.b.md'], noMatch: ['posts/x/a.md', 'posts/a.txt'] },
    { rule: '** matches any depth, zero included', patterns: ['content/**/*.md'], match: ['content/a.md', 'content/x/y/a.md'], noMatch: ['other/a.md', 'content/a.txt'] },
    { rule: 'leading **/ matches in every directory', patterns: ['**/index.html'], match: ['index.html', 'a/b/index.html'], noMatch: ['a/index.htm'] },
    { rule: '? is one character, not /', patterns: ['v?.txt'], match: ['v1.txt'], noMatch: ['v10.txt', 'v.txt'] },
    { rule: '? never matches /', patterns: ['a?b'], match: ['a-b'], noMatch: ['a/b'] },
    { rule: '[abc] is one of the listed characters', patterns: ['file[ab].txt'], match: ['filea.txt', 'fileb.txt'], noMatch: ['filec.txt'] },
    { rule: '[a-z] is a range', patterns: ['v[0-9].txt'], match: ['v5.txt'], noMatch: ['va.txt'] },
    { rule: '[!a-z] and [^a-z] negate, never matching /', patterns: ['v[!0-9].txt', 'w[^0-9].txt'], match: ['va.txt', 'wb.txt'], noMatch: ['v5.txt', 'w5.txt', 'v/.txt'] },
    { rule: '] first in a class is literal', patterns: ['[]x]y'], match: [']y', 'xy'], noMatch: ['y'] },
    { rule: 'an unclosed [ is literal', patterns: ['a[b'], match: ['a[b'], noMatch: ['ab'] },
    { rule: 'no / matches a name at any depth', patterns: ['*.md'], match: ['a.md', 'x/y/a.md'], noMatch: ['a.mdx'] },
    { rule: 'no / matches a directory at any depth, and all below it', patterns: ['drafts'], match: ['drafts', 'content/drafts/a.md'], noMatch: ['drafts2/a.md'] },
    { rule: 'a leading / anchors', patterns: ['/build.sh'], match: ['build.sh'], noMatch: ['scripts/build.sh'] },
    { rule: 'a / in the middle anchors', patterns: ['docs/index.md'], match: ['docs/index.md'], noMatch: ['site/docs/index.md'] },
    { rule: 'a trailing / matches everything below a directory, at any depth', patterns: ['assets/'], match: ['assets/x.css', 'assets/a/b.png', 'lib/assets/x.css'], noMatch: ['assets'] },
    { rule: 'a trailing /** matches everything below an anchored directory', patterns: ['assets/**'], match: ['assets/x.css', 'assets/a/b.png'], noMatch: ['assets', 'lib/assets/x.css'] },
    { rule: 'a directory path matches everything below it', patterns: ['content/posts'], match: ['content/posts/a.md', 'content/posts'], noMatch: ['content/postscript.md'] },
    { rule: '!pattern excludes', patterns: ['content/**', '!content/drafts/**'], match: ['content/a.md'], noMatch: ['content/drafts/a.md'] },
    { rule: 'the last matching pattern decides', patterns: ['content/', '!content/drafts/', 'content/drafts/keep.md'], match: ['content/drafts/keep.md'], noMatch: ['content/drafts/other.md'] },
    { rule: 'only exclusions match nothing', patterns: ['!*.tmp'], match: [], noMatch: ['a.md', 'a.tmp'] },
    { rule: 'no patterns match nothing', patterns: [], match: [], noMatch: ['a.md'] },
    { rule: '\\ escapes a special character', patterns: ['a\\*b', '\\!important.txt'], match: ['a*b', '!important.txt'], noMatch: ['axb', 'important.txt'] },
    { rule: 'regular-expression characters are literal', patterns: ['a+b(c)|$.txt'], match: ['a+b(c)|$.txt'], noMatch: ['aab(c)|$.txt', 'a+b(c)|$xtxt'] },
    { rule: 'matching is case-sensitive', patterns: ['README.md'], match: ['README.md'], noMatch: ['readme.md'] },
    { rule: 'a reversed range matches nothing', patterns: ['[z-a].md'], match: [], noMatch: ['m.md', '[z-a].md'] },
    { rule: '** alone matches everything', patterns: ['**'], match: ['a', 'a/b/c'], noMatch: [] },
  ];
  for (const row of rows) {
    it(row.rule, () => {
      const matches = compileWatch(row.patterns);
      for (const path of row.match) assert.equal(matches(path), true, `${JSON.stringify(row.patterns)} should match ${path}`);
      for (const path of row.noMatch) assert.equal(matches(path), false, `${JSON.stringify(row.patterns)} should not match ${path}`);
    });
  }
});

describe('watchPatternProblem', () => {
  const rows: [string, RegExp | undefined][] = [
    ['content/**', undefined],
    ['!drafts/', undefined],
    ['', /is empty/],
    ['!', /is empty/],
    ['/', /is empty/],
    ['../shared/**', /"\.\." segments/],
    ['a/./b', /"\.\." segments/],
    ['[z-a]', /invalid character range/],
    ['/etc/passwd', /is an absolute path/],
    ['!/etc/passwd', /is an absolute path/],
    ['C:/Users/x', /is an absolute path/],
    ['\\\\server\\share', /is an absolute path/],
    ['\\!important.md', undefined],
    ['C:notes', undefined],
  ];
  for (const [pattern, problem] of rows) {
    it(`${JSON.stringify(pattern)} -> ${problem ?? 'fine'}`, () => {
      const found = watchPatternProblem(pattern);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? '', problem);
    });
  }
});

describe('watchDigest', () => {
  const file = (path: string, content: string) => ({ path, content: Buffer.from(content) });
  const base = [file('a.md', 'A'), file('b/c.md', 'C')];
  const digest = watchDigest(base);

  it('is a sha256, also for the empty set', () => {
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(watchDigest([]), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(watchDigest([]), digest);
  });

  it('does not depend on the order of the files', () => {
    assert.equal(watchDigest([...base].reverse()), digest);
  });

  const changes: [string, { path: string; content: Buffer }[]][] = [
    ['adding a file', [...base, file('d.md', '')]],
    ['removing a file', [base[0]]],
    ['editing a file', [base[0], file('b/c.md', 'C2')]],
    ['renaming a file', [base[0], file('b/d.md', 'C')]],
    ['moving content between files', [file('a.md', 'C'), file('b/c.md', 'A')]],
    ['splitting a path differently', [file('a.m', 'dA'), file('b/c.md', 'C')]],
  ];
  for (const [change, files] of changes) {
    it(`changes on ${change}`, () => {
      assert.notEqual(watchDigest(files), digest);
    });
  }
});

describe('digestWatchedWorking', () => {
  it('follows added, removed, edited and renamed matching files, not unrelated ones (no git)', () => {
    const site = join(scratch, 'plain-site');
    write(site, { 'content/a.md': 'A', 'content/b.md': 'B', 'other/x.md': 'X' });
    const patterns = ['content/**'];
    const digests = new Set<string>();
    const observe = () => digestWatchedWorking(site, patterns);
    const start = observe();
    digests.add(start);

    write(site, { 'other/y.md': 'Y', 'content.md': 'not below content/' });
    assert.equal(observe(), start, 'an unrelated file changed the digest');

    write(site, { 'content/c.md': 'C' });
    digests.add(observe());
    unlinkSync(join(site, 'content/c.md'));
    assert.equal(observe(), start, 'adding then removing a file is back where it started');
    write(site, { 'content/a.md': 'A2' });
    digests.add(observe());
    renameSync(join(site, 'content/b.md'), join(site, 'content/b2.md'));
    digests.add(observe());
    assert.equal(digests.size, 4, 'every change gave a new digest');
  });

  it("ignores purgeplan's own directory", () => {
    const site = join(scratch, 'own-dir');
    write(site, { 'a.md': 'A' });
    const start = digestWatchedWorking(site, ['**']);
    write(site, { '.purgeplan/state.json': '{}' });
    assert.equal(digestWatchedWorking(site, ['**']), start);
  });
});

describe('digestWatchedAtCommit', () => {
  it('equals the working digest of the same tree, and follows the history', () => {
    const repo = join(scratch, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    write(repo, {
      'site/purge.yaml': 'version: 1\n',
      'site/content/a.md': 'A',
      'site/content/logo.png': Buffer.from([0, 255, 10, 0]),
      'site/content/sub dir/b.md': 'B',
      'outside/content/a.md': 'not below the base directory',
    });
    symlinkSync('a.md', join(repo, 'site/content/link.md'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'first');
    const first = git(repo, 'rev-parse', 'HEAD').trim();
    const patterns = ['content/**', '!content/**/*.png'];
    const working = digestWatchedWorking(join(repo, 'site'), patterns);
    assert.equal(digestWatchedAtCommit(repo, first, 'site', patterns), working);
    assert.equal(digestWatchedAtCommit(repo, first, './site/', patterns), working);

    write(repo, { 'site/content/a.md': 'A2', 'site/content/logo.png': 'unwatched' });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'second');
    const second = git(repo, 'rev-parse', 'HEAD').trim();
    const changed = digestWatchedAtCommit(repo, second, 'site', patterns);
    assert.notEqual(changed, working);
    assert.equal(digestWatchedWorking(join(repo, 'site'), patterns), changed);
    assert.equal(digestWatchedAtCommit(repo, first, 'site', patterns), working, 'the older commit still gives the older digest');

    unlinkSync(join(repo, 'site/content/sub dir/b.md'));
    assert.notEqual(digestWatchedWorking(join(repo, 'site'), patterns), changed, 'a deleted, still tracked file counts as gone');
  });
});

describe('the working tree is listed once per command', () => {
  it('plan lists it once for the watch-pattern check and the watch digests together', () => {
    const repo = join(scratch, 'listed-once');
    write(repo, {
      'purge.yaml': 'version: 1\nzones:\n  www: { id: 023e105f4ecef8ad9ca31a8372d0c353 }\ngroups:\n  blog:\n    urls: ["https://www.example.com/blog/"]\n    watch: ["content/**"]\n  docs:\n    urls: ["https://www.example.com/docs/"]\n    watch: ["docs/*.md"]\n',
      'content/a.md': '# a\n',
      'docs/b.md': '# b\n',
    });
    git(repo, 'init', '-q');
    // A git on PATH that logs its arguments, then runs the real one.
    const bin = join(scratch, 'logging-git');
    const log = join(scratch, 'git-calls.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    write(bin, { git: `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n` });
    execFileSync('chmod', ['+x', join(bin, 'git')]);
    const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
    execFileSync(process.execPath, [cli, 'plan', '--json'], { cwd: repo, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: ['ignore', 'ignore', 'pipe'] });
    const listings = readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith('ls-files'));
    assert.equal(listings.length, 1, readFileSync(log, 'utf8'));
  });
});
