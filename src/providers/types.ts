// The provider interface (docs/providers.md): what each CDN module gives the plan and apply, so that
// a fourth CDN is one new module beside cloudflare.ts, fastly.ts and cloudfront.ts. A provider has
// five parts: its body forms (a zone's items as the requests its API takes, chunked to its limits),
// its limits, its pacing model (how apply paces its requests, and the seconds the plan estimates),
// sending one request (an attempt, and what the answer means: done, retry, rate-limited with a
// wait, busy, or fatal), and its credentials (read before anything is sent, never printed).
import type { RetryPolicy } from '../cloudflare/retry.js';
import type { RawOutcome } from '../http/client.js';
import type { Clock } from '../http/policy.js';
import type { Action } from '../vocabulary.js';

/**
 * What paces a request before it is sent: cloudflare/pacing.ts's limiters (a request bucket, a URL
 * window) and providers/pacing.ts's concurrency limiter have this shape, and apply's dispatch loop
 * asks it before every attempt.
 */
export interface Limiter {
  /** 0 when `cost` was taken now; otherwise how many ms to wait before asking again (nothing taken). */
  tryTake(cost: number, now: number): number;
  /** The server said the limit is exhausted until `until`. */
  holdUntil(until: number, now: number): void;
  observeRemaining(remaining: number, now: number): void;
  /** A request of `cost` this limiter let go got an answer `now`. */
  answered(cost: number, now: number): void;
}

/** The providers a zone may name with `provider:` (default `cloudflare`). */
export const PROVIDER_NAMES = ['cloudflare', 'fastly', 'cloudfront'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The kinds of purge item a plan holds (docs/purge-yaml.md). */
export type ItemKind = 'file' | 'host' | 'prefix' | 'tag' | 'everything';

/** One item of a zone, after dedupe and coverage, with the groups that asked for it (file order). */
export interface ZoneItem {
  readonly kind: ItemKind;
  /** A file's normalized URL (its variants collapsed), a host, a `host/path` prefix, a tag, or '' for everything. */
  readonly value: string;
  readonly groups: readonly string[];
}

/**
 * The request kinds of a plan (docs/purge-yaml.md), in the order requests are sent within a zone.
 * A provider maps its own bodies onto them: a Fastly URL purge is `files`, a surrogate-key batch
 * `tags`, purge_all `purge_everything`; a CloudFront batch of exact paths `files`, of wildcard
 * paths `prefixes`, `/*` alone `purge_everything`.
 */
export type ProviderRequestKind = 'purge_everything' | 'hosts' | 'prefixes' | 'tags' | 'files';

/** A request in its provider's form: what `plan --json` shows as `body` and apply sends. */
export interface ProviderRequest<Body = unknown> {
  readonly kind: ProviderRequestKind;
  /** Items the body carries (a wildcard path or purge_all counts as one). */
  readonly size: number;
  /** The groups whose items it carries, in file order. */
  readonly groups: readonly string[];
  readonly body: Body;
}

/** Items a broader request of the provider reaches: purge_all or `/*` (everything), a wildcard path (prefix). */
export interface ProviderCoverage {
  readonly kind: 'everything' | 'prefix';
  /** The wildcard path, or '' for everything. */
  readonly value: string;
  readonly covered: number;
}

/** What a provider's body forms make of one zone's items for one action. */
export interface BodyForms<Body = unknown> {
  readonly requests: readonly ProviderRequest<Body>[];
  readonly coverage: readonly ProviderCoverage[];
  /** Items that are the same request to the provider (a URL under two schemes, one path). */
  readonly duplicates: number;
}

/** A zone as a provider's apply side sees it. */
export interface ProviderZone {
  /** The local name from purge.yaml. */
  readonly name: string;
  /** The zone id, Fastly service id or CloudFront distribution id. */
  readonly id: string;
  /** `limits.concurrency`: requests of this zone in flight at most. */
  readonly concurrency: number;
}

/** An error a provider's API reported: Cloudflare's numeric codes, CloudFront's names, Fastly's `msg`. */
export interface ProviderError {
  readonly code: number | string;
  readonly message: string;
}

export type { RawOutcome, TransportReason } from '../http/client.js';

/**
 * What an answer means, decided by the provider's classification table (a pure function of the
 * outcome and the time). The send loop (retry.ts) turns it into a decision with the retry policy.
 */
export type Verdict =
  | { readonly kind: 'done'; readonly id: string }
  /** 5xx, timeouts and connection errors: limited retries with backoff (`--max-retries`). */
  | { readonly kind: 'transient'; readonly message: string; readonly httpStatus?: number }
  /** Rate-limited: wait until `until` when the server named it, else back off; not counted as a retry. */
  | { readonly kind: 'rate_limited'; readonly message: string; readonly until: number | null }
  /** The provider holds no room for the request now (CloudFront's invalidations in progress): wait and retry. */
  | { readonly kind: 'busy'; readonly message: string }
  | { readonly kind: 'fatal'; readonly message: string; readonly httpStatus?: number; readonly errors: readonly ProviderError[] };

/** How one request ended, after its retries. `done.result.id` is what the journal records. */
export type ProviderSendResult =
  | { readonly kind: 'done'; readonly result: { readonly id: string }; readonly attempts: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly message: string; readonly httpStatus?: number; readonly errors: readonly ProviderError[] }
  | { readonly kind: 'interrupted'; readonly attempts: number; readonly inFlight?: true };

/** What every request of a session shares while it is sent (the shape of cloudflare/send.ts's context). */
export interface ProviderSendContext {
  readonly clock: Clock;
  readonly random: () => number;
  readonly policy: RetryPolicy;
  /** Abort = stop retrying and waiting (an exchange in progress is not cut short by it). */
  readonly signal?: AbortSignal;
  /** Abort = cut the exchange in progress short too (its answer is then unknown: interrupted). */
  readonly requestSignal?: AbortSignal;
  /** Called before every attempt after the first (pacing); false = interrupted while waiting. */
  readonly beforeRetry?: () => Promise<boolean>;
  /** Every outcome, before it is classified (rate-limit headers, counting 429s). */
  readonly onOutcome?: (outcome: RawOutcome) => void;
  readonly onRetry?: (retry: { readonly rule: RetryRule; readonly delayMs: number; readonly message: string; readonly rateLimitedUntil?: number }, attempt: number) => void;
}

/** Which line of the decision table a retry came from. */
export type RetryRule = 'rate_limited' | 'server_error' | 'transport' | 'busy';

/** One planned request as apply hands it to its provider. */
export interface ProviderJob<Body = unknown> {
  /** The request's index in the plan (CloudFront derives its CallerReference from it). */
  readonly index: number;
  readonly action: Action;
  readonly body: Body;
  /** The apply pass (a second one with --repurge-after is a new invalidation on CloudFront); default 1. */
  readonly pass?: number;
}

/** A provider's apply side for one run: its HTTP client, credentials and in-progress state. */
export interface ProviderSession<Body = unknown> {
  /** The limiter a request of this zone waits for before it is sent (pacing). */
  limiter(zone: ProviderZone, kind: ProviderRequestKind, now: number): Limiter;
  /** Sends one request of the zone, with its retries. */
  send(zone: ProviderZone, job: ProviderJob<Body>, context: ProviderSendContext): Promise<ProviderSendResult>;
  close(): Promise<void>;
}
