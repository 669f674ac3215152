// Stage 3: one group -> its purge items (per zone: docs/purge-yaml.md), kept compact: the sorted unique URLs and the sorted
// header variants whose cross product the file items are (URL-major order is the spec's item
// order, so nothing has to be sorted item by item), plus hosts, prefixes, tags and everything.
import type { Diagnostic, Position } from '../diagnostics.js';
import { zoneForHost } from '../config/route.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import type { CacheKey, Dimension, Group, GroupRoute, RouteProblem, Scheme, Zone } from '../config/types.js';
import { CLOUDFRONT_PATH_HINT, invalidationPathProblem, urlInvalidationPath } from '../providers/cloudfront-paths.js';
import { expandPattern } from './patterns.js';
import { normalizeUrl } from './normalize.js';
import { compare } from '../vocabulary.js';
import { expandVariants } from './variants.js';
import type { Variant } from './variants.js';
import type { Action } from '../vocabulary.js';

/**
 * A group's items in one zone. A group with a zone has one expansion; a routed group (docs/purge-yaml.md)
 * one per zone its items go to, in file order of the zones, each with that zone's cache key.
 */
export interface GroupExpansion {
  readonly group: Group;
  readonly zone: string;
  readonly cacheKeyName: string | null;
  readonly cacheKey: CacheKey;
  /** What is done to these items (docs/purge-yaml.md): a routed group takes each zone's unless it has its own. */
  readonly action: Action;
  readonly urls: readonly string[];
  readonly variants: readonly Variant[];
  readonly hosts: readonly string[];
  readonly prefixes: readonly string[];
  readonly tags: readonly string[];
  readonly everything: boolean;
  /** Items before deduplication: URLs x variants + hosts + prefixes + tags + everything. */
  readonly items: number;
}

/** The URLs of a group, normalized per its cache key, sorted and unique; problems as diagnostics. */
function expandUrls(group: Group, zone: Zone | undefined, file: string): { urls: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const urls = new Set<string>();
  for (const { pattern, parsed, index, position } of group.urls) {
    let reported = false;
    let outside = false;
    let keptScheme = false;
    expandPattern(parsed, (raw) => {
      if (reported) return;
      const result = normalizeUrl(raw, group.cacheKey, zone?.schemes ?? null);
      if ('problem' in result) {
        reported = true;
        diagnostics.push({ file, ...position, severity: 'error', message: `groups.${group.name}.urls[${index}]: ${result.problem}${raw === pattern ? '' : ` (expanded from "${pattern}")`}`, hint: result.hint });
        return;
      }
      const refused = zone === undefined ? undefined : cloudfrontRefusal(file, position, `groups.${group.name}.urls[${index}]`, raw, pattern, result.urls, zone);
      if (refused !== undefined) {
        reported = true;
        diagnostics.push(refused);
        return;
      }
      if (!keptScheme && result.keptScheme && zone?.schemes) {
        keptScheme = true;
        diagnostics.push(keptSchemeWarning(file, position, `groups.${group.name}.urls[${index}]`, raw, pattern, result.keptScheme, zone));
      }
      if (!outside && zone?.zoneName && result.host !== zone.zoneName && !result.host.endsWith(`.${zone.zoneName}`)) {
        outside = true;
        // A host typed with non-ASCII letters is sent in punycode: name both, or the two look unrelated.
        const typed = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]*)/iu.exec(raw)?.[1] ?? '';
        const shown = /[^\x00-\x7f]/u.test(typed) ? `"${typed}" (sent as "${result.host}", its punycode form)` : `"${result.host}"`;
        diagnostics.push({ file, ...position, severity: 'warning', message: `groups.${group.name}.urls[${index}]: host ${shown} is not in zone "${zone.name}" (${zone.zoneName})`, hint: 'a purge only reaches URLs of the zone it is sent to: check the zone or the URL' });
      }
      for (const url of result.urls) urls.add(url);
    });
  }
  return { urls: [...urls].sort(compare), diagnostics };
}

/**
 * A URL whose invalidation path CloudFront refuses (docs/providers.md#cloudfront: over 4,000
 * characters, or a `*` before its end), on a CloudFront zone: an error at its entry, nothing planned.
 */
function cloudfrontRefusal(file: string, position: Position, at: string, raw: string, pattern: string, urls: readonly string[], zone: Zone): Diagnostic | undefined {
  if (zone.provider !== 'cloudfront') return undefined;
  for (const url of urls) {
    const problem = invalidationPathProblem(urlInvalidationPath(url));
    if (problem === undefined) continue;
    return {
      file, ...position, severity: 'error',
      message: `${at}: "${raw}"${raw === pattern ? '' : ' (expanded from this entry)'} cannot be invalidated on zone "${zone.name}", a CloudFront distribution: ${problem}`,
      hint: CLOUDFRONT_PATH_HINT,
    };
  }
  return undefined;
}

/**
 * A URL with its own port keeps its own scheme (normalize.ts): said where it is written, since the
 * zone's `schemes` look as if they applied to it.
 */
function keptSchemeWarning(file: string, position: Position, at: string, raw: string, pattern: string, kept: { port: string; scheme: Scheme }, zone: Zone): Diagnostic {
  const other = zone.schemes!.filter((s) => s !== kept.scheme);
  return {
    file, ...position, severity: 'warning',
    message: `${at}: "${raw}"${raw === pattern ? '' : ` (expanded from "${pattern}")`} has its own port ${kept.port}, so it is purged as ${kept.scheme}:// only: zone "${zone.name}"'s schemes (${zone.schemes!.join(', ')}) do not apply to it`,
    hint: `a port serves one protocol, so ${other.map((s) => `${s}://…:${kept.port}`).join(' or ')} is an entry no request makes; to purge the ${other.join(' or ')} copy too, list its URL with the port it is served on`,
  };
}

interface Part {
  readonly zone: string;
  readonly action: Action;
  readonly cacheKeyName: string | null;
  readonly cacheKey: CacheKey;
  readonly urls: readonly string[];
  readonly dimensions: readonly Dimension[];
  readonly hosts: readonly string[];
  readonly prefixes: readonly string[];
}

function expansionOf(group: Group, part: Part): GroupExpansion {
  // A build or sitemap group's URLs are listed later (src/sources/): its variants are known now.
  const variants = part.urls.length || group.source !== null ? expandVariants(part.dimensions) : [];
  const tags = [...new Set(group.tags)].sort(compare);
  return {
    group, zone: part.zone, action: part.action, cacheKeyName: part.cacheKeyName, cacheKey: part.cacheKey,
    urls: part.urls,
    variants,
    hosts: [...part.hosts].sort(compare),
    prefixes: [...part.prefixes].sort(compare),
    tags,
    everything: group.everything,
    items: part.urls.length * variants.length + part.hosts.length + part.prefixes.length + tags.length + (group.everything ? 1 : 0),
  };
}

/** A group's expansions: one for a group with a zone, one per zone its items go to for a routed group. */
export function expandGroup(group: Group, zones: readonly Zone[], file: string): { expansions: GroupExpansion[]; diagnostics: Diagnostic[] } {
  if (group.routes !== null) return expandRouted(group, group.routes, zones, file);
  const zone = zones.find((z) => z.name === group.zone);
  const { urls, diagnostics } = expandUrls(group, zone, file);
  const part = { zone: group.zone, action: group.action, cacheKeyName: group.cacheKeyName, cacheKey: group.cacheKey, urls, dimensions: group.dimensions, hosts: group.hosts, prefixes: group.prefixes };
  return { expansions: [expansionOf(group, part)], diagnostics };
}

/**
 * Routing (docs/purge-yaml.md): each URL, host and prefix goes to the zone whose name is its host or a
 * parent domain (the longest wins), and is expanded there with that zone's cache key and schemes.
 * A URL in no zone is an error at its entry naming the host (hosts and prefixes were checked with
 * the file). What a zone's key says about the group's variants is reported when items go there;
 * a variant for a dimension is refused only when no zone the group sends to has it.
 */
function expandRouted(group: Group, routes: ReadonlyMap<string, GroupRoute>, zones: readonly Zone[], file: string): { expansions: GroupExpansion[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const urlsByZone = new Map<string, Set<string>>();
  const byZone = <T>(map: Map<string, T[]>, zone: string, value: T) => {
    const list = map.get(zone);
    if (list) list.push(value);
    else map.set(zone, [value]);
  };
  for (const { pattern, parsed, index, position } of group.urls) {
    let reported = false;
    const keptScheme = new Set<string>();
    expandPattern(parsed, (raw) => {
      if (reported) return;
      const where = normalizeUrl(raw, DEFAULT_CACHE_KEY, null);
      const zone = 'problem' in where ? undefined : zoneForHost(zones, where.host);
      const route = zone && routes.get(zone.name);
      const result = route ? normalizeUrl(raw, route.cacheKey, zone.schemes) : where;
      if ('problem' in result) {
        reported = true;
        diagnostics.push({ file, ...position, severity: 'error', message: `groups.${group.name}.urls[${index}]: ${result.problem}${raw === pattern ? '' : ` (expanded from "${pattern}")`}`, hint: result.hint });
        return;
      }
      if (!zone || !route) {
        reported = true;
        const names = zones.filter((z) => z.zoneName !== null).map((z) => `${z.name} (${z.zoneName})`).join(', ');
        diagnostics.push({ file, ...position, severity: 'error', message: `groups.${group.name}.urls[${index}]: host "${result.host}" is in no zone: a group without zone sends each URL to the zone whose name is its host or a parent domain of it${raw === pattern ? '' : ` (expanded from "${pattern}")`}`, hint: `zones by name: ${names}; or give the group a zone` });
        return;
      }
      const refused = cloudfrontRefusal(file, position, `groups.${group.name}.urls[${index}]`, raw, pattern, result.urls, zone);
      if (refused !== undefined) {
        reported = true;
        diagnostics.push(refused);
        return;
      }
      if (result.keptScheme && zone.schemes && !keptScheme.has(zone.name)) {
        keptScheme.add(zone.name);
        diagnostics.push(keptSchemeWarning(file, position, `groups.${group.name}.urls[${index}]`, raw, pattern, result.keptScheme, zone));
      }
      let set = urlsByZone.get(zone.name);
      if (!set) urlsByZone.set(zone.name, (set = new Set()));
      for (const url of result.urls) set.add(url);
    });
  }
  const hostsByZone = new Map<string, string[]>();
  const prefixesByZone = new Map<string, string[]>();
  for (const host of group.hosts) {
    const zone = zoneForHost(zones, host);
    if (zone) byZone(hostsByZone, zone.name, host);
  }
  for (const prefix of group.prefixes) {
    const zone = zoneForHost(zones, prefix.split('/')[0]!);
    if (zone) byZone(prefixesByZone, zone.name, prefix);
  }
  const touched = [...routes.values()].filter((r) => urlsByZone.has(r.zone) || hostsByZone.has(r.zone) || prefixesByZone.has(r.zone));
  // A variant the key of some zone it goes to has is not "for a dimension the key lacks".
  const lacking = (problem: RouteProblem) => problem.notInKey === undefined || touched.every((r) => r.problems.some((p) => p.notInKey === problem.notInKey));
  const seen = new Set<string>();
  for (const route of touched) {
    for (const problem of route.problems) {
      if (!lacking(problem) || (problem.notInKey !== undefined && seen.has(problem.notInKey))) continue;
      if (problem.notInKey !== undefined) seen.add(problem.notInKey);
      diagnostics.push(problem.diagnostic);
    }
  }
  const expansions = touched.map((route) => expansionOf(group, {
    zone: route.zone, action: route.action, cacheKeyName: route.cacheKeyName, cacheKey: route.cacheKey,
    urls: [...(urlsByZone.get(route.zone) ?? [])].sort(compare), dimensions: route.dimensions,
    hosts: hostsByZone.get(route.zone) ?? [], prefixes: prefixesByZone.get(route.zone) ?? [],
  }));
  return { expansions, diagnostics };
}

/** Expansions by group, in file order (a routed group has one per zone, next to each other). */
export function byGroup(expansions: readonly GroupExpansion[]): { group: Group; parts: GroupExpansion[] }[] {
  const groups: { group: Group; parts: GroupExpansion[] }[] = [];
  for (const expansion of expansions) {
    const last = groups[groups.length - 1];
    if (last && last.group === expansion.group) last.parts.push(expansion);
    else groups.push({ group: expansion.group, parts: [expansion] });
  }
  return groups;
}

/** Item keys as shown to reviewers and compared by reconciliation: `URL [h=v, …]`, `host X`, … */
export function fileKey(url: string, variant: Variant): string {
  return variant.key ? `${url} [${variant.key}]` : url;
}

export function groupItemKeys(expansion: GroupExpansion, limit = Infinity): string[] {
  const keys: string[] = [];
  const push = (key: string) => keys.length < limit && keys.push(key);
  if (expansion.everything) push('everything');
  for (const host of expansion.hosts) push(`host ${host}`);
  for (const prefix of expansion.prefixes) push(`prefix ${prefix}`);
  for (const tag of expansion.tags) push(`tag ${tag}`);
  outer: for (const url of expansion.urls) {
    for (const variant of expansion.variants) {
      if (keys.length >= limit) break outer;
      keys.push(fileKey(url, variant));
    }
  }
  return keys;
}
