// The pure parts of `apply --verify` (docs/commands.md#verify-at-the-edge): sampling, probe headers, --connect-to, pacing,
// verdicts. The CLI end to end is in verify-cli.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan, PurgeBody } from '../src/plan/types.js';
import { requestKind } from '../src/plan/types.js';
import { requestSize } from '../src/plan/files.js';
import { connectToText, DEVICE_USER_AGENTS, endpointOf, parseConnectTo, probeHeaders, RateGate, routeConnection, ruleMatches } from '../src/verify/probe.js';
import type { Prober, VerifyClock } from '../src/verify/probe.js';
import { Verification } from '../src/verify/session.js';
import { sampleItems } from '../src/verify/sample.js';
import type { VerifyItem } from '../src/verify/sample.js';
import { judge, needsWarming } from '../src/verify/verdict.js';
import type { Observation } from '../src/verify/verdict.js';
import { UserError } from '../src/errors.js';
import { deviceTypeOf } from './support/edge-standin.js';
import { VirtualClock } from './support/clock.js';

function plan(requests: { groups: string[]; body: PurgeBody; action?: 'purge' | 'invalidate' }[], planId = 'sha256:abc'): Plan {
  const groups = [...new Set(requests.flatMap((r) => r.groups))].map((name) => ({ name, zone: 'www', zones: ['www'], status: 'new' as const, items: 0, due: true }));
  return {
    format_version: 1, config: { path: 'purge.yaml', digest: 'd', inputs_digest: 'i' }, baseline: { kind: 'none' }, groups,
    requests: requests.map((r) => ({ zone: 'www', zone_id: null, action: 'purge' as const, kind: requestKind(r.body), size: requestSize(r.body), ...r })), zones: [], coverage: [], cache_keys: {},
    state: { path: 's', digest: null }, summary: { requests: requests.length, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 },
    plan_id: planId,
  };
}

const devices = ['desktop', 'mobile', 'tablet'];
const files = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => devices.map((d) => ({ url: `https://www.example.com/${prefix}/${i}`, headers: { 'cf-device-type': d } }))).flat();

describe('sample: N file items, spread, deterministic', () => {
  const twoGroups = plan([
    { groups: ['posts'], body: { files: files('posts', 10) } },
    { groups: ['posts', 'pages'], body: { files: files('pages', 4) } },
    { groups: ['pages'], body: { tags: ['t'] } },
  ]);
  const groupOf = (url: string, groups: readonly string[]) => (url.includes('/pages/') ? 'pages' : groups[0]);

  it('takes N items, alternating over groups', () => {
    const items = sampleItems(twoGroups, { count: 6, groupOf });
    assert.equal(items.length, 6);
    assert.equal(items.filter((i) => i.group === 'posts').length, 3);
    assert.equal(items.filter((i) => i.group === 'pages').length, 3);
  });

  it('within a group, different URLs and different variants', () => {
    const items = sampleItems(twoGroups, { count: 6, groupOf }).filter((i) => i.group === 'posts');
    assert.equal(new Set(items.map((i) => i.url)).size, 3);
    assert.equal(new Set(items.map((i) => i.headers['cf-device-type'])).size, 3);
  });

  it('the same plan gives the same sample; another plan id may give another', () => {
    const a = sampleItems(twoGroups, { count: 5, groupOf });
    assert.deepEqual(sampleItems(twoGroups, { count: 5, groupOf }), a);
    const others = ['sha256:1', 'sha256:2', 'sha256:3'].map((id) => JSON.stringify(sampleItems({ ...twoGroups, plan_id: id }, { count: 5, groupOf })));
    assert.ok(others.some((o) => o !== JSON.stringify(a)));
  });

  it('never more than there are; never an item twice; items in plan order', () => {
    const items = sampleItems(twoGroups, { count: 1000, groupOf });
    assert.equal(items.length, 42);
    assert.equal(new Set(items.map((i) => `${i.url} ${JSON.stringify(i.headers)}`)).size, 42);
    const order = items.map((i) => i.request);
    assert.deepEqual(order, [...order].sort((x, y) => x - y));
  });

  it('skips requests already sent, and non-file requests; plain URLs have no headers', () => {
    const p = plan([
      { groups: ['a'], body: { files: ['https://x.example/1', 'https://x.example/2'] } },
      { groups: ['a'], body: { files: ['https://x.example/3'] } },
      { groups: ['a'], body: { prefixes: ['x.example/p/'] } },
    ]);
    const items = sampleItems(p, { count: 5, skipRequests: new Set([0]) });
    assert.deepEqual(items, [{ zone: 'www', group: 'a', action: 'purge', url: 'https://x.example/3', headers: {}, request: 1 }]);
  });

  it('an invalidate request gives invalidate items', () => {
    const p = plan([{ groups: ['a'], body: { files: ['https://x.example/1'] }, action: 'invalidate' }]);
    assert.equal(sampleItems(p, { count: 1 })[0].action, 'invalidate');
  });
});

describe('probe headers: the key headers as they are, device type as a User-Agent', () => {
  const item = (headers: Record<string, string>): VerifyItem => ({ zone: 'www', group: 'g', action: 'purge', url: 'https://x.example/', headers, request: 0 });

  it('each device type becomes a User-Agent that Cloudflare classes as that type', () => {
    for (const device of devices) {
      const probe = probeHeaders(item({ 'cf-device-type': device }));
      assert.ok(probe.probeable);
      assert.deepEqual(Object.keys(probe.headers), ['user-agent']);
      assert.equal(deviceTypeOf(probe.headers['user-agent']), device);
      assert.equal(probe.headers['user-agent'], DEVICE_USER_AGENTS[device as keyof typeof DEVICE_USER_AGENTS]);
    }
  });

  it('other key headers pass unchanged; nothing else is added', () => {
    const probe = probeHeaders(item({ 'accept-language': 'ja-JP', cookie: 'ab=a; li=1', origin: 'https://app.example', 'x-tenant': 'acme' }));
    assert.ok(probe.probeable);
    assert.deepEqual(probe.headers, { 'accept-language': 'ja-JP', cookie: 'ab=a; li=1', origin: 'https://app.example', 'x-tenant': 'acme', 'user-agent': DEVICE_USER_AGENTS.desktop });
  });

  it('a country in the key is not probeable, and says why', () => {
    const probe = probeHeaders(item({ 'cf-ipcountry': 'JP', 'cf-device-type': 'mobile' }));
    assert.equal(probe.probeable, false);
    assert.match(!probe.probeable ? probe.reason : '', /country \(JP\).*client's address/);
  });
});

describe('--connect-to HOST:PORT:ADDR:PORT (curl)', () => {
  const table: [string, ReturnType<typeof parseConnectTo>][] = [
    ['www.example.com:443:203.0.113.7:8443', { host: 'www.example.com', port: 443, toHost: '203.0.113.7', toPort: 8443 }],
    ['WWW.Example.com:80:127.0.0.1:', { host: 'www.example.com', port: 80, toHost: '127.0.0.1', toPort: null }],
    ['::[::1]:9000', { host: '', port: null, toHost: '::1', toPort: 9000 }],
    ['[2001:db8::1]:443:staging.example.net:443', { host: '2001:db8::1', port: 443, toHost: 'staging.example.net', toPort: 443 }],
  ];
  for (const [spec, expected] of table) it(`parses ${spec}`, () => assert.deepEqual(parseConnectTo(spec), expected));

  for (const bad of ['a:1:b', 'a:1:b:2:3', 'a:x:b:2', 'a:1:b:70000', '[::1:1:b:2']) {
    it(`refuses ${bad} with a UserError`, () => assert.throws(() => parseConnectTo(bad), (e: unknown) => e instanceof UserError && e.message.includes(bad)));
  }

  it('routes the first matching rule; empty parts match any or keep', () => {
    const rules = ['www.example.com:80:127.0.0.1:8080', '::10.0.0.1:'].map(parseConnectTo);
    assert.deepEqual(routeConnection(rules, 'www.example.com', 80), { hostname: '127.0.0.1', port: 8080 });
    assert.deepEqual(routeConnection(rules, 'www.example.com', 443), { hostname: '10.0.0.1', port: 443 });
    assert.deepEqual(routeConnection([], 'WWW.example.com', 443), { hostname: 'www.example.com', port: 443 });
  });

  it('a rule matches a host and port; an item\'s endpoint takes the scheme\'s port', () => {
    const rule = parseConnectTo('www.example.com:443:127.0.0.1:8443');
    assert.deepEqual(endpointOf('https://WWW.example.com/a'), { hostname: 'www.example.com', port: 443 });
    assert.deepEqual(endpointOf('http://www.example.com/a'), { hostname: 'www.example.com', port: 80 });
    assert.deepEqual(endpointOf('http://[::1]:8080/a'), { hostname: '::1', port: 8080 });
    assert.equal(ruleMatches(rule, 'www.example.com', 443), true);
    assert.equal(ruleMatches(rule, 'www.example.com', 80), false);
    assert.equal(ruleMatches(rule, 'static.example.com', 443), false);
    assert.equal(ruleMatches(parseConnectTo('::127.0.0.1:1'), 'any.example', 1234), true);
  });

  it('names a rule as curl writes it', () => {
    for (const spec of ['www.example.com:443:203.0.113.7:8443', '::[::1]:9000', '[2001:db8::1]:443:staging.example.net:', 'a:1::']) {
      assert.equal(connectToText(parseConnectTo(spec)), spec);
    }
  });
});

describe('RateGate: at most `rate` starts in any second', () => {
  it('spaces starts 1000/rate ms apart, in call order', async () => {
    let now = 0;
    const clock: VerifyClock = { now: () => now, sleep: async (ms) => { now += ms; } };
    const gate = new RateGate(4, clock);
    const starts: number[] = [];
    for (let i = 0; i < 9; i++) { await gate.take(); starts.push(now); }
    assert.deepEqual(starts, [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('an aborted wait returns false', async () => {
    const clock: VerifyClock = { now: () => 0, sleep: async () => undefined };
    const gate = new RateGate(1, clock);
    const controller = new AbortController();
    assert.equal(await gate.take(controller.signal), true);
    controller.abort();
    assert.equal(await gate.take(controller.signal), false);
  });
});

describe('Verification: every probe, before and after the purge, goes through the gate (virtual clock)', () => {
  it('at most `rate` probe starts in any second, with several probes in flight', async () => {
    // The fake edge answers at once: the clock jumps to the next paced start as soon as nothing runs.
    const clock = new VirtualClock({ busy: () => false });
    const starts: number[] = [];
    const seen = new Map<string, number>();
    let purged = false;
    const prober: Prober = {
      get: async (url, headers) => {
        starts.push(clock.elapsed());
        const key = `${url} ${JSON.stringify(headers)}`;
        const count = purged ? 0 : seen.get(key) ?? 0;
        seen.set(key, count + 1);
        return { cacheStatus: count === 0 ? 'MISS' : 'HIT', httpStatus: 200 };
      },
      close: async () => undefined,
    };
    const sampled = plan([{ groups: ['posts'], body: { files: files('posts', 4) } }]);
    const lines: string[] = [];
    const output = { stdout: (text: string) => lines.push(text), stderr: (text: string) => lines.push(text) };
    const verification = await Verification.start(sampled, { count: 4, rate: 4, connectTo: [], settleMs: 0, json: true }, output, { clock, prober });
    const signal = new AbortController().signal;
    assert.equal(await verification.before(signal), 'done');
    purged = true;
    assert.equal(await verification.after(signal), 'ok', lines.join(''));
    assert.equal(starts.length, 12, 'warming (MISS, HIT) then one probe each, for 4 items');
    for (let i = 0; i + 4 < starts.length; i++) {
      assert.ok(starts[i + 4] - starts[i] >= 1000, `5 starts within ${starts[i + 4] - starts[i]} ms: ${starts.join(', ')}`);
    }
    assert.ok(starts[11] - starts[0] < 11 * 250 + 250, `no slower than the rate: ${starts.join(', ')}`);
  });
});

describe('verdicts (docs/commands.md#verify-at-the-edge, cf-cache-status per docs/cloudflare.md)', () => {
  const seen = (cacheStatus: string | null): Observation => ({ cacheStatus, httpStatus: 200 });
  it('warming: until HIT, at most two requests', () => {
    assert.equal(needsWarming([]), true);
    assert.equal(needsWarming([seen('MISS')]), true);
    assert.equal(needsWarming([seen('HIT')]), false);
    assert.equal(needsWarming([seen('MISS'), seen('MISS')]), false);
  });

  const rows: [string, 'purge' | 'invalidate', Observation[], Observation | undefined, string][] = [
    ['HIT then MISS', 'purge', [seen('MISS'), seen('HIT')], seen('MISS'), 'purged'],
    ['HIT then EXPIRED', 'purge', [seen('HIT')], seen('EXPIRED'), 'purged'],
    ['HIT then REVALIDATED', 'purge', [seen('HIT')], seen('REVALIDATED'), 'purged'],
    ['HIT then UPDATING', 'purge', [seen('HIT')], seen('UPDATING'), 'purged'],
    ['HIT then HIT', 'purge', [seen('MISS'), seen('HIT')], seen('HIT'), 'not_purged'],
    ['invalidate: HIT then REVALIDATED', 'invalidate', [seen('HIT')], seen('REVALIDATED'), 'purged'],
    ['invalidate: HIT then MISS', 'invalidate', [seen('HIT')], seen('MISS'), 'purged'],
    ['invalidate: HIT then HIT', 'invalidate', [seen('HIT')], seen('HIT'), 'not_purged'],
    ['never HIT (DYNAMIC)', 'purge', [seen('DYNAMIC'), seen('DYNAMIC')], undefined, 'inconclusive'],
    ['never HIT (BYPASS)', 'purge', [seen('BYPASS'), seen('BYPASS')], undefined, 'inconclusive'],
    ['never HIT (errors)', 'purge', [{ error: 'timeout' }, { error: 'timeout' }], undefined, 'inconclusive'],
    ['HIT then an error', 'purge', [seen('HIT')], { error: 'connection reset' }, 'inconclusive'],
    ['HIT then BYPASS', 'purge', [seen('HIT')], seen('BYPASS'), 'inconclusive'],
    ['HIT then no cf-cache-status', 'purge', [seen('HIT')], seen(null), 'inconclusive'],
  ];
  for (const [name, action, before, after, verdict] of rows) {
    it(name, () => assert.equal(judge(action, before, after).verdict, verdict));
  }
});
