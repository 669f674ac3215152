// Wording shared by the renderers: the closing Plan line, counts, and the apply-time estimate.
import { TIER_LIMITS } from '../cloudflare/limits.js';
import type { PlanTier } from '../cloudflare/limits.js';
import type { Plan } from '../plan/types.js';
import { requestKind, requestSize } from '../plan/types.js';
import { count } from '../format.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/**
 * Seconds apply needs at the documented limits: the first burst is free, the rest is paced. URLs
 * go by whole requests: a 1-second window of 800 URLs admits 26 requests of 30, so files requests
 * advance one window per `floor(rate / size)` requests.
 */
export function estimateSeconds(plan: Plan): number {
  const tierOf = new Map(plan.zones.map((z) => [z.name, z.plan]));
  const perTier = new Map<PlanTier, { requests: number; fileRequests: number; urls: number }>();
  for (const request of plan.requests) {
    const tier = tierOf.get(request.zone) ?? 'free';
    const load = perTier.get(tier) ?? { requests: 0, fileRequests: 0, urls: 0 };
    if (requestKind(request.body) === 'files') {
      load.fileRequests += 1;
      load.urls += requestSize(request.body);
    } else {
      load.requests += 1;
    }
    perTier.set(tier, load);
  }
  let seconds = 0;
  for (const [tier, load] of perTier) {
    const limits = TIER_LIMITS[tier];
    const requestTime = Math.max(0, load.requests - limits.bucketSize) / limits.requestsPerSecond;
    const perWindow = load.fileRequests ? Math.max(1, Math.floor(limits.urlsPerSecond / (load.urls / load.fileRequests))) : 1;
    const urlTime = load.fileRequests ? Math.floor((load.fileRequests - 1) / perWindow) : 0;
    seconds = Math.max(seconds, requestTime + urlTime);
  }
  return seconds;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return '< 1 s';
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `Plan: 4 requests — 112 files, 1 host, 2 tags in 1 zone. Estimated 3 s at free-plan limits.` */
export function planLine(plan: Plan): string {
  const s = plan.summary;
  if (s.requests === 0) return 'No purges planned.';
  const parts = [
    s.everything ? `${s.everything} purge everything` : '',
    s.files ? plural(s.files, 'file') : '',
    s.hosts ? plural(s.hosts, 'host') : '',
    s.prefixes ? plural(s.prefixes, 'prefix', 'prefixes') : '',
    s.tags ? plural(s.tags, 'tag') : '',
  ].filter(Boolean);
  const zones = new Set(plan.requests.map((r) => r.zone));
  const tiers = [...new Set(plan.zones.filter((z) => zones.has(z.name)).map((z) => z.plan))];
  const at = tiers.length === 1 ? `${tiers[0]}-plan limits` : `${tiers.join('/')}-plan limits`;
  return `Plan: ${plural(s.requests, 'request')} — ${parts.join(', ')} in ${plural(zones.size, 'zone')}. Estimated ${formatDuration(estimateSeconds(plan))} at ${at}.`;
}

