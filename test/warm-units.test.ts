// `apply --warm` below the CLI (docs/commands.md#apply-in-the-deploys-order, "Warm what was purged"): which items are chosen, and
// what a real loopback edge receives from warmPurged with the real undici client, on a virtual
// clock (pacing and time to first byte asserted on what the code decided, not on the machine).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan, PurgeBody } from '../src/plan/types.js';
import { requestKind } from '../src/plan/types.js';
import { requestSize } from '../src/plan/files.js';
import { parseConnectTo, RateGate } from '../src/verify/probe.js';
import { createWarmFetch } from '../src/warm/fetch.js';
import { warmSettings } from '../src/warm/flags.js';
import { selectWarmItems, warmPurged } from '../src/warm/warm.js';
import type { PurgedFiles, WarmFetch, WarmOptions, WarmReport, WarmResult } from '../src/warm/warm.js';
import { UserError } from '../src/errors.js';
import { deviceTypeOf, startEdge } from './support/edge-standin.js';
import type { Edge, EdgeOptions } from './support/edge-standin.js';
import { VirtualClock } from './support/clock.js';

function plan(requests: { groups: string[]; body: PurgeBody; zone?: string }[], planId = 'sha256:warm'): Plan {
  const groups = [...new Set(requests.flatMap((r) => r.groups))].map((name) => ({ name, zone: 'www', zones: ['www'], status: 'new' as const, items: 0, due: true }));
  return {
    format_version: 1, config: { path: 'purge.yaml', digest: 'd', inputs_digest: 'i' }, baseline: { kind: 'none' }, groups,
    requests: requests.map((r) => ({ zone: 'www', zone_id: null, action: 'purge' as const, kind: requestKind(r.body), size: requestSize(r.body), ...r })), zones: [], coverage: [], cache_keys: {},
    state: { path: 's', digest: null }, summary: { requests: requests.length, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 },
    plan_id: planId,
  };
}

const DEVICES = ['desktop', 'mobile', 'tablet'];
/** n URLs under /prefix/, each with every header combination of `dimensions` (names sorted as the plan has them). */
function files(prefix: string, n: number, dimensions: Record<string, (string | null)[]> = { 'cf-device-type': DEVICES }, host = 'www.example.com') {
  let combos: Record<string, string>[] = [{}];
  for (const name of Object.keys(dimensions).sort()) {
    combos = combos.flatMap((c) => dimensions[name].map((v) => (v === null ? c : { ...c, [name]: v })));
  }
  return Array.from({ length: n }, (_, i) => combos.map((headers) => (Object.keys(headers).length ? { url: `http://${host}/${prefix}/${i}`, headers } : { url: `http://${host}/${prefix}/${i}` }))).flat();
}

const all = (p: Plan): ReadonlySet<number> => new Set(p.requests.map((_, i) => i));
const purgedOf = (p: Plan, extra: Partial<PurgedFiles> = {}): PurgedFiles => ({ plan: p, requests: all(p), ...extra });
const options = (extra: Partial<WarmOptions> = {}): WarmOptions => ({ count: 'all', concurrency: 8, rate: 20, connectTo: [], ...extra });

describe('which items are warmed', () => {
  it('a key with a country: each variant once without cf-ipcountry, standing for its countries', () => {
    const p = plan([{ groups: ['geo'], body: { files: files('jp', 2, { 'cf-device-type': ['desktop', 'mobile'], 'cf-ipcountry': ['JP', 'US', 'DE'] }) } }]);
    const { items } = selectWarmItems(purgedOf(p), options());
    assert.equal(items.length, 4, '2 URLs x 2 devices, not x 3 countries');
    for (const item of items) {
      assert.equal(item.headers['cf-ipcountry'], undefined);
      assert.deepEqual(item.countries, ['DE', 'JP', 'US']);
    }
    assert.deepEqual(items.map((i) => `${i.url} ${i.headers['cf-device-type']}`), [
      'http://www.example.com/jp/0 desktop', 'http://www.example.com/jp/0 mobile', 'http://www.example.com/jp/1 desktop', 'http://www.example.com/jp/1 mobile',
    ]);
  });

  it('the variants of one URL split over two requests are still collapsed once', () => {
    const entries = files('jp', 1, { 'cf-device-type': ['desktop', 'mobile'], 'cf-ipcountry': ['JP', 'US'] });
    const p = plan([{ groups: ['geo'], body: { files: entries.slice(0, 3) } }, { groups: ['geo'], body: { files: entries.slice(3) } }]);
    const { items } = selectWarmItems(purgedOf(p), options());
    assert.deepEqual(items.map((i) => [i.headers['cf-device-type'], i.countries]), [['desktop', ['JP', 'US']], ['mobile', ['JP', 'US']]]);
  });

  it('N counts items after countries are collapsed, spread over groups, URLs and variants as --verify spreads its sample', () => {
    const p = plan([
      { groups: ['posts'], body: { files: files('posts', 10) } },
      { groups: ['geo'], body: { files: files('geo', 10, { 'cf-device-type': DEVICES, 'cf-ipcountry': ['JP', 'US'] }) } },
    ]);
    const { items } = selectWarmItems(purgedOf(p), options({ count: 6 }));
    assert.equal(items.length, 6);
    const geo = items.filter((i) => i.group === 'geo');
    assert.equal(geo.length, 3);
    assert.equal(new Set(geo.map((i) => i.url)).size, 3, 'three URLs');
    assert.equal(new Set(geo.map((i) => i.headers['cf-device-type'])).size, 3, 'three device types');
    assert.ok(geo.every((i) => i.countries?.length === 2 && i.headers['cf-ipcountry'] === undefined));
    // The same plan gives the same items; the order is the plan's.
    assert.deepEqual(selectWarmItems(purgedOf(p), options({ count: 6 })).items, items);
    const order = items.map((i) => `${i.request} ${i.url}`);
    assert.deepEqual(order, [...order].sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]) || (a < b ? -1 : 1)));
    // More than there are: every item once (30 + 30 collapsed).
    assert.equal(selectWarmItems(purgedOf(p), options({ count: 1000 })).items.length, 60);
  });

  it('only the purged requests; URLs no group lists any more are left out and counted', () => {
    const p = plan([
      { groups: ['a'], body: { files: files('a', 3) } },
      { groups: ['a'], body: { files: files('old', 2) } },
      { groups: ['b'], body: { files: files('b', 2) } },
    ]);
    const selection = selectWarmItems(purgedOf(p, { requests: new Set([0, 1]), listed: (url) => !url.includes('/old/') }), options());
    assert.equal(selection.items.length, 9);
    assert.ok(selection.items.every((i) => i.url.includes('/a/')));
    assert.equal(selection.removedUrls, 2);
    assert.equal(selectWarmItems(purgedOf(p, { listed: (url) => !url.includes('/old/') }), options({ count: 2 })).items.length, 2);
  });

  it('with --connect-to, items no rule takes are not requested, and a rule that takes none is named', () => {
    const p = plan([{ groups: ['a'], body: { files: [...files('a', 2, {}), ...files('s', 1, {}, 'static.example.com')] } }]);
    const selection = selectWarmItems(purgedOf(p), options({ connectTo: ['www.example.com:80:127.0.0.1:1', 'cdn.example.com:443:127.0.0.1:1'].map(parseConnectTo) }));
    assert.deepEqual(selection.notRouted.map((i) => i.url), ['http://static.example.com/s/0']);
    assert.deepEqual(selection.unmatchedRules, [{ rule: 'cdn.example.com:443:127.0.0.1:1', hosts: ['static.example.com:80', 'www.example.com:80'] }]);
  });
});

describe('--warm flags', () => {
  const ok = (flags: Record<string, unknown>) => warmSettings({ json: false, ...flags });
  it('bare is all; N; all; defaults 8 at a time and 20 a second', () => {
    assert.deepEqual(ok({ warm: true }), { count: 'all', concurrency: 8, rate: 20, connectTo: [], strict: false, json: false });
    assert.equal(ok({ warm: '25' })?.count, 25);
    assert.equal(ok({ warm: 'ALL' })?.count, 'all');
    assert.deepEqual(ok({ warm: true, warmConcurrency: '3', warmRate: '1', warmStrict: true }), { count: 'all', concurrency: 3, rate: 1, connectTo: [], strict: true, json: false });
    assert.equal(ok({}), null);
  });
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ warm: '0' }, /--warm "0": expected a whole number of items \(at least 1\) or "all"/],
    [{ warm: 'release.plan' }, /--warm "release\.plan"/],
    [{ warm: '1.5' }, /--warm "1\.5"/],
    [{ warm: '99999999999999999999' }, /--warm "99999999999999999999"/],
    [{ warm: true, warmConcurrency: '0' }, /--warm-concurrency must be a whole number of at least 1, got "0"/],
    [{ warm: true, warmConcurrency: '2.5' }, /--warm-concurrency .* got "2\.5"/],
    [{ warm: true, warmRate: '0' }, /--warm-rate must be a whole number of requests a second, at least 1, got "0"/],
    [{ warm: true, warmRate: '0.5' }, /--warm-rate .* got "0\.5"/],
    [{ warm: true, warmRate: '-3' }, /--warm-rate .* got "-3"/],
    [{ warm: true, warmRate: 'fast\u001b[2J' }, /got "fast\\u001b\[2J"/],
    [{ warmRate: '5' }, /--warm-rate is a setting of --warm: give --warm too/],
    [{ warmConcurrency: '5' }, /--warm-concurrency is a setting of --warm/],
    [{ warmStrict: true }, /--warm-strict is a setting of --warm/],
    [{ warm: true, connectTo: ['www.example.com:80'] }, /--connect-to "www\.example\.com:80"/],
  ];
  for (const [flags, message] of refused) {
    it(`refuses ${JSON.stringify(flags)}`, () => assert.throws(() => ok(flags), (e: unknown) => e instanceof UserError && message.test(e.message) && !/[\u0000-\u001f]/.test(e.message)));
  }
});

/** An edge, and warmPurged sending to it through the real undici client with --connect-to. */
async function withEdge(edgeOptions: EdgeOptions, body: (edge: Edge, connectTo: WarmOptions['connectTo']) => Promise<void>): Promise<void> {
  const edge = await startEdge(edgeOptions);
  try {
    await body(edge, [parseConnectTo(`:80:127.0.0.1:${edge.port}`)]);
  } finally {
    await edge.close();
  }
}

/** The real fetch, watched: start times on the clock, how many are in flight; `before` may wait on the clock (a slow first byte). */
async function watchedFetch(connectTo: WarmOptions['connectTo'], clock: VirtualClock | null, before?: (url: string) => Promise<void>) {
  const real = await createWarmFetch({ connectTo, connections: 64 });
  const watch = { starts: [] as number[], inFlight: 0, maxInFlight: 0 };
  const fetch: WarmFetch = async (url, headers, signal) => {
    watch.starts.push(clock?.elapsed() ?? 0);
    await before?.(url);
    watch.inFlight++;
    watch.maxInFlight = Math.max(watch.maxInFlight, watch.inFlight);
    const done = (): void => { watch.inFlight--; clock?.settle(); };
    const answer = await real.fetch(url, headers, signal);
    if ('error' in answer) {
      done();
      return answer;
    }
    return { ...answer, rest: () => answer.rest().finally(done) };
  };
  return { fetch, watch, close: real.close };
}

/** A clock on which the requests themselves take no time: it moves only while none is in flight. */
function requestClock(): { clock: VirtualClock; watching: (watch: { inFlight: number }) => void } {
  let watched: { inFlight: number } | undefined;
  return { clock: new VirtualClock({ busy: () => (watched?.inFlight ?? 0) > 0 }), watching: (watch) => { watched = watch; } };
}

describe('warmPurged against a loopback edge', () => {
  it('each request carries exactly the item\'s key headers: device type as a User-Agent, no Accept-Language when none, no token', async () => {
    const p = plan([{ groups: ['a'], body: { files: files('a', 2, { 'cf-device-type': DEVICES, 'accept-language': ['ja', null], origin: ['https://app.example', null], cookie: ['ab=b; li=1', null], 'x-beta': ['1', null] }) } }]);
    await withEdge({ cacheKey: { cache_by_device_type: true, custom_key: { user: { lang: true }, header: { check_presence: ['x-beta'] }, cookie: { include: ['ab'], check_presence: ['li'] } } } }, async (edge, connectTo) => {
      const { fetch, close } = await watchedFetch(connectTo, null);
      const clock = new VirtualClock({ busy: () => false });
      const report = await warmPurged(purgedOf(p), options({ connectTo, rate: 1000 }), { fetch, clock }).finally(close);
      assert.equal(report.requests, 2 * 3 * 2 * 2 * 2 * 2);
      assert.equal(edge.log.length, report.requests);
      const expected = selectWarmItems(purgedOf(p), options()).items;
      const seen = new Set<string>();
      for (const request of edge.log) {
        assert.equal(request.method, 'GET');
        assert.equal(request.headers.authorization, undefined);
        const { host, connection, 'user-agent': userAgent, ...key } = request.headers;
        assert.equal(host, 'www.example.com');
        assert.ok(connection === undefined || connection === 'keep-alive', String(connection));
        assert.match(String(userAgent), /purgeplan-warm\/1$/);
        const item = expected.find((i) => `http://www.example.com${request.target}` === i.url && request.deviceType === i.headers['cf-device-type']
          && JSON.stringify(Object.entries(key).sort()) === JSON.stringify(Object.entries(i.headers).filter(([n]) => n !== 'cf-device-type').sort()));
        assert.ok(item, `no item sends ${request.target} ${request.deviceType} ${JSON.stringify(key)}`);
        seen.add(JSON.stringify(item));
      }
      assert.equal(seen.size, expected.length, 'every item once');
      assert.ok(edge.log.some((r) => r.headers['accept-language'] === undefined) && edge.log.some((r) => r.headers['accept-language'] === 'ja'));
      assert.deepEqual(report.byStatus, { '2xx': 96, '3xx': 0, '4xx': 0, '5xx': 0, error: 0 });
      assert.deepEqual(report.byCacheStatus, [['MISS', 96]]);
      assert.deepEqual(report.failures, []);
    });
  });

  for (const rate of [4, 3, 7.5, 20]) {
    it(`at most ${rate} starts in any one-second window, and no slower than that (virtual clock)`, async () => {
      const p = plan([{ groups: ['a'], body: { files: files('a', 10) } }]);
      await withEdge({ cacheKey: { cache_by_device_type: true } }, async (edge, connectTo) => {
        const { clock, watching } = requestClock();
        const { fetch, watch, close } = await watchedFetch(connectTo, clock);
        watching(watch);
        const report = await warmPurged(purgedOf(p), options({ connectTo, rate, concurrency: 8 }), { fetch, clock }).finally(close);
        assert.equal(report.requests, 30);
        assert.equal(edge.log.length, 30);
        const starts = watch.starts;
        const perWindow = Math.floor(rate);
        for (let i = 0; i + perWindow < starts.length; i++) {
          assert.ok(starts[i + perWindow] - starts[i] >= 1000, `${perWindow + 1} starts within ${starts[i + perWindow] - starts[i]} ms: ${starts.join(', ')}`);
        }
        assert.ok(starts[29] - starts[0] <= Math.ceil(29 / perWindow) * 1000 + 29, `slower than the rate: ${starts.join(', ')}`);
      });
    });
  }

  for (const concurrency of [1, 3, 8]) {
    it(`at most ${concurrency} in flight, and that many when the edge is slow`, async () => {
      const p = plan([{ groups: ['a'], body: { files: files('a', concurrency + 1) } }]);
      let edge: Edge | undefined;
      let maxHeld = 0;
      // The edge holds each answer a while (real time: only the count of requests held is asserted).
      const delay = () => { maxHeld = Math.max(maxHeld, edge!.log.filter((r) => r.status === undefined).length); return 250; };
      await withEdge({ cacheKey: { cache_by_device_type: true }, delay }, async (started, connectTo) => {
        edge = started;
        const clock = new VirtualClock({ busy: () => false });
        const { fetch, watch, close } = await watchedFetch(connectTo, clock);
        const report = await warmPurged(purgedOf(p), options({ connectTo, rate: 1e6, concurrency }), { fetch, clock }).finally(close);
        assert.equal(report.requests, 3 * (concurrency + 1));
        assert.equal(watch.maxInFlight, concurrency);
        assert.equal(maxHeld, concurrency);
      });
    });
  }

  it('median and 95th percentile time to first byte, on the clock', async () => {
    const p = plan([{ groups: ['a'], body: { files: files('a', 20, {}) } }]);
    await withEdge({}, async (_edge, connectTo) => {
      const { clock, watching } = requestClock();
      // URL /a/i answers its first byte (i + 1) * 10 ms after it is sent.
      const { fetch, watch, close } = await watchedFetch(connectTo, clock, (url) => clock.sleep((Number(url.split('/').at(-1)) + 1) * 10));
      watching(watch);
      const report = await warmPurged(purgedOf(p), options({ connectTo, rate: 1e6, concurrency: 20 }), { fetch, clock }).finally(close);
      assert.equal(report.requests, 20);
      assert.deepEqual(report.ttfbMs, { median: 105, p95: 190 });
    });
  });

  it('failures: an answer outside 2xx-3xx or no answer; a redirect is not one', async () => {
    const p = plan([{ groups: ['a'], body: { files: [...files('ok', 2, {}), ...files('moved', 1, {}), ...files('gone', 1, {}), ...files('down', 1, {}), ...files('x', 1, {}, 'closed.example.com')] } }]);
    const httpStatus = (r: { target: string }) => (r.target.startsWith('/moved/') ? 301 : r.target.startsWith('/gone/') ? 404 : r.target.startsWith('/down/') ? 503 : 200);
    await withEdge({ httpStatus, uncacheable: [{ path: '/down/', status: 'BYPASS' }] }, async (_edge, connectTo) => {
      const rules = [parseConnectTo('closed.example.com:80:127.0.0.1:1'), ...connectTo];
      const { fetch, close } = await watchedFetch(rules, null);
      const results: WarmResult[] = [];
      const report: WarmReport = await warmPurged(purgedOf(p), options({ connectTo: rules }), { fetch, clock: new VirtualClock({ busy: () => false }), onResult: (r) => results.push(r) }).finally(close);
      assert.equal(results.length, 6);
      assert.deepEqual(report.byStatus, { '2xx': 2, '3xx': 1, '4xx': 1, '5xx': 1, error: 1 });
      assert.deepEqual(report.byCacheStatus, [['BYPASS', 1], ['MISS', 4]]);
      assert.deepEqual(report.failures.map((f) => [f.item.url, 'error' in f.outcome ? f.outcome.error : f.outcome.httpStatus]).sort(), [
        ['http://closed.example.com/x/0', 'connection refused'], ['http://www.example.com/down/0', 503], ['http://www.example.com/gone/0', 404],
      ]);
      assert.equal(report.interrupted, false);
    });
  });

  it('Ctrl-C: no new request; those in flight are cut off and not counted', async () => {
    const p = plan([{ groups: ['a'], body: { files: files('a', 10, {}) } }]);
    const controller = new AbortController();
    let edge: Edge | undefined;
    // The third request arrives: interrupt while it (and no later one) is held.
    const delay = () => { if (edge!.log.length === 3) controller.abort(); return edge!.log.length >= 3 ? 20_000 : 0; };
    await withEdge({ delay }, async (started, connectTo) => {
      edge = started;
      const { fetch, close } = await watchedFetch(connectTo, null);
      const report = await warmPurged(purgedOf(p), options({ connectTo, concurrency: 1, rate: 1e6 }), { fetch, clock: new VirtualClock({ busy: () => false }), signal: controller.signal }).finally(close);
      assert.equal(report.interrupted, true);
      assert.equal(report.requests, 2);
      assert.equal(edge.log.length, 3);
      assert.deepEqual(report.failures, []);
    });
  });
});

describe('the device type as a User-Agent, as --verify sends it', () => {
  it('each device type is classed as itself by the edge, and names purgeplan-warm', async () => {
    const p = plan([{ groups: ['a'], body: { files: files('a', 1) } }]);
    await withEdge({ cacheKey: { cache_by_device_type: true } }, async (edge, connectTo) => {
      const { fetch, close } = await watchedFetch(connectTo, null);
      await warmPurged(purgedOf(p), options({ connectTo }), { fetch, clock: new VirtualClock({ busy: () => false }) }).finally(close);
      assert.deepEqual(edge.log.map((r) => r.deviceType).sort(), DEVICES);
      for (const r of edge.log) assert.equal(deviceTypeOf(String(r.headers['user-agent'])), r.deviceType);
    });
  });
});

describe('the rate gate warming shares with --verify', () => {
  it('holds the one-second window on the times requests really started, however late a timer fires', async () => {
    let now = 0;
    // Every sleep overshoots by 0.7 ms, as a timer may.
    const clock = { now: () => now, sleep: async (ms: number) => { now += ms + 0.7; } };
    for (const rate of [1, 3, 7, 20]) {
      now = 0;
      const gate = new RateGate(rate, clock);
      const starts: number[] = [];
      for (let i = 0; i < 4 * rate + 1; i++) {
        assert.equal(await gate.take(), true);
        starts.push(now);
      }
      for (let i = 0; i + rate < starts.length; i++) assert.ok(starts[i + rate] - starts[i] >= 1000, `rate ${rate}: ${starts.join(', ')}`);
    }
  });

  it('callers waiting at once start one after the other, in call order', async () => {
    const clock = new VirtualClock({ busy: () => false });
    const gate = new RateGate(2, clock);
    const order: [number, number][] = [];
    await Promise.all([0, 1, 2, 3, 4].map(async (caller) => { await gate.take(); order.push([caller, clock.elapsed()]); }));
    assert.deepEqual(order, [[0, 0], [1, 500], [2, 1000], [3, 1500], [4, 2000]]);
  });
});
