// explain and coverage as settled by use (docs/commands.md), end to end on the built CLI with log and plan
// files: a request differing from a planned URL only by scheme or by a query parameter the key
// keeps is missed (and counts against coverage), with a fix naming the scheme or the parameter; the
// key's language is the first code of Accept-Language; log values reach a markdown comment inert;
// explain gives one answer with and without --plan when a purge covers an invalidation; counts
// are pluralized.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configYaml, OTHER_ZONE_ID, runCli, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';
import type { RecordSpec } from './support/logpush.js';

type Report = {
  requests: Record<string, number>;
  entries: Record<string, number>;
  coverage: number | null;
  missed_values: { dimension: string; value: string | null; requests: number; entries: number; groups: string[]; fix: string }[];
};

type Explained = {
  entry: { url: string; headers: Record<string, string> };
  purged: boolean;
  purged_by: { group: string; kind: string; item: string; action: string }[];
  tags: { group: string; tag: string; action: string }[];
  near_misses: { group: string; dimension: string; value: string | null; declared: string[]; fix: string }[];
};

const repeat = (n: number, spec: RecordSpec) => Array.from({ length: n }, () => logLine(spec));

function withSite(files: Record<string, string>): { dir: string; run: (args: readonly string[]) => ReturnType<typeof runCli>; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-settled-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, run: (args) => runCli(args, dir), done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('coverage and explain: another scheme or a kept query parameter is missed, not outside (docs/commands.md)', () => {
  const SITE = configYaml({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' },
      shop: { id: OTHER_ZONE_ID, name: 'example.net', schemes: ['https'], cache_key: 'trimmed' },
    },
    cache_keys: {
      pages: { query_string: { sort: true }, lang: true },
      trimmed: { query_string: { exclude: ['utm_medium'] } },
    },
    groups: {
      posts: { zone: 'www', urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] }, variants: { lang: ['ja', 'en-US'] } },
      products: { zone: 'shop', urls: ['https://shop.example.net/p/1?color=red'] },
    },
  });
  const ja = { 'accept-language': 'ja' };
  const LOG = [
    ...repeat(3, { url: 'https://www.example.com/posts/a/', headers: ja }),
    // Two requests on the http copy of a purged https URL.
    ...repeat(2, { url: 'http://www.example.com/posts/a/', headers: ja }),
    // A tracking parameter the key keeps, on two URLs (one entry each).
    logLine({ url: 'https://www.example.com/posts/b/?utm_source=news', headers: ja }),
    logLine({ url: 'https://www.example.com/posts/a/?utm_source=mail', headers: ja }),
    // Zone with schemes: [https]: the http copy; a parameter the key excludes is the same entry.
    logLine({ url: 'http://shop.example.net/p/1?color=red' }),
    logLine({ url: 'https://shop.example.net/p/1?utm_medium=x&color=red' }),
    // Another value of a kept parameter.
    logLine({ url: 'https://shop.example.net/p/1?color=blue' }),
    // Nothing planned at these paths: outside.
    ...repeat(2, { url: 'https://www.example.com/about/', headers: ja }),
    logLine({ url: 'http://shop.example.net/p/2' }),
  ];

  let site: ReturnType<typeof withSite>;
  before(() => {
    site = withSite({ 'purge.yaml': SITE, 'access.log': `${LOG.join('\n')}\n` });
  });
  after(() => site.done());

  it('classes them missed, counts them in the coverage percentage, and names the scheme and the parameters in the fix', () => {
    const result = site.run(['coverage', '--logs', 'access.log', '--json']);
    assert.equal(result.status, 2, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(report.requests, { purged: 4, missed: 6, outside: 3, unknown: 0, not_cached: 0, skipped: 0 });
    assert.deepEqual(report.entries, { purged: 2, missed: 5, outside: 2, unknown: 0 });
    assert.equal(report.coverage, 4 / 10);
    const byValue = new Map(report.missed_values.map((v) => [`${v.dimension} ${v.value} ${v.groups.join(',')}`, v]));
    const www = byValue.get('scheme http posts');
    assert.ok(www, JSON.stringify(report.missed_values));
    assert.equal(www.requests, 2);
    assert.equal(www.fix, 'add schemes: [https, http] to zones.www (each URL is then purged under both schemes)');
    assert.equal(byValue.get('scheme http products')?.fix, 'add "http" to zones.shop.schemes');
    const source = byValue.get('query utm_source posts');
    assert.equal(source?.requests, 2);
    assert.equal(source?.entries, 2);
    assert.match(source?.fix ?? '', /^add exclude: \[utm_source\] to cache_keys\.pages\.query_string \(and in its Cache Rule\), or purge a prefix/);
    assert.equal(byValue.get('query color products')?.fix, 'purge a prefix covering these URLs, or, if "color" does not change the response, add "color" to cache_keys.trimmed.query_string.exclude (and in its Cache Rule)');
  });

  it('the human report says it too', () => {
    const result = site.run(['coverage', '--logs', 'access.log']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stdout, /Coverage: 40\.00%/);
    assert.match(result.stdout, /scheme "http": 2 requests, 1 entry — group posts\n {4}fix: add schemes: \[https, http\] to zones\.www/);
    assert.match(result.stdout, /query "utm_source": 2 requests, 2 entries — group posts/);
  });

  it('explain: an http copy is not purged, with the scheme near miss and its fix', () => {
    const result = site.run(['explain', 'http://www.example.com/posts/a/', '-H', 'Accept-Language: ja', '--json']);
    assert.equal(result.status, 2, result.stderr);
    const json = JSON.parse(result.stdout) as Explained;
    assert.deepEqual(json.near_misses, [{ group: 'posts', dimension: 'scheme', value: 'http', declared: ['https'], fix: 'add schemes: [https, http] to zones.www (each URL is then purged under both schemes)' }]);
    const human = site.run(['explain', 'http://www.example.com/posts/a/', '-H', 'Accept-Language: ja']);
    assert.match(human.stdout, /posts: the request's scheme is "http"; the group purges this URL under "https" only\n {4}fix: add schemes/);
  });

  it('explain: a kept parameter names each parameter and the prefix to purge; a parameter the key drops is the purged entry', () => {
    const result = site.run(['explain', 'https://www.example.com/posts/b/?utm_source=x&utm_campaign=y', '-H', 'Accept-Language: ja', '--json']);
    assert.equal(result.status, 2, result.stderr);
    const json = JSON.parse(result.stdout) as Explained;
    assert.deepEqual(json.near_misses.map((m) => [m.dimension, m.value]), [['query', 'utm_campaign'], ['query', 'utm_source']]);
    assert.equal(json.near_misses[1]!.fix, 'add exclude: [utm_source] to cache_keys.pages.query_string (and in its Cache Rule), or purge the prefix www.example.com/posts/b/');
    const dropped = site.run(['explain', 'https://shop.example.net/p/1?utm_medium=a&color=red']);
    assert.equal(dropped.status, 0, dropped.stdout);
  });

  it('explain: a scheme and a variant both missing name both fixes; another path is still outside', () => {
    const both = JSON.parse(site.run(['explain', 'http://www.example.com/posts/a/', '-H', 'Accept-Language: fr', '--json']).stdout) as Explained;
    assert.deepEqual(both.near_misses.map((m) => [m.dimension, m.value]), [['scheme', 'http'], ['lang', 'fr']]);
    const other = site.run(['explain', 'https://www.example.com/posts/c/', '-H', 'Accept-Language: ja', '--json']);
    assert.equal(other.status, 2);
    assert.deepEqual((JSON.parse(other.stdout) as Explained).near_misses, []);
  });
});

describe('the key\'s language is the first language code of Accept-Language (docs/commands.md)', () => {
  const SITE = configYaml({
    zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' } },
    cache_keys: { pages: { lang: true } },
    groups: { posts: { urls: ['https://www.example.com/posts/'], variants: { lang: ['ja', 'en-US'] } } },
  });
  const POST = 'https://www.example.com/posts/';
  let site: ReturnType<typeof withSite>;
  before(() => {
    site = withSite({ 'purge.yaml': SITE });
  });
  after(() => site.done());

  it('coverage: browser headers are the entry of their first code, case kept; an empty first code is the absent entry', () => {
    const lines = [
      logLine({ url: POST, headers: { 'accept-language': 'ja,en-US;q=0.9,en;q=0.8' } }),
      logLine({ url: POST, headers: { 'Accept-Language': ' en-US ;q=0.9' } }),
      logLine({ url: POST, headers: { 'accept-language': ';q=0.5' } }),
      logLine({ url: POST, headers: { 'accept-language': 'JA,en' } }),
      logLine({ url: POST, headers: { 'accept-language': 'fr-FR,fr;q=0.9,en-US;q=0.8' } }),
    ];
    writeFileSync(join(site.dir, 'access.log'), `${lines.join('\n')}\n`);
    const result = site.run(['coverage', '--logs', 'access.log', '--json']);
    assert.equal(result.status, 2, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.requests.purged, 3);
    assert.equal(report.requests.missed, 2);
    assert.deepEqual(report.missed_values.map((v) => v.value).sort(), ['JA', 'fr-FR']);
  });

  it('explain -H takes the first code too', () => {
    const result = site.run(['explain', POST, '-H', 'Accept-Language: ja,en-US;q=0.9', '--json']);
    assert.equal(result.status, 0, result.stdout);
    assert.deepEqual((JSON.parse(result.stdout) as Explained).entry.headers, { 'accept-language': 'ja' });
    const missed = JSON.parse(site.run(['explain', POST, '-H', 'Accept-Language: de-DE;q=1, ja', '--json']).stdout) as Explained;
    assert.equal(missed.near_misses[0]!.value, 'de-DE');
    assert.equal(missed.near_misses[0]!.fix, 'add "de-DE" to groups.posts.variants.lang');
  });
});

describe('coverage --markdown: log values are inert in a pull-request comment (docs/commands.md)', () => {
  const SITE = configYaml({
    zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'tenants' } },
    cache_keys: { tenants: { lang: true, headers: { include: ['x-tenant'] } } },
    groups: { posts: { urls: ['https://www.example.com/posts/'], variants: { lang: ['ja'], headers: { 'x-tenant': ['acme'] } } } },
  });
  const hostile = [
    '@octocat',
    '#12',
    'see [here](https://evil.example/x) and ![img](https://evil.example/i.png)',
    '<img src=x onerror=alert(1)>',
    'a|b|c',
    '`tick` and ``two``',
    'www.evil.example',
    'https://evil.example/',
    'org/repo#34 and !56 ~label %milestone',
    'back\\|slash',
    '\u001b[31mred\u001b[0m',
  ];

  it('no mention, reference, link, image, HTML or table break reaches the comment; the values are still there, escaped', () => {
    const lines = hostile.flatMap((value) => [
      logLine({ url: 'https://www.example.com/posts/', headers: { 'accept-language': value, 'x-tenant': 'acme' } }),
      logLine({ url: 'https://www.example.com/posts/', headers: { 'accept-language': 'ja', 'x-tenant': value } }),
    ]);
    lines.push(JSON.stringify({ ClientRequestMethod: 'GET', ClientRequestHost: 'www.example.com', ClientRequestURI: 'http://[@octocat', CacheCacheStatus: 'hit' }));
    const site = withSite({ 'purge.yaml': SITE, 'access.log': `${lines.join('\n')}\n` });
    try {
      const result = site.run(['coverage', '--logs', 'access.log', '--markdown', '--top', '50']);
      assert.equal(result.status, 2, result.stderr);
      const text = result.stdout;
      assert.doesNotMatch(text, /\u001b/);
      for (const line of text.split('\n')) {
        // What GitHub and GitLab read as markup: everything outside code spans.
        const outside = line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '').replace(/&#?\w+;/g, ' ');
        assert.doesNotMatch(outside, /(^|[^\\])@\w/, line);
        assert.doesNotMatch(outside, /(^|[^\\])[#!~%$]\w/, line);
        assert.doesNotMatch(outside, /(^|[^\\])\[[^\]]*\]\(/, line);
        assert.doesNotMatch(outside, /<(img|a|script)\b/i, line);
        assert.doesNotMatch(outside, /https?:\/\/|\bwww\./i, line);
        // A table row keeps its six cells: no pipe from a value splits it.
        if (line.startsWith('| ') && /\| (lang|headers\.x-tenant) \|/.test(line)) assert.equal(line.match(/(?<!\\)\|/g)?.length, 7, line);
      }
      for (const value of ['octocat', 'evil', 'onerror']) assert.match(text, new RegExp(value));
    } finally {
      site.done();
    }
  });
});

describe('explain: one answer with and without --plan when a purge covers an invalidation', () => {
  const SITE = configYaml({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' },
      all: { id: OTHER_ZONE_ID, name: 'example.org', allow_purge_everything: true },
    },
    cache_keys: { pages: { lang: true } },
    groups: {
      feeds: { zone: 'www', prefixes: ['www.example.com/feeds/'], tags: ['feeds'] },
      refresh: { zone: 'www', action: 'invalidate', urls: ['https://www.example.com/feeds/{a,b}.xml', 'https://www.example.com/posts/x/'], variants: { lang: ['ja'] }, tags: ['feeds', 'soft'] },
      section: { zone: 'www', action: 'invalidate', prefixes: ['www.example.com/docs/', 'www.example.com/feeds/old/'] },
      docs: { zone: 'www', urls: ['https://www.example.com/docs/a', 'https://www.example.com/posts/x/'], variants: { lang: ['ja', 'en'] } },
      wipe: { zone: 'all', everything: true },
      soft: { zone: 'all', action: 'invalidate', urls: ['https://example.org/a'], hosts: ['cdn.example.org'], tags: ['t'] },
    },
  });
  const REQUESTS: readonly (readonly string[])[] = [
    ['https://www.example.com/feeds/a.xml', '-H', 'Accept-Language: ja'],
    ['https://www.example.com/feeds/old/b.xml'],
    ['https://www.example.com/posts/x/', '-H', 'Accept-Language: ja'],
    ['https://www.example.com/posts/x/', '-H', 'Accept-Language: en'],
    ['https://www.example.com/posts/x/', '-H', 'Accept-Language: fr'],
    ['https://www.example.com/docs/a', '-H', 'Accept-Language: en'],
    ['https://www.example.com/docs/b'],
    ['https://example.org/a'],
    ['https://cdn.example.org/x'],
  ];

  let site: ReturnType<typeof withSite>;
  before(() => {
    site = withSite({ 'purge.yaml': SITE });
    const planned = site.run(['plan', '--all', '--out', 'all.plan']);
    assert.equal(planned.status, 0, planned.stderr);
  });
  after(() => site.done());

  it('the same output, JSON and human, and the same exit code, for every request', () => {
    for (const request of REQUESTS) {
      for (const json of [['--json'], []]) {
        const every = site.run(['explain', ...request, ...json]);
        const saved = site.run(['explain', ...request, '--plan', 'all.plan', ...json]);
        assert.equal(saved.status, every.status, request.join(' '));
        assert.equal(saved.stdout, every.stdout, request.join(' '));
      }
    }
  });

  it('an invalidation under a purge prefix is listed as purged, with the prefix that purges it', () => {
    const json = JSON.parse(site.run(['explain', 'https://www.example.com/feeds/a.xml', '-H', 'Accept-Language: ja', '--plan', 'all.plan', '--json']).stdout) as Explained;
    assert.deepEqual(json.purged_by, [
      { group: 'feeds', kind: 'prefix', item: 'prefix www.example.com/feeds/', action: 'purge' },
      { group: 'refresh', kind: 'file', item: 'https://www.example.com/feeds/a.xml [accept-language=ja]', action: 'purge' },
    ]);
    // The shared tag is purged for both groups; the other invalidated tag stays an invalidation.
    assert.deepEqual(json.tags, [
      { group: 'feeds', tag: 'feeds', action: 'purge' },
      { group: 'refresh', tag: 'feeds', action: 'purge' },
      { group: 'refresh', tag: 'soft', action: 'invalidate' },
    ]);
  });

  it('an invalidated file another group purges is purged; a variant only the invalidation has stays invalidated', () => {
    const ja = JSON.parse(site.run(['explain', 'https://www.example.com/posts/x/', '-H', 'Accept-Language: ja', '--json']).stdout) as Explained;
    assert.deepEqual(ja.purged_by.map((p) => [p.group, p.action]), [['refresh', 'purge'], ['docs', 'purge']]);
    const absent = JSON.parse(site.run(['explain', 'https://www.example.com/posts/x/', '--json']).stdout) as Explained;
    assert.deepEqual(absent.purged_by.map((p) => [p.group, p.action]), [['refresh', 'purge'], ['docs', 'purge']]);
    const en = JSON.parse(site.run(['explain', 'https://www.example.com/posts/x/', '-H', 'Accept-Language: en', '--plan', 'all.plan', '--json']).stdout) as Explained;
    assert.deepEqual(en.purged_by.map((p) => [p.group, p.action]), [['docs', 'purge']]);
  });

  it('under a purge of everything, nothing is invalidated and no tag is sent', () => {
    const json = JSON.parse(site.run(['explain', 'https://cdn.example.org/x', '--plan', 'all.plan', '--json']).stdout) as Explained;
    assert.deepEqual(json.purged_by, [
      { group: 'wipe', kind: 'everything', item: 'everything', action: 'purge' },
      { group: 'soft', kind: 'host', item: 'host cdn.example.org', action: 'purge' },
    ]);
    assert.deepEqual(json.tags, []);
  });
});

describe('counts are pluralized in explain and coverage', () => {
  it('1 request, 1 entry; 2 requests, 2 entries', () => {
    const SITE = configYaml({
      zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' } },
      cache_keys: { pages: { lang: true } },
      groups: { posts: { urls: ['https://www.example.com/posts/{a,b}/'], variants: { lang: ['ja'] } } },
    });
    const lines = [
      logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': 'fr' } }),
      logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': 'de' } }),
      logLine({ url: 'https://www.example.com/posts/b/', headers: { 'accept-language': 'de' } }),
      logLine({ url: 'https://www.example.com/posts/a/', headers: null }),
    ];
    const site = withSite({ 'purge.yaml': SITE, 'access.log': `${lines.join('\n')}\n` });
    try {
      const human = site.run(['coverage', '--logs', 'access.log']);
      assert.equal(human.status, 2, human.stderr);
      assert.match(human.stdout, /lang "fr": 1 request, 1 entry — group posts/);
      assert.match(human.stdout, /lang "de": 2 requests, 2 entries — group posts/);
      assert.match(human.stdout, /RequestHeaders: 1 request —/);
      assert.doesNotMatch(human.stdout, /\b1 (requests|entries)\b/);
      const markdown = site.run(['coverage', '--logs', 'access.log', '--markdown']);
      assert.match(markdown.stdout, /- RequestHeaders: 1 request —/);
    } finally {
      site.done();
    }
  });
});
