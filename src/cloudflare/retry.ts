// What to do after one attempt: a decision table, one line per case of docs/commands.md#apply and
// docs/cloudflare.md, read top to bottom like ky's #calculateRetryDelay. Pure: time and
// randomness come in as arguments.
import { parseWaitUntil } from '../http/policy.js';
import type { ApiError, ApiOutcome } from './client.js';

export interface RetryPolicy {
  /** Retries allowed for 5xx, timeouts and connection errors (`--max-retries`). 429s do not count. */
  readonly maxRetries: number;
  /** Exponential backoff for 5xx and transport errors: base * 2^(n-1), capped, then jittered. */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Backoff for a 429 that names no wait (the purge limiter's headers are undocumented, docs/cloudflare.md). */
  readonly rateLimitBaseMs: number;
  readonly rateLimitCapMs: number;
  /** A request still rate-limited this long after its first 429 fails (docs/commands.md#apply: 10 minutes). */
  readonly rateLimitBudgetMs: number;
}

export const DEFAULT_MAX_RETRIES = 5;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: DEFAULT_MAX_RETRIES,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  rateLimitBaseMs: 1_000,
  rateLimitCapMs: 60_000,
  rateLimitBudgetMs: 10 * 60_000,
};

/** What the attempts of one request have used so far. */
export interface RetryState {
  /** Retries spent on 5xx, timeouts and connection errors. */
  readonly retriesUsed: number;
  /** 429s received so far (drives the 429 backoff exponent). */
  readonly rateLimitedCount: number;
  /** Clock time of the first 429, or null. */
  readonly firstRateLimitedAt: number | null;
}

export const INITIAL_RETRY_STATE: RetryState = { retriesUsed: 0, rateLimitedCount: 0, firstRateLimitedAt: null };

export type Decision =
  | { readonly action: 'done' }
  | {
      readonly action: 'retry';
      readonly delayMs: number;
      /** Which rule: `rate_limited` (does not count against max retries) or `server_error` / `transport`. */
      readonly rule: 'rate_limited' | 'server_error' | 'transport';
      /** For 429s: the clock time until which the server asked everybody to hold off, if it said. */
      readonly rateLimitedUntil?: number;
      readonly message: string;
      readonly next: RetryState;
    }
  | { readonly action: 'fail'; readonly message: string; readonly httpStatus?: number; readonly errors: readonly ApiError[] };

/** Backoff with "equal jitter": half the delay is fixed, half random, so retries spread but never bunch at 0. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export { parseWaitUntil } from '../http/policy.js';

/** The clock time a rate-limited answer asks us to wait until: retry-after first, then x-ratelimit-reset. */
function rateLimitedUntil(headers: Readonly<Record<string, string>>, now: number): number | null {
  return parseWaitUntil(headers['retry-after'], now) ?? parseWaitUntil(headers['x-ratelimit-reset'], now);
}

export function decide(outcome: ApiOutcome, state: RetryState, policy: RetryPolicy, now: number, random: () => number): Decision {
  if (outcome.kind === 'transport') {
    // Unknown error: not known to be transient, so never retried.
    if (outcome.reason === 'other') return { action: 'fail', message: outcome.message, errors: [] };
    // Timeouts and connection errors: limited retries with backoff.
    if (state.retriesUsed >= policy.maxRetries) return { action: 'fail', message: `${outcome.message}; gave up after ${state.retriesUsed} retries`, errors: [] };
    const retriesUsed = state.retriesUsed + 1;
    const delayMs = backoffMs(retriesUsed, policy.backoffBaseMs, policy.backoffCapMs, random);
    return { action: 'retry', rule: 'transport', delayMs, message: outcome.message, next: { ...state, retriesUsed } };
  }
  const { status, envelope } = outcome;
  const errors = envelope?.errors ?? [];
  // Success: 2xx with success:true. A 2xx with success:false (or no envelope) is a failure with its errors.
  if (status >= 200 && status < 300 && envelope?.success === true) return { action: 'done' };
  if (status >= 200 && status < 300) {
    return { action: 'fail', httpStatus: status, errors, message: envelope === null ? `HTTP ${status} without a Cloudflare answer` : `Cloudflare answered success:false (HTTP ${status})` };
  }
  if (status === 429) {
    const firstAt = state.firstRateLimitedAt ?? now;
    const budgetEndsAt = firstAt + policy.rateLimitBudgetMs;
    // Still rate-limited after 10 minutes: fail.
    if (now >= budgetEndsAt) return { action: 'fail', httpStatus: 429, errors, message: `still rate-limited after ${Math.round(policy.rateLimitBudgetMs / 60_000)} minutes` };
    const next: RetryState = { ...state, rateLimitedCount: state.rateLimitedCount + 1, firstRateLimitedAt: firstAt };
    const until = rateLimitedUntil(outcome.headers, now);
    // The server named a wait: wait exactly that (no jitter), unless it runs past the budget.
    if (until !== null) {
      if (until > budgetEndsAt) return { action: 'fail', httpStatus: 429, errors, message: `rate-limited; Cloudflare asks to wait ${Math.ceil((until - now) / 1000)} s, past the ${Math.round(policy.rateLimitBudgetMs / 60_000)}-minute limit` };
      return { action: 'retry', rule: 'rate_limited', delayMs: Math.max(0, until - now), rateLimitedUntil: until, message: 'rate-limited (429)', next };
    }
    // No wait named: exponential backoff with jitter, never past the budget.
    const delayMs = Math.min(backoffMs(next.rateLimitedCount, policy.rateLimitBaseMs, policy.rateLimitCapMs, random), budgetEndsAt - now);
    return { action: 'retry', rule: 'rate_limited', delayMs, message: 'rate-limited (429)', next };
  }
  if (status >= 500) {
    // 5xx: limited retries with backoff.
    if (state.retriesUsed >= policy.maxRetries) return { action: 'fail', httpStatus: status, errors, message: `HTTP ${status}; gave up after ${state.retriesUsed} retries` };
    const retriesUsed = state.retriesUsed + 1;
    const delayMs = backoffMs(retriesUsed, policy.backoffBaseMs, policy.backoffCapMs, random);
    return { action: 'retry', rule: 'server_error', delayMs, message: `HTTP ${status}`, next: { ...state, retriesUsed } };
  }
  // Any other status (4xx, or a stray 1xx/3xx): not retried; Cloudflare's errors are the report.
  return { action: 'fail', httpStatus: status, errors, message: `HTTP ${status}` };
}
