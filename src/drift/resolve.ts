// Which Cache Rule gives a URL its cache key, shared by drift (compared with the declared
// profile) and import (printed as one): the key of the last enabled rule that surely matches
// (Cloudflare: "the value in the last matching rule wins"), else Cloudflare's default key. See
// docs/purge-yaml.md, "Checking a profile against the zone". Pure.
import type { CacheKey, Config, Group, Zone } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { zoneForHost } from '../config/route.js';
import { normalizeUrl } from '../expand/normalize.js';
import { compare } from '../vocabulary.js';
import { expandPattern } from '../expand/patterns.js';
import { differences } from './dimensions.js';
import { evaluate, urlFields } from './evaluate.js';
import { quote, token } from './quote.js';
import type { CacheRule, RuleCacheKey, Ruleset } from './rules.js';

export interface RuleRef {
  readonly id: string;
  readonly description: string;
}

/** The rules that decide one URL's key. */
export interface Resolution {
  /** The last enabled rule that surely matches and sets a key; null: Cloudflare's default key. */
  readonly effective: CacheRule | null;
  /** Later rules that may match (depends on the request, or unreadable) with another key. */
  readonly uncertain: readonly CacheRule[];
  /** Earlier rules that surely match too, with another key (merge order undocumented). */
  readonly overlapping: readonly CacheRule[];
}

export function keyOf(rule: CacheRule | null): RuleCacheKey | CacheKey {
  return rule?.cacheKey ?? DEFAULT_CACHE_KEY;
}

export function sameKey(a: CacheKey, b: CacheKey): boolean {
  return differences(a, b).length === 0 && JSON.stringify((a as RuleCacheKey).headerContains ?? {}) === JSON.stringify((b as RuleCacheKey).headerContains ?? {});
}

/** Resolves the key of a URL against the key-setting enabled rules of a zone, in ruleset order. */
export function resolveUrl(rules: readonly CacheRule[], url: string): Resolution {
  const fields = urlFields(url);
  const matched: CacheRule[] = [];
  const maybe: CacheRule[] = [];
  for (const rule of rules) {
    const outcome = 'unreadable' in rule.expression ? 'depends' : evaluate(rule.expression, fields);
    if (outcome === true) matched.push(rule);
    else if (outcome === 'depends') maybe.push(rule);
  }
  const effective = matched.at(-1) ?? null;
  const key = keyOf(effective);
  return {
    effective,
    uncertain: maybe.filter((rule) => (effective === null || rule.index > effective.index) && !sameKey(keyOf(rule), key)),
    overlapping: matched.filter((rule) => rule !== effective && !sameKey(keyOf(rule), key)),
  };
}

/** The enabled rules of a ruleset that set a cache key, in order. */
export function keyRules(ruleset: Ruleset | null): CacheRule[] {
  return (ruleset?.rules ?? []).filter((rule) => rule.enabled && rule.cacheKey !== null);
}

/** The groups with URLs in `zone`: its own, and groups routed by host (docs/purge-yaml.md, "Routing by host") that have some. */
export function groupsOfZone(config: Config, zone: Zone): Group[] {
  const names = new Set(config.zones.map((z) => z.name));
  return config.groups.filter((group) => group.zone === zone.name || !names.has(group.zone));
}

/**
 * A group's planned URLs in `zone` as requested (query as written), per URL pattern. A routed
 * group (its `zone` names no zone) keeps the URLs whose host the zone owns.
 */
export function plannedUrls(group: Group, zone: Zone, zones: readonly Zone[]): { index: number; pattern: string; urls: string[] }[] {
  const routed = group.zone !== zone.name;
  return group.urls.map(({ pattern, parsed, index }) => {
    const urls = new Set<string>();
    expandPattern(parsed, (raw) => {
      const result = normalizeUrl(raw, DEFAULT_CACHE_KEY, zone.schemes);
      if ('problem' in result || (routed && zoneForHost(zones, result.host) !== zone)) return;
      for (const url of result.urls) urls.add(url);
    });
    return { index, pattern, urls: [...urls].sort(compare) };
  });
}

export function describeRule(rule: RuleRef | null): string {
  if (rule === null) return "Cloudflare's default cache key (no Cache Rule sets one)";
  return `Cache Rule ${rule.description ? quote(rule.description) : '(no description)'} (id ${token(rule.id)})`;
}

