// What every provider shares (docs/providers.md): the decision table of a provider's send loop,
// one line per case; the concurrency limiter; CloudFront's room in progress; the XML and group
// helpers; and Cloudflare behind the provider interface, unchanged, against its stand-in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../src/cloudflare/client.js';
import { DEFAULT_RETRY_POLICY, INITIAL_RETRY_STATE } from '../src/cloudflare/retry.js';
import { cloudflareSession, CLOUDFLARE_ENDPOINTS } from '../src/providers/cloudflare.js';
import { InvalidationsInProgress } from '../src/providers/cloudfront.js';
import { unionGroups, xmlEscape, xmlText } from '../src/providers/common.js';
import { ConcurrencyLimiter } from '../src/providers/pacing.js';
import { decideVerdict } from '../src/providers/retry.js';
import { PROVIDER_NAMES } from '../src/providers/types.js';
import { DEFAULT_TOKEN, DEFAULT_ZONE, startStandin } from './support/cloudflare-standin.js';

const NOW = Date.UTC(2026, 0, 1);
const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 2 };
const half = (): number => 0.5;

describe('the provider decision table', () => {
  it('done is done; fatal fails with its errors, never retried', () => {
    assert.deepEqual(decideVerdict({ kind: 'done', id: 'x' }, INITIAL_RETRY_STATE, policy, NOW, half), { action: 'done', id: 'x' });
    assert.deepEqual(decideVerdict({ kind: 'fatal', message: 'm', httpStatus: 403, errors: [{ code: 'AccessDenied', message: 'no' }] }, INITIAL_RETRY_STATE, policy, NOW, half),
      { action: 'fail', message: 'm', httpStatus: 403, errors: [{ code: 'AccessDenied', message: 'no' }] });
  });

  it('transient: backoff with jitter, up to --max-retries', () => {
    const first = decideVerdict({ kind: 'transient', message: 'HTTP 503', httpStatus: 503 }, INITIAL_RETRY_STATE, policy, NOW, half);
    assert.equal(first.action, 'retry');
    assert.equal((first as { rule: string }).rule, 'server_error');
    assert.equal((first as { delayMs: number }).delayMs, 375);
    const spent = { ...INITIAL_RETRY_STATE, retriesUsed: 2 };
    assert.deepEqual(decideVerdict({ kind: 'transient', message: 'reset' }, spent, policy, NOW, half), { action: 'fail', message: 'reset; gave up after 2 retries', errors: [] });
  });

  it('rate-limited: waits exactly what the server named, or backs off; never counts as a retry; fails past the budget', () => {
    const spent = { ...INITIAL_RETRY_STATE, retriesUsed: 2 };
    const named = decideVerdict({ kind: 'rate_limited', message: 'rate-limited (429)', until: NOW + 4000 }, spent, policy, NOW, Math.random);
    assert.deepEqual([named.action, (named as { delayMs: number }).delayMs, (named as { rateLimitedUntil: number }).rateLimitedUntil], ['retry', 4000, NOW + 4000]);
    const unnamed = decideVerdict({ kind: 'rate_limited', message: 'r', until: null }, INITIAL_RETRY_STATE, policy, NOW, half);
    assert.equal((unnamed as { delayMs: number }).delayMs, 750);
    const late = { ...INITIAL_RETRY_STATE, firstRateLimitedAt: NOW - policy.rateLimitBudgetMs };
    assert.equal(decideVerdict({ kind: 'rate_limited', message: 'r', until: null }, late, policy, NOW, half).action, 'fail');
    assert.match((decideVerdict({ kind: 'rate_limited', message: 'r', until: NOW + policy.rateLimitBudgetMs + 1 }, INITIAL_RETRY_STATE, policy, NOW, half) as { message: string }).message, /past the 10-minute limit/);
  });

  it('busy: waits and retries within the same budget, by its own rule', () => {
    const busy = decideVerdict({ kind: 'busy', message: 'too many invalidations in progress' }, INITIAL_RETRY_STATE, policy, NOW, half);
    assert.equal((busy as { rule: string }).rule, 'busy');
    const late = { ...INITIAL_RETRY_STATE, firstRateLimitedAt: NOW - policy.rateLimitBudgetMs };
    assert.match((decideVerdict({ kind: 'busy', message: 'too many invalidations in progress' }, late, policy, NOW, half) as { message: string }).message, /too many invalidations in progress: still so after 10 minutes/);
  });
});

describe('provider pacing', () => {
  it('the concurrency limiter gives at most N slots, takes one back per release, and a server\'s wait holds them all', () => {
    const limiter = new ConcurrencyLimiter(2);
    assert.deepEqual([limiter.tryTake(1, 0), limiter.tryTake(1, 0), limiter.tryTake(1, 0) > 0], [0, 0, true]);
    limiter.answered(1, 0);
    assert.ok(limiter.tryTake(1, 0) > 0, 'an answer alone does not free a slot');
    limiter.release();
    assert.equal(limiter.tryTake(1, 0), 0);
    limiter.release();
    limiter.holdUntil(500, 0);
    assert.equal(limiter.tryTake(1, 100), 400);
    assert.throws(() => new ConcurrencyLimiter(0), /at least 1/);
  });

  it('CloudFront\'s room: paths and wildcards counted independently, reserved then tracked by id, freed on completion', () => {
    const room = new InvalidationsInProgress(10, 2);
    assert.equal(room.tryReserve(8, 2), true);
    assert.equal(room.tryReserve(3, 0), false, '8 + 3 paths > 10');
    assert.equal(room.tryReserve(2, 1), false, '2 + 1 wildcards > 2');
    room.track('I1', 8, 2);
    room.track('I1', 8, 2);
    room.unreserve(8, 2);
    assert.deepEqual(room.ids(), ['I1']);
    assert.equal(room.tryReserve(3, 0), false);
    room.complete('I1');
    assert.equal(room.tryReserve(10, 2), true);
  });
});

describe('provider helpers', () => {
  it('unions groups in file order', () => {
    assert.deepEqual(unionGroups([['c', 'a'], ['b', 'a'], ['z']], ['a', 'b', 'c']), ['a', 'b', 'c', 'z']);
  });

  it('reads XML text with entities, printable; escapes text for XML', () => {
    assert.equal(xmlText('<R><Code a="1">Too&amp;Many &#x3C;x&#62;</Code></R>', 'Code'), 'Too&Many <x>');
    assert.equal(xmlText('<R/>', 'Code'), null);
    assert.equal(xmlEscape('a&b<c>'), 'a&amp;b&lt;c&gt;');
  });

  it('names three providers', () => assert.deepEqual([...PROVIDER_NAMES], ['cloudflare', 'fastly', 'cloudfront']));
});

describe('Cloudflare behind the provider interface', () => {
  it('sends to purge_cache or invalidate_cache with cloudflare/send.ts, paced by its tier, the id as the journal keeps it', async () => {
    const standin = await startStandin();
    const client = await createClient(new URL(standin.url), { connections: 2, requestTimeoutMs: 5000, secrets: [DEFAULT_TOKEN] });
    const session = cloudflareSession({ client, zones: new Map([['www', { token: DEFAULT_TOKEN, tier: 'free' }]]) });
    try {
      const zone = { name: 'www', id: DEFAULT_ZONE.id, concurrency: 1 };
      const context = { clock: { now: () => Date.now(), sleep: async () => {} }, random: half, policy };
      const purged = await session.send(zone, { index: 0, action: 'purge', body: { files: ['https://example.com/a'] } }, context);
      const invalidated = await session.send(zone, { index: 1, action: 'invalidate', body: { tags: ['t'] } }, context);
      assert.equal(purged.kind, 'done');
      assert.equal((purged as { result: { id: string } }).result.id, standin.accepted[0].id);
      assert.deepEqual(standin.accepted.map((a) => a.endpoint), [CLOUDFLARE_ENDPOINTS.purge, CLOUDFLARE_ENDPOINTS.invalidate]);
      assert.equal(invalidated.kind, 'done');
      assert.equal(session.limiter(zone, 'files', 0), session.limiter({ ...zone, name: 'www' }, 'files', 0), 'one URL window per tier');
    } finally {
      await session.close();
      await standin.close();
    }
  });
});
