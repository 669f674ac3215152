// Reconciliation end to end (docs/commands.md, issue "purge only what changed"): a git repository driven
// through a site's life with the built CLI and the Cloudflare stand-in.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const CONFIG = (extra = '', revision = 0) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  posts:
    urls: ["https://www.example.com/blog/{slug}/"]
    vars: { slug: { file: data/posts.txt } }
    watch: ["content/posts/**"]
  pages:
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
    revision: ${revision}
  feeds:
    prefixes: [www.example.com/feeds/]
    tags: [feed]
${extra}`;

interface JsonPlan {
  baseline: { kind: string; ref?: string };
  groups: { name: string; status: string; due: boolean; diff?: { added: string[]; removed: string[]; added_count: number; removed_count: number } }[];
  requests: { groups: string[]; body: Record<string, unknown> }[];
}

const statuses = (plan: JsonPlan) => Object.fromEntries(plan.groups.map((g) => [g.name, g.status]));

describe('reconciliation lifecycle', () => {
  let standin: Standin;
  let site: Site;
  let first: string;
  const env = () => ({ CLOUDFLARE_API_TOKEN: TOKEN });
  const plan = async (...args: string[]): Promise<JsonPlan> => {
    const result = await site.run(['plan', '--json', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as JsonPlan;
  };
  const apply = (...args: string[]) => site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args], { env: env() });

  before(async () => {
    standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    site = new Site().initGit()
      .write('purge.yaml', CONFIG())
      .write('data/posts.txt', 'hello\nworld\n')
      .write('content/posts/hello.md', '# Hello\n')
      .write('content/other.md', 'not watched\n');
    first = site.commit('first');
  });
  after(async () => {
    await standin.close();
    site.remove();
  });

  it('first plan: no state, every group new', async () => {
    const p = await plan();
    assert.equal(p.baseline.kind, 'none');
    assert.deepEqual(statuses(p), { posts: 'new', pages: 'new', feeds: 'new' });
    assert.ok(p.requests.length > 0);
  });

  it('apply purges everything and writes the state atomically', async () => {
    const result = await apply();
    assert.equal(result.code, 0, result.stderr);
    const files = standin.accepted.flatMap((a) => (a.body.files ?? []) as string[]);
    assert.deepEqual(files.sort(), ['https://www.example.com/', 'https://www.example.com/about/', 'https://www.example.com/blog/hello/', 'https://www.example.com/blog/world/']);
    const state = JSON.parse(site.read('.purgeplan/state.json')) as { format_version: number; groups: Record<string, { fingerprint: string }> };
    assert.equal(state.format_version, 2);
    assert.deepEqual(Object.keys(state.groups).sort(), ['feeds', 'pages', 'posts']);
    assert.deepEqual(readdirSync(join(site.dir, '.purgeplan')).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), [], 'no temp or lock file left behind');
  });

  it('nothing due after apply: unchanged, no requests, exit 0 with --detailed-exitcode', async () => {
    const p = await plan();
    assert.equal(p.baseline.kind, 'state');
    assert.deepEqual(statuses(p), { posts: 'unchanged', pages: 'unchanged', feeds: 'unchanged' });
    assert.deepEqual(p.requests, []);
    const human = await site.run(['plan', '--detailed-exitcode']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /No purges planned\./);
  });

  it('a watched file edited: the group is due as content', async () => {
    site.write('content/posts/hello.md', '# Hello, edited\n');
    let p = await plan();
    assert.deepEqual(statuses(p), { posts: 'content', pages: 'unchanged', feeds: 'unchanged' });
    assert.deepEqual(p.requests.map((r) => r.groups), [['posts']]);
    site.write('content/other.md', 'still not watched, edited\n');
    site.write('content/posts/new.md', 'a new watched file\n');
    p = await plan();
    assert.equal(statuses(p).posts, 'content');
    const detailed = await site.run(['plan', '--detailed-exitcode']);
    assert.equal(detailed.code, 2);
  });

  it('an unwatched file edited does not make a group due', async () => {
    assert.equal((await apply()).code, 0);
    site.write('content/other.md', 'edited again\n');
    assert.deepEqual(statuses(await plan()), { posts: 'unchanged', pages: 'unchanged', feeds: 'unchanged' });
  });

  it('the expansion changed: changed, with the items added and removed', async () => {
    site.write('data/posts.txt', 'hello\nnews\n');
    const p = await plan();
    assert.equal(statuses(p).posts, 'changed');
    const posts = p.groups.find((g) => g.name === 'posts');
    assert.deepEqual(posts?.diff?.added, ['https://www.example.com/blog/news/']);
    assert.deepEqual(posts?.diff?.removed, ['https://www.example.com/blog/world/']);
    // The group's full current expansion is purged, not only what was added, and the item that
    // left it one last time.
    assert.deepEqual(p.requests.flatMap((r) => r.body.files as string[]), ['https://www.example.com/blog/hello/', 'https://www.example.com/blog/news/', 'https://www.example.com/blog/world/']);
    const human = await site.run(['plan']);
    assert.match(human.stdout, /± posts · changed: 1 item added, 1 removed · purges all 2 URLs × 1 variant = 2 items and 1 removed item/);
    assert.match(human.stdout, /^ {6}https:\/\/www\.example\.com\/blog\/news\/$/m);
    assert.match(human.stdout, /^ {6}- 1 URL × 1 variant = 1 item \(removed: purged\)\n {10}https:\/\/www\.example\.com\/blog\/world\/$/m);
    const markdown = await site.run(['plan', '--markdown']);
    assert.match(markdown.stdout, /\| posts \| www \| changed: 1 item added, 1 removed \|/);
  });

  it('a revision bumped: revised; changed wins when both hold', async () => {
    site.write('data/posts.txt', 'hello\nworld\n');
    site.write('purge.yaml', CONFIG('', 1));
    assert.deepEqual(statuses(await plan()), { posts: 'unchanged', pages: 'revised', feeds: 'unchanged' });
    site.write('purge.yaml', CONFIG('', 1).replace('"https://www.example.com/about/"', '"https://www.example.com/about/", "https://www.example.com/team/"'));
    assert.equal(statuses(await plan()).pages, 'changed');
    site.write('purge.yaml', CONFIG('', 1));
  });

  it('--group forces a group whatever the baseline says; --all ignores the baseline', async () => {
    const forced = await plan('--group', 'feeds');
    assert.deepEqual(statuses(forced), { feeds: 'forced' });
    assert.deepEqual(forced.requests.flatMap((r) => Object.keys(r.body)), ['prefixes', 'tags']);
    const all = await plan('--all');
    assert.equal(all.baseline.kind, 'none');
    assert.deepEqual(statuses(all), { posts: 'new', pages: 'new', feeds: 'new' });
    const unknown = await site.run(['plan', '--group', 'fedes']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /fedes/);
  });

  it('a group removed from purge.yaml is listed as removed and purges nothing; apply forgets it', async () => {
    assert.equal((await apply()).code, 0);
    site.write('purge.yaml', CONFIG('', 1).replace(/  feeds:\n    prefixes: \[www\.example\.com\/feeds\/\]\n    tags: \[feed\]\n/, ''));
    const p = await plan();
    assert.deepEqual(statuses(p), { posts: 'unchanged', pages: 'unchanged', feeds: 'removed' });
    assert.equal(p.groups.find((g) => g.name === 'feeds')?.due, false);
    assert.deepEqual(p.requests, []);
    const human = await site.run(['plan']);
    assert.match(human.stdout, /- feeds · removed from purge\.yaml/);
    assert.match(human.stdout, /No purges planned\./);
    assert.equal((await apply()).code, 0);
    assert.deepEqual(statuses(await plan()), { posts: 'unchanged', pages: 'unchanged' });
  });

  it('--base REF compares with purge.yaml, vars files and watched paths as committed at REF', async () => {
    site.write('purge.yaml', CONFIG());
    site.write('data/posts.txt', 'hello\nworld\n');
    site.write('content/posts/hello.md', '# Hello\n');
    rmSync(join(site.dir, 'content/posts/new.md'));
    site.write('content/other.md', 'not watched\n');
    let p = await plan('--base', first);
    assert.deepEqual(p.baseline, { kind: 'git', ref: first, commit: first });
    assert.deepEqual(statuses(p), { posts: 'unchanged', pages: 'unchanged', feeds: 'unchanged' });

    site.write('data/posts.txt', 'hello\nworld\nthird\n');
    const second = site.commit('a third post');
    p = await plan('--base', first);
    assert.equal(statuses(p).posts, 'changed');
    assert.deepEqual(p.groups.find((g) => g.name === 'posts')?.diff?.added, ['https://www.example.com/blog/third/']);
    assert.equal(statuses(await plan('--base', second)).posts, 'unchanged');
    assert.equal(statuses(await plan('--base', 'HEAD~1')).posts, 'changed');

    site.write('content/posts/hello.md', '# Hello again\n');
    assert.equal(statuses(await plan('--base', 'HEAD')).posts, 'content');
    site.git('checkout', '-q', '--', 'content/posts/hello.md');
    // Reading REF never touches the working tree.
    assert.equal(site.read('data/posts.txt'), 'hello\nworld\nthird\n');
    assert.equal(site.git('status', '--porcelain', '--', 'data', 'purge.yaml', 'content'), '');
  });

  it('--base with a bad ref, or outside a git repository, is a clear error', async () => {
    const bad = await site.run(['plan', '--base', 'no-such-branch']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown git ref "no-such-branch"/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const outside = new Site().write('purge.yaml', CONFIG()).write('data/posts.txt', 'a\n');
    try {
      const result = await outside.run(['plan', '--base', 'main']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /not inside a git repository/);
    } finally {
      outside.remove();
    }
  });

  it('a state from a newer purgeplan is refused with a clear error', async () => {
    const saved = site.read('.purgeplan/state.json');
    site.write('.purgeplan/state.json', JSON.stringify({ format_version: 3, groups: {} }));
    const result = await site.run(['plan']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /newer purgeplan/);
    site.write('.purgeplan/state.json', saved);
  });
});

describe('state is written only for groups whose requests all succeeded', () => {
  it('a group with a failed request stays due; the others are recorded', async () => {
    const standin = await startStandin({
      tokens: [TOKEN],
      zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }],
      fault: (ctx) => ((ctx.body as { tags?: unknown } | undefined)?.tags ? { kind: 'status', status: 400, errors: [{ code: 1020, message: 'Invalid tag' }] } : undefined),
    });
    const site = new Site().write('purge.yaml', CONFIG()).write('data/posts.txt', 'hello\n');
    try {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stdout + result.stderr, /1020/);
      const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: Record<string, unknown> };
      assert.deepEqual(Object.keys(state.groups).sort(), ['pages', 'posts']);
      const again = JSON.parse((await site.run(['plan', '--json'])).stdout) as JsonPlan;
      assert.deepEqual(statuses(again), { posts: 'unchanged', pages: 'unchanged', feeds: 'new' });
    } finally {
      await standin.close();
      site.remove();
    }
  });

  it('nothing is written when every request fails', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }], fault: (ctx) => (ctx.method === 'POST' ? { kind: 'status', status: 403, errors: [{ code: 10000, message: 'Authentication error' }] } : undefined) });
    const site = new Site().write('purge.yaml', CONFIG()).write('data/posts.txt', 'hello\n');
    try {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.equal(existsSync(join(site.dir, '.purgeplan/state.json')), false);
    } finally {
      await standin.close();
      site.remove();
    }
  });
});

describe('the lock', () => {
  it('a second apply on the same state is refused, naming the owner; a dead owner\'s lock is taken over with a note', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    const site = new Site().write('purge.yaml', CONFIG()).write('data/posts.txt', 'hello\n');
    try {
      site.write('.purgeplan/state.json.lock', `${JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), started_at: '2026-11-23T00:00:00.000Z' })}\n`);
      let result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`pid ${process.pid}`));
      assert.equal(standin.log.length, 0, 'nothing was sent');
      site.write('.purgeplan/state.json.lock', `${JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), started_at: '2026-11-23T00:00:00.000Z' })}\n`);
      result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`note: took over the lock .*state\\.json\\.lock, left by pid ${2 ** 22 + 12345} on .* \\(no longer running\\)`));
      assert.ok(standin.accepted.length > 0, 'the apply ran');
      assert.equal(existsSync(join(site.dir, '.purgeplan/state.json.lock')), false, 'and released the lock');
    } finally {
      await standin.close();
      site.remove();
    }
  });
});
