// Each provider's pacing model as the plan's estimate and its budgets read it (docs/providers.md):
// one model per provider, the one apply paces with. Cloudflare's is cloudflare/pacing.ts's (its
// tiers' limits); Fastly's is nominal round trips, `limits.concurrency` at a time; CloudFront's the
// same, one batch at a time, a batch that does not fit beside those in progress waiting for them.
import type { PlanTier } from '../cloudflare/limits.js';
import { estimateSeconds } from '../cloudflare/pacing.js';
import type { RequestKind } from '../plan/types.js';
import type { CloudFrontBody } from './cloudfront.js';
import { CLOUDFRONT_MAX_PATHS_IN_PROGRESS, cloudfrontBatchSeconds, cloudfrontEstimateSeconds } from './cloudfront.js';
import { fastlyEstimateSeconds } from './fastly.js';
import type { ProviderName } from './types.js';

/** A zone as its pacing model sees it. */
export interface PacedZone {
  readonly provider?: ProviderName;
  /** A Cloudflare zone's plan tier (which limits pace it). */
  readonly plan: PlanTier;
  /** A Fastly or CloudFront zone's `limits.concurrency`. */
  readonly concurrency?: number;
}

const providerOf = (zone: PacedZone): ProviderName => zone.provider ?? 'cloudflare';

/** Seconds a zone's requests (in its provider's forms) take, sent alone, by its provider's model. */
export function zoneSeconds(zone: PacedZone, requests: readonly { readonly kind: RequestKind; readonly size: number; readonly body: unknown }[]): number {
  switch (providerOf(zone)) {
    case 'fastly': return fastlyEstimateSeconds(requests.length, zone.concurrency ?? 1);
    case 'cloudfront': return cloudfrontEstimateSeconds(requests.map((request) => request.body as CloudFrontBody));
    default: return estimateSeconds(requests.map((request) => ({ tier: zone.plan, kind: request.kind, size: request.size })));
  }
}

/**
 * Seconds `files` file items of a Fastly or CloudFront zone take sent alone (a group's own
 * estimate): one request a URL on Fastly, batches of 3,000 paths on CloudFront.
 */
export function providerFileSeconds(zone: PacedZone, files: number): number {
  if (providerOf(zone) === 'fastly') return fastlyEstimateSeconds(files, zone.concurrency ?? 1);
  const batches: { exact: number; wildcards: number }[] = [];
  for (let sent = 0; sent < files; sent += CLOUDFRONT_MAX_PATHS_IN_PROGRESS) batches.push({ exact: Math.min(CLOUDFRONT_MAX_PATHS_IN_PROGRESS, files - sent), wildcards: 0 });
  return cloudfrontBatchSeconds(batches);
}

/** The pace an estimate is at, for messages: `free-plan limits`, `Fastly's 8 requests in flight`, `CloudFront's invalidation limits`. */
export function paceText(zones: readonly PacedZone[]): string {
  const tiers = [...new Set(zones.filter((zone) => providerOf(zone) === 'cloudflare').map((zone) => zone.plan))];
  const fastly = [...new Set(zones.filter((zone) => providerOf(zone) === 'fastly').map((zone) => zone.concurrency ?? 1))].sort((a, b) => a - b);
  const parts = [
    ...(tiers.length > 0 ? [`${tiers.join('/')}-plan limits`] : []),
    ...(fastly.length > 0 ? [`Fastly's ${fastly.join('/')} request${fastly.length === 1 && fastly[0] === 1 ? '' : 's'} in flight`] : []),
    ...(zones.some((zone) => providerOf(zone) === 'cloudfront') ? ['CloudFront\'s invalidation limits'] : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : 'free-plan limits';
}
