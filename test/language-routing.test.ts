// docs/purge-yaml.md: a group without `zone` in a file with several zones is routed by host. Each URL,
// host and prefix goes to the zone whose `name` is its host or a parent domain (longest wins),
// expanded with that zone's cache key (or the group's own, for every zone) and schemes; zones
// without `name` take nothing; tags and everything need a zone; an unowned host is an error at
// its entry naming it. Through the built CLI (plan, validate, apply against the stand-in,
// show, explain), on files in temporary directories.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../src/plan/types.js';
import { startStandin } from './support/cloudflare-standin.js';
import { logLine } from './support/logpush.js';
import { Site, TOKEN } from './support/site.js';
import { wireBody } from '../src/plan/files.js';

const WWW_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const SHOP_ID = '9a7806061c88ada191ed06f989cc3dac';
const CDN_ID = '5b6c7d8e9f0a1b2c3d4e5f60718293a4';

const ZONES = `version: 1
zones:
  www:
    id: ${WWW_ID}
    name: example.com
    cache_key: devices
  shop:
    id: ${SHOP_ID}
    name: shop.example.com
    schemes: [https, http]
  unnamed:
    id: ${CDN_ID}
cache_keys:
  devices:
    device_type: true
  geo:
    geo: true
`;

async function withSite<T>(groups: string, body: (site: Site) => Promise<T>, zones = ZONES): Promise<T> {
  const site = new Site().write('purge.yaml', `${zones}groups:\n${groups}`);
  try {
    return await body(site);
  } finally {
    site.remove();
  }
}

async function planOf(site: Site, args: readonly string[] = []): Promise<Plan> {
  const result = await site.run(['plan', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Plan;
}

const requestsOf = (plan: Plan) => plan.requests.map((r) => ({ zone: r.zone, zone_id: r.zone_id, body: wireBody(r.body) }));

describe('docs/purge-yaml.md: routing items to zones by host', () => {
  it('equal host, subdomain and longest name: each item goes to its zone, expanded with that zone\'s key and schemes', async () => {
    await withSite(`  release:
    urls:
      - https://example.com/
      - https://www.example.com/a
      - https://shop.example.com/cart
      - https://eu.shop.example.com/cart
    hosts: [img.example.com, static.shop.example.com]
    prefixes: [shop.example.com/p/]
`, async (site) => {
      const plan = await planOf(site);
      assert.deepEqual(requestsOf(plan), [
        { zone: 'www', zone_id: WWW_ID, body: { hosts: ['img.example.com'] } },
        { zone: 'www', zone_id: WWW_ID, body: { files: ['https://example.com/', 'https://www.example.com/a'].flatMap((url) => ['desktop', 'mobile', 'tablet'].map((d) => ({ url, headers: { 'cf-device-type': d } }))) } },
        { zone: 'shop', zone_id: SHOP_ID, body: { hosts: ['static.shop.example.com'] } },
        { zone: 'shop', zone_id: SHOP_ID, body: { prefixes: ['shop.example.com/p/'] } },
        { zone: 'shop', zone_id: SHOP_ID, body: { files: ['http://eu.shop.example.com/cart', 'http://shop.example.com/cart', 'https://eu.shop.example.com/cart', 'https://shop.example.com/cart'] } },
      ]);
      const group = plan.groups[0]!;
      assert.equal(group.zone, null, 'zone is null when the items went to several zones');
      assert.deepEqual(group.zones, ['www', 'shop'], 'zones in file order; the zone without name takes nothing');
      assert.equal(group.items, 6 + 1 + 4 + 1 + 1);
    });
  });

  it('a routed group whose items all go to one zone has zone set to it; every group has zones', async () => {
    await withSite(`  one:
    urls: [https://shop.example.com/a]
  fixed:
    zone: unnamed
    tags: [t]
`, async (site) => {
      const plan = await planOf(site);
      assert.deepEqual(plan.groups.map((g) => [g.name, g.zone, g.zones]), [['one', 'shop', ['shop']], ['fixed', 'unnamed', ['unnamed']]]);
    });
  });

  it('the group\'s own cache_key applies in every zone it sends to', async () => {
    await withSite(`  priced:
    cache_key: devices
    urls: [https://www.example.com/x, https://shop.example.com/x]
    variants:
      device_type: [mobile]
`, async (site) => {
      const plan = await planOf(site);
      assert.deepEqual(plan.requests.map((r) => wireBody(r.body)), [
        { files: [{ url: 'https://www.example.com/x', headers: { 'cf-device-type': 'mobile' } }] },
        { files: [{ url: 'http://shop.example.com/x', headers: { 'cf-device-type': 'mobile' } }, { url: 'https://shop.example.com/x', headers: { 'cf-device-type': 'mobile' } }] },
      ]);
    });
  });

  it('an item in no zone is an error at its entry naming the host; zones without name take nothing', async () => {
    await withSite(`  lost:
    urls: ["https://{www.example.com,cdn.example.net}/x"]
    hosts: [img.example.org]
    prefixes: [static.example.io/a/]
`, async (site) => {
      const validate = await site.run(['validate']);
      assert.equal(validate.code, 1);
      assert.match(validate.stderr, /purge\.yaml:21:13: error: groups\.lost\.hosts\[0\]: host "img\.example\.org" is in no zone/);
      assert.match(validate.stderr, /purge\.yaml:22:16: error: groups\.lost\.prefixes\[0\]: host "static\.example\.io" is in no zone/);
      assert.match(validate.stderr, /hint: zones by name: www \(example\.com\), shop \(shop\.example\.com\); or give the group a zone/);
    });
    await withSite(`  lost:
    urls: ["https://{www.example.com,cdn.example.net}/x"]
`, async (site) => {
      const plan = await site.run(['plan']);
      assert.equal(plan.code, 1);
      assert.match(plan.stderr, /purge\.yaml:20:12: error: groups\.lost\.urls\[0\]: host "cdn\.example\.net" is in no zone.*\(expanded from "https:\/\/\{www\.example\.com,cdn\.example\.net\}\/x"\)/);
      assert.equal(plan.stdout, '');
    });
  });

  it('tags and everything in a routed group are errors: they need a zone', async () => {
    await withSite(`  tagged:
    urls: [https://www.example.com/]
    tags: [release]
    everything: true
`, async (site) => {
      const validate = await site.run(['validate']);
      assert.equal(validate.code, 1);
      assert.match(validate.stderr, /purge\.yaml:21:5: error: groups\.tagged\.tags: a group without zone is routed by host, and tags have no host/);
      assert.match(validate.stderr, /purge\.yaml:22:5: error: groups\.tagged\.everything: a group without zone is routed by host, and purge everything has no host/);
    });
  });

  it('a variant dimension required by one routed zone\'s key is an error naming that zone, only when items go there', async () => {
    const zones = ZONES.replace('    schemes: [https, http]\n', '    schemes: [https, http]\n    cache_key: geo\n    plan: enterprise\n');
    await withSite(`  needs-geo:
    urls: [https://www.example.com/, https://shop.example.com/]
`, async (site) => {
      const validate = await site.run(['plan']);
      assert.equal(validate.code, 1);
      assert.match(validate.stderr, /error: groups\.needs-geo\.variants\.geo is required: cache key "geo" varies on country \(cf-ipcountry\) \(for the items routed to zone "shop"\)/);
    }, zones);
    await withSite(`  www-only:
    urls: [https://www.example.com/]
`, async (site) => {
      const plan = await planOf(site);
      assert.deepEqual(plan.groups[0]!.zones, ['www']);
    }, zones);
  });

  it('a variant for a dimension only some of its zones have is fine; one that none has is an error', async () => {
    await withSite(`  mixed:
    urls: [https://www.example.com/, https://shop.example.com/]
    variants:
      device_type: [mobile]
`, async (site) => {
      const plan = await planOf(site);
      assert.deepEqual(plan.requests.map((r) => wireBody(r.body)), [
        { files: [{ url: 'https://www.example.com/', headers: { 'cf-device-type': 'mobile' } }] },
        { files: ['http://shop.example.com/', 'https://shop.example.com/'] },
      ]);
    });
    await withSite(`  neither:
    urls: [https://www.example.com/, https://shop.example.com/]
    variants:
      lang: [en]
`, async (site) => {
      const result = await site.run(['plan']);
      assert.equal(result.code, 1);
      assert.equal(result.stderr.match(/error:/g)?.length, 1, result.stderr);
      assert.match(result.stderr, /groups\.neither\.variants\.lang: cache key "devices" does not vary on language/);
    });
  });

  it('human and markdown plans list a routed group under each zone it sends to; show renders a saved routed plan', async () => {
    await withSite(`  release:
    urls: [https://www.example.com/, https://shop.example.com/]
`, async (site) => {
      const human = await site.run(['plan', '--out', 'plan.json']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /zone www [^\n]*\n  \+ release · new · 5 items · routed by host: 1 URL × 3 variants = 3 items of 5 here\n/);
      assert.match(human.stdout, /zone shop [^\n]*\n  \+ release · new · 5 items · routed by host: 2 URLs × 1 variant = 2 items of 5 here\n {6}http:\/\/shop\.example\.com\/\n/);
      const markdown = await site.run(['show', 'plan.json', '--markdown']);
      assert.equal(markdown.code, 0, markdown.stderr);
      assert.match(markdown.stdout, /\| release \| www, shop \| new \| 5 \| ✅ \|/);
      assert.match(markdown.stdout, /^\+ zone www: 1 URL × 3 variants = 3 items\n(?: {2}[^\n]*\n)+\+ zone shop: 2 URLs × 1 variant = 2 items\n/m);
      const shown = await site.run(['show', 'plan.json']);
      assert.equal(shown.code, 0, shown.stderr);
      for (const zone of ['www', 'shop']) assert.match(shown.stdout, new RegExp(`zone ${zone} [^\\n]*\\n  \\+ release · new · 5 items · routed by host`));
    });
  });

  it('apply sends each zone\'s requests to its own zone id, records the group, and the next plan is unchanged', async () => {
    const standin = await startStandin({
      tokens: [TOKEN],
      zones: [
        { id: WWW_ID, name: 'example.com', plan: 'free', account_id: 'acc1' },
        { id: SHOP_ID, name: 'shop.example.com', plan: 'free', account_id: 'acc1' },
      ],
    });
    try {
      await withSite(`  release:
    urls: [https://www.example.com/, https://shop.example.com/cart]
    hosts: [img.example.com]
`, async (site) => {
        const env = { CLOUDFLARE_API_TOKEN: TOKEN };
        const saved = await site.run(['plan', '--out', 'plan.json']);
        assert.equal(saved.code, 0, saved.stderr);
        const applied = await site.run(['apply', 'plan.json', '--api-url', standin.url], { env });
        assert.equal(applied.code, 0, applied.stderr);
        const byZone = (id: string) => standin.accepted.filter((a) => a.zoneId === id).map((a) => a.body);
        assert.deepEqual(byZone(WWW_ID), [{ hosts: ['img.example.com'] }, { files: ['desktop', 'mobile', 'tablet'].map((d) => ({ url: 'https://www.example.com/', headers: { 'cf-device-type': d } })) }]);
        assert.deepEqual(byZone(SHOP_ID), [{ files: ['http://shop.example.com/cart', 'https://shop.example.com/cart'] }]);
        const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: Record<string, { zone: string; zone_id: string }> };
        assert.equal(state.groups.release!.zone, 'www,shop');
        assert.equal(state.groups.release!.zone_id, `${WWW_ID},${SHOP_ID}`);
        const next = await planOf(site);
        assert.deepEqual(next.groups.map((g) => [g.name, g.status, g.zone, g.zones]), [['release', 'unchanged', null, ['www', 'shop']]]);
        assert.equal(next.requests.length, 0);
        // Every zone it touches is part of its fingerprint: a new id for one of them makes it changed.
        site.write('purge.yaml', site.read('purge.yaml').replace(SHOP_ID, '0123456789abcdef0123456789abcdef'));
        const moved = await planOf(site);
        assert.equal(moved.groups[0]!.status, 'changed');
      });
    } finally {
      await standin.close();
    }
  });

  it('explain finds a routed group\'s items: a URL it purges in the zone it was routed to is purged', async () => {
    await withSite(`  release:
    urls: [https://www.example.com/a, https://shop.example.com/cart]
`, async (site) => {
      const shop = await site.run(['explain', 'https://shop.example.com/cart', '--json']);
      assert.equal(shop.code, 0, shop.stdout + shop.stderr);
      const found = JSON.parse(shop.stdout) as { zone: string; purged_by: { group: string; kind: string }[] };
      assert.equal(found.zone, 'shop');
      assert.deepEqual(found.purged_by.map((p) => [p.group, p.kind]), [['release', 'file']]);
      const www = await site.run(['explain', 'https://www.example.com/a', '--device-type', 'mobile']);
      assert.equal(www.code, 0, www.stdout + www.stderr);
      const missed = await site.run(['explain', 'https://shop.example.com/other']);
      assert.equal(missed.code, 2, missed.stdout + missed.stderr);
    });
  });
  it('coverage finds a routed group\'s items in each zone, and its near misses name the routed zone\'s dimension', async () => {
    const zones = ZONES.replace('    name: example.com\n    cache_key: devices\n', '    name: example.com\n    cache_key: languages\n    plan: enterprise\n').replace('cache_keys:\n', 'cache_keys:\n  languages:\n    lang: true\n');
    await withSite(`  release:
    urls: [https://www.example.com/a, https://shop.example.com/cart]
    variants:
      lang: [ja]
`, async (site) => {
      site.write('access.log', [
        logLine({ url: 'https://www.example.com/a', headers: { 'accept-language': 'ja' } }),
        logLine({ url: 'https://shop.example.com/cart' }),
        logLine({ url: 'https://www.example.com/a', headers: { 'accept-language': 'fr-FR' } }),
      ].join('\n'));
      const result = await site.run(['coverage', '--logs', 'access.log', '--json']);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout) as { requests: Record<string, number>; missed_values: { dimension: string; value: string | null; groups: string[]; fix: string }[] };
      assert.equal(report.requests.purged, 2);
      assert.equal(report.requests.missed, 1);
      assert.deepEqual(report.missed_values.map((m) => [m.dimension, m.value, m.groups, m.fix]), [['lang', 'fr-FR', ['release'], 'add "fr-FR" to groups.release.variants.lang']]);
    }, zones);
  });
});
