// The plan's side of the providers (docs/providers.md): batch() makes every zone's requests in
// Cloudflare's forms, one item a request in a Fastly or CloudFront zone (each item keeping its own
// groups, after dedupe and coverage); here those become the provider's requests, the zones and
// requests of such a plan say their provider, and the estimate and CloudFront's cost are added.
// A plan with Cloudflare zones only is returned as it is (its JSON unchanged, byte for byte).
import { estimateSeconds } from '../cloudflare/pacing.js';
import { UserError } from '../errors.js';
import type { Zone } from '../config/types.js';
import { fileEntries } from '../plan/files.js';
import type { CoverageEntry, PlannedRequest, PlanZone, PurgeBody } from '../plan/types.js';
import type { Action } from '../vocabulary.js';
import { CLOUDFRONT_MAX_PATHS_IN_PROGRESS, CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS, cloudfrontBodies, invalidationCost } from './cloudfront.js';
import { CLOUDFRONT_PATH_HINT, invalidationPathProblem, urlInvalidationPath } from './cloudfront-paths.js';
import { zoneSeconds } from './estimate.js';
import { FASTLY_MAX_KEYS_PER_REQUEST, fastlyBodies } from './fastly.js';
import type { BodyForms, ProviderName, ZoneItem } from './types.js';

/** Whether a plan of these zones names providers (some zone is not Cloudflare's). */
export const namesProviders = (zones: readonly Pick<Zone, 'provider'>[]): boolean => zones.some((zone) => zone.provider !== 'cloudflare');

/** A request with `provider` after `zone` (the body stays last). */
function withProvider(request: PlannedRequest, provider: ProviderName): PlannedRequest {
  const { zone, ...rest } = request;
  return { zone, provider, ...rest };
}

/** The items a Cloudflare-form request carries, with its groups. */
function itemsOf(request: PlannedRequest): ZoneItem[] {
  const body = request.body;
  const groups = request.groups;
  if ('purge_everything' in body) return [{ kind: 'everything', value: '', groups }];
  if ('hosts' in body) return body.hosts.map((value) => ({ kind: 'host', value, groups }));
  if ('prefixes' in body) return body.prefixes.map((value) => ({ kind: 'prefix', value, groups }));
  if ('tags' in body) return body.tags.map((value) => ({ kind: 'tag', value, groups }));
  return fileEntries(body).map((entry) => ({ kind: 'file', value: typeof entry === 'string' ? entry : entry.url, groups }));
}

/** One zone's requests of one action, in its provider's forms. */
function providerForms(zone: Zone, action: Action, items: readonly ZoneItem[], groupOrder: readonly string[]): BodyForms {
  if (zone.provider === 'fastly') return fastlyBodies(items, action, groupOrder);
  for (const item of items) {
    if (item.kind !== 'file') continue;
    // purge.yaml's check refuses such a URL at its entry (expand/group.ts); a saved plan may still hold one.
    const problem = invalidationPathProblem(urlInvalidationPath(item.value));
    if (problem !== undefined) {
      throw new UserError(`zone ${zone.name} (CloudFront): ${item.value} (group${item.groups.length > 1 ? 's' : ''} ${item.groups.join(', ')}) cannot be invalidated: ${problem}`, { hint: CLOUDFRONT_PATH_HINT });
    }
  }
  return cloudfrontBodies(items, groupOrder);
}

/**
 * The plan's requests with every Fastly and CloudFront zone's in its provider's forms, and every
 * request naming its provider; `covered` counts the items a broader provider request reaches
 * (purge_all, `/*`, a wildcard path). Unchanged when every zone is Cloudflare's.
 */
export function providerRequests(zones: readonly Zone[], requests: readonly PlannedRequest[], groupOrder: readonly string[]): { requests: PlannedRequest[]; coverage: CoverageEntry[]; duplicates: number } {
  if (!namesProviders(zones)) return { requests: [...requests], coverage: [], duplicates: 0 };
  const byName = new Map(zones.map((zone) => [zone.name, zone]));
  const out: PlannedRequest[] = [];
  const coverage: CoverageEntry[] = [];
  let duplicates = 0;
  for (let i = 0; i < requests.length;) {
    const first = requests[i];
    const zone = byName.get(first.zone)!;
    let end = i;
    while (end < requests.length && requests[end].zone === first.zone && requests[end].action === first.action) end++;
    const run = requests.slice(i, end);
    i = end;
    if (zone.provider === 'cloudflare') {
      out.push(...run.map((request) => withProvider(request, 'cloudflare')));
      continue;
    }
    const forms = providerForms(zone, first.action, run.flatMap(itemsOf), groupOrder);
    duplicates += forms.duplicates;
    coverage.push(...forms.coverage.map((entry) => ({ zone: zone.name, ...entry, ...(first.action === 'invalidate' ? { action: 'invalidate' as const } : {}) })));
    for (const request of forms.requests) {
      out.push({ zone: zone.name, provider: zone.provider, zone_id: zone.id, action: first.action, groups: request.groups, kind: request.kind, size: request.size, body: request.body as PurgeBody });
    }
  }
  return { requests: out, coverage, duplicates };
}

/**
 * The summary's counts of a plan that names providers: what its requests carry by kind (a
 * provider's `/*` or purge_all is one `everything`), what its coverage absorbed, and duplicates.
 */
export function providerCounts(base: PlanCounts, requests: readonly PlannedRequest[], coverage: readonly CoverageEntry[], duplicates: number): PlanCounts {
  const counts = { files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: base.duplicates + duplicates };
  for (const request of requests) {
    if (request.kind === 'purge_everything') counts.everything += 1;
    else counts[request.kind] += request.size;
  }
  for (const entry of coverage) counts.covered += entry.covered;
  return counts;
}

type PlanCounts = { files: number; hosts: number; prefixes: number; tags: number; everything: number; covered: number; duplicates: number };

/**
 * The plan's `summary.estimated_seconds`: Cloudflare's requests at their tiers' limits (the pacing
 * model apply paces with), and each Fastly and CloudFront zone's at its own model; zones are sent
 * side by side, so the longest. A plan of Cloudflare zones only is estimated as it always was.
 */
export function estimatedSeconds(zones: readonly PlanZone[], requests: readonly PlannedRequest[]): number {
  const tiers = new Map(zones.map((z) => [z.name, z.plan]));
  let longest = estimateSeconds(cloudflareRequests(requests).map((r) => ({ tier: tiers.get(r.zone) ?? 'free', kind: r.kind, size: r.size })));
  for (const zone of zones) {
    if ((zone.provider ?? 'cloudflare') === 'cloudflare') continue;
    longest = Math.max(longest, zoneSeconds(zone, requests.filter((request) => request.zone === zone.name)));
  }
  return longest;
}

/** A zone of the plan, with its provider when the plan names providers (and its own request sizes and cost). */
export function providerZone(zone: Zone, planZone: PlanZone, requests: readonly PlannedRequest[], named: boolean): PlanZone {
  if (!named) return planZone;
  const { name, ...rest } = planZone;
  if (zone.provider === 'cloudflare') return { name, provider: 'cloudflare', ...rest };
  const limits = zone.provider === 'fastly' ? { files_per_request: 1, items_per_request: 256 } : { files_per_request: 3000, items_per_request: 15 };
  const base: PlanZone = { name, provider: zone.provider, ...rest, ...limits, concurrency: zone.concurrency };
  if (zone.provider !== 'cloudfront') return base;
  const paths = requests.filter((request) => request.zone === zone.name).reduce((n, request) => n + request.size, 0);
  return { ...base, invalidation_cost: invalidationCost(paths) };
}

/** Requests a Cloudflare-only reader (verify, warm, explain) may read: Cloudflare's. */
const cloudflareRequests = (requests: readonly PlannedRequest[]): PlannedRequest[] => requests.filter((request) => request.provider === undefined || request.provider === 'cloudflare');

/** The body forms of each provider (docs/providers.md): the one key a request's body has. */
const BODY_KEYS: Readonly<Record<ProviderName, readonly string[]>> = {
  cloudflare: ['files', 'hosts', 'prefixes', 'tags', 'purge_everything'],
  fastly: ['url', 'surrogate_keys', 'purge_all'],
  cloudfront: ['paths'],
};

/**
 * How a saved plan's request disagrees with its zone's provider, or null (planfile.ts): a plan that
 * names providers names one on every zone and request, the request's the zone's, its body in that
 * provider's form and within its limits; a plan of Cloudflare zones only names none.
 */
export function providerRequestProblem(request: PlannedRequest, zone: PlanZone, named: boolean): string | null {
  if (!named) return request.provider === undefined && zone.provider === undefined ? null : 'names a provider, but the plan\'s zones are all Cloudflare\'s (such a plan names none)';
  if (zone.provider === undefined || request.provider === undefined) return `names no provider, but the plan names one for every zone and request (zone ${zone.name} ${zone.provider === undefined ? 'has none' : `is ${zone.provider}`})`;
  if (request.provider !== zone.provider) return `is for ${request.provider}, but the zone ${zone.name} is on ${zone.provider}`;
  const key = Object.keys(request.body)[0] ?? '';
  if (!BODY_KEYS[zone.provider].includes(key)) return `has a body of "${key}", which is not a ${zone.provider} body (${BODY_KEYS[zone.provider].join(', ')})`;
  const body = request.body as { surrogate_keys?: readonly string[]; paths?: readonly string[] };
  if (body.surrogate_keys !== undefined && body.surrogate_keys.length > FASTLY_MAX_KEYS_PER_REQUEST) return `has ${body.surrogate_keys.length} surrogate keys, over Fastly's ${FASTLY_MAX_KEYS_PER_REQUEST} a request`;
  if (body.paths !== undefined) {
    const wildcards = body.paths.filter((path) => path.endsWith('*')).length;
    if (body.paths.length - wildcards > CLOUDFRONT_MAX_PATHS_IN_PROGRESS || wildcards > CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS) return `has ${body.paths.length} paths (${wildcards} wildcards), over CloudFront's ${CLOUDFRONT_MAX_PATHS_IN_PROGRESS} (${CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS}) in progress`;
    const bad = body.paths.find((path) => !path.startsWith('/') || invalidationPathProblem(path) !== undefined);
    if (bad !== undefined) return `has the path ${JSON.stringify(bad.length > 80 ? `${bad.slice(0, 80)}…` : bad)}, which CloudFront cannot invalidate`;
  }
  return null;
}
