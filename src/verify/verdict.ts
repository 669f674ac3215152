// What the edge's answers mean (docs/commands.md#verify-at-the-edge; cf-cache-status values in docs/cloudflare.md).
// Pure: observations in, a verdict out.
import type { VerifyAction } from './sample.js';

/** One probe's answer: the cf-cache-status (upper-cased; null when the header was missing), or why none came. */
export type Observation =
  | { readonly cacheStatus: string | null; readonly httpStatus: number }
  | { readonly error: string };

export type Verdict = 'purged' | 'not_purged' | 'inconclusive' | 'not_probed';

export interface Judgement {
  readonly verdict: Verdict;
  /** Why, when the verdict is not `purged`. */
  readonly reason?: string;
}

/** At most this many requests to find an item cached before the purge (docs/commands.md#verify-at-the-edge). */
const MAX_WARM_REQUESTS = 2;

/**
 * After a purge the next request fetches again (MISS), or finds the entry stale and revalidates
 * (EXPIRED, REVALIDATED, UPDATING: what Tiered Cache and invalidate_cache show). The same
 * statuses pass for invalidations, where REVALIDATED, EXPIRED and UPDATING are the expected ones.
 */
const GONE: Record<VerifyAction, ReadonlySet<string>> = {
  purge: new Set(['MISS', 'EXPIRED', 'REVALIDATED', 'UPDATING']),
  invalidate: new Set(['REVALIDATED', 'EXPIRED', 'UPDATING', 'MISS']),
};

function isHit(observation: Observation): boolean {
  return 'cacheStatus' in observation && observation.cacheStatus === 'HIT';
}

/** Needs another warming request: not HIT yet, and fewer than MAX_WARM_REQUESTS made. */
export function needsWarming(before: readonly Observation[]): boolean {
  return before.length < MAX_WARM_REQUESTS && !before.some(isHit);
}

/** Whether the item was cached before the purge, so that a request after it means something. */
export function warmed(before: readonly Observation[]): boolean {
  return before.some(isHit);
}

export function judge(action: VerifyAction, before: readonly Observation[], after: Observation | undefined): Judgement {
  if (!warmed(before)) {
    return { verdict: 'inconclusive', reason: `never cached before the ${action === 'invalidate' ? 'invalidation' : 'purge'} (${before.map(describeObservation).join(', ') || 'not requested'})` };
  }
  if (after === undefined) return { verdict: 'inconclusive', reason: 'not requested after the purge' };
  if ('error' in after) return { verdict: 'inconclusive', reason: `no answer after the purge (${after.error})` };
  if (after.cacheStatus === 'HIT') {
    return { verdict: 'not_purged', reason: 'still served from cache (HIT) after Cloudflare accepted the request' };
  }
  if (after.cacheStatus !== null && GONE[action].has(after.cacheStatus)) return { verdict: 'purged' };
  return { verdict: 'inconclusive', reason: `${describeObservation(after)} after the purge says nothing about the cached entry` };
}

/** `MISS`, `HIT`, `HTTP 502 without cf-cache-status`, `error (timeout)`. */
export function describeObservation(observation: Observation): string {
  if ('error' in observation) return `error (${observation.error})`;
  return observation.cacheStatus ?? `HTTP ${observation.httpStatus} without cf-cache-status`;
}
