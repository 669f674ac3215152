// Property tests over ~200 pseudo-random configurations (fixed seeds, so every run tests the same
// ones): the invariants the spec states for expansion (docs/purge-yaml.md-2.3), dedupe and coverage (docs/purge-yaml.md),
// chunking and order (docs/purge-yaml.md) and the plan's summary (docs/commands.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroupExpansion } from '../src/expand/group.js';
import type { FileEntry, Plan, PlannedRequest } from '../src/plan/types.js';
import { renderJson } from '../src/render/json.js';
import { fileEntries, wireBody } from '../src/plan/files.js';
import { configYaml, planOf, seededRandom } from './support/config-builder.js';

/** A request's file items as sent (none for other bodies). */
const fileEntriesOf = (r: PlannedRequest): readonly FileEntry[] => {
  const body = wireBody(r.body);
  return 'files' in body ? body.files : [];
};

type Json = Record<string, unknown>;
type Random = () => number;

const CONFIGS = 200;
const KINDS = ['purge_everything', 'hosts', 'prefixes', 'tags', 'files'] as const;
const ZONE_IDS = ['023e105f4ecef8ad9ca31a8372d0c353', '9a7806061c88ada191ed06f989cc3dac', '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e'];
const TIER_MAX_FILES: Record<string, number> = { free: 100, pro: 100, business: 100, enterprise: 500 };

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)];
const chance = (random: Random, p: number) => random() < p;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
/** A non-empty random subset, in a random order, of at most `max` values. */
function subset<T>(random: Random, values: readonly T[], max = values.length): T[] {
  const shuffled = [...values].sort(() => random() - 0.5);
  return shuffled.slice(0, int(random, 1, Math.min(max, values.length)));
}

interface Profile {
  readonly query: 'none' | 'ignore' | 'include' | 'exclude';
  readonly json: Json;
}

interface Generated {
  readonly yaml: string;
  /** Items each group must expand to, from the generator's own count of the dimensions. */
  readonly items: ReadonlyMap<string, number>;
  readonly due: ReadonlySet<string>;
}

function generateProfile(random: Random): Profile {
  const query = pick(random, ['none', 'none', 'ignore', 'include', 'exclude'] as const);
  const queryString: Json = {};
  if (chance(random, 0.4)) queryString.sort = true;
  if (query === 'ignore') queryString.ignore = true;
  if (query === 'include') queryString.include = ['page'];
  if (query === 'exclude') queryString.exclude = ['utm'];
  const json: Json = {};
  if (Object.keys(queryString).length) json.query_string = queryString;
  if (chance(random, 0.35)) json.device_type = true;
  if (chance(random, 0.25)) json.geo = true;
  if (chance(random, 0.25)) json.lang = true;
  const headers: Json = {};
  if (chance(random, 0.2)) headers.include = ['x-tenant'];
  if (chance(random, 0.2)) headers.check_presence = ['x-beta'];
  if (chance(random, 0.2)) headers.exclude_origin = true;
  if (Object.keys(headers).length) json.headers = headers;
  const cookies: Json = {};
  if (chance(random, 0.2)) cookies.include = ['ab'];
  if (chance(random, 0.2)) cookies.check_presence = ['li'];
  if (Object.keys(cookies).length) json.cookies = cookies;
  return { query, json };
}

/** A dimension with optional absent: the YAML value and how many variants it gives. */
function listed(random: Random, pool: readonly string[], max: number): { value: unknown; count: number } {
  const values = subset(random, pool, max);
  if (chance(random, 0.3)) return { value: { values, absent: false }, count: values.length };
  return { value: values, count: values.length + 1 };
}

function generateVariants(random: Random, key: Json): { variants: Json; count: number } {
  const variants: Json = {};
  let count = 1;
  if (key.device_type) {
    if (chance(random, 0.5)) count *= 3;
    else {
      const values = subset(random, ['desktop', 'mobile', 'tablet']);
      variants.device_type = values;
      count *= values.length;
    }
  }
  if (key.geo) {
    const values = subset(random, ['JP', 'us', 'De', 'xx', 'T1'], 3);
    variants.geo = values;
    count *= values.length;
  }
  if (key.lang) {
    const { value, count: n } = listed(random, ['ja', 'en-US', 'ja-JP', 'ja-jp'], 2);
    variants.lang = value;
    count *= n;
  }
  const headers: Json = {};
  const keyHeaders = (key.headers ?? {}) as Json;
  if (keyHeaders.include) {
    const { value, count: n } = listed(random, ['acme', 'globex'], 2);
    headers['x-tenant'] = value;
    count *= n;
  }
  if (keyHeaders.check_presence) {
    if (chance(random, 0.3)) {
      headers['x-beta'] = { absent: false };
    } else count *= 2;
  }
  if (!keyHeaders.exclude_origin && chance(random, 0.3)) {
    const { value, count: n } = listed(random, ['https://a.example', 'https://b.example'], 2);
    headers.origin = value;
    count *= n;
  }
  if (chance(random, 0.15)) {
    const { value, count: n } = listed(random, ['www.example.com'], 1);
    headers['x-forwarded-host'] = value;
    count *= n;
  }
  if (Object.keys(headers).length) variants.headers = headers;
  const cookies: Json = {};
  const keyCookies = (key.cookies ?? {}) as Json;
  if (keyCookies.include) {
    const { value, count: n } = listed(random, ['a', 'b'], 2);
    cookies.ab = value;
    count *= n;
  }
  if (keyCookies.check_presence) {
    if (chance(random, 0.3)) cookies.li = { absent: false };
    else count *= 2;
  }
  if (Object.keys(cookies).length) variants.cookies = cookies;
  return { variants, count };
}

const HOSTS = ['www.example.com', 'static.example.com', 'api.example.com'];
const STEMS = ['a', 'b', 'c', 'ab'];

/** One URL pattern on (host, stem); its vars (if any) and how many URLs it expands to. */
function generatePattern(random: Random, host: string, stem: string, query: Profile['query'], vars: Json, varName: string): { pattern: string; count: number } {
  const scheme = chance(random, 0.2) ? 'http' : 'https';
  const writtenHost = chance(random, 0.15) ? host.toUpperCase() : host;
  const base = `${scheme}://${writtenHost}/${stem}`;
  const fragment = chance(random, 0.1) ? '#top' : '';
  const forms = query === 'ignore' ? 6 : 8;
  switch (int(random, 1, forms)) {
    case 1: return { pattern: base + fragment, count: 1 };
    case 2: return { pattern: `${base}/` + fragment, count: 1 };
    case 3: {
      const values = subset(random, ['x', 'y', 'z']);
      vars[varName] = values;
      return { pattern: `${base}/{${varName}}`, count: values.length };
    }
    case 4: { const n = int(random, 1, 4); return { pattern: `${base}/{1..${n}}`, count: n }; }
    case 5: { const n = int(random, 1, 12); return { pattern: `${base}/{01..${String(n).padStart(2, '0')}}${fragment}`, count: n }; }
    case 6: return { pattern: `${base}/{en,ja}/`, count: 2 };
    case 7: { const n = int(random, 1, 3); return { pattern: `${base}?page={1..${n}}`, count: n }; }
    default: { const n = int(random, 1, 3); return { pattern: `${base}?utm=1&page={1..${n}}${fragment}`, count: n }; }
  }
}

function generate(seed: number): Generated {
  const random = seededRandom(seed);
  const profileNames = Array.from({ length: int(random, 0, 3) }, (_, i) => `k${i}`);
  const profiles = new Map(profileNames.map((name) => [name, generateProfile(random)]));
  const zoneNames = ['zc', 'za', 'zb'].slice(0, int(random, 1, 3));
  const zones: Record<string, Json> = {};
  const zoneInfo = new Map<string, { schemes: number; everything: boolean; profile: string | null }>();
  // Two zones may not share a name: at most one is given by name only.
  let named = false;
  zoneNames.forEach((name, i) => {
    const byName = !named && chance(random, 0.2);
    named ||= byName;
    const zone: Json = byName ? { name: 'example.com' } : { id: ZONE_IDS[i] };
    const plan = pick(random, ['free', 'pro', 'business', 'enterprise']);
    zone.plan = plan;
    if (chance(random, 0.4)) zone.limits = { files_per_request: int(random, 1, 40), items_per_request: int(random, 1, 5) };
    const schemes = pick(random, [null, null, ['https', 'http'], ['http'], ['https']]);
    if (schemes) zone.schemes = schemes;
    const everything = chance(random, 0.3);
    if (everything) zone.allow_purge_everything = true;
    const profile = profileNames.length && chance(random, 0.6) ? pick(random, profileNames) : null;
    if (profile) zone.cache_key = profile;
    zones[name] = zone;
    zoneInfo.set(name, { schemes: schemes ? schemes.length : 1, everything, profile });
  });

  const groups: Record<string, Json> = {};
  const items = new Map<string, number>();
  const due = new Set<string>();
  const groupCount = int(random, 1, 6);
  for (let g = 0; g < groupCount; g++) {
    const name = `g${(g * 7) % 10}${String.fromCharCode(97 + g)}`; // file order differs from name order
    const zoneName = pick(random, zoneNames);
    const zone = zoneInfo.get(zoneName)!;
    const group: Json = { zone: zoneName };
    let profileName = zone.profile;
    if (profileNames.length && chance(random, 0.3)) {
      profileName = pick(random, profileNames);
      group.cache_key = profileName;
    }
    const profile = profileName ? profiles.get(profileName)! : { query: 'none' as const, json: {} };
    let count = 0;
    if (!profile.json.host && chance(random, 0.75)) {
      const vars: Json = {};
      const pairs = subset(random, HOSTS.flatMap((host) => STEMS.map((stem) => [host, stem] as const)), 3);
      const urls: string[] = [];
      let urlCount = 0;
      for (const [i, [host, stem]] of pairs.entries()) {
        const { pattern, count: n } = generatePattern(random, host, stem, profile.query, vars, `v${i}`);
        urls.push(pattern);
        urlCount += n;
      }
      group.urls = urls;
      if (Object.keys(vars).length) group.vars = vars;
      const { variants, count: variantCount } = generateVariants(random, profile.json);
      if (Object.keys(variants).length) group.variants = variants;
      count += urlCount * zone.schemes * variantCount;
    }
    if (chance(random, 0.35)) {
      const hosts = subset(random, ['www.example.com', 'static.example.com', 'cdn.example.com'], 2);
      group.hosts = hosts;
      count += hosts.length;
    }
    if (chance(random, 0.4)) {
      const prefixes = subset(random, ['www.example.com/a', 'www.example.com/a/', 'www.example.com/a/1', 'static.example.com/b/', 'www.example.com/ab', 'api.example.com', 'https://www.example.com/c/'], 3);
      group.prefixes = prefixes;
      count += prefixes.length;
    }
    if (chance(random, 0.4)) {
      const tags = subset(random, ['posts', 'Posts', 'home', 't1', 'T2'], 4);
      group.tags = tags;
      count += new Set(tags.map((t) => t.toLowerCase())).size;
    }
    if (zone.everything && chance(random, 0.2)) {
      group.everything = true;
      count += 1;
    }
    if (count === 0) {
      group.tags = ['fallback'];
      count = 1;
    }
    groups[name] = group;
    items.set(name, count);
    if (chance(random, 0.8)) due.add(name);
  }
  const cacheKeys = profileNames.length ? Object.fromEntries([...profiles].map(([name, p]) => [name, p.json])) : undefined;
  return { yaml: configYaml({ zones, cache_keys: cacheKeys, groups }), items, due };
}

// ---- The spec's rules, written independently of src/plan/batch.ts ----

// A header-less item is `{url}` in a body that mixes forms, a string elsewhere: the same item.
const entryKey = (entry: FileEntry): string => JSON.stringify(typeof entry !== 'string' && entry.headers === undefined ? entry.url : entry);
const entryUrl = (entry: FileEntry): string => (typeof entry === 'string' ? entry : entry.url);
const headerList = (entry: FileEntry): string => (typeof entry === 'string' ? '' : Object.entries(entry.headers ?? {}).map(([n, v]) => `${n}=${v}`).join(', '));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** (docs/purge-yaml.md): `prefix` purges `value` (a file's host+path+query, or a longer prefix). */
function prefixCovers(prefix: string, value: string): boolean {
  if (!value.startsWith(prefix)) return false;
  if (prefix.endsWith('/')) return true;
  const next = value[prefix.length];
  return next === undefined || next === '/' || next === '?';
}

interface ZoneItems {
  files: Map<string, { entry: FileEntry; groups: Set<number> }>;
  hosts: Map<string, Set<number>>;
  prefixes: Map<string, Set<number>>;
  tags: Map<string, Set<number>>;
  everything: Set<number>;
}

/** Every item each due group asked for, per zone, with the groups (file-order indices) asking. */
function itemsByZone(expansions: readonly GroupExpansion[], due: ReadonlySet<string>): Map<string, ZoneItems> {
  const zones = new Map<string, ZoneItems>();
  expansions.forEach((e, index) => {
    if (!due.has(e.group.name)) return;
    let zone = zones.get(e.group.zone);
    if (!zone) zones.set(e.group.zone, (zone = { files: new Map(), hosts: new Map(), prefixes: new Map(), tags: new Map(), everything: new Set() }));
    const add = (map: Map<string, Set<number>>, value: string) => map.set(value, (map.get(value) ?? new Set()).add(index));
    for (const url of e.urls) {
      for (const variant of e.variants) {
        const entry: FileEntry = variant.object ? { url, headers: variant.object } : url;
        const key = entryKey(entry);
        const found = zone.files.get(key) ?? { entry, groups: new Set<number>() };
        found.groups.add(index);
        zone.files.set(key, found);
      }
    }
    e.hosts.forEach((h) => add(zone.hosts, h));
    e.prefixes.forEach((p) => add(zone.prefixes, p));
    e.tags.forEach((t) => add(zone.tags, t));
    if (e.everything) zone.everything.add(index);
  });
  return zones;
}

function requestValues(request: PlannedRequest): string[] {
  const body = wireBody(request.body);
  if ('purge_everything' in body) return ['everything'];
  if ('hosts' in body) return [...body.hosts];
  if ('prefixes' in body) return [...body.prefixes];
  if ('tags' in body) return [...body.tags];
  return fileEntries(body).map(entryKey);
}

function checkPlan(generated: Generated, plan: Plan, expansions: readonly GroupExpansion[]): void {
  const names = expansions.map((e) => e.group.name);
  const fileIndex = new Map(names.map((n, i) => [n, i]));

  // Item counts: the product of the dimensions (docs/purge-yaml.md-(docs/purge-yaml.md)).
  for (const group of plan.groups) assert.equal(group.items, generated.items.get(group.name), `items of group ${group.name}`);

  // Summary: every due item is sent, covered or a duplicate, exactly once.
  const s = plan.summary;
  const dueItems = plan.groups.filter((g) => generated.due.has(g.name)).reduce((n, g) => n + g.items, 0);
  assert.equal(s.files + s.hosts + s.prefixes + s.tags + s.everything + s.covered + s.duplicates, dueItems, 'summary adds up to the due groups\' items');
  assert.equal(s.requests, plan.requests.length);
  const count = (kind: string) => plan.requests.filter((r) => kind in wireBody(r.body)).reduce((n, r) => n + requestValues(r).length, 0);
  assert.deepEqual([s.files, s.hosts, s.prefixes, s.tags, s.everything], ['files', 'hosts', 'prefixes', 'tags', 'purge_everything'].map(count));
  assert.equal(s.covered, plan.coverage.reduce((n, c) => n + c.covered, 0), 'summary.covered is the sum of plan.coverage');

  const zones = new Map(plan.zones.map((z, i) => [z.name, { ...z, index: i }]));
  const expected = itemsByZone(expansions, generated.due);
  let lastZone = -1;
  let lastKind = -1;
  for (const request of plan.requests) {
    const zone = zones.get(request.zone)!;
    // One purge type per request, within the zone's limits.
    const keys = Object.keys(wireBody(request.body));
    assert.equal(keys.length, 1, `one purge type: ${JSON.stringify(wireBody(request.body))}`);
    const kind = KINDS.indexOf(keys[0] as (typeof KINDS)[number]);
    assert.ok(kind >= 0);
    const size = requestValues(request).length;
    assert.ok(size >= 1);
    if (kind === 4) assert.ok(size <= zone.files_per_request && size <= TIER_MAX_FILES[zone.plan], `files request of ${size} > ${zone.files_per_request}`);
    else if (kind > 0) assert.ok(size <= zone.items_per_request && size <= 100, `${keys[0]} request of ${size} > ${zone.items_per_request}`);
    else assert.deepEqual(wireBody(request.body), { purge_everything: true });
    assert.equal(request.zone_id, zone.zone_id);
    // Order: zones in file order, then kinds.
    if (zone.index !== lastZone) {
      assert.ok(zone.index > lastZone, 'zones in file order, each once');
      lastZone = zone.index;
      lastKind = -1;
    }
    assert.ok(kind >= lastKind, `kind order in zone ${request.zone}`);
    lastKind = kind;
    // Groups: in file order, no repeats, all due, all of this zone.
    const indices = request.groups.map((g) => fileIndex.get(g)!);
    assert.deepEqual(indices, [...new Set(indices)].sort((a, b) => a - b), 'request.groups in file order, unique');
    for (const g of request.groups) {
      assert.ok(generated.due.has(g), `${g} is due`);
      assert.equal(expansions[fileIndex.get(g)!].group.zone, request.zone);
    }
  }

  for (const [zoneName, items] of expected) {
    const requests = plan.requests.filter((r) => r.zone === zoneName);
    const sent = (kind: string) => requests.filter((r) => kind in wireBody(r.body));
    const everything = sent('purge_everything').length > 0;
    const hosts = sent('hosts').flatMap(requestValues);
    const prefixes = sent('prefixes').flatMap(requestValues);
    const tags = sent('tags').flatMap(requestValues);
    const files = sent('files').flatMap((r) => (wireBody(r.body) as { files: FileEntry[] }).files);
    // One form per files body (Cloudflare's schema): all strings or all objects.
    for (const r of sent('files')) {
      const forms = new Set((wireBody(r.body) as { files: FileEntry[] }).files.map((f) => typeof f));
      assert.equal(forms.size, 1, `a files body of zone ${zoneName} mixes strings and objects`);
    }

    // No duplicate item after batching.
    for (const [label, values] of [['hosts', hosts], ['prefixes', prefixes], ['tags', tags], ['files', files.map(entryKey)]] as const) {
      assert.equal(new Set(values).size, values.length, `no duplicate ${label} in zone ${zoneName}`);
    }
    assert.equal(sent('purge_everything').length, items.everything.size ? 1 : 0);
    if (everything) assert.equal(requests.length, 1, 'everything covers every other item of the zone');

    // Nothing lost: every item asked for is sent or covered by a sent item (docs/purge-yaml.md).
    const hostSet = new Set(hosts);
    // A prefix covers a file whose host+path is the prefix itself, but not the same prefix.
    const fileCoveredByPrefix = (hostPath: string) => prefixes.some((p) => prefixCovers(p, hostPath));
    const prefixCoveredByPrefix = (prefix: string) => prefixes.some((p) => p !== prefix && prefixCovers(p, prefix));
    const fileSet = new Set(files.map(entryKey));
    for (const [key, { entry }] of items.files) {
      const url = new URL(entryUrl(entry));
      const hostPath = entryUrl(entry).slice(entryUrl(entry).indexOf('//') + 2);
      const covered = everything || hostSet.has(url.hostname) || fileCoveredByPrefix(hostPath);
      assert.ok(fileSet.has(key) !== covered, `${key}: ${covered ? 'covered, so not sent' : 'sent'}`);
    }
    for (const host of items.hosts.keys()) assert.ok(everything || hostSet.has(host), `host ${host}`);
    for (const prefix of items.prefixes.keys()) {
      const covered = everything || hostSet.has(prefix.split('/')[0]) || prefixCoveredByPrefix(prefix);
      assert.equal(prefixes.includes(prefix), !covered, `prefix ${prefix}: ${covered ? 'covered, so not sent' : 'sent'}`);
    }
    for (const tag of items.tags.keys()) assert.ok(everything || tags.includes(tag), `tag ${tag}`);
    assert.equal(hosts.length, everything ? 0 : items.hosts.size);
    assert.equal(tags.length, everything ? 0 : items.tags.size);
    assert.ok([...fileSet].every((key) => items.files.has(key)), 'only asked-for files are sent');

    // Provenance: a request lists exactly the groups that asked for its items.
    const groupsOf = (request: PlannedRequest): Set<number> => {
      const body = wireBody(request.body);
      const found = new Set<number>();
      const from = (set: Set<number> | undefined) => set?.forEach((g) => found.add(g));
      if ('purge_everything' in body) from(items.everything);
      else if ('hosts' in body) body.hosts.forEach((h) => from(items.hosts.get(h)));
      else if ('prefixes' in body) body.prefixes.forEach((p) => from(items.prefixes.get(p)));
      else if ('tags' in body) body.tags.forEach((t) => from(items.tags.get(t)));
      else fileEntries(body).forEach((f) => from(items.files.get(entryKey(f))?.groups));
      return found;
    };
    for (const request of requests) {
      const listed = new Set(request.groups);
      for (const g of groupsOf(request)) assert.ok(listed.has(names[g]), `${names[g]} asked for an item of ${JSON.stringify(wireBody(request.body)).slice(0, 80)}`);
    }
    // …and every group whose items it covers (docs/commands.md): each item of each due group is purged by
    // a request naming that group, so a group covered whole is recorded as applied.
    const naming = (g: number, purges: (request: PlannedRequest) => boolean) => requests.some((r) => r.groups.includes(names[g]) && purges(r));
    const values = (r: PlannedRequest, kind: string) => (kind in wireBody(r.body) ? requestValues(r) : []);
    for (const [key, { entry, groups }] of items.files) {
      const hostPath = entryUrl(entry).slice(entryUrl(entry).indexOf('//') + 2);
      const host = new URL(entryUrl(entry)).hostname;
      for (const g of groups) {
        assert.ok(naming(g, (r) => 'purge_everything' in wireBody(r.body) || values(r, 'hosts').includes(host)
          || values(r, 'prefixes').some((p) => prefixCovers(p, hostPath)) || fileEntriesOf(r).some((f) => entryKey(f) === key)), `${key} of ${names[g]}`);
      }
    }
    for (const [prefix, groups] of items.prefixes) {
      for (const g of groups) {
        assert.ok(naming(g, (r) => 'purge_everything' in wireBody(r.body) || values(r, 'hosts').includes(prefix.split('/')[0])
          || values(r, 'prefixes').some((p) => p === prefix || prefixCovers(p, prefix))), `prefix ${prefix} of ${names[g]}`);
      }
    }
    for (const [kind, map] of [['hosts', items.hosts], ['tags', items.tags]] as const) {
      for (const [value, groups] of map) {
        for (const g of groups) assert.ok(naming(g, (r) => 'purge_everything' in wireBody(r.body) || values(r, kind).includes(value)), `${kind} ${value} of ${names[g]}`);
      }
    }

    // Item order: first group in file order, then value (files: URL, then header list).
    const firstGroup = (set: Set<number>) => Math.min(...set);
    const ordered = <T>(values: readonly T[], first: (v: T) => number, ...keys: ((v: T) => string)[]) => {
      for (let i = 1; i < values.length; i++) {
        const a = values[i - 1];
        const b = values[i];
        const order = first(a) - first(b) || keys.reduce((c, key) => c || cmp(key(a), key(b)), 0);
        assert.ok(order < 0, `item order: ${JSON.stringify(a)} before ${JSON.stringify(b)}`);
      }
    };
    ordered(hosts, (h) => firstGroup(items.hosts.get(h)!), (h) => h);
    ordered(prefixes, (p) => firstGroup(items.prefixes.get(p)!), (p) => p);
    ordered(tags, (t) => firstGroup(items.tags.get(t)!), (t) => t);
    ordered(files, (f) => firstGroup(items.files.get(entryKey(f))!.groups), entryUrl, headerList);
  }
}

describe(`plan properties over ${CONFIGS} seeded random configurations`, () => {
  const generated = Array.from({ length: CONFIGS }, (_, i) => ({ seed: 0x5eed0000 + i, ...generate(0x5eed0000 + i) }));

  it('the generator is deterministic and varied', () => {
    assert.equal(generate(0x5eed0000).yaml, generated[0].yaml);
    const plans = generated.map((g) => planOf(g.yaml, { due: (name) => g.due.has(name) }).plan);
    const total = (key: keyof Plan['summary']) => plans.reduce((n, p) => n + (p.summary[key] ?? 0), 0);
    // Every feature the invariants are about shows up somewhere in the sample.
    for (const key of ['files', 'hosts', 'prefixes', 'tags', 'everything', 'covered', 'duplicates'] as const) assert.ok(total(key) > 0, `some plan has ${key}`);
    assert.ok(plans.some((p) => new Set(p.requests.map((r) => r.zone)).size === 3), 'some plan spans three zones');
    assert.ok(plans.some((p) => p.requests.filter((r) => 'files' in wireBody(r.body)).length > 3), 'some plan chunks files');
  });

  for (const g of generated) {
    it(`seed ${g.seed.toString(16)}`, () => {
      const first = planOf(g.yaml, { due: (name) => g.due.has(name) });
      try {
        checkPlan(g, first.plan, first.expansions);
      } catch (error) {
        // The stack was captured with the original message: throw anew, with the configuration.
        throw new Error(`${(error as Error).message}\n--- purge.yaml (due: ${[...g.due].join(', ')}) ---\n${g.yaml}`, { cause: error });
      }
      // Determinism: the same configuration gives the identical plan, and its JSON.
      const second = planOf(g.yaml, { due: (name) => g.due.has(name) });
      const json = JSON.stringify(first.plan);
      assert.equal(JSON.stringify(second.plan), json);
      assert.equal(renderJson(second.plan), `${json}\n`, 'plan --json is the plan as JSON.stringify writes it');
    });
  }
});
