// `purgeplan coverage --graphql` (docs/coverage.md, "Without Logpush") through the built CLI against the
// loopback GraphQL stand-in, which parses and checks every query it receives: the query's shape,
// the settings read first, pages, consecutive windows, retention refused before querying, at most
// 10 zones a query, errors (with HTTP 200 too), the permission named on 403, not-observable
// dimensions never missed, sampling stated, and rows counted by weight like log records.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGraphqlStandin } from './support/graphql-standin.js';
import type { GraphqlEvent, GraphqlStandin, GraphqlStandinOptions, ReceivedQuery } from './support/graphql-standin.js';
import { configYaml, runCli } from './support/config-builder.js';
import { logLine } from './support/logpush.js';
import { runOnce, Site, TOKEN, ZONE_ID } from './support/site.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OTHER_ID = '9a7806061c88ada191ed06f989cc3dac';

/** A key the dataset sees whole (device type) and one it does not (language, a header, a cookie, Origin). */
const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: { pages: { query_string: { sort: true }, device_type: true, lang: true, headers: { include: ['x-tenant'] }, cookies: { include: ['ab'] } } },
  groups: {
    posts: { urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] }, variants: { device_type: ['desktop', 'mobile'], lang: ['ja', 'en-US'], headers: { 'x-tenant': ['t1'] }, cookies: { ab: ['1'] } } },
    feeds: { prefixes: ['www.example.com/feeds/'] },
  },
});

type Report = {
  source: string;
  dataset: string;
  sampled: boolean;
  window: { from: string; to: string };
  not_observable: string[];
  scheme_observed: boolean;
  zones: { zone: string; id: string; rows: number; requests: number }[];
  requests: Record<string, number>;
  entries: Record<string, number>;
  coverage: number | null;
  missed_values: { dimension: string; value: string | null; requests: number; entries: number; groups: string[]; fix: string }[];
  missed_entries: { entry: string; requests: number }[];
  skipped_lines: { file: string; line: number; reason: string }[];
};

const ago = (ms: number) => Date.now() - ms;
const event = (spec: Partial<GraphqlEvent> & { path: string }): GraphqlEvent => ({ zone: ZONE_ID, at: ago(HOUR), host: 'www.example.com', ...spec });

/** Purged 12 / 2 entries, missed 5 / 2 (a tablet; a query the key keeps), outside 4, not cached 9. */
const EVENTS: GraphqlEvent[] = [
  event({ path: '/posts/a/', count: 7 }),
  event({ path: '/posts/a/', device: 'mobile', count: 5 }),
  event({ path: '/posts/a/', device: 'tablet', count: 3 }),
  event({ path: '/posts/b/', query: 'utm=1', count: 2 }),
  event({ path: '/about/', count: 4 }),
  event({ path: '/posts/a/', cacheStatus: 'dynamic', count: 9 }),
  event({ path: '/posts/a/', source: 'healthcheck', count: 100 }),
  event({ path: '/posts/a/', at: ago(3 * DAY), count: 50 }),
];

async function withStandin(options: Partial<GraphqlStandinOptions>, body: (standin: GraphqlStandin) => Promise<void>): Promise<void> {
  const standin = await startGraphqlStandin({ zones: [{ id: ZONE_ID, name: 'example.com' }], readers: { [TOKEN]: [ZONE_ID, OTHER_ID] }, events: EVENTS, ...options });
  try {
    await body(standin);
  } finally {
    await standin.close();
  }
}

const coverage = (standin: GraphqlStandin, args: string[] = [], yaml = SITE, env: NodeJS.ProcessEnv = { CLOUDFLARE_API_TOKEN: TOKEN }) =>
  runOnce(standin.url, yaml, ['coverage', '--graphql', ...args], env);

const groupQueries = (standin: GraphqlStandin): ReceivedQuery[] => standin.queries.filter((q) => q.kind === 'groups');

describe('coverage --graphql: the query (docs/coverage.md)', () => {
  it('reads the settings node first, then httpRequestsAdaptiveGroups per zone: datetime window, eyeball, the six dimensions and the scheme, count, limit and orderBy', async () => {
    await withStandin({}, async (standin) => {
      const result = await coverage(standin, ['--json']);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(standin.queries[0]!.kind, 'settings');
      assert.match(standin.queries[0]!.query, /settings \{\s*httpRequestsAdaptiveGroups \{[^}]*maxDuration[^}]*maxPageSize[^}]*notOlderThan/);
      const [query] = groupQueries(standin);
      assert.equal(groupQueries(standin).length, 1);
      assert.equal(query!.authorization, `Bearer ${TOKEN}`);
      const [dataset] = query!.datasets;
      assert.deepEqual(dataset!.dimensions, ['clientRequestHTTPHost', 'clientRequestPath', 'clientRequestQuery', 'clientDeviceType', 'clientCountryName', 'cacheStatus', 'clientRequestScheme']);
      assert.equal(dataset!.limit, 10_000);
      assert.equal(dataset!.filter.requestSource, 'eyeball');
      assert.equal(Date.parse(dataset!.filter.datetime_lt as string) - Date.parse(dataset!.filter.datetime_geq as string), DAY);
      assert.deepEqual(dataset!.orderBy, dataset!.dimensions.map((d) => `${d}_ASC`));
      assert.match(query!.query, /\bcount\b/);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.source, 'graphql');
      assert.equal(report.dataset, 'httpRequestsAdaptiveGroups');
      assert.equal(report.sampled, true);
      assert.equal(report.scheme_observed, true);
      assert.equal(Date.parse(report.window.to) - Date.parse(report.window.from), DAY);
    });
  });

  it('counts rows by their count, as log records: classes, entries, coverage, missed values with their fixes', async () => {
    await withStandin({}, async (standin) => {
      const report = JSON.parse((await coverage(standin, ['--json'])).stdout) as Report;
      assert.deepEqual(report.requests, { purged: 12, missed: 5, outside: 4, unknown: 0, not_cached: 9, skipped: 0 });
      assert.deepEqual(report.entries, { purged: 2, missed: 2, outside: 1, unknown: 0 });
      assert.equal(report.coverage, 12 / 17);
      assert.deepEqual(report.missed_values.map((v) => [v.dimension, v.value, v.requests, v.entries]), [['device_type', 'tablet', 3, 1], ['query', 'utm', 2, 1]]);
      assert.equal(report.missed_values[0]!.fix, 'add "tablet" to groups.posts.variants.device_type');
      assert.deepEqual(report.zones, [{ zone: 'www', id: ZONE_ID, rows: 6, requests: 30 }]);
    });
  });

  it('gives the report the same requests as Logpush lines would, through one weighted aggregation', async () => {
    const yaml = configYaml({
      zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'devices' } },
      cache_keys: { devices: { device_type: true, geo: true, headers: { exclude_origin: true } } },
      groups: { posts: { urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] }, variants: { device_type: ['desktop', 'mobile'], geo: ['US', 'JP'] } } },
    });
    const events: GraphqlEvent[] = [
      event({ path: '/posts/a/', count: 4 }), event({ path: '/posts/a/', country: 'FR', count: 3 }), event({ path: '/posts/b/', device: 'tablet', country: 'JP', count: 2 }),
      event({ path: '/posts/b/', scheme: 'http', count: 1 }), event({ path: '/other/', count: 6 }), event({ path: '/posts/a/', cacheStatus: 'bypass', count: 2 }),
    ];
    const lines = events.map((e) => logLine({ url: `${e.scheme ?? 'https'}://${e.host}${e.path}`, device: e.device ?? 'desktop', country: (e.country ?? 'US').toLowerCase(), status: e.cacheStatus ?? 'hit', headers: {}, cookies: {}, count: e.count }));
    const site = new Site().write('purge.yaml', yaml).write('requests.log', `${lines.join('\n')}\n`);
    try {
      const fromLogs = JSON.parse(runCli(['coverage', '--logs', 'requests.log', '--json'], site.dir).stdout) as Report;
      await withStandin({ events }, async (standin) => {
        const fromGraphql = JSON.parse((await coverage(standin, ['--json'], yaml)).stdout) as Report;
        assert.deepEqual(fromGraphql.requests, fromLogs.requests);
        assert.deepEqual(fromGraphql.entries, fromLogs.entries);
        assert.deepEqual(fromGraphql.missed_values, fromLogs.missed_values);
        assert.deepEqual(fromGraphql.missed_entries, fromLogs.missed_entries);
        assert.equal(fromGraphql.coverage, fromLogs.coverage);
        assert.deepEqual(fromGraphql.not_observable, []);
      });
    } finally {
      site.remove();
    }
  });
});

describe('coverage --graphql: paging and windows within the settings node (docs/coverage.md)', () => {
  it('pages with limit and orderBy at maxPageSize: every row once, the next page after the last row', async () => {
    const events = Array.from({ length: 7 }, (_, i) => event({ path: `/posts/${i < 4 ? 'a' : 'b'}/`, query: `p=${i}`, device: ['desktop', 'mobile'][i % 2], count: i + 1 }));
    await withStandin({ events, zones: [{ id: ZONE_ID, settings: { maxPageSize: 3 } }] }, async (standin) => {
      const report = JSON.parse((await coverage(standin, ['--json'])).stdout) as Report;
      const pages = groupQueries(standin);
      assert.equal(pages.length, 3);
      assert.ok(pages.every((q) => q.datasets[0]!.limit === 3));
      assert.equal(pages[0]!.datasets[0]!.filter.OR, undefined);
      const after = pages[1]!.datasets[0]!.filter.OR as Record<string, unknown>[];
      assert.equal(after.length, 7);
      assert.deepEqual(Object.keys(after[0]!), ['clientRequestHTTPHost_gt']);
      assert.deepEqual(Object.keys(after[6]!), [...pages[0]!.datasets[0]!.dimensions.slice(0, 6), 'clientRequestScheme_gt']);
      assert.deepEqual(report.zones, [{ zone: 'www', id: ZONE_ID, rows: 7, requests: 28 }]);
      assert.equal(report.requests.purged + report.requests.missed + report.requests.outside, 28);
    });
  });

  it('reads a window longer than maxDuration as consecutive windows, each row once', async () => {
    const from = Math.floor(ago(7 * DAY) / 1000) * 1000;
    const to = from + 7 * DAY;
    const boundary = from + 3 * DAY;
    const events = [event({ path: '/posts/a/', at: from, count: 1 }), event({ path: '/posts/a/', at: boundary, count: 2 }), event({ path: '/posts/a/', at: boundary - 1000, count: 4 }), event({ path: '/posts/a/', at: to - 1000, count: 8 }), event({ path: '/posts/a/', at: to, count: 16 })];
    await withStandin({ events, zones: [{ id: ZONE_ID, settings: { maxDuration: 3 * 86_400 } }] }, async (standin) => {
      const result = await coverage(standin, ['--from', new Date(from).toISOString(), '--to', new Date(to).toISOString(), '--json']);
      assert.equal(result.code, 0, result.stderr);
      const windows = groupQueries(standin).map((q) => [Date.parse(q.datasets[0]!.filter.datetime_geq as string), Date.parse(q.datasets[0]!.filter.datetime_lt as string)]);
      assert.deepEqual(windows, [[from, from + 3 * DAY], [from + 3 * DAY, from + 6 * DAY], [from + 6 * DAY, to]]);
      assert.equal((JSON.parse(result.stdout) as Report).requests.purged, 15);
    });
  });

  it('refuses a window reaching past notOlderThan before querying any row, exit 1, quoting the limit', async () => {
    await withStandin({ zones: [{ id: ZONE_ID, settings: { notOlderThan: 86_400 } }] }, async (standin) => {
      const result = await coverage(standin, ['--since', '2d']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /notOlderThan is 86400 s \(1d\)/);
      assert.match(result.stderr, /--since 2d/);
      assert.deepEqual(standin.queries.map((q) => q.kind), ['settings']);
      assert.equal(result.stdout, '');
    });
  });

  it('reads a window at the very edge of retention (--since 24h, notOlderThan 1 day)', async () => {
    await withStandin({ zones: [{ id: ZONE_ID, settings: { notOlderThan: 86_400 } }] }, async (standin) => {
      const result = await coverage(standin, ['--since', '24h', '--json']);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(groupQueries(standin).length, 1);
    });
  });

  it('takes durations in s, m, h and d, and refuses anything else before sending', async () => {
    await withStandin({}, async (standin) => {
      for (const [since, seconds] of [['90s', 90], ['45m', 2700], ['6h', 21_600], ['2d', 172_800]] as const) {
        const result = await coverage(standin, ['--since', since, '--json']);
        assert.ok(result.code === 0 || result.code === 2, result.stderr);
        const filter = groupQueries(standin).at(-1)!.datasets[0]!.filter;
        assert.equal(Date.parse(filter.datetime_lt as string) - Date.parse(filter.datetime_geq as string), seconds * 1000, since);
      }
      const sent = standin.queries.length;
      for (const bad of ['24', '1w', '0h', '-1d', 'h']) {
        const result = await coverage(standin, ['--since', bad]);
        assert.equal(result.code, 1, bad);
        assert.match(result.stderr, /--since .* is not a duration/);
      }
      for (const args of [['--from', '2026-11-30T08:00:00'], ['--from', '2026-02-30'], ['--to', '2026-11-30'], ['--since', '1h', '--from', '2026-11-30']]) {
        assert.equal((await coverage(standin, args)).code, 1, args.join(' '));
      }
      assert.equal(standin.queries.length, sent);
    });
  });
});

describe('coverage --graphql: zones and tokens (docs/coverage.md)', () => {
  const zones = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `${String(i).padStart(2, '0')}${'a'.repeat(30)}`, name: `site${i}.test` }));
  const manyZones = (n: number, tokenEnv = (_: number) => 'CLOUDFLARE_API_TOKEN') => configYaml({
    zones: Object.fromEntries(zones(n).map((z, i) => [`z${i}`, { id: z.id, name: z.name, token_env: tokenEnv(i) }])),
    groups: { home: { zone: 'z0', urls: ['https://site0.test/'] } },
  });

  it('asks at most 10 zones a query: 12 zones are two settings queries and two page queries', async () => {
    await withStandin({ zones: zones(12), readers: { [TOKEN]: zones(12).map((z) => z.id) } }, async (standin) => {
      const result = await coverage(standin, ['--json'], manyZones(12));
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(standin.queries.map((q) => [q.kind, q.zoneTags.length]), [['settings', 10], ['settings', 2], ['groups', 10], ['groups', 2]]);
      assert.equal((JSON.parse(result.stdout) as Report).zones.length, 12);
    });
  });

  it('pages zones of one query on their own: a zone with more rows goes on alone, every row once', async () => {
    const [a, b] = zones(2);
    const events = [...Array.from({ length: 5 }, (_, i) => event({ zone: a!.id, host: 'site0.test', path: `/${i}`, count: i + 1 })), event({ zone: b!.id, host: 'site1.test', path: '/', count: 10 })];
    await withStandin({ events, zones: [{ ...a!, settings: { maxPageSize: 2 } }, b!], readers: { [TOKEN]: [a!.id, b!.id] } }, async (standin) => {
      const result = await coverage(standin, ['--json'], manyZones(2));
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(groupQueries(standin).map((q) => q.zoneTags), [[a!.id, b!.id], [a!.id], [a!.id]]);
      assert.ok(groupQueries(standin).every((q) => q.datasets.every((d) => d.limit === 2)));
      assert.deepEqual((JSON.parse(result.stdout) as Report).zones.map((z) => [z.zone, z.rows, z.requests]), [['z0', 5, 15], ['z1', 1, 10]]);
    });
  });

  it('sends each zone with its own token: zones of different tokens never share a query', async () => {
    const all = zones(3);
    await withStandin({ zones: all, readers: { [TOKEN]: [all[0]!.id, all[2]!.id], 'other-token-0123456789': [all[1]!.id] } }, async (standin) => {
      const result = await coverage(standin, ['--json'], manyZones(3, (i) => (i === 1 ? 'OTHER_TOKEN' : 'CLOUDFLARE_API_TOKEN')), { CLOUDFLARE_API_TOKEN: TOKEN, OTHER_TOKEN: 'other-token-0123456789' });
      assert.equal(result.code, 0, result.stderr);
      const pages = groupQueries(standin).map((q) => [q.authorization, q.zoneTags]);
      assert.deepEqual(pages, [[`Bearer ${TOKEN}`, [all[0]!.id, all[2]!.id]], ['Bearer other-token-0123456789', [all[1]!.id]]]);
    });
  });

  it('looks a zone up by name when purge.yaml gives no id', async () => {
    await withStandin({}, async (standin) => {
      const yaml = SITE.replace(`"id": "${ZONE_ID}",`, '');
      const result = await coverage(standin, ['--json'], yaml);
      assert.equal(result.code, 2, result.stderr);
      assert.deepEqual(standin.lookups, ['example.com']);
      assert.equal(groupQueries(standin)[0]!.zoneTags[0], ZONE_ID);
    });
  });
});

describe('coverage --graphql: errors (docs/coverage.md)', () => {
  it('any errors entry is an error, with HTTP 200 too; messages escaped, the token never shown', async () => {
    const fault = (q: ReceivedQuery) => (q.kind === 'groups' ? { status: 200, data: { viewer: { z0: [] } }, errors: [{ message: `boom \u001b[31mred\u001b[0m ${TOKEN}`, path: ['viewer', 'z0', 'httpRequestsAdaptiveGroups'] }] } : undefined);
    await withStandin({ fault }, async (standin) => {
      const result = await coverage(standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /GraphQL API failed for zone www: boom \\u001b\[31mred\\u001b\[0m \[REDACTED\] \(zone www\) \(HTTP 200\)/);
      assert.doesNotMatch(result.stderr + result.stdout, new RegExp(TOKEN));
      assert.doesNotMatch(result.stderr, /\u001b/);
      assert.equal(result.stdout, '');
    });
  });

  it('a 403 names the permission (Analytics Read) and the token variable', async () => {
    await withStandin({ readers: { [TOKEN]: [] } }, async (standin) => {
      const result = await coverage(standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Cloudflare refused to read GraphQL Analytics for zone www: zones \[023e105f4ecef8ad9ca31a8372d0c353\] are not authorized \(HTTP 403\)/);
      assert.match(result.stderr, /hint: the token in CLOUDFLARE_API_TOKEN needs Analytics Read \(Zone › Analytics › Read\) on zone www/);
    });
  });

  it('an error saying the zone is not authorized names the permission even with HTTP 200, and so does a 401', async () => {
    await withStandin({ readers: { [TOKEN]: [] }, refuseWith: 200 }, async (standin) => {
      const result = await coverage(standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /are not authorized \(HTTP 200\)/);
      assert.match(result.stderr, /needs Analytics Read/);
    });
    await withStandin({}, async (standin) => {
      const result = await coverage(standin, [], SITE, { CLOUDFLARE_API_TOKEN: 'not-a-known-token' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Unauthorized \(HTTP 401\)/);
      assert.match(result.stderr, /needs Analytics Read/);
    });
  });

  it('retries a 429 and a 5xx as apply does, then reads on', async () => {
    let failures = 0;
    const fault = (q: ReceivedQuery) => (q.kind === 'groups' && failures++ < 2 ? { status: failures === 1 ? 429 : 503, retryAfterSeconds: 0, errors: [{ message: 'rate limiter budget depleted, try again after 5 minutes' }] } : undefined);
    await withStandin({ fault }, async (standin) => {
      const result = await coverage(standin, ['--json']);
      assert.equal(result.code, 2, result.stderr);
      assert.deepEqual(groupQueries(standin).map((q) => q.status), [429, 503, 200]);
    });
  });

  it('a zone whose dataset is not enabled, or lacks a dimension coverage needs, is an error before any row is read', async () => {
    await withStandin({ zones: [{ id: ZONE_ID, settings: { enabled: false } }] }, async (standin) => {
      const result = await coverage(standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /httpRequestsAdaptiveGroups is not enabled for the zone/);
      assert.equal(groupQueries(standin).length, 0);
    });
    await withStandin({ zones: [{ id: ZONE_ID, settings: { availableFields: ['count', 'dimensions_clientRequestHTTPHost', 'dimensions_clientRequestPath'] } }] }, async (standin) => {
      const result = await coverage(standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /does not offer clientRequestQuery, clientDeviceType, clientCountryName, cacheStatus for zone www/);
      assert.equal(groupQueries(standin).length, 0);
    });
  });

  it('a server that ignores the page filter is caught, not looped on', async () => {
    const row = (path: string) => ({ count: 1, dimensions: { clientRequestHTTPHost: 'www.example.com', clientRequestPath: path, clientRequestQuery: '', clientDeviceType: 'desktop', clientCountryName: 'US', cacheStatus: 'hit', clientRequestScheme: 'https' } });
    const fault = (q: ReceivedQuery) => (q.kind === 'groups' ? { status: 200, data: { viewer: { z0: [{ zoneTag: ZONE_ID, httpRequestsAdaptiveGroups: [row('/posts/a/'), row('/posts/b/')] }] } } } : undefined);
    await withStandin({ fault, zones: [{ id: ZONE_ID, settings: { maxPageSize: 2 } }] }, async (standin) => {
      const result = await coverage(standin, [], SITE);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /could not page through the httpRequestsAdaptiveGroups rows of zone www .*: a full page ends on the row the page before ended on/);
      assert.equal(groupQueries(standin).length, 2);
    });
  });

  it('a row without a host or a path is skipped by its count, with its number, like a bad log line', async () => {
    const events = [event({ path: 'posts/a/', count: 4 }), event({ path: '/posts/a/', count: 2 }), event({ path: '/posts/a/', host: '', count: 3 })];
    await withStandin({ events }, async (standin) => {
      const report = JSON.parse((await coverage(standin, ['--json'])).stdout) as Report;
      assert.equal(report.requests.skipped, 7);
      assert.equal(report.requests.purged, 2);
      assert.deepEqual(report.skipped_lines, [{ file: 'graphql', line: 1, reason: 'no clientRequestHTTPHost' }, { file: 'graphql', line: 3, reason: 'clientRequestPath is not a path' }]);
    });
  });

  it('one source at a time, and the GraphQL flags only with --graphql', () => {
    const site = new Site().write('purge.yaml', SITE).write('a.log', '');
    try {
      for (const [args, message] of [
        [['coverage'], /coverage needs a source/],
        [['coverage', '--logs', 'a.log', '--graphql'], /--logs and --graphql cannot be combined/],
        [['coverage', '--logs', 'a.log', '--since', '1h'], /--since needs --graphql/],
        [['coverage', '--logs', 'a.log', '--api-url', 'http://127.0.0.1:9/'], /--api-url needs --graphql/],
      ] as const) {
        const result = runCli(args, site.dir);
        assert.equal(result.status, 1, args.join(' '));
        assert.match(result.stderr, message);
      }
    } finally {
      site.remove();
    }
  });
});

describe('coverage --graphql: what the dataset cannot see (docs/coverage.md)', () => {
  it('lists the not-observable dimensions by name and never counts their values as missed; the report says it is sampled', async () => {
    await withStandin({}, async (standin) => {
      const report = JSON.parse((await coverage(standin, ['--json'])).stdout) as Report;
      assert.deepEqual(report.not_observable, ['accept-language', 'cookie:ab', 'origin', 'x-tenant']);
      assert.ok(report.missed_values.every((v) => ['device_type', 'query'].includes(v.dimension)), JSON.stringify(report.missed_values));
      assert.ok(report.missed_entries.every((e) => !/accept-language|x-tenant|cookie|origin/.test(e.entry)), JSON.stringify(report.missed_entries));
      const human = await coverage(standin);
      assert.match(human.stdout, /^Sampled: httpRequestsAdaptiveGroups is an adaptive \(sampled\) dataset/m);
      assert.match(human.stdout, /^Not observable: accept-language, cookie:ab, origin, x-tenant\./m);
      const markdown = await coverage(standin, ['--markdown']);
      assert.match(markdown.stdout, /^> Sampled: /m);
      assert.match(markdown.stdout, /^> Not observable: accept-language, cookie:ab, origin, x-tenant\./m);
    });
  });

  it('without the scheme in the dataset, a URL matches either scheme; with it, another scheme is missed with its fix', async () => {
    const yaml = configYaml({ zones: { www: { id: ZONE_ID, name: 'example.com' } }, groups: { legacy: { urls: ['http://www.example.com/old/'] } } });
    const events = [event({ path: '/old/', scheme: 'https', count: 3 })];
    const noScheme = DEFAULT_FIELDS.filter((f) => f !== 'dimensions_clientRequestScheme');
    await withStandin({ events, zones: [{ id: ZONE_ID, settings: { availableFields: noScheme } }] }, async (standin) => {
      const result = await coverage(standin, ['--json'], yaml);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.scheme_observed, false);
      assert.equal(report.requests.purged, 3);
      assert.ok(!groupQueries(standin)[0]!.datasets[0]!.dimensions.includes('clientRequestScheme'));
      assert.match((await coverage(standin, [], yaml)).stdout, /^No scheme: .* a URL matches either scheme\.$/m);
    });
    await withStandin({ events }, async (standin) => {
      const report = JSON.parse((await coverage(standin, ['--json'], yaml)).stdout) as Report;
      assert.equal(report.requests.missed, 3);
      assert.equal(report.missed_values[0]!.dimension, 'scheme');
    });
  });

  it('against a saved plan too: variants of headers it cannot see are one entry', async () => {
    await withStandin({}, async (standin) => {
      const site = new Site().write('purge.yaml', SITE);
      try {
        assert.equal(runCli(['plan', '--all', '--out', 'all.plan'], site.dir).status, 0);
        const withPlan = await site.run(['coverage', '--graphql', '--plan', 'all.plan', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        const without = await site.run(['coverage', '--graphql', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        const strip = (text: string) => { const r = JSON.parse(text) as Report & { against?: string }; return { requests: r.requests, entries: r.entries, missed_values: r.missed_values }; };
        assert.equal(withPlan.code, 2, withPlan.stderr);
        assert.deepEqual(strip(withPlan.stdout), strip(without.stdout));
      } finally {
        site.remove();
      }
    });
  });

  it('values from the API are inert on the terminal and in markdown', async () => {
    const events = [event({ path: '/posts/a/', device: 'tab\u001b[2Jlet', count: 2 }), event({ path: '/posts/a/', device: '@admin [x](https://evil.test)', count: 1 })];
    await withStandin({ events }, async (standin) => {
      const human = await coverage(standin);
      assert.equal(human.code, 2, human.stderr);
      assert.doesNotMatch(human.stdout, /\u001b/);
      assert.match(human.stdout, /tab\\u001b\[2Jlet/);
      const markdown = await coverage(standin, ['--markdown']);
      // In a code span as it is, in free text escaped: no link, no mention.
      assert.match(markdown.stdout, /\| `@admin \[x\]\(https:\/\/evil\.test\)` \|/);
      assert.match(markdown.stdout, /add "@&#8203;admin \\\[x\\\]\(https:&#8203;\/\/evil\.test\)"/);
    });
  });
});

const DEFAULT_FIELDS = ['count', ...['clientRequestHTTPHost', 'clientRequestPath', 'clientRequestQuery', 'clientRequestScheme', 'clientDeviceType', 'clientCountryName', 'cacheStatus', 'requestSource', 'datetime'].map((f) => `dimensions_${f}`)];

describe('coverage --graphql twice in a row', () => {
  let standin: GraphqlStandin;
  before(async () => { standin = await startGraphqlStandin({ zones: [{ id: ZONE_ID, name: 'example.com' }], readers: { [TOKEN]: [ZONE_ID] }, events: EVENTS }); });
  after(() => standin.close());

  it('gives the same report (the window aside)', async () => {
    const strip = (text: string) => ({ ...(JSON.parse(text) as Report), window: undefined });
    const first = await coverage(standin, ['--json']);
    const second = await coverage(standin, ['--json']);
    assert.deepEqual(strip(second.stdout), strip(first.stdout));
  });
});
