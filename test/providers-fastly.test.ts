// The Fastly provider (docs/providers.md#fastly): body forms, requests, the classification table,
// tokens and API URL, and sending against the loopback Fastly stand-in (Fastly-Key on every
// request, soft purge, the query carried, keys as written, concurrency, 429 waits).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY } from '../src/cloudflare/retry.js';
import type { FastlyBody } from '../src/providers/fastly.js';
import {
  classifyFastly, FASTLY_MAX_KEYS_PER_REQUEST, fastlyApiUrl, fastlyBodies, fastlyEstimateSeconds, fastlyRequest, openFastlySession, readFastlyTokens,
} from '../src/providers/fastly.js';
import type { ProviderJob, ProviderSendContext, ProviderSendResult, ProviderSession, ProviderZone, RawOutcome, ZoneItem } from '../src/providers/types.js';
import { UserError } from '../src/errors.js';
import type { FastlyFault, FastlyStandin } from './support/fastly-standin.js';
import { FASTLY_TEST_SERVICE, FASTLY_TEST_TOKEN, startFastlyStandin } from './support/fastly-standin.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const item = (kind: ZoneItem['kind'], value: string, groups = ['g']): ZoneItem => ({ kind, value, groups });
const response = (status: number, text: string, headers: Record<string, string> = {}): RawOutcome => ({ kind: 'response', status, headers, text });

/** Time that moves only by the sleeps the code asks for; every sleep is kept. */
function recordingClock(start = NOW) {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('Fastly body forms', () => {
  it('one request per URL, keys as written in batches of at most 256, purge_all alone covering the rest', () => {
    const keys = Array.from({ length: 300 }, (_, i) => item('tag', `Post-${i}`));
    const forms = fastlyBodies([...keys, item('file', 'https://static.example.com/a?b=1&c=2'), item('file', 'https://static.example.com/b')], 'purge', ['g']);
    assert.deepEqual(forms.requests.map((r) => [r.kind, r.size]), [['tags', 256], ['tags', 44], ['files', 1], ['files', 1]]);
    assert.equal((forms.requests[0].body as { surrogate_keys: string[] }).surrogate_keys[0], 'Post-0', 'not lower-cased');
    assert.equal(FASTLY_MAX_KEYS_PER_REQUEST, 256);
    assert.deepEqual(forms.requests[2].body, { url: 'https://static.example.com/a?b=1&c=2' });
    const all = fastlyBodies([item('everything', '', ['a']), item('tag', 'x', ['b'])], 'purge', ['a', 'b']);
    assert.deepEqual(all.requests, [{ kind: 'purge_everything', size: 1, groups: ['a', 'b'], body: { purge_all: true } }]);
    assert.deepEqual(all.coverage, [{ kind: 'everything', value: '', covered: 1 }]);
  });

  it('a URL under two schemes is one cached object to Fastly: one request, both groups', () => {
    const forms = fastlyBodies([item('file', 'https://s.example.com/x', ['b']), item('file', 'http://s.example.com/x', ['a'])], 'invalidate', ['a', 'b']);
    assert.equal(forms.requests.length, 1);
    assert.deepEqual(forms.requests[0].groups, ['a', 'b']);
    assert.equal(forms.duplicates, 1);
  });

  it('hosts, prefixes and invalidating everything never reach the body forms (the check refuses them)', () => {
    assert.throws(() => fastlyBodies([item('host', 's.example.com')], 'purge', []), /cannot purge hosts/);
    assert.throws(() => fastlyBodies([item('prefix', 's.example.com/img/')], 'purge', []), /cannot purge prefixs|cannot purge prefix/);
    assert.throws(() => fastlyBodies([item('everything', '')], 'invalidate', []), /cannot invalidate everything/);
  });

  it('estimates nominal round trips, N in flight', () => {
    assert.equal(fastlyEstimateSeconds(16, 8), 0.2);
    assert.equal(fastlyEstimateSeconds(17, 8), 0.3);
  });
});

describe('Fastly requests', () => {
  it('a URL is POST /purge/{host}{path} with its query carried as written; Fastly-Key always; soft for invalidate', () => {
    const r = fastlyRequest('SID', { url: 'https://static.example.com/a%20b/c?z=1&a=%2F' }, 'invalidate', 'tok');
    assert.equal(r.target, '/purge/static.example.com/a%20b/c?z=1&a=%2F');
    assert.deepEqual(r.headers, { 'fastly-key': 'tok', accept: 'application/json', 'fastly-soft-purge': '1' });
    assert.equal(r.body, undefined);
  });

  it('keys go as JSON to /service/{id}/purge; purge_all has no soft form', () => {
    const keys = fastlyRequest('S/1', { surrogate_keys: ['A', 'b'] }, 'purge', 'tok');
    assert.equal(keys.target, '/service/S%2F1/purge');
    assert.equal(keys.body, '{"surrogate_keys":["A","b"]}');
    assert.equal(keys.headers['content-type'], 'application/json');
    assert.equal(keys.headers['fastly-soft-purge'], undefined);
    assert.equal(fastlyRequest('S', { purge_all: true }, 'purge', 'tok').target, '/service/S/purge_all');
    assert.throws(() => fastlyRequest('S', { purge_all: true }, 'invalidate', 'tok'), /no soft form/);
  });
});

describe('Fastly classification table', () => {
  it('2xx with a JSON answer is done with its purge id; without one it is not', () => {
    assert.deepEqual(classifyFastly(response(200, '{"status":"ok","id":"108-1"}'), NOW), { kind: 'done', id: '108-1' });
    assert.deepEqual(classifyFastly(response(200, '{"k1":"108-2","k2":"108-3"}'), NOW), { kind: 'done', id: '108-2' });
    assert.equal(classifyFastly(response(200, '<html>proxy</html>'), NOW).kind, 'fatal');
    assert.equal(classifyFastly(response(200, '{"status":"error"}'), NOW).kind, 'fatal');
  });

  it('429: Retry-After in seconds wins over Fastly-RateLimit-Reset', () => {
    const v = classifyFastly(response(429, '', { 'retry-after': '7', 'fastly-ratelimit-reset': String(NOW / 1000 + 60) }), NOW);
    assert.deepEqual(v, { kind: 'rate_limited', message: 'rate-limited (429)', until: NOW + 7000 });
  });

  it('429 without Retry-After waits until Fastly-RateLimit-Reset, epoch seconds; with neither it backs off', () => {
    assert.equal((classifyFastly(response(429, '', { 'fastly-ratelimit-reset': String(NOW / 1000 + 42) }), NOW) as { until: number }).until, NOW + 42_000);
    assert.equal((classifyFastly(response(429, ''), NOW) as { until: null }).until, null);
  });

  it('5xx and connection errors are transient; other 4xx are fatal with Fastly\'s msg and detail, printable', () => {
    assert.equal(classifyFastly(response(503, ''), NOW).kind, 'transient');
    assert.equal(classifyFastly({ kind: 'transport', reason: 'reset', message: 'connection reset' }, NOW).kind, 'transient');
    assert.equal(classifyFastly({ kind: 'transport', reason: 'other', message: 'x' }, NOW).kind, 'fatal');
    const v = classifyFastly(response(404, '{"msg":"Record not found","detail":"Cannot find service \'x\\u001b[31m\'"}'), NOW);
    assert.equal(v.kind, 'fatal');
    assert.equal((v as unknown as { errors: { message: string }[] }).errors[0].message.includes('\u001b'), false);
    assert.match((v as unknown as { errors: { message: string }[] }).errors[0].message, /Record not found: Cannot find service/);
  });
});

describe('Fastly tokens and API URL', () => {
  it('a missing token names its variable and zones before anything is sent', () => {
    assert.throws(() => readFastlyTokens([{ name: 'static', tokenEnv: 'FASTLY_API_TOKEN' }, { name: 'img', tokenEnv: 'FASTLY_API_TOKEN' }], {}),
      (e: unknown) => e instanceof UserError && /FASTLY_API_TOKEN \(zones static, img\)/.test(e.message) && /purge_select/.test(e.hint ?? ''));
    assert.deepEqual([...readFastlyTokens([{ name: 's', tokenEnv: 'MY_FASTLY' }], { MY_FASTLY: ' abc\n' })], [['s', 'abc']]);
  });

  it('a token no header can carry is refused without echoing it', () => {
    assert.throws(() => readFastlyTokens([{ name: 's', tokenEnv: 'T' }], { T: 'sec ret' }), (e: unknown) => e instanceof Error && !e.message.includes('sec ret') && /in T contains/.test(e.message));
  });

  it('--fastly-api-url, else PURGEPLAN_FASTLY_API_URL, else api.fastly.com; http only on loopback', () => {
    assert.equal(fastlyApiUrl(undefined, {}).href, 'https://api.fastly.com/');
    assert.equal(fastlyApiUrl(undefined, { PURGEPLAN_FASTLY_API_URL: 'http://127.0.0.1:9/f/' }).href, 'http://127.0.0.1:9/f');
    assert.equal(fastlyApiUrl('https://proxy.example/fastly', { PURGEPLAN_FASTLY_API_URL: 'http://127.0.0.1:9' }).host, 'proxy.example');
    assert.throws(() => fastlyApiUrl('http://proxy.example', {}), /refusing plain http Fastly API URL/);
    assert.throws(() => fastlyApiUrl(undefined, { PURGEPLAN_FASTLY_API_URL: 'http://10.0.0.1' }), /PURGEPLAN_FASTLY_API_URL/);
  });
});

describe('Fastly against the stand-in', () => {
  let standin: FastlyStandin;
  let faults: ((n: number, path: string) => FastlyFault | undefined) | undefined;
  let gate: Promise<void> | undefined;
  before(async () => {
    standin = await startFastlyStandin({ fault: ({ seq, path }) => faults?.(seq, path), gate: () => gate ?? Promise.resolve() });
  });
  after(() => standin.close());

  const zone = (concurrency = 8): ProviderZone => ({ name: 'static', id: FASTLY_TEST_SERVICE, concurrency });
  async function session(token = FASTLY_TEST_TOKEN): Promise<ProviderSession<FastlyBody>> {
    return openFastlySession({ apiUrl: new URL(standin.url), tokens: new Map([['static', token]]), connections: 16, requestTimeoutMs: 5000 });
  }
  /** What apply's dispatch does: take the zone's slot before the first attempt and before each retry. */
  async function sendAll(s: ProviderSession<FastlyBody>, z: ProviderZone, jobs: ProviderJob<FastlyBody>[], clock = recordingClock()): Promise<ProviderSendResult[]> {
    const limiter = s.limiter(z, 'files', clock.now());
    const take = async (): Promise<boolean> => {
      while (limiter.tryTake(1, clock.now()) > 0) await new Promise((resolve) => setTimeout(resolve, 2));
      return true;
    };
    const context: ProviderSendContext = { clock, random: () => 0.5, policy: DEFAULT_RETRY_POLICY, beforeRetry: take };
    return Promise.all(jobs.map(async (job) => (await take(), s.send(z, job, context))));
  }

  it('purges URLs (query as written), keys (case kept) and everything, with Fastly-Key on every request and soft purges marked', async () => {
    standin.purges.length = 0;
    standin.log.length = 0;
    const s = await session();
    try {
      const results = await sendAll(s, zone(1), [
        { index: 0, action: 'invalidate', body: { url: 'https://static.example.com/p/a?z=1&a=2' } },
        { index: 1, action: 'purge', body: { surrogate_keys: ['Post-1', 'post-1'] } },
        { index: 2, action: 'purge', body: { purge_all: true } },
      ]);
      assert.deepEqual(results.map((r) => r.kind), ['done', 'done', 'done']);
      assert.match((results[0] as { result: { id: string } }).result.id, /^108-/);
      assert.deepEqual(standin.purges.map((p) => [p.kind, p.url ?? p.keys ?? p.service, p.soft]), [
        ['url', 'static.example.com/p/a?z=1&a=2', true],
        ['keys', ['Post-1', 'post-1'], false],
        ['all', FASTLY_TEST_SERVICE, false],
      ]);
      assert.ok(standin.log.every((entry) => entry.fastlyKey === FASTLY_TEST_TOKEN), 'Fastly-Key on every request');
    } finally {
      await s.close();
    }
  });

  it('keeps at most limits.concurrency requests of the service in flight, and reaches it', async () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const s = await session();
    try {
      const jobs = Array.from({ length: 12 }, (_, i): ProviderJob<FastlyBody> => ({ index: i, action: 'purge', body: { url: `https://static.example.com/${i}` } }));
      const sending = sendAll(s, zone(3), jobs);
      while (standin.inFlight < 3) await new Promise((resolve) => setTimeout(resolve, 2));
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(standin.inFlight, 3);
      open();
      const results = await sending;
      assert.equal(results.filter((r) => r.kind === 'done').length, 12);
      assert.equal(standin.maxInFlight, 3);
    } finally {
      gate = undefined;
      await s.close();
    }
  });

  it('a 429 waits Retry-After seconds (no jitter), else until Fastly-RateLimit-Reset, and does not use up retries', async () => {
    const clock = recordingClock();
    let answered = 0;
    faults = (_n, path) => (path.startsWith('/purge/') && answered++ < 2
      ? { kind: 'status', status: 429, headers: answered === 1 ? { 'retry-after': '3', 'fastly-ratelimit-reset': String(NOW / 1000 + 100) } as Record<string, string> : { 'fastly-ratelimit-reset': String(NOW / 1000 + 10) } }
      : undefined);
    const s = await session();
    try {
      const [result] = await sendAll(s, zone(), [{ index: 0, action: 'purge', body: { url: 'https://static.example.com/x' } }], clock);
      assert.equal(result.kind, 'done');
      assert.equal(result.attempts, 3);
      assert.deepEqual(clock.sleeps, [3000, 7000], 'Retry-After 3 s, then until the reset 10 s after the start');
    } finally {
      faults = undefined;
      await s.close();
    }
  });

  it('a refused token fails the request with Fastly\'s message, never the token', async () => {
    faults = () => ({ kind: 'status', status: 401, body: { msg: `Provided credentials are missing or invalid: ${FASTLY_TEST_TOKEN}` } });
    const s = await session();
    try {
      const [result] = await sendAll(s, zone(), [{ index: 0, action: 'purge', body: { url: 'https://static.example.com/x' } }]);
      assert.equal(result.kind, 'failed');
      const text = JSON.stringify(result);
      assert.equal(text.includes(FASTLY_TEST_TOKEN), false);
      assert.match(text, /Provided credentials are missing or invalid: \[REDACTED\]/);
      assert.equal((result as { httpStatus: number }).httpStatus, 401);
    } finally {
      faults = undefined;
      await s.close();
    }
  });

  it('a connection reset is retried; a wrong token is a 401 from Fastly', async () => {
    let resets = 0;
    faults = () => (resets++ < 1 ? { kind: 'reset' } : undefined);
    const s = await session();
    try {
      const [retried] = await sendAll(s, zone(), [{ index: 0, action: 'purge', body: { url: 'https://static.example.com/r' } }]);
      assert.equal(retried.kind, 'done');
      assert.equal(retried.attempts, 2);
    } finally {
      faults = undefined;
      await s.close();
    }
    const wrong = await session('not-the-token');
    try {
      const [refused] = await sendAll(wrong, zone(), [{ index: 0, action: 'purge', body: { surrogate_keys: ['a'] } }]);
      assert.equal(refused.kind, 'failed');
      assert.equal((refused as { httpStatus: number }).httpStatus, 401);
    } finally {
      await wrong.close();
    }
  });
});
