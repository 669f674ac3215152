// `purgeplan explain URL` (docs/commands.md#explain): the entry a request hits, what purges it, near misses with
// their fix, and the errors (geo without a country, a host no zone takes). In process through the
// pure core, and end to end through the built CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requestOf } from '../src/commands/explain.js';
import { fileKey } from '../src/expand/group.js';
import { explain } from '../src/inspect/explain.js';
import type { Explanation } from '../src/inspect/explain.js';
import { Inspector } from '../src/inspect/inspector.js';
import { PurgeIndex } from '../src/inspect/items.js';
import { configYaml, planOf, runCli, ZONE_ID } from './support/config-builder.js';

const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' }, geo: { name: 'example.org', cache_key: 'countries' } },
  cache_keys: {
    pages: { query_string: { sort: true, exclude: ['utm_source'] }, device_type: true, lang: true, cookies: { include: ['ab'] } },
    countries: { geo: true },
  },
  groups: {
    posts: {
      zone: 'www',
      urls: ['https://www.example.com/posts/{slug}/', 'https://www.example.com/list?page=1&sort=new'],
      vars: { slug: ['hello', 'world'] },
      variants: { device_type: ['desktop', 'mobile'], lang: ['ja', 'en-US'], cookies: { ab: ['a'] } },
      tags: ['posts'],
    },
    feeds: { zone: 'www', prefixes: ['www.example.com/feeds/'] },
    assets: { zone: 'www', hosts: ['static.example.com'] },
    countries: { zone: 'geo', urls: ['https://example.org/'], variants: { geo: ['FR', 'JP'] } },
  },
});

type Flags = Parameters<typeof requestOf>[1];
const NO_FLAGS: Flags = { header: [], cookie: [] };

function explained(url: string, flags: Partial<Flags> = {}): Explanation {
  const { config, expansions } = planOf(SITE);
  const inspector = new Inspector(config, PurgeIndex.fromExpansions(config, expansions, null));
  const result = explain(inspector, requestOf(url, { ...NO_FLAGS, ...flags }));
  if ('problem' in result) throw new Error(result.problem);
  return result.explanation;
}

function problemOf(url: string, flags: Partial<Flags> = {}): string {
  const { config, expansions } = planOf(SITE);
  const inspector = new Inspector(config, PurgeIndex.fromExpansions(config, expansions, null));
  const result = explain(inspector, requestOf(url, { ...NO_FLAGS, ...flags }));
  assert.ok('problem' in result, 'expected a problem');
  return result.problem;
}

describe('explain: the entry (docs/commands.md#explain)', () => {
  it('an exact entry: the URL and every key header, equal to the planner item that purges it', () => {
    const e = explained('https://www.example.com/posts/hello/', { header: ['Accept-Language: ja'], deviceType: 'mobile', cookie: ['ab=a'] });
    assert.equal(e.entry.key, 'https://www.example.com/posts/hello/ [accept-language=ja, cf-device-type=mobile, cookie=ab=a]');
    assert.deepEqual(e.purgedBy, [{ group: 'posts', action: 'purge', kind: 'file', item: e.entry.key }]);
    const { expansions } = planOf(SITE);
    const posts = expansions.find((x) => x.group.name === 'posts')!;
    const items = posts.urls.flatMap((url) => posts.variants.map((v) => fileKey(url, v)));
    assert.ok(items.includes(e.entry.key), 'the entry key is one of the planner item keys');
  });

  it('an absent variant: no Accept-Language and no cookie leave both headers out, and the absent item purges it', () => {
    const e = explained('https://www.example.com/posts/world/');
    assert.equal(e.entry.key, 'https://www.example.com/posts/world/ [cf-device-type=desktop]');
    assert.deepEqual(e.entry.variant.object, { 'cf-device-type': 'desktop' });
    assert.equal(e.purgedBy.length, 1);
  });

  it('query normalization: parameters sorted, the excluded one dropped, so the listed URL purges it', () => {
    const e = explained('https://WWW.Example.com/list?utm_source=mail&sort=new&page=1#top');
    assert.equal(e.entry.url, 'https://www.example.com/list?page=1&sort=new');
    assert.equal(e.purgedBy.length, 1);
    assert.equal(e.purgedBy[0]!.group, 'posts');
  });

  it('a prefix covers the URLs under it, any variant', () => {
    const e = explained('https://www.example.com/feeds/posts.xml?x=1', { deviceType: 'tablet', header: ['Accept-Language: de'] });
    assert.deepEqual(e.purgedBy.map((p) => [p.group, p.kind, p.item]), [['feeds', 'prefix', 'prefix www.example.com/feeds/']]);
  });

  it('a host covers every URL on it, but not one with an explicit port (as the planner decides)', () => {
    const e = explained('https://static.example.com/app.js');
    assert.deepEqual(e.purgedBy.map((p) => [p.group, p.kind, p.item]), [['assets', 'host', 'host static.example.com']]);
    assert.equal(explained('https://static.example.com:8443/app.js').purgedBy.length, 0);
  });

  it('tags of the zone are listed as conditional and do not count as purging', () => {
    const e = explained('https://www.example.com/other/');
    assert.deepEqual(e.tags, [{ group: 'posts', tag: 'posts', action: 'purge' }]);
    assert.equal(e.purgedBy.length, 0);
    assert.deepEqual(e.nearMisses, []);
  });
});

describe('explain: near misses (docs/commands.md#explain)', () => {
  it('names the dimension, the value, the declared list and the fix', () => {
    const e = explained('https://www.example.com/posts/hello/', { header: ['Accept-Language: fr-FR'] });
    assert.equal(e.purgedBy.length, 0);
    assert.deepEqual(e.nearMisses.map((m) => ({ ...m })), [
      { group: 'posts', dimension: 'lang', value: 'fr-FR', declared: ['ja', 'en-US'], fix: 'add "fr-FR" to groups.posts.variants.lang' },
    ]);
  });

  it('finds a URL that differs only by a query parameter the key drops, and every dimension that misses', () => {
    const e = explained('https://www.example.com/posts/hello/?utm_source=news', { deviceType: 'tablet', cookie: ['ab=b'] });
    assert.deepEqual(e.nearMisses.map((m) => [m.dimension, m.value, m.declared]), [
      ['device_type', 'tablet', ['desktop', 'mobile']],
      ['cookies.ab', 'b', ['a']],
    ]);
  });

  it('an undeclared Origin is a near miss too (the group purges only the absent Origin)', () => {
    const e = explained('https://www.example.com/posts/hello/', { header: ['Origin: https://app.example.com'] });
    assert.equal(e.nearMisses.length, 1);
    assert.equal(e.nearMisses[0]!.dimension, 'headers.origin');
    assert.deepEqual(e.nearMisses[0]!.declared, []);
    assert.match(e.nearMisses[0]!.fix, /^add "https:\/\/app\.example\.com" to groups\.posts\.variants\.headers\.origin/);
  });
});

describe('explain: errors (docs/commands.md#explain)', () => {
  it('a geo key without --country says so', () => assert.match(problemOf('https://example.org/'), /varies on country \(geo\): pass --country/));
  it('with --country the entry has the upper-cased code', () => {
    const e = explained('https://example.org/', { country: 'fr' });
    assert.equal(e.entry.key, 'https://example.org/ [cf-ipcountry=FR]');
    assert.equal(e.purgedBy.length, 1);
  });
  it('a host no zone takes is an error naming it', () => assert.match(problemOf('https://www.example.net/a'), /no zone takes the host "www\.example\.net"/));
});

describe('purgeplan explain (CLI)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-explain-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 0 when purged, with the entry as the plan prints items', () => {
    const result = runCli(['explain', 'https://www.example.com/posts/hello/', '-H', 'Accept-Language: ja'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^entry +https:\/\/www\.example\.com\/posts\/hello\/ {2}\[accept-language=ja, cf-device-type=desktop\]$/m);
    assert.match(result.stdout, /Purged by 1 item:/);
  });

  it('exit 2 and the --json fields of (docs/commands.md#explain) when not purged', () => {
    const result = runCli(['explain', 'https://www.example.com/posts/hello/', '-H', 'accept-language: fr-FR', '--json'], dir);
    assert.equal(result.status, 2, result.stderr);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(json.entry, { url: 'https://www.example.com/posts/hello/', headers: { 'accept-language': 'fr-FR', 'cf-device-type': 'desktop' } });
    assert.equal(json.zone, 'www');
    assert.equal(json.cache_key, 'pages');
    assert.deepEqual(json.purged_by, []);
    assert.deepEqual(json.tags, [{ group: 'posts', tag: 'posts', action: 'purge' }]);
    assert.deepEqual(json.near_misses, [{ group: 'posts', dimension: 'lang', value: 'fr-FR', declared: ['ja', 'en-US'], fix: 'add "fr-FR" to groups.posts.variants.lang' }]);
  });

  it('exit 1 for a geo key without --country, and for a host of no zone', () => {
    const geo = runCli(['explain', 'https://example.org/'], dir);
    assert.equal(geo.status, 1);
    assert.match(geo.stderr, /error: cache key "countries" of zone geo varies on country \(geo\): pass --country CC/);
    const none = runCli(['explain', 'https://nowhere.test/'], dir);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no zone takes the host "nowhere\.test"/);
    assert.doesNotMatch(none.stderr, /internal error/);
  });

  it('exit 1 for bad flags, with the flag named', () => {
    assert.match(runCli(['explain', 'https://www.example.com/', '-H', 'nocolon'], dir).stderr, /-H "nocolon": expected 'Name: value'/);
    assert.match(runCli(['explain', 'https://www.example.com/', '--device-type', 'phone'], dir).stderr, /--device-type: "phone" is not a device type/);
    assert.match(runCli(['explain', 'https://www.example.com/', '--country', 'ZZZ'], dir).stderr, /--country: "ZZZ" is not a country code/);
    assert.match(runCli(['explain', 'not a url'], dir).stderr, /"not a url" is not an absolute URL/);
  });

  it('--plan FILE: against the saved plan\'s requests; --cache-key builds the entry with another profile', () => {
    const planned = runCli(['plan', '--group', 'feeds', '--out', 'feeds.plan'], dir);
    assert.equal(planned.status, 0, planned.stderr);
    const inPlan = runCli(['explain', 'https://www.example.com/feeds/a.xml', '--plan', 'feeds.plan', '--json'], dir);
    assert.equal(inPlan.status, 0, inPlan.stderr);
    assert.deepEqual((JSON.parse(inPlan.stdout) as { purged_by: unknown }).purged_by, [{ group: 'feeds', kind: 'prefix', item: 'prefix www.example.com/feeds/', action: 'purge' }]);
    const notInPlan = runCli(['explain', 'https://www.example.com/posts/hello/', '--plan', 'feeds.plan'], dir);
    assert.equal(notInPlan.status, 2, notInPlan.stderr);
    const other = runCli(['explain', 'https://www.example.com/posts/hello/', '--cache-key', 'default', '--json'], dir);
    assert.equal((JSON.parse(other.stdout) as { cache_key: unknown }).cache_key, null);
  });
});
