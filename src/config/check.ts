// Stage 2b: the semantic rules of spec §3 that a schema cannot express, and resolution of the
// file into a Config (defaults applied, names resolved, vars files read). Every problem is
// collected; values of the wrong type were reported by the schema and are skipped here.
import { createHash } from 'node:crypto';
import { DEFAULT_TOKEN_ENV, PLAN_TIERS, TIER_LIMITS } from '../cloudflare/limits.js';
import type { PlanTier } from '../cloudflare/limits.js';
import type { Diagnostic } from '../diagnostics.js';
import { didYouMean } from '../suggest.js';
import { normalizeUrl } from '../expand/normalize.js';
import { countPattern, countPatternExact, parsePattern } from '../expand/patterns.js';
import type { ParsedPattern } from '../expand/patterns.js';
import { posix, sep } from 'node:path';
import { containedPath, parseValuesFile } from './files.js';
import type { SourceReader } from './files.js';
import type { LoadedConfig } from './load.js';
import type { PathSegment } from './path.js';
import { displayPath } from './path.js';
import { normalizeHost, normalizePrefix, normalizeTag, substitutionProblem } from './values.js';
import type { Checked } from './values.js';
import { expandEntries } from './entries.js';
import { cloudflareTokenEnvProblem, isVariableName } from './token-env.js';
import { resolveDimensions } from './variants.js';
import { enterpriseFeatures, resolveCacheKey } from './cache-key.js';
import { DEFAULT_CACHE_KEY } from './types.js';
import type { CacheKey, Config, Group, GroupRoute, RouteProblem, Scheme, UrlPattern, Zone } from './types.js';
import type { Action } from '../plan/types.js';
import { zoneForHost } from './route.js';
import type { Entries } from './entries.js';
import { count } from '../format.js';

export interface CheckOptions {
  readonly maxItems: number;
}

/** A group past this many items gets a warning (spec §3). */
export const GROUP_ITEMS_WARNING = 100_000;

type Raw = Record<string, unknown>;
const record = (value: unknown): Raw | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String) : []);
type Report = (path: readonly PathSegment[], at: 'key' | 'value', message: string, hint?: string) => void;
const SUBSTITUTION_HINT = 'a value is put into the URL as it is: remove the character, or percent-encode it (%20 for a space, %23 for #)';

/** A vars file as messages name it: beside the configuration, as the user wrote its path. */
function varsFileDisplay(configFile: string, file: string): string {
  const contained = containedPath(file);
  const relativePath = 'path' in contained ? contained.path : file;
  const dir = posix.dirname(configFile.split(sep).join('/'));
  return dir === '.' ? relativePath : `${dir}/${relativePath}`;
}
const flag = (value: unknown): boolean => value === true;
/** `action: purge | invalidate` (§7.3); anything else was reported by the schema. */
const actionOf = (value: unknown): Action | undefined => (value === 'purge' || value === 'invalidate' ? value : undefined);
/** A list key that asks for something: present and not `[]` (a wrong type was reported by the schema). */
const given = (value: unknown): boolean => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

export function checkConfig(loaded: LoadedConfig, reader: SourceReader, options: CheckOptions): { config: Config; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: 'error' | 'warning') => (path: readonly PathSegment[], at: 'key' | 'value', message: string, hint?: string) => {
    const { line, col } = at === 'key' ? loaded.locate.key(path) : loaded.locate.value(path);
    diagnostics.push({ file: loaded.file, line, col, severity, message, hint });
  };
  const error = report('error');
  const warning = report('warning');
  const root = loaded.value;
  const inputs = createHash('sha256').update(loaded.digest);
  /** A string, or a number as typed in the file (`007` stays 007: spec §6a); undefined for other types. */
  const scalarText = (value: unknown, path: readonly PathSegment[]): string | undefined =>
    typeof value === 'string' ? value : typeof value === 'number' ? loaded.locate.text(path) ?? String(value) : undefined;

  // Cache key profiles.
  const rawProfiles = record(root.cache_keys) ?? {};
  const profiles = new Map<string, CacheKey>();
  for (const name of loaded.locate.keys(['cache_keys'])) {
    const raw = record(rawProfiles[name]);
    if (!raw) continue;
    profiles.set(name, resolveCacheKey(raw, ['cache_keys', name], error, warning));
  }

  // Zones.
  const rawZones = record(root.zones) ?? {};
  const zones: Zone[] = [];
  // Two entries for one Cloudflare zone: one's purges would go to the other's id, and routed items
  // would all go to the first (docs/purge-yaml.md, "zones"). Ids are hex, names domains: any case.
  const firstById = new Map<string, string>();
  const firstByName = new Map<string, string>();
  const once = (seen: Map<string, string>, key: string | undefined, zone: string): string | undefined => {
    if (key === undefined) return undefined;
    const first = seen.get(key.toLowerCase());
    if (first === undefined) seen.set(key.toLowerCase(), zone);
    return first;
  };
  for (const name of loaded.locate.keys(['zones'])) {
    const raw = record(rawZones[name]);
    if (!raw) continue;
    const path = ['zones', name];
    const id = text(raw.id) ?? null;
    const zoneName = text(raw.name)?.toLowerCase() ?? null;
    const idText = scalarText(raw.id, [...path, 'id']);
    const sameId = once(firstById, idText, name);
    if (sameId !== undefined) error([...path, 'id'], 'value', `zones.${name}.id: "${idText}" is already the id of zone "${sameId}" (zones.${sameId}.id): both would purge the same Cloudflare zone`, 'copy this zone\'s own id from the Cloudflare dashboard (zone Overview, API section), or merge the two entries');
    const sameName = once(firstByName, text(raw.name), name);
    if (sameName !== undefined) error([...path, 'name'], 'value', `zones.${name}.name: "${text(raw.name)}" is already the name of zone "${sameName}" (zones.${sameName}.name, compared in any case): both would be the same Cloudflare zone, and items routed by host would all go to zone "${sameName}"`, 'give each zone its own domain, or merge the two entries');
    if (raw.id === undefined && raw.name === undefined) error(path, 'value', `zones.${name}: give "id" (the 32-hex zone id) or "name" (looked up at apply)`, 'the zone id is on the zone Overview page of the Cloudflare dashboard');
    // A value that is no variable name at all was reported by the schema, without quoting it.
    if (typeof raw.token_env === 'string' && isVariableName(raw.token_env)) {
      const problem = cloudflareTokenEnvProblem(raw.token_env, `zones.${name}.token_env`);
      if (problem) report(problem.severity)([...path, 'token_env'], 'value', problem.message, problem.hint);
    }
    const plan: PlanTier = (PLAN_TIERS as readonly string[]).includes(String(raw.plan)) ? (raw.plan as PlanTier) : 'free';
    const cacheKey = text(raw.cache_key) ?? null;
    if (cacheKey !== null && !profiles.has(cacheKey)) error([...path, 'cache_key'], 'value', `zones.${name}.cache_key: unknown cache key profile "${cacheKey}"${didYouMean(cacheKey, profiles.keys())}`, profiles.size ? `profiles: ${[...profiles.keys()].join(', ')}` : 'define it under cache_keys');
    const limits = TIER_LIMITS[plan];
    const rawLimits = record(raw.limits) ?? {};
    // A limit that is not a whole number (1.5, 1e400) was reported by the schema: the default stands.
    const limitOf = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) ? value : fallback);
    const filesPerRequest = limitOf(rawLimits.files_per_request, limits.filesPerRequest);
    const itemsPerRequest = limitOf(rawLimits.items_per_request, limits.itemsPerRequest);
    // Quoted as typed: 9007199254740993 is not re-printed as the double it reads as (spec §6a).
    const typed = (key: string, value: number) => scalarText(value, [...path, 'limits', key]) ?? String(value);
    if (filesPerRequest > limits.maxFilesPerRequest) error([...path, 'limits', 'files_per_request'], 'value', `zones.${name}.limits.files_per_request: ${typed('files_per_request', filesPerRequest)} is above Cloudflare's maximum of ${limits.maxFilesPerRequest} URLs per request on the ${plan} plan`, `use at most ${limits.maxFilesPerRequest}`);
    if (itemsPerRequest > limits.maxItemsPerRequest) error([...path, 'limits', 'items_per_request'], 'value', `zones.${name}.limits.items_per_request: ${typed('items_per_request', itemsPerRequest)} is above Cloudflare's maximum of ${limits.maxItemsPerRequest} hosts, prefixes or tags per request`, `use at most ${limits.maxItemsPerRequest}`);
    const schemes = Array.isArray(raw.schemes) ? (strings(raw.schemes).filter((s) => s === 'http' || s === 'https') as Scheme[]) : null;
    zones.push({
      name, id, zoneName, accountId: text(raw.account_id) ?? null, plan, tokenEnv: text(raw.token_env) ?? DEFAULT_TOKEN_ENV, cacheKey,
      schemes: schemes && schemes.length ? schemes : null, allowPurgeEverything: flag(raw.allow_purge_everything), action: actionOf(raw.action) ?? 'purge',
      filesPerRequest: Math.min(filesPerRequest, limits.maxFilesPerRequest), itemsPerRequest: Math.min(itemsPerRequest, limits.maxItemsPerRequest),
    });
  }
  const zoneByName = new Map(zones.map((zone) => [zone.name, zone]));

  // Groups.
  const rawGroups = record(root.groups) ?? {};
  const groups: Group[] = [];
  const enterpriseWarned = new Set<string>();
  let totalItems = 0;
  let totalExact = 0n; // the same, exactly, for messages: a double would print 1e+21
  // Zones that take routed items: those with a name (spec §7.2).
  const routable = zones.filter((z) => z.zoneName !== null);
  const routableText = routable.map((z) => `${z.name} (${z.zoneName})`).join(', ');
  for (const name of loaded.locate.keys(['groups'])) {
    const raw = record(rawGroups[name]);
    const path = ['groups', name];
    if (!raw) continue; // not a mapping (an empty group included): reported by the schema
    // Zone.
    let zone: Zone | undefined;
    // A group without zone in a file of several zones is routed by host (spec §7.2).
    let routed = false;
    const zoneRef = text(raw.zone);
    if (zoneRef === undefined) {
      if (zones.length === 1) zone = zones[0];
      else if (raw.zone === undefined && routable.length > 0) routed = true;
      else if (raw.zone === undefined) error(path, 'value', `groups.${name}: missing key "zone"`, zones.length ? `there are ${zones.length} zones (${zones.map((z) => z.name).join(', ')}), none with a name to route items by host: say which one this group purges` : 'define a zone under zones first');
    } else {
      zone = zoneByName.get(zoneRef);
      if (!zone) error([...path, 'zone'], 'value', `groups.${name}.zone: unknown zone "${zoneRef}"${didYouMean(zoneRef, zoneByName.keys())}`, zones.length ? `zones: ${zones.map((z) => z.name).join(', ')}` : 'define it under zones');
    }
    // Cache key.
    const ownKey = text(raw.cache_key);
    if (ownKey !== undefined && !profiles.has(ownKey)) error([...path, 'cache_key'], 'value', `groups.${name}.cache_key: unknown cache key profile "${ownKey}"${didYouMean(ownKey, profiles.keys())}`, profiles.size ? `profiles: ${[...profiles.keys()].join(', ')}` : 'define it under cache_keys');
    const keyName = ownKey !== undefined ? ownKey : zone?.cacheKey ?? null;
    const cacheKey = (keyName !== null ? profiles.get(keyName) : undefined) ?? DEFAULT_CACHE_KEY;
    /** The key's Enterprise-only features on a zone of another plan (a warning, once per zone and key). */
    const checkPlan = (inZone: Zone, name: string | null, key: CacheKey, warn: Report, once: Set<string> | null) => {
      if (name === null || !profiles.has(name) || inZone.plan === 'enterprise' || once?.has(`${inZone.name}/${name}`)) return;
      const features = enterpriseFeatures(key);
      if (!features.length) return;
      once?.add(`${inZone.name}/${name}`);
      const at = ownKey !== undefined ? [...path, 'cache_key'] : ['zones', inZone.name, 'cache_key'];
      warn(at, 'value',
        `${displayPath(at)}: cache key "${name}" uses ${features.join(', ')}, which Cloudflare offers on Enterprise only, but zone "${inZone.name}" is on the ${inZone.plan} plan`,
        'if the zone really is Enterprise, set plan: enterprise; otherwise its cache key cannot vary this way and these variants purge nothing');
    };
    if (zone) checkPlan(zone, keyName, cacheKey, warning, enterpriseWarned);

    // Vars. One that could not be read still counts as defined (with a stand-in value), so that
    // its problem is reported once, not again as an unknown variable in every URL using it.
    const vars = new Map<string, string[]>();
    const brokenVars = new Set<string>();
    const rawVars = record(raw.vars) ?? {};
    for (const varName of loaded.locate.keys([...path, 'vars'])) {
      const value = rawVars[varName];
      const varPath = [...path, 'vars', varName];
      if (Array.isArray(value)) {
        const values: string[] = [];
        value.forEach((item, i) => {
          const itemText = scalarText(item, [...varPath, i]);
          if (itemText === undefined) return; // the wrong type was reported by the schema
          const problem = substitutionProblem(itemText);
          if (problem) { error([...varPath, i], 'value', `${displayPath([...varPath, i])}: ${problem}`, SUBSTITUTION_HINT); brokenVars.add(varName); return; }
          values.push(itemText);
        });
        vars.set(varName, [...new Set(values)]);
        if (value.length === 0) { error(varPath, 'value', `${displayPath(varPath)} is empty: the URL patterns using it would expand to nothing`, 'give at least one value'); brokenVars.add(varName); }
      } else if (record(value) && typeof record(value)?.file === 'string') {
        const file = String(record(value)?.file);
        if (file === '') { brokenVars.add(varName); continue; } // reported by the schema (minLength)
        const result = reader.read(file);
        if ('problem' in result) { error([...varPath, 'file'], 'value', `${displayPath([...varPath, 'file'])}: ${result.problem}`, result.hint); brokenVars.add(varName); continue; }
        inputs.update(`\0${file}\0`).update(result.bytes);
        const parsed = parseValuesFile(result.bytes);
        if ('problem' in parsed) { error([...varPath, 'file'], 'value', `${displayPath([...varPath, 'file'])}: "${file}" ${parsed.problem}`, parsed.hint); brokenVars.add(varName); continue; }
        if (parsed.values.length === 0) { error([...varPath, 'file'], 'value', `${displayPath([...varPath, 'file'])}: "${file}" has no values`, 'one value a line; # at the start of a line or after a space starts a comment'); brokenVars.add(varName); continue; }
        // A bad line is reported in the vars file itself, at the line and column of the value.
        const shownFile = varsFileDisplay(loaded.file, file);
        for (const entry of parsed.values) {
          const problem = substitutionProblem(entry.value);
          if (!problem) continue;
          diagnostics.push({ file: shownFile, line: entry.line, col: entry.col, severity: 'error', message: `value ${problem} (a value of ${displayPath(varPath)})`, hint: 'one value a line; # at the start of a line or after a space starts a comment' });
          brokenVars.add(varName);
        }
        vars.set(varName, [...new Set(parsed.values.map((entry) => entry.value))]);
      } else {
        brokenVars.add(varName); // the wrong type was reported by the schema
      }
    }
    for (const varName of brokenVars) vars.set(varName, ['']);

    // URL patterns.
    const urls: UrlPattern[] = [];
    const usedVars = new Set<string>();
    let urlCount = 0;
    let urlCountExact = 0n;
    let unparsed = false;
    const rawUrls = Array.isArray(raw.urls) ? raw.urls : [];
    rawUrls.forEach((pattern, i) => {
      if (typeof pattern !== 'string') return;
      const urlPath = [...path, 'urls', i];
      const parsed = parsePattern(pattern, vars);
      if ('problem' in parsed) { error(urlPath, 'value', `${displayPath(urlPath)}: ${parsed.problem}`, parsed.hint); unparsed = true; return; }
      parsed.pattern.vars.forEach((v) => usedVars.add(v));
      urlCount += countPattern(parsed.pattern);
      urlCountExact += countPatternExact(parsed.pattern);
      urls.push({ pattern, index: i, position: loaded.locate.value(urlPath) });
      // Expansion runs only on a valid file, so a URL that cannot be parsed at all is found here
      // from its first expansion, to be reported with the other problems of the file.
      if (pattern !== '' && !parsed.pattern.vars.some((v) => brokenVars.has(v))) { // '' is reported by the schema
        const sample = firstExpansion(parsed.pattern);
        const url = normalizeUrl(sample, DEFAULT_CACHE_KEY, null);
        if ('problem' in url) error(urlPath, 'value', `${displayPath(urlPath)}: ${url.problem}${sample === pattern ? '' : ` (expanded from "${pattern}")`}`, url.hint);
      }
    });
    /** The rules that tie a group's URLs and variants to a cache key (spec §2.3, §3). */
    const keyed = (profile: string | null, key: CacheKey, report: { error: Report; warning: Report; notInKey?: Report }) => {
      if (key.hostResolved && rawUrls.length > 0) {
        report.error([...path, 'urls'], 'key', `groups.${name} purges URLs, but cache key "${profile}" uses the resolved host (host.resolved: true)`, 'a URL purge cannot match a key built on a host rewritten by an Origin Rule: purge the rewritten host with hosts: [...] instead');
      }
      return resolveDimensions(key, profile, raw.variants, path, report, { purgesUrls: given(raw.urls), textOf: scalarText });
    };
    // A routed group is expanded with each zone's key (or its own, in every zone); what those keys
    // say about its variants is reported for the zones its items go to (src/expand/group.ts).
    const routes = routed ? new Map(routable.map((inZone): [string, GroupRoute] => {
      const routeKeyName = ownKey !== undefined ? ownKey : inZone.cacheKey;
      const routeKey = (routeKeyName !== null ? profiles.get(routeKeyName) : undefined) ?? DEFAULT_CACHE_KEY;
      const problems: RouteProblem[] = [];
      const where = ` (for the items routed to zone "${inZone.name}")`;
      const collect = (severity: 'error' | 'warning', notInKey?: boolean): Report => (at, side, message, hint) => {
        const { line, col } = side === 'key' ? loaded.locate.key(at) : loaded.locate.value(at);
        problems.push({ diagnostic: { file: loaded.file, line, col, severity, message: message + where, hint }, ...(notInKey ? { notInKey: displayPath(at) } : {}) });
      };
      checkPlan(inZone, routeKeyName, routeKey, collect('warning'), null);
      const dimensions = keyed(routeKeyName, routeKey, { error: collect('error'), warning: collect('warning'), notInKey: collect('error', true) });
      return [inZone.name, { zone: inZone.name, cacheKeyName: routeKeyName, cacheKey: routeKey, dimensions, action: actionOf(raw.action) ?? inZone.action, problems }];
    })) : null;
    const dimensions = routes ? [] : keyed(keyName, cacheKey, { error, warning });

    // Size of the URLs, from the product of the dimensions: nothing is expanded yet. A routed
    // group is counted as if every URL went to its largest zone.
    const variantDimensions = routes ? [...routes.values()].map((r) => r.dimensions) : [dimensions];
    const variantCount = Math.max(...variantDimensions.map((list) => list.reduce((n, d) => n * d.values.length, 1)));
    const variantExact = variantDimensions.map((list) => list.reduce((n, d) => n * BigInt(d.values.length), 1n)).reduce((a, b) => (b > a ? b : a));
    const schemeCount = routes ? Math.max(...routable.map((z) => z.schemes?.length ?? 1)) : zone?.schemes?.length ?? 1;
    const urlItems = urlCount * schemeCount * variantCount;

    // Hosts, prefixes, tags (patterns too: spec §7.1), everything.
    // An empty host or prefix is reported by the schema (minLength); an empty tag is not.
    let budget = options.maxItems - totalItems - urlItems;
    const entries = (key: 'hosts' | 'prefixes' | 'tags', normalize: (value: string) => Checked) => {
      const found = expandEntries(raw[key], [...path, key], normalize, error, { vars, brokenVars, budget, skipEmpty: key !== 'tags', textOf: scalarText });
      budget -= found.counted;
      found.usedVars.forEach((v) => usedVars.add(v));
      if (found.unparsed) unparsed = true;
      return found;
    };
    /** Each value of a routed group's hosts or prefixes must fall in a zone: an error at its entry naming the host. */
    const routeEntries = (found: Entries, key: 'hosts' | 'prefixes', hostOf: (value: string) => string) => {
      const reported = new Set<number>();
      for (const value of found.values) {
        const host = hostOf(value);
        const entry = found.entryOf.get(value)!;
        if (zoneForHost(zones, host) !== undefined || reported.has(entry)) continue;
        reported.add(entry);
        const at = [...path, key, entry];
        error(at, 'value', `${displayPath(at)}: host "${host}" is in no zone: a group without zone sends each item to the zone whose name is its host or a parent domain of it`, `zones by name: ${routableText}; or give the group a zone`);
      }
    };
    const hosts = entries('hosts', normalizeHost);
    const prefixes = entries('prefixes', normalizePrefix);
    const tags = entries('tags', normalizeTag);
    const otherPatterns = [raw.hosts, raw.prefixes, raw.tags].some((list) => Array.isArray(list) && list.length > 0);
    const patternKinds = otherPatterns ? 'URL, host, prefix or tag' : 'URL';
    for (const varName of vars.keys()) {
      if (!usedVars.has(varName) && !unparsed && (rawUrls.length > 0 || otherPatterns)) warning([...path, 'vars', varName], 'key', `${displayPath([...path, 'vars', varName])} is not used by any ${patternKinds} pattern`, `use it as {${varName}} in a ${patternKinds}, or remove it`);
    }
    const everything = flag(raw.everything);
    if (routed) {
      // Tags and everything belong to no host: a routed group cannot send them anywhere.
      for (const key of ['tags', 'everything'] as const) {
        if (key === 'tags' ? given(raw.tags) : everything) error([...path, key], 'key', `groups.${name}.${key}: a group without zone is routed by host, and ${key === 'tags' ? 'tags have' : 'purge everything has'} no host`, `give the group a zone (${zones.map((z) => z.name).join(', ')}), or move ${key === 'tags' ? 'the tags' : 'everything: true'} to a group that has one`);
      }
      routeEntries(hosts, 'hosts', (host) => host);
      routeEntries(prefixes, 'prefixes', (prefix) => prefix.split('/')[0]!);
    }
    if (everything && zone && !zone.allowPurgeEverything) {
      error([...path, 'everything'], 'key', `groups.${name}.everything: purging everything needs allow_purge_everything: true on zone "${zone.name}"`, 'purge hosts, prefixes or tags instead, or opt in on the zone if you really mean to empty its whole cache');
    }
    if (!given(raw.urls) && !given(raw.hosts) && !given(raw.prefixes) && !given(raw.tags) && (raw.everything === undefined || raw.everything === false)) {
      error(path, 'key', `${displayPath(path)}: group "${name}" purges nothing`, 'give it urls, hosts, prefixes, tags or everything: true');
    }

    // Size, counted before expansion (spec §3, §7.1).
    const items = urlItems + hosts.counted + prefixes.counted + tags.counted + (everything ? 1 : 0);
    const itemsExact = urlCountExact * BigInt(schemeCount) * variantExact + hosts.countedExact + prefixes.countedExact + tags.countedExact + (everything ? 1n : 0n);
    totalItems += items;
    totalExact += itemsExact;
    if (itemsExact > BigInt(GROUP_ITEMS_WARNING)) {
      // Name where the items come from: URL variants, or hosts, prefixes and tags from patterns.
      const fileItems = urlCountExact * BigInt(schemeCount) * variantExact;
      const plural = (n: bigint | number, word: string) => `${count(n)} ${word}${n === 1n || n === 1 ? '' : 's'}`;
      const parts: string[] = [];
      if (fileItems > 0n) parts.push(`${plural(urlCountExact, 'URL')} × ${plural(schemeCount, 'scheme')} × ${plural(variantExact, 'header variant')}`);
      for (const [kind, list] of [['host', hosts], ['prefix', prefixes], ['tag', tags]] as const) {
        if (list.countedExact > 0n) parts.push(kind === 'prefix' ? `${count(list.countedExact)} prefix${list.countedExact === 1n ? '' : 'es'}` : plural(list.countedExact, kind));
      }
      const hint = fileItems * 2n > itemsExact
        ? 'consider purging by tags or prefixes, which cover every variant in one item'
        : 'check the ranges and value lists of its host, prefix and tag patterns';
      warning(path, 'key', `${displayPath(path)}: group "${name}" expands to ${count(itemsExact)} items, more than ${count(GROUP_ITEMS_WARNING)} (${parts.join(' + ')})`, hint);
    }

    const revision = typeof raw.revision === 'number' ? raw.revision : 0;
    groups.push({
      name, description: text(raw.description) ?? null, zone: zone?.name ?? '', routes, cacheKeyName: routes ? ownKey ?? null : keyName, cacheKey, urls, vars, dimensions,
      hosts: hosts.values, prefixes: prefixes.values, tags: tags.values, everything, action: actionOf(raw.action) ?? zone?.action ?? 'purge', revision, watch: strings(raw.watch), position: loaded.locate.key(path),
    });
  }
  if (totalExact > BigInt(options.maxItems)) {
    error(['groups'], 'key', `groups: the plan would expand to ${count(totalExact)} purge items, more than --max-items ${count(options.maxItems)}`, 'purge by prefixes or tags, split the groups, or raise --max-items if you really mean it');
  }
  return { config: { file: loaded.file, digest: loaded.digest, inputsDigest: `sha256:${inputs.digest('hex')}`, zones, groups, cacheKeys: profiles }, diagnostics };
}

/** The first string a pattern expands to (each placeholder at its first value). */
function firstExpansion(pattern: ParsedPattern): string {
  return pattern.segments.map((segment) => (segment.kind === 'text' ? segment.text : (segment.values.length ? segment.values.at(0) : ''))).join('');
}
