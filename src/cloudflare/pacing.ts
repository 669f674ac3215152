// Pacing to Cloudflare's purge limits (docs/cloudflare.md). Pure: every method takes `now`.
//
// The limits are per account and plan, shared by all zones of that account on that plan. The
// account is unknown when the plan is made (and a token may reach zones of several accounts), so
// one Pacer shares its limiters by plan tier across the whole run: zones of different accounts on
// the same tier are paced together, which is slower than necessary, never faster.
import type { PlanTier } from './limits.js';
import { TIER_LIMITS } from './limits.js';
import type { RequestKind } from '../plan/types.js';

/**
 * Margins so a server enforcing the exact documented limit on arrival does not answer 429: the
 * request bucket refills at 98% of the documented rate, and a URL stays in our window 20 ms longer
 * than the server's 1-second window (arrivals lag sends by varying amounts, so they can bunch up).
 * The URL count itself is not cut: 6 x 500 URLs must still fit Enterprise's 3000 per window.
 */
export const PACING_MARGIN = { rateFactor: 0.98, windowMs: 1_020 } as const;

export interface Limiter {
  /** 0 when `cost` was taken now; otherwise how many ms to wait before asking again (nothing taken). */
  tryTake(cost: number, now: number): number;
  /** The server said the limit is exhausted until `until` (a 429, or `x-ratelimit-remaining: 0`). */
  holdUntil(until: number, now: number): void;
  /** `x-ratelimit-remaining` on an answer, in this limiter's units when it has any. */
  observeRemaining(remaining: number, now: number): void;
  /** A request of `cost` this limiter let go got an answer `now`: the server had it by then. */
  answered(cost: number, now: number): void;
}

/**
 * If no answer has come this long after the first request, refilling starts anyway (a network
 * that answers nothing must not stall pacing for good: retries still wait for tokens).
 */
const FIRST_ANSWER_WAIT_MS = 1_000;

/**
 * Token bucket, one token per request: hosts, prefixes, tags and purge_everything requests.
 * Refilling counts from the first answer, not the first send: the server's bucket (full, as ours)
 * started no later than our first request reached it, which the answer proves. Counted from the
 * send, a first request that took longer to arrive than the next ones would leave the server a
 * fraction of a token behind us, which the 2% margin takes seconds to make up (a 429 seen in the
 * benchmark, 1 run in 4).
 */
export class TokenBucket implements Limiter {
  private tokens: number;
  private updatedAt: number;
  private heldUntil = 0;
  private readonly refillPerMs: number;
  private firstTakeAt: number | null = null;
  private firstAnswerAt: number | null = null;

  constructor(private readonly capacity: number, requestsPerSecond: number, now: number) {
    this.tokens = capacity;
    this.updatedAt = now;
    this.refillPerMs = (requestsPerSecond * PACING_MARGIN.rateFactor) / 1000;
  }

  /** When refilling starts: the first answer, or a while after the first request without one. */
  private refillStart(): number | null {
    const latest = this.firstTakeAt === null ? null : this.firstTakeAt + FIRST_ANSWER_WAIT_MS;
    if (this.firstAnswerAt === null) return latest;
    return latest === null ? this.firstAnswerAt : Math.min(this.firstAnswerAt, latest);
  }

  private refill(now: number): void {
    const start = this.refillStart();
    if (start === null || now <= start) return;
    const from = Math.max(this.updatedAt, start);
    if (now > from) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - from) * this.refillPerMs);
      this.updatedAt = now;
    }
  }

  tryTake(_cost: number, now: number): number {
    if (now < this.heldUntil) return this.heldUntil - now;
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.firstTakeAt ??= now;
      return 0;
    }
    const start = this.refillStart();
    // Before refilling starts: ask again when it would have brought one token.
    const from = start === null ? now : Math.max(now, start);
    return Math.max(1, Math.ceil(from - now + (1 - this.tokens) / this.refillPerMs));
  }

  holdUntil(until: number, now: number): void {
    // The server's bucket is empty and, by its word, holds one token again at `until`.
    this.answered(1, now);
    this.heldUntil = Math.max(this.heldUntil, until, now);
    this.tokens = 1;
    this.updatedAt = this.heldUntil;
  }

  observeRemaining(remaining: number, now: number): void {
    this.answered(1, now);
    this.refill(now);
    this.tokens = Math.min(this.tokens, Math.max(0, remaining));
  }

  answered(_cost: number, now: number): void {
    if (this.firstAnswerAt !== null) return;
    // Refilling starts now (or already did, a while after the first request).
    this.refill(now);
    this.firstAnswerAt = now;
  }
}

/** Moving window of URLs per second: files requests, which the request bucket does not limit. */
export class MovingWindow implements Limiter {
  /**
   * URLs in the window, oldest first. An entry is stamped when its request is let go, then
   * re-stamped when its answer arrives (`answered`): the server received the request at some time
   * between the two, so counting it from the answer never lets a later request reach the server
   * while the server still counts this one, however late the request travelled (a burst of
   * requests whose writes were delayed, then sent on time, drew 429s when stamped at the send only).
   */
  private readonly entries: { at: number; cost: number; answered: boolean }[] = [];
  private used = 0;
  private heldUntil = 0;
  private readonly capacity: number;

  constructor(unitsPerSecond: number, private readonly windowMs: number = PACING_MARGIN.windowMs) {
    this.capacity = Math.max(1, Math.floor(unitsPerSecond));
  }

  private expire(now: number): void {
    while (this.entries.length > 0 && this.entries[0].at + this.windowMs <= now) {
      this.used -= this.entries.shift()!.cost;
    }
  }

  tryTake(cost: number, now: number): number {
    if (now < this.heldUntil) return this.heldUntil - now;
    this.expire(now);
    // A request larger than the whole window can only go alone.
    const fits = this.used + cost <= this.capacity || this.entries.length === 0;
    if (fits) {
      this.entries.push({ at: now, cost, answered: false });
      this.used += cost;
      return 0;
    }
    // Wait until enough of the oldest entries leave the window.
    let freed = 0;
    for (const entry of this.entries) {
      freed += entry.cost;
      if (this.used - freed + cost <= this.capacity) return Math.max(1, entry.at + this.windowMs - now);
    }
    return Math.max(1, this.entries[this.entries.length - 1].at + this.windowMs - now);
  }

  holdUntil(until: number, _now: number): void {
    this.heldUntil = Math.max(this.heldUntil, until);
  }

  answered(cost: number, now: number): void {
    // Entries of one cost are interchangeable for the count: re-stamp the oldest unanswered one.
    const index = this.entries.findIndex((entry) => !entry.answered && entry.cost === cost);
    if (index === -1) {
      // It already left the window (an answer slower than the window): count it again from now.
      this.insert({ at: now, cost, answered: true });
      this.used += cost;
      return;
    }
    const [entry] = this.entries.splice(index, 1);
    this.insert({ at: Math.max(entry!.at, now), cost, answered: true });
  }

  /** Keeps the entries in time order, so the oldest leave first. */
  private insert(entry: { at: number; cost: number; answered: boolean }): void {
    let index = this.entries.length;
    while (index > 0 && this.entries[index - 1]!.at > entry.at) index--;
    this.entries.splice(index, 0, entry);
  }

  observeRemaining(_remaining: number, _now: number): void {
    // Whether x-ratelimit-remaining counts URLs or requests is undocumented (docs/cloudflare.md):
    // only its "0 left until reset" reading is used, through holdUntil.
  }
}

/**
 * The limiters of a run, by tier: one request bucket and one URL window each, created on first use.
 * Purges and invalidations share them: "Purge and invalidation requests draw from the same limits"
 * (docs/cloudflare.md), so a limiter is chosen by tier and kind, never by action.
 */
export class Pacer {
  private readonly buckets = new Map<PlanTier, TokenBucket>();
  private readonly windows = new Map<PlanTier, MovingWindow>();

  limiter(tier: PlanTier, kind: RequestKind, now: number): Limiter {
    if (kind === 'files') {
      let window = this.windows.get(tier);
      if (window === undefined) this.windows.set(tier, (window = new MovingWindow(TIER_LIMITS[tier].urlsPerSecond)));
      return window;
    }
    let bucket = this.buckets.get(tier);
    if (bucket === undefined) this.buckets.set(tier, (bucket = new TokenBucket(TIER_LIMITS[tier].bucketSize, TIER_LIMITS[tier].requestsPerSecond, now)));
    return bucket;
  }
}

/**
 * `x-ratelimit-remaining` on an answer (docs/cloudflare.md) lowers the limiter the request used.
 * Only lowers: an answer can be older than requests sent since, so a higher figure proves nothing.
 * `x-ratelimit-reset` is not read here: whether it names the next token or a full bucket is
 * undocumented, and the stand-in's "full bucket" reading would stall pacing for seconds. It is
 * honoured on a 429, where it is the wait (retry.ts), and that wait holds the limiter (holdUntil).
 */
export function observeRateLimitHeaders(limiter: Limiter, headers: Readonly<Record<string, string>>, now: number): void {
  const remaining = headers['x-ratelimit-remaining']?.trim();
  if (remaining !== undefined && /^\d+$/.test(remaining)) limiter.observeRemaining(Number(remaining), now);
}

/** A request as pacing sees it. */
export interface PacedRequest {
  readonly tier: PlanTier;
  readonly kind: RequestKind;
  readonly size: number;
}

/**
 * Seconds apply needs to send these requests at the documented limits: the very limiters apply
 * paces with, run on a virtual clock (each answer taken as arriving with its send, so a lower bound). The plan's
 * `summary.estimated_seconds`.
 */
export function estimateSeconds(requests: Iterable<PacedRequest>): number {
  const pacer = new Pacer();
  const readyAt = new Map<Limiter, number>();
  let end = 0;
  for (const request of requests) {
    const limiter = pacer.limiter(request.tier, request.kind, 0);
    let now = readyAt.get(limiter) ?? 0;
    for (let wait = limiter.tryTake(request.size, now); wait > 0; wait = limiter.tryTake(request.size, now)) now += wait;
    limiter.answered(request.size, now);
    readyAt.set(limiter, now);
    end = Math.max(end, now);
  }
  return Math.round(end) / 1000;
}
