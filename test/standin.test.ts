import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Agent, Pool, request } from 'undici';
import type { Dispatcher } from 'undici';
import {
  startStandin, STANDIN_LIMITS, DEFAULT_ZONE,
  type Standin, type StandinOptions, type StandinZone, type FaultContext,
} from './support/cloudflare-standin.js';
import { ManualClock, TEST_EPOCH, until } from './support/clock.js';

const agent = new Agent({ keepAliveTimeout: 2_000 });
after(() => agent.close());

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

async function call(s: Standin, method: string, path: string, opts: {
  token?: string | null; authorization?: string; body?: unknown; rawBody?: string;
  contentType?: string | null; dispatcher?: Dispatcher;
} = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? 'test-token'}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  const r = await request(s.url + path, { method: method as Dispatcher.HttpMethod, headers, body, dispatcher: opts.dispatcher ?? agent });
  const text = await r.body.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.statusCode, headers: r.headers, text, json };
}

const ZID = DEFAULT_ZONE.id;
const purge = (s: Standin, body: unknown, zoneId = ZID, extra: Parameters<typeof call>[3] = {}) =>
  call(s, 'POST', `/zones/${zoneId}/purge_cache`, { body, ...extra });

function hexId(n: number): string { return n.toString(16).padStart(32, '0'); }
function zone(n: number, plan: StandinZone['plan'], account: string, name = `z${n}.example`): StandinZone {
  return { id: hexId(n), name, plan, account_id: account };
}
function files(n: number, host = 'example.com'): string[] {
  return Array.from({ length: n }, (_, i) => `https://${host}/f/${i}`);
}
function assertCfError(r: Reply, status: number, code: number): void {
  assert.equal(r.status, status, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  assert.equal(r.json.success, false);
  assert.equal(r.json.result, null);
  assert.deepEqual(r.json.messages, []);
  assert.equal(r.json.errors[0].code, code, r.text);
  assert.equal(typeof r.json.errors[0].message, 'string');
}

async function withStandin(options: StandinOptions, fn: (s: Standin) => Promise<void>): Promise<void> {
  const s = await startStandin(options);
  try { await fn(s); } finally { await s.close(); }
}

/** A stand-in on a clock the test moves: its limits see exactly the time the test says. */
function withClock(options: StandinOptions, fn: (s: Standin, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  return withStandin({ ...options, clock }, (s) => fn(s, clock));
}

describe('stand-in: basics', () => {
  it('listens on loopback under /client/v4 and answers a purge in the Cloudflare envelope', () =>
    withStandin({}, async (s) => {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
      const r = await purge(s, { purge_everything: true });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.json.success, true);
      assert.deepEqual(r.json.errors, []);
      assert.deepEqual(r.json.messages, []);
      assert.match(r.json.result.id, /^[0-9a-f]{32}$/);
      assert.equal(s.accepted.length, 1);
      const a = s.accepted[0]!;
      assert.equal(a.id, r.json.result.id);
      assert.equal(a.zoneId, ZID);
      assert.deepEqual(a.body, { purge_everything: true });
      assert.equal(a.seq, 1);
      assert.ok(a.at >= 0 && a.at <= s.elapsed());
    }));

  it('logs every request with status and authorization, including failures', () =>
    withStandin({}, async (s) => {
      await call(s, 'GET', '/user/tokens/verify');
      await call(s, 'GET', '/user/tokens/verify', { token: null });
      await purge(s, { files: ['nope'] });
      assert.deepEqual(s.log.map((l) => [l.seq, l.method, l.path, l.status, l.authorization]), [
        [1, 'GET', '/client/v4/user/tokens/verify', 200, 'Bearer test-token'],
        [2, 'GET', '/client/v4/user/tokens/verify', 400, undefined],
        [3, 'POST', `/client/v4/zones/${ZID}/purge_cache`, 400, 'Bearer test-token'],
      ]);
      assert.equal(s.accepted.length, 0);
    }));

  it('answers 404 7000 for unknown paths and 405 for a wrong method', () =>
    withStandin({}, async (s) => {
      assertCfError(await call(s, 'GET', '/zones/x/dns_records'), 404, 7000);
      assertCfError(await call(s, 'GET', `/zones/${ZID}/purge_cache`), 405, 10405);
      assertCfError(await call(s, 'POST', '/user/tokens/verify', { body: {} }), 405, 10405);
    }));
});

describe('stand-in: authentication', () => {
  it('missing or ill-formed Authorization → 400 6003 with error_chain 6111', () =>
    withStandin({}, async (s) => {
      for (const authorization of [undefined, 'bearer test-token', 'Token test-token', 'Bearer ', 'Bearer a b']) {
        const r = authorization === undefined
          ? await purge(s, { purge_everything: true }, ZID, { token: null })
          : await purge(s, { purge_everything: true }, ZID, { authorization });
        assertCfError(r, 400, 6003);
        assert.deepEqual(r.json.errors[0].error_chain, [{ code: 6111, message: 'Invalid format for Authorization header' }]);
      }
      assertCfError(await call(s, 'GET', '/zones?name=example.com', { token: null }), 400, 6003);
      assert.equal(s.accepted.length, 0);
    }));

  it('well-formed unknown token → 403 10000 on zones and purge, and never echoes a token', () =>
    withStandin({}, async (s) => {
      const secret = 'sekrit-token-value-123';
      const r1 = await purge(s, { purge_everything: true }, ZID, { token: secret });
      assertCfError(r1, 403, 10000);
      assert.equal(r1.json.errors[0].message, 'Authentication error');
      const r2 = await call(s, 'GET', '/zones?name=example.com', { token: secret });
      assertCfError(r2, 403, 10000);
      const r3 = await call(s, 'GET', '/user/tokens/verify', { token: secret });
      const r4 = await call(s, 'GET', '/user/tokens/verify');
      for (const r of [r1, r2, r3, r4]) {
        assert.ok(!r.text.includes(secret) && !r.text.includes('test-token'), r.text);
      }
      assert.equal(s.accepted.length, 0);
    }));

  it('unknown zone ids: well-formed → 403 10000, malformed → 400 7003', () =>
    withStandin({}, async (s) => {
      assertCfError(await purge(s, { purge_everything: true }, hexId(99)), 403, 10000);
      const r = await purge(s, { purge_everything: true }, 'not-a-zone');
      assertCfError(r, 400, 7003);
      assert.match(r.json.errors[0].message, /perhaps your object identifier is invalid/);
    }));
});

describe('stand-in: token verify', () => {
  const opts: StandinOptions = {
    tokens: ['user-tok'],
    accountTokens: [{ token: 'acct-tok', account_id: 'acc1' }, { token: 'other-tok', account_id: 'acc2' }],
  };

  it('/user/tokens/verify: user token 200 active, account token 403, unknown 401 1000', () =>
    withStandin(opts, async (s) => {
      const ok = await call(s, 'GET', '/user/tokens/verify', { token: 'user-tok' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.success, true);
      assert.equal(ok.json.result.status, 'active');
      assert.match(ok.json.result.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(ok.json.messages, [{ code: 10000, message: 'This API Token is valid and active', type: null }]);
      assert.ok(!ok.text.includes('user-tok'));
      assert.equal(ok.json.result.id, (await call(s, 'GET', '/user/tokens/verify', { token: 'user-tok' })).json.result.id);

      const acct = await call(s, 'GET', '/user/tokens/verify', { token: 'acct-tok' });
      assert.equal(acct.status, 403, acct.text);
      assert.equal(acct.json.success, false);
      assertCfError(await call(s, 'GET', '/user/tokens/verify', { token: 'nope' }), 401, 1000);
      assert.equal((await call(s, 'GET', '/user/tokens/verify', { token: 'nope' })).json.errors[0].message, 'Invalid API Token');
    }));

  it('/accounts/{id}/tokens/verify: only that account\'s account tokens', () =>
    withStandin(opts, async (s) => {
      const ok = await call(s, 'GET', '/accounts/acc1/tokens/verify', { token: 'acct-tok' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.result.status, 'active');
      assert.equal(ok.json.messages[0].message, 'This API Token is valid and active');
      assertCfError(await call(s, 'GET', '/accounts/acc1/tokens/verify', { token: 'other-tok' }), 401, 1000);
      assertCfError(await call(s, 'GET', '/accounts/acc1/tokens/verify', { token: 'user-tok' }), 401, 1000);
      assertCfError(await call(s, 'GET', '/accounts/acc1/tokens/verify', { token: 'nope' }), 401, 1000);
      assertCfError(await call(s, 'GET', '/accounts/acc1/tokens/verify', { token: null }), 400, 6003);
    }));

  it('account tokens purge their own account\'s zones only; user tokens reach all zones', () =>
    withStandin({ ...opts, zones: [zone(1, 'free', 'acc1'), zone(2, 'free', 'acc2')] }, async (s) => {
      assert.equal((await purge(s, { purge_everything: true }, hexId(1), { token: 'acct-tok' })).status, 200);
      assertCfError(await purge(s, { purge_everything: true }, hexId(2), { token: 'acct-tok' }), 403, 10000);
      assert.equal((await purge(s, { purge_everything: true }, hexId(2), { token: 'other-tok' })).status, 200);
      assert.equal((await purge(s, { purge_everything: true }, hexId(2), { token: 'user-tok' })).status, 200);
      assert.deepEqual(s.accepted.map((a) => a.zoneId), [hexId(1), hexId(2), hexId(2)]);
    }));
});

describe('stand-in: zone lookup', () => {
  const zones = [
    zone(1, 'pro', 'accA', 'example.com'),
    zone(2, 'enterprise', 'accB', 'example.com'),
    zone(3, 'free', 'accA', 'other.org'),
  ];

  it('GET /zones?name= returns none, one or several zones with result_info', () =>
    withStandin({ zones }, async (s) => {
      const none = await call(s, 'GET', '/zones?name=missing.net');
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.json.result, []);
      assert.equal(none.json.result_info.total_count, 0);
      assert.equal(none.json.result_info.count, 0);

      const one = await call(s, 'GET', '/zones?name=other.org');
      assert.equal(one.json.result.length, 1);
      const z = one.json.result[0];
      assert.equal(z.id, hexId(3));
      assert.equal(z.name, 'other.org');
      assert.equal(z.status, 'active');
      assert.equal(z.account.id, 'accA');
      assert.equal(z.plan.legacy_id, 'free');
      assert.equal(z.plan.name, 'Free Website');
      assert.deepEqual({ ...one.json.result_info }, { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 });

      const several = await call(s, 'GET', '/zones?name=example.com');
      assert.deepEqual(several.json.result.map((r: any) => [r.id, r.account.id, r.plan.legacy_id]),
        [[hexId(1), 'accA', 'pro'], [hexId(2), 'accB', 'enterprise']]);
      assert.equal(several.json.result_info.total_count, 2);

      const filtered = await call(s, 'GET', '/zones?name=example.com&account.id=accB');
      assert.deepEqual(filtered.json.result.map((r: any) => r.id), [hexId(2)]);
    }));

  it('an account token only sees its own account\'s zones', () =>
    withStandin({ zones, accountTokens: [{ token: 'b-tok', account_id: 'accB' }] }, async (s) => {
      const r = await call(s, 'GET', '/zones?name=example.com', { token: 'b-tok' });
      assert.deepEqual(r.json.result.map((x: any) => x.id), [hexId(2)]);
      const all = await call(s, 'GET', '/zones', { token: 'b-tok' });
      assert.equal(all.json.result_info.total_count, 1);
    }));
});

describe('stand-in: purge body validation', () => {
  const cases: [string, unknown, number][] = [
    ['empty object', {}, 1012],
    ['array body', [{ purge_everything: true }], 1012],
    ['two types', { hosts: ['a.example.com'], tags: ['x'] }, 1012],
    ['unknown key', { tags: ['x'], extra: 1 }, 1012],
    ['only unknown key', { urls: ['https://example.com/'] }, 1012],
    ['purge_everything false', { purge_everything: false }, 1012],
    ['purge_everything string', { purge_everything: 'true' }, 1012],
    ['files not array', { files: 'https://example.com/' }, 1014],
    ['tags not array', { tags: 'a' }, 1014],
    ['empty files', { files: [] }, 1012],
    ['file object without url', { files: [{ headers: { 'cf-ipcountry': 'US' } }] }, 1012],
    ['file as number', { files: [42] }, 1012],
    ['file object with extra key', { files: [{ url: 'https://example.com/', method: 'GET' }] }, 1012],
    ['relative url', { files: ['/path/to/image.jpg'] }, 1016],
    ['ftp url', { files: ['ftp://example.com/a'] }, 1016],
    ['url without slashes', { files: ['https:example.com/a'] }, 1016],
    ['url with space', { files: ['https://example.com/a b'] }, 1016],
    ['object url invalid', { files: [{ url: 'example.com/a', headers: {} }] }, 1016],
    ['upper-case header name', { files: [{ url: 'https://example.com/', headers: { 'CF-IPCountry': 'US' } }] }, 1017],
    ['non-string header value', { files: [{ url: 'https://example.com/', headers: { 'cf-ipcountry': 1 } }] }, 1017],
    ['headers not object', { files: [{ url: 'https://example.com/', headers: ['a'] }] }, 1017],
    ['host with scheme', { hosts: ['https://example.com'] }, 1018],
    ['host with port', { hosts: ['example.com:8443'] }, 1018],
    ['host with path', { hosts: ['example.com/a'] }, 1018],
    ['upper-case host', { hosts: ['Example.com'] }, 1018],
    ['host not string', { hosts: [1] }, 1018],
    ['prefix with scheme', { prefixes: ['https://example.com/a'] }, 1019],
    ['prefix with query', { prefixes: ['example.com/a?b=c'] }, 1019],
    ['prefix with fragment', { prefixes: ['example.com/a#b'] }, 1019],
    ['prefix with 32 slashes', { prefixes: ['example.com' + '/a'.repeat(32)] }, 1019],
    ['prefix with upper-case host', { prefixes: ['EXAMPLE.com/a'] }, 1019],
    ['empty tag', { tags: [''] }, 1020],
    ['tag with space', { tags: ['a b'] }, 1020],
    ['tag with comma', { tags: ['a,b'] }, 1020],
    ['tag too long', { tags: ['t'.repeat(1025)] }, 1020],
    ['non-ASCII tag', { tags: ['café'] }, 1020],
  ];

  it('refuses each malformed body with 400 and the expected code, recording nothing', () =>
    withStandin({ enforceLimits: false }, async (s) => {
      for (const [name, body, code] of cases) {
        const r = await purge(s, body);
        assert.equal(r.status, 400, `${name}: ${r.text}`);
        assert.equal(r.json.errors[0].code, code, `${name}: ${r.text}`);
      }
      assert.equal(s.accepted.length, 0);
    }));

  it('uses the documented 1012 text and the observed invalid-URL text', () =>
    withStandin({}, async (s) => {
      const r = await purge(s, { files: [{ headers: { a: 'b' } }] });
      assert.equal(r.json.errors[0].message, 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"');
      const u = await purge(s, { files: ['https://example.com/ok', '/path/to/image.jpg'] });
      assert.equal(u.json.errors[0].message, 'Unable to purge /path/to/image.jpg, which is an invalid URL.');
    }));

  it('requires content-type application/json and valid JSON', () =>
    withStandin({}, async (s) => {
      assertCfError(await purge(s, { purge_everything: true }, ZID, { contentType: 'application/x-www-form-urlencoded' }), 400, 1012);
      assertCfError(await purge(s, { purge_everything: true }, ZID, { contentType: null }), 400, 1012);
      assertCfError(await purge(s, undefined, ZID, { rawBody: '{"files": [', contentType: 'application/json' }), 400, 6007);
      assertCfError(await call(s, 'POST', `/zones/${ZID}/purge_cache`), 400, 1012);
      const ok = await purge(s, { purge_everything: true }, ZID, { contentType: 'application/json; charset=utf-8' });
      assert.equal(ok.status, 200, ok.text);
    }));

  it('accepts each valid body form, including mixed string/object files and edge-length items', () =>
    withStandin({ enforceLimits: false }, async (s) => {
      const good: unknown[] = [
        { files: ['http://www.example.com/css/styles.css', { url: 'https://www.example.com/cat.jpg', headers: { 'cf-ipcountry': 'US', 'cf-device-type': 'desktop', 'accept-language': 'zh-CN' } }] },
        { files: [{ url: 'https://www.example.com/a?x=1&y=2' }] },
        { hosts: ['www.example.com', 'xn--bcher-kva.example', 'images.example.com'] },
        { prefixes: ['www.example.com/foo', 'images.example.com', 'example.com' + '/a'.repeat(31)] },
        { tags: ['a-cache-tag', 'Another_Tag!', 't'.repeat(1024)] },
        { purge_everything: true },
      ];
      for (const body of good) {
        const r = await purge(s, body);
        assert.equal(r.status, 200, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      }
      assert.deepEqual(s.accepted.map((a) => a.body), good);
    }));

  it('mixed-case header names pass when lowercaseHeaderNames is false', () =>
    withStandin({ lowercaseHeaderNames: false }, async (s) => {
      const r = await purge(s, { files: [{ url: 'https://example.com/', headers: { 'CF-IPCountry': 'US' } }] });
      assert.equal(r.status, 200, r.text);
    }));
});

describe('stand-in: per-request maxima by plan', () => {
  const zones = [zone(1, 'free', 'a'), zone(2, 'pro', 'a'), zone(3, 'business', 'a'), zone(4, 'enterprise', 'a')];

  it('files: 100 off Enterprise, 500 on Enterprise; hosts/prefixes/tags: 100 everywhere', () =>
    withStandin({ zones, enforceLimits: false }, async (s) => {
      for (const n of [1, 2, 3]) {
        assert.equal((await purge(s, { files: files(100) }, hexId(n))).status, 200);
        const r = await purge(s, { files: files(101) }, hexId(n));
        assertCfError(r, 400, 1015);
        assert.match(r.json.errors[0].message, /101.*at most 100/);
      }
      assert.equal((await purge(s, { files: files(500) }, hexId(4))).status, 200);
      const big = await purge(s, { files: files(501) }, hexId(4));
      assertCfError(big, 400, 1015);
      assert.match(big.json.errors[0].message, /at most 500 .*enterprise/);
      const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);
      const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag-${i}`);
      const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `example.com/p${i}`);
      for (const z of [1, 4]) {
        for (const body of [{ hosts: hosts(100) }, { tags: tags(100) }, { prefixes: prefixes(100) }]) {
          assert.equal((await purge(s, body, hexId(z))).status, 200);
        }
        for (const body of [{ hosts: hosts(101) }, { tags: tags(101) }, { prefixes: prefixes(101) }]) {
          assertCfError(await purge(s, body, hexId(z)), 400, 1015);
        }
      }
      assert.equal(s.accepted.length, 3 + 1 + 6);
    }));

  it('the table can be lowered through options.limits (e.g. the older 30 files)', () =>
    withStandin({ limits: { free: { maxFilesPerRequest: 30 } } }, async (s) => {
      assert.equal((await purge(s, { files: files(30) })).status, 200);
      assertCfError(await purge(s, { files: files(31) }), 400, 1015);
    }));

  it('exports the documented table', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(STANDIN_LIMITS).map(([p, l]) => [p, [l.requestsPerSecond * 60, l.bucketSize, l.urlsPerSecond, l.maxFilesPerRequest, l.maxItemsPerRequest]])),
      { free: [5, 25, 800, 100, 100], pro: [300, 25, 1500, 100, 100], business: [600, 50, 1500, 100, 100], enterprise: [3000, 500, 3000, 500, 100] });
  });
});

describe('stand-in: rate limits', () => {
  it('pro token bucket: a burst of 25, then 429 with retry-after; refills at 5/s', () =>
    withClock({ zones: [zone(1, 'pro', 'a')] }, async (s, clock) => {
      const z = hexId(1);
      for (let i = 0; i < 25; i++) {
        const r = await purge(s, { tags: [`t${i}`] }, z);
        assert.equal(r.status, 200, `request ${i + 1}: ${r.text}`);
      }
      const limited = await purge(s, { hosts: ['example.com'] }, z);
      assertCfError(limited, 429, 1134);
      assert.equal(limited.json.errors[0].message, 'Rate limit exceeded for cache purge');
      assert.equal(limited.headers['retry-after'], '1');
      assert.equal(s.rateLimited, 1);
      assertCfError(await purge(s, { purge_everything: true }, z), 429, 1134);
      assert.equal(s.rateLimited, 2);
      assert.equal(s.accepted.length, 25);

      await clock.advance(120); // 0.6 token since the bucket emptied: still not a whole one
      assertCfError(await purge(s, { prefixes: ['example.com/a'] }, z), 429, 1134);
      assert.equal(s.rateLimited, 3);
      await clock.advance(80); // 200 ms at 5/s: exactly one token
      assert.equal((await purge(s, { prefixes: ['example.com/a'] }, z)).status, 200);
      assertCfError(await purge(s, { prefixes: ['example.com/b'] }, z), 429, 1134);
      assert.equal(s.rateLimited, 4);
      assert.equal(s.accepted.length, 26);
      assert.deepEqual(s.accepted.slice(24).map((a) => a.at), [0, 200]);
    }));

  it('free token bucket: 25 then 429 with retry-after 12 s (5 per minute)', () =>
    withClock({}, async (s) => {
      for (let i = 0; i < 25; i++) assert.equal((await purge(s, { purge_everything: true })).status, 200);
      const r = await purge(s, { tags: ['x'] });
      assertCfError(r, 429, 1134);
      assert.equal(r.headers['retry-after'], '12');
    }));

  it('invalid requests and files requests take no bucket tokens', () =>
    withClock({ zones: [zone(1, 'pro', 'a')] }, async (s) => {
      const z = hexId(1);
      for (let i = 0; i < 10; i++) assert.equal((await purge(s, { tags: ['bad tag'] }, z)).status, 400);
      for (let i = 0; i < 10; i++) assert.equal((await purge(s, { files: files(10) }, z)).status, 200);
      for (let i = 0; i < 25; i++) assert.equal((await purge(s, { tags: [`t${i}`] }, z)).status, 200, `tag request ${i + 1}`);
      assert.equal((await purge(s, { tags: ['one-too-many'] }, z)).status, 429);
      // and an empty bucket does not block files
      assert.equal((await purge(s, { files: files(5) }, z)).status, 200);
      assert.equal(s.rateLimited, 1);
    }));

  it('free URL window: 800 URLs per moving second, then 429 until the oldest leave the window', () =>
    withClock({}, async (s, clock) => {
      assert.equal((await purge(s, { files: files(100, 'h0.example.com') })).status, 200);
      await clock.advance(80); // so the first 100 URLs leave the window before the others
      for (let i = 1; i < 8; i++) assert.equal((await purge(s, { files: files(100, `h${i}.example.com`) })).status, 200);
      const r = await purge(s, { files: ['https://example.com/one-more'] });
      assertCfError(r, 429, 1134);
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(s.rateLimited, 1);
      // flex requests are not limited by the URL window
      assert.equal((await purge(s, { hosts: ['example.com'] })).status, 200);
      assert.deepEqual(s.accepted.slice(0, 2).map((a) => a.at), [0, 80]);
      await clock.advance(919); // 1 ms before the first 100 URLs leave the window
      assertCfError(await purge(s, { files: files(1, 'w.example.com') }), 429, 1134);
      await clock.advance(1);
      // only the first 100 URLs have left the window: 100 fit again, but not one more
      assert.equal((await purge(s, { files: files(100, 'z.example.com') })).status, 200);
      assertCfError(await purge(s, { files: files(1, 'w.example.com') }), 429, 1134);
      assert.equal(s.rateLimited, 3);
      assert.equal(s.accepted.filter((a) => 'files' in a.body).length, 9);
    }));

  it('retry-after is whole seconds rounded up', () =>
    withClock({ zones: [zone(1, 'pro', 'a')], limits: { pro: { requestsPerSecond: 1 / 1.4, bucketSize: 1 } } }, async (s) => {
      assert.equal((await purge(s, { tags: ['a'] }, hexId(1))).status, 200);
      const r = await purge(s, { tags: ['b'] }, hexId(1));
      assertCfError(r, 429, 1134);
      assert.equal(r.headers['retry-after'], '2'); // 1.4 s to the next token
    }));

  it('enterprise window: a 500-file request fits 6 times in a second (3000 URLs), not 7', () =>
    withClock({ zones: [zone(1, 'enterprise', 'a')] }, async (s) => {
      for (let i = 0; i < 6; i++) assert.equal((await purge(s, { files: files(500, `h${i}.example.com`) }, hexId(1))).status, 200);
      assertCfError(await purge(s, { files: files(1) }, hexId(1)), 429, 1134);
    }));

  it('zones of the same account and plan share one bucket; other plans and accounts do not', () =>
    withClock({ zones: [zone(1, 'pro', 'A'), zone(2, 'pro', 'A'), zone(3, 'business', 'A'), zone(4, 'pro', 'B')] }, async (s) => {
      for (let i = 0; i < 13; i++) assert.equal((await purge(s, { tags: [`a${i}`] }, hexId(1))).status, 200);
      for (let i = 0; i < 12; i++) assert.equal((await purge(s, { tags: [`b${i}`] }, hexId(2))).status, 200);
      assertCfError(await purge(s, { tags: ['x'] }, hexId(1)), 429, 1134);
      assertCfError(await purge(s, { tags: ['x'] }, hexId(2)), 429, 1134);
      // same account, other plan: its own (business) bucket
      for (let i = 0; i < 30; i++) assert.equal((await purge(s, { tags: [`c${i}`] }, hexId(3))).status, 200, `business ${i + 1}`);
      // same plan, other account: its own bucket
      assert.equal((await purge(s, { tags: ['d'] }, hexId(4))).status, 200);
      assert.equal(s.rateLimited, 2);
    }));

  it('zones of the same account and plan share one URL window', () =>
    withClock({ zones: [zone(1, 'free', 'A'), zone(2, 'free', 'A'), zone(3, 'free', 'B')] }, async (s) => {
      for (let i = 0; i < 4; i++) assert.equal((await purge(s, { files: files(100) }, hexId(1))).status, 200);
      for (let i = 0; i < 4; i++) assert.equal((await purge(s, { files: files(100) }, hexId(2))).status, 200);
      assertCfError(await purge(s, { files: files(1) }, hexId(1)), 429, 1134);
      assertCfError(await purge(s, { files: files(1) }, hexId(2)), 429, 1134);
      assert.equal((await purge(s, { files: files(100) }, hexId(3))).status, 200);
    }));

  it('rateLimitHeaders adds x-ratelimit-* to purge answers', () =>
    withClock({ zones: [zone(1, 'pro', 'a')], rateLimitHeaders: true }, async (s) => {
      const inOneSecond = new Date(TEST_EPOCH + 1000).toUTCString();
      const first = await purge(s, { tags: ['a'] }, hexId(1));
      assert.equal(first.headers['x-ratelimit-limit'], '25');
      assert.equal(first.headers['x-ratelimit-remaining'], '24');
      assert.equal(first.headers['x-ratelimit-reset'], inOneSecond, 'full again in 200 ms, in whole seconds');
      const f = await purge(s, { files: files(100) }, hexId(1));
      assert.equal(f.headers['x-ratelimit-limit'], '1500');
      assert.equal(f.headers['x-ratelimit-remaining'], '1400');
      for (let i = 0; i < 24; i++) await purge(s, { tags: ['a'] }, hexId(1));
      const r = await purge(s, { tags: ['a'] }, hexId(1));
      assert.equal(r.status, 429);
      assert.equal(r.headers['x-ratelimit-remaining'], '0');
      assert.equal(r.headers['x-ratelimit-reset'], inOneSecond, 'a token again in 200 ms: retry-after 1 s from now');
    }));

  it('sends no x-ratelimit-* headers by default', () =>
    withStandin({}, async (s) => {
      const r = await purge(s, { tags: ['a'] });
      assert.equal(r.headers['x-ratelimit-limit'], undefined);
    }));

  it('enforceLimits: false lets bursts through', () =>
    withStandin({ enforceLimits: false }, async (s) => {
      for (let i = 0; i < 30; i++) assert.equal((await purge(s, { tags: [`t${i}`] })).status, 200);
      for (let i = 0; i < 10; i++) assert.equal((await purge(s, { files: files(100) })).status, 200);
      assert.equal(s.rateLimited, 0);
    }));
});

describe('stand-in: faults', () => {
  it('status fault: given status, errors and headers; never accepted; not counted as own 429', () => {
    const seen: FaultContext[] = [];
    return withStandin({
      fault: (ctx) => {
        seen.push(ctx);
        if (ctx.purgeSeq === 1) return { kind: 'status', status: 503, retryAfterSeconds: 3, errors: [{ code: 10013, message: 'try later' }] };
        if (ctx.purgeSeq === 2) return { kind: 'status', status: 429, rateLimitReset: 'Wed, 21 Oct 2026 07:28:00 GMT' };
        if (ctx.purgeSeq === 3) return { kind: 'status', status: 500 };
        return undefined;
      },
    }, async (s) => {
      await call(s, 'GET', '/user/tokens/verify');
      const r1 = await purge(s, { tags: ['a'] });
      assertCfError(r1, 503, 10013);
      assert.equal(r1.json.errors[0].message, 'try later');
      assert.equal(r1.headers['retry-after'], '3');
      const r2 = await purge(s, { tags: ['b'] });
      assert.equal(r2.status, 429);
      assert.equal(r2.json.success, false);
      assert.ok(r2.json.errors.length >= 1);
      assert.equal(r2.headers['x-ratelimit-reset'], 'Wed, 21 Oct 2026 07:28:00 GMT');
      assert.equal(r2.headers['retry-after'], undefined);
      const r3 = await purge(s, { tags: ['c'] });
      assert.equal(r3.status, 500);
      assert.equal(r3.json.success, false);
      assert.equal(typeof r3.json.errors[0].code, 'number');
      const r4 = await purge(s, { tags: ['d'] });
      assert.equal(r4.status, 200);
      assert.deepEqual(s.accepted.map((a) => a.body), [{ tags: ['d'] }]);
      assert.equal(s.accepted[0]!.seq, 5);
      assert.equal(s.rateLimited, 0);
      assert.deepEqual(s.log.map((l) => l.status), [200, 503, 429, 500, 200]);
      // the hook saw every request, with the documented context
      assert.deepEqual(seen.map((c) => [c.seq, c.method, c.purgeSeq, c.zoneId]), [
        [1, 'GET', undefined, undefined], [2, 'POST', 1, ZID], [3, 'POST', 2, ZID], [4, 'POST', 3, ZID], [5, 'POST', 4, ZID],
      ]);
      assert.deepEqual(seen[1]!.body, { tags: ['a'] });
      assert.equal(seen[1]!.path, `/client/v4/zones/${ZID}/purge_cache`);
    });
  });

  it('reset fault: the socket is destroyed without an answer; the next request opens a new connection', () =>
    withStandin({ fault: (ctx) => (ctx.purgeSeq === 2 ? { kind: 'reset' } : undefined) }, async (s) => {
      const pool = new Pool(new URL(s.url).origin, { connections: 1 });
      try {
        assert.equal((await purge(s, { tags: ['a'] }, ZID, { dispatcher: pool })).status, 200);
        await assert.rejects(purge(s, { tags: ['b'] }, ZID, { dispatcher: pool }), (e: any) => {
          assert.ok(/ECONNRESET|UND_ERR_SOCKET/.test(String(e?.code)) || /other side closed|reset/i.test(String(e?.message)), String(e));
          return true;
        });
        assert.equal((await purge(s, { tags: ['c'] }, ZID, { dispatcher: pool })).status, 200);
        assert.deepEqual(s.accepted.map((a) => a.body.tags[0]), ['a', 'c']);
        assert.deepEqual(s.log.map((l) => l.status), [200, 'reset', 200]);
        assert.equal(s.connections, 2);
      } finally {
        await pool.close();
      }
    }));

  it('delay fault: answers normally after the delay, and the purge is accepted; others are not held', () =>
    withClock({ fault: (ctx) => (ctx.purgeSeq === 1 ? { kind: 'delay', ms: 150 } : undefined) }, async (s, clock) => {
      const slow = purge(s, { tags: ['slow'] });
      await until(() => clock.sleeping === 1);
      const fast = await purge(s, { tags: ['fast'] });
      assert.equal(fast.status, 200, fast.text);
      await clock.advance(149);
      assert.deepEqual(s.accepted.map((a) => a.body.tags[0]), ['fast'], 'the delayed purge is still held 1 ms before its time');
      await clock.advance(1);
      const r = await slow;
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(s.accepted.map((a) => [a.body.tags[0], a.seq, a.at]), [['fast', 2, 0], ['slow', 1, 150]]);
      assert.deepEqual(s.log.map((l) => [l.seq, l.at]), [[2, 0], [1, 150]], 'logged when answered, in arrival seq');
    }));

  it('delay fault still applies the limits when it answers', () =>
    withClock({
      zones: [zone(1, 'pro', 'a')],
      limits: { pro: { bucketSize: 1 } },
      fault: (ctx) => (ctx.purgeSeq === 2 ? { kind: 'delay', ms: 50 } : undefined),
    }, async (s, clock) => {
      assert.equal((await purge(s, { tags: ['a'] }, hexId(1))).status, 200);
      const pending = purge(s, { tags: ['b'] }, hexId(1));
      await until(() => clock.sleeping === 1);
      await clock.advance(50); // a quarter of a token refilled meanwhile
      assertCfError(await pending, 429, 1134);
      assert.equal(s.rateLimited, 1);
    }));
});

describe('stand-in: connections and close()', () => {
  it('keeps connections alive and counts them', () =>
    withStandin({}, async (s) => {
      const pool = new Pool(new URL(s.url).origin, { connections: 1 });
      try {
        for (let i = 0; i < 5; i++) assert.equal((await call(s, 'GET', '/user/tokens/verify', { dispatcher: pool })).status, 200);
        assert.equal(s.connections, 1);
      } finally {
        await pool.close();
      }
    }));

  it('close() destroys an idle keep-alive socket and resolves promptly', async () => {
    const s = await startStandin();
    const { port } = new URL(s.url);
    const socket = connect(Number(port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    let data = '';
    const answered = new Promise<void>((resolve) => {
      socket.on('data', (c) => { data += c.toString(); if (data.includes('"success":true')) resolve(); });
    });
    socket.write('GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-token\r\nConnection: keep-alive\r\n\r\n');
    await answered;
    assert.match(data, /^HTTP\/1\.1 200/);
    assert.match(data, /connection: keep-alive/i);
    assert.equal(socket.destroyed, false);
    assert.equal(s.openSockets, 1);
    const closing = s.close();
    assert.equal(s.openSockets, 0, 'the idle keep-alive socket is destroyed at once, not left to its timeout');
    await closing;
    await closed;
    assert.equal(s.connections, 1);
    await s.close(); // idempotent
  });

  it('close() does not wait for a request held by a delay fault', async () => {
    const clock = new ManualClock();
    const s = await startStandin({ clock, fault: () => ({ kind: 'delay', ms: 60_000 }) });
    const pending = purge(s, { tags: ['a'] });
    pending.catch(() => {});
    await until(() => clock.sleeping === 1);
    const closing = s.close();
    assert.equal(s.openSockets, 0, 'the held request\'s socket is destroyed at once');
    await closing;
    await assert.rejects(pending);
    assert.equal(s.accepted.length, 0, 'the held purge was never answered');
    assert.deepEqual(s.log, []);
  });
});
