// Items that leave a group are purged one last time (README "Only what changed"): a line deleted
// from a vars file, a renamed slug, a dropped variant value, tag, host or prefix, a group moved to
// another zone. Driven through the built CLI against the Cloudflare stand-in, with the state and
// with --base REF; saved plans, resume, the state written after, and what cannot be known.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { AcceptedPurge, Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';
import { loadWorkingConfig } from '../src/commands/pipeline.js';
import { buildPlan } from '../src/plan/plan.js';
import { groupFingerprints } from '../src/reconcile/record.js';
import { savedDecisions } from '../src/plan/planfile.js';
import type { Plan } from '../src/plan/types.js';
import { renderJson } from '../src/render/json.js';

const OTHER_ID = '9a7806061c88ada191ed06f989cc3dac';
const W = 'https://www.example.com';
const DEVICES = ['desktop', 'mobile', 'tablet'];

interface JsonPlan {
  groups: { name: string; status: string; due: boolean; diff?: { added: string[]; removed: string[]; removed_count: number }; removed_items?: unknown[] }[];
  requests: { zone: string; groups: string[]; body: Record<string, unknown[]> }[];
  summary: Record<string, number>;
  plan_id: string;
}

/** Each accepted file item as `URL` or `URL device` (the items' headers must be exactly cf-device-type). */
function sentFiles(purges: readonly AcceptedPurge[], zoneId = ZONE_ID): string[] {
  return purges.filter((p) => p.zoneId === zoneId).flatMap((p) => (p.body.files ?? []) as (string | { url: string; headers?: Record<string, string> })[]).map((f) => {
    if (typeof f === 'string') return f;
    const names = Object.keys(f.headers ?? {});
    assert.ok(names.every((n) => n === 'cf-device-type'), JSON.stringify(f));
    return f.headers ? `${f.url} ${f.headers['cf-device-type']}` : f.url;
  }).sort();
}
const sent = (purges: readonly AcceptedPurge[], kind: 'tags' | 'hosts' | 'prefixes', zoneId = ZONE_ID) =>
  purges.filter((p) => p.zoneId === zoneId).flatMap((p) => (p.body[kind] ?? []) as string[]).sort();
const each = (url: string, devices = DEVICES) => devices.map((d) => `${url} ${d}`);

function zones(extra = '') {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: pages }
  shop: { id: ${OTHER_ID}, name: shop.example.com, plan: pro }
${extra}cache_keys:
  pages: { device_type: true }
`;
}

const POSTS = (devices = '[desktop, mobile, tablet]') => `${zones()}groups:
  posts:
    zone: www
    urls: ["${W}/blog/{slug}/"]
    vars: { slug: { file: data/posts.txt } }
    variants: { device_type: ${devices} }
    tags: [blog, posts]
    hosts: [img.example.com]
    prefixes: [www.example.com/feeds/posts/, www.example.com/feeds/all/]
  pages:
    zone: www
    urls: ["${W}/about/"]
`;

describe('items that leave a group are purged one last time (state baseline)', () => {
  let standin: Standin;
  let site: Site;
  const env = { CLOUDFLARE_API_TOKEN: TOKEN };
  const plan = async (...args: string[]): Promise<JsonPlan> => {
    const result = await site.run(['plan', '--json', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as JsonPlan;
  };
  const apply = async (...args: string[]) => {
    const from = standin.accepted.length;
    const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args], { env });
    return { result, purges: standin.accepted.slice(from) };
  };

  before(async () => {
    standin = await startStandin({ tokens: [TOKEN], zones: [
      { id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' },
      { id: OTHER_ID, name: 'shop.example.com', plan: 'pro', account_id: 'acc1' },
    ] });
    site = new Site().write('purge.yaml', POSTS()).write('data/posts.txt', 'hello\nworld\nthird\n');
    const first = await apply();
    assert.equal(first.result.code, 0, first.result.stderr);
  });
  after(async () => {
    await standin.close();
    site.remove();
  });

  it('a line deleted from a vars file: the deleted post is sent with every variant\'s headers, counted, shown', async () => {
    site.write('data/posts.txt', 'hello\nthird\n');
    const p = await plan();
    const posts = p.groups.find((g) => g.name === 'posts')!;
    assert.equal(posts.status, 'changed');
    assert.deepEqual(posts.diff?.removed, each(`${W}/blog/world/`).map((k) => k.replace(/ (\w+)$/, ' [cf-device-type=$1]')));
    assert.deepEqual(posts.removed_items, [{ zone: 'www', files: [{ urls: [`${W}/blog/world/`], variants: DEVICES.map((d) => ({ 'cf-device-type': d })) }] }]);
    // The removed items are in the requests, credited to the group, and counted like the others.
    const files = p.requests.filter((r) => r.body.files).flatMap((r) => r.body.files as { url: string }[]);
    assert.equal(files.filter((f) => f.url === `${W}/blog/world/`).length, 3);
    assert.ok(p.requests.every((r) => r.groups.includes('posts')));
    assert.equal(p.summary.files, 2 * 3 + 3);

    const human = await site.run(['plan']);
    assert.match(human.stdout, /^ {2}± posts · changed: 0 items added, 3 removed · purges all 2 URLs × 3 variants \+ 5 more = 11 items and 3 removed items$/m);
    // Factored like the rest, under their own `-` line; --expand lists each.
    assert.match(human.stdout, new RegExp(`^ {6}- 1 URL × 3 variants = 3 items \\(removed: purged\\)\n {10}${W}/blog/world/\n {10}variants: device desktop, mobile, tablet$`, 'm'));
    const expanded = await site.run(['plan', '--expand']);
    for (const device of DEVICES) assert.match(expanded.stdout, new RegExp(`^ {6}- ${W}/blog/world/ {2}\\[cf-device-type=${device}\\] \\(removed: purged\\)$`, 'm'));
    assert.match(human.stdout, /^Plan: \d+ requests? — 9 files, 1 host, 2 prefixes, 2 tags in 1 zone \(3 removed items purged\)\./m);
    assert.match(human.stdout, /an item that left its group is purged one last time/);
    const markdown = await site.run(['plan', '--markdown']);
    assert.match(markdown.stdout, /^- 1 URL × 3 variants = 3 items \(removed: purged\)\n {4}https:\/\/www\.example\.com\/blog\/world\/$/m);
    assert.match(markdown.stdout, /\(3 removed items purged\)/);

    const { result, purges } = await apply();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sentFiles(purges), [...each(`${W}/blog/hello/`), ...each(`${W}/blog/third/`), ...each(`${W}/blog/world/`)].sort());
    // The state records only the current items: nothing is due, nothing sent again.
    const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: Record<string, { items?: { urls?: string[] } }> };
    assert.deepEqual(state.groups.posts.items?.urls, [`${W}/blog/hello/`, `${W}/blog/third/`]);
    const again = await plan();
    assert.deepEqual(again.requests, []);
    assert.equal((await apply()).purges.length, 0);
  });

  it('a dropped variant value: every URL kept is sent with that variant only', async () => {
    site.write('purge.yaml', POSTS('[desktop, tablet]'));
    const p = await plan();
    assert.deepEqual(p.groups.find((g) => g.name === 'posts')!.removed_items, [{ zone: 'www', files: [{ urls: [`${W}/blog/hello/`, `${W}/blog/third/`], variants: [{ 'cf-device-type': 'mobile' }] }] }]);
    const { result, purges } = await apply();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sentFiles(purges), [...each(`${W}/blog/hello/`), ...each(`${W}/blog/third/`)].sort());
    site.write('purge.yaml', POSTS());
    assert.equal((await apply()).result.code, 0);
  });

  it('a dropped tag, host and prefix are purged one last time, each in its own request kind', async () => {
    site.write('purge.yaml', POSTS().replace('tags: [blog, posts]', 'tags: [blog]').replace('    hosts: [img.example.com]\n', '').replace(', www.example.com/feeds/all/', ''));
    const human = await site.run(['plan']);
    assert.match(human.stdout, /^ {6}- tag posts \(removed: purged\)$/m);
    assert.match(human.stdout, /^ {6}- host img\.example\.com \(removed: purged\)$/m);
    assert.match(human.stdout, /^ {6}- prefix www\.example\.com\/feeds\/all\/ \(removed: purged\)$/m);
    const { result, purges } = await apply();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sent(purges, 'tags'), ['blog', 'posts']);
    assert.deepEqual(sent(purges, 'hosts'), ['img.example.com']);
    assert.deepEqual(sent(purges, 'prefixes'), ['www.example.com/feeds/all/', 'www.example.com/feeds/posts/']);
    // The dropped host purges every file of its host: nothing of img.example.com is listed twice.
    assert.deepEqual((await plan()).requests, []);
  });

  it('a removed item another item covers is covered like the rest (a removed URL under a kept prefix is not sent)', async () => {
    site.write('purge.yaml', POSTS().replace('tags: [blog, posts]', 'tags: [blog]').replace('    hosts: [img.example.com]\n', '').replace(', www.example.com/feeds/all/', ', www.example.com/blog/'));
    site.write('data/posts.txt', 'hello\n');
    const p = await plan();
    const files = p.requests.filter((r) => r.body.files);
    assert.deepEqual(files, [], 'every file of the group is under its new prefix www.example.com/blog/');
    const human = await site.run(['plan']);
    assert.match(human.stdout, /^ {6}3 removed items covered by broader items$/m);
    assert.match(human.stdout, /^Covered: 6 items in zone www not sent: already purged by prefix www\.example\.com\/blog\/\.$/m);
    assert.equal((await apply()).result.code, 0);
  });

  it('a saved plan with removed items is applied as saved (rebuilt, the same document)', async () => {
    site.write('purge.yaml', POSTS());
    site.write('data/posts.txt', 'hello\nsecond\n');
    assert.equal((await apply()).result.code, 0);
    site.write('data/posts.txt', 'second\n');
    const saved = await site.run(['plan', '--out', 'release.plan']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /\(3 removed items purged\)/);
    const shown = await site.run(['show', 'release.plan']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^ {6}- 1 URL × 3 variants = 3 items \(removed: purged\)\n {10}https:\/\/www\.example\.com\/blog\/hello\/$/m);
    const expanded = await site.run(['show', 'release.plan', '--expand']);
    assert.match(expanded.stdout, /^ {6}- https:\/\/www\.example\.com\/blog\/hello\/ {2}\[cf-device-type=tablet\] \(removed: purged\)$/m);
    const from = standin.accepted.length;
    const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.deepEqual(sentFiles(standin.accepted.slice(from)), [...each(`${W}/blog/hello/`), ...each(`${W}/blog/second/`)].sort());
  });

  it('a saved plan whose removed items were forged (consistent requests and plan_id) is refused, nothing sent', async () => {
    site.write('data/posts.txt', 'second\nthird\n');
    assert.equal((await apply()).result.code, 0);
    site.write('data/posts.txt', 'third\n');
    assert.equal((await site.run(['plan', '--out', 'edited.plan'])).code, 0);
    // A forger with purgeplan's own code: other removed items, and the requests and plan_id they give.
    const saved = JSON.parse(site.read('edited.plan')) as Plan;
    const loaded = loadWorkingConfig('purge.yaml', site.dir, 1_000_000);
    const forged = buildPlan({
      config: loaded.config!, configPath: saved.config.path, expansions: loaded.expansions!, baseline: saved.baseline, state: saved.state, watchDigests: new Map(),
      fingerprints: groupFingerprints(loaded.config!.zones, loaded.expansions!),
      decisions: savedDecisions(saved).map((d) => (d.name === 'posts' ? { ...d, removed_items: [{ zone: 'www', files: [{ urls: [`${W}/checkout/`], variants: [{ 'cf-device-type': 'desktop' }] }] }] } : d)),
    });
    site.write('edited.plan', renderJson(forged));
    const from = standin.accepted.length;
    const applied = await site.run(['apply', 'edited.plan', '--api-url', standin.url], { env });
    assert.equal(applied.code, 1);
    assert.match(applied.stderr, /refusing the plan edited\.plan: groups\[0\]\.removed_items\S* is not what the configuration gives; nothing was sent/);
    assert.equal(standin.accepted.length, from);
    // The plan as written is applied.
    assert.equal((await site.run(['plan', '--out', 'edited.plan'])).code, 0);
    assert.equal((await site.run(['apply', 'edited.plan', '--api-url', standin.url], { env })).code, 0);
  });
});

describe('removed items: resume, zones, --base, and what cannot be known', () => {
  for (const saved of [false, true]) {
    it(`an interrupted apply${saved ? ' of a saved plan' : ''} resumes the same plan, removed items included`, async () => {
      let failTags = true;
      const standin = await startStandin({
        tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }],
        fault: (ctx) => (failTags && (ctx.body as { tags?: unknown } | undefined)?.tags ? { kind: 'status', status: 400, errors: [{ code: 1020, message: 'Invalid tag' }] } : undefined),
      });
      const site = new Site().write('purge.yaml', `${zones()}groups:
  posts:
    zone: www
    urls: ["${W}/blog/{slug}/"]
    vars: { slug: { file: data/posts.txt } }
  feeds:
    zone: www
    tags: [feeds]
`).write('data/posts.txt', 'hello\nworld\n');
      try {
        const env = { CLOUDFLARE_API_TOKEN: TOKEN };
        const first = () => site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
        const run = () => site.run(saved ? ['apply', 'release.plan', '--api-url', standin.url] : ['apply', '--auto-approve', '--api-url', standin.url], { env });
        failTags = false;
        assert.equal((await first()).code, 0);
        failTags = true;
        site.write('data/posts.txt', 'hello\n');
        site.write('purge.yaml', site.read('purge.yaml').replace('tags: [feeds]', 'tags: [feeds, news]'));
        if (saved) assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
        const from = standin.accepted.length;
        const failed = await run();
        assert.equal(failed.code, 1);
        assert.deepEqual(sentFiles(standin.accepted.slice(from)), [...each(`${W}/blog/hello/`), ...each(`${W}/blog/world/`)].sort());
        // posts was recorded (its requests succeeded): the state no longer says what it lost, the
        // journal does, and only the failed request is sent again.
        failTags = false;
        const afterFailure = standin.accepted.length;
        const resumed = await run();
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.match(resumed.stdout, saved ? /already applied by an earlier run of this plan: skipped/ : /Resuming the interrupted apply of plan/);
        assert.deepEqual(standin.accepted.slice(afterFailure).map((a) => a.body), [{ tags: ['feeds', 'news'] }]);
      } finally {
        await standin.close();
        site.remove();
      }
    });
  }

  it('a group moved to another zone: its old items are purged in the old zone', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [
      { id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' },
      { id: OTHER_ID, name: 'shop.example.com', plan: 'pro', account_id: 'acc1' },
    ] });
    const config = (zone: string, host: string) => `${zones()}groups:
  cart:
    zone: ${zone}
    urls: ["https://${host}/cart/"]
    tags: [cart]
`;
    const site = new Site().write('purge.yaml', config('www', 'www.example.com'));
    try {
      const env = { CLOUDFLARE_API_TOKEN: TOKEN };
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      site.write('purge.yaml', config('shop', 'shop.example.com'));
      const human = await site.run(['plan']);
      assert.match(human.stdout, /^ {6}- 1 URL × 3 variants = 3 items \(removed: purged in zone www\)\n {10}https:\/\/www\.example\.com\/cart\/$/m);
      assert.match(human.stdout, /^ {6}- tag cart \(removed: purged in zone www\)$/m);
      const from = standin.accepted.length;
      const applied = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      const purges = standin.accepted.slice(from);
      assert.deepEqual(sentFiles(purges, ZONE_ID), each('https://www.example.com/cart/'));
      assert.deepEqual(sent(purges, 'tags', ZONE_ID), ['cart']);
      assert.deepEqual(sentFiles(purges, OTHER_ID), ['https://shop.example.com/cart/']);
      assert.deepEqual(sent(purges, 'tags', OTHER_ID), ['cart']);
    } finally {
      await standin.close();
      site.remove();
    }
  });

  for (const [label, key, home] of [
    ['zones that vary URLs alike', '', ['https://www.example.com/']],
    ['zones that vary URLs differently (www by device type)', ', cache_key: pages', each('https://www.example.com/')],
  ] as const) {
    it(`a routed group (no zone), ${label}: a URL it lost is purged in the zone its host routes to`, async () => {
      const standin = await startStandin({ tokens: [TOKEN], zones: [
        { id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' },
        { id: OTHER_ID, name: 'shop.example.com', plan: 'pro', account_id: 'acc1' },
      ] });
      const config = (pages: string) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro${key} }
  shop: { id: ${OTHER_ID}, name: shop.example.com, plan: pro }
cache_keys:
  pages: { device_type: true }
groups:
  release:
    urls: ["https://shop.example.com/{${pages}}/", "https://www.example.com/"]
    prefixes: ["shop.example.com/{${pages}}-feed/"]
`;
      const site = new Site().write('purge.yaml', config('a,b'));
      try {
        const env = { CLOUDFLARE_API_TOKEN: TOKEN };
        assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
        site.write('purge.yaml', config('a,c'));
        const planned = await site.run(['plan']);
        assert.equal(planned.stderr, '');
        // Listed under the zone it is purged in.
        assert.match(planned.stdout, /^zone shop [^\n]*\n(?: {2,}[^\n]*\n)*? {6}- 1 URL × 1 variant = 1 item \(removed: purged\)\n {10}https:\/\/shop\.example\.com\/b\/$/m);
        const from = standin.accepted.length;
        const applied = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
        assert.equal(applied.code, 0, applied.stderr);
        const purges = standin.accepted.slice(from);
        assert.deepEqual(sentFiles(purges, OTHER_ID), ['https://shop.example.com/a/', 'https://shop.example.com/b/', 'https://shop.example.com/c/']);
        assert.deepEqual(sent(purges, 'prefixes', OTHER_ID), ['shop.example.com/a-feed/', 'shop.example.com/b-feed/', 'shop.example.com/c-feed/']);
        assert.deepEqual(sentFiles(purges, ZONE_ID), [...home]);
      } finally {
        await standin.close();
        site.remove();
      }
    });
  }

  it('--base REF: a renamed slug purges the old one, whatever the state says', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    const site = new Site().initGit().write('purge.yaml', POSTS()).write('data/posts.txt', 'hello\nold-slug\n');
    try {
      const base = site.commit('first');
      site.write('data/posts.txt', 'hello\nnew-slug\n');
      site.commit('rename');
      const p = JSON.parse((await site.run(['plan', '--json', '--base', base])).stdout) as JsonPlan;
      assert.deepEqual(p.groups.find((g) => g.name === 'posts')!.removed_items, [{ zone: 'www', files: [{ urls: [`${W}/blog/old-slug/`], variants: DEVICES.map((d) => ({ 'cf-device-type': d })) }] }]);
      const applied = await site.run(['apply', '--auto-approve', '--base', base, '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(applied.code, 0, applied.stderr);
      assert.deepEqual(sentFiles(standin.accepted), [...each(`${W}/blog/hello/`), ...each(`${W}/blog/new-slug/`), ...each(`${W}/blog/old-slug/`)].sort());
    } finally {
      await standin.close();
      site.remove();
    }
  });

  it('--group forces a group that lost items: they are purged too; --all ignores the baseline, so it knows of none', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    const site = new Site().write('purge.yaml', POSTS()).write('data/posts.txt', 'hello\nworld\n');
    try {
      const env = { CLOUDFLARE_API_TOKEN: TOKEN };
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      site.write('data/posts.txt', 'hello\n');
      const forced = JSON.parse((await site.run(['plan', '--json', '--group', 'posts'])).stdout) as JsonPlan;
      assert.deepEqual(forced.groups.map((g) => [g.name, g.status]), [['posts', 'forced']]);
      assert.deepEqual(forced.groups[0].removed_items, [{ zone: 'www', files: [{ urls: [`${W}/blog/world/`], variants: DEVICES.map((d) => ({ 'cf-device-type': d })) }] }]);
      const human = await site.run(['plan', '--group', 'posts']);
      assert.match(human.stdout, /^ {2}\+ posts · forced by --group · 1 URL × 3 variants \+ 5 more = 8 items and 3 removed items$/m);
      assert.match(human.stdout, /^ {6}- 1 URL × 3 variants = 3 items \(removed: purged\)\n {10}https:\/\/www\.example\.com\/blog\/world\/$/m);
      const all = JSON.parse((await site.run(['plan', '--json', '--all'])).stdout) as JsonPlan;
      assert.ok(all.groups.every((g) => g.removed_items === undefined));
      const from = standin.accepted.length;
      assert.equal((await site.run(['apply', '--auto-approve', '--group', 'posts', '--api-url', standin.url], { env })).code, 0);
      assert.ok(sentFiles(standin.accepted.slice(from)).includes(`${W}/blog/world/ mobile`));
    } finally {
      await standin.close();
      site.remove();
    }
  });

  it('a group moved out of a zone purge.yaml no longer declares: a warning names the zone, nothing is sent there', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [
      { id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' },
      { id: OTHER_ID, name: 'shop.example.com', plan: 'pro', account_id: 'acc1' },
    ] });
    const site = new Site().write('purge.yaml', `${zones()}groups:
  cart:
    zone: shop
    urls: ["https://shop.example.com/cart/", "https://shop.example.com/cart/items/"]
`);
    try {
      const env = { CLOUDFLARE_API_TOKEN: TOKEN };
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      site.write('purge.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  cart:
    zone: www
    urls: ["https://www.example.com/cart/"]
`);
      const planned = await site.run(['plan', '--json']);
      assert.equal(planned.code, 0);
      assert.match(planned.stderr, /^purge\.yaml:5:3: warning: groups\.cart: 2 items that left this group were cached in zone "shop", which purge\.yaml no longer declares, so they are not purged$/m);
      assert.equal((JSON.parse(planned.stdout) as JsonPlan).groups[0].removed_items, undefined);
      const from = standin.accepted.length;
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      assert.deepEqual(standin.accepted.slice(from).map((a) => [a.zoneId, a.body]), [[ZONE_ID, { files: ['https://www.example.com/cart/'] }]]);
    } finally {
      await standin.close();
      site.remove();
    }
  });

  it('a group the state kept no item list for (over 10,000 items): a clear warning, not a silent skip', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'enterprise', account_id: 'acc1' }] });
    const config = (last: number) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }
groups:
  pages:
    urls: ["${W}/page/{1..${last}}/"]
`;
    const site = new Site().write('purge.yaml', config(10_001));
    try {
      const env = { CLOUDFLARE_API_TOKEN: TOKEN };
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      site.write('purge.yaml', config(10_000));
      const planned = await site.run(['plan']);
      assert.equal(planned.code, 0);
      assert.match(planned.stderr, /^purge\.yaml:5:3: warning: groups\.pages: items that left this group since the baseline cannot be known \(the state keeps item lists only up to 10,000 items and this group had 10,001\), so they are not purged$/m);
      assert.match(planned.stderr, /--base REF/);
    } finally {
      await standin.close();
      site.remove();
    }
  });
});
