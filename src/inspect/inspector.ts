// A request against the plan (docs/coverage.md, docs/coverage.md): its zone by host (docs/purge-yaml.md), the cache key it is cached
// under, its entry, what purges it, and when nothing does, the near misses and their fixes. One
// Inspector serves explain (one request) and coverage (every request of a log).
import { zoneForHost } from '../config/route.js';
import type { CacheKey, Config, Dimension, Group, Zone } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { hostPathOf } from '../plan/cover.js';
import { EntryBuilder } from './entry.js';
import type { CacheEntry, CacheRequest, EntryResult } from './entry.js';
import type { PurgeIndex, Purger } from './items.js';

export type EntryClass = 'purged' | 'missed' | 'outside';

export interface NearMiss {
  readonly group: string;
  /** The dimension's path under `variants` (lang, geo, headers.origin, cookies.ab…), or `scheme` or `query`. */
  readonly dimension: string;
  /** The request's value (for `query`, the parameter's name); null when it did not carry the header or cookie. */
  readonly value: string | null;
  /** The values the group declares for it (absent not included; the schemes, or the parameter's values, of its URLs). */
  readonly declared: readonly string[];
  /** For `scheme` and `query`, the zone's or the key's setting: the same for every group. */
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
  private readonly interned = new Map<string, NearMiss>();

  constructor(private readonly config: Config, readonly index: PurgeIndex, private readonly options: InspectorOptions = {}) {
    this.groups = new Map(config.groups.map((g) => [g.name, g]));
    for (const zone of config.zones) {
      const own = zone.cacheKey;
      const keys: { name: string | null; key: CacheKey }[] = [];
      for (const group of config.groups) {
        // A routed group (docs/purge-yaml.md) may send to this zone, with the zone's key or its own.
        const route = group.routes?.get(zone.name);
        const [name, key] = route ? [route.cacheKeyName, route.cacheKey] : [group.cacheKeyName, group.cacheKey];
        if ((route === undefined && group.zone !== zone.name) || name === own || keys.some((k) => k.name === name)) continue;
        keys.push({ name, key });
      }
      this.groupKeys.set(zone.name, keys);
    }
  }

  /** A zone's position in purge.yaml (for reports in file order). */
  zoneRank(name: string): number {
    return this.config.zones.findIndex((zone) => zone.name === name);
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
      const listed = this.index.listedBy(zone.name, normalized.url);
      if (listed.some((group) => this.groups.get(group)?.cacheKeyName === candidate.name)) {
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
    return this.plansUrl(zone, entry) ? 'missed' : 'outside';
  }

  /** Purged (some item reaches it), missed (the plan purges its URL, not this variant) or outside. */
  classify(zone: string, entry: CacheEntry): { entryClass: EntryClass; purgers: Purger[] } {
    const purgers = this.index.purgersOf(zone, entry);
    if (purgers.length) return { entryClass: 'purged', purgers };
    return { entryClass: this.plansUrl(zone, entry) ? 'missed' : 'outside', purgers };
  }

  /**
   * Whether the plan purges the entry's URL under some variant, or a URL that differs from it only
   * by its scheme or by query parameters the key keeps: each is a cache entry of its own, which the
   * plan leaves stale (docs/coverage.md).
   */
  private plansUrl(zone: string, entry: CacheEntry): boolean {
    if (this.index.urlOwners(zone, entry.url).length) return true;
    return this.index.urlsAtPath(zone, pathOf(entry.url)).some((url) => url !== entry.url);
  }

  /**
   * For an entry nothing purges: each group with file items for its URL, and each dimension on
   * which the group's declared values leave out the request's value, with the fix. When no group
   * has the URL itself, the groups with a URL differing only by scheme or query, and how. With
   * `forEntry` (explain) the fix names this URL's prefix; otherwise (coverage) a fix holds for
   * every entry with the value, and one object stands for each distinct near miss.
   */
  nearMisses(zone: string, entry: CacheEntry, builder: EntryBuilder, keyName: string | null, forEntry = false): NearMiss[] {
    const misses: NearMiss[] = [];
    const owners = this.index.urlOwners(zone, entry.url);
    const seen = new Set<string>();
    for (const owner of owners) {
      if (seen.has(owner.group)) continue;
      seen.add(owner.group);
      const group = this.groups.get(owner.group);
      if (group) this.dimensionMisses(zone, entry, builder, group, misses);
    }
    if (owners.length) return misses;
    // The closest URL of each group: the one with the fewest differences (scheme, parameters).
    const path = pathOf(entry.url);
    const atPath = this.index.urlsAtPath(zone, path);
    const closest = new Map<string, { url: string; differences: UrlDifferences; size: number }>();
    for (const url of atPath) {
      if (url === entry.url) continue;
      const differences = urlDifferences(entry.url, url);
      const size = (differences.scheme ? 1 : 0) + differences.parameters.length;
      for (const owner of this.index.urlOwners(zone, url)) {
        const best = closest.get(owner.group);
        if (best === undefined || size < best.size) closest.set(owner.group, { url, differences, size });
      }
    }
    const zoneConfig = this.config.zones.find((z) => z.name === zone);
    for (const [name, { url, differences }] of [...closest].sort((a, b) => this.index.groupOrder(a[0]) - this.index.groupOrder(b[0]))) {
      const group = this.groups.get(name);
      if (!group) continue;
      const planned = atPath.filter((u) => this.index.urlOwners(zone, u).some((o) => o.group === name));
      const scheme = differences.scheme;
      if (scheme !== null && zoneConfig) {
        const declared = [...new Set(planned.map(schemeOf))];
        misses.push(this.intern(`${zone}\u0000${name}\u0000scheme\u0000${scheme}\u0000${declared.join(',')}`, () => (
          { group: name, dimension: 'scheme', value: scheme, declared, fix: schemeFix(zoneConfig, scheme, declared, entry.url) })));
      }
      for (const parameter of differences.parameters) {
        const declared = [...new Set(planned.flatMap((u) => parameterValues(u, parameter)))];
        const miss = (orPrefix: string): NearMiss => ({ group: name, dimension: 'query', value: parameter, declared, fix: queryFix(keyName, builder.key, parameter, declared, orPrefix) });
        misses.push(forEntry ? miss(`purge the prefix ${path}`)
          : this.intern(`${zone}\u0000${keyName ?? '\u0001'}\u0000${name}\u0000query\u0000${parameter}\u0000${declared.join('\u0000')}`, () => miss('purge a prefix covering these URLs')));
      }
      // The variant may miss too: the fix for each dimension, as for the URL itself.
      if (!this.index.urlOwners(zone, url).some((o) => o.group === name && o.variants.has(entry.variant.key))) this.dimensionMisses(zone, entry, builder, group, misses);
    }
    return misses;
  }

  /** One object per distinct near miss: coverage keeps one list per missed entry, not copies. */
  private intern(id: string, build: () => NearMiss): NearMiss {
    let miss = this.interned.get(id);
    if (miss === undefined) this.interned.set(id, (miss = build()));
    return miss;
  }

  /** Adds the dimensions on which the group's declared values leave out the entry's. */
  private dimensionMisses(zone: string, entry: CacheEntry, builder: EntryBuilder, group: Group, misses: NearMiss[]): void {
    const dimensions = group.routes?.get(zone)?.dimensions ?? group.dimensions;
    const matched = new Set<Dimension>();
    const add = (path: string, value: string | null, values: readonly (string | null)[]) => {
      misses.push(this.intern(`${zone}\u0000${group.name}\u0000${path}\u0000${value === null ? '\u0001' : value}`, () => nearMiss(group, path, value, values)));
    };
    builder.dimensions.forEach((d, i) => {
      const declared = dimensions.find((g) => g.kind === d.kind && g.name === d.name);
      if (declared) matched.add(declared);
      const values = declared ? declared.values : [null];
      const value = entry.values[i] ?? null;
      if (!values.includes(value)) add(d.path, value, values);
    });
    // A group whose own key varies on more than the entry's: its items all carry that header.
    for (const declared of dimensions) {
      if (matched.has(declared) || declared.values.includes(null)) continue;
      add(variantPath(declared), null, declared.values);
    }
  }
}

/** `host[:port]/path` of a URL: no scheme, no query. */
function pathOf(url: string): string {
  const hostPath = hostPathOf(url);
  const queryAt = hostPath.indexOf('?');
  return queryAt === -1 ? hostPath : hostPath.slice(0, queryAt);
}

function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(':'));
}

/** The `name=value` pairs of a URL's query, as written. */
function pairsOf(url: string): string[] {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? [] : url.slice(queryAt + 1).split('&');
}

const nameOf = (pair: string) => {
  const eq = pair.indexOf('=');
  return eq === -1 ? pair : pair.slice(0, eq);
};

/** The values a URL gives a query parameter. */
function parameterValues(url: string, parameter: string): string[] {
  return pairsOf(url).filter((p) => nameOf(p) === parameter).map((p) => (p.includes('=') ? p.slice(p.indexOf('=') + 1) : ''));
}

interface UrlDifferences {
  /** The request's scheme, when the planned URL has the other one. */
  readonly scheme: string | null;
  /** The names of the query parameters the two URLs do not share (name and value), the request's first. */
  readonly parameters: readonly string[];
}

/** How a request's URL differs from a planned URL of the same host and path. */
function urlDifferences(requested: string, planned: string): UrlDifferences {
  const scheme = schemeOf(requested) === schemeOf(planned) ? null : schemeOf(requested);
  const left = pairsOf(planned);
  const differing: string[] = [];
  for (const pair of pairsOf(requested)) {
    const at = left.indexOf(pair);
    if (at === -1) differing.push(nameOf(pair));
    else left.splice(at, 1);
  }
  differing.push(...left.map(nameOf));
  return { scheme, parameters: [...new Set(differing)] };
}

/**
 * `add "http" to zones.www.schemes`: each URL is then purged under that scheme too. Not for a URL
 * with its own port, which keeps the scheme it is written with (docs/purge-yaml.md, `schemes`):
 * that one is listed as the request has it.
 */
function schemeFix(zone: Zone, scheme: string, declared: readonly string[], url: string): string {
  const authority = url.slice(url.indexOf('//') + 2).split(/[/?#]/)[0]!;
  if (/:\d+$/.test(authority)) return `list ${JSON.stringify(url)} in the group's urls (a URL with its own port keeps its scheme: zones.${zone.name}.schemes do not apply to it)`;
  if (zone.schemes) return `add ${JSON.stringify(scheme)} to zones.${zone.name}.schemes`;
  return `add schemes: [${[...declared, scheme].join(', ')}] to zones.${zone.name} (each URL is then purged under both schemes)`;
}

/**
 * Exclude the parameter in the entry's cache key (and its Cache Rule), or purge the prefix. A
 * parameter the group's URLs have (another value of it) most likely changes the response: the
 * prefix comes first then, and excluding it only if it does not.
 */
function queryFix(keyName: string | null, key: CacheKey, parameter: string, declared: readonly string[], orPrefix: string): string {
  const name = JSON.stringify(parameter);
  let exclude: string;
  if (keyName === null) exclude = `exclude ${name} from the cache key: a cache_keys profile with query_string: {exclude: [${parameter}]} as the zone's cache_key (and in its Cache Rule)`;
  else {
    const path = `cache_keys.${keyName}.query_string`;
    exclude = `${key.queryInclude ? `remove ${name} from ${path}.include`
      : key.queryExclude ? `add ${name} to ${path}.exclude`
      : key.querySort ? `add exclude: [${parameter}] to ${path}`
      : `add query_string: {exclude: [${parameter}]} to cache_keys.${keyName}`} (and in its Cache Rule)`;
  }
  return declared.length ? `${orPrefix}, or, if ${name} does not change the response, ${exclude}` : `${exclude}, or ${orPrefix}`;
}

/** The path under `variants` of a planner dimension. */
function variantPath(dimension: Dimension): string {
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
