// `purgeplan drift`, `import` and `apply --check-drift` through the built CLI against the
// Cloudflare stand-in serving Cache Rules (docs/commands.md#drift): what a release pipeline sees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { runOnce, Site, TOKEN, ZONE_ID } from './support/site.js';

const PHASE = 'http_request_cache_settings';
const ZONE = { id: ZONE_ID, name: 'example.com', plan: 'enterprise' as const, account_id: 'acc1' };

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }
cache_keys:
  pages:
    query_string:
      sort: true
      exclude: [utm_source]
    device_type: true
groups:
  posts:
    cache_key: pages
    urls: ["https://www.example.com/posts/{1..3}/?utm_source=x"]
  assets:
    urls: ["https://www.example.com/static/app.js"]
`;
// Line numbers in CONFIG (1-based) for position assertions.
const LINE = { pages: 5, queryString: 6, sort: 7, exclude: 8, deviceType: 9, assets: 14 };

type Json = Record<string, unknown>;
let ruleSeq = 0;
function rule(description: string, expression: string, cacheKey: Json | null, extra: Json = {}): Json {
  ruleSeq++;
  const id = `${String(ruleSeq).padStart(2, '0')}c0ffee${'0'.repeat(24)}`;
  return {
    id, ref: id, version: '1', enabled: true, description, expression, action: 'set_cache_settings', last_updated: '2026-11-30T10:00:00Z',
    action_parameters: cacheKey === null ? { cache: true, edge_ttl: { mode: 'respect_origin' } } : { cache: true, cache_key: cacheKey },
    ...extra,
  };
}
function ruleset(...rules: Json[]): Json {
  return { id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', name: 'default', kind: 'zone', phase: PHASE, version: '7', last_updated: '2026-11-30T10:00:00Z', rules };
}
/** The cache key matching the `pages` profile. */
const PAGES_KEY = { ignore_query_strings_order: true, cache_by_device_type: true, custom_key: { query_string: { exclude: { list: ['utm_source'] } } } };
const blog = (cacheKey: Json = PAGES_KEY, extra: Json = {}) => rule('Blog pages', 'starts_with(http.request.uri.path, "/posts/")', cacheKey, extra);

let standin: Standin;
const rulesets: Record<string, Record<string, unknown>> = {};
const env = () => ({ CLOUDFLARE_API_TOKEN: TOKEN });

function serve(value: Json | undefined): void {
  if (value === undefined) delete rulesets[ZONE_ID];
  else rulesets[ZONE_ID] = { [PHASE]: value };
}

const drift = (args: string[] = [], yaml = CONFIG) => runOnce(standin.url, yaml, ['drift', ...args], env());

before(async () => {
  standin = await startStandin({ tokens: [TOKEN, 'purge-only-token'], zones: [ZONE], rulesets, rulesetReaders: [TOKEN] });
});
after(async () => {
  await standin.close();
});

describe('drift: the declared keys against the zone\'s Cache Rules', () => {
  it('no drift: exit 0, and the rules were read with the zone\'s token (never a purge)', async () => {
    serve(ruleset(blog()));
    const before = standin.log.length;
    const result = await drift();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^No drift/m);
    assert.match(result.stdout, /www: 1 rule setting a cache key, 4 URLs/);
    assert.match(result.stdout, /cache_level, sort_query_string_for_cache\) are not read/);
    const requests = standin.log.slice(before);
    assert.deepEqual(requests.map((r) => `${r.path}`), [`/client/v4/zones/${ZONE_ID}/rulesets/phases/${PHASE}/entrypoint`]);
    assert.equal(requests[0].authorization, `Bearer ${TOKEN}`);
    assert.equal(standin.accepted.length, 0);
  });

  const dimensions: [string, Json, string, number, RegExp][] = [
    ['query_string', { ...PAGES_KEY, custom_key: { query_string: { include: { list: ['id'] } } } }, 'query_string', LINE.exclude, /query_string is exclude: \[utm_source\], but .* gives include: \[id\]/],
    ['query_string.sort', { ...PAGES_KEY, ignore_query_strings_order: false }, 'query_string.sort', LINE.sort, /query_string\.sort is true, .* gives false/],
    ['device_type', { ...PAGES_KEY, cache_by_device_type: false }, 'device_type', LINE.deviceType, /device_type is true, .* gives false/],
    ['geo', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, user: { geo: true } } }, 'geo', LINE.pages, /geo is false, .* gives true/],
    ['lang', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, user: { lang: true } } }, 'lang', LINE.pages, /lang is false/],
    ['headers.include', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, header: { include: ['X-Tenant'] } } }, 'headers.include', LINE.pages, /headers\.include is \[\], .* gives \[x-tenant\]/],
    ['headers.check_presence', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, header: { check_presence: ['x-beta'] } } }, 'headers.check_presence', LINE.pages, /gives \[x-beta\]/],
    ['headers.exclude_origin', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, header: { exclude_origin: true } } }, 'headers.exclude_origin', LINE.pages, /exclude_origin is false/],
    ['cookies.include', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, cookie: { include: ['ab_bucket'] } } }, 'cookies.include', LINE.pages, /gives \[ab_bucket\]/],
    ['cookies.check_presence', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, cookie: { check_presence: ['logged_in'] } } }, 'cookies.check_presence', LINE.pages, /gives \[logged_in\]/],
    ['host.resolved', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, host: { resolved: true } } }, 'host.resolved', LINE.pages, /host\.resolved is false/],
  ];
  for (const [name, cacheKey, dimension, line, message] of dimensions) {
    it(`${name} drifting: exit 2, an error at the profile naming the rule, the groups, a URL and the fix`, async () => {
      const r = blog(cacheKey);
      serve(ruleset(r));
      const result = await drift(['--json']);
      assert.equal(result.code, 2, result.stderr);
      const report = JSON.parse(result.stdout) as { drift: boolean; findings: Json[] };
      assert.equal(report.drift, true);
      const found = report.findings.filter((f) => f.kind === 'drift');
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.equal(found[0].dimension, dimension);
      assert.equal(found[0].line, line);
      assert.deepEqual(found[0].groups, ['posts']);
      assert.deepEqual(found[0].rules, [{ id: r.id, description: 'Blog pages' }]);
      assert.match(String(found[0].url), /^https:\/\/www\.example\.com\/posts\/[123]\//);
      assert.match(String(found[0].message), message);
      if (name !== 'query_string.sort' && name !== 'geo') return;
      const human = await drift();
      assert.equal(human.code, 2);
      assert.match(human.stdout, new RegExp(`^purge\\.yaml:${line}:\\d+: error: cache_keys\\.pages: ${dimension.replace('.', '\\.')} .*Cache Rule "Blog pages" \\(id ${r.id}\\) in zone www`, 'm'));
      assert.match(human.stdout, /hint: set cache_keys\.pages\./);
    });
  }

  it('accepts every wire form of the query string and of device type', async () => {
    const same: Json[] = [
      { query_string: { exclude: { list: ['utm_source'] } } },
      { query_string: { exclude: ['utm_source'] } },
      { query_string: { exclude: ['utm_source'], include: { all: true } } },
      { query_string: { exclude: ['utm_source'], include: '*' } },
      { query_string: { exclude: ['utm_source'], include: ['*'] } },
    ];
    for (const custom of same) {
      serve(ruleset(blog({ ignore_query_strings_order: true, cache_by_device_type: true, custom_key: custom })));
      const result = await drift();
      assert.equal(result.code, 0, `${JSON.stringify(custom)}: ${result.stdout}`);
    }
    // Device type as custom_key.user.device_type instead of cache_by_device_type.
    serve(ruleset(blog({ ignore_query_strings_order: true, custom_key: { query_string: { exclude: ['utm_source'] }, user: { device_type: true, geo: false } } })));
    assert.equal((await drift()).code, 0);
    const ignore: Json[] = [{ exclude: { all: true } }, { exclude: '*' }, { exclude: ['*'] }, { ignore: true }];
    for (const query of ignore) {
      serve(ruleset(blog({ ...PAGES_KEY, custom_key: { query_string: query } })));
      const result = await drift();
      assert.equal(result.code, 2, JSON.stringify(query));
      assert.match(result.stdout, /query_string is exclude: \[utm_source\], but .* gives ignore: true/);
    }
    const all: Json[] = [{ include: { all: true } }, { include: '*' }, { include: ['*'] }, {}];
    for (const query of all) {
      serve(ruleset(blog({ ...PAGES_KEY, custom_key: { query_string: query } })));
      const result = await drift();
      assert.equal(result.code, 2, JSON.stringify(query));
      assert.match(result.stdout, /query_string is exclude: \[utm_source\], but .* gives every parameter/);
    }
  });

  it('skips disabled rules; the last matching rule wins, and overlapping keys are a warning naming both', async () => {
    const geoEverywhere = rule('Geo everywhere', 'true', { custom_key: { user: { geo: true } } });
    serve(ruleset(blog(), { ...geoEverywhere, enabled: false }));
    assert.equal((await drift()).code, 0);
    serve(ruleset(blog(), geoEverywhere));
    const result = await drift(['--json']);
    assert.equal(result.code, 2);
    const report = JSON.parse(result.stdout) as { findings: Json[] };
    const drifts = report.findings.filter((f) => f.kind === 'drift');
    // posts now get the geo rule's key: every dimension of pages differs, and assets gain geo.
    assert.ok(drifts.every((f) => (f.rules as Json[])[0].description === 'Geo everywhere'));
    assert.ok(drifts.some((f) => f.dimension === 'geo' && (f.groups as string[]).includes('assets') && f.line === LINE.assets));
    assert.ok(drifts.some((f) => f.dimension === 'device_type' && (f.groups as string[]).includes('posts')));
    const overlap = report.findings.find((f) => f.kind === 'overlap');
    assert.ok(overlap, 'an overlap warning');
    assert.equal(overlap.severity, 'warning');
    assert.deepEqual((overlap.rules as Json[]).map((r) => r.description), ['Blog pages', 'Geo everywhere']);
    // Order matters: the blog rule last wins for posts.
    serve(ruleset(geoEverywhere, blog()));
    const reversed = JSON.parse((await drift(['--json'])).stdout) as { findings: Json[] };
    assert.deepEqual(reversed.findings.filter((f) => f.kind === 'drift').map((f) => `${(f.groups as string[]).join()}:${f.dimension}`), ['assets:geo']);
  });

  it('a rule that sets no cache key does not change the key', async () => {
    serve(ruleset(blog(), rule('TTL only', 'true', null)));
    assert.equal((await drift()).code, 0);
  });

  it('no Cache Rules (404, 10003): Cloudflare\'s default key; a non-default profile drifts', async () => {
    serve(undefined);
    const result = await drift();
    assert.equal(result.code, 2);
    assert.match(result.stdout, /www: no Cache Rules/);
    assert.match(result.stdout, /Cloudflare's default cache key \(no Cache Rule sets one\)/);
    const plain = await drift([], CONFIG.replace(/cache_keys:[\s\S]*?groups:/, 'groups:').replace('    cache_key: pages\n', ''));
    assert.equal(plain.code, 0, plain.stdout);
  });

  it('403: an error naming Zone › Cache Rules › Read; the token is never printed', async () => {
    serve(ruleset(blog()));
    const site = new Site().write('purge.yaml', CONFIG);
    try {
      const result = await site.run(['drift', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: 'purge-only-token' } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Cloudflare refused to read the Cache Rules of zone www/);
      assert.match(result.stderr, /Zone › Cache Rules › Read/);
      assert.doesNotMatch(result.stdout + result.stderr, /purge-only-token/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      const json = await site.run(['drift', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: 'purge-only-token' } });
      assert.equal(json.code, 1);
      assert.match((JSON.parse(json.stdout) as { error: { hint: string } }).error.hint, /Cache Rules › Read/);
    } finally {
      site.remove();
    }
  });

  it('a 5xx is retried; a missing token or plain-http API URL sends nothing', async () => {
    serve(ruleset(blog()));
    let failures = 1;
    const flaky = await startStandin({ tokens: [TOKEN], zones: [ZONE], rulesets, fault: (ctx) => (ctx.path.includes('/rulesets/') && failures-- > 0 ? { kind: 'status', status: 503 } : undefined) });
    const site = new Site().write('purge.yaml', CONFIG);
    try {
      const ok = await site.run(['drift', '--api-url', flaky.url], { env: env() });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(flaky.log.length, 2);
      const missing = await site.run(['drift', '--api-url', flaky.url], { env: {} });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /CLOUDFLARE_API_TOKEN/);
      const plain = await site.run(['drift', '--api-url', 'http://api.example.com/client/v4'], { env: env() });
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /refusing plain http/);
      assert.equal(flaky.log.length, 2);
    } finally {
      site.remove();
      await flaky.close();
    }
  });

  it('a rule that depends on the request is a warning, an error with --strict', async () => {
    serve(ruleset(blog(), rule('Beta testers', 'starts_with(http.request.uri.path, "/posts/") and http.cookie contains "beta=1"', { ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, cookie: { include: ['beta'] } } })));
    const lenient = await drift();
    assert.equal(lenient.code, 0, lenient.stdout);
    assert.match(lenient.stdout, new RegExp(`^purge\\.yaml:${LINE.pages}:3: warning: Cache Rule "Beta testers" .* depends on the request \\(http\\.cookie\\)`, 'm'));
    const strict = await drift(['--strict']);
    assert.equal(strict.code, 2);
    assert.match(strict.stdout, /error: Cache Rule "Beta testers"/);
  });

  it('an unreadable rule is reported with its position in the expression', async () => {
    serve(ruleset(blog(), rule('Odd', 'http.host eq "www.example.com" and any(http.request.headers["x"][*] == "a"', { custom_key: { user: { lang: true } } })));
    const result = await drift();
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /warning: zones\.www: the expression of Cache Rule "Odd" .* is unreadable at character 75: expected "," or "\)"/);
    assert.match(result.stdout, /warning: Cache Rule "Odd" .* may set another cache key/);
    assert.equal((await drift(['--strict'])).code, 2);
  });

  it('a function outside the subset or a named list makes only its term depend on the request', async () => {
    // Limited by a readable term to another host: false for every URL of this zone, whatever
    // any(), lookup_json_string() or the list hold. No warning; --strict passes.
    const elsewhere = [
      'http.host eq "api.example.com" and any(http.request.headers["x-api-key"][*] == "k")',
      'http.host in {"shop.example.com" "cdn.example.com"} and lookup_json_string(http.request.body.raw, "tier") eq "gold"',
      'http.host eq "old.example.com" and http.request.uri.path in $legacy_paths',
      '(ip.src in $office_ips or all(http.request.headers.names[*] ne "x-preview")) and starts_with(http.request.uri.path, "/admin/")',
      'http.host eq "www.example.com" and http.request.uri.path.extension eq "mp3" and not ip.src in $cf.open_proxies',
    ];
    serve(ruleset(blog(), ...elsewhere.map((expression, i) => rule(`Other ${i}`, expression, { custom_key: { user: { geo: true } } }))));
    const lenient = await drift();
    assert.equal(lenient.code, 0, lenient.stdout);
    assert.doesNotMatch(lenient.stdout, /warning|unreadable/, lenient.stdout);
    assert.match(lenient.stdout, /^No drift/m);
    const strict = await drift(['--strict']);
    assert.equal(strict.code, 0, strict.stdout);
    // On this zone's host, the same term decides nothing: depends on the request, named.
    serve(ruleset(blog(), rule('Keyed API', 'http.host eq "www.example.com" and any(http.request.headers["x-api-key"][*] == "k")', { custom_key: { user: { geo: true } } }), rule('Listed', 'http.request.uri.path in $legacy_paths', { custom_key: { user: { lang: true } } })));
    const ours = await drift();
    assert.equal(ours.code, 0, ours.stdout);
    assert.doesNotMatch(ours.stdout, /unreadable/);
    assert.match(ours.stdout, /warning: Cache Rule "Keyed API" .* depends on the request \(any\(\)\)/);
    assert.match(ours.stdout, /warning: Cache Rule "Listed" .* depends on the request \(http\.request\.uri\.path in the list \$legacy_paths\)/);
    assert.equal((await drift(['--strict'])).code, 2);
  });

  it('header.contains is a warning, not a silent drop', async () => {
    serve(ruleset(blog({ ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, header: { contains: { 'accept-encoding': ['br', 'zstd'] } } } })));
    const result = await drift();
    assert.equal(result.code, 0);
    assert.match(result.stdout, /warning: .*keys on header accept-encoding only when it contains a listed substring \(header\.contains\)/);
  });

  it('a group whose URLs get different keys from different rules is reported per URL pattern', async () => {
    const yaml = CONFIG.replace('    urls: ["https://www.example.com/posts/{1..3}/?utm_source=x"]', '    urls:\n      - "https://www.example.com/posts/{1..3}/?utm_source=x"\n      - "https://www.example.com/api/posts.json"');
    serve(ruleset(blog(), rule('API', 'http.request.uri.path.extension eq "json"', { custom_key: { header: { include: ['authorization-scope'] } } })));
    const result = await drift(['--json'], yaml);
    assert.equal(result.code, 2);
    const report = JSON.parse(result.stdout) as { findings: Json[] };
    const split = report.findings.find((f) => f.kind === 'split');
    assert.ok(split);
    assert.match(String(split.message), /urls\[0\] .*Blog pages.*urls\[1\] .*API/);
    const drifts = report.findings.filter((f) => f.kind === 'drift');
    assert.ok(drifts.length > 0);
    assert.ok(drifts.every((f) => (f.patterns as string[]).join() === 'groups.posts.urls[1] https://www.example.com/api/posts.json'));
  });
});

describe('import: the zone\'s rules as purge.yaml', () => {
  it('prints a cache_keys block and each group\'s cache_key; pasted into purge.yaml, drift finds nothing', async () => {
    const r = rule('Blog pages (v2)', 'http.request.uri.path wildcard "/posts/*"', { ignore_query_strings_order: true, custom_key: { query_string: { include: { list: ['page', 'id'] } }, user: { device_type: true }, header: { exclude_origin: true } } });
    serve(ruleset(r, rule('Disabled', 'true', { custom_key: { user: { geo: true } } }, { enabled: false }), rule('Static', 'http.request.uri.path.extension in {"js" "css"}', { custom_key: { query_string: { exclude: '*' } } })));
    const yaml = CONFIG.replace(/cache_keys:[\s\S]*?groups:/, 'groups:').replace('    cache_key: pages\n', '');
    const site = new Site().write('purge.yaml', yaml);
    try {
      const imported = await site.run(['import', '--zone', 'www', '--api-url', standin.url], { env: env() });
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^cache_keys:$/m);
      assert.match(imported.stdout, /^ {2}blog-pages-v2:$/m);
      assert.match(imported.stdout, /^ {2}static:$/m);
      assert.doesNotMatch(imported.stdout, /disabled:/);
      assert.match(imported.stdout, /1 disabled \(skipped\)/);
      const block = parse(imported.stdout) as { cache_keys: Json; groups: Record<string, Json> };
      assert.deepEqual(block.groups, { posts: { cache_key: 'blog-pages-v2' }, assets: { cache_key: 'static' } });
      assert.deepEqual(block.cache_keys['blog-pages-v2'], { query_string: { sort: true, include: ['id', 'page'] }, device_type: true, headers: { exclude_origin: true } });
      // Paste: add the block and each group's cache_key.
      const config = parse(yaml) as { groups: Record<string, Json> } & Json;
      config.cache_keys = block.cache_keys;
      for (const [name, group] of Object.entries(block.groups)) Object.assign(config.groups[name], group);
      site.write('purge.yaml', stringify(config));
      const check = await site.run(['drift', '--api-url', standin.url], { env: env() });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /^No drift/m);
    } finally {
      site.remove();
    }
  });

  it('warns about header.contains and writes no file', async () => {
    serve(ruleset(blog({ ...PAGES_KEY, custom_key: { ...PAGES_KEY.custom_key, header: { contains: { 'accept-encoding': ['br'] } } } })));
    const site = new Site().write('purge.yaml', CONFIG);
    try {
      const result = await site.run(['import', '--api-url', standin.url], { env: env() });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /warning: .*header\.contains \(accept-encoding\), which purge\.yaml cannot declare yet/);
      assert.deepEqual(site.read('purge.yaml'), CONFIG);
      const unknown = await site.run(['import', '--zone', 'nope', '--api-url', standin.url], { env: env() });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no zone named "nope"/);
    } finally {
      site.remove();
    }
  });
});

describe('apply --check-drift', () => {
  it('refuses to send anything on drift; sends when the keys match', async () => {
    serve(ruleset(blog({ ...PAGES_KEY, cache_by_device_type: false })));
    const site = new Site().write('purge.yaml', CONFIG);
    try {
      const before = standin.log.length;
      const refused = await site.run(['apply', '--auto-approve', '--check-drift', '--api-url', standin.url], { env: env() });
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /purge\.yaml:9:\d+: error: cache_keys\.pages: device_type/);
      assert.match(refused.stderr, /refusing to apply: .*nothing was sent/);
      assert.equal(standin.accepted.length, 0);
      assert.ok(standin.log.slice(before).every((r) => !r.path.endsWith('/purge_cache')));
      serve(ruleset(blog()));
      const sent = await site.run(['apply', '--auto-approve', '--check-drift', '--api-url', standin.url], { env: env() });
      assert.equal(sent.code, 0, sent.stdout + sent.stderr);
      assert.ok(standin.accepted.length > 0);
    } finally {
      site.remove();
    }
  });
});
