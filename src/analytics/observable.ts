// What GraphQL Analytics can see of a cache entry (docs/coverage.md#without-logpush-graphql-analytics):
// the URL, the device type and the country, never a request header or a cookie. The dimensions a
// declared key uses beyond those are *not observable*: they are named in the report, and entries
// are formed without them, so their values can never be "missed". For that, the plan is compared
// through the same lens: every item's variant keeps only the observable headers (two items that
// differ only in Accept-Language are one entry here), and the groups declare values only for them.
// Pure.
import { DEFAULT_KEY_HEADERS } from '../cloudflare/limits.js';
import type { CacheKey, Config, Dimension, Group } from '../config/types.js';
import { keyDimensions } from '../inspect/entry.js';
import { cacheKeysInUse } from '../inspect/log-fields.js';
import type { GroupExpansion } from '../expand/group.js';
import { makeVariant } from '../expand/variants.js';
import type { Variant } from '../expand/variants.js';
import { fileEntries, CompactFiles } from '../plan/files.js';
import type { FileEntry } from '../plan/files.js';
import type { Plan, PlannedRequest } from '../plan/types.js';
import { compare } from '../vocabulary.js';

/** The key headers the dataset has a dimension for: clientDeviceType and clientCountryName. */
const OBSERVABLE_HEADERS: ReadonlySet<string> = new Set(['cf-device-type', 'cf-ipcountry']);

/**
 * The dimensions of the keys in use (the inspector's: `forced` by --cache-key, else the zones' and
 * groups') that the dataset lacks, each by name: `accept-language`, `origin`, each header name,
 * `cookie:NAME`; sorted. The headers of Cloudflare's default key other than Origin count only
 * where a group declares values for them: requests rarely carry them.
 */
export function notObservable(config: Config, forced: CacheKey | undefined): string[] {
  const declared = new Set<string>();
  for (const group of config.groups) {
    for (const dimension of [...group.dimensions, ...[...group.routes?.values() ?? []].flatMap((r) => r.dimensions)]) if (dimension.kind === 'header') declared.add(dimension.name);
  }
  const defaultHeaders: ReadonlySet<string> = new Set(DEFAULT_KEY_HEADERS);
  const names = new Set<string>();
  for (const key of cacheKeysInUse(config, forced)) {
    for (const dimension of keyDimensions(key)) {
      if (dimension.source === 'device' || dimension.source === 'country') continue;
      if (dimension.kind === 'cookie') names.add(`cookie:${dimension.name}`);
      else if (!defaultHeaders.has(dimension.name) || declared.has(dimension.name)) names.add(dimension.name);
    }
  }
  return [...names].sort(compare);
}

const observableDimensions = (dimensions: readonly Dimension[]) => dimensions.filter((d) => d.kind === 'header' && OBSERVABLE_HEADERS.has(d.name));

const observableHeaders = (headers: readonly (readonly [string, string])[]) => headers.filter(([name]) => OBSERVABLE_HEADERS.has(name));

/** The variants with only their observable headers, deduplicated, in the planner's order. */
function observableVariants(variants: readonly Variant[]): Variant[] {
  const byKey = new Map<string, Variant>();
  for (const variant of variants) {
    const kept = observableHeaders(variant.headers);
    const projected = kept.length === variant.headers.length ? variant : makeVariant(kept);
    if (!byKey.has(projected.key)) byKey.set(projected.key, projected);
  }
  return [...byKey.values()].sort((a, b) => compare(a.key, b.key));
}

export interface InspectedPlan {
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly plan?: Plan;
}

/** The configuration, expansions and saved plan as GraphQL sees them (above). */
export function observableView(view: InspectedPlan): InspectedPlan {
  const groups = new Map<Group, Group>();
  for (const group of view.config.groups) {
    const routes = group.routes === null ? null : new Map([...group.routes].map(([zone, route]) => [zone, { ...route, dimensions: observableDimensions(route.dimensions) }]));
    groups.set(group, { ...group, dimensions: observableDimensions(group.dimensions), routes });
  }
  const config: Config = { ...view.config, groups: view.config.groups.map((g) => groups.get(g)!) };
  // byGroup tells a group's expansions apart by identity: one projected group per group.
  const expansions = view.expansions.map((e) => ({ ...e, group: groups.get(e.group) ?? e.group, variants: observableVariants(e.variants) }));
  return { config, expansions, ...(view.plan ? { plan: { ...view.plan, requests: view.plan.requests.map(observableRequest) } } : {}) };
}

function observableRequest(request: PlannedRequest): PlannedRequest {
  const body = request.body;
  if (!(body instanceof CompactFiles) && !('files' in body)) return request;
  const files = fileEntries(body).map((entry): FileEntry => {
    if (typeof entry === 'string' || entry.headers === undefined) return entry;
    const headers = observableHeaders(Object.entries(entry.headers).map(([name, value]) => [name.toLowerCase(), value] as const));
    return headers.length ? { url: entry.url, headers: Object.fromEntries(headers) } : { url: entry.url };
  });
  return { ...request, body: { files } };
}
