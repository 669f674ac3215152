// One request of a provider with its retries (docs/providers.md): attempt, classify the outcome
// with the provider's table, decide with the run's retry policy, wait, attempt again. The decision
// is a table read top to bottom, the same rules as Cloudflare's (docs/commands.md#apply): 5xx and
// connection errors use up `--max-retries`; a rate-limited answer waits what the server named
// (no jitter) or backs off, and fails when still limited after the budget; `busy` (no room at the
// provider for the request yet) waits and retries within the same budget; anything else fails.
import type { RetryPolicy, RetryState } from '../cloudflare/retry.js';
import { backoffMs, INITIAL_RETRY_STATE } from '../cloudflare/retry.js';
import type { ProviderError, ProviderSendContext, ProviderSendResult, RawOutcome, RetryRule, Verdict } from './types.js';

export type ProviderDecision =
  | { readonly action: 'done'; readonly id: string }
  | { readonly action: 'retry'; readonly rule: RetryRule; readonly delayMs: number; readonly message: string; readonly rateLimitedUntil?: number; readonly next: RetryState }
  | { readonly action: 'fail'; readonly message: string; readonly httpStatus?: number; readonly errors: readonly ProviderError[] };

const minutes = (ms: number): number => Math.round(ms / 60_000);

/** What to do after one attempt's verdict. Pure: time and randomness come in as arguments. */
export function decideVerdict(verdict: Verdict, state: RetryState, policy: RetryPolicy, now: number, random: () => number): ProviderDecision {
  switch (verdict.kind) {
    case 'done':
      return { action: 'done', id: verdict.id };
    case 'fatal':
      return { action: 'fail', message: verdict.message, errors: verdict.errors, ...(verdict.httpStatus === undefined ? {} : { httpStatus: verdict.httpStatus }) };
    case 'transient': {
      const status = verdict.httpStatus === undefined ? {} : { httpStatus: verdict.httpStatus };
      if (state.retriesUsed >= policy.maxRetries) return { action: 'fail', message: `${verdict.message}; gave up after ${state.retriesUsed} retries`, errors: [], ...status };
      const retriesUsed = state.retriesUsed + 1;
      const delayMs = backoffMs(retriesUsed, policy.backoffBaseMs, policy.backoffCapMs, random);
      return { action: 'retry', rule: verdict.httpStatus === undefined ? 'transport' : 'server_error', delayMs, message: verdict.message, next: { ...state, retriesUsed } };
    }
    case 'rate_limited':
    case 'busy':
      return waitAndRetry(verdict, state, policy, now, random);
    default: {
      const never: never = verdict;
      throw new Error(`unknown verdict ${JSON.stringify(never)}`);
    }
  }
}

/** Rate-limited or busy: wait (what the server named, else backoff), never past the budget. */
function waitAndRetry(verdict: Verdict & { kind: 'rate_limited' | 'busy' }, state: RetryState, policy: RetryPolicy, now: number, random: () => number): ProviderDecision {
  const httpStatus = verdict.kind === 'rate_limited' ? 429 : undefined;
  const status = httpStatus === undefined ? {} : { httpStatus };
  const firstAt = state.firstRateLimitedAt ?? now;
  const budgetEndsAt = firstAt + policy.rateLimitBudgetMs;
  const what = verdict.kind === 'busy' ? verdict.message : 'rate-limited';
  if (now >= budgetEndsAt) return { action: 'fail', message: `${what}: still so after ${minutes(policy.rateLimitBudgetMs)} minutes`, errors: [], ...status };
  const next: RetryState = { ...state, rateLimitedCount: state.rateLimitedCount + 1, firstRateLimitedAt: firstAt };
  const until = verdict.kind === 'rate_limited' ? verdict.until : null;
  if (until !== null) {
    if (until > budgetEndsAt) return { action: 'fail', message: `rate-limited; the server asks to wait ${Math.ceil((until - now) / 1000)} s, past the ${minutes(policy.rateLimitBudgetMs)}-minute limit`, errors: [], ...status };
    return { action: 'retry', rule: 'rate_limited', delayMs: Math.max(0, until - now), rateLimitedUntil: until, message: verdict.message, next };
  }
  const delayMs = Math.min(backoffMs(next.rateLimitedCount, policy.rateLimitBaseMs, policy.rateLimitCapMs, random), budgetEndsAt - now);
  return { action: 'retry', rule: verdict.kind, delayMs, message: verdict.message, next };
}

/**
 * Sends one request: `attempt` makes one exchange, `classify` reads its outcome. `beforeAttempt`
 * runs before every attempt, the first included (a provider's own room, such as CloudFront's
 * invalidations in progress); `beforeRetry` (the context's, pacing) before each one after the first.
 */
export async function sendWithRetries(
  attempt: (signal: AbortSignal | undefined) => Promise<RawOutcome>,
  classify: (outcome: RawOutcome, now: number) => Verdict,
  context: ProviderSendContext,
  hooks: { readonly beforeAttempt?: () => Promise<boolean>; readonly afterAttempt?: (verdict: Verdict) => void } = {},
): Promise<ProviderSendResult> {
  const { clock, signal } = context;
  let state: RetryState = INITIAL_RETRY_STATE;
  for (let n = 1; ; n++) {
    if (n > 1 && context.beforeRetry !== undefined && !(await context.beforeRetry())) return { kind: 'interrupted', attempts: n - 1 };
    if (hooks.beforeAttempt !== undefined && !(await hooks.beforeAttempt())) return { kind: 'interrupted', attempts: n - 1 };
    if (context.requestSignal?.aborted) {
      hooks.afterAttempt?.({ kind: 'fatal', message: 'interrupted', errors: [] });
      return { kind: 'interrupted', attempts: n - 1 };
    }
    const outcome = await attempt(context.requestSignal);
    if (context.requestSignal?.aborted && outcome.kind !== 'response') {
      hooks.afterAttempt?.({ kind: 'fatal', message: 'interrupted', errors: [] });
      return { kind: 'interrupted', attempts: n, inFlight: true };
    }
    context.onOutcome?.(outcome);
    const verdict = outcome.kind === 'transport' && outcome.reason === 'other'
      ? { kind: 'fatal' as const, message: outcome.message, errors: [] }
      : classify(outcome, clock.now());
    hooks.afterAttempt?.(verdict);
    const decision = decideVerdict(verdict, state, context.policy, clock.now(), context.random);
    if (decision.action === 'done') return { kind: 'done', result: { id: decision.id }, attempts: n };
    if (decision.action === 'fail') {
      return { kind: 'failed', attempts: n, message: decision.message, errors: decision.errors, ...(decision.httpStatus === undefined ? {} : { httpStatus: decision.httpStatus }) };
    }
    context.onRetry?.({ rule: decision.rule, delayMs: decision.delayMs, message: decision.message, ...(decision.rateLimitedUntil === undefined ? {} : { rateLimitedUntil: decision.rateLimitedUntil }) }, n);
    if (signal?.aborted) return { kind: 'interrupted', attempts: n };
    await clock.sleep(decision.delayMs, signal);
    if (signal?.aborted) return { kind: 'interrupted', attempts: n };
    state = decision.next;
  }
}

/** Transport outcomes every provider reads the same way: known-transient ones are retried. */
export function transportVerdict(outcome: RawOutcome & { kind: 'transport' }): Verdict {
  if (outcome.reason === 'other') return { kind: 'fatal', message: outcome.message, errors: [] };
  return { kind: 'transient', message: outcome.message };
}
