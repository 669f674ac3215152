// `purgeplan apply --verify N` through the built CLI, against the API stand-in and the edge
// stand-in (docs/commands.md#verify-at-the-edge): what a release pipeline sees, and what the edge received.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import type { Edge, EdgeOptions, EdgeRequest } from './support/edge-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';
import type { CliResult, RunOptions } from './support/site.js';

const ZONE = { id: ZONE_ID, name: 'example.com', plan: 'pro' as const, account_id: 'acc1' };

/** Two groups on a zone whose declared key has device type (3 variants per URL). */
function config(cacheKey = '{ device_type: true }', extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: site }
cache_keys:
  site: ${cacheKey}
groups:
  pages:
    urls: ["http://www.example.com/p/{1..4}"]
  news:
    urls: ["http://www.example.com/news/{1..3}"]
${extra}`;
}

interface Scene { site: Site; standin: Standin; edge: Edge; apply(args?: string[], options?: RunOptions, target?: Site): Promise<CliResult> }

async function withScene(yaml: string, edgeOptions: EdgeOptions, body: (scene: Scene) => Promise<void>): Promise<void> {
  const standin = await startStandin({ tokens: [TOKEN], zones: [ZONE] });
  const edge = await startEdge({ ...edgeOptions, standin });
  const site = new Site().write('purge.yaml', yaml);
  const apply = (args: string[] = [], options: RunOptions = {}, target = site) => target.run(
    ['apply', '--auto-approve', '--api-url', standin.url, '--verify-settle', '0', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`, ...args],
    { ...options, env: { CLOUDFLARE_API_TOKEN: TOKEN, ...options.env } },
  );
  try {
    await body({ site, standin, edge, apply });
  } finally {
    await edge.close();
    await standin.close();
    site.remove();
  }
}

const purgeMarks = new WeakMap<Edge, number>();
/** Remembers how many requests the edge had received when the first purge was accepted. */
function markPurges(edge: Edge, standin: Standin): void {
  standin.onPurge(() => { if (!purgeMarks.has(edge)) purgeMarks.set(edge, edge.log.length); });
}
/** Requests the edge received after the first accepted purge. */
function afterPurge(edge: Edge): EdgeRequest[] {
  const mark = purgeMarks.get(edge);
  return mark === undefined ? [] : edge.log.slice(mark);
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const verifyEvents = (stdout: string) => jsonLines(stdout).filter((e) => e.type === 'verify');

describe('apply --verify: the edge after the purge', () => {
  it('declared key equal to the edge\'s: every sampled item is purged, exit 0', async () => {
    await withScene(config(), { cacheKey: { cache_by_device_type: true } }, async ({ standin, edge, apply }) => {
      markPurges(edge, standin);
      const result = await apply(['--verify', '6']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Verify: 6 purged, 0 not purged, 0 inconclusive\./);
      // Before: MISS then HIT for each of the 6 items; after: one request each, a MISS.
      const after = afterPurge(edge);
      assert.equal(after.length, 6);
      assert.ok(after.every((r) => r.status === 'MISS'));
      assert.equal(edge.log.length, 18);
      // Spread over both groups and over the three device types.
      const paths = new Set(after.map((r) => r.target));
      assert.ok([...paths].some((p) => p.startsWith('/p/')) && [...paths].some((p) => p.startsWith('/news/')), [...paths].join(' '));
      assert.deepEqual(new Set(after.map((r) => r.deviceType)), new Set(['desktop', 'mobile', 'tablet']));
    });
  });

  it('the edge keys by a dimension purge.yaml lacks: not purged, exit 1, names the cause', async () => {
    await withScene(config('{ lang: false }'), { cacheKey: { cache_by_device_type: true } }, async ({ apply }) => {
      const result = await apply(['--verify', '3']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /NOT PURGED {2}http:\/\/www\.example\.com\/\S+ {2}MISS, HIT → HIT/);
      assert.match(result.stdout, /Verify: 0 purged, 3 not purged, 0 inconclusive\./);
      assert.match(result.stderr, /3 sampled items were still cached \(HIT\).*cache key declared in purge\.yaml/);
      assert.match(result.stderr, /purgeplan drift/);
    });
  });

  it('uncacheable paths are inconclusive (exit 0) and are not requested after the purge', async () => {
    await withScene(config(), { cacheKey: { cache_by_device_type: true }, uncacheable: [{ path: '/news/', status: 'DYNAMIC' }] }, async ({ standin, edge, apply }) => {
      markPurges(edge, standin);
      const result = await apply(['--verify', '6', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const results = verifyEvents(result.stdout).filter((e) => e.phase === 'result');
      const news = results.filter((e) => String((e.item as { url: string }).url).includes('/news/'));
      assert.equal(news.length, 3);
      for (const event of news) {
        assert.equal(event.verdict, 'inconclusive');
        assert.deepEqual(event.before, [{ cache_status: 'DYNAMIC', http_status: 200 }, { cache_status: 'DYNAMIC', http_status: 200 }]);
        assert.equal(event.after, null);
      }
      assert.ok(results.filter((e) => !news.includes(e)).every((e) => e.verdict === 'purged'));
      assert.ok(afterPurge(edge).every((r) => r.target.startsWith('/p/')));
    });
  });

  it('items whose key has a country are reported as not probed, and never requested', async () => {
    const yaml = config('{ device_type: true }', `  geo:
    cache_key: bycountry
    urls: ["http://www.example.com/jp/{1..2}"]
    variants: { geo: [JP, US] }
`).replace('cache_keys:\n', 'cache_keys:\n  bycountry: { geo: true }\n');
    await withScene(yaml, { cacheKey: { cache_by_device_type: true } }, async ({ edge, apply }) => {
      const result = await apply(['--verify', '6']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /not probed {2}http:\/\/www\.example\.com\/jp\/\d \[cf-ipcountry=(JP|US)\]/);
      assert.match(result.stdout, /4 purged, 0 not purged, 0 inconclusive, 2 not probed\./);
      assert.ok(edge.log.every((r) => !r.target.startsWith('/jp/')));
    });
  });

  it('probes carry no Authorization header and no token; key headers exactly as the item has them', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: site }
cache_keys:
  site: { device_type: true, lang: true, headers: { include: [x-tenant] } }
groups:
  pages:
    urls: ["http://www.example.com/p/{1..2}"]
    variants: { lang: [ja], headers: { x-tenant: [acme] } }
`;
    const edgeKey = { cache_by_device_type: true, custom_key: { user: { lang: true }, header: { include: ['x-tenant'] } } };
    await withScene(yaml, { cacheKey: edgeKey }, async ({ edge, apply }) => {
      const result = await apply(['--verify', '12', '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(edge.log.length >= 24);
      const results = verifyEvents(result.stdout).filter((e) => e.phase === 'result');
      assert.equal(results.length, 12);
      assert.ok(results.every((e) => e.verdict === 'purged'), JSON.stringify(results));
      for (const request of edge.log) {
        assert.equal(request.headers.authorization, undefined);
        assert.ok(!JSON.stringify(request.headers).includes(TOKEN));
        assert.equal(request.method, 'GET');
        assert.ok(String(request.headers['user-agent']).includes('purgeplan-verify'));
      }
      // Absent variants went without the header (no default Accept-Language added by the client).
      assert.ok(edge.log.some((r) => r.headers['accept-language'] === undefined));
      assert.ok(edge.log.some((r) => r.headers['accept-language'] === 'ja'));
      assert.ok(edge.log.some((r) => r.headers['x-tenant'] === undefined));
      // The device type the edge derived from the User-Agent is the item's cf-device-type.
      for (const event of results) {
        const item = event.item as { url: string; headers: Record<string, string> };
        const seen = edge.log.filter((r) => `http://www.example.com${r.target}` === item.url
          && r.headers['accept-language'] === item.headers['accept-language'] && r.headers['x-tenant'] === item.headers['x-tenant']
          && r.deviceType === item.headers['cf-device-type']);
        assert.equal(seen.length, 3, `${JSON.stringify(item)}: ${seen.length}`);
      }
      assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN));
    });
  });

  it('--verify-rate reaches the pacer: the rate it reports, and no faster than it allows (timestamps at the edge)', async () => {
    await withScene(config(), { cacheKey: { cache_by_device_type: true } }, async ({ edge, apply }) => {
      let spawnedAt = 0;
      const result = await apply(['--verify', '4', '--verify-rate', '4', '--json'], { onSpawn: () => { spawnedAt = edge.elapsed(); } });
      assert.equal(result.code, 0, result.stderr);
      const sample = verifyEvents(result.stdout)[0]!;
      assert.deepEqual([sample.phase, sample.rate], ['sample', 4]);
      assert.equal(edge.log.length, 12);
      // Twelve starts 250 ms apart cannot end before 2.75 s after the process started: a lower
      // bound a slow machine only widens. The spacing itself is asserted on a virtual clock
      // (verify-units.test.ts: every probe of a verification goes through the gate).
      const last = Math.max(...edge.log.map((r) => r.at));
      assert.ok(last - spawnedAt >= 11 * 250, `12 requests by ${Math.round(last - spawnedAt)} ms after the start`);
    });
  });

  it('--json: verify events for the sample, each item before, each result, and a summary', async () => {
    await withScene(config(), { cacheKey: { cache_by_device_type: true } }, async ({ apply }) => {
      const result = await apply(['--verify', '2', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const events = verifyEvents(result.stdout);
      assert.deepEqual(events.map((e) => e.phase), ['sample', 'before', 'before', 'result', 'result', 'summary']);
      assert.deepEqual(events[0], { type: 'verify', phase: 'sample', requested: 2, sampled: 2, probeable: 2, rate: 10 });
      assert.deepEqual(events[5], { type: 'verify', phase: 'summary', ok: true, sampled: 2, purged: 2, not_purged: 0, inconclusive: 0, not_probed: 0, requests: 6 });
      const item = events[3].item as Record<string, unknown>;
      assert.deepEqual(Object.keys(item), ['zone', 'group', 'action', 'url', 'headers', 'request']);
      assert.equal(item.action, 'purge');
      assert.deepEqual(events[3].after, { cache_status: 'MISS', http_status: 200 });
      // Only JSON on stdout.
      assert.ok(jsonLines(result.stdout).length > 0);
    });
  });

  it('the same plan samples the same items', async () => {
    await withScene(config(), { cacheKey: { cache_by_device_type: true } }, async ({ apply }) => {
      const first = await apply(['--verify', '5', '--json']);
      // A second site with the same purge.yaml: the same plan, without the first run's journal and state.
      const twin = new Site().write('purge.yaml', config());
      const second = await apply(['--verify', '5', '--json'], {}, twin).finally(() => twin.remove());
      const items = (r: CliResult) => verifyEvents(r.stdout).filter((e) => e.phase === 'result').map((e) => JSON.stringify(e.item));
      assert.equal(first.code, 0, first.stderr);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(items(first), items(second));
    });
  });

  it('Ctrl-C while checking the edge after the purge: exit 130 promptly', async () => {
    let purged = false;
    let interrupted = false;
    let child: import('node:child_process').ChildProcess | undefined;
    await withScene(config(), {
      cacheKey: { cache_by_device_type: true },
      // After the purge the edge answers slowly, and the test interrupts purgeplan meanwhile.
      delay: () => {
        if (!purged) return 0;
        if (child && !interrupted) { interrupted = true; child.kill('SIGINT'); }
        return 20_000;
      },
    }, async ({ standin, edge, apply }) => {
      standin.onPurge(() => { purged = true; });
      const result = await apply(['--verify', '3'], { onSpawn: (c) => { child = c; } });
      assert.equal(result.code, 130, result.stderr);
      // It exited while the edge still held the probe it was interrupted in: it did not wait the 20 s.
      assert.ok(interrupted);
      assert.ok(edge.log.some((r) => r.status === undefined), 'a held probe was never answered before the exit');
      assert.match(result.stderr, /interrupted after the purge/);
      assert.equal(standin.accepted.length, 1);
    });
  });

  it('Ctrl-C while warming the edge, before the purge: exit 130, nothing sent to Cloudflare', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let interrupted = false;
    await withScene(config(), {
      cacheKey: { cache_by_device_type: true },
      // Ctrl-C once, when the first warming request arrives (it is never answered).
      delay: () => { if (child && !interrupted) { interrupted = true; child.kill('SIGINT'); } return 20_000; },
    }, async ({ standin, apply }) => {
      const result = await apply(['--verify', '3'], { onSpawn: (c) => { child = c; } });
      assert.equal(result.code, 130, result.stderr);
      assert.match(result.stderr, /interrupted before the purge: nothing was purged/);
      assert.equal(standin.accepted.length, 0);
      assert.ok(standin.log.every((r) => !r.path.includes('purge_cache')));
    });
  });

  it('a failed request of the plan: nothing is checked after, apply exits 1', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [ZONE], fault: (ctx) => (ctx.purgeSeq !== undefined ? { kind: 'status', status: 400, errors: [{ code: 1016, message: 'invalid url' }] } : undefined) });
    const edge = await startEdge({ cacheKey: { cache_by_device_type: true }, standin });
    const site = new Site().write('purge.yaml', config());
    try {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--verify', '2', '--verify-settle', '0', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /Verify: skipped: not every request of the plan succeeded\./);
      assert.equal(edge.log.length, 4);
    } finally {
      await edge.close();
      await standin.close();
      site.remove();
    }
  });

  it('https URLs: --connect-to keeps the Host header and the TLS name (the certificate is checked for the URL\'s host)', async () => {
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'tls');
    const tls = { key: readFileSync(join(fixtures, 'www.example.com.key')), cert: readFileSync(join(fixtures, 'www.example.com.crt')) };
    const yaml = config().replaceAll('http://www.example.com', 'https://www.example.com');
    await withScene(yaml, { cacheKey: { cache_by_device_type: true }, tls }, async ({ site, standin, edge }) => {
      const run = (extraCa: boolean, target = site) => target.run(
        ['apply', '--auto-approve', '--api-url', standin.url, '--verify', '2', '--verify-settle', '0', '--connect-to', `www.example.com:443:127.0.0.1:${edge.port}`],
        { env: { CLOUDFLARE_API_TOKEN: TOKEN, ...(extraCa ? { NODE_EXTRA_CA_CERTS: join(fixtures, 'www.example.com.crt') } : {}) } },
      );
      const result = await run(true);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Verify: 2 purged, 0 not purged, 0 inconclusive\./);
      assert.ok(edge.log.length > 0 && edge.log.every((r) => r.host === 'www.example.com'));
      // A certificate the client does not trust is an error at the probe: inconclusive, not a pass.
      const twin = new Site().write('purge.yaml', yaml);
      const untrusted = await run(false, twin).finally(() => twin.remove());
      assert.equal(untrusted.code, 0, untrusted.stderr);
      assert.match(untrusted.stdout, /Verify: 0 purged, 0 not purged, 2 inconclusive\./);
    });
  });

  it('--connect-to without --verify is refused', async () => {
    await withScene(config(), {}, async ({ site, standin }) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--connect-to', 'www.example.com:80:127.0.0.1:1'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--connect-to directs the requests of --verify/);
      assert.equal(standin.log.length, 0);
    });
  });

  it('--connect-to must be curl\'s HOST:PORT:ADDR:PORT; nothing is sent otherwise', async () => {
    await withScene(config(), {}, async ({ site, standin, edge }) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--verify', '2', '--connect-to', 'www.example.com:80:127.0.0.1'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--connect-to "www\.example\.com:80:127\.0\.0\.1": it needs four parts/);
      assert.equal(standin.log.length, 0);
      assert.equal(edge.log.length, 0);
    });
  });
});
