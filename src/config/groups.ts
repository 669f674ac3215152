// The groups of purge.yaml (docs/purge-yaml.md, "groups.NAME"): each resolved pass by pass (its
// zone, cache key, vars, URL patterns, variants, hosts, prefixes and tags, counted before anything
// is expanded), then checked by the rules below, in order.
import type { Diagnostic } from '../diagnostics.js';
import { normalizeUrl } from '../expand/normalize.js';
import type { ParsedPattern } from '../expand/patterns.js';
import { variantCount, variantCountExact } from '../expand/variants.js';
import { count } from '../format.js';
import { didYouMean } from '../suggest.js';
import { groupEscalation } from './budget.js';
import { enterpriseFeatures } from './cache-key.js';
import { unknownProfile } from './checker.js';
import type { Checker } from './checker.js';
import { expandEntries } from './entries.js';
import type { Entries } from './entries.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';
import { PatternCount } from './pattern-count.js';
import { flag, record, strings, text } from './raw.js';
import type { Raw } from './raw.js';
import { zoneForHost } from './route.js';
import { DEFAULT_CACHE_KEY } from './types.js';
import type { CacheKey, Dimension, Group, GroupRoute, RouteProblem, UrlPattern, Zone } from './types.js';
import { normalizeHost, normalizePrefix, normalizeTag } from './values.js';
import type { Checked } from './values.js';
import { checkGroupProvider } from './providers.js';
import { resolveDimensions } from './variants.js';
import { checkSource, sourceZone } from './sources.js';
import { readVars } from './vars.js';
import type { Vars } from './vars.js';
import { actionOf } from './zones.js';

/** A group past this many items gets a warning: most likely a range or a value list larger than meant. */
const GROUP_ITEMS_WARNING = 100_000;

/** A list key that asks for something: present and not `[]` (a wrong type was reported by the schema). */
const given = (value: unknown): boolean => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

/** What every group of the file is checked against. */
interface FileScope {
  readonly zones: readonly Zone[];
  readonly zoneByName: ReadonlyMap<string, Zone>;
  /** Zones that take routed items: those with a name (docs/purge-yaml.md, "Routing by host"). */
  readonly routable: readonly Zone[];
  readonly profiles: ReadonlyMap<string, CacheKey>;
  /** `zone/profile` pairs already warned about Enterprise-only features (once each). */
  readonly enterpriseWarned: Set<string>;
}

/** One group entry. */
interface GroupInput {
  readonly name: string;
  readonly raw: Raw;
  readonly path: readonly PathSegment[];
}

/**
 * The groups, in file order, and the error for a plan past `maxItems` (counted before anything
 * is expanded, so that a huge range meets the limit instead of being built).
 */
export function checkGroups(c: Checker, zones: readonly Zone[], profiles: ReadonlyMap<string, CacheKey>, maxItems: number): Group[] {
  const scope: FileScope = { zones, zoneByName: new Map(zones.map((zone) => [zone.name, zone])), routable: zones.filter((z) => z.zoneName !== null), profiles, enterpriseWarned: new Set() };
  const raws = record(c.loaded.value.groups) ?? {};
  const groups: Group[] = [];
  let totalItems = 0;
  let totalExact = 0n; // the same, exactly, for messages: a double would print 1e+21
  for (const name of c.loaded.locate.keys(['groups'])) {
    const raw = record(raws[name]);
    if (!raw) continue; // not a mapping (an empty group included): reported by the schema
    const checked = checkGroup(c, scope, { name, raw, path: ['groups', name] }, maxItems - totalItems);
    totalItems += checked.items;
    totalExact += checked.itemsExact;
    groups.push(checked.group);
  }
  if (totalExact > BigInt(maxItems)) {
    c.error(['groups'], 'key', `groups: the plan would expand to ${count(totalExact)} purge items, more than --max-items ${count(maxItems)}`, 'purge by prefixes or tags, split the groups, or raise --max-items if you really mean it');
  }
  return groups;
}

/** A group as the rules see it once every pass has run. */
interface GroupFacts extends GroupInput {
  readonly zone: Zone | undefined;
  /** Without a zone in a file of several zones: routed by host. */
  readonly routed: boolean;
  readonly vars: Vars;
  /** Variables some pattern uses. */
  readonly usedVars: ReadonlySet<string>;
  /** Some pattern is invalid: which variables it would have used is unknown. */
  readonly unparsed: boolean;
  readonly hosts: Entries;
  readonly prefixes: Entries;
  readonly tags: Entries;
  readonly everything: boolean;
  readonly size: UrlSize;
  /** Every item of the group, counted exactly. */
  readonly itemsExact: bigint;
}

type GroupRule = (c: Checker, scope: FileScope, group: GroupFacts) => void;

/** `budget`: how many more items the plan may have before this group. */
function checkGroup(c: Checker, scope: FileScope, input: GroupInput, budget: number): { group: Group; items: number; itemsExact: bigint } {
  const { name, raw, path } = input;
  const placed = sourceZone(c, scope.zones, name, raw, path);
  const { zone, routed } = placed ? { zone: placed.zone, routed: false } : groupZone(c, scope, input);
  const key = groupKey(c, scope, input, zone);
  const vars = readVars(c, path, raw);
  const urls = urlPatterns(c, input, vars);
  const routes = routed ? new Map(scope.routable.map((inZone): [string, GroupRoute] => [inZone.name, routeOf(c, scope, input, key.ownKey, inZone)])) : null;
  // A Fastly or CloudFront zone purges every variant of a URL: no dimensions (config/providers.ts).
  const dimensions = routes || (zone && zone.provider !== 'cloudflare') ? [] : keyedDimensions(c, input, key.keyName, key.cacheKey, { error: c.error, warning: c.warning });
  const size = urlSize(scope, zone, routes, dimensions, urls);
  const { hosts, prefixes, tags } = entryLists(c, input, vars, budget - size.items, zone?.provider === 'fastly');
  const everything = flag(raw.everything);
  const items = size.items + hosts.counted + prefixes.counted + tags.counted + (everything ? 1 : 0);
  const itemsExact = size.itemsExact + hosts.countedExact + prefixes.countedExact + tags.countedExact + (everything ? 1n : 0n);
  const source = checkSource(c, name, raw, path, zone);
  const usedVars = new Set([...urls.count.usedVars, ...hosts.usedVars, ...prefixes.usedVars, ...tags.usedVars]);
  const unparsed = urls.count.unparsed || hosts.unparsed || prefixes.unparsed || tags.unparsed;
  const facts: GroupFacts = { ...input, zone, routed, vars, usedVars, unparsed, hosts, prefixes, tags, everything, size, itemsExact };
  for (const rule of GROUP_RULES) rule(c, scope, facts);
  const group: Group = {
    name, description: text(raw.description) ?? null, zone: zone?.name ?? '', routes, cacheKeyName: routes ? key.ownKey ?? null : key.keyName, cacheKey: key.cacheKey,
    urls: urls.urls, vars: vars.vars, dimensions, hosts: hosts.values, prefixes: prefixes.values, tags: tags.values, everything,
    action: actionOf(raw.action) ?? zone?.action ?? 'purge', revision: typeof raw.revision === 'number' ? raw.revision : 0, watch: strings(raw.watch), source, position: c.loaded.locate.key(path),
    ...groupEscalation(c, { name, raw, path, zone, routed, vars, zones: scope.zones, maxValues: Math.max(0, budget - items) }),
  };
  return { group, items, itemsExact };
}

/** The group's zone; a group without zone in a file of several zones is routed by host (docs/purge-yaml.md, "Routing by host"). */
function groupZone(c: Checker, { zones, zoneByName, routable }: FileScope, { name, raw, path }: GroupInput): { zone: Zone | undefined; routed: boolean } {
  const zoneRef = text(raw.zone);
  if (zoneRef !== undefined) {
    const zone = zoneByName.get(zoneRef);
    if (!zone) c.error([...path, 'zone'], 'value', `groups.${name}.zone: unknown zone "${zoneRef}"${didYouMean(zoneRef, zoneByName.keys())}`, zones.length ? `zones: ${zones.map((z) => z.name).join(', ')}` : 'define it under zones');
    return { zone, routed: false };
  }
  if (zones.length === 1) return { zone: zones[0], routed: false };
  if (raw.zone === undefined && routable.length > 0) return { zone: undefined, routed: true };
  if (raw.zone === undefined) c.error(path, 'value', `groups.${name}: missing key "zone"`, zones.length ? `there are ${zones.length} zones (${zones.map((z) => z.name).join(', ')}), none with a name to route items by host: say which one this group purges` : 'define a zone under zones first');
  return { zone: undefined, routed: false };
}

interface GroupKey {
  /** The group's own `cache_key`, if it names one. */
  readonly ownKey: string | undefined;
  /** The profile it is expanded with: its own, else its zone's; null for Cloudflare's default key. */
  readonly keyName: string | null;
  readonly cacheKey: CacheKey;
}

const profileOf = (scope: FileScope, name: string | null): CacheKey => (name !== null ? scope.profiles.get(name) : undefined) ?? DEFAULT_CACHE_KEY;

function groupKey(c: Checker, scope: FileScope, input: GroupInput, zone: Zone | undefined): GroupKey {
  const ownKey = text(input.raw.cache_key);
  if (ownKey !== undefined && !scope.profiles.has(ownKey)) unknownProfile(c, [...input.path, 'cache_key'], ownKey, scope.profiles);
  // A Fastly or CloudFront zone has no cache key to declare (a warning says why: config/providers.ts).
  const keyName = zone && zone.provider !== 'cloudflare' ? null : ownKey !== undefined ? ownKey : zone?.cacheKey ?? null;
  const cacheKey = profileOf(scope, keyName);
  if (zone) enterpriseWarning(scope, input, ownKey, zone, keyName, cacheKey, c.warning, scope.enterpriseWarned);
  return { ownKey, keyName, cacheKey };
}

/** The key's Enterprise-only features on a zone of another plan (a warning, once per zone and key when `once` is given). */
function enterpriseWarning(scope: FileScope, { path }: GroupInput, ownKey: string | undefined, inZone: Zone, name: string | null, key: CacheKey, warn: Report, once: Set<string> | null): void {
  if (name === null || !scope.profiles.has(name) || inZone.plan === 'enterprise' || once?.has(`${inZone.name}/${name}`)) return;
  const features = enterpriseFeatures(key);
  if (!features.length) return;
  once?.add(`${inZone.name}/${name}`);
  const at = ownKey !== undefined ? [...path, 'cache_key'] : ['zones', inZone.name, 'cache_key'];
  warn(at, 'value',
    `${displayPath(at)}: cache key "${name}" uses ${features.join(', ')}, which Cloudflare offers on Enterprise only, but zone "${inZone.name}" is on the ${inZone.plan} plan`,
    'if the zone really is Enterprise, set plan: enterprise; otherwise its cache key cannot vary this way and these variants purge nothing');
}

/** The rules that tie a group's URLs and variants to a cache key (docs/purge-yaml.md, "Variants"). */
function keyedDimensions(c: Checker, { name, raw, path }: GroupInput, profile: string | null, key: CacheKey, report: { error: Report; warning: Report; notInKey?: Report }): Dimension[] {
  const urlKey = Array.isArray(raw.urls) && raw.urls.length > 0 ? 'urls' : raw.build !== undefined ? 'build' : raw.sitemap !== undefined ? 'sitemap' : undefined;
  if (key.hostResolved && urlKey !== undefined) {
    report.error([...path, urlKey], 'key', `groups.${name} purges URLs, but cache key "${profile}" uses the resolved host (host.resolved: true)`, 'a URL purge cannot match a key built on a host rewritten by an Origin Rule: purge the rewritten host with hosts: [...] instead');
  }
  return resolveDimensions(key, profile, raw.variants, path, report, { purgesUrls: given(raw.urls) || raw.build !== undefined || raw.sitemap !== undefined, textOf: c.textOf });
}

/**
 * A routed group is expanded with each zone's key (or its own, in every zone); what those keys
 * say about its variants is kept with the route and reported for the zones its items go to
 * (src/expand/group.ts).
 */
function routeOf(c: Checker, scope: FileScope, input: GroupInput, ownKey: string | undefined, inZone: Zone): GroupRoute {
  if (inZone.provider !== 'cloudflare') return { zone: inZone.name, cacheKeyName: null, cacheKey: DEFAULT_CACHE_KEY, dimensions: [], action: actionOf(input.raw.action) ?? inZone.action, problems: [] };
  const keyName = ownKey !== undefined ? ownKey : inZone.cacheKey;
  const key = profileOf(scope, keyName);
  const problems: RouteProblem[] = [];
  const where = ` (for the items routed to zone "${inZone.name}")`;
  const collect = (severity: 'error' | 'warning', notInKey?: boolean): Report => (at, side, message, hint) => {
    const { line, col } = c.position(at, side);
    const diagnostic: Diagnostic = { file: c.loaded.file, line, col, severity, message: message + where, hint };
    problems.push({ diagnostic, ...(notInKey ? { notInKey: displayPath(at) } : {}) });
  };
  enterpriseWarning(scope, input, ownKey, inZone, keyName, key, collect('warning'), null);
  const dimensions = keyedDimensions(c, input, keyName, key, { error: collect('error'), warning: collect('warning'), notInKey: collect('error', true) });
  return { zone: inZone.name, cacheKeyName: keyName, cacheKey: key, dimensions, action: actionOf(input.raw.action) ?? inZone.action, problems };
}

interface UrlPatterns {
  readonly urls: UrlPattern[];
  /** What the patterns count to, and the variables they use. */
  readonly count: PatternCount;
}

/** The group's URL patterns, each parsed once with the group's vars. */
function urlPatterns(c: Checker, { raw, path }: GroupInput, { vars, brokenVars }: Vars): UrlPatterns {
  const urls: UrlPattern[] = [];
  const count = new PatternCount();
  const rawUrls = Array.isArray(raw.urls) ? raw.urls : [];
  rawUrls.forEach((pattern, i) => {
    if (typeof pattern !== 'string') return;
    const urlPath = [...path, 'urls', i];
    const parsed = count.parse(pattern, vars, urlPath, c.error);
    if (parsed === undefined) return;
    urls.push({ pattern, parsed, index: i, position: c.loaded.locate.value(urlPath) });
    if (pattern !== '' && !parsed.vars.some((v) => brokenVars.has(v))) firstUrlProblem(c, urlPath, pattern, parsed); // '' is reported by the schema
  });
  return { urls, count };
}

/**
 * Expansion runs only on a valid file, so a URL that cannot be parsed at all is found here from
 * its first expansion, to be reported with the other problems of the file.
 */
function firstUrlProblem(c: Checker, urlPath: readonly PathSegment[], pattern: string, parsed: ParsedPattern): void {
  const sample = firstExpansion(parsed);
  const url = normalizeUrl(sample, DEFAULT_CACHE_KEY, null);
  if ('problem' in url) c.error(urlPath, 'value', `${displayPath(urlPath)}: ${url.problem}${sample === pattern ? '' : ` (expanded from "${pattern}")`}`, url.hint);
}

/** The first string a pattern expands to (each placeholder at its first value). */
function firstExpansion(pattern: ParsedPattern): string {
  return pattern.segments.map((segment) => (segment.kind === 'text' ? segment.text : (segment.values.length ? segment.values.at(0) : ''))).join('');
}

interface UrlSize {
  readonly urlsExact: bigint;
  readonly schemes: number;
  readonly variantsExact: bigint;
  /** URLs x schemes x variants. */
  readonly items: number;
  readonly itemsExact: bigint;
}

/**
 * Size of the URLs, from the product of the dimensions: nothing is expanded yet. A routed group
 * is counted as if every URL went to its largest zone.
 */
function urlSize(scope: FileScope, zone: Zone | undefined, routes: ReadonlyMap<string, GroupRoute> | null, dimensions: readonly Dimension[], urls: UrlPatterns): UrlSize {
  const lists = routes ? [...routes.values()].map((r) => r.dimensions) : [dimensions];
  const variants = Math.max(...lists.map(variantCount));
  const variantsExact = lists.map(variantCountExact).reduce((a, b) => (b > a ? b : a));
  const schemes = routes ? Math.max(...scope.routable.map((z) => z.schemes?.length ?? 1)) : zone?.schemes?.length ?? 1;
  return { urlsExact: urls.count.countedExact, schemes, variantsExact, items: urls.count.counted * schemes * variants, itemsExact: urls.count.countedExact * BigInt(schemes) * variantsExact };
}

/**
 * Hosts, prefixes and tags, patterns too (docs/purge-yaml.md, "Patterns in hosts, prefixes and
 * tags"), each list within what is left of `budget`. An empty host or prefix is reported by the
 * schema (minLength); an empty tag is not.
 */
function entryLists(c: Checker, { raw, path }: GroupInput, { vars, brokenVars }: Vars, budget: number, tagsAsWritten: boolean): { hosts: Entries; prefixes: Entries; tags: Entries } {
  let left = budget;
  const entries = (key: 'hosts' | 'prefixes' | 'tags', normalize: (value: string) => Checked) => {
    const found = expandEntries(raw[key], [...path, key], normalize, c.error, { vars, brokenVars, budget: left, skipEmpty: key !== 'tags', textOf: c.textOf });
    left -= found.counted;
    return found;
  };
  const hosts = entries('hosts', normalizeHost);
  const prefixes = entries('prefixes', normalizePrefix);
  // Fastly's surrogate keys are case-sensitive: kept as written (docs/providers.md).
  const tag = tagsAsWritten ? (value: string): Checked => { const checked = normalizeTag(value); return 'problem' in checked ? checked : { value }; } : normalizeTag;
  return { hosts, prefixes, tags: entries('tags', tag) };
}

const unusedVars: GroupRule = (c, _scope, { raw, path, vars, usedVars, unparsed }) => {
  const otherPatterns = [raw.hosts, raw.prefixes, raw.tags].some((list) => Array.isArray(list) && list.length > 0);
  const patternKinds = otherPatterns ? 'URL, host, prefix or tag' : 'URL';
  const urls = Array.isArray(raw.urls) && raw.urls.length > 0;
  for (const varName of vars.vars.keys()) {
    if (!usedVars.has(varName) && !unparsed && (urls || otherPatterns)) c.warning([...path, 'vars', varName], 'key', `${displayPath([...path, 'vars', varName])} is not used by any ${patternKinds} pattern`, `use it as {${varName}} in a ${patternKinds}, or remove it`);
  }
};

/** Tags and everything belong to no host: a routed group cannot send them anywhere. */
const routedWithoutHost: GroupRule = (c, { zones }, { name, raw, path, routed, everything }) => {
  if (!routed) return;
  for (const key of ['tags', 'everything'] as const) {
    if (key === 'tags' ? given(raw.tags) : everything) c.error([...path, key], 'key', `groups.${name}.${key}: a group without zone is routed by host, and ${key === 'tags' ? 'tags have' : 'purge everything has'} no host`, `give the group a zone (${zones.map((z) => z.name).join(', ')}), or move ${key === 'tags' ? 'the tags' : 'everything: true'} to a group that has one`);
  }
};

/** Each value of a routed group's hosts or prefixes must fall in a zone: an error at its entry naming the host. */
const routedInZones: GroupRule = (c, { zones, routable }, { path, routed, hosts, prefixes }) => {
  if (!routed) return;
  const routableText = routable.map((z) => `${z.name} (${z.zoneName})`).join(', ');
  const check = (found: Entries, key: 'hosts' | 'prefixes', hostOf: (value: string) => string) => {
    const reported = new Set<number>();
    for (const value of found.values) {
      const host = hostOf(value);
      const entry = found.entryOf.get(value)!;
      if (zoneForHost(zones, host) !== undefined || reported.has(entry)) continue;
      reported.add(entry);
      const at = [...path, key, entry];
      c.error(at, 'value', `${displayPath(at)}: host "${host}" is in no zone: a group without zone sends each item to the zone whose name is its host or a parent domain of it`, `zones by name: ${routableText}; or give the group a zone`);
    }
  };
  check(hosts, 'hosts', (host) => host);
  check(prefixes, 'prefixes', (prefix) => prefix.split('/')[0]!);
};

const everythingAllowed: GroupRule = (c, _scope, { name, path, zone, everything }) => {
  if (everything && zone && !zone.allowPurgeEverything) {
    c.error([...path, 'everything'], 'key', `groups.${name}.everything: purging everything needs allow_purge_everything: true on zone "${zone.name}"`, 'purge hosts, prefixes or tags instead, or opt in on the zone if you really mean to empty its whole cache');
  }
};

const purgesSomething: GroupRule = (c, _scope, { name, raw, path }) => {
  if (!given(raw.urls) && raw.build === undefined && raw.sitemap === undefined && !given(raw.hosts) && !given(raw.prefixes) && !given(raw.tags) && (raw.everything === undefined || raw.everything === false)) {
    c.error(path, 'key', `${displayPath(path)}: group "${name}" purges nothing`, 'give it urls, build, sitemap, hosts, prefixes, tags or everything: true');
  }
};

/** Size, counted before expansion; the warning names where the items come from. */
const notTooLarge: GroupRule = (c, _scope, { name, path, size, hosts, prefixes, tags, itemsExact }) => {
  if (itemsExact <= BigInt(GROUP_ITEMS_WARNING)) return;
  const plural = (n: bigint | number, word: string) => `${count(n)} ${word}${n === 1n || n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (size.itemsExact > 0n) parts.push(`${plural(size.urlsExact, 'URL')} × ${plural(size.schemes, 'scheme')} × ${plural(size.variantsExact, 'header variant')}`);
  for (const [kind, list] of [['host', hosts], ['prefix', prefixes], ['tag', tags]] as const) {
    if (list.countedExact > 0n) parts.push(kind === 'prefix' ? `${count(list.countedExact)} prefix${list.countedExact === 1n ? '' : 'es'}` : plural(list.countedExact, kind));
  }
  const hint = size.itemsExact * 2n > itemsExact
    ? 'consider purging by tags or prefixes, which cover every variant in one item'
    : 'check the ranges and value lists of its host, prefix and tag patterns';
  c.warning(path, 'key', `${displayPath(path)}: group "${name}" expands to ${count(itemsExact)} items, more than ${count(GROUP_ITEMS_WARNING)} (${parts.join(' + ')})`, hint);
};

/** What the group's zone's provider cannot purge, or ignores (config/providers.ts). */
const providerLimits: GroupRule = (c, { zones }, group) => checkGroupProvider(c, group, (host) => zoneForHost(zones, host));

const GROUP_RULES: readonly GroupRule[] = [unusedVars, routedWithoutHost, routedInZones, everythingAllowed, purgesSomething, notTooLarge, providerLimits];
