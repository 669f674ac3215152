// Stage 2b: the semantic rules of spec §3 that a schema cannot express, and resolution of the
// file into a Config (defaults applied, names resolved, vars files read). Every problem is
// collected; values of the wrong type were reported by the schema and are skipped here.
import { createHash } from 'node:crypto';
import { DEFAULT_TOKEN_ENV, PLAN_TIERS, TIER_LIMITS, UNINCLUDABLE_HEADERS } from '../cloudflare/limits.js';
import type { PlanTier } from '../cloudflare/limits.js';
import type { Diagnostic } from '../diagnostics.js';
import { didYouMean } from '../suggest.js';
import { normalizeUrl } from '../expand/normalize.js';
import { countPattern, countPatternExact, parsePattern } from '../expand/patterns.js';
import type { ParsedPattern } from '../expand/patterns.js';
import { posix, sep } from 'node:path';
import { containedPath, parseValuesFile } from './files.js';
import type { SourceReader } from './files.js';
import type { LoadedConfig, PathSegment } from './load.js';
import { displayPath } from './schema.js';
import { normalizeHost, normalizePrefix, normalizeTag, substitutionProblem } from './values.js';
import type { Checked } from './values.js';
import { expandEntries } from './entries.js';
import { resolveDimensions } from './variants.js';
import { DEFAULT_CACHE_KEY } from './types.js';
import type { CacheKey, Config, Group, Scheme, UrlPattern, Zone } from './types.js';
import type { Action } from '../plan/types.js';
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
    profiles.set(name, resolveCacheKey(raw, ['cache_keys', name], error));
  }

  // Zones.
  const rawZones = record(root.zones) ?? {};
  const zones: Zone[] = [];
  for (const name of loaded.locate.keys(['zones'])) {
    const raw = record(rawZones[name]);
    if (!raw) continue;
    const path = ['zones', name];
    const id = text(raw.id) ?? null;
    const zoneName = text(raw.name)?.toLowerCase() ?? null;
    if (raw.id === undefined && raw.name === undefined) error(path, 'value', `zones.${name}: give "id" (the 32-hex zone id) or "name" (looked up at apply)`, 'the zone id is on the zone Overview page of the Cloudflare dashboard');
    const plan: PlanTier = (PLAN_TIERS as readonly string[]).includes(String(raw.plan)) ? (raw.plan as PlanTier) : 'free';
    const cacheKey = text(raw.cache_key) ?? null;
    if (cacheKey !== null && !profiles.has(cacheKey)) error([...path, 'cache_key'], 'value', `zones.${name}.cache_key: unknown cache key profile "${cacheKey}"${didYouMean(cacheKey, profiles.keys())}`, profiles.size ? `profiles: ${[...profiles.keys()].join(', ')}` : 'define it under cache_keys');
    const limits = TIER_LIMITS[plan];
    const rawLimits = record(raw.limits) ?? {};
    const filesPerRequest = typeof rawLimits.files_per_request === 'number' ? rawLimits.files_per_request : limits.filesPerRequest;
    const itemsPerRequest = typeof rawLimits.items_per_request === 'number' ? rawLimits.items_per_request : limits.itemsPerRequest;
    if (filesPerRequest > limits.maxFilesPerRequest) error([...path, 'limits', 'files_per_request'], 'value', `zones.${name}.limits.files_per_request: ${filesPerRequest} is above Cloudflare's maximum of ${limits.maxFilesPerRequest} URLs per request on the ${plan} plan`, `use at most ${limits.maxFilesPerRequest}`);
    if (itemsPerRequest > limits.maxItemsPerRequest) error([...path, 'limits', 'items_per_request'], 'value', `zones.${name}.limits.items_per_request: ${itemsPerRequest} is above Cloudflare's maximum of ${limits.maxItemsPerRequest} hosts, prefixes or tags per request`, `use at most ${limits.maxItemsPerRequest}`);
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
  for (const name of loaded.locate.keys(['groups'])) {
    const raw = record(rawGroups[name]);
    const path = ['groups', name];
    if (!raw) continue; // not a mapping (an empty group included): reported by the schema
    // Zone.
    let zone: Zone | undefined;
    const zoneRef = text(raw.zone);
    if (zoneRef === undefined) {
      if (zones.length === 1) zone = zones[0];
      else if (raw.zone === undefined) error(path, 'value', `groups.${name}: missing key "zone"`, zones.length ? `there are ${zones.length} zones (${zones.map((z) => z.name).join(', ')}): say which one this group purges` : 'define a zone under zones first');
    } else {
      zone = zoneByName.get(zoneRef);
      if (!zone) error([...path, 'zone'], 'value', `groups.${name}.zone: unknown zone "${zoneRef}"${didYouMean(zoneRef, zoneByName.keys())}`, zones.length ? `zones: ${zones.map((z) => z.name).join(', ')}` : 'define it under zones');
    }
    // Cache key.
    const ownKey = text(raw.cache_key);
    if (ownKey !== undefined && !profiles.has(ownKey)) error([...path, 'cache_key'], 'value', `groups.${name}.cache_key: unknown cache key profile "${ownKey}"${didYouMean(ownKey, profiles.keys())}`, profiles.size ? `profiles: ${[...profiles.keys()].join(', ')}` : 'define it under cache_keys');
    const keyName = ownKey !== undefined ? ownKey : zone?.cacheKey ?? null;
    const cacheKey = (keyName !== null ? profiles.get(keyName) : undefined) ?? DEFAULT_CACHE_KEY;
    if (zone && keyName !== null && profiles.has(keyName) && zone.plan !== 'enterprise' && !enterpriseWarned.has(`${zone.name}/${keyName}`)) {
      const features = enterpriseFeatures(cacheKey);
      if (features.length) {
        enterpriseWarned.add(`${zone.name}/${keyName}`);
        const at = ownKey !== undefined ? [...path, 'cache_key'] : ['zones', zone.name, 'cache_key'];
        warning(at, 'value',
          `${displayPath(at)}: cache key "${keyName}" uses ${features.join(', ')}, which Cloudflare offers on Enterprise only, but zone "${zone.name}" is on the ${zone.plan} plan`,
          'if the zone really is Enterprise, set plan: enterprise; otherwise its cache key cannot vary this way and these variants purge nothing');
      }
    }

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
    if (cacheKey.hostResolved && rawUrls.length > 0) {
      error([...path, 'urls'], 'key', `groups.${name} purges URLs, but cache key "${keyName}" uses the resolved host (host.resolved: true)`, 'a URL purge cannot match a key built on a host rewritten by an Origin Rule: purge the rewritten host with hosts: [...] instead');
    }

    const dimensions = resolveDimensions(cacheKey, keyName, raw.variants, path, { error, warning }, { purgesUrls: given(raw.urls), textOf: scalarText });

    // Size of the URLs, from the product of the dimensions: nothing is expanded yet.
    const variantCount = dimensions.reduce((n, d) => n * d.values.length, 1);
    const variantExact = dimensions.reduce((n, d) => n * BigInt(d.values.length), 1n);
    const schemeCount = zone?.schemes?.length ?? 1;
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
    const hosts = entries('hosts', normalizeHost);
    const prefixes = entries('prefixes', normalizePrefix);
    const tags = entries('tags', normalizeTag);
    const otherPatterns = [raw.hosts, raw.prefixes, raw.tags].some((list) => Array.isArray(list) && list.length > 0);
    const patternKinds = otherPatterns ? 'URL, host, prefix or tag' : 'URL';
    for (const varName of vars.keys()) {
      if (!usedVars.has(varName) && !unparsed && (rawUrls.length > 0 || otherPatterns)) warning([...path, 'vars', varName], 'key', `${displayPath([...path, 'vars', varName])} is not used by any ${patternKinds} pattern`, `use it as {${varName}} in a ${patternKinds}, or remove it`);
    }
    const everything = flag(raw.everything);
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
      warning(path, 'key', `${displayPath(path)}: group "${name}" expands to ${count(itemsExact)} items, more than ${count(GROUP_ITEMS_WARNING)} (${count(urlCountExact)} URL${urlCountExact === 1n ? '' : 's'} × ${schemeCount} scheme${schemeCount === 1 ? '' : 's'} × ${count(variantExact)} header variant${variantExact === 1n ? '' : 's'})`, 'consider purging by tags or prefixes, which cover every variant in one item');
    }

    const revision = typeof raw.revision === 'number' ? raw.revision : 0;
    groups.push({
      name, description: text(raw.description) ?? null, zone: zone?.name ?? '', cacheKeyName: keyName, cacheKey, urls, vars, dimensions,
      hosts: hosts.values, prefixes: prefixes.values, tags: tags.values, everything, action: actionOf(raw.action) ?? zone?.action ?? 'purge', revision, watch: strings(raw.watch), position: loaded.locate.key(path),
    });
  }
  if (totalExact > BigInt(options.maxItems)) {
    error(['groups'], 'key', `groups: the plan would expand to ${count(totalExact)} purge items, more than --max-items ${count(options.maxItems)}`, 'purge by prefixes or tags, split the groups, or raise --max-items if you really mean it');
  }
  return { config: { file: loaded.file, digest: loaded.digest, inputsDigest: `sha256:${inputs.digest('hex')}`, zones, groups, cacheKeys: profiles }, diagnostics };
}

function resolveCacheKey(raw: Raw, path: readonly PathSegment[], error: (p: readonly PathSegment[], at: 'key' | 'value', m: string, h?: string) => void): CacheKey {
  const query = record(raw.query_string) ?? {};
  const headers = record(raw.headers) ?? {};
  const cookies = record(raw.cookies) ?? {};
  const modes = ['ignore', 'include', 'exclude'].filter((mode) => (mode === 'ignore' ? query.ignore === true : Array.isArray(query[mode]) || query[mode] === '*'));
  if (modes.length > 1) {
    error([...path, 'query_string', modes[1]], 'key', `${displayPath([...path, 'query_string'])}: ${modes.map((m) => `"${m}"`).join(' and ')} cannot be used together`, 'Cloudflare keys a query string by one of: ignore it, include only some parameters, or exclude some parameters');
  }
  // A refused header or cookie is reported here and left out of the key, so that groups are not
  // also told to list values for it.
  const acceptedHeaders = (list: 'include' | 'check_presence'): string[] => strings(headers[list]).flatMap((name, i) => {
    const header = name.toLowerCase();
    if (!(UNINCLUDABLE_HEADERS as readonly string[]).includes(header) && !header.startsWith('cf-')) return [header];
    const why = header === 'origin' ? 'Origin is in the key already unless exclude_origin is true' : header === 'cookie' ? 'use cookies.include for cookies' : header.startsWith('cf-') ? 'Cloudflare sets its cf-* headers itself; use device_type or geo for cf-device-type and cf-ipcountry' : 'Cloudflare does not allow this header in a custom cache key';
    const at = [...path, 'headers', list, i];
    error(at, 'value', `${displayPath(at)}: header "${name}" cannot be part of a custom cache key`, why);
    return [];
  });
  const headerInclude = acceptedHeaders('include');
  const headerPresence = acceptedHeaders('check_presence');
  headerInclude.filter((h) => headerPresence.includes(h)).forEach((h) => error([...path, 'headers', 'check_presence'], 'key', `${displayPath([...path, 'headers'])}: header "${h}" is in both include and check_presence`, 'keep it in one of them'));
  const acceptedCookies = (list: 'include' | 'check_presence'): string[] => strings(cookies[list]).flatMap((cookie, i) => {
    if (!cookie.toLowerCase().startsWith('__cf')) return [cookie];
    const at = [...path, 'cookies', list, i];
    error(at, 'value', `${displayPath(at)}: cookie "${cookie}" cannot be part of a cache key`, 'Cloudflare refuses its own __cf* cookies in cache keys');
    return [];
  });
  const cookieInclude = acceptedCookies('include');
  const cookiePresence = acceptedCookies('check_presence');
  cookieInclude.filter((c) => cookiePresence.includes(c)).forEach((c) => error([...path, 'cookies', 'check_presence'], 'key', `${displayPath([...path, 'cookies'])}: cookie "${c}" is in both include and check_presence`, 'keep it in one of them'));
  return {
    querySort: query.sort === true,
    // `*` means every parameter, as in Cloudflare's rules (spec §6a): include all = the whole
    // query string as if include were absent; exclude all = ignore the query string.
    queryIgnore: query.ignore === true || allParameters(query.exclude),
    queryInclude: Array.isArray(query.include) && !allParameters(query.include) ? strings(query.include) : null,
    queryExclude: Array.isArray(query.exclude) && !allParameters(query.exclude) ? strings(query.exclude) : null,
    deviceType: flag(raw.device_type), geo: flag(raw.geo), lang: flag(raw.lang),
    headerInclude, headerPresence, excludeOrigin: flag(headers.exclude_origin),
    cookieInclude, cookiePresence,
    hostResolved: flag(record(raw.host)?.resolved),
  };
}

/** `"*"` or a list holding `"*"`: every query parameter. */
function allParameters(value: unknown): boolean {
  return value === '*' || (Array.isArray(value) && value.includes('*'));
}

/** Cache key features that Cloudflare offers on Enterprise only (cloudflare-api.md §5.3). */
function enterpriseFeatures(key: CacheKey): string[] {
  const features: string[] = [];
  if (key.queryInclude || key.queryExclude) features.push('query_string include/exclude');
  if (key.geo) features.push('geo');
  if (key.lang) features.push('lang');
  if (key.headerInclude.length || key.headerPresence.length || key.excludeOrigin) features.push('headers');
  if (key.cookieInclude.length || key.cookiePresence.length) features.push('cookies');
  if (key.hostResolved) features.push('host.resolved');
  return features;
}

/** The first string a pattern expands to (each placeholder at its first value). */
function firstExpansion(pattern: ParsedPattern): string {
  return pattern.segments.map((segment) => (segment.kind === 'text' ? segment.text : (segment.values.length ? segment.values.at(0) : ''))).join('');
}
