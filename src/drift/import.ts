// `purgeplan import`, the pure part (docs/commands.md#drift-and-import): the zone's Cache Rules as a purge.yaml
// `cache_keys:` block (one profile per distinct key, named after the first rule that sets it)
// and the `cache_key:` each group should use, so that pasting both gives no drift.
import type { CacheKey, Config, Group } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { compare } from '../vocabulary.js';
import { printable } from '../format.js';
import { flowList, queryMode, yamlScalar } from './dimensions.js';
import { token } from './quote.js';
import { describeRule, groupsOfZone, keyOf, keyRules, plannedUrls, resolveUrl, sameKey } from './resolve.js';
import type { CacheRule, Ruleset } from './rules.js';

export interface ImportResult {
  readonly text: string;
  /** Sentences for stderr: what the block cannot say (header.contains, requests, split groups). */
  readonly warnings: readonly string[];
}

const DEFAULT_PROFILE = 'cloudflare-default';

/** A profile name from a rule description: lower-case words joined by "-". */
function slug(description: string, fallback: string): string {
  const text = description.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48).replace(/-+$/, '');
  return text === '' ? fallback : text;
}

/** The YAML lines of one profile (two-space indented under cache_keys). */
function profileLines(name: string, key: CacheKey): string[] {
  const body: string[] = [];
  const mode = queryMode(key);
  const query: string[] = [];
  if (key.querySort) query.push('sort: true');
  if (mode.mode === 'ignore') query.push('ignore: true');
  if (mode.mode === 'include' || mode.mode === 'exclude') query.push(`${mode.mode}: ${flowList(mode.names)}`);
  if (query.length > 0) body.push('query_string:', ...query.map((line) => `  ${line}`));
  if (key.deviceType) body.push('device_type: true');
  if (key.geo) body.push('geo: true');
  if (key.lang) body.push('lang: true');
  const headers: string[] = [];
  if (key.headerInclude.length) headers.push(`include: ${flowList([...key.headerInclude].sort(compare))}`);
  if (key.headerPresence.length) headers.push(`check_presence: ${flowList([...key.headerPresence].sort(compare))}`);
  if (key.excludeOrigin) headers.push('exclude_origin: true');
  if (headers.length) body.push('headers:', ...headers.map((line) => `  ${line}`));
  const cookies: string[] = [];
  if (key.cookieInclude.length) cookies.push(`include: ${flowList([...key.cookieInclude].sort(compare))}`);
  if (key.cookiePresence.length) cookies.push(`check_presence: ${flowList([...key.cookiePresence].sort(compare))}`);
  if (cookies.length) body.push('cookies:', ...cookies.map((line) => `  ${line}`));
  if (key.hostResolved) body.push('host:', '  resolved: true');
  if (body.length === 0) return [`  ${yamlScalar(name)}: {}`];
  return [`  ${yamlScalar(name)}:`, ...body.map((line) => `    ${line}`)];
}

/** What one zone gives a group: read from its rules, or (`import --zone`) declared in purge.yaml. */
interface Assignment {
  readonly zone: string;
  readonly lines: readonly string[];
  /** The profile name (read: null when the group has no URLs there). */
  readonly chosen: string | null;
  /** null: the group has no URLs in the zone. */
  readonly key: CacheKey | null;
  readonly declared: boolean;
  readonly label?: string;
}

interface Profile {
  readonly name: string;
  readonly key: CacheKey;
  readonly rule: CacheRule | null;
}

export function renderImport(config: Config, rulesets: ReadonlyMap<string, Ruleset | null>): ImportResult {
  const warnings: string[] = [];
  const profiles: Profile[] = [];
  const used = new Set<string>();
  const profileFor = (rule: CacheRule | null): Profile => {
    const key = keyOf(rule);
    const found = profiles.find((profile) => sameKey(profile.key, key));
    if (found) return found;
    // The rule's id comes from the API: only its letters and digits go into a profile name.
    const base = rule === null ? DEFAULT_PROFILE : slug(rule.description, `rule-${rule.id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8) || rule.index + 1}`);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    const profile = { name, key, rule };
    profiles.push(profile);
    return profile;
  };
  const header: string[] = [];
  // Per group, what each zone its URLs go to gives it (a group routed by host, docs/purge-yaml.md, has several).
  const assigned = new Map<string, Assignment[]>();
  const referenced = new Set<Profile>();
  for (const zone of config.zones) {
    if (!rulesets.has(zone.name)) continue;
    const ruleset = rulesets.get(zone.name) ?? null;
    const rules = keyRules(ruleset);
    const disabled = (ruleset?.rules ?? []).filter((rule) => !rule.enabled).length;
    header.push(ruleset === null
      ? `# zone ${zone.name}: no Cache Rules (Cloudflare's default cache key)`
      : `# zone ${zone.name}: ruleset ${token(ruleset.id ?? '?')} version ${token(ruleset.version ?? '?')}, ${rules.length} rule${rules.length === 1 ? '' : 's'} setting a cache key${disabled ? `, ${disabled} disabled (skipped)` : ''}`);
    for (const rule of rules) {
      profileFor(rule);
      const contains = Object.keys((rule.cacheKey as { headerContains?: Record<string, unknown> }).headerContains ?? {});
      if (contains.length > 0) warnings.push(`${describeRule(rule)} in zone ${zone.name} keys on header.contains (${contains.sort(compare).map(token).join(', ')}), which purge.yaml cannot declare yet: profile "${profileFor(rule).name}" leaves it out`);
      if ('unreadable' in rule.expression) warnings.push(`${describeRule(rule)} in zone ${zone.name}: its expression is unreadable (${rule.expression.unreadable}); groups it may match are not assigned to it`);
    }
    for (const group of groupsOfZone(config, zone)) {
      const result = assignGroup(group, rules, zone, config.zones, profileFor, warnings, referenced);
      if (result !== null) assigned.set(group.name, [...(assigned.get(group.name) ?? []), { zone: zone.name, ...result, declared: false }]);
    }
  }
  // `import --zone NAME` reads one zone's rules; a routed group's URLs in the other zones keep the
  // key purge.yaml gives them there, and a cache_key on the group would replace it too. Those
  // keys stand in for the rules not read, so the check below is the full import's.
  for (const zone of config.zones) {
    if (rulesets.has(zone.name) || zone.provider !== 'cloudflare') continue;
    for (const group of groupsOfZone(config, zone)) {
      const entries = assigned.get(group.name);
      const route = group.routes?.get(zone.name);
      if (!entries || !route || plannedUrls(group, zone, config.zones).every((p) => p.urls.length === 0)) continue;
      const name = route.cacheKeyName === null ? "Cloudflare's default key" : `cache_keys.${route.cacheKeyName}`;
      entries.push({ zone: zone.name, lines: [], chosen: route.cacheKeyName, key: route.cacheKey, declared: true, label: `${name} as purge.yaml declares it (its rules not read)` });
    }
  }
  const lines = [
    '# purgeplan import: cache keys equivalent to the zone\'s Cache Rules (paste into purge.yaml)',
    ...header,
    'cache_keys:',
    ...profiles.filter((profile) => profile.rule !== null || referenced.has(profile)).flatMap((profile) => [
      `  # ${profile.rule === null ? "Cloudflare's default cache key" : describeRule(profile.rule)}${variantsNeeded(profile.key)}`,
      ...profileLines(profile.name, profile.key),
    ]),
  ];
  if (!profiles.some((profile) => profile.rule !== null || referenced.has(profile))) lines.push('  # (none: every zone uses its default key)');
  const groupLines: string[] = [];
  for (const group of config.groups) {
    const entries = assigned.get(group.name) ?? [];
    if (entries.length === 0) continue;
    // One group, one map key: zones that agree give one entry; zones that differ cannot be
    // matched by the group's own cache_key (it applies in every zone), only by the zones' keys.
    const read = entries.filter((e) => !e.declared);
    const first = read[0].key;
    if (entries.every((e) => (e.key === null || first === null ? e.key === first : sameKey(e.key, first)))) {
      groupLines.push(...read[0].lines);
      continue;
    }
    const detail = entries.map((e) => `zone ${e.zone} → ${e.label ?? e.chosen ?? 'no URLs'}`).join('; ');
    const zones = read.map((e) => `zones.${e.zone}.cache_key${e.chosen === null ? '' : `: ${e.chosen}`}`).join(', ');
    warnings.push(`groups.${group.name}: routed by host, its URLs get different cache keys by zone (${detail}); a cache_key on the group would apply in every zone: set each zone's cache_key (${read.length < entries.length ? zones : 'zones.NAME.cache_key'}) instead, or split the group by host`);
    groupLines.push(`  # ${group.name}: different keys by zone (${detail}): set ${read.length < entries.length ? zones : 'zones.NAME.cache_key'} instead`);
  }
  lines.push('', '# the cache_key each group should use:', 'groups:', ...groupLines);
  // Descriptions and ids come from the zone: a line break or escape sequence in one must not
  // forge a line of YAML nor drive the terminal (docs/purge-yaml.md). In a double-quoted scalar, printable's
  // \uXXXX is YAML's own escape, so the value read back is unchanged.
  return { text: `${lines.map(printable).join('\n')}\n`, warnings: warnings.map(printable) };
}

/** What groups using a key must list under `variants` (docs/purge-yaml.md), as a comment. */
function variantsNeeded(key: CacheKey): string {
  const needed = [key.geo ? 'geo' : '', key.lang ? 'lang' : '', ...key.headerInclude.map((h) => `headers.${h}`), ...key.cookieInclude.map((c) => `cookies.${c}`)].filter(Boolean);
  return needed.length ? `; its groups need variants ${needed.join(', ')}` : '';
}

function assignGroup(group: Group, rules: readonly CacheRule[], zone: Config['zones'][number], zones: Config['zones'], profileFor: (rule: CacheRule | null) => Profile, warnings: string[], referenced: Set<Profile>): { lines: string[]; chosen: string | null; key: CacheKey | null } | null {
  // The key most of the group's URLs get; a group split across keys is named in a warning.
  const counts = new Map<Profile, number>();
  const patternsByProfile = new Map<Profile, Set<string>>();
  const uncertain = new Set<CacheRule>();
  const planned = plannedUrls(group, zone, zones);
  if (group.zone !== zone.name && planned.every((p) => p.urls.length === 0)) return null;
  for (const { index, pattern, urls } of planned) {
    for (const url of urls) {
      const resolution = resolveUrl(rules, url);
      const profile = profileFor(resolution.effective);
      counts.set(profile, (counts.get(profile) ?? 0) + 1);
      const set = patternsByProfile.get(profile) ?? new Set<string>();
      set.add(`urls[${index}] ${pattern}`);
      patternsByProfile.set(profile, set);
      for (const rule of resolution.uncertain) uncertain.add(rule);
    }
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || compare(a[0].name, b[0].name));
  for (const rule of [...uncertain].sort((a, b) => a.index - b.index)) {
    warnings.push(`groups.${group.name}: ${describeRule(rule)} may also apply, depending on the request; not assigned`);
  }
  if (ranked.length === 0) return { lines: [`  # ${group.name}: no URLs, nothing to compare`], chosen: null, key: null };
  const chosen = ranked[0][0];
  if (sameKey(chosen.key, DEFAULT_CACHE_KEY) && zone.cacheKey === null && ranked.length === 1) return { lines: [`  # ${group.name}: Cloudflare's default key, no cache_key needed`], chosen: chosen.name, key: chosen.key };
  const lines = [`  ${yamlScalar(group.name)}:`];
  if (ranked.length > 1) {
    const detail = ranked.map(([profile]) => `${[...patternsByProfile.get(profile)!].sort(compare).join(', ')} → ${profile.name}`).join('; ');
    warnings.push(`groups.${group.name}: its URLs get different cache keys (${detail}); split the group, one cache_key each`);
    lines.push(`    # split: ${detail}`);
  }
  referenced.add(chosen);
  lines.push(`    cache_key: ${yamlScalar(chosen.name)}`);
  return { lines, chosen: chosen.name, key: chosen.key };
}
