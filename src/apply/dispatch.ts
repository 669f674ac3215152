// The dispatch loop: requests go out in plan order as far as pacing allows. A request waiting
// for its limiter never holds up one whose limiter is ready (the URL window is not held up by the
// request bucket); within one limiter, plan order is kept. At most `concurrency` are in flight.
import type { Action, PlannedRequest, RequestKind } from '../plan/types.js';
import type { ApiOutcome } from '../cloudflare/client.js';
import type { JournalWriter } from './journal.js';
import type { Limiter } from './pacing.js';
import { observeRateLimitHeaders } from './pacing.js';
import type { ApplyEvent, RequestOutcome } from './run.js';
import type { SendContext, SendResult } from '../cloudflare/send.js';
import { send } from '../cloudflare/send.js';

/**
 * Where each action's bodies go (cloudflare-reality.md §2): invalidate_cache takes the same body
 * forms and per-request maxima as purge_cache, and draws from the same limits (pacing.ts).
 */
export const ENDPOINTS: Readonly<Record<Action, string>> = { purge: 'purge_cache', invalidate: 'invalidate_cache' };

/** A request's action; `purge` for one without (a plan made before invalidation existed). */
export function actionOf(request: Pick<PlannedRequest, 'action'>): Action {
  return request.action === 'invalidate' ? 'invalidate' : 'purge';
}

export interface Job {
  readonly index: number;
  readonly request: PlannedRequest;
  readonly kind: RequestKind;
  readonly items: number;
  readonly zoneId: string;
  readonly token: string;
  readonly tokenEnv: string;
  /** Shared by every job of the same tier and limiter (pacing.ts). */
  readonly limiter: Limiter;
}

export interface DispatchContext extends SendContext {
  readonly concurrency: number;
  readonly journal: JournalWriter;
  /** Indexed by request index; updated in place. */
  readonly outcomes: RequestOutcome[];
  readonly emit: (event: ApplyEvent) => void;
  /** Tokens no verify endpoint would vouch for: their first purge decides (spec §4.2). */
  readonly unverifiedTokens: ReadonlySet<string>;
  readonly total: number;
  readonly startedAt: number;
}

type Gate = 'open' | 'probing' | 'unverified' | { readonly refused: SendResult & { kind: 'failed' } };

/** `error`: what stopped the run early (the journal could not be written), after the requests in flight settled. */
export async function dispatch(jobs: readonly Job[], context: DispatchContext): Promise<{ interrupted: boolean; rateLimited: number; error: unknown }> {
  const { clock, signal, emit, outcomes } = context;
  const gates = new Map<string, Gate>();
  for (const job of jobs) gates.set(job.token, context.unverifiedTokens.has(job.token) ? 'unverified' : 'open');
  const taken = new Array<boolean>(jobs.length).fill(false);
  let head = 0;
  let rateLimited = 0;
  let counted = outcomes.filter((o) => o.status === 'done' || o.status === 'skipped').length;
  let fatal: unknown = null;
  const inFlight = new Set<Promise<void>>();
  const journaling = new Set<Promise<void>>();
  let changed = deferred();
  /** Moves `head` past jobs already taken; false when none is left. */
  const anyLeft = (): boolean => {
    while (head < jobs.length && taken[head]) head++;
    return head < jobs.length;
  };

  const onOutcome = (job: Job) => (outcome: ApiOutcome): void => {
    if (outcome.kind !== 'response') return;
    if (outcome.status === 429) rateLimited++;
    job.limiter.answered(job.items, clock.now());
    observeRateLimitHeaders(job.limiter, outcome.headers, clock.now());
  };

  async function acquire(job: Job): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const waitMs = job.limiter.tryTake(job.items, clock.now());
      if (waitMs === 0) return true;
      await clock.sleep(waitMs, signal);
    }
  }

  async function run(job: Job): Promise<void> {
    const base = { index: job.index, zone: job.request.zone, groups: job.request.groups, action: actionOf(job.request), kind: job.kind, items: job.items };
    emit({ type: 'request_start', ...base });
    const result = await send('POST', `/zones/${encodeURIComponent(job.zoneId)}/${ENDPOINTS[actionOf(job.request)]}`, job.token, job.request.body, {
      ...context,
      beforeRetry: () => acquire(job),
      onOutcome: onOutcome(job),
      onRetry: (decision, attempt) => {
        // Tell the limiter too, so the other requests do not run into the same wall.
        if (decision.rule === 'rate_limited') job.limiter.holdUntil(decision.rateLimitedUntil ?? clock.now() + decision.delayMs, clock.now());
        emit({ type: 'request_retry', ...base, attempt, rule: decision.rule, reason: decision.message, delay_ms: decision.delayMs });
      },
    });
    const outcome = outcomes[job.index];
    outcome.attempts = result.attempts;
    if (gates.get(job.token) === 'probing') gates.set(job.token, probeVerdict(result));
    switch (result.kind) {
      case 'done': {
        const id = typeof (result.result as { id?: unknown } | null)?.id === 'string' ? (result.result as { id: string }).id : '';
        // Counted only once journaled; the slot is free meanwhile (a big journal takes ms to write).
        track(journaling, context.journal.record(job.index, { id, at: new Date(clock.now()).toISOString() }).then(() => {
          outcome.status = 'done';
          outcome.id = id;
          counted++;
          emit({ type: 'request_done', ...base, id, attempts: result.attempts, completed: counted, total: context.total, elapsed_ms: clock.now() - context.startedAt });
        }, (error: unknown) => {
          // Applied by Cloudflare, but a re-run will send it again: the error says so.
          Object.assign(outcome, { status: 'done', id, journaled: false });
          throw error;
        }));
        return;
      }
      case 'failed':
        Object.assign(outcome, failedFields(result), { status: 'failed' });
        emit({ type: 'request_failed', ...base, attempts: result.attempts, ...failedView(result) });
        return;
      case 'interrupted':
        if (result.inFlight) Object.assign(outcome, { status: 'unknown', message: 'no answer came before the interrupt: whether it was applied is unknown' });
        else outcome.status = 'not_sent';
        return;
      default: {
        const never: never = result;
        throw new Error(`unknown send result ${JSON.stringify(never)}`);
      }
    }
  }

  /** Keeps `work` in `set` until it settles; its error stops the run; either way the loop wakes. */
  function track(set: Set<Promise<void>>, work: Promise<void>): void {
    const task = work
      .catch((error: unknown) => {
        fatal ??= error;
      })
      .finally(() => {
        set.delete(task);
        const wake = changed;
        changed = deferred();
        wake.resolve();
      });
    set.add(task);
  }

  /** The first job, in plan order, that may go now; or how long until one of the waiting ones may. */
  function pick(): { job: number } | { waitMs: number } {
    const now = clock.now();
    const seenLimiters = new Set<Limiter>();
    let waitMs = Infinity;
    for (let i = head; i < jobs.length; i++) {
      if (taken[i]) continue;
      const job = jobs[i];
      const gate = gates.get(job.token)!;
      if (typeof gate === 'object') {
        taken[i] = true;
        refuse(job, gate.refused);
        continue;
      }
      if (gate === 'probing') continue;
      if (seenLimiters.has(job.limiter)) continue;
      seenLimiters.add(job.limiter);
      const wait = job.limiter.tryTake(job.items, now);
      if (wait === 0) {
        if (gate === 'unverified') gates.set(job.token, 'probing');
        return { job: i };
      }
      waitMs = Math.min(waitMs, wait);
    }
    return { waitMs };
  }

  function refuse(job: Job, refused: SendResult & { kind: 'failed' }): void {
    const outcome = outcomes[job.index];
    Object.assign(outcome, failedFields(refused), { status: 'not_sent', message: `not sent: Cloudflare refused the token in ${job.tokenEnv} on its first purge` });
    emit({ type: 'request_failed', index: job.index, zone: job.request.zone, groups: job.request.groups, action: actionOf(job.request), kind: job.kind, items: job.items, attempts: 0, ...failedView(refused), message: outcome.message });
  }

  while (!signal?.aborted && fatal === null && anyLeft()) {
    if (inFlight.size >= context.concurrency) {
      await changed.promise;
      continue;
    }
    const choice = pick();
    if ('job' in choice) {
      taken[choice.job] = true;
      track(inFlight, run(jobs[choice.job]));
      continue;
    }
    if (!anyLeft()) break;
    // Nothing may go yet: sleep until a limiter allows one, or a request finishes (a slot frees,
    // or a probe opens its token's gate), or the user interrupts.
    const stopSleeping = new AbortController();
    const sleepSignal = signal === undefined ? stopSleeping.signal : AbortSignal.any([signal, stopSleeping.signal]);
    const sleeping = Number.isFinite(choice.waitMs) ? clock.sleep(choice.waitMs, sleepSignal) : untilAborted(sleepSignal);
    await Promise.race([sleeping, changed.promise]);
    stopSleeping.abort();
  }
  while (inFlight.size + journaling.size > 0) await Promise.all([...inFlight, ...journaling]);
  return { interrupted: signal?.aborted === true, rateLimited, error: fatal };
}

/** After a token's first purge: a 401/403 refuses the token for the rest; any other answer opens it. */
function probeVerdict(result: SendResult): Gate {
  if (result.kind === 'failed' && (result.httpStatus === 401 || result.httpStatus === 403)) return { refused: result };
  if (result.kind === 'done' || (result.kind === 'failed' && result.httpStatus !== undefined && result.httpStatus < 500)) return 'open';
  // Interrupted, or no answer worth judging by: the next request probes again.
  return 'unverified';
}

function failedFields(result: SendResult & { kind: 'failed' }): Partial<RequestOutcome> {
  return { errors: [...result.errors], message: result.message, ...(result.httpStatus === undefined ? {} : { httpStatus: result.httpStatus }) };
}

function failedView(result: SendResult & { kind: 'failed' }): Record<string, unknown> {
  return { ...(result.httpStatus === undefined ? {} : { http_status: result.httpStatus }), errors: result.errors, message: result.message };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
