// A request against the plan (spec §8, §9): its zone by host (§7.2), the cache key it is cached
// under, its entry, what purges it, and when nothing does, the near misses and their fixes. One
// Inspector serves explain (one request) and coverage (every request of a log).
import { zoneForHost } from '../config/route.js';
import type { CacheKey, Config, Dimension, Group, Zone } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { EntryBuilder } from './entry.js';
import type { CacheEntry, CacheRequest, EntryResult } from './entry.js';
import type { PurgeIndex, Purger } from './items.js';

export type EntryClass = 'purged' | 'missed' | 'outside';

export interface NearMiss {
  readonly group: string;
  /** The dimension's path under `variants` (lang, geo, headers.origin, cookies.ab…). */
  readonly dimension: string;
  /** The request's value; null when it did not carry the header or cookie. */
  readonly value: string | null;
  /** The values the group declares for it (absent not included). */
  readonly declared: readonly string[];
  readonly fix: string;
}

export interface Resolved {
  readonly zone: Zone;
  /** The cache key profile the entry is built with (null: Cloudflare's default key). */
  readonly keyName: string | null;
  readonly builder: EntryBuilder;
  readonly result: EntryResult;
}

export type Resolution = Resolved | { readonly noZone: string } | { readonly problem: string; readonly hint?: string };

export interface InspectorOptions {
  /** `--cache-key NAME`: every entry is built with this profile. */
  readonly cacheKey?: { readonly name: string | null; readonly key: CacheKey };
}

export class Inspector {
  private readonly builders = new Map<CacheKey, EntryBuilder>();
  private readonly groups: ReadonlyMap<string, Group>;
  /** Per zone: the profiles its groups use other than the zone's own, in file order. */
  private readonly groupKeys = new Map<string, { name: string | null; key: CacheKey }[]>();
  private readonly hosts = new Map<string, Zone | null>();

  constructor(private readonly config: Config, readonly index: PurgeIndex, private readonly options: InspectorOptions = {}) {
    this.groups = new Map(config.groups.map((g) => [g.name, g]));
    for (const zone of config.zones) {
      const own = zone.cacheKey;
      const keys: { name: string | null; key: CacheKey }[] = [];
      for (const group of config.groups) {
        // A routed group (§7.2) may send to this zone, with the zone's key or its own.
        const route = group.routes?.get(zone.name);
        const [name, key] = route ? [route.cacheKeyName, route.cacheKey] : [group.cacheKeyName, group.cacheKey];
        if ((route === undefined && group.zone !== zone.name) || name === own || keys.some((k) => k.name === name)) continue;
        keys.push({ name, key });
      }
      this.groupKeys.set(zone.name, keys);
    }
  }

  builder(key: CacheKey): EntryBuilder {
    let builder = this.builders.get(key);
    if (!builder) this.builders.set(key, (builder = new EntryBuilder(key)));
    return builder;
  }

  /** The zone that takes `host` (a single zone without `name` takes every host), memoized. */
  zoneOf(host: string): Zone | null {
    let zone = this.hosts.get(host);
    if (zone === undefined) this.hosts.set(host, (zone = zoneForHost(this.config.zones, host, true) ?? null));
    return zone;
  }

  /**
   * The request's zone, cache key and entry. The key is `--cache-key`'s, else that of a group
   * with its own `cache_key` whose URLs include this one (its Cache Rule, as purge.yaml
   * declares it), else the zone's. `host` may be given when known (a log's ClientRequestHost).
   */
  resolve(request: CacheRequest, host?: string): Resolution {
    let hostName = host;
    if (hostName === undefined) {
      const parsed = this.builder(DEFAULT_CACHE_KEY).normalize(request.url);
      if ('problem' in parsed) return parsed;
      hostName = parsed.host;
    }
    const zone = this.zoneOf(hostName);
    if (zone === null) return { noZone: hostName };
    const forced = this.options.cacheKey;
    if (forced) {
      const builder = this.builder(forced.key);
      return { zone, keyName: forced.name, builder, result: builder.entry(request) };
    }
    for (const candidate of this.groupKeys.get(zone.name) ?? []) {
      const normalized = this.builder(candidate.key).normalize(request.url);
      if ('problem' in normalized) break;
      const owners = this.index.urlOwners(zone.name, normalized.url);
      if (owners.some((o) => this.groups.get(o.group)?.cacheKeyName === candidate.name)) {
        const builder = this.builder(candidate.key);
        return { zone, keyName: candidate.name, builder, result: builder.entry(request) };
      }
    }
    const own = zone.cacheKey === null ? DEFAULT_CACHE_KEY : this.config.cacheKeys.get(zone.cacheKey) ?? DEFAULT_CACHE_KEY;
    const builder = this.builder(own);
    return { zone, keyName: zone.cacheKey, builder, result: builder.entry(request) };
  }

  /** The class alone (coverage): no list of what purges it is built. */
  classOf(zone: string, entry: CacheEntry): EntryClass {
    if (this.index.purges(zone, entry)) return 'purged';
    return this.index.urlOwners(zone, entry.url).length ? 'missed' : 'outside';
  }

  /** Purged (some item reaches it), missed (the plan purges its URL, not this variant) or outside. */
  classify(zone: string, entry: CacheEntry): { entryClass: EntryClass; purgers: Purger[] } {
    const purgers = this.index.purgersOf(zone, entry);
    if (purgers.length) return { entryClass: 'purged', purgers };
    return { entryClass: this.index.urlOwners(zone, entry.url).length ? 'missed' : 'outside', purgers };
  }

  /**
   * For an entry nothing purges: each group with file items for its URL, and each dimension on
   * which the group's declared values leave out the request's value, with the fix.
   */
  nearMisses(zone: string, entry: CacheEntry, builder: EntryBuilder): NearMiss[] {
    const misses: NearMiss[] = [];
    const seen = new Set<string>();
    for (const owner of this.index.urlOwners(zone, entry.url)) {
      if (seen.has(owner.group)) continue;
      seen.add(owner.group);
      const group = this.groups.get(owner.group);
      if (!group) continue;
      const dimensions = group.routes?.get(zone)?.dimensions ?? group.dimensions;
      const matched = new Set<Dimension>();
      builder.dimensions.forEach((d, i) => {
        const declared = dimensions.find((g) => g.kind === d.kind && g.name === d.name);
        if (declared) matched.add(declared);
        const values = declared ? declared.values : [null];
        const value = entry.values[i] ?? null;
        if (!values.includes(value)) misses.push(nearMiss(group, d.path, value, values));
      });
      // A group whose own key varies on more than the entry's: its items all carry that header.
      for (const declared of dimensions) {
        if (matched.has(declared) || declared.values.includes(null)) continue;
        misses.push(nearMiss(group, variantPath(declared), null, declared.values));
      }
    }
    return misses;
  }
}

/** The path under `variants` of a planner dimension. */
export function variantPath(dimension: Dimension): string {
  if (dimension.kind === 'cookie') return `cookies.${dimension.name}`;
  switch (dimension.name) {
    case 'cf-device-type': return 'device_type';
    case 'cf-ipcountry': return 'geo';
    case 'accept-language': return 'lang';
    default: return `headers.${dimension.name}`;
  }
}

function nearMiss(group: Group, dimension: string, value: string | null, values: readonly (string | null)[]): NearMiss {
  const declared = values.filter((v): v is string => v !== null);
  return { group: group.name, dimension, value, declared, fix: fixFor([group.name], dimension, value) };
}

/** `add "fr-FR" to groups.posts.variants.lang` (and to each further group). */
export function fixFor(groups: readonly string[], dimension: string, value: string | null): string {
  const paths = groups.map((g) => `groups.${g}.variants.${dimension}`);
  const list = paths.length < 3 ? paths.join(' and ') : `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
  if (value === null) {
    if (dimension === 'device_type' || dimension === 'geo') return `the group's cache key varies on ${dimension} but the entry's does not: check the cache_key of ${groups.map((g) => `groups.${g}`).join(', ')}`;
    return `purge the absent variant too: remove "absent: false" from ${list}`;
  }
  const fix = `add ${JSON.stringify(value)} to ${list}`;
  return dimension === 'headers.origin' ? `${fix} (or, if Origin does not change the response, set headers.exclude_origin: true in the cache key)` : fix;
}
