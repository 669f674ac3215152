// Which file items `apply --verify N` probes and `apply --warm N` warms (docs/commands.md#verify-at-the-edge,
// docs/commands.md#warm-the-cache): N of the plan's file items, spread over groups (round robin in file order)
// and, within a group, over its URLs and its header variants, chosen the same way for the same plan
// (the plan id seeds the order). Pure: plan in, items out.
import type { GroupExpansion } from '../expand/group.js';
import { CompactFiles } from '../plan/files.js';
import type { FilesRun } from '../plan/files.js';
import type { Action, FileEntry, Plan, PurgeBody } from '../plan/types.js';
import { compare } from '../vocabulary.js';

export type VerifyAction = Action;

export interface VerifyItem {
  readonly zone: string;
  readonly group: string;
  readonly action: VerifyAction;
  readonly url: string;
  /** The cache-key headers the plan sends with the URL (names lower-case, sorted); {} for a plain URL. */
  readonly headers: Readonly<Record<string, string>>;
  /** Index of the request in `plan.requests` that purges the item. */
  readonly request: number;
  /**
   * With `collapseCountries`, for an item whose key has a country: the countries of the purged
   * variants it stands for (sorted); its `headers` then leave `cf-ipcountry` out.
   */
  readonly countries?: readonly string[];
}

export interface SampleOptions {
  /** How many items; Infinity for all of them (in plan order). */
  readonly count: number;
  /** Requests not to sample from (already sent by an earlier run of the plan: their entries are not warm-then-purged). */
  readonly skipRequests?: ReadonlySet<number>;
  /**
   * The group an item is attributed to, among the groups of its request (in file order). Without
   * it, the request's first group. apply passes one built from the groups' expanded URLs.
   */
  readonly groupOf?: (url: string, requestGroups: readonly string[]) => string;
  /** Only URLs this accepts are sampled (all without it). */
  readonly include?: (url: string) => boolean;
  /**
   * Items of one URL that differ only by their country are one item, without `cf-ipcountry`: the
   * edge takes the country from the client's address, so one request reaches one of them (--warm).
   */
  readonly collapseCountries?: boolean;
}

const COUNTRY = 'cf-ipcountry';

/** Consecutive items of one request with the same URL (one per variant); `run` for a compact body. */
interface Span { readonly request: number; readonly start: number; readonly count: number; readonly run: FilesRun | null }

/** A file item by reference: its request, its position in the request's `files`, and its span. */
interface Ref { readonly request: number; readonly position: number; readonly span: Span; readonly k: number }

/** With collapseCountries, a URL whose variants have a country: one unit per variant without it. */
interface Units { readonly offsets: number[]; readonly countries: string[][] }

interface UrlPool {
  readonly url: string;
  readonly spans: Span[];
  /** Items of the URL: the sum of the spans' counts. */
  size: number;
  units: Units | null;
  /** Offsets already picked: `next[i]` leads to the first free offset at or after i (made on the first pick). */
  next: Int32Array | null;
  picked: number;
}

interface GroupPool {
  readonly name: string;
  /** The group's URLs, in seeded order. */
  readonly urls: UrlPool[];
  /** `next[i]` leads to the first URL at or after i with items left (index urls.length: none). */
  readonly next: Int32Array;
  remaining: number;
  picks: number;
}

/** The action of a request: `invalidate` for invalidate_cache requests (docs/purge-yaml.md), else `purge` (also for plans saved before `action`). */
function actionOf(request: Plan['requests'][number]): VerifyAction {
  return request.action === 'invalidate' ? 'invalidate' : 'purge';
}

const poolSize = (pool: UrlPool): number => pool.units?.offsets.length ?? pool.size;

export function sampleItems(plan: Plan, options: SampleOptions): VerifyItem[] {
  if (options.count <= 0) return [];
  const seed = hash32(plan.plan_id, 0x811c9dc5);
  const pools = urlPools(plan, options);
  const total = pools.reduce((sum, pool) => sum + pool.byUrl.reduce((n, entry) => n + poolSize(entry), 0), 0);
  const picked: { group: string; ref: Ref; countries?: string[] }[] = [];
  if (options.count >= total) {
    // Every item: no spreading to do (the order below is the plan's either way).
    for (const { name, byUrl } of pools) {
      for (const entry of byUrl) {
        for (let unit = 0; unit < poolSize(entry); unit++) picked.push({ group: name, ...unitRef(entry, unit) });
      }
    }
  } else {
    const groups = pools.map((pool): GroupPool => ({
      name: pool.name,
      picks: 0,
      remaining: pool.byUrl.reduce((n, entry) => n + poolSize(entry), 0),
      next: freeList(pool.byUrl.length),
      urls: pool.byUrl.map((entry) => ({ entry, rank: hash32(entry.url, seed) }))
        .sort((a, b) => a.rank - b.rank || compare(a.entry.url, b.entry.url))
        .map(({ entry }) => entry),
    }));
    let active = groups.filter((g) => g.remaining > 0);
    while (picked.length < options.count && active.length > 0) {
      for (const group of active) {
        if (picked.length >= options.count) break;
        picked.push({ group: group.name, ...pickInGroup(group, seed) });
      }
      active = active.filter((g) => g.remaining > 0);
    }
  }
  picked.sort((a, b) => a.ref.request - b.ref.request || a.ref.position - b.ref.position);
  return picked.map(({ group, ref, countries }) => {
    const request = plan.requests[ref.request];
    const { url, headers } = itemAt(plan, ref);
    const item = { zone: request.zone, group, action: actionOf(request), url, headers, request: ref.request };
    return countries === undefined ? item : { ...item, headers: withoutCountry(headers), countries: [...countries].sort(compare) };
  });
}

/** The groups' URL pools, in file order of the groups; a URL belongs to the first group it is attributed to. */
function urlPools(plan: Plan, options: SampleOptions): { name: string; byUrl: UrlPool[] }[] {
  const groupOrder = new Map(plan.groups.map((g, i) => [g.name, i]));
  const pools = new Map<string, { name: string; byUrl: UrlPool[] }>();
  const byUrl = new Map<string, UrlPool>();
  plan.requests.forEach((request, index) => {
    // --verify and --warm probe Cloudflare's edge: other providers' requests are left out (docs/providers.md).
    if (options.skipRequests?.has(index) || (request.provider ?? 'cloudflare') !== 'cloudflare') return;
    forEachFileSpan(request.body, (url, start, count, run) => {
      let entry = byUrl.get(url);
      if (!entry) {
        if (options.include && !options.include(url)) return;
        const group = options.groupOf?.(url, request.groups) ?? request.groups[0] ?? request.zone;
        let pool = pools.get(group);
        if (!pool) pools.set(group, (pool = { name: group, byUrl: [] }));
        byUrl.set(url, (entry = { url, spans: [], size: 0, units: null, next: null, picked: 0 }));
        pool.byUrl.push(entry);
      }
      entry.spans.push({ request: index, start, count, run });
      entry.size += count;
    });
  });
  if (options.collapseCountries) {
    // A compact body's URLs share their group's variant list: its units are worked out once.
    const shared = new Map<readonly unknown[], Units | null>();
    for (const entry of byUrl.values()) {
      const run = entry.spans.length === 1 ? entry.spans[0].run : null;
      if (run === null) entry.units = countryUnits(plan, entry);
      else if (shared.has(run.variants)) entry.units = shared.get(run.variants)!;
      else shared.set(run.variants, (entry.units = countryUnits(plan, entry)));
    }
  }
  return [...pools.values()]
    .sort((a, b) => (groupOrder.get(a.name) ?? Infinity) - (groupOrder.get(b.name) ?? Infinity) || compare(a.name, b.name));
}

/** The URL's items once per variant without its country, or null when no variant has one. */
function countryUnits(plan: Plan, entry: UrlPool): Units | null {
  const units: Units = { offsets: [], countries: [] };
  const byKey = new Map<string, number>();
  let offset = 0;
  let any = false;
  for (const span of entry.spans) {
    for (let k = 0; k < span.count; k++, offset++) {
      const headers = headersAt(plan, span, k);
      const country = headers[COUNTRY];
      if (country !== undefined) any = true;
      const key = Object.keys(headers).filter((name) => name !== COUNTRY).map((name) => `${name}=${headers[name]}`).join('\n');
      let unit = byKey.get(key);
      if (unit === undefined) {
        byKey.set(key, (unit = units.offsets.length));
        units.offsets.push(offset);
        units.countries.push([]);
      }
      if (country !== undefined) units.countries[unit].push(country);
    }
  }
  return any ? units : null;
}

/** A "next free" forest of `size` free indexes (and the end, `size`): each its own root. */
function freeList(size: number): Int32Array {
  const next = new Int32Array(size + 1);
  for (let i = 0; i <= size; i++) next[i] = i;
  return next;
}

/** The first free index at or after `i` in a "next free" forest, compressing the path. */
function findFree(next: Int32Array, i: number): number {
  let root = i;
  while (next[root] !== root) root = next[root];
  for (let at = i; next[at] !== root;) {
    const following = next[at];
    next[at] = root;
    at = following;
  }
  return root;
}

/** The first free index at or after `from`, wrapping around (there is one). */
function findFreeFrom(next: Int32Array, from: number, size: number): number {
  const found = findFree(next, from);
  return found < size ? found : findFree(next, 0);
}

/**
 * The group's j-th pick: the j-th URL in seeded order (the next one with items left), and of its
 * variants the one at offset j (wrapping, skipping those taken), so that URLs and variants both
 * change from one pick to the next.
 */
function pickInGroup(group: GroupPool, seed: number): { ref: Ref; countries?: string[] } {
  const index = findFreeFrom(group.next, group.picks % group.urls.length, group.urls.length);
  const entry = group.urls[index];
  const size = poolSize(entry);
  const next = (entry.next ??= freeList(size));
  const unit = findFreeFrom(next, (group.picks + (seed % size)) % size, size);
  next[unit] = unit + 1;
  entry.picked++;
  group.picks++;
  group.remaining--;
  if (entry.picked >= size) group.next[index] = index + 1;
  return unitRef(entry, unit);
}

function unitRef(entry: UrlPool, unit: number): { ref: Ref; countries?: string[] } {
  if (entry.units === null) return { ref: refAt(entry.spans, unit) };
  return { ref: refAt(entry.spans, entry.units.offsets[unit]), countries: entry.units.countries[unit] };
}

function refAt(spans: readonly Span[], offset: number): Ref {
  let rest = offset;
  for (const span of spans) {
    if (rest < span.count) return { request: span.request, position: span.start + rest, span, k: rest };
    rest -= span.count;
  }
  throw new Error(`no item at offset ${offset}`);
}

/** Calls `visit` with each run of consecutive file items sharing a URL, in order; nothing for other bodies. */
function forEachFileSpan(body: PurgeBody, visit: (url: string, start: number, count: number, run: FilesRun | null) => void): void {
  if (body instanceof CompactFiles) {
    let position = 0;
    for (const run of body.runs) {
      visit(run.url, position, run.variants.length, run);
      position += run.variants.length;
    }
    return;
  }
  if (!('files' in body)) return;
  const files = body.files;
  for (let start = 0; start < files.length;) {
    const url = urlOf(files[start]);
    let end = start + 1;
    while (end < files.length && urlOf(files[end]) === url) end++;
    visit(url, start, end - start, null);
    start = end;
  }
}

function urlOf(entry: FileEntry): string {
  return typeof entry === 'string' ? entry : entry.url;
}

/** The headers of the span's k-th item ({} for a plain URL). */
function headersAt(plan: Plan, span: Span, k: number): Readonly<Record<string, string>> {
  if (span.run !== null) return span.run.variants[k].object ?? {};
  const entry = (plan.requests[span.request].body as { readonly files: readonly FileEntry[] }).files[span.start + k];
  return typeof entry === 'string' ? {} : entry.headers ?? {};
}

function itemAt(plan: Plan, ref: Ref): { url: string; headers: Readonly<Record<string, string>> } {
  const { span } = ref;
  if (span.run !== null) return { url: span.run.url, headers: headersAt(plan, span, ref.k) };
  const entry = (plan.requests[span.request].body as { readonly files: readonly FileEntry[] }).files[ref.position];
  return { url: urlOf(entry), headers: headersAt(plan, span, ref.k) };
}

function withoutCountry(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== COUNTRY));
}

/**
 * Which group a URL belongs to, among its request's groups (the first whose expansion lists it;
 * else the request's first), and whether any group lists it now (an item a group lost is purged
 * one last time, and no longer listed).
 */
export function urlGroups(expansions: readonly GroupExpansion[]): { groupOf: (url: string, requestGroups: readonly string[]) => string; listed: (url: string) => boolean } {
  const urlsOf = new Map<string, ReadonlySet<string>>();
  let every: ReadonlySet<string> | null = null;
  const groupOf = (url: string, requestGroups: readonly string[]): string => {
    for (const name of requestGroups) {
      let urls = urlsOf.get(name);
      if (!urls) {
        urls = new Set(expansions.filter((e) => e.group.name === name).flatMap((e) => e.urls));
        urlsOf.set(name, urls);
      }
      if (urls.has(url)) return name;
    }
    return requestGroups[0];
  };
  const listed = (url: string): boolean => (every ??= new Set(expansions.flatMap((e) => e.urls))).has(url);
  return { groupOf, listed };
}

/** FNV-1a, 32 bits: a cheap, stable hash to order URLs by (not for security). */
function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
