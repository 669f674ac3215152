// `action: purge | invalidate` (docs/purge-yaml.md) through the built CLI: defaults, request order, purge
// wins over invalidation, coverage across actions, the human and markdown plans, apply against
// the stand-in (which endpoint got which bodies, one rate budget for both), reconciliation and
// saved plans.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import type { Standin, StandinOptions } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const env = { CLOUDFLARE_API_TOKEN: TOKEN };
const OTHER_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';

interface PlanRequest { zone: string; action: string; groups: string[]; kind: string; body: Record<string, unknown> }
interface PlanDocument {
  groups: { name: string; status: string; action?: string }[];
  requests: PlanRequest[];
  summary: Record<string, number>;
  coverage: { zone: string; kind: string; value: string; covered: number; action?: string }[];
}

async function withSite(yaml: string, body: (site: Site) => Promise<void>): Promise<void> {
  const site = new Site().write('purge.yaml', yaml);
  try {
    await body(site);
  } finally {
    site.remove();
  }
}

async function withStandin(yaml: string, options: StandinOptions, body: (site: Site, standin: Standin) => Promise<void>): Promise<void> {
  const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }], ...options });
  try {
    await withSite(yaml, (site) => body(site, standin));
  } finally {
    await standin.close();
  }
}

async function planJson(site: Site, args: readonly string[] = []): Promise<PlanDocument> {
  const result = await site.run(['plan', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as PlanDocument;
}

const shape = (plan: PlanDocument) => plan.requests.map((r) => [r.zone, r.action, r.kind, r.groups.join('+'), JSON.stringify(Object.values(r.body)[0])]);

describe('action defaults (zone -> group)', () => {
  const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, action: invalidate }
  cdn: { id: ${OTHER_ZONE_ID}, name: example-cdn.net }
groups:
  posts: { zone: www, urls: ["https://www.example.com/a"] }
  legal: { zone: www, action: purge, urls: ["https://www.example.com/b"] }
  assets: { zone: cdn, hosts: [static.example-cdn.net] }
  styles: { zone: cdn, action: invalidate, prefixes: [static.example-cdn.net/css/] }
`;

  it("a group takes its own action, else its zone's, else purge", async () => {
    await withSite(yaml, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(plan.groups.map((g) => [g.name, g.action]), [['posts', 'invalidate'], ['legal', 'purge'], ['assets', 'purge'], ['styles', 'invalidate']]);
      assert.deepEqual(shape(plan), [
        ['www', 'purge', 'files', 'legal', '["https://www.example.com/b"]'],
        ['www', 'invalidate', 'files', 'posts', '["https://www.example.com/a"]'],
        ['cdn', 'purge', 'hosts', 'assets+styles', '["static.example-cdn.net"]'],
      ]);
    });
  });

  it('every request of a file without action is a purge', async () => {
    await withSite(yaml.replace(', action: invalidate }', ' }').replace('action: invalidate, ', ''), async (site) => {
      const plan = await planJson(site);
      assert.ok(plan.requests.length > 0);
      assert.ok(plan.requests.every((r) => r.action === 'purge'));
      assert.ok(plan.groups.every((g) => g.action === 'purge'));
    });
  });

  it('an unknown action is a positioned error naming the choices', async () => {
    await withSite(yaml.replace('action: purge', 'action: delete'), async (site) => {
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^purge\.yaml:7:31: error: groups\.legal\.action: "delete" is not one of purge, invalidate/m);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  });
});

describe('routed groups (docs/purge-yaml.md) take each zone\'s action', () => {
  it('a routed group without action invalidates in an invalidating zone and purges in the other; plans show each', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, action: invalidate }
  cdn: { id: ${OTHER_ZONE_ID}, name: example-cdn.net }
groups:
  assets: { urls: ["https://www.example.com/app.js", "https://img.example-cdn.net/logo.png"] }
  legal: { action: purge, urls: ["https://www.example.com/terms"] }
`;
    await withSite(yaml, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [
        ['www', 'purge', 'files', 'legal', '["https://www.example.com/terms"]'],
        ['www', 'invalidate', 'files', 'assets', '["https://www.example.com/app.js"]'],
        ['cdn', 'purge', 'files', 'assets', '["https://img.example-cdn.net/logo.png"]'],
      ]);
      const human = (await site.run(['plan'])).stdout;
      assert.match(human, /^zone www .*\n {2}~ assets · new · invalidate · 2 items · routed by host: 1 URL × 1 variant = 1 item of 2 here\n {6}https:\/\/www\.example\.com\/app\.js$/m);
      assert.match(human, /^zone cdn .*\n {2}\+ assets · new · 2 items · routed by host: 1 URL × 1 variant = 1 item of 2 here\n {6}https:\/\/img\.example-cdn\.net\/logo\.png$/m);
      const markdown = (await site.run(['plan', '--markdown'])).stdout;
      assert.match(markdown, /```diff\n~ zone www: 1 URL × 1 variant = 1 item\n {2}https:\/\/www\.example\.com\/app\.js\n {2}variants: [^\n]*\n\+ zone cdn: 1 URL × 1 variant = 1 item\n {2}https:\/\/img\.example-cdn\.net\/logo\.png\n/);
    });
  });
});

describe('request order: zone, then action (purge first), then kind, then items', () => {
  it('orders mixed actions and kinds', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
  cdn: { id: ${OTHER_ZONE_ID}, name: example-cdn.net, action: invalidate }
groups:
  a: { zone: www, action: invalidate, urls: ["https://www.example.com/z"], tags: [t1], hosts: [x.example.com] }
  b: { zone: www, urls: ["https://www.example.com/y"], tags: [t2] }
  c: { zone: cdn, tags: [t3], prefixes: [s.example-cdn.net/p/] }
  d: { zone: cdn, action: purge, urls: ["https://s.example-cdn.net/q"] }
`;
    await withSite(yaml, async (site) => {
      assert.deepEqual(shape(await planJson(site)), [
        ['www', 'purge', 'tags', 'b', '["t2"]'],
        ['www', 'purge', 'files', 'b', '["https://www.example.com/y"]'],
        ['www', 'invalidate', 'hosts', 'a', '["x.example.com"]'],
        ['www', 'invalidate', 'tags', 'a', '["t1"]'],
        ['www', 'invalidate', 'files', 'a', '["https://www.example.com/z"]'],
        ['cdn', 'purge', 'files', 'd', '["https://s.example-cdn.net/q"]'],
        ['cdn', 'invalidate', 'prefixes', 'c', '["s.example-cdn.net/p/"]'],
        ['cdn', 'invalidate', 'tags', 'c', '["t3"]'],
      ]);
    });
  });
});

describe('dedupe and coverage across actions', () => {
  it('an item planned for both is only purged, counted in summary.covered, and the purge credits both groups', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  soft: { action: invalidate, urls: ["https://www.example.com/{a,b}"], tags: [news, old] }
  hard: { urls: ["https://www.example.com/a"], tags: [news] }
`;
    await withSite(yaml, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [
        ['www', 'purge', 'tags', 'soft+hard', '["news"]'],
        ['www', 'purge', 'files', 'soft+hard', '["https://www.example.com/a"]'],
        ['www', 'invalidate', 'tags', 'soft', '["old"]'],
        ['www', 'invalidate', 'files', 'soft', '["https://www.example.com/b"]'],
      ]);
      assert.equal(plan.summary.covered, 2);
      assert.equal(plan.summary.duplicates, 0);
      assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'same', value: '', covered: 2 }]);
      assert.equal(plan.summary.files, 2);
      assert.equal(plan.summary.tags, 2);
    });
  });

  it('a purge of a host, a prefix or everything covers the invalidations under it', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, allow_purge_everything: true }
groups:
  soft:
    action: invalidate
    urls: ["https://img.example.com/1.png", "https://www.example.com/blog/post", "https://www.example.com/about"]
    prefixes: [img.example.com/x/, www.example.com/blog/2024/]
    hosts: [img.example.com]
  hard: { hosts: [img.example.com], prefixes: [www.example.com/blog/] }
`;
    await withSite(yaml, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [
        ['www', 'purge', 'hosts', 'soft+hard', '["img.example.com"]'],
        ['www', 'purge', 'prefixes', 'soft+hard', '["www.example.com/blog/"]'],
        ['www', 'invalidate', 'files', 'soft', '["https://www.example.com/about"]'],
      ]);
      // img host: itself, its prefix and its file; blog prefix: the 2024 prefix and the post.
      assert.deepEqual(plan.coverage, [
        { zone: 'www', kind: 'host', value: 'img.example.com', covered: 3 },
        { zone: 'www', kind: 'prefix', value: 'www.example.com/blog/', covered: 2 },
      ]);
      assert.equal(plan.summary.covered, 5);
    });
    await withSite(yaml.replace('hard: { hosts: [img.example.com], prefixes: [www.example.com/blog/] }', 'hard: { everything: true }'), async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [['www', 'purge', 'purge_everything', 'soft+hard', 'true']]);
      assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'everything', value: 'everything', covered: 6 }]);
    });
  });

  it('an invalidation covers only invalidations, never a purge', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  soft: { action: invalidate, hosts: [www.example.com], prefixes: [img.example.com/] }
  other: { action: invalidate, urls: ["https://www.example.com/x"] }
  hard: { urls: ["https://www.example.com/a"], prefixes: [img.example.com/big/] }
`;
    await withSite(yaml, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [
        ['www', 'purge', 'prefixes', 'hard', '["img.example.com/big/"]'],
        ['www', 'purge', 'files', 'hard', '["https://www.example.com/a"]'],
        ['www', 'invalidate', 'hosts', 'soft+other', '["www.example.com"]'],
        ['www', 'invalidate', 'prefixes', 'soft', '["img.example.com/"]'],
      ]);
      assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'host', value: 'www.example.com', covered: 1, action: 'invalidate' }]);
    });
  });
});

describe('the human and markdown plans', () => {
  const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  pages: { urls: ["https://www.example.com/p/{1..90}"] }
  feeds: { action: invalidate, prefixes: [www.example.com/feeds/] }
`;

  it('marks invalidations with ~ and names each action in the closing line', async () => {
    await withSite(yaml, async (site) => {
      const result = await site.run(['plan']);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.split('\n');
      assert.match(lines[0], /^purgeplan will send 4 requests \(3 purge, 1 invalidate\) for 2 groups\. Symbols: \+ purge, ~ invalidate \(marked stale, not deleted\)\.$/);
      assert.ok(lines.includes('  + pages · new · 90 URLs × 1 variant = 90 items'));
      assert.ok(lines.includes('      https://www.example.com/p/1'));
      assert.ok(lines.includes('  ~ feeds · new · invalidate · 1 item'));
      assert.ok(lines.includes('      ~ prefix www.example.com/feeds/'));
      assert.match(result.stdout, /^Plan: 4 requests — 90 files purged, 1 prefix invalidated in 1 zone\. Estimated .*$/m);
    });
  });

  it('a plan of purges only keeps the closing line of (docs/commands.md)', async () => {
    await withSite(yaml.replace('action: invalidate, ', ''), async (site) => {
      const result = await site.run(['plan']);
      assert.match(result.stdout, /^Plan: 4 requests — 90 files, 1 prefix in 1 zone\. Estimated .*$/m);
      assert.match(result.stdout, /^purgeplan will send 4 purge requests for 2 groups\. Symbols: \+ purge\.$/m);
      assert.doesNotMatch(result.stdout, /~|invalidat/);
    });
  });

  it('markdown: the closing line, the status and ~ items of an invalidating group', async () => {
    await withSite(yaml, async (site) => {
      const result = await site.run(['plan', '--markdown']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^\*\*Plan: 4 requests — 90 files purged, 1 prefix invalidated in 1 zone\. Estimated .*\*\*$/m);
      assert.match(result.stdout, /^\| feeds \| www \| new, invalidate \| 1 \| ✅ \|$/m);
      assert.match(result.stdout, /<summary><b>feeds<\/b> — new, invalidate, 1 item<\/summary>\n\n```diff\n~ prefix www\.example\.com\/feeds\/\n```/);
      assert.match(result.stdout, /```diff\n {2}https:\/\/www\.example\.com\/p\/1\n/);
    });
  });

  it('invalidating everything says so: marked stale, not removed', async () => {
    const everything = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, allow_purge_everything: true }
groups:
  all: { action: invalidate, everything: true }
  page: { action: invalidate, urls: ["https://www.example.com/a"] }
`;
    await withSite(everything, async (site) => {
      const plan = await planJson(site);
      assert.deepEqual(shape(plan), [['www', 'invalidate', 'purge_everything', 'all+page', 'true']]);
      const human = (await site.run(['plan'])).stdout;
      assert.match(human, /^ {2}! invalidate EVERYTHING: every cached file of zone www will be marked stale$/m);
      assert.doesNotMatch(human, /purge EVERYTHING/);
      assert.match(human, /^Plan: 1 request — 1 invalidate everything in 1 zone\./m);
      const markdown = (await site.run(['plan', '--markdown'])).stdout;
      assert.match(markdown, /^> \*\*Invalidate everything\*\* in zone `www`: every cached file of the zone will be marked stale\.$/m);
    });
  });

  it('coverage notes say what absorbed an invalidation', async () => {
    await withSite(`${yaml}  more: { action: invalidate, urls: ["https://www.example.com/feeds/rss", "https://www.example.com/p/1"] }\n`, async (site) => {
      const human = await site.run(['plan']);
      assert.match(human.stdout, /^Covered: 1 item in zone www not sent: already invalidated by prefix www\.example\.com\/feeds\/\.$/m);
      assert.match(human.stdout, /^Covered: 1 invalidation in zone www not sent: purged too \(an item planned for both is only purged\)\.$/m);
      const markdown = await site.run(['plan', '--markdown']);
      assert.match(markdown.stdout, /^- 1 item in zone `www` not sent: already invalidated by prefix `www\.example\.com\/feeds\/`$/m);
    });
  });
});

describe('apply: two endpoints, one rate budget', () => {
  const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  legal: { urls: ["https://www.example.com/removed"], tags: [legal] }
  deploy: { action: invalidate, urls: ["https://www.example.com/{a,b}"], tags: [pages], prefixes: [www.example.com/docs/] }
`;

  it('purges go to purge_cache and invalidations to invalidate_cache, each request reported with its action', async () => {
    await withStandin(yaml, {}, async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--concurrency', '1'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(standin.accepted.map((a) => [a.endpoint, a.body]), [
        ['purge_cache', { tags: ['legal'] }],
        ['purge_cache', { files: ['https://www.example.com/removed'] }],
        ['invalidate_cache', { prefixes: ['www.example.com/docs/'] }],
        ['invalidate_cache', { tags: ['pages'] }],
        ['invalidate_cache', { files: ['https://www.example.com/a', 'https://www.example.com/b'] }],
      ]);
      assert.ok(standin.log.some((l) => l.path === `/client/v4/zones/${ZONE_ID}/invalidate_cache`));
      assert.match(result.stdout, /^✓ \[1\/5\] www purge tags 1 item {2}id=/m);
      assert.match(result.stdout, /^✓ \[3\/5\] www invalidate prefixes 1 item {2}id=/m);
      // The closing summary counts per zone and action (docs/commands.md "apply UX"), the ids being in the journal.
      assert.match(result.stdout, /^ {2}www: 2 purge requests, 1 tag, 1 file\n {2}www: 3 invalidate requests, 1 prefix, 1 tag, 2 files$/m);
    });
  });

  it('--json events carry the action', async () => {
    await withStandin(yaml, {}, async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--json', '--api-url', standin.url, '--concurrency', '1'], { env });
      assert.equal(result.code, 0, result.stderr);
      const done = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.type === 'request_done');
      assert.deepEqual(done.map((e) => e.action), ['purge', 'purge', 'invalidate', 'invalidate', 'invalidate']);
    });
  });

  it('purges and invalidations are paced from one bucket: no more than its 25 tokens go at once', async () => {
    // 15 tag purges and 15 tag invalidations, one tag a request: 30 requests against Pro's bucket of
    // 25 tokens refilled at 5 a second. Paced from two buckets, all 30 would go at once.
    const tags = (prefix: string) => `[${Array.from({ length: 15 }, (_, i) => `${prefix}${i}`).join(', ')}]`;
    const many = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, limits: { items_per_request: 1 } }
groups:
  hard: { tags: ${tags('p')} }
  soft: { action: invalidate, tags: ${tags('i')} }
`;
    // The stand-in's bucket (one for both endpoints, as Cloudflare's) holds Pro's 25 tokens but
    // refills twice as fast as purgeplan assumes, so that only a plan sending more than 25 at once
    // can run into it, not a request sent just as purgeplan's own bucket refills.
    await withStandin(many, { limits: { pro: { requestsPerSecond: 10 } } }, async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--concurrency', '8'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.accepted.filter((a) => a.endpoint === 'purge_cache').length, 15);
      assert.equal(standin.accepted.filter((a) => a.endpoint === 'invalidate_cache').length, 15);
      assert.equal(standin.rateLimited, 0, 'no request ran into the shared bucket');
    });
  });

  it('the stand-in validates invalidate_cache bodies as purge_cache ones', async () => {
    await withStandin(yaml, {}, async (_site, standin) => {
      for (const endpoint of ['purge_cache', 'invalidate_cache']) {
        const answer = await fetch(`${standin.url}/zones/${ZONE_ID}/${endpoint}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['a'], hosts: ['b'] }) });
        assert.equal(answer.status, 400, endpoint);
        const tooMany = await fetch(`${standin.url}/zones/${ZONE_ID}/${endpoint}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }) });
        assert.equal(tooMany.status, 400, endpoint);
      }
      assert.equal(standin.accepted.length, 0);
    });
  });
});

describe('reconciliation and saved plans', () => {
  const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  pages: { urls: ["https://www.example.com/p/{1..3}"] }
  feeds: { prefixes: [www.example.com/feeds/] }
`;

  it("changing a group's action makes it changed; switching back does too", async () => {
    await withStandin(yaml, {}, async (site, standin) => {
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      assert.deepEqual((await planJson(site)).groups.map((g) => g.status), ['unchanged', 'unchanged']);
      site.write('purge.yaml', yaml.replace('feeds: {', 'feeds: { action: invalidate,'));
      const changed = await planJson(site);
      assert.deepEqual(changed.groups.map((g) => [g.name, g.status]), [['pages', 'unchanged'], ['feeds', 'changed']]);
      assert.deepEqual(shape(changed), [['www', 'invalidate', 'prefixes', 'feeds', '["www.example.com/feeds/"]']]);
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      assert.equal(standin.accepted.at(-1)?.endpoint, 'invalidate_cache');
      site.write('purge.yaml', yaml);
      assert.deepEqual((await planJson(site)).groups.map((g) => g.status), ['unchanged', 'changed']);
    });
  });

  it('a group whose invalidations were all covered by a purge is recorded as applied', async () => {
    const covered = `${yaml}  soft: { action: invalidate, urls: ["https://www.example.com/feeds/rss", "https://www.example.com/p/1"] }\n`;
    await withStandin(covered, {}, async (site, standin) => {
      const plan = await planJson(site);
      assert.ok(plan.requests.every((r) => r.action === 'purge'), 'nothing left to invalidate');
      assert.ok(plan.requests.some((r) => r.groups.includes('soft')), 'the purges credit the covered group');
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      assert.deepEqual((await planJson(site)).groups.map((g) => [g.name, g.status]), [['pages', 'unchanged'], ['feeds', 'unchanged'], ['soft', 'unchanged']]);
    });
  });

  it('apply PLANFILE refuses a plan whose action was edited by hand, sending nothing', async () => {
    await withStandin(yaml, {}, async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'saved.plan'])).code, 0);
      const plan = JSON.parse(site.read('saved.plan')) as { requests: { action: string }[] };
      plan.requests[0].action = 'invalidate';
      site.write('edited.plan', JSON.stringify(plan));
      const result = await site.run(['apply', 'edited.plan', '--api-url', standin.url], { env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /refusing the plan edited\.plan: requests\[0\] \(zone www, purge prefixes\) is not what the configuration gives; nothing was sent/);
      assert.equal(standin.log.length, 0);
      const unknown = JSON.parse(site.read('saved.plan')) as { requests: { action: string }[] };
      unknown.requests[0].action = 'delete';
      site.write('damaged.plan', JSON.stringify(unknown));
      const damaged = await site.run(['apply', 'damaged.plan', '--api-url', standin.url], { env });
      assert.equal(damaged.code, 1);
      assert.match(damaged.stderr, /damaged\.plan is not a complete purgeplan plan file: requests\[0\]\.action/);
      assert.doesNotMatch(damaged.stderr, /internal error|\n\s+at /);
      assert.equal(standin.log.length, 0);
    });
  });
});

describe('explain, init and the blog example', () => {
  it('explain names the action of every item that reaches the entry', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  soft: { action: invalidate, prefixes: [www.example.com/docs/] }
  hard: { urls: ["https://www.example.com/docs/a"] }
`;
    await withSite(yaml, async (site) => {
      const human = await site.run(['explain', 'https://www.example.com/docs/a']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /^ {2}~ soft +prefix www\.example\.com\/docs\/ {2}\(invalidated\)$/m);
      assert.match(human.stdout, /^ {2}\+ hard +https:\/\/www\.example\.com\/docs\/a$/m);
      const json = await site.run(['explain', 'https://www.example.com/docs/a', '--json']);
      const explained = JSON.parse(json.stdout) as { purged_by: { group: string; action: string }[] };
      assert.deepEqual(explained.purged_by.map((p) => [p.group, p.action]).sort(), [['hard', 'purge'], ['soft', 'invalidate']]);
    });
  });

  it('the init starter mentions action', async () => {
    await withSite('', async (site) => {
      assert.equal((await site.run(['init', '-c', 'new.yaml'])).code, 0);
      assert.match(site.read('new.yaml'), /^ {4}action: purge +# purge deletes cached copies; invalidate marks them stale/m);
      assert.equal((await site.run(['validate', '--strict', '-c', 'new.yaml'])).code, 0);
    });
  });

  it('examples/blog invalidates its index and tag pages and purges its posts', async () => {
    const example = new URL('../../examples/blog/', import.meta.url);
    const site = new Site()
      .write('purge.yaml', readFileSync(new URL('purge.yaml', example), 'utf8'))
      .write('posts.txt', readFileSync(new URL('posts.txt', example), 'utf8'))
      .write('tags.txt', readFileSync(new URL('tags.txt', example), 'utf8'));
    try {
      const plan = await planJson(site, ['--all']);
      assert.deepEqual(plan.groups.map((g) => [g.name, g.action]), [['home', 'invalidate'], ['posts', 'purge'], ['tags', 'invalidate'], ['feeds', 'purge']]);
      assert.ok(plan.requests.some((r) => r.action === 'invalidate') && plan.requests.some((r) => r.action === 'purge'));
    } finally {
      site.remove();
    }
  });
});

describe('apply --verify on invalidations (docs/commands.md#verify-at-the-edge with docs/purge-yaml.md)', () => {
  it('an invalidated entry is revalidated at the edge, not deleted: reported as invalidated', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, action: invalidate }
groups:
  pages: { urls: ["http://www.example.com/p/{1..3}"] }
`;
    await withStandin(yaml, {}, async (site, standin) => {
      const edge = await startEdge({ standin });
      try {
        const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--verify', '3', '--verify-settle', '0', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`], { env });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(standin.accepted.map((a) => a.endpoint), ['invalidate_cache']);
        assert.match(result.stdout, /^ {2}invalidated {2}http:\/\/www\.example\.com\/p\/1 {2}MISS, HIT → REVALIDATED$/m);
        assert.doesNotMatch(result.stdout, /NOT PURGED/);
        // The closing count says invalidated too, not "3 purged" under lines that say invalidated.
        assert.match(result.stdout, /^Verify: 0 purged, 3 invalidated, 0 not purged, 0 inconclusive\.$/m);
      } finally {
        await edge.close();
      }
    });
  });
});
