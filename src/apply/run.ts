// applyPlan: sends a Plan's requests to Cloudflare (docs/commands.md "apply"). Order of work: check the options,
// lock, read the journal, read the tokens (before any request), verify them and look up zones,
// then dispatch the remaining requests in plan order, paced, retried, journaled.
import { compare } from '../vocabulary.js';
import type { Plan, PlanZone, PlannedRequest, RequestKind } from '../plan/types.js';
import { requestKind } from '../plan/types.js';
import { requestSize } from '../plan/files.js';
import { UserError } from '../errors.js';
import { plural } from '../format.js';
import type { ApiClient } from '../cloudflare/client.js';
import { createClient, DEFAULT_REQUEST_TIMEOUT_MS, parseApiUrl } from '../cloudflare/client.js';
import { isJournal, journalHeader, JournalWriter, readJournal } from './journal.js';
import type { JournalOptions } from './journal.js';
import type { Lock } from './lock.js';
import { Pacer } from '../cloudflare/pacing.js';
import { readZoneTokens, resolveZoneIds, verifyTokens } from './preflight.js';
import type { TokenVerdict } from './preflight.js';
import { DEFAULT_RETRY_POLICY } from '../cloudflare/retry.js';
import type { Clock, SendContext } from '../cloudflare/send.js';
import { systemClock } from '../cloudflare/send.js';
import { dispatch } from './dispatch.js';
import { openProviderSessions, providerZoneOf } from './providers.js';
import type { ProviderZoneAccess } from './providers.js';
import type { ProviderSession } from '../providers/types.js';
import type { Job } from './dispatch.js';
import { APPLY_EVENTS_VERSION, requestFields, summaryEvent } from './events.js';
import type { ApplyEvent, ApplyJsonEvent, ApplyResult, InvalidationView, Pass, RequestOutcome } from './events.js';

export type { ApplyEvent, ApplyResult, RequestOutcome } from './events.js';

export interface ApplyOptions {
  apiUrl: string;
  /** `--fastly-api-url` (else PURGEPLAN_FASTLY_API_URL, else Fastly's): for Fastly zones (docs/providers.md). */
  fastlyApiUrl?: string;
  env: NodeJS.ProcessEnv;
  /** Cloudflare's requests in flight at most (`--concurrency`, default 4). */
  concurrency: number;
  /**
   * `--concurrency` was given: it bounds every request in flight, Fastly's and CloudFront's too.
   * Otherwise each Fastly or CloudFront zone keeps its own `limits.concurrency` beside Cloudflare's
   * requests (docs/providers.md).
   */
  concurrencyBoundsAll?: boolean;
  maxRetries: number;
  journalPath: string;
  /**
   * Abort = Ctrl-C: start no new request, stop token checks and zone lookups at once, wait for
   * purges in flight (at most IN_FLIGHT_GRACE_MS: an answer that does not come is not journaled,
   * and a re-run sends that request again), save, report interrupted.
   */
  signal?: AbortSignal;
  /** Abort = a second Ctrl-C: stop the purges in flight now too. */
  hardSignal?: AbortSignal;
  /** The planning flags, written into a new journal (see journal.ts). */
  journalOptions?: JournalOptions;
  onEvent?: (e: ApplyEvent) => void;
  /**
   * Called once the requests are settled (all sent, or interrupted), before the summary: records
   * the state. If it throws, the summary says the apply failed and the error (a file that could
   * not be written) is rethrown with what had been sent.
   */
  onSettled?: (result: ApplyResult) => void;
  clock?: Clock;
  random?: () => number;
  requestTimeoutMs?: number;
  /**
   * The state's lock (lock.ts), which the caller took before reading the state and holds until
   * the state is recorded: an apply never runs unlocked, and the lock is taken in one place.
   */
  lock: Lock;
  /** The journal as the caller already read it, under its lock (read here when absent): read once per apply. */
  journal?: ReturnType<typeof readJournal>;
  /** The zones' tokens as the caller already read them, by zone name (read here when absent): read once per apply. */
  tokens?: ZoneAccess;
  /**
   * The tokens' verdicts (by token) and the zones' ids (by zone name) as the caller already
   * checked them before asking `yes` (apply/identity.ts): not checked again here.
   */
  checked?: CheckedZones;
  /**
   * Which pass this run sends (`--repurge-after`, docs/commands.md "Apply in the deploy's order"):
   * the second sends the same requests again, skipping only those the journal says the second
   * pass sent. Default 1.
   */
  pass?: Pass;
  /** How many passes the apply makes: with 2, every event says its pass. Default 1. */
  passes?: 1 | 2;
}

export interface CheckedZones {
  readonly verdicts: ReadonlyMap<string, TokenVerdict>;
  readonly zoneIds: ReadonlyMap<string, string>;
}

/** After Ctrl-C, how long purges in flight may take to answer before they are cut off. */
const IN_FLIGHT_GRACE_MS = 800;

/** What every step of one apply shares. */
interface ApplyRun {
  readonly plan: Plan;
  readonly options: ApplyOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly emit: (event: ApplyJsonEvent) => void;
  readonly startedAt: number;
  readonly journal: JournalWriter;
  readonly outcomes: RequestOutcome[];
  /** CloudFront invalidations' statuses as last seen, by id. */
  readonly invalidations: Map<string, string>;
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const passFields = options.passes === 2 ? { pass: options.pass ?? 1, passes: 2 as const } : null;
  const emit = (event: ApplyJsonEvent): void => options.onEvent?.(passFields !== null && isPassEvent(event) ? { ...event, ...passFields } : event);
  const startedAt = clock.now();
  const baseUrl = parseApiUrl(options.apiUrl);
  checkWholeNumber('--concurrency', options.concurrency, 1);
  checkWholeNumber('--max-retries', options.maxRetries, 0);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  checkWholeNumber('request timeout (ms)', requestTimeoutMs, 1);

  let journalWriter: JournalWriter | undefined;
  try {
    const { journal, replaced } = openJournal(plan, options, clock);
    journalWriter = journal;
    const outcomes: RequestOutcome[] = plan.requests.map((request, index) => {
      const entry = journal.get(index);
      const base = { index, zone: request.zone, groups: request.groups, attempts: 0 };
      return entry === undefined ? { ...base, status: 'not_sent' } : { ...base, status: 'skipped', id: entry.id };
    });
    const run: ApplyRun = { plan, options, clock, random, emit, startedAt, journal, outcomes, invalidations: new Map() };
    const pendingIndexes = outcomes.filter((o) => o.status === 'not_sent').map((o) => o.index);
    const zonesByName = new Map(plan.zones.map((zone) => [zone.name, zone]));
    const pendingZones = zonesUsedBy(pendingIndexes.map((i) => plan.requests[i]), zonesByName);
    const access = options.tokens ? tokensOf(options.tokens, pendingZones) : readZoneTokens(pendingZones, options.env, options.fastlyApiUrl);
    emitStart(run, pendingIndexes, replaced);
    if (pendingIndexes.length === 0) return finish(run, false, 0);
    if (options.signal?.aborted) return finish(run, true, 0);
    return await sendPending(run, pendingIndexes, access, baseUrl, requestTimeoutMs);
  } finally {
    journalWriter?.close();
  }
}

/**
 * The journal to resume (this plan's, not complete), or a new one. A journal of another plan, or
 * of this plan's completed apply, never makes this run skip anything: `replaced` names its plan.
 */
function openJournal(plan: Plan, options: ApplyOptions, clock: Clock): { journal: JournalWriter; replaced: string | null } {
  const existing = options.journal !== undefined ? options.journal : readJournal(options.journalPath);
  const resumable = isJournal(existing) && existing.header.plan_id === plan.plan_id && !existing.complete ? existing : null;
  const pass = options.pass ?? 1;
  // The second pass follows a first pass of the same plan, journaled (apply/phases.ts).
  if (pass === 2 && resumable === null) throw new Error('the second pass needs the journal of the first');
  for (const index of [...resumable?.done.keys() ?? [], ...resumable?.repurged.keys() ?? []]) {
    if (index >= plan.requests.length) throw new UserError(`the apply journal ${options.journalPath} is corrupt: request ${index} is not one of the plan's ${plan.requests.length} requests`, { hint: 'if no apply is running, delete it and re-run: requests it recorded will be sent again (purges are safe to repeat)' });
  }
  const replaced = isJournal(existing) && resumable === null ? existing.header.plan_id : null;
  const journal = resumable ? JournalWriter.resume(options.journalPath, resumable, pass) : JournalWriter.start(options.journalPath, journalHeader(plan, new Date(clock.now()).toISOString(), options.journalOptions));
  return { journal, replaced };
}

const itemsOf = (plan: Plan, index: number): number => requestSize(plan.requests[index].body);

/** The `start` event, then one `request_skipped` per request an earlier run sent. */
function emitStart({ plan, options, emit, outcomes }: ApplyRun, pendingIndexes: readonly number[], replaced: string | null): void {
  emit({
    type: 'start',
    format_version: APPLY_EVENTS_VERSION,
    plan_id: plan.plan_id,
    requests: plan.requests.length,
    pending: pendingIndexes.length,
    items: plan.requests.reduce((sum, request) => sum + requestSize(request.body), 0),
    pending_items: pendingIndexes.reduce((sum, index) => sum + itemsOf(plan, index), 0),
    concurrency: options.concurrency,
    ...providerConcurrency(plan, options),
    ...(replaced === null ? {} : replaced === plan.plan_id ? { applied_before: true } : { replaced_journal_of: replaced }),
  });
  for (const outcome of outcomes) {
    if (outcome.status === 'skipped') {
      emit({ type: 'request_skipped', ...requestFields(outcome.index, plan.requests[outcome.index], requestKind(plan.requests[outcome.index].body), itemsOf(plan, outcome.index)), id: outcome.id });
    }
  }
}

/** A plan that names providers: each Fastly or CloudFront zone's requests in flight at most (its limits.concurrency, within an explicit --concurrency). */
function providerConcurrency(plan: Plan, options: ApplyOptions): { zone_concurrency?: Record<string, number> } {
  const zones = plan.zones.filter((zone) => zone.provider !== undefined && zone.provider !== 'cloudflare');
  if (zones.length === 0) return {};
  const bound = options.concurrencyBoundsAll === true ? options.concurrency : Infinity;
  return { zone_concurrency: Object.fromEntries(zones.map((zone) => [zone.name, Math.min(bound, providerZoneOf(zone).concurrency)])) };
}

/** The summary, after the state is recorded; a file that could not be written ends the run with what was sent. */
function finish({ plan, options, clock, emit, startedAt, outcomes, invalidations }: ApplyRun, interrupted: boolean, rateLimited: number, writeFailure: unknown = null): ApplyResult {
  let result = summarize(plan, outcomes, interrupted, rateLimited, clock.now() - startedAt, invalidations);
  let failure = writeFailure;
  if (failure === null) {
    try {
      options.onSettled?.(result);
    } catch (error) {
      failure = error;
    }
  }
  if (failure === null) {
    emit(summaryEvent(result, plan));
    return result;
  }
  if (!(failure instanceof UserError)) throw failure;
  result = { ...result, ok: false };
  const error = withWhatWasSent(failure, result, plan);
  emit(summaryEvent(result, plan, error.message));
  throw error;
}

type ZoneAccess = ReturnType<typeof readZoneTokens>;

/** Verifies the tokens, looks up zones, then dispatches the pending requests; Ctrl-C gives purges in flight a grace period. */
async function sendPending(run: ApplyRun, pendingIndexes: readonly number[], access: ZoneAccess, baseUrl: ReturnType<typeof parseApiUrl>, requestTimeoutMs: number): Promise<ApplyResult> {
  const { options, clock, random } = run;
  const client: ApiClient = await createClient(baseUrl, {
    connections: options.concurrency,
    requestTimeoutMs,
    secrets: [...new Set([...access.values()].map((a) => a.token))],
  });
  // Purges in flight get a grace period after Ctrl-C; a second Ctrl-C ends it.
  const cutOff = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const startGrace = () => { graceTimer = setTimeout(() => cutOff.abort(), IN_FLIGHT_GRACE_MS); graceTimer.unref?.(); };
  if (options.signal?.aborted) startGrace();
  else options.signal?.addEventListener('abort', startGrace, { once: true });
  const stopNow = () => cutOff.abort();
  if (options.hardSignal?.aborted) stopNow();
  else options.hardSignal?.addEventListener('abort', stopNow, { once: true });
  let sessions: Awaited<ReturnType<typeof openProviderSessions>> | undefined;
  try {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries };
    const signals = options.signal === undefined ? {} : { signal: options.signal };
    // Token checks and zone lookups have nothing to save: Ctrl-C cuts them off at once.
    const checkContext: SendContext = { client, clock, random, policy, ...signals, ...(options.signal === undefined ? {} : { requestSignal: options.signal }) };
    const sendContext: SendContext = { client, clock, random, policy, ...signals, requestSignal: cutOff.signal };
    // Tokens are verified and zones looked up at Cloudflare only; other providers' zones have their ids.
    const zones = [...access.values()].filter((a) => a.provider === undefined);
    const verdicts = options.checked?.verdicts ?? await verifyTokens(zones, checkContext);
    if (verdicts === 'interrupted') return finish(run, true, 0);
    const zoneIds = options.checked?.zoneIds ?? await resolveZoneIds(zones, checkContext);
    if (zoneIds === 'interrupted') return finish(run, true, 0);
    const maxInFlight = options.concurrencyBoundsAll === true ? options.concurrency : Infinity;
    sessions = await openProviderSessions([...access.values()].filter((a): a is ProviderZoneAccess => a.provider !== undefined), {
      planId: run.plan.plan_id, maxConnections: maxInFlight, requestTimeoutMs, onInvalidation: invalidationReporter(run),
    });
    const { interrupted, rateLimited, error } = await dispatch(jobsFor(run.plan, pendingIndexes, access, zoneIds, clock.now(), sessions.byZone, options.pass ?? 1), {
      ...sendContext,
      concurrency: options.concurrency,
      maxInFlight,
      journal: run.journal,
      outcomes: run.outcomes,
      emit: run.emit,
      unverifiedTokens: new Set([...verdicts].filter(([, verdict]) => verdict === 'unverified').map(([token]) => token)),
      total: run.plan.requests.length,
      startedAt: run.startedAt,
    });
    return finish(run, interrupted, rateLimited, error);
  } finally {
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', startGrace);
    options.hardSignal?.removeEventListener('abort', stopNow);
    await client.close();
    await sessions?.closeAll();
  }
}

/** One job per pending request, in plan order, each paced by its zone's limiter. */
function jobsFor(plan: Plan, pendingIndexes: readonly number[], access: ZoneAccess, zoneIds: ReadonlyMap<string, string>, now: number, sessions: ReadonlyMap<string, ProviderSession>, pass: number): Job[] {
  const pacer = new Pacer();
  return pendingIndexes.map((index) => {
    const request = plan.requests[index];
    const zoneAccess = access.get(request.zone)!;
    const kind: RequestKind = requestKind(request.body);
    const session = sessions.get(request.zone);
    if (session !== undefined) {
      // A Fastly or CloudFront zone: its session sends, and paces with its own limiter (docs/providers.md).
      const zone = providerZoneOf(zoneAccess.zone);
      return { index, request, kind, items: itemsOf(plan, index), zoneId: zone.id, token: zoneAccess.token, tokenEnv: zoneAccess.tokenEnv, limiter: session.limiter(zone, kind, now), provider: { session, zone, pass } };
    }
    return {
      index, request, kind, items: itemsOf(plan, index),
      zoneId: request.zone_id ?? zoneIds.get(request.zone)!,
      token: zoneAccess.token,
      tokenEnv: zoneAccess.tokenEnv,
      limiter: pacer.limiter(zoneAccess.zone.plan, kind, now),
    };
  });
}

/** The events that belong to a pass: the run's start, its requests, its summary. */
function isPassEvent(event: ApplyJsonEvent): boolean {
  return event.type === 'start' || event.type === 'summary' || event.type === 'invalidation' || event.type.startsWith('request_');
}

function checkWholeNumber(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) throw new UserError(`${name} must be a whole number of at least ${minimum}, got ${value}`);
}

/** The given tokens of the zones that still have requests to send (only those are verified). */
function tokensOf(tokens: ZoneAccess, zones: readonly PlanZone[]): ZoneAccess {
  return new Map(zones.map((zone) => {
    const access = tokens.get(zone.name);
    if (access === undefined) throw new Error(`no token was read for zone ${zone.name}`);
    return [zone.name, access];
  }));
}

function zonesUsedBy(requests: readonly PlannedRequest[], zonesByName: ReadonlyMap<string, PlanZone>): PlanZone[] {
  const used = new Set(requests.map((request) => request.zone));
  for (const name of used) {
    if (!zonesByName.has(name)) throw new UserError(`the plan has a request for zone "${name}", which is not among its zones`, { hint: 'the plan file is damaged: make the plan again' });
  }
  return [...zonesByName.values()].filter((zone) => used.has(zone.name));
}

/**
 * CloudFront's invalidations as apply reports them (docs/providers.md#cloudfront): a status that a
 * GetInvalidation read (a completed one, while a batch waited for room) is an `invalidation` event;
 * every status is kept for the summary.
 */
function invalidationReporter({ emit, invalidations }: ApplyRun): (zone: string, id: string, status: string) => void {
  return (zone, id, status) => {
    invalidations.set(id, status);
    // `InProgress` is the status of one just made (its id is in request_done); a poll reports any other.
    if (status !== 'InProgress') emit({ type: 'invalidation', zone, id, status });
  };
}

/** Each CloudFront request done (by this run or an earlier one): its invalidation id and last known status. */
function invalidationsOf(plan: Plan, outcomes: readonly RequestOutcome[], statuses: ReadonlyMap<string, string>): InvalidationView[] | undefined {
  if (!plan.requests.some((request) => request.provider === 'cloudfront')) return undefined;
  return outcomes.filter((o) => plan.requests[o.index].provider === 'cloudfront' && (o.status === 'done' || o.status === 'skipped') && o.id)
    .map((o) => ({ zone: o.zone, index: o.index, id: o.id!, status: statuses.get(o.id!) ?? (o.status === 'done' ? 'InProgress' : null) }));
}

function summarize(plan: Plan, outcomes: RequestOutcome[], interrupted: boolean, rateLimited: number, elapsedMs: number, statuses: ReadonlyMap<string, string> = new Map()): ApplyResult {
  const groupComplete = new Map<string, boolean>();
  for (const outcome of outcomes) {
    const complete = outcome.status === 'done' || outcome.status === 'skipped';
    for (const group of outcome.groups) groupComplete.set(group, (groupComplete.get(group) ?? true) && complete);
  }
  // In the plan's group order (file order); groups only requests know of come after, by name.
  const order = new Map(plan.groups.map((group, position) => [group.name, position]));
  const completedGroups = [...groupComplete].filter(([, complete]) => complete).map(([group]) => group)
    .sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || compare(a, b));
  const ok = !interrupted && outcomes.every((o) => o.status === 'done' || o.status === 'skipped');
  const invalidations = invalidationsOf(plan, outcomes, statuses);
  return { outcomes, interrupted, ok, rateLimited, completedGroups, elapsedMs, ...(invalidations === undefined ? {} : { invalidations }) };
}

/**
 * A file that could not be written, after requests went out: the error says what Cloudflare had
 * already accepted (those purges stand) and what a re-run will do.
 */
function withWhatWasSent(error: UserError, result: ApplyResult, plan: Plan): UserError {
  const count = (status: RequestOutcome['status']): number => result.outcomes.filter((o) => o.status === status).length;
  const total = plan.requests.length;
  const accepted = count('done') + count('skipped');
  const unjournaled = result.outcomes.filter((o) => o.journaled === false).length;
  const sent = accepted === 0 ? 'no request had been accepted by Cloudflare yet'
    : `${accepted === total ? `all ${plural(total, 'request')} of the plan` : `${accepted} of ${plural(total, 'request')}`} had been sent and accepted by Cloudflare${count('skipped') > 0 ? ` (${count('skipped')} by an earlier run)` : ''}: those purges are done`;
  const rest = [
    count('failed') > 0 ? `${count('failed')} failed` : '',
    count('unknown') > 0 ? `${count('unknown')} in flight (outcome unknown)` : '',
    count('not_sent') > 0 ? `${count('not_sent')} not sent` : '',
  ].filter(Boolean);
  const resend = unjournaled > 0 ? ` (${plural(unjournaled, 'accepted request')} the journal could not record will be sent again)` : '';
  const recordsState = accepted === total && unjournaled === 0 ? ', and records the state' : '';
  return new UserError(`${error.message}; ${sent}${rest.length > 0 ? `; ${rest.join(', ')}` : ''}`, {
    hint: `${error.hint === undefined ? '' : `${error.hint}; then `}run the same command again: it sends only what was not accepted${resend}${recordsState}`,
    exitCode: error.exitCode,
  });
}
