// `purgeplan apply --warm` through the built CLI (docs/commands.md#apply-in-the-deploys-order, "Warm what was purged"), against the API
// stand-in and the edge stand-in: what a release job sees, and what the edge was asked.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin, StandinOptions } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import type { Edge, EdgeOptions, EdgeRequest } from './support/edge-standin.js';
import { PRO_ZONE, Site, TOKEN, ZONE_ID } from './support/site.js';
import type { CliResult, RunOptions } from './support/site.js';

/** Two groups with device type (3 variants a URL) and one whose key also has a country (JP, US). */
function config(extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: site }
cache_keys:
  site: { device_type: true }
  bycountry: { device_type: true, geo: true }
groups:
  pages:
    urls: ["http://www.example.com/p/{1..4}"]
  news:
    urls: ["http://www.example.com/news/{1..3}"]
  geo:
    cache_key: bycountry
    urls: ["http://www.example.com/jp/{1..2}"]
    variants: { geo: [JP, US] }
${extra}`;
}

interface Scene { site: Site; standin: Standin; edge: Edge; apply(args?: string[], options?: RunOptions, target?: Site): Promise<CliResult> }

async function withScene(yaml: string, edgeOptions: EdgeOptions, body: (scene: Scene) => Promise<void>, standinOptions: StandinOptions = {}): Promise<void> {
  const standin = await startStandin({ tokens: [TOKEN], zones: [{ ...PRO_ZONE, plan: 'enterprise' }], ...standinOptions });
  const edge = await startEdge({ cacheKey: { cache_by_device_type: true }, ...edgeOptions, standin });
  const site = new Site().write('purge.yaml', yaml);
  const apply = (args: string[] = [], options: RunOptions = {}, target = site) => target.run(
    ['apply', '--auto-approve', '--api-url', standin.url, '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`, ...args],
    { killAfterMs: 60_000, ...options, env: { CLOUDFLARE_API_TOKEN: TOKEN, ...options.env } },
  );
  try {
    await body({ site, standin, edge, apply });
  } finally {
    await edge.close();
    await standin.close();
    site.remove();
  }
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const warmEvents = (stdout: string) => jsonLines(stdout).filter((e) => e.type === 'warm');
/** Requests the edge received after the last purge marked: the warming ones. */
function afterPurges(edge: Edge, marks: number[]): EdgeRequest[] {
  return marks.length === 0 ? [] : edge.log.slice(marks.at(-1));
}
/** From now on, how many requests the edge had received at each accepted purge. */
function markPurges(edge: Edge, standin: Standin): number[] {
  const marks: number[] = [];
  standin.onPurge(() => marks.push(edge.log.length));
  return marks;
}

describe('apply --warm: the purged items requested at the edge', () => {
  it('every purged file item once, countries collapsed; counts by status and cache status; exit 0', async () => {
    await withScene(config(), {}, async ({ standin, edge, apply }) => {
      const marks = markPurges(edge, standin);
      const result = await apply(['--warm']);
      assert.equal(result.code, 0, result.stderr);
      const warmed = afterPurges(edge, marks);
      // 7 URLs x 3 device types, plus 2 URLs x 3 device types once for both countries.
      assert.equal(warmed.length, 27);
      assert.equal(new Set(warmed.map((r) => `${r.target} ${r.deviceType}`)).size, 27);
      assert.equal(warmed.filter((r) => r.target.startsWith('/jp/')).length, 6);
      assert.match(result.stdout, /Warm: requesting 27 purged items at the edge \(8 at a time, at most 20 requests\/s, about 2 s\); 6 of them once for their 12 country variants/);
      assert.match(result.stdout, /Warm: 27 requests in \d+ s: 27 2xx; cf-cache-status MISS 27; time to first byte median \d+ ms, p95 \d+ ms\n/);
      // The phase comes after the purge's own summary.
      assert.ok(result.stdout.indexOf('Apply complete') < result.stdout.indexOf('Warm: requesting'));
      assert.equal(result.stderr.includes('warning: '), false, result.stderr);
    });
  });

  it('headers per variant: exactly the key headers, device type through a User-Agent, no Accept-Language when none, never the token', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: site }
cache_keys:
  site: { device_type: true, lang: true, headers: { check_presence: [x-beta] }, cookies: { include: [ab] } }
groups:
  pages:
    urls: ["http://www.example.com/p/{1..2}"]
    variants: { lang: [ja, en-US], cookies: { ab: [b] }, headers: { origin: ["https://app.example.com"] } }
`;
    const edgeKey = { cache_by_device_type: true, custom_key: { user: { lang: true }, header: { check_presence: ['x-beta'] }, cookie: { include: ['ab'] } } };
    await withScene(yaml, { cacheKey: edgeKey }, async ({ standin, edge, apply }) => {
      const marks = markPurges(edge, standin);
      const result = await apply(['--warm', 'all', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const results = warmEvents(result.stdout).filter((e) => e.phase === 'result');
      const warmed = afterPurges(edge, marks);
      // 2 URLs x 3 devices x (ja, en-US, none) x (ab=b, none) x (x-beta, none) x (origin, none).
      assert.equal(results.length, 2 * 3 * 3 * 2 * 2 * 2);
      assert.equal(warmed.length, results.length);
      for (const event of results) {
        const item = event.item as { url: string; headers: Record<string, string> };
        const { 'cf-device-type': device, ...key } = item.headers;
        const seen = warmed.filter((r) => {
          const { host: _host, connection: _connection, 'user-agent': _agent, ...sent } = r.headers;
          return `http://www.example.com${r.target}` === item.url && r.deviceType === device && JSON.stringify(Object.entries(sent).sort()) === JSON.stringify(Object.entries(key).sort());
        });
        assert.equal(seen.length, 1, `${JSON.stringify(item)} was requested ${seen.length} times with exactly its key headers`);
        // A MISS each: no two items' requests met in one entry of the edge.
        assert.equal(event.cache_status, 'MISS');
      }
      assert.ok(warmed.some((r) => r.headers['accept-language'] === undefined));
      assert.ok(warmed.some((r) => r.headers['x-beta'] === '1') && warmed.some((r) => r.headers.cookie === 'ab=b') && warmed.some((r) => r.headers.origin === 'https://app.example.com'));
      for (const r of edge.log) {
        assert.equal(r.headers.authorization, undefined);
        assert.ok(!JSON.stringify(r.headers).includes(TOKEN));
      }
      assert.ok(warmed.every((r) => /purgeplan-warm\/1$/.test(String(r.headers['user-agent']))));
      assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN));
    });
  });

  it('--warm N: N items after countries are collapsed, spread over groups as --verify spreads its sample; the same N twice', async () => {
    await withScene(config(), {}, async ({ standin, edge, apply }) => {
      const marks = markPurges(edge, standin);
      const result = await apply(['--warm', '6', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const [start, ...rest] = warmEvents(result.stdout);
      assert.deepEqual(start, { type: 'warm', phase: 'start', requested: 6, items: 6, requests: 6, country_items: 2, country_variants: 4, not_routed: 0, removed_urls: 0, concurrency: 8, rate: 20 });
      const results = rest.filter((e) => e.phase === 'result');
      assert.equal(results.length, 6);
      assert.deepEqual(results.map((e) => (e.item as { group: string }).group).sort(), ['geo', 'geo', 'news', 'news', 'pages', 'pages']);
      const geo = results.filter((e) => (e.item as { group: string }).group === 'geo').map((e) => e.item as { headers: Record<string, string>; countries: string[] });
      assert.ok(geo.every((item) => item.headers['cf-ipcountry'] === undefined && JSON.stringify(item.countries) === '["JP","US"]'));
      assert.equal(afterPurges(edge, marks).length, 6);
      // The same plan elsewhere warms the same items.
      const twin = new Site().write('purge.yaml', config());
      const again = await apply(['--warm', '6', '--json'], {}, twin).finally(() => twin.remove());
      const items = (r: CliResult) => warmEvents(r.stdout).filter((e) => e.phase === 'result').map((e) => JSON.stringify(e.item)).sort();
      assert.deepEqual(items(again), items(result));
    });
  });

  it('an item a group lost is purged one last time but not warmed; hosts and prefixes warm nothing', async () => {
    await withScene(config(), {}, async ({ site, standin, edge, apply }) => {
      assert.equal((await apply(['--warm'])).code, 0);
      site.write('purge.yaml', config().replace('/p/{1..4}', '/p/{1..3}'));
      const marks = markPurges(edge, standin);
      const result = await apply(['--warm', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const purged = JSON.stringify(standin.accepted.at(-1)!.body);
      assert.ok(purged.includes('http://www.example.com/p/4'), 'the removed URL was purged');
      const warmed = afterPurges(edge, marks);
      assert.deepEqual([...new Set(warmed.map((r) => r.target))].sort(), ['/p/1', '/p/2', '/p/3']);
      const start = warmEvents(result.stdout)[0];
      assert.deepEqual([start.items, start.removed_urls], [9, 1]);
      site.write('purge.yaml', `${config().replace('/p/{1..3}', '/p/{1..4}')}  everything-css:
    prefixes: ["www.example.com/css/"]
    zone: www
`);
      const human = await apply(['--warm', '--group', 'everything-css']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /Warm: the plan purged no file item to warm; hosts, prefixes, tags and everything name no URL\./);
    });
  });

  it('--json: start, one result per item, the summary; the apply events keep their shapes', async () => {
    await withScene(config(), { httpStatus: (r) => (r.target === '/news/3' ? 404 : 200) }, async ({ apply }) => {
      const result = await apply(['--warm', '--json', '--warm-concurrency', '2', '--warm-rate', '50']);
      assert.equal(result.code, 0, result.stderr);
      const events = jsonLines(result.stdout);
      assert.deepEqual(events.filter((e) => e.type !== 'warm' && e.type !== 'request_start' && e.type !== 'request_done').map((e) => e.type), ['start', 'summary']);
      assert.deepEqual(Object.keys(events.find((e) => e.type === 'summary')!), ['type', 'ok', 'interrupted', 'requests', 'done', 'skipped', 'failed', 'not_sent', 'rate_limited', 'elapsed_ms', 'completed_groups', 'failures']);
      const warm = warmEvents(result.stdout);
      assert.deepEqual(warm.map((e) => e.phase), ['start', ...Array(27).fill('result'), 'summary']);
      assert.equal(warm[0].concurrency, 2);
      assert.equal(warm[0].rate, 50);
      const summary = warm.at(-1)!;
      assert.deepEqual(Object.keys(summary), ['type', 'phase', 'ok', 'interrupted', 'items', 'requests', 'failed', 'not_routed', 'by_status', 'by_cache_status', 'no_cache_status', 'ttfb_ms', 'elapsed_ms', 'failures']);
      assert.deepEqual([summary.ok, summary.interrupted, summary.items, summary.requests, summary.failed], [false, false, 27, 27, 3]);
      assert.deepEqual(summary.by_status, { '2xx': 24, '3xx': 0, '4xx': 3, '5xx': 0, error: 0 });
      assert.deepEqual(summary.by_cache_status, { MISS: 27 });
      const ttfb = summary.ttfb_ms as { median: number; p95: number };
      assert.ok(ttfb.median >= 0 && ttfb.p95 >= ttfb.median);
      assert.deepEqual((summary.failures as { item: { url: string }; http_status: number }[]).map((f) => [f.item.url, f.http_status]), Array(3).fill(['http://www.example.com/news/3', 404]));
      const failed = warm.filter((e) => e.phase === 'result' && e.http_status === 404);
      assert.equal(failed.length, 3);
      assert.deepEqual(Object.keys(failed[0]), ['type', 'phase', 'item', 'http_status', 'cache_status', 'ttfb_ms']);
    });
  });
});

describe('apply --warm: failures', () => {
  it('an answer outside 2xx-3xx or a connection error is a warning, listed with its URL; a redirect is not one', async () => {
    const extra = `  cdn:
    zone: www
    cache_key: site
    urls: ["http://cdn.example.com/a.js"]
`;
    const httpStatus = (r: EdgeRequest) => (r.target === '/news/3' ? 503 : r.target === '/p/1' ? 301 : 200);
    await withScene(config(extra), { httpStatus }, async ({ apply }) => {
      // cdn.example.com is sent to a closed port: a connection error.
      const result = await apply(['--warm', '--connect-to', 'cdn.example.com:80:127.0.0.1:1']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Warm: 30 requests in \d+ s: 21 2xx, 3 3xx, 3 5xx, 3 without an answer; cf-cache-status MISS 27;/);
      assert.match(result.stdout, /\n {2}failed {2}http:\/\/www\.example\.com\/news\/3 \[cf-device-type=desktop\] {2}503 \(MISS\)\n/);
      assert.match(result.stdout, /\n {2}failed {2}http:\/\/cdn\.example\.com\/a\.js \[cf-device-type=mobile\] {2}connection refused\n/);
      assert.doesNotMatch(result.stdout, /failed {2}http:\/\/www\.example\.com\/p\/1 /);
      assert.match(result.stderr, /warning: 6 of 30 warm requests failed \(an answer outside 2xx-3xx, or none\); the purge itself is complete\n {2}hint: .*--warm-strict makes this an error/);
    });
  });

  it('--warm-strict: the same failures exit 1, after the purge and the state record', async () => {
    await withScene(config(), { httpStatus: (r) => (r.target === '/p/2' ? 404 : 200) }, async ({ site, standin, apply }) => {
      const result = await apply(['--warm', '--warm-strict']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /error: --warm-strict: 3 of 27 warm requests failed .*; the purge itself is complete/);
      assert.equal(standin.accepted.length, 1);
      assert.ok(existsSync(join(site.dir, '.purgeplan', 'state.json')), 'the state was recorded before warming');
      // Nothing left due: the next apply has nothing to send (and so nothing to warm).
      const again = await apply(['--warm', '--warm-strict']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Nothing to apply\./);
    });
  });

  it('what the edge answers is escaped: a cache status with terminal controls', async () => {
    // A raw HTTP server: a C1 control (CSI, U+009B) in cf-cache-status, which Node's own server would refuse to send.
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', () => socket.write(Buffer.from('HTTP/1.1 200 OK\r\ncf-cache-status: miss\u009b31m\r\ncontent-length: 2\r\n\r\nok', 'latin1')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await withScene(config(), {}, async ({ site, standin }) => {
        const port = (server.address() as AddressInfo).port;
        const run = (extra: string[]) => site.run(['apply', '--auto-approve', '--all', '--api-url', standin.url, '--warm', '3', '--connect-to', `www.example.com:80:127.0.0.1:${port}`, ...extra], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        const result = await run([]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /cf-cache-status MISS\\u009b31M 3;/);
        assert.ok(!/[\u0080-\u009f]/.test(result.stdout));
        const json = await run(['--json']);
        assert.ok(!/[\u0080-\u009f]/.test(json.stdout));
        assert.deepEqual(warmEvents(json.stdout).at(-1)!.by_cache_status, { 'MISS\\u009b31M': 3 });
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a request of the plan failed: nothing is warmed, apply exits 1', async () => {
    const fault = (ctx: { purgeSeq?: number }) => (ctx.purgeSeq !== undefined ? { kind: 'status' as const, status: 400, errors: [{ code: 1016, message: 'invalid url' }] } : undefined);
    await withScene(config(), {}, async ({ edge, apply }) => {
      const result = await apply(['--warm']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /Warm: skipped: not every request of the plan succeeded\./);
      assert.equal(edge.log.length, 0);
      const json = await apply(['--warm', '--json']);
      assert.deepEqual(warmEvents(json.stdout), [{ type: 'warm', phase: 'skipped', reason: 'not every request of the plan succeeded' }]);
    }, { fault });
  });

  it('Ctrl-C while warming: exit 130 at once; the purge and the state are already recorded', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let interrupted = false;
    let purged = false;
    // After the purge the edge holds every answer, and the test interrupts purgeplan meanwhile.
    const delay = () => {
      if (!purged) return 0;
      if (child && !interrupted) { interrupted = true; child.kill('SIGINT'); }
      return 20_000;
    };
    await withScene(config(), { delay }, async ({ site, standin, edge, apply }) => {
      standin.onPurge(() => { purged = true; });
      const result = await apply(['--warm'], { onSpawn: (c) => { child = c; } });
      assert.equal(result.code, 130, result.stderr);
      assert.ok(interrupted);
      assert.match(result.stdout, /Warm: interrupted: the purge itself is complete; the items not yet requested stay cold\./);
      assert.ok(edge.log.some((r) => r.status === undefined), 'it exited while the edge held a request');
      assert.equal(standin.accepted.length, 1);
      assert.ok(existsSync(join(site.dir, '.purgeplan', 'state.json')));
    });
  });
});

describe('apply --warm: --connect-to', () => {
  it('--connect-to directs warming without --verify; an item no rule takes is not requested, a rule that takes none is named', async () => {
    const extra = `  static:
    zone: www
    cache_key: site
    urls: ["http://static.example.com/a.css"]
`;
    await withScene(config(extra), {}, async ({ edge, apply }) => {
      const result = await apply(['--warm', '--connect-to', 'typo.example.com:80:127.0.0.1:1']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(edge.log.length, 27);
      assert.ok(edge.log.every((r) => r.host === 'www.example.com'));
      assert.match(result.stdout, /Warm: requesting 27 purged items .*; 3 not requested \(no --connect-to rule takes their host\)…/);
      assert.match(result.stderr, /warning: --connect-to "typo\.example\.com:80:127\.0\.0\.1:1" matches no host of the items to warm \(they are on static\.example\.com:80, www\.example\.com:80\)/);
      assert.match(result.stderr, /warning: 3 items not requested \(no --connect-to rule takes their host\); the purge itself is complete/);
      const strict = await apply(['--warm', '--warm-strict', '--all', '--connect-to', 'typo.example.com:80:127.0.0.1:1']);
      assert.equal(strict.code, 1, strict.stderr);
      assert.match(strict.stderr, /error: --warm-strict: 3 items not requested/);
    });
  });
});

describe('apply --warm: bad values are refused before anything is sent', () => {
  const cases: [string[], RegExp, RegExp?][] = [
    [['--warm', '0'], /--warm "0": expected a whole number of items \(at least 1\) or "all"/],
    [['--warm', 'some.plan'], /--warm "some\.plan": expected/, /\n {2}hint: a value right after --warm is read as its count: write the plan file before it/],
    [['--warm', '--warm-rate', '0'], /--warm-rate must be a whole number of requests a second, at least 1, got "0"/],
    [['--warm', '--warm-rate', '2.5'], /--warm-rate .* got "2\.5"/],
    [['--warm', '--warm-concurrency', 'many'], /--warm-concurrency must be a whole number of at least 1, got "many"/],
    [['--warm-rate', '5'], /--warm-rate is a setting of --warm: give --warm too/],
    [['--warm-strict'], /--warm-strict is a setting of --warm: give --warm too/],
    [['--warm-concurrency', '2'], /--warm-concurrency is a setting of --warm: give --warm too/],
  ];
  for (const [args, message, hint] of cases) {
    it(`${args.join(' ')}`, async () => {
      await withScene(config(), {}, async ({ site, standin, edge }) => {
        const run = (extra: string[]) => site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args, ...extra], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        const result = await run([]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, message);
        if (hint) assert.match(result.stderr, hint);
        assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/);
        const json = await run(['--json']);
        const last = jsonLines(json.stdout).at(-1)!;
        assert.equal(last.type, 'summary');
        assert.match(String(last.error), message);
        assert.equal(standin.log.length, 0);
        assert.equal(edge.log.length, 0);
      });
    });
  }

  it('--connect-to without --verify or --warm is refused', async () => {
    await withScene(config(), {}, async ({ site, standin }) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--connect-to', 'www.example.com:80:127.0.0.1:1'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--connect-to directs the requests of --verify and --warm: give --verify N or --warm too/);
      assert.equal(standin.log.length, 0);
    });
  });
});

describe('apply --warm on a build group (regression: its URLs come from the build, not from purge.yaml)', () => {
  it('warms exactly the build files\' URLs the apply purged, per device type', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { device_type: true }
groups:
  site:
    zone: www
    build: { dir: public/, base_url: "http://www.example.com/" }
`;
    await withScene(yaml, {}, async ({ site, standin, edge, apply }) => {
      site.write('public/index.html', 'home').write('public/about/index.html', 'about');
      const marks = markPurges(edge, standin);
      const result = await apply(['--warm']);
      assert.equal(result.code, 0, result.stderr);
      const warmed = afterPurges(edge, marks).map((r) => `${r.target} ${r.deviceType}`).sort();
      assert.deepEqual(warmed, ['/ desktop', '/ mobile', '/ tablet', '/about/ desktop', '/about/ mobile', '/about/ tablet']);
    });
  });
});
