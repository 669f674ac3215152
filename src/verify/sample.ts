// Which file items `apply --verify N` probes (docs/commands.md#verify-at-the-edge): N of the plan's file items, spread over
// groups (round robin in file order) and, within a group, over its URLs and its header variants,
// chosen the same way for the same plan (the plan id seeds the order). Pure: plan in, items out.
import { CompactFiles } from '../plan/files.js';
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
}

export interface SampleOptions {
  readonly count: number;
  /** Requests not to sample from (already sent by an earlier run of the plan: their entries are not warm-then-purged). */
  readonly skipRequests?: ReadonlySet<number>;
  /**
   * The group an item is attributed to, among the groups of its request (in file order). Without
   * it, the request's first group. apply passes one built from the groups' expanded URLs.
   */
  readonly groupOf?: (url: string, requestGroups: readonly string[]) => string;
}

/** A file item by reference: its request and its position in the request's `files`. */
interface Ref { readonly request: number; readonly position: number }

/** Consecutive items of one request with the same URL (one per variant). */
interface Span { readonly request: number; readonly start: number; readonly count: number }

interface UrlPool {
  readonly url: string;
  readonly spans: Span[];
  /** Items of the URL: the sum of the spans' counts. */
  size: number;
  /** Offsets (into the concatenated spans) already picked; made on the first pick (most URLs are never picked). */
  used: Set<number> | null;
}

interface GroupPool {
  readonly name: string;
  /** The group's URLs, in seeded order. */
  readonly urls: UrlPool[];
  picks: number;
}

/** The action of a request: `invalidate` for invalidate_cache requests (docs/purge-yaml.md), else `purge` (also for plans saved before `action`). */
function actionOf(request: Plan['requests'][number]): VerifyAction {
  return request.action === 'invalidate' ? 'invalidate' : 'purge';
}

export function sampleItems(plan: Plan, options: SampleOptions): VerifyItem[] {
  if (options.count <= 0) return [];
  const seed = hash32(plan.plan_id, 0x811c9dc5);
  const groupOrder = new Map(plan.groups.map((g, i) => [g.name, i]));
  const pools = new Map<string, { name: string; byUrl: Map<string, UrlPool> }>();
  plan.requests.forEach((request, index) => {
    if (options.skipRequests?.has(index)) return;
    forEachFileSpan(request.body, (url, start, count) => {
      const group = options.groupOf?.(url, request.groups) ?? request.groups[0] ?? request.zone;
      let pool = pools.get(group);
      if (!pool) pools.set(group, (pool = { name: group, byUrl: new Map() }));
      let entry = pool.byUrl.get(url);
      if (!entry) pool.byUrl.set(url, (entry = { url, spans: [], size: 0, used: null }));
      entry.spans.push({ request: index, start, count });
      entry.size += count;
    });
  });
  const groups: GroupPool[] = [...pools.values()]
    .sort((a, b) => (groupOrder.get(a.name) ?? Infinity) - (groupOrder.get(b.name) ?? Infinity) || compare(a.name, b.name))
    .map((pool) => ({
      name: pool.name,
      picks: 0,
      urls: [...pool.byUrl.values()].map((entry) => ({ entry, rank: hash32(entry.url, seed) }))
        .sort((a, b) => a.rank - b.rank || compare(a.entry.url, b.entry.url))
        .map(({ entry }) => entry),
    }));

  const picked: { group: string; ref: Ref }[] = [];
  let active = groups.filter((g) => g.urls.length > 0);
  while (picked.length < options.count && active.length > 0) {
    for (const group of active) {
      if (picked.length >= options.count) break;
      const ref = pickInGroup(group, seed);
      if (ref) picked.push({ group: group.name, ref });
    }
    active = active.filter((g) => g.urls.some((u) => (u.used?.size ?? 0) < u.size));
  }
  picked.sort((a, b) => a.ref.request - b.ref.request || a.ref.position - b.ref.position);
  return picked.map(({ group, ref }) => {
    const request = plan.requests[ref.request];
    const { url, headers } = fileAt(request.body, ref.position);
    return { zone: request.zone, group, action: actionOf(request), url, headers, request: ref.request };
  });
}

/**
 * The group's j-th pick: the j-th URL in seeded order (the next one with items left), and of its
 * variants the one at offset j (wrapping, skipping those taken), so that URLs and variants both
 * change from one pick to the next.
 */
function pickInGroup(group: GroupPool, seed: number): Ref | undefined {
  const count = group.urls.length;
  for (let step = 0; step < count; step++) {
    const entry = group.urls[(group.picks + step) % count];
    const size = entry.size;
    const used = (entry.used ??= new Set());
    if (used.size >= size) continue;
    const start = (group.picks + (seed % size)) % size;
    for (let k = 0; k < size; k++) {
      const offset = (start + k) % size;
      if (used.has(offset)) continue;
      used.add(offset);
      group.picks++;
      return refAt(entry.spans, offset);
    }
  }
  return undefined;
}

function refAt(spans: readonly Span[], offset: number): Ref {
  let rest = offset;
  for (const span of spans) {
    if (rest < span.count) return { request: span.request, position: span.start + rest };
    rest -= span.count;
  }
  throw new Error(`no item at offset ${offset}`);
}

/** Calls `visit` with each run of consecutive file items sharing a URL, in order; nothing for other bodies. */
function forEachFileSpan(body: PurgeBody, visit: (url: string, start: number, count: number) => void): void {
  if (body instanceof CompactFiles) {
    let position = 0;
    for (const run of body.runs) {
      visit(run.url, position, run.variants.length);
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
    visit(url, start, end - start);
    start = end;
  }
}

function urlOf(entry: FileEntry): string {
  return typeof entry === 'string' ? entry : entry.url;
}

function fileAt(body: PurgeBody, position: number): { url: string; headers: Readonly<Record<string, string>> } {
  if (body instanceof CompactFiles) {
    let offset = position;
    for (const run of body.runs) {
      if (offset < run.variants.length) return { url: run.url, headers: run.variants[offset].object ?? {} };
      offset -= run.variants.length;
    }
    throw new Error(`no file item at ${position}`);
  }
  if (!('files' in body)) throw new Error('not a files body');
  const entry = body.files[position];
  return typeof entry === 'string' ? { url: entry, headers: {} } : { url: entry.url, headers: entry.headers ?? {} };
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
