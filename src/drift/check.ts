// `purgeplan drift`, the pure part (docs/commands.md#drift-and-import): every planned URL of every group against its
// zone's Cache Rules. The effective key of a URL is the cache_key of the last enabled rule that
// surely matches it (Cloudflare: "the value in the last matching rule wins"), else Cloudflare's
// default key; it is compared dimension by dimension with the group's declared profile. Rules
// whose outcome depends on the request, or whose expression cannot be read, are reported, never
// guessed. Differences are collected per profile, dimension and rule, positioned in purge.yaml.
import type { Locator } from '../config/load.js';
import type { PathSegment } from '../config/path.js';
import type { CacheKey, Config, Group, Zone } from '../config/types.js';
import { compare } from '../vocabulary.js';
import type { Severity } from '../diagnostics.js';
import { differences } from './dimensions.js';
import type { DimensionDifference } from './dimensions.js';
import type { Expr } from './expression.js';
import { positionIn } from './expression.js';
import { token } from './quote.js';
import { describeRule, groupsOfZone, keyOf, keyRules, plannedUrls, resolveUrl, sameKey } from './resolve.js';
import type { Resolution, RuleRef } from './resolve.js';
import type { CacheRule, Ruleset } from './rules.js';

export type { RuleRef } from './resolve.js';

export type FindingKind = 'drift' | 'depends_on_request' | 'unreadable' | 'overlap' | 'header_contains' | 'split' | 'cache_key_unreadable';

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

export function checkDrift(input: DriftInput): DriftReport {
  const findings: Finding[] = [];
  const zones: ZoneSummary[] = [];
  for (const zone of input.config.zones) {
    if (!input.rulesets.has(zone.name)) continue;
    const ruleset = input.rulesets.get(zone.name) ?? null;
    const rules = keyRules(ruleset);
    const scope: ZoneScope = { file: input.config.file, zone, locate: input.locate, warn: input.strict ? 'error' : 'warning' };
    findings.push(...rules.flatMap((rule) => ruleFindings(scope, rule)));
    const buckets = collectBuckets(scope, rules, groupsOfZone(input.config, zone), input.config.zones);
    findings.push(...buckets.splits, ...driftFindings(scope, buckets.drift), ...ambiguousFindings(scope, buckets.ambiguous), ...overlapFindings(scope, buckets.overlaps));
    zones.push({ zone: zone.name, rules: ruleset === null ? null : ruleset.rules.length, enabled: rules.length, urls: buckets.urlCount });
  }
  return { zones, findings: sortFindings(findings) };
}

/** What every finding about one zone shares. */
interface ZoneScope {
  readonly file: string;
  readonly zone: Zone;
  readonly locate: Locator;
  /** The severity of what drift cannot decide: an error with --strict. */
  readonly warn: Severity;
}

// ---- step 1: the rules themselves -------------------------------------------------------------

const EVALUATED = 'drift evaluates http.host, http.request.full_uri, uri, uri.path, uri.query, uri.path.extension and ssl with eq ne lt le gt ge contains matches in wildcard, starts_with ends_with lower len (other fields, functions and lists depend on the request); check the expression\'s syntax: URLs this rule may match are reported as depending on it';

/** What a key-setting rule makes drift unable to compare: an unreadable expression or key part, header.contains. */
function ruleFindings(scope: ZoneScope, rule: CacheRule): Finding[] {
  const { file, zone, warn } = scope;
  const common = { file, ...scope.locate.key(['zones', zone.name]), zone: zone.name, groups: [], rules: [ref(rule)] };
  const findings: Finding[] = [];
  if ('unreadable' in rule.expression) {
    const { line, col } = positionIn(rule.expressionText, rule.expression.offset);
    findings.push({
      kind: 'unreadable', severity: warn, ...common,
      message: `zones.${zone.name}: the expression of ${describeRule(rule)} is unreadable at ${line > 1 ? `line ${line}, ` : ''}character ${col}: ${rule.expression.unreadable}`,
      hint: EVALUATED,
    });
  }
  for (const problem of rule.keyProblems) {
    findings.push({ kind: 'cache_key_unreadable', severity: warn, ...common, message: `zones.${zone.name}: ${describeRule(rule)}: ${problem}; that part of its key is not compared` });
  }
  const contains = Object.keys(rule.cacheKey!.headerContains).sort(compare);
  if (contains.length > 0) {
    findings.push({
      kind: 'header_contains', severity: 'warning', ...common,
      message: `zones.${zone.name}: ${describeRule(rule)} keys on header${contains.length > 1 ? 's' : ''} ${contains.map(token).join(', ')} only when ${contains.length > 1 ? 'they contain' : 'it contains'} a listed substring (header.contains), which purge.yaml cannot declare yet; not compared`,
      hint: 'purge the variants by hand, or list the header under headers.include if the rule can key on its whole value',
    });
  }
  return findings;
}

// ---- step 2: every URL resolved, its differences collected in buckets --------------------------

/** One finding in the making: the groups and patterns it covers, and the first URL that showed it. */
interface Bucket {
  readonly groups: Set<string>;
  readonly url: string;
  readonly patterns: Set<string>;
  readonly group: Group;
}

type DriftBucket = Bucket & { readonly difference: DimensionDifference; readonly rule: CacheRule | null };
type AmbiguousBucket = Bucket & { readonly rule: CacheRule };
type OverlapBucket = Bucket & { readonly rules: readonly CacheRule[] };

interface Buckets {
  readonly drift: Map<string, DriftBucket>;
  readonly ambiguous: Map<string, AmbiguousBucket>;
  readonly overlaps: Map<string, OverlapBucket>;
  /** Groups whose URLs get different keys from different rules. */
  readonly splits: Finding[];
  urlCount: number;
}

interface PatternResolution {
  readonly index: number;
  readonly pattern: string;
  readonly resolutions: readonly { readonly url: string; readonly resolution: Resolution }[];
  /** The rules that give its URLs their key, by rule id ('' for the default key). */
  readonly effective: ReadonlyMap<string, CacheRule | null>;
}

// A routed group (docs/purge-yaml.md, "Routing by host") is keyed in a zone by its route: its own
// profile, else the zone's.
const keyNameIn = (group: Group, zone: Zone): string | null => (group.routes ? group.routes.get(zone.name)?.cacheKeyName ?? null : group.cacheKeyName);
const declaredKeyIn = (group: Group, zone: Zone): CacheKey => group.routes?.get(zone.name)?.cacheKey ?? group.cacheKey;

function collectBuckets(scope: ZoneScope, rules: readonly CacheRule[], groups: readonly Group[], zones: readonly Zone[]): Buckets {
  const buckets: Buckets = { drift: new Map(), ambiguous: new Map(), overlaps: new Map(), splits: [], urlCount: 0 };
  // A URL in several groups is resolved once.
  const resolved = new Map<string, Resolution>();
  for (const group of groups) {
    const patterns = plannedUrls(group, scope.zone, zones);
    if (patterns.every((p) => p.urls.length === 0) && group.zone !== scope.zone.name) continue;
    const perPattern = patterns.map(({ index, pattern, urls }) => resolvePattern(index, pattern, urls, rules, resolved));
    buckets.urlCount += perPattern.reduce((sum, p) => sum + p.resolutions.length, 0);
    const split = splitFinding(scope, group, perPattern);
    if (split !== null) buckets.splits.push(split);
    for (const p of perPattern) bucketPattern(buckets, scope.zone, group, p, split !== null);
  }
  return buckets;
}

function resolvePattern(index: number, pattern: string, urls: readonly string[], rules: readonly CacheRule[], resolved: Map<string, Resolution>): PatternResolution {
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
}

/** Keys the group's URLs get, by rule: more than one distinct key cannot be one profile. */
function splitFinding(scope: ZoneScope, group: Group, perPattern: readonly PatternResolution[]): Finding | null {
  const byRule = new Map<string, CacheRule | null>();
  for (const p of perPattern) for (const [id, rule] of p.effective) byRule.set(id, rule);
  const distinct: (CacheRule | null)[] = [];
  for (const rule of byRule.values()) if (!distinct.some((other) => sameKey(keyOf(other), keyOf(rule)))) distinct.push(rule);
  if (distinct.length <= 1) return null;
  const lines = perPattern.filter((p) => p.resolutions.length > 0).map((p) => `urls[${p.index}] ${p.pattern} → ${[...p.effective.values()].map((rule) => describeRule(rule)).join(' and ')}`);
  return {
    kind: 'split', severity: 'warning', file: scope.file, ...scope.locate.key(['groups', group.name]), zone: scope.zone.name, groups: [group.name],
    rules: [...byRule.values()].filter((r): r is CacheRule => r !== null).map(ref),
    message: `groups.${group.name}: its URLs get different cache keys from different rules (${lines.join('; ')}); one profile cannot match them all`,
    hint: 'split the group by URL pattern, one cache_key each (purgeplan import prints them); differences are reported per URL pattern',
    patterns: perPattern.map((p) => p.pattern),
  };
}

/** The bucket under `id`, made on first use, with `group` added to it. */
function bucketIn<B extends Bucket>(map: Map<string, B>, id: string, group: string, make: () => B): B {
  const bucket = map.get(id) ?? make();
  bucket.groups.add(group);
  map.set(id, bucket);
  return bucket;
}

/** Differences per profile, dimension and rule (per pattern too in a split group); undecided and overlapping rules. */
function bucketPattern(buckets: Buckets, zone: Zone, group: Group, p: PatternResolution, split: boolean): void {
  const profileKey = keyNameIn(group, zone) ?? `group ${group.name}`;
  const patternLabel = `groups.${group.name}.urls[${p.index}] ${p.pattern}`;
  const fresh = (url: string) => ({ groups: new Set<string>(), url, patterns: new Set<string>(), group });
  for (const { url, resolution } of p.resolutions) {
    const rule = resolution.effective;
    for (const difference of differences(declaredKeyIn(group, zone), keyOf(rule))) {
      const id = [profileKey, difference.dimension, rule?.id ?? '', difference.declared, difference.actual, split ? patternLabel : ''].join('\0');
      const bucket = bucketIn(buckets.drift, id, group.name, () => ({ ...fresh(url), difference, rule }));
      if (split) bucket.patterns.add(patternLabel);
    }
    for (const maybe of resolution.uncertain) {
      bucketIn(buckets.ambiguous, [maybe.id, profileKey].join('\0'), group.name, () => ({ ...fresh(url), rule: maybe }));
    }
    if (resolution.overlapping.length > 0 && rule) {
      const all = [...resolution.overlapping, rule];
      bucketIn(buckets.overlaps, all.map((r) => r.id).join('\0'), group.name, () => ({ ...fresh(url), rules: all }));
    }
  }
}

// ---- step 3: one finding per bucket -----------------------------------------------------------

/** Where a group's profile setting is (its `cache_keys` entry, the setting itself when written), else the group. */
function profilePosition(scope: ZoneScope, group: Group, path: readonly PathSegment[]) {
  const { locate } = scope;
  const name = keyNameIn(group, scope.zone);
  if (name === null) return locate.key(['groups', group.name]);
  const full = ['cache_keys', name, ...path];
  const written = full.every((segment, i) => locate.keys(full.slice(0, i)).includes(String(segment)));
  return locate.key(written ? full : ['cache_keys', name]);
}

/** "group a" or "groups a, b". */
function groupList(bucket: Bucket): { names: string[]; text: string } {
  const names = [...bucket.groups].sort(compare);
  return { names, text: `group${names.length > 1 ? 's' : ''} ${names.join(', ')}` };
}

function driftFindings(scope: ZoneScope, drift: ReadonlyMap<string, DriftBucket>): Finding[] {
  const { zone } = scope;
  return [...drift.values()].map((bucket): Finding => {
    const { difference, rule, group } = bucket;
    const groups = groupList(bucket);
    const profile = keyNameIn(group, zone);
    const subject = profile === null ? `groups.${group.name} (Cloudflare's default key: no cache_key)` : `cache_keys.${profile}`;
    const patterns = [...bucket.patterns].sort(compare);
    return {
      kind: 'drift', severity: 'error', file: scope.file, ...profilePosition(scope, group, difference.path), zone: zone.name, groups: groups.names, url: bucket.url,
      rules: rule ? [ref(rule)] : [], profile, dimension: difference.dimension, declared: difference.declared, actual: difference.actual,
      ...(patterns.length > 0 ? { patterns } : {}),
      message: `${subject}: ${difference.dimension} is ${difference.declared}, but ${describeRule(rule)} in zone ${zone.name} gives ${difference.actual} (${groups.text}${patterns.length > 0 ? `, ${patterns.join(', ')}` : ''}; e.g. ${bucket.url})`,
      hint: profile === null
        ? `give groups.${group.name} a cache_key profile with ${difference.fix} (purgeplan import prints one), or change the rule in the dashboard (Caching › Cache Rules)`
        : `set cache_keys.${profile}.${difference.fix}, or change the rule in the dashboard (Caching › Cache Rules)`,
    };
  });
}

function ambiguousFindings(scope: ZoneScope, ambiguous: ReadonlyMap<string, AmbiguousBucket>): Finding[] {
  const { zone } = scope;
  return [...ambiguous.values()].map((bucket): Finding => {
    const { rule, group } = bucket;
    const groups = groupList(bucket);
    const terms = 'unreadable' in rule.expression ? ['an unreadable expression'] : [...new Set(dependsOn(rule.expression))];
    return {
      kind: 'depends_on_request', severity: scope.warn, file: scope.file, ...profilePosition(scope, group, []), zone: zone.name, groups: groups.names, url: bucket.url,
      rules: [ref(rule)], profile: keyNameIn(group, zone),
      message: `${describeRule(rule)} in zone ${zone.name} may set another cache key for ${groups.text}: whether it matches depends on the request (${terms.join(', ')}), e.g. for ${bucket.url}`,
      hint: 'drift does not guess: check the rule, or narrow its expression to URL fields; --strict makes this an error',
    };
  });
}

function overlapFindings(scope: ZoneScope, overlaps: ReadonlyMap<string, OverlapBucket>): Finding[] {
  const { zone } = scope;
  return [...overlaps.values()].map((bucket): Finding => {
    const groups = groupList(bucket);
    const last = bucket.rules.at(-1)!;
    return {
      kind: 'overlap', severity: 'warning', file: scope.file, ...profilePosition(scope, bucket.group, []), zone: zone.name, groups: groups.names, url: bucket.url,
      rules: bucket.rules.map(ref), profile: keyNameIn(bucket.group, zone),
      message: `several Cache Rules in zone ${zone.name} match ${bucket.url} (${groups.text}) with different cache keys: ${bucket.rules.map((r) => describeRule(r)).join(', ')}; compared with the last, ${describeRule(last)}`,
      hint: 'Cloudflare does not document whether cache_key settings merge across rules; give the rules disjoint expressions',
    };
  });
}

function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.line - b.line || a.col - b.col || compare(a.message, b.message));
}
