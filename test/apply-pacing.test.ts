// Pacing (docs/commands.md#apply, docs/cloudflare.md) with a fake clock: nothing here sleeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TIER_LIMITS } from '../src/cloudflare/limits.js';
import type { Limiter } from '../src/cloudflare/pacing.js';
import { MovingWindow, observeRateLimitHeaders, PACING_MARGIN, Pacer, TokenBucket } from '../src/cloudflare/pacing.js';

/**
 * Sends `count` requests of `cost` as fast as `limiter` allows; returns the send times. Each answer
 * comes `answerLag(i)` ms after its send (default: at once; null: never).
 */
function drive(limiter: Limiter, count: number, cost: number, start = 0, answerLag: (i: number) => number | null = () => 0): number[] {
  let now = start;
  const sent: number[] = [];
  let pending: number[] = []; // answer times, delivered at those times
  while (sent.length < count) {
    for (const at of pending.filter((t) => t <= now).sort((a, b) => a - b)) limiter.answered(cost, at);
    pending = pending.filter((t) => t > now);
    const wait = limiter.tryTake(cost, now);
    if (wait === 0) {
      const lag = answerLag(sent.length);
      sent.push(now);
      if (lag === 0) limiter.answered(cost, now);
      else if (lag !== null) pending.push(now + lag);
    } else {
      now = Math.min(now + wait, ...pending);
    }
  }
  return sent;
}

describe('token bucket (hosts, prefixes, tags, purge_everything)', () => {
  it('allows a full bucket at once, then paces at slightly under the documented rate', () => {
    const { bucketSize, requestsPerSecond } = TIER_LIMITS.pro;
    const sent = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), bucketSize + 10, 1);
    assert.ok(sent.slice(0, bucketSize).every((t) => t === 0), 'the burst goes at once');
    const gaps = sent.slice(bucketSize).map((t, i, a) => t - (i === 0 ? 0 : a[i - 1]));
    const documentedGap = 1000 / requestsPerSecond;
    for (const gap of gaps) assert.ok(gap >= documentedGap && gap <= documentedGap * 1.05, `gap ${gap} ms vs documented ${documentedGap}`);
  });

  it('free plan: 25 at once, then one every ~12 s (5 per minute)', () => {
    const { bucketSize, requestsPerSecond } = TIER_LIMITS.free;
    const sent = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), 27, 1);
    assert.equal(sent[24], 0);
    assert.ok(sent[25] >= 12_000 && sent[25] < 12_500, String(sent[25]));
    assert.ok(sent[26] - sent[25] >= 12_000 && sent[26] - sent[25] < 12_500);
  });

  it('refills from the first answer, not the first send: a slow first request cannot put the server behind', () => {
    const { bucketSize, requestsPerSecond } = TIER_LIMITS.pro;
    // The burst reaches the server (and is answered) 80 ms after it was sent, later requests at once.
    const sent = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), bucketSize + 5, 1, 0, (i) => (i < bucketSize ? 80 : 0));
    const gap = Math.ceil(1000 / (requestsPerSecond * PACING_MARGIN.rateFactor));
    assert.equal(sent[bucketSize], 80 + gap, 'the first refilled token counts from the answer at 80 ms');
  });

  it('without any answer, refilling starts a second after the first request (pacing never stalls)', () => {
    const { bucketSize, requestsPerSecond } = TIER_LIMITS.pro;
    const sent = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), bucketSize + 1, 1, 0, () => null);
    assert.equal(sent[bucketSize], 1_000 + Math.ceil(1000 / (requestsPerSecond * PACING_MARGIN.rateFactor)));
  });

  it('a 429 hold empties the bucket until the server\'s time, then one request may go', () => {
    const bucket = new TokenBucket(25, 5, 0);
    bucket.holdUntil(3_000, 0);
    assert.equal(bucket.tryTake(1, 1_000), 2_000);
    assert.equal(bucket.tryTake(1, 3_000), 0);
    assert.ok(bucket.tryTake(1, 3_000) > 0, 'only one token after the hold');
  });

  it('x-ratelimit-remaining lowers the bucket, never raises it', () => {
    const bucket = new TokenBucket(25, 5, 0);
    observeRateLimitHeaders(bucket, { 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': new Date(60_000).toUTCString() }, 0);
    assert.equal(bucket.tryTake(1, 0), 0);
    observeRateLimitHeaders(bucket, { 'x-ratelimit-remaining': '20' }, 0);
    assert.equal(bucket.tryTake(1, 0), 0);
    assert.ok(bucket.tryTake(1, 0) > 0);
    const empty = new TokenBucket(25, 5, 0);
    observeRateLimitHeaders(empty, { 'x-ratelimit-remaining': '0' }, 0);
    assert.equal(empty.tryTake(1, 0), Math.ceil(1000 / (5 * PACING_MARGIN.rateFactor)), 'the next token, not the reset time');
    const ignored = new TokenBucket(25, 5, 0);
    observeRateLimitHeaders(ignored, { 'x-ratelimit-remaining': 'soon' }, 0);
    assert.equal(ignored.tryTake(1, 0), 0);
  });
});

describe('moving window of URLs (files)', () => {
  it('lets through the documented URLs per window, a window slightly longer than a second', () => {
    const window = new MovingWindow(800);
    assert.equal(window.tryTake(800, 0), 0);
    const wait = window.tryTake(1, 10);
    assert.equal(wait, PACING_MARGIN.windowMs - 10);
    assert.equal(window.tryTake(1, PACING_MARGIN.windowMs), 0);
  });

  it('frees exactly the oldest entries needed', () => {
    const window = new MovingWindow(100, 1000);
    window.tryTake(40, 0);
    window.tryTake(40, 100);
    assert.equal(window.tryTake(30, 200), 800, 'waits for the first entry only');
    assert.equal(window.tryTake(20, 200), 0, 'a smaller request still fits');
    assert.equal(window.tryTake(30, 1000), 0);
  });

  it('counts a request from its answer: a request that travelled late still leaves the window late (regression)', () => {
    // Two requests let go at 0 and 10; the first is answered at 40 (its write was delayed), the
    // second at 12. The server counted them from their arrivals, at most 40 and 12, so the window
    // frees the first 40 URLs only at 40 + window, not at 0 + window.
    const window = new MovingWindow(60, 1000);
    assert.equal(window.tryTake(30, 0), 0);
    assert.equal(window.tryTake(30, 10), 0);
    window.answered(30, 12);
    window.answered(30, 40);
    assert.equal(window.tryTake(30, 1000), 12, 'the earliest answer (12) leaves the window at 1012');
    assert.equal(window.tryTake(30, 1012), 0);
    assert.equal(window.tryTake(30, 1013), 27, 'the next leaves at 1040');
  });

  it('an answer slower than the window counts its URLs again from the answer', () => {
    const window = new MovingWindow(30, 1000);
    assert.equal(window.tryTake(30, 0), 0);
    assert.equal(window.tryTake(30, 1000), 0, 'the first left the window');
    window.answered(30, 1005);
    window.answered(30, 1200);
    assert.ok(window.tryTake(30, 1300) > 0, 'the late answer holds the window');
  });

  it('a request larger than the window goes alone into an empty window', () => {
    const window = new MovingWindow(10, 1000);
    assert.equal(window.tryTake(50, 0), 0);
    assert.equal(window.tryTake(1, 500), 500);
  });

  it('is not limited by the request bucket, and a hold applies to it', () => {
    const pacer = new Pacer();
    const tags = pacer.limiter('free', 'tags', 0);
    const files = pacer.limiter('free', 'files', 0);
    for (let i = 0; i < 25; i++) assert.equal(tags.tryTake(1, 0), 0);
    assert.ok(tags.tryTake(1, 0) > 0);
    assert.equal(files.tryTake(30, 0), 0, 'files still go');
    files.holdUntil(2_000, 0);
    assert.equal(files.tryTake(30, 500), 1_500);
  });
});

describe('Pacer: limiters shared by plan tier', () => {
  it('zones on the same tier share one bucket; other tiers have their own', () => {
    const pacer = new Pacer();
    assert.equal(pacer.limiter('pro', 'hosts', 0), pacer.limiter('pro', 'tags', 0));
    assert.equal(pacer.limiter('pro', 'purge_everything', 0), pacer.limiter('pro', 'prefixes', 0));
    assert.notEqual(pacer.limiter('pro', 'hosts', 0), pacer.limiter('business', 'hosts', 0));
    assert.notEqual(pacer.limiter('pro', 'hosts', 0), pacer.limiter('pro', 'files', 0));
  });
});

/**
 * Oracle: a server enforcing the exact documented limits on arrival, with a 1-second sliding window
 * for URLs and an exact token bucket for requests. Arrivals lag sends by 0 to 40 ms, in any order.
 */
describe('no 429 from a server enforcing the exact documented limits', () => {
  const jitter = (i: number): number => (i * 7919) % 41;

  for (const tier of ['free', 'pro', 'business', 'enterprise'] as const) {
    it(`${tier}: URL window`, () => {
      const perRequest = tier === 'enterprise' ? 500 : 30;
      const sends = drive(new MovingWindow(TIER_LIMITS[tier].urlsPerSecond), 400, perRequest);
      const arrivals = sends.map((t, i) => t + jitter(i)).sort((a, b) => a - b);
      for (let i = 0; i < arrivals.length; i++) {
        const inWindow = arrivals.filter((t) => t > arrivals[i] - 1000 && t <= arrivals[i]).length;
        assert.ok(inWindow * perRequest <= TIER_LIMITS[tier].urlsPerSecond, `${inWindow * perRequest} URLs within 1 s at ${arrivals[i]}`);
      }
      const span = (sends[sends.length - 1] - sends[0]) / 1000;
      const rate = ((sends.length - 1) * perRequest) / span;
      assert.ok(rate > TIER_LIMITS[tier].urlsPerSecond * 0.9, `throughput ${rate.toFixed(0)} URLs/s is within 10% of the limit`);
    });

    it(`${tier}: request bucket starting at the first arrival, the burst arriving late`, () => {
      const { bucketSize, requestsPerSecond } = TIER_LIMITS[tier];
      // Arrival (and answer) 0-40 ms after the send; the opening burst 60 ms more (connections opening).
      const lag = (i: number) => (i < bucketSize ? 60 : 0) + jitter(i);
      const sends = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), bucketSize * 2 + 10, 1, 0, lag);
      const arrivals = sends.map((t, i) => t + lag(i)).sort((a, b) => a - b);
      let tokens = bucketSize;
      let last = arrivals[0]!;
      for (const at of arrivals) {
        tokens = Math.min(bucketSize, tokens + ((at - last) * requestsPerSecond) / 1000);
        last = at;
        assert.ok(tokens >= 1, `bucket empty at ${at} ms`);
        tokens -= 1;
      }
    });

    it(`${tier}: request bucket`, () => {
      const { bucketSize, requestsPerSecond } = TIER_LIMITS[tier];
      const sends = drive(new TokenBucket(bucketSize, requestsPerSecond, 0), bucketSize * 3, 1);
      const arrivals = sends.map((t, i) => t + jitter(i)).sort((a, b) => a - b);
      let tokens = bucketSize;
      let last = 0;
      for (const at of arrivals) {
        tokens = Math.min(bucketSize, tokens + ((at - last) * requestsPerSecond) / 1000);
        last = at;
        assert.ok(tokens >= 1, `bucket empty at ${at} ms`);
        tokens -= 1;
      }
    });
  }
});
