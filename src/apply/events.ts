// The events of `apply --json` (one JSON object a line, docs/commands.md "apply"), and the request
// outcomes they are made from. Every event is built here, by the functions below, so each type has
// one shape wherever it is printed from (the run, the command's refusals and cancellations). A leaf:
// imports only types.
import type { ApiError } from '../cloudflare/client.js';
import type { Action, Plan, PlannedRequest, RequestKind } from '../plan/types.js';

/**
 * The version of the event shapes below. Fields may be added within a version; a field renamed,
 * removed or retyped is a new version.
 */
export const APPLY_EVENTS_VERSION = 1;

/** An event as a reader (a reporter, a test) sees it: its type and fields. */
export interface ApplyEvent {
  type: ApplyJsonEvent['type'];
  [k: string]: unknown;
}

export interface RequestOutcome {
  index: number;
  zone: string;
  groups: readonly string[];
  /**
   * `not_sent`: not completed in this run (interrupted, or its token was refused): a re-run sends
   * it. `unknown`: in flight when interrupted, its answer never came: a re-run sends it again.
   */
  status: 'done' | 'skipped' | 'failed' | 'not_sent' | 'unknown';
  id?: string;
  /** False for a request Cloudflare accepted whose journal line could not be written. */
  journaled?: false;
  attempts: number;
  errors?: { code: number | string; message: string }[];
  httpStatus?: number;
  /** Why it failed or was not sent, when Cloudflare's errors do not say it all. */
  message?: string;
}

export interface ApplyResult {
  outcomes: RequestOutcome[];
  interrupted: boolean;
  ok: boolean;
  rateLimited: number;
  /** Groups all of whose requests are done or skipped-as-journaled. */
  completedGroups: string[];
  elapsedMs: number;
  /** A plan with CloudFront requests: each invalidation this pass made or an earlier run did, with its last known status. */
  invalidations?: InvalidationView[];
}

/**
 * A CloudFront invalidation (docs/providers.md#cloudfront): the request it is, its id, and its
 * status as last seen (`InProgress` when made, `Completed` once a GetInvalidation said so; null for
 * one an earlier run made).
 */
export type InvalidationView = { zone: string; index: number; id: string; status: string | null };

/** A request's action; `purge` for one without (a plan made before invalidation existed). */
export function actionOf(request: Pick<PlannedRequest, 'action'>): Action {
  return request.action === 'invalidate' ? 'invalidate' : 'purge';
}

/** What every request event says of its request. */
export type RequestFields = {
  index: number; zone: string; groups: readonly string[]; action: Action; kind: RequestKind; items: number;
};
/** Cloudflare's answer to a request that failed (or a token refused on its first purge). */
export type FailedFields = { http_status?: number; errors: readonly ApiError[]; message: string | undefined };
export type FailureView = {
  index: number; zone: string; action: string; groups: readonly string[]; status: string; http_status?: number; errors: ApiError[]; message?: string;
};

/**
 * With `--repurge-after`, the events of a pass say which (`pass` 1 or 2 of `passes` 2); without
 * it they carry neither field, as before.
 */
export type PassFields = { pass?: Pass; passes?: 2 };
export type Pass = 1 | 2;

export type StartEvent = {
  type: 'start'; format_version: typeof APPLY_EVENTS_VERSION; plan_id: string; requests: number; pending: number; items: number; pending_items: number; concurrency: number;
  /** A plan with Fastly or CloudFront zones: each one's requests in flight at most (`concurrency` is Cloudflare's). */
  zone_concurrency?: Record<string, number>;
  applied_before?: true; replaced_journal_of?: string;
} & PassFields;
export type RequestStartEvent = { type: 'request_start' } & RequestFields & PassFields;
export type RequestSkippedEvent = { type: 'request_skipped' } & RequestFields & { id: string | undefined } & PassFields;
export type RequestRetryEvent = { type: 'request_retry' } & RequestFields & { attempt: number; rule: string; reason: string; delay_ms: number } & PassFields;
export type RequestDoneEvent = { type: 'request_done' } & RequestFields & { id: string; attempts: number; completed: number; total: number; elapsed_ms: number } & PassFields;
export type RequestFailedEvent = { type: 'request_failed' } & RequestFields & { attempts: number } & FailedFields & PassFields;
export type SummaryEvent = {
  type: 'summary'; ok: boolean; interrupted: boolean; cancelled?: true; requests: number; done: number; skipped: number; failed: number; not_sent: number;
  unknown?: number; rate_limited: number; elapsed_ms: number; completed_groups: readonly string[]; failures: FailureView[]; error?: string;
  invalidations?: readonly InvalidationView[];
} & PassFields;
/** A CloudFront invalidation's status as apply's GetInvalidation read it (while it waited for room). */
export type InvalidationEvent = { type: 'invalidation'; zone: string; id: string; status: string } & PassFields;
export type NoteEvent = { type: 'note'; message: string };
export type ErrorEvent = { type: 'error'; message: string; hint?: string };

/** The phases of one apply, in order (docs/commands.md "Apply in the deploy's order"). */
export type PhaseName = 'identity' | 'wait_for' | 'send' | 'verify' | 'repurge' | 'warm';
/**
 * A phase begins (only when apply has phases of its own besides the send: `--wait-for`,
 * `--repurge-after`). `resumed`: this phase was interrupted before and is taken up again; `done_before`:
 * an earlier run completed it. `wait_ms`: the repurge's wait; `pass`: the pass it sends; `url` and
 * `timeout_ms`: what wait-for polls; `zones`: how many zones identity reads back.
 */
export type PhaseEvent = {
  type: 'phase'; phase: PhaseName; pass?: Pass; resumed?: true; done_before?: true; wait_ms?: number; requests?: number; url?: string; timeout_ms?: number; zones?: number;
};
/** A zone's id read back (`GET /zones/{id}`): its name matches purge.yaml's, or the token may not read it (a warning). */
export type IdentityEvent = { type: 'identity'; zone: string; zone_id: string; name: string; status: 'matches' | 'unreadable'; http_status?: number; message?: string };
/** One poll of `--wait-for`: its answer, whether every `--expect` held, and when the next comes. */
export type WaitEvent = {
  type: 'wait'; url: string; poll: number; elapsed_ms: number; ready: boolean; http_status?: number; error?: string; reasons: readonly string[]; next_in_ms?: number;
};

// `apply --warm` (docs/commands.md#warm-the-cache): the items chosen, each one's answer, warnings, the closing counts.
/** A warmed item: as `verify` events name one, with the countries it stands for when its key has one. */
export type WarmItemView = {
  zone: string; group: string; action: Action; url: string; headers: Readonly<Record<string, string>>; request: number; countries?: readonly string[];
};
/** An answer (`ttfb_ms`: from the request's start to its response headers) or why none came. */
export type WarmAnswerView = { http_status: number; cache_status: string | null; ttfb_ms: number } | { error: string };
export type WarmStatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'error';
export type WarmStartEvent = {
  type: 'warm'; phase: 'start'; requested: number | 'all'; items: number; requests: number; country_items: number; country_variants: number;
  not_routed: number; removed_urls: number; concurrency: number; rate: number;
};
export type WarmResultEvent = { type: 'warm'; phase: 'result'; item: WarmItemView } & WarmAnswerView;
export type WarmWarningEvent = { type: 'warm'; phase: 'warning'; kind: 'unmatched_connect_to'; rule: string; message: string };
export type WarmSummaryEvent = {
  type: 'warm'; phase: 'summary'; ok: boolean; interrupted: boolean; items: number; requests: number; failed: number; not_routed: number;
  by_status: Record<WarmStatusClass, number>; by_cache_status: Readonly<Record<string, number>>; no_cache_status: number;
  ttfb_ms: { median: number; p95: number } | null; elapsed_ms: number; failures: readonly ({ item: WarmItemView } & WarmAnswerView)[];
};
export type WarmSkippedEvent = { type: 'warm'; phase: 'skipped'; reason: string };
export type WarmEvent = WarmStartEvent | WarmResultEvent | WarmWarningEvent | WarmSummaryEvent | WarmSkippedEvent;

export type ApplyJsonEvent =
  | StartEvent | RequestStartEvent | RequestSkippedEvent | RequestRetryEvent | RequestDoneEvent | RequestFailedEvent | SummaryEvent | NoteEvent | ErrorEvent | InvalidationEvent
  | PhaseEvent | IdentityEvent | WaitEvent | WarmEvent;

export function requestFields(index: number, request: PlannedRequest, kind: RequestKind, items: number): RequestFields {
  return { index, zone: request.zone, groups: request.groups, action: actionOf(request), kind, items };
}

export function failedAnswer(failure: { httpStatus?: number; errors: readonly ApiError[]; message?: string }): FailedFields {
  return { ...(failure.httpStatus === undefined ? {} : { http_status: failure.httpStatus }), errors: failure.errors, message: failure.message };
}

/** The closing event of a run that sent (or skipped) the plan's requests. */
export function summaryEvent(result: ApplyResult, plan: Plan, error?: string): SummaryEvent {
  const count = (status: RequestOutcome['status']): number => result.outcomes.filter((o) => o.status === status).length;
  const failures = result.outcomes.filter((o) => o.status === 'failed' || o.status === 'unknown' || (o.status === 'not_sent' && o.message !== undefined));
  return {
    type: 'summary',
    ok: result.ok,
    interrupted: result.interrupted,
    requests: plan.requests.length,
    done: count('done'),
    skipped: count('skipped'),
    failed: count('failed'),
    not_sent: count('not_sent'),
    ...(count('unknown') > 0 ? { unknown: count('unknown') } : {}),
    rate_limited: result.rateLimited,
    elapsed_ms: result.elapsedMs,
    completed_groups: result.completedGroups,
    failures: failures.map((o) => failureView(o, plan)),
    ...(error === undefined ? {} : { error }),
    ...(result.invalidations === undefined ? {} : { invalidations: result.invalidations }),
  };
}

/**
 * The closing event of a run that sent nothing: nothing to apply, not approved (`cancelled`), or
 * refused before the plan was known (`error`, with no requests).
 */
export function unsentSummaryEvent(how: { ok: boolean; interrupted: boolean; cancelled?: true; requests: number; error?: string }): SummaryEvent {
  return {
    type: 'summary',
    ok: how.ok,
    interrupted: how.interrupted,
    ...(how.cancelled ? { cancelled: true as const } : {}),
    requests: how.requests,
    done: 0,
    skipped: 0,
    failed: 0,
    not_sent: how.requests,
    rate_limited: 0,
    elapsed_ms: 0,
    completed_groups: [],
    failures: [],
    ...(how.error === undefined ? {} : { error: how.error }),
  };
}

export function noteEvent(message: string): NoteEvent {
  return { type: 'note', message };
}

export function errorEvent(message: string, hint: string | undefined): ErrorEvent {
  return { type: 'error', message, ...(hint ? { hint } : {}) };
}

function failureView(o: RequestOutcome, plan: Plan): FailureView {
  return {
    index: o.index, zone: o.zone, action: actionOf(plan.requests[o.index]), groups: o.groups, status: o.status,
    ...(o.httpStatus === undefined ? {} : { http_status: o.httpStatus }),
    errors: o.errors ?? [],
    ...(o.message === undefined ? {} : { message: o.message }),
  };
}
