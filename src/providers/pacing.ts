// Pacing for providers that publish no purge rate (docs/providers.md): at most N requests of a zone
// in flight, and a wait the server named (a 429's) holds them all. The same model estimates the
// plan's seconds: each request takes one nominal round trip, N at a time.
import type { Limiter } from './types.js';

/** How long a request waiting for a slot asks again (a slot frees when a request of the zone ends). */
const SLOT_POLL_MS = 25;

/**
 * A nominal round trip to a CDN's API, for the plan's estimate only: Fastly and CloudFront publish
 * no purge rate, so their requests are estimated at this, N in flight (docs/providers.md).
 */
export const NOMINAL_ROUND_TRIP_MS = 100;

/**
 * At most `slots` requests in flight. A slot is taken by `tryTake` and given back by `release`,
 * which the provider's session calls when an attempt ends (answered or not); `answered` alone
 * does not release, so a caller that reports answers (the dispatch loop) never frees a slot twice.
 */
export class ConcurrencyLimiter implements Limiter {
  private inFlight = 0;
  private heldUntil = 0;

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`concurrency must be a whole number of at least 1, got ${slots}`);
  }

  tryTake(_cost: number, now: number): number {
    if (now < this.heldUntil) return this.heldUntil - now;
    if (this.inFlight >= this.slots) return SLOT_POLL_MS;
    this.inFlight++;
    return 0;
  }

  release(): void {
    if (this.inFlight > 0) this.inFlight--;
  }

  /** Requests in flight now (for tests and progress). */
  get busy(): number {
    return this.inFlight;
  }

  holdUntil(until: number, _now: number): void {
    this.heldUntil = Math.max(this.heldUntil, until);
  }

  observeRemaining(_remaining: number, _now: number): void {
    // No documented request budget for purges (docs/providers.md): only a 429's wait holds.
  }

  answered(_cost: number, _now: number): void {
    // Slots are released by `release`, once per attempt.
  }
}

/** Seconds `requests` requests take at `slots` in flight, one nominal round trip each. */
export function roundTripSeconds(requests: number, slots: number): number {
  return (Math.ceil(requests / Math.max(1, slots)) * NOMINAL_ROUND_TRIP_MS) / 1000;
}
