// The dispatch loop: requests go out in plan order as far as pacing allows. A request waiting
// for its limiter never holds up one whose limiter is ready (the URL window is not held up by the
// request bucket); within one limiter, plan order is kept. At most `concurrency` of Cloudflare's
// are in flight; a Fastly or CloudFront zone's requests are bounded by its own limiter (its
// `limits.concurrency`); `maxInFlight` bounds them all (an explicit --concurrency).
import type { Action, PlannedRequest, RequestKind } from '../plan/types.js';
import type { ApiOutcome } from '../cloudflare/client.js';
import type { JournalWriter } from './journal.js';
import type { Limiter } from '../cloudflare/pacing.js';
import { observeRateLimitHeaders } from '../cloudflare/pacing.js';
import { actionOf, failedAnswer, requestFields } from './events.js';
import type { ApplyJsonEvent, RequestOutcome } from './events.js';
import type { SendContext, SendResult } from '../cloudflare/send.js';
import { send } from '../cloudflare/send.js';
import type { ProviderSendResult, ProviderSession, ProviderZone, RawOutcome } from '../providers/types.js';

/**
 * Where each action's bodies go (docs/cloudflare.md): invalidate_cache takes the same body
 * forms and per-request maxima as purge_cache, and draws from the same limits (pacing.ts).
 */
const ENDPOINTS: Readonly<Record<Action, string>> = { purge: 'purge_cache', invalidate: 'invalidate_cache' };

export interface Job {
  readonly index: number;
  readonly request: PlannedRequest;
  readonly kind: RequestKind;
  readonly items: number;
  readonly zoneId: string;
  readonly token: string;
  readonly tokenEnv: string;
  /** Shared by every job of the same tier and limiter (pacing.ts), or of a Fastly or CloudFront zone. */
  readonly limiter: Limiter;
  /** A Fastly or CloudFront zone's request: its provider's session sends it (docs/providers.md). */
  readonly provider?: { readonly session: ProviderSession; readonly zone: ProviderZone; readonly pass: number };
}

export interface DispatchContext extends SendContext {
  /** Cloudflare's requests in flight at most. */
  readonly concurrency: number;
  /** Every request in flight at most (default: no bound beyond each provider's). */
  readonly maxInFlight?: number;
  readonly journal: JournalWriter;
  /** Indexed by request index; updated in place. */
  readonly outcomes: RequestOutcome[];
  readonly emit: (event: ApplyJsonEvent) => void;
  /** Tokens no verify endpoint would vouch for: their first purge decides (docs/commands.md "apply"). */
  readonly unverifiedTokens: ReadonlySet<string>;
  readonly total: number;
  readonly startedAt: number;
}

type Gate = 'open' | 'probing' | 'unverified' | { readonly refused: SendResult & { kind: 'failed' } };
type Failed = SendResult & { kind: 'failed' };

/** `error`: what stopped the run early (the journal could not be written), after the requests in flight settled. */
export async function dispatch(jobs: readonly Job[], context: DispatchContext): Promise<{ interrupted: boolean; rateLimited: number; error: unknown }> {
  return new Dispatch(jobs, context).run();
}

/** One run of the loop: which jobs are taken, each token's gate, what is in flight or being journaled. */
class Dispatch {
  private readonly gates = new Map<string, Gate>();
  private readonly taken: boolean[];
  private head = 0;
  private rateLimited = 0;
  private counted: number;
  private fatal: unknown = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Cloudflare's requests among those in flight. */
  private cloudflareInFlight = 0;
  private readonly journaling = new Set<Promise<void>>();
  private changed = deferred();

  constructor(private readonly jobs: readonly Job[], private readonly context: DispatchContext) {
    for (const job of jobs) this.gates.set(job.token, context.unverifiedTokens.has(job.token) ? 'unverified' : 'open');
    this.taken = new Array<boolean>(jobs.length).fill(false);
    this.counted = context.outcomes.filter((o) => o.status === 'done' || o.status === 'skipped').length;
  }

  async run(): Promise<{ interrupted: boolean; rateLimited: number; error: unknown }> {
    const { signal, clock } = this.context;
    while (!signal?.aborted && this.fatal === null && this.anyLeft()) {
      if (this.inFlight.size >= (this.context.maxInFlight ?? Infinity)) {
        await this.changed.promise;
        continue;
      }
      const choice = this.pick();
      if ('job' in choice) {
        this.taken[choice.job] = true;
        this.track(this.inFlight, this.send(this.jobs[choice.job]));
        continue;
      }
      if (!this.anyLeft()) break;
      // Nothing may go yet: sleep until a limiter allows one, or a request finishes (a slot frees,
      // or a probe opens its token's gate), or the user interrupts.
      const stopSleeping = new AbortController();
      const sleepSignal = signal === undefined ? stopSleeping.signal : AbortSignal.any([signal, stopSleeping.signal]);
      const sleeping = Number.isFinite(choice.waitMs) ? clock.sleep(choice.waitMs, sleepSignal) : untilAborted(sleepSignal);
      await Promise.race([sleeping, this.changed.promise]);
      stopSleeping.abort();
    }
    while (this.inFlight.size + this.journaling.size > 0) await Promise.all([...this.inFlight, ...this.journaling]);
    return { interrupted: signal?.aborted === true, rateLimited: this.rateLimited, error: this.fatal };
  }

  /** Moves `head` past jobs already taken; false when none is left. */
  private anyLeft(): boolean {
    while (this.head < this.jobs.length && this.taken[this.head]) this.head++;
    return this.head < this.jobs.length;
  }

  /** The first job, in plan order, that may go now; or how long until one of the waiting ones may. */
  private pick(): { job: number } | { waitMs: number } {
    const now = this.context.clock.now();
    const seenLimiters = new Set<Limiter>();
    let waitMs = Infinity;
    for (let i = this.head; i < this.jobs.length; i++) {
      if (this.taken[i]) continue;
      const job = this.jobs[i];
      const gate = this.gates.get(job.token)!;
      if (typeof gate === 'object') {
        this.taken[i] = true;
        this.refuse(job, gate.refused);
        continue;
      }
      if (gate === 'probing') continue;
      if (job.provider === undefined && this.cloudflareInFlight >= this.context.concurrency) continue;
      if (seenLimiters.has(job.limiter)) continue;
      seenLimiters.add(job.limiter);
      const wait = job.limiter.tryTake(job.items, now);
      if (wait === 0) {
        if (gate === 'unverified') this.gates.set(job.token, 'probing');
        if (job.provider === undefined) this.cloudflareInFlight++;
        return { job: i };
      }
      waitMs = Math.min(waitMs, wait);
    }
    return { waitMs };
  }

  /** Waits for the job's limiter before a retry; false when interrupted. */
  private async acquire(job: Job): Promise<boolean> {
    const { clock, signal } = this.context;
    for (;;) {
      if (signal?.aborted) return false;
      const waitMs = job.limiter.tryTake(job.items, clock.now());
      if (waitMs === 0) return true;
      await clock.sleep(waitMs, signal);
    }
  }

  /** Sends one job (with its retries) and records what came of it; its Cloudflare slot is free once it settles. */
  private async send(job: Job): Promise<void> {
    try {
      await this.sendOne(job);
    } finally {
      if (job.provider === undefined) this.cloudflareInFlight--;
    }
  }

  private async sendOne(job: Job): Promise<void> {
    const { clock, emit } = this.context;
    const fields = requestFields(job.index, job.request, job.kind, job.items);
    emit({ type: 'request_start', ...fields });
    const hooks = {
      beforeRetry: () => this.acquire(job),
      onOutcome: (outcome: ApiOutcome | RawOutcome) => this.observe(job, outcome),
      onRetry: (decision: { rule: string; delayMs: number; message: string; rateLimitedUntil?: number }, attempt: number) => {
        // Tell the limiter too, so the other requests do not run into the same wall.
        if (decision.rule === 'rate_limited') job.limiter.holdUntil(decision.rateLimitedUntil ?? clock.now() + decision.delayMs, clock.now());
        emit({ type: 'request_retry', ...fields, attempt, rule: decision.rule, reason: decision.message, delay_ms: decision.delayMs });
      },
    };
    const result: SendResult | ProviderSendResult = job.provider !== undefined
      ? await job.provider.session.send(job.provider.zone, { index: job.index, action: actionOf(job.request), body: job.request.body, pass: job.provider.pass }, { ...this.context, ...hooks })
      : await send('POST', `/zones/${encodeURIComponent(job.zoneId)}/${ENDPOINTS[actionOf(job.request)]}`, job.token, job.request.body, { ...this.context, ...hooks });
    const outcome = this.context.outcomes[job.index];
    outcome.attempts = result.attempts;
    if (this.gates.get(job.token) === 'probing') this.gates.set(job.token, probeVerdict(result));
    switch (result.kind) {
      case 'done':
        this.journalDone(job, result);
        return;
      case 'failed':
        Object.assign(outcome, failedOutcome(result), { status: 'failed' });
        emit({ type: 'request_failed', ...fields, attempts: result.attempts, ...failedAnswer(result) });
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

  /** Every answer paces the limiter (and its rate-limit headers adjust it). */
  private observe(job: Job, outcome: ApiOutcome | RawOutcome): void {
    if (outcome.kind !== 'response') return;
    const { clock } = this.context;
    if (outcome.status === 429) this.rateLimited++;
    job.limiter.answered(job.items, clock.now());
    observeRateLimitHeaders(job.limiter, outcome.headers, clock.now());
  }

  /** Counted only once journaled; the slot is free meanwhile (a big journal takes ms to write). */
  private journalDone(job: Job, result: SendResult & { kind: 'done' }): void {
    const { clock, emit } = this.context;
    const outcome = this.context.outcomes[job.index];
    const id = typeof (result.result as { id?: unknown } | null)?.id === 'string' ? (result.result as { id: string }).id : '';
    this.track(this.journaling, this.context.journal.record(job.index, { id, at: new Date(clock.now()).toISOString() }).then(() => {
      outcome.status = 'done';
      outcome.id = id;
      this.counted++;
      emit({
        type: 'request_done', ...requestFields(job.index, job.request, job.kind, job.items),
        id, attempts: result.attempts, completed: this.counted, total: this.context.total, elapsed_ms: clock.now() - this.context.startedAt,
      });
    }, (error: unknown) => {
      // Applied by Cloudflare, but a re-run will send it again: the error says so.
      Object.assign(outcome, { status: 'done', id, journaled: false });
      throw error;
    }));
  }

  /** Keeps `work` in `set` until it settles; its error stops the run; either way the loop wakes. */
  private track(set: Set<Promise<void>>, work: Promise<void>): void {
    const task = work
      .catch((error: unknown) => {
        this.fatal ??= error;
      })
      .finally(() => {
        set.delete(task);
        const wake = this.changed;
        this.changed = deferred();
        wake.resolve();
      });
    set.add(task);
  }

  /** A job whose token Cloudflare refused on its first purge: not sent, reported as failed. */
  private refuse(job: Job, refused: Failed): void {
    const outcome = this.context.outcomes[job.index];
    Object.assign(outcome, failedOutcome(refused), { status: 'not_sent', message: `not sent: Cloudflare refused the token in ${job.tokenEnv} on its first purge` });
    this.context.emit({ type: 'request_failed', ...requestFields(job.index, job.request, job.kind, job.items), attempts: 0, ...failedAnswer(refused), message: outcome.message });
  }
}

/** After a token's first purge: a 401/403 refuses the token for the rest; any other answer opens it. */
function probeVerdict(result: SendResult): Gate {
  if (result.kind === 'failed' && (result.httpStatus === 401 || result.httpStatus === 403)) return { refused: result };
  if (result.kind === 'done' || (result.kind === 'failed' && result.httpStatus !== undefined && result.httpStatus < 500)) return 'open';
  // Interrupted, or no answer worth judging by: the next request probes again.
  return 'unverified';
}

function failedOutcome(result: Failed): Partial<RequestOutcome> {
  return { errors: [...result.errors], message: result.message, ...(result.httpStatus === undefined ? {} : { httpStatus: result.httpStatus }) };
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
