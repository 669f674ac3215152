// What `provider:` on a zone changes in purge.yaml's rules (docs/providers.md): each provider's
// required id field and defaults, the items it cannot purge (positioned errors with the hint), and
// the settings that are moot where the CDN purges every variant of a URL (warnings that say why).
import type { Checker } from './checker.js';
import type { PathSegment } from './path.js';
import { displayPath } from './path.js';
import { record, text } from './raw.js';
import type { Raw } from './raw.js';
import { invalidationPathProblem, prefixInvalidationPath } from '../providers/cloudfront-paths.js';
import type { ProviderName } from '../providers/types.js';

/** Each provider's id field, its default token variable and concurrency, and what it calls a zone. */
export const PROVIDER_FIELDS: Readonly<Record<ProviderName, { idField: string; tokenEnv: string | null; concurrency: number; what: string }>> = {
  cloudflare: { idField: 'id', tokenEnv: 'CLOUDFLARE_API_TOKEN', concurrency: 1, what: 'Cloudflare zone' },
  fastly: { idField: 'service_id', tokenEnv: 'FASTLY_API_TOKEN', concurrency: 8, what: 'Fastly service' },
  cloudfront: { idField: 'distribution_id', tokenEnv: null, concurrency: 1, what: 'CloudFront distribution' },
};

/** Why hosts and prefixes cannot be purged on a Fastly zone, and what to do instead. */
const FASTLY_NO_HOSTS_HINT = 'Fastly purges a URL, a surrogate key or a whole service, not a host or a path prefix: send a Surrogate-Key header from the origin (e.g. "static" or "img") and list that key under tags';
/** Why everything cannot be invalidated on a Fastly zone. */
const FASTLY_NO_SOFT_PURGE_ALL_HINT = 'Fastly\'s purge_all has no soft form: use action: purge for this group, or send one Surrogate-Key (e.g. "all") on every response and invalidate that tag';
/** Why tags cannot be sent to a CloudFront zone. */
const CLOUDFRONT_NO_TAGS_HINT = 'CloudFront invalidates paths: list the URLs, or a prefix (sent as a wildcard path such as /img/*), instead of tags';

export const providerOf = (raw: Raw): ProviderName => (raw.provider === 'fastly' || raw.provider === 'cloudfront' ? raw.provider : 'cloudflare');

/**
 * A zone's provider fields: the id field of its provider is required; another provider's id field,
 * and Cloudflare's settings on another provider's zone, are errors or moot (warnings).
 */
export function checkZoneProvider(c: Checker, name: string, raw: Raw, path: readonly PathSegment[]): void {
  const provider = providerOf(raw);
  const fields = PROVIDER_FIELDS[provider];
  for (const [other, { idField, what }] of Object.entries(PROVIDER_FIELDS) as [ProviderName, typeof fields][]) {
    if (other === provider || raw[idField] === undefined || (other === 'cloudflare' && provider === 'cloudflare')) continue;
    c.error([...path, idField], 'key', `zones.${name}.${idField}: "${idField}" names a ${what}, but zone "${name}" is a ${fields.what} (provider: ${provider})`, provider === 'cloudflare' ? `add provider: ${other}` : `give its ${fields.idField}`);
  }
  if (provider === 'cloudflare') return;
  if (raw[fields.idField] === undefined) c.error(path, 'value', `zones.${name}: a ${fields.what} needs "${fields.idField}"`, provider === 'fastly' ? 'the service id is on the service\'s page in the Fastly control panel' : 'the distribution id (e.g. E2QWRUHAPOMQZL) is in the CloudFront console');
  for (const key of ['plan', 'account_id'] as const) {
    if (raw[key] !== undefined) c.warning([...path, key], 'key', `zones.${name}.${key}: is a Cloudflare setting; zone "${name}" is a ${fields.what}, so it changes nothing`, `remove ${key}`);
  }
  if (raw.cache_key !== undefined) c.warning([...path, 'cache_key'], 'key', `zones.${name}.cache_key: is moot on a ${fields.what}: ${mootReason(provider)}`, 'remove cache_key from this zone');
  if (provider === 'cloudfront' && raw.token_env !== undefined) c.warning([...path, 'token_env'], 'key', `zones.${name}.token_env: CloudFront's credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, so it changes nothing`, 'remove token_env');
  const limits = record(raw.limits) ?? {};
  for (const key of ['files_per_request', 'items_per_request'] as const) {
    if (limits[key] !== undefined) c.warning([...path, 'limits', key], 'key', `zones.${name}.limits.${key}: is a Cloudflare limit; a ${fields.what}'s requests are sized by its own API`, `remove limits.${key}`);
  }
}

function mootReason(provider: ProviderName): string {
  return provider === 'fastly'
    ? 'Fastly\'s URL purge removes every variant of the URL (every Vary variant), so a URL is one item whatever the cache key'
    : 'a CloudFront invalidation removes every cached version of a path, whatever its headers and cookies, so a URL is one item whatever the cache key';
}

/** A group as the provider rules see it. */
export interface ProviderGroupFacts {
  readonly name: string;
  readonly raw: Raw;
  readonly path: readonly PathSegment[];
  readonly zone: { readonly name: string; readonly provider: ProviderName; readonly action: 'purge' | 'invalidate' } | undefined;
  readonly routed: boolean;
  readonly hosts: { readonly values: readonly string[]; readonly entryOf: ReadonlyMap<string, number> };
  readonly prefixes: { readonly values: readonly string[]; readonly entryOf: ReadonlyMap<string, number> };
  readonly everything: boolean;
}

/**
 * The items a group's provider cannot purge, each an error at its entry with the hint: hosts and
 * prefixes on Fastly (routed ones too), invalidating everything on Fastly, tags on CloudFront.
 * `zoneOfHost` finds the zone a routed host goes to.
 */
export function checkGroupProvider(c: Checker, group: ProviderGroupFacts, zoneOfHost: (host: string) => { readonly provider: ProviderName; readonly name: string } | undefined): void {
  const { name, raw, path, zone } = group;
  for (const [key, found] of [['hosts', group.hosts], ['prefixes', group.prefixes]] as const) {
    const reported = new Set<number>();
    for (const value of found.values) {
      const target = group.routed ? zoneOfHost(key === 'hosts' ? value : value.split('/')[0]!) : zone;
      const entry = found.entryOf.get(value)!;
      if (reported.has(entry)) continue;
      if (target?.provider === 'cloudfront' && key === 'prefixes') {
        const problem = invalidationPathProblem(prefixInvalidationPath(value));
        if (problem === undefined) continue;
        reported.add(entry);
        const at = [...path, key, entry];
        c.error(at, 'value', `${displayPath(at)}: prefix "${value}" cannot be invalidated on zone "${target.name}", a CloudFront distribution: ${problem}`, 'a prefix is sent as the wildcard path /path/*: leave the "*" out of it');
        continue;
      }
      if (target?.provider !== 'fastly') continue;
      reported.add(entry);
      const at = [...path, key, entry];
      c.error(at, 'value', `${displayPath(at)}: zone "${target.name}" is a Fastly service, which cannot purge ${key === 'hosts' ? `host "${value}"` : `prefix "${value}"`}`, FASTLY_NO_HOSTS_HINT);
    }
  }
  if (zone === undefined) return;
  const action = raw.action === 'purge' || raw.action === 'invalidate' ? raw.action : zone.action;
  if (zone.provider === 'fastly' && group.everything && action === 'invalidate') {
    c.error([...path, 'everything'], 'key', `groups.${name}.everything: invalidating everything is impossible on zone "${zone.name}", a Fastly service`, FASTLY_NO_SOFT_PURGE_ALL_HINT);
  }
  if (zone.provider === 'cloudfront' && Array.isArray(raw.tags) && raw.tags.length > 0) {
    c.error([...path, 'tags'], 'key', `groups.${name}.tags: zone "${zone.name}" is a CloudFront distribution, which purgeplan invalidates by path, not by tag`, CLOUDFRONT_NO_TAGS_HINT);
  }
  if (zone.provider === 'cloudflare') return;
  for (const key of ['variants', 'cache_key'] as const) {
    if (raw[key] !== undefined) c.warning([...path, key], 'key', `groups.${name}.${key}: is moot on zone "${zone.name}": ${mootReason(zone.provider)}`, `remove ${key} from this group`);
  }
}

/** `text(raw.x)` for the provider's id field. */
export function providerId(raw: Raw): string | undefined {
  return text(raw[PROVIDER_FIELDS[providerOf(raw)].idField]);
}
