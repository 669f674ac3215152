// `purgeplan drift`, the pure part (spec §10): every planned URL of every group against its
// zone's Cache Rules. The effective key of a URL is the cache_key of the last enabled rule that
// surely matches it (Cloudflare: "the value in the last matching rule wins"), else Cloudflare's
// default key; it is compared dimension by dimension with the group's declared profile. Rules
// whose outcome depends on the request, or whose expression cannot be read, are reported, never
// guessed. Differences are collected per profile, dimension and rule, positioned in purge.yaml.
import type { Locator, PathSegment } from '../config/load.js';
import type { CacheKey, Config, Group, Zone } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { zoneForHost } from '../config/route.js';
import { compare, normalizeUrl } from '../expand/normalize.js';
import { expandPattern, parsePattern } from '../expand/patterns.js';
import type { Severity } from '../diagnostics.js';
import { differences } from './dimensions.js';
import type { DimensionDifference } from './dimensions.js';
import { evaluate, urlFields } from './evaluate.js';
import type { Expr } from './expression.js';
import { positionIn } from './expression.js';
import { quote, token } from './quote.js';
import type { CacheRule, RuleCacheKey, Ruleset } from './rules.js';

export type FindingKind = 'drift' | 'depends_on_request' | 'unreadable' | 'overlap' | 'header_contains' | 'split' | 'cache_key_unreadable';

export interface RuleRef {
  readonly id: string;
  readonly description: string;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
  readonly zone: string;
  readonly groups: readonly string[];
  readonly url?: string;
  readonly rules: readonly RuleRef[];
  readonly profile?: string | null;
  readonly dimension?: string;
  readonly declared?: string;
  readonly actual?: string;
  readonly patterns?: readonly string[];
}

export interface ZoneSummary {
  readonly zone: string;
  /** null: the zone has no Cache Rules (404 / 10003): Cloudflare's default key. */
  readonly rules: number | null;
  readonly enabled: number;
  readonly urls: number;
}

export interface DriftReport {
  readonly zones: readonly ZoneSummary[];
  readonly findings: readonly Finding[];
}

export interface DriftInput {
  readonly config: Config;
  readonly locate: Locator;
  /** Per zone name: its ruleset, or null when it has none. Zones absent here are not checked. */
  readonly rulesets: ReadonlyMap<string, Ruleset | null>;
  readonly strict: boolean;
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

/** The groups with URLs in `zone`: its own, and groups routed by host (spec §7.2) that have some. */
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
  return group.urls.map(({ pattern, index }) => {
    const urls = new Set<string>();
    const parsed = parsePattern(pattern, group.vars);
    if (!('problem' in parsed)) {
      expandPattern(parsed.pattern, (raw) => {
        const result = normalizeUrl(raw, DEFAULT_CACHE_KEY, zone.schemes);
        if ('problem' in result || (routed && zoneForHost(zones, result.host) !== zone)) return;
        for (const url of result.urls) urls.add(url);
      });
    }
    return { index, pattern, urls: [...urls].sort(compare) };
  });
}

export function describeRule(rule: RuleRef | null): string {
  if (rule === null) return "Cloudflare's default cache key (no Cache Rule sets one)";
  return `Cache Rule ${rule.description ? quote(rule.description) : '(no description)'} (id ${token(rule.id)})`;
}

const ref = (rule: CacheRule): RuleRef => ({ id: rule.id, description: rule.description });

/** The request-dependent terms of an expression, by name (`http.cookie`, `ip.geoip.country`). */
function dependsOn(expr: Expr): string[] {
  switch (expr.kind) {
    case 'depends': return [expr.what];
    case 'not': return dependsOn(expr.operand);
    case 'logic': return expr.operands.flatMap(dependsOn);
    default: return [];
  }
}

interface Bucket {
  readonly groups: Set<string>;
  url: string;
  readonly patterns: Set<string>;
}

export function checkDrift(input: DriftInput): DriftReport {
  const { config, locate } = input;
  const file = config.file;
  const findings: Finding[] = [];
  const zones: ZoneSummary[] = [];
  const warn: Severity = input.strict ? 'error' : 'warning';
  const at = (path: readonly PathSegment[]) => locate.key(path);
  const has = (path: readonly PathSegment[]) => path.every((segment, i) => locate.keys(path.slice(0, i)).includes(String(segment)));

  for (const zone of config.zones) {
    if (!input.rulesets.has(zone.name)) continue;
    const ruleset = input.rulesets.get(zone.name) ?? null;
    const rules = keyRules(ruleset);
    const zonePosition = at(['zones', zone.name]);
    const groups = groupsOfZone(config, zone);
    let urlCount = 0;

    for (const rule of rules) {
      if ('unreadable' in rule.expression) {
        const { line, col } = positionIn(rule.expressionText, rule.expression.offset);
        findings.push({
          kind: 'unreadable', severity: warn, file, ...zonePosition, zone: zone.name, groups: [], rules: [ref(rule)],
          message: `zones.${zone.name}: the expression of ${describeRule(rule)} is unreadable at ${line > 1 ? `line ${line}, ` : ''}character ${col}: ${rule.expression.unreadable}`,
          hint: 'drift evaluates http.host, http.request.full_uri, uri, uri.path, uri.query, uri.path.extension and ssl with eq ne lt le gt ge contains matches in wildcard, starts_with ends_with lower len (other fields, functions and lists depend on the request); check the expression\'s syntax: URLs this rule may match are reported as depending on it',
        });
      }
      for (const problem of rule.keyProblems) {
        findings.push({ kind: 'cache_key_unreadable', severity: warn, file, ...zonePosition, zone: zone.name, groups: [], rules: [ref(rule)], message: `zones.${zone.name}: ${describeRule(rule)}: ${problem}; that part of its key is not compared` });
      }
      const contains = Object.keys(rule.cacheKey!.headerContains).sort(compare);
      if (contains.length > 0) {
        findings.push({
          kind: 'header_contains', severity: 'warning', file, ...zonePosition, zone: zone.name, groups: [], rules: [ref(rule)],
          message: `zones.${zone.name}: ${describeRule(rule)} keys on header${contains.length > 1 ? 's' : ''} ${contains.map(token).join(', ')} only when ${contains.length > 1 ? 'they contain' : 'it contains'} a listed substring (header.contains), which purge.yaml cannot declare yet; not compared`,
          hint: 'purge the variants by hand, or list the header under headers.include if the rule can key on its whole value',
        });
      }
    }

    // A routed group (spec §7.2) is keyed in this zone by its route: its own profile, else the zone's.
    const keyNameIn = (group: Group): string | null => (group.routes ? group.routes.get(zone.name)?.cacheKeyName ?? null : group.cacheKeyName);
    const declaredKeyIn = (group: Group): CacheKey => group.routes?.get(zone.name)?.cacheKey ?? group.cacheKey;
    const drift = new Map<string, Bucket & { readonly difference: DimensionDifference; readonly rule: CacheRule | null; readonly group: Group }>();
    const ambiguous = new Map<string, Bucket & { readonly rule: CacheRule; readonly group: Group }>();
    const overlaps = new Map<string, Bucket & { readonly rules: readonly CacheRule[]; readonly group: Group }>();
    const resolved = new Map<string, Resolution>();
    for (const group of groups) {
      const patterns = plannedUrls(group, zone, config.zones);
      if (patterns.every((p) => p.urls.length === 0) && group.zone !== zone.name) continue;
      const perPattern = patterns.map(({ index, pattern, urls }) => {
        const effective = new Map<string, CacheRule | null>();
        const resolutions = urls.map((url) => {
          let resolution = resolved.get(url);
          if (!resolution) {
            resolution = resolveUrl(rules, url);
            resolved.set(url, resolution);
          }
          effective.set(resolution.effective?.id ?? '', resolution.effective);
          return { url, resolution };
        });
        return { index, pattern, resolutions, effective };
      });
      urlCount += perPattern.reduce((sum, p) => sum + p.resolutions.length, 0);
      // Keys the group's URLs get, by rule: more than one distinct key cannot be one profile.
      const byRule = new Map<string, CacheRule | null>();
      for (const p of perPattern) for (const [id, rule] of p.effective) byRule.set(id, rule);
      const distinct: (CacheRule | null)[] = [];
      for (const rule of byRule.values()) if (!distinct.some((other) => sameKey(keyOf(other), keyOf(rule)))) distinct.push(rule);
      const split = distinct.length > 1;
      if (split) {
        const lines = perPattern.filter((p) => p.resolutions.length > 0).map((p) => `urls[${p.index}] ${p.pattern} → ${[...p.effective.values()].map((rule) => describeRule(rule)).join(' and ')}`);
        findings.push({
          kind: 'split', severity: 'warning', file, ...at(['groups', group.name]), zone: zone.name, groups: [group.name],
          rules: [...byRule.values()].filter((r): r is CacheRule => r !== null).map(ref),
          message: `groups.${group.name}: its URLs get different cache keys from different rules (${lines.join('; ')}); one profile cannot match them all`,
          hint: 'split the group by URL pattern, one cache_key each (purgeplan import prints them); differences are reported per URL pattern',
          patterns: perPattern.map((p) => p.pattern),
        });
      }
      const profileKey = keyNameIn(group) ?? `group ${group.name}`;
      for (const { index, pattern, resolutions } of perPattern) {
        const patternLabel = `groups.${group.name}.urls[${index}] ${pattern}`;
        for (const { url, resolution } of resolutions) {
          const rule = resolution.effective;
          for (const difference of differences(declaredKeyIn(group), keyOf(rule))) {
            const id = [profileKey, difference.dimension, rule?.id ?? '', difference.declared, difference.actual, split ? patternLabel : ''].join('\0');
            const bucket = drift.get(id) ?? { groups: new Set<string>(), url, patterns: new Set<string>(), difference, rule, group };
            bucket.groups.add(group.name);
            if (split) bucket.patterns.add(patternLabel);
            drift.set(id, bucket);
          }
          for (const maybe of resolution.uncertain) {
            const id = [maybe.id, profileKey].join('\0');
            const bucket = ambiguous.get(id) ?? { groups: new Set<string>(), url, patterns: new Set<string>(), rule: maybe, group };
            bucket.groups.add(group.name);
            ambiguous.set(id, bucket);
          }
          if (resolution.overlapping.length > 0 && rule) {
            const all = [...resolution.overlapping, rule];
            const id = all.map((r) => r.id).join('\0');
            const bucket = overlaps.get(id) ?? { groups: new Set<string>(), url, patterns: new Set<string>(), rules: all, group };
            bucket.groups.add(group.name);
            overlaps.set(id, bucket);
          }
        }
      }
    }

    const profilePosition = (group: Group, path: readonly PathSegment[]) => {
      const name = keyNameIn(group);
      if (name === null) return at(['groups', group.name]);
      const base = ['cache_keys', name];
      return has([...base, ...path]) ? at([...base, ...path]) : at(base);
    };
    for (const bucket of drift.values()) {
      const { difference, rule, group } = bucket;
      const groupNames = [...bucket.groups].sort(compare);
      const subject = keyNameIn(group) === null ? `groups.${group.name} (Cloudflare's default key: no cache_key)` : `cache_keys.${keyNameIn(group)}`;
      const patterns = [...bucket.patterns].sort(compare);
      findings.push({
        kind: 'drift', severity: 'error', file, ...profilePosition(group, difference.path), zone: zone.name, groups: groupNames, url: bucket.url,
        rules: rule ? [ref(rule)] : [], profile: keyNameIn(group), dimension: difference.dimension, declared: difference.declared, actual: difference.actual,
        ...(patterns.length > 0 ? { patterns } : {}),
        message: `${subject}: ${difference.dimension} is ${difference.declared}, but ${describeRule(rule)} in zone ${zone.name} gives ${difference.actual} (group${groupNames.length > 1 ? 's' : ''} ${groupNames.join(', ')}${patterns.length > 0 ? `, ${patterns.join(', ')}` : ''}; e.g. ${bucket.url})`,
        hint: keyNameIn(group) === null
          ? `give groups.${group.name} a cache_key profile with ${difference.fix} (purgeplan import prints one), or change the rule in the dashboard (Caching › Cache Rules)`
          : `set cache_keys.${keyNameIn(group)}.${difference.fix}, or change the rule in the dashboard (Caching › Cache Rules)`,
      });
    }
    for (const bucket of ambiguous.values()) {
      const { rule, group } = bucket;
      const groupNames = [...bucket.groups].sort(compare);
      const terms = 'unreadable' in rule.expression ? ['an unreadable expression'] : [...new Set(dependsOn(rule.expression))];
      findings.push({
        kind: 'depends_on_request', severity: warn, file, ...profilePosition(group, []), zone: zone.name, groups: groupNames, url: bucket.url,
        rules: [ref(rule)], profile: keyNameIn(group),
        message: `${describeRule(rule)} in zone ${zone.name} may set another cache key for group${groupNames.length > 1 ? 's' : ''} ${groupNames.join(', ')}: whether it matches depends on the request (${terms.join(', ')}), e.g. for ${bucket.url}`,
        hint: 'drift does not guess: check the rule, or narrow its expression to URL fields; --strict makes this an error',
      });
    }
    for (const bucket of overlaps.values()) {
      const groupNames = [...bucket.groups].sort(compare);
      const last = bucket.rules.at(-1)!;
      findings.push({
        kind: 'overlap', severity: 'warning', file, ...profilePosition(bucket.group, []), zone: zone.name, groups: groupNames, url: bucket.url,
        rules: bucket.rules.map(ref), profile: keyNameIn(bucket.group),
        message: `several Cache Rules in zone ${zone.name} match ${bucket.url} (group${groupNames.length > 1 ? 's' : ''} ${groupNames.join(', ')}) with different cache keys: ${bucket.rules.map((r) => describeRule(r)).join(', ')}; compared with the last, ${describeRule(last)}`,
        hint: 'Cloudflare does not document whether cache_key settings merge across rules; give the rules disjoint expressions',
      });
    }
    zones.push({ zone: zone.name, rules: ruleset === null ? null : ruleset.rules.length, enabled: rules.length, urls: urlCount });
  }
  return { zones, findings: sortFindings(findings) };
}

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.line - b.line || a.col - b.col || compare(a.message, b.message));
}
