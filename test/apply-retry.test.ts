// The retry decision table (docs/commands.md#apply, docs/cloudflare.md): one test per line of `decide`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient, ApiOutcome } from '../src/cloudflare/client.js';
import type { Clock } from '../src/cloudflare/send.js';
import { send } from '../src/cloudflare/send.js';
import type { Decision, RetryState } from '../src/cloudflare/retry.js';
import { backoffMs, decide, DEFAULT_RETRY_POLICY, INITIAL_RETRY_STATE, parseWaitUntil } from '../src/cloudflare/retry.js';

const NOW = Date.parse('2026-10-01T12:00:00Z');
const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 3 };
const half = (): number => 0.5;

function response(status: number, options: { success?: boolean; headers?: Record<string, string>; errors?: { code: number; message: string }[]; envelope?: null } = {}): ApiOutcome {
  return {
    kind: 'response',
    status,
    headers: options.headers ?? {},
    envelope: options.envelope === null ? null : { success: options.success ?? (status >= 200 && status < 300), errors: options.errors ?? [], result: { id: 'abc' } },
  };
}

function retry(decision: Decision): Decision & { action: 'retry' } {
  assert.equal(decision.action, 'retry', JSON.stringify(decision));
  return decision as Decision & { action: 'retry' };
}

function failure(decision: Decision): Decision & { action: 'fail' } {
  assert.equal(decision.action, 'fail', JSON.stringify(decision));
  return decision as Decision & { action: 'fail' };
}

describe('retry decision table', () => {
  it('2xx with success:true is done', () => {
    assert.deepEqual(decide(response(200), INITIAL_RETRY_STATE, policy, NOW, half), { action: 'done' });
  });

  it('2xx with success:false is a failure carrying Cloudflare\'s errors, not retried', () => {
    const errors = [{ code: 1134, message: 'Rate limit exceeded for cache purge' }];
    const decision = failure(decide(response(200, { success: false, errors }), INITIAL_RETRY_STATE, policy, NOW, half));
    assert.equal(decision.httpStatus, 200);
    assert.deepEqual(decision.errors, errors);
  });

  it('2xx without a JSON envelope is a failure', () => {
    const decision = failure(decide(response(200, { envelope: null }), INITIAL_RETRY_STATE, policy, NOW, half));
    assert.match(decision.message, /without a Cloudflare answer/);
  });

  it('429 with retry-after in seconds waits exactly that, without jitter', () => {
    const decision = retry(decide(response(429, { headers: { 'retry-after': '7' } }), INITIAL_RETRY_STATE, policy, NOW, Math.random));
    assert.equal(decision.delayMs, 7000);
    assert.equal(decision.rule, 'rate_limited');
    assert.equal(decision.rateLimitedUntil, NOW + 7000);
  });

  it('429 with retry-after as an HTTP date waits until that date', () => {
    const headers = { 'retry-after': new Date(NOW + 12_000).toUTCString() };
    assert.equal(retry(decide(response(429, { headers }), INITIAL_RETRY_STATE, policy, NOW, half)).delayMs, 12_000);
  });

  it('429 with only x-ratelimit-reset (RFC 1123 date) waits until the reset', () => {
    const headers = { 'x-ratelimit-reset': new Date(NOW + 3_000).toUTCString() };
    assert.equal(retry(decide(response(429, { headers }), INITIAL_RETRY_STATE, policy, NOW, half)).delayMs, 3_000);
  });

  it('429 prefers retry-after over x-ratelimit-reset', () => {
    const headers = { 'retry-after': '2', 'x-ratelimit-reset': new Date(NOW + 9_000).toUTCString() };
    assert.equal(retry(decide(response(429, { headers }), INITIAL_RETRY_STATE, policy, NOW, half)).delayMs, 2_000);
  });

  it('429 without a wait backs off exponentially with jitter', () => {
    let state: RetryState = INITIAL_RETRY_STATE;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = retry(decide(response(429), state, policy, NOW, () => 1));
      delays.push(decision.delayMs);
      state = decision.next;
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
    const low = retry(decide(response(429), INITIAL_RETRY_STATE, policy, NOW, () => 0)).delayMs;
    assert.equal(low, 500, 'equal jitter: at least half the ceiling');
  });

  it('429s do not use up max retries', () => {
    let state: RetryState = { ...INITIAL_RETRY_STATE, retriesUsed: policy.maxRetries };
    for (let i = 0; i < 20; i++) {
      const decision = retry(decide(response(429, { headers: { 'retry-after': '1' } }), state, policy, NOW + i * 1000, half));
      assert.equal(decision.next.retriesUsed, policy.maxRetries);
      state = decision.next;
    }
  });

  it('a request still rate-limited 10 minutes after its first 429 fails', () => {
    const state: RetryState = { retriesUsed: 0, rateLimitedCount: 40, firstRateLimitedAt: NOW };
    assert.equal(decide(response(429), state, policy, NOW + 10 * 60_000 - 1, half).action, 'retry');
    const decision = failure(decide(response(429), state, policy, NOW + 10 * 60_000, half));
    assert.equal(decision.httpStatus, 429);
    assert.match(decision.message, /still rate-limited after 10 minutes/);
  });

  it('429 backoff never waits past the 10-minute budget', () => {
    const state: RetryState = { retriesUsed: 0, rateLimitedCount: 20, firstRateLimitedAt: NOW - 10 * 60_000 + 5_000 };
    assert.equal(retry(decide(response(429), state, policy, NOW, () => 1)).delayMs, 5_000);
  });

  it('429 asking to wait past the budget fails at once', () => {
    const decision = failure(decide(response(429, { headers: { 'retry-after': '3600' } }), INITIAL_RETRY_STATE, policy, NOW, half));
    assert.match(decision.message, /wait 3600 s/);
  });

  for (const status of [500, 502, 503, 504, 520]) {
    it(`${status} retries with exponential backoff and jitter, counting against max retries`, () => {
      const decision = retry(decide(response(status), INITIAL_RETRY_STATE, policy, NOW, () => 1));
      assert.equal(decision.rule, 'server_error');
      assert.equal(decision.delayMs, 500);
      assert.equal(decision.next.retriesUsed, 1);
      assert.equal(retry(decide(response(status), decision.next, policy, NOW, () => 1)).delayMs, 1000);
    });
  }

  it('5xx after max retries fails with the status and errors', () => {
    const errors = [{ code: 10001, message: 'Internal error' }];
    const decision = failure(decide(response(503, { errors }), { ...INITIAL_RETRY_STATE, retriesUsed: 3 }, policy, NOW, half));
    assert.equal(decision.httpStatus, 503);
    assert.deepEqual(decision.errors, errors);
    assert.match(decision.message, /gave up after 3 retries/);
  });

  for (const reason of ['timeout', 'reset', 'refused', 'network'] as const) {
    it(`transport ${reason} retries up to max retries`, () => {
      const outcome: ApiOutcome = { kind: 'transport', reason, message: reason };
      const decision = retry(decide(outcome, INITIAL_RETRY_STATE, policy, NOW, () => 1));
      assert.equal(decision.rule, 'transport');
      assert.equal(decision.next.retriesUsed, 1);
      assert.equal(decide(outcome, { ...INITIAL_RETRY_STATE, retriesUsed: 3 }, policy, NOW, half).action, 'fail');
    });
  }

  it('an unknown transport error is never retried', () => {
    const decision = failure(decide({ kind: 'transport', reason: 'other', message: 'boom' }, INITIAL_RETRY_STATE, policy, NOW, half));
    assert.equal(decision.message, 'boom');
  });

  for (const status of [400, 401, 403, 404, 405, 408, 409, 413]) {
    it(`${status} is not retried: it fails with Cloudflare's codes and messages`, () => {
      const errors = [{ code: 1016, message: 'Unable to purge x, which is an invalid URL.' }];
      const decision = failure(decide(response(status, { errors }), INITIAL_RETRY_STATE, policy, NOW, half));
      assert.equal(decision.httpStatus, status);
      assert.deepEqual(decision.errors, errors);
    });
  }
});

describe('backoff and wait parsing', () => {
  it('caps the backoff', () => {
    assert.equal(backoffMs(20, 500, 30_000, () => 1), 30_000);
    assert.equal(backoffMs(20, 500, 30_000, () => 0), 15_000);
  });

  it('reads seconds, epoch seconds and HTTP dates, and ignores garbage', () => {
    assert.equal(parseWaitUntil('2', NOW), NOW + 2000);
    assert.equal(parseWaitUntil('0.5', NOW), NOW + 500);
    assert.equal(parseWaitUntil(String(NOW / 1000 + 30), NOW), NOW + 30_000);
    assert.equal(parseWaitUntil(new Date(NOW + 4000).toUTCString(), NOW), NOW + 4000);
    assert.equal(parseWaitUntil('soon', NOW), null);
    assert.equal(parseWaitUntil(undefined, NOW), null);
  });
});

/** A clock that records sleeps and jumps ahead instead of waiting. */
function fakeClock(start = NOW): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; }, sleeps };
}

/** Answers from a script (the last one repeats); records how many attempts were made. */
function scriptedClient(script: ApiOutcome[]): ApiClient & { calls: number } {
  const client = {
    calls: 0,
    request: async () => script[Math.min(client.calls++, script.length - 1)],
    close: async () => {},
  };
  return client;
}

describe('send: the retry loop with a fake clock', () => {
  it('follows the table: retry-after, backoff for 5xx and resets, then done', async () => {
    const clock = fakeClock();
    const client = scriptedClient([
      response(429, { headers: { 'retry-after': '2' } }),
      response(503),
      { kind: 'transport', reason: 'reset', message: 'connection reset (ECONNRESET)' },
      response(429),
      response(200),
    ]);
    const result = await send('POST', '/zones/z/purge_cache', 't', {}, { client, clock, random: () => 1, policy });
    assert.deepEqual(result, { kind: 'done', result: { id: 'abc' }, attempts: 5 });
    assert.deepEqual(clock.sleeps, [2000, 500, 1000, 2000]);
  });

  it('a request still rate-limited after 10 minutes fails, without using max retries', async () => {
    const clock = fakeClock();
    const client = scriptedClient([response(429)]);
    const result = await send('POST', '/p', 't', {}, { client, clock, random: () => 1, policy: { ...policy, maxRetries: 0 } });
    assert.equal(result.kind, 'failed');
    assert.match(result.kind === 'failed' ? result.message : '', /still rate-limited after 10 minutes/);
    assert.equal(clock.sleeps.reduce((a, b) => a + b, 0), 10 * 60_000);
    assert.equal(client.calls, clock.sleeps.length + 1);
  });

  it('stops retrying when aborted, and reports interrupted', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const client = scriptedClient([response(500)]);
    const result = await send('POST', '/p', 't', {}, {
      client, clock, random: () => 1, policy, signal: controller.signal,
      onRetry: (_decision, attempt) => { if (attempt === 2) controller.abort(); },
    });
    assert.deepEqual(result, { kind: 'interrupted', attempts: 2 });
  });

  it('asks pacing before every retry', async () => {
    let asked = 0;
    const client = scriptedClient([response(500), response(500), response(200)]);
    const result = await send('POST', '/p', 't', {}, { client, clock: fakeClock(), random: () => 1, policy, beforeRetry: async () => { asked++; return true; } });
    assert.equal(result.kind, 'done');
    assert.equal(asked, 2);
  });
});
