// One API call with its retries: attempt, ask the decision table, wait, attempt again.
// Shared by the token checks, the zone lookups and the purges.
import type { Clock } from '../http/policy.js';
import type { ApiClient, ApiError, ApiOutcome } from './client.js';
import type { Decision, RetryPolicy, RetryState } from './retry.js';
import { decide, INITIAL_RETRY_STATE } from './retry.js';

export type { Clock } from '../http/policy.js';
export { systemClock } from '../http/policy.js';

export interface SendContext {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly random: () => number;
  readonly policy: RetryPolicy;
  /** Abort = stop retrying (the exchange in progress is not cut short by it). */
  readonly signal?: AbortSignal;
  /** Abort = cut the exchange in progress short too (its answer is then unknown: interrupted). */
  readonly requestSignal?: AbortSignal;
  /** Called before every attempt after the first (pacing); false = interrupted while waiting. */
  readonly beforeRetry?: () => Promise<boolean>;
  /** Every answer, before the decision (rate-limit headers, counting 429s). */
  readonly onOutcome?: (outcome: ApiOutcome) => void;
  readonly onRetry?: (decision: Decision & { action: 'retry' }, attempt: number) => void;
}

export type SendResult =
  | { readonly kind: 'done'; readonly result: unknown; readonly attempts: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly message: string; readonly httpStatus?: number; readonly errors: readonly ApiError[] }
  | {
      readonly kind: 'interrupted';
      readonly attempts: number;
      /** The last attempt was cut off before its answer came: whether it took effect is unknown. */
      readonly inFlight?: true;
    };

export async function send(method: 'GET' | 'POST', path: string, token: string, body: unknown, context: SendContext): Promise<SendResult> {
  const { client, clock, signal } = context;
  let state: RetryState = INITIAL_RETRY_STATE;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1 && context.beforeRetry !== undefined && !(await context.beforeRetry())) return { kind: 'interrupted', attempts: attempt - 1 };
    if (context.requestSignal?.aborted) return { kind: 'interrupted', attempts: attempt - 1 };
    const outcome = await client.request(method, path, token, body, context.requestSignal);
    // An answer that arrived counts even after the interrupt; only an exchange cut off is unknown.
    if (context.requestSignal?.aborted && outcome.kind !== 'response') return { kind: 'interrupted', attempts: attempt, inFlight: true };
    context.onOutcome?.(outcome);
    const decision = decide(outcome, state, context.policy, clock.now(), context.random);
    switch (decision.action) {
      case 'done':
        return { kind: 'done', result: outcome.kind === 'response' ? outcome.envelope?.result : null, attempts: attempt };
      case 'fail':
        return { kind: 'failed', attempts: attempt, message: decision.message, errors: decision.errors, ...(decision.httpStatus === undefined ? {} : { httpStatus: decision.httpStatus }) };
      case 'retry':
        context.onRetry?.(decision, attempt);
        if (signal?.aborted) return { kind: 'interrupted', attempts: attempt };
        await clock.sleep(decision.delayMs, signal);
        if (signal?.aborted) return { kind: 'interrupted', attempts: attempt };
        state = decision.next;
        break;
      default: {
        const never: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  }
}

/** `code: message` pairs, or the fallback message when Cloudflare sent none. */
export function describeFailure(result: { message: string; errors: readonly ApiError[] }): string {
  if (result.errors.length === 0) return result.message;
  return `${result.message}: ${result.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`;
}
