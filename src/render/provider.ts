// How the human and markdown plans name a zone's provider (docs/providers.md): every zone says
// which CDN it is on; a Fastly or CloudFront zone says why it has no cache key (a URL is one item
// whatever the variants), and a CloudFront zone what its invalidation paths may cost.
import { count } from '../format.js';
import type { Plan, PlanZone } from '../plan/types.js';
import { paceText } from '../providers/estimate.js';

const WHAT = { cloudflare: 'Cloudflare', fastly: 'Fastly service', cloudfront: 'CloudFront distribution' } as const;

/** What goes between the parentheses of a zone's header: provider, name, id, and a Cloudflare zone's plan. */
export function zoneWhere(zone: PlanZone, options: { id: boolean } = { id: true }): string {
  const provider = zone.provider ?? 'cloudflare';
  if (provider === 'cloudflare') return ['Cloudflare', zone.zone_name, options.id ? zone.zone_id ?? 'id looked up at apply' : null, `${zone.plan} plan`].filter(Boolean).join(', ');
  return [`${WHAT[provider]} ${zone.zone_id ?? ''}`.trim(), zone.zone_name].filter(Boolean).join(', ');
}

/** For a Fastly or CloudFront zone, what stands where a Cloudflare zone names its cache key; null for Cloudflare. */
export function zoneKeyText(zone: PlanZone): string | null {
  if (zone.provider === 'fastly') return 'a URL purge removes every variant: one item per URL';
  if (zone.provider === 'cloudfront') return 'an invalidation removes every cached version of a path: one item per URL';
  return null;
}

/** A CloudFront zone's estimated cost line, or null. */
export function costText(zone: PlanZone): string | null {
  const cost = zone.invalidation_cost;
  if (cost === undefined || cost.paths === 0) return null;
  const usd = (n: number): string => `$${n.toFixed(Number.isInteger(Math.round(n * 1000) / 10) ? 2 : 3)}`;
  const beyond = cost.usd_beyond_free > 0 ? `${usd(cost.usd_beyond_free)} beyond the ${count(cost.free_paths_per_month)} free paths a month` : `free within the ${count(cost.free_paths_per_month)} free paths a month`;
  return `${count(cost.paths)} invalidation path${cost.paths === 1 ? '' : 's'}: ${beyond}, ${usd(cost.usd_without_free)} once they are used up ($${cost.usd_per_path} a path; an estimate)`;
}

/** The pace the closing line's estimate is at: Cloudflare's plan tiers, and each other provider's model (docs/providers.md). */
export function limitsText(plan: Plan, zones: ReadonlySet<string>): string {
  const used = plan.zones.filter((z) => zones.has(z.name));
  return used.length === 0 ? '' : paceText(used);
}

/**
 * The plan items a Fastly or CloudFront body stands for, for the listings that show what a zone
 * was sent; null for a Cloudflare body. A CloudFront path names no host or scheme: it stands for
 * the URL (either scheme) and prefix on the zone's `name`.
 */
export function providerItems(body: object, zoneName: string | null): { everything: boolean; tags: string[]; prefixes: string[]; urls: string[] } | null {
  const none = { everything: false, tags: [] as string[], prefixes: [] as string[], urls: [] as string[] };
  if ('purge_all' in body) return { ...none, everything: true };
  if ('surrogate_keys' in body) return { ...none, tags: [...(body.surrogate_keys as string[])] };
  if ('url' in body) return { ...none, urls: [body.url as string] };
  if (!('paths' in body)) return null;
  const paths = body.paths as string[];
  if (paths.includes('/*')) return { ...none, everything: true };
  const host = zoneName ?? '';
  return {
    ...none,
    prefixes: paths.filter((p) => p.endsWith('*')).map((p) => `${host}${p.slice(0, -1)}`),
    urls: paths.filter((p) => !p.endsWith('*')).flatMap((p) => [`https://${host}${p}`, `http://${host}${p}`]),
  };
}
