// Issue 9 (items 14, 15 and "found by reading the code"): watch patterns, vars files behind
// symbolic links at `--base REF`, git missing, unreadable vars files. Through the built CLI.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Site, ZONE_ID } from './support/site.js';

const ZONE = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
`;

const STACK_LINE = /\n\s+at /;

async function withSite(body: (site: Site) => Promise<void>): Promise<void> {
  const site = new Site();
  try {
    await body(site);
  } finally {
    site.remove();
  }
}

describe('watch patterns (docs/commands.md)', () => {
  const config = (patterns: string) => `${ZONE}groups:
  posts:
    urls: ["https://example.com/"]
    watch: ${patterns}
`;

  it('a pattern leaving the directory, or an absolute one, is an error at the entry in validate, plan and apply', async () => {
    await withSite(async (site) => {
      site.write('purge.yaml', config('["content/**", "../other/**", "/etc/passwd"]')).write('content/a.md', 'a\n');
      for (const args of [['validate'], ['plan'], ['apply', '--auto-approve']]) {
        const result = await site.run(args, { env: { CLOUDFLARE_API_TOKEN: 'x' } });
        assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
        assert.equal(result.stdout, '', args[0]);
        assert.match(result.stderr, /^purge\.yaml:7:27: error: groups\.posts\.watch\[1\]: watch pattern "\.\.\/other\/\*\*" may not contain "\." or "\.\." segments/m, args[0]);
        assert.match(result.stderr, /^purge\.yaml:7:42: error: groups\.posts\.watch\[2\]: watch pattern "\/etc\/passwd" is an absolute path/m, args[0]);
        assert.doesNotMatch(result.stderr, STACK_LINE);
      }
    });
  });

  it('a pattern that matches no file is a warning at the entry, an error only with --strict', async () => {
    await withSite(async (site) => {
      site.write('purge.yaml', config('["content/**", "contnet/**", "!drafts/**"]')).write('content/a.md', 'a\n');
      const result = await site.run(['validate']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^purge\.yaml:7:27: warning: groups\.posts\.watch\[1\]: watch pattern "contnet\/\*\*" matches no file$/m);
      assert.doesNotMatch(result.stderr, /content\/\*\*" matches|drafts/, 'a matching pattern and an exclusion are fine');
      const strict = await site.run(['validate', '--strict']);
      assert.equal(strict.code, 1, strict.stderr);
      const plan = await site.run(['plan', '--json']);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stderr, /warning: groups\.posts\.watch\[1\]/);
    });
  });

  it('files git ignores do not count as a match (they are never part of the digest)', async () => {
    await withSite(async (site) => {
      site.initGit().write('purge.yaml', config('["build/**"]')).write('.gitignore', 'build/\n').write('build/out.js', 'x\n');
      site.commit('first');
      const result = await site.run(['validate']);
      assert.match(result.stderr, /warning: groups\.posts\.watch\[0\]: watch pattern "build\/\*\*" matches no file/);
    });
  });

  it('under --base, the current file is judged against the working tree; purge.yaml at REF is not warned about', async () => {
    await withSite(async (site) => {
      site.initGit().write('purge.yaml', config('["old-typo/**"]')).write('content/a.md', 'a\n');
      site.commit('first');
      site.write('purge.yaml', config('["content/**"]'));
      const result = await site.run(['plan', '--base', 'main', '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /matches no file/);
    });
  });
});

describe('vars files under --base REF follow symbolic links inside the tree at REF (docs/purge-yaml.md, docs/commands.md)', () => {
  const config = `${ZONE}groups:
  posts:
    urls: ["https://example.com/{slug}/"]
    vars: { slug: { file: data/slugs.txt } }
`;

  it('a link to a file in the repository is read through, not as the link text', async () => {
    await withSite(async (site) => {
      site.initGit().write('purge.yaml', config).write('lists/slugs.txt', 'hello\nworld\n');
      site.write('data/.keep', '');
      symlinkSync('../lists/slugs.txt', join(site.dir, 'data', 'slugs.txt'));
      site.commit('first');
      const result = await site.run(['plan', '--base', 'main', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { groups: { name: string; status: string }[] };
      // Same vars at REF and now: nothing changed. Read as the link's text, REF would plan
      // one URL ".../../lists/slugs.txt/" and the group would be "changed".
      assert.deepEqual(plan.groups.map((g) => g.status), ['unchanged']);
      assert.doesNotMatch(result.stderr, /not valid/);
    });
  });

  it('a linked directory is followed too, and a change behind the link is seen', async () => {
    await withSite(async (site) => {
      site.initGit().write('purge.yaml', config).write('lists/slugs.txt', 'hello\n');
      symlinkSync('lists', join(site.dir, 'data'));
      site.commit('first');
      site.write('lists/slugs.txt', 'hello\nworld\n');
      const result = await site.run(['plan', '--base', 'main', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { groups: { status: string; diff?: { added: string[]; removed: string[] } }[] };
      assert.equal(plan.groups[0].status, 'changed');
      assert.deepEqual(plan.groups[0].diff?.removed, []);
      assert.equal(plan.groups[0].diff?.added.length, 1);
    });
  });

  for (const [scenario, target] of [['leaving the directory of purge.yaml', '../../outside.txt'], ['absolute', '/etc/hostname']] as const) {
    it(`a link ${scenario} at REF is refused, as in the working tree`, async () => {
      await withSite(async (site) => {
        site.initGit().write('sub/purge.yaml', config).write('sub/data/.keep', '').write('outside.txt', 'secret\n');
        symlinkSync(target, join(site.dir, 'sub', 'data', 'slugs.txt'));
        site.commit('first');
        // Now the file is a plain one, so the working tree is valid and only REF has the link.
        rmSync(join(site.dir, 'sub', 'data', 'slugs.txt'));
        site.write('sub/data/slugs.txt', 'hello\n');
        const result = await site.run(['plan', '-c', 'sub/purge.yaml', '--base', 'main', '--json']);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /sub\/purge\.yaml at main is not valid, so every group is planned as new/);
        const plan = JSON.parse(result.stdout) as { groups: { status: string }[] };
        assert.equal(plan.groups[0].status, 'new');
        const shown = await site.run(['validate', '-c', 'sub/purge.yaml']);
        assert.equal(shown.code, 0, shown.stderr);
      });
    });
  }

  it('a link loop at REF ends (the configuration at REF is then not valid)', async () => {
    await withSite(async (site) => {
      site.initGit().write('purge.yaml', config).write('data/.keep', '');
      symlinkSync('slugs.txt', join(site.dir, 'data', 'slugs.txt'));
      site.commit('first');
      rmSync(join(site.dir, 'data', 'slugs.txt'));
      site.write('data/slugs.txt', 'hello\n');
      const result = await site.run(['plan', '--base', 'main', '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /purge\.yaml at main is not valid, so every group is planned as new/);
    });
  });
});

describe('--base without git on PATH', () => {
  it('says git is not installed or not on PATH, not "not inside a git repository"', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'purgeplan-no-git-'));
    try {
      await withSite(async (site) => {
        site.initGit().write('purge.yaml', `${ZONE}groups:\n  home:\n    urls: ["https://example.com/"]\n`);
        site.commit('first');
        const result = await site.run(['plan', '--base', 'main'], { env: { PATH: emptyPath } });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /error: --base main needs git: git is not installed or not on PATH/);
        assert.doesNotMatch(result.stderr, /not inside a git repository/);
        assert.doesNotMatch(result.stderr, STACK_LINE);
      });
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});

describe('unreadable vars files say why (issue 9: EACCES and ELOOP were "no such file")', () => {
  const config = `${ZONE}groups:
  posts:
    urls: ["https://example.com/{slug}/"]
    vars: { slug: { file: slugs.txt } }
`;

  it('a symbolic link loop', async () => {
    await withSite(async (site) => {
      site.write('purge.yaml', config);
      symlinkSync('slugs.txt', join(site.dir, 'slugs.txt'));
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^purge\.yaml:7:27: error: groups\.posts\.vars\.slug\.file: cannot read "slugs\.txt": symbolic link loop$/m);
      assert.doesNotMatch(result.stderr, /no such file/);
    });
  });

  it('a file without read permission (not checkable as root, who reads it anyway)', { skip: process.getuid?.() === 0 ? 'running as root' : false }, async () => {
    await withSite(async (site) => {
      site.write('purge.yaml', config).write('slugs.txt', 'hello\n');
      chmodSync(join(site.dir, 'slugs.txt'), 0o000);
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^purge\.yaml:7:27: error: groups\.posts\.vars\.slug\.file: cannot read "slugs\.txt": permission denied$/m);
    });
  });
});
