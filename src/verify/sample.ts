// Which file items `apply --verify N` probes (spec §11): N of the plan's file items, spread over
// groups (round robin in file order) and, within a group, over its URLs and its header variants,
// chosen the same way for the same plan (the plan id seeds the order). Pure: plan in, items out.
import { compactFilesOf } from '../plan/files.js';
import type { Action, Plan, PurgeBody } from '../plan/types.js';

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

interface GroupPool {
  readonly name: string;
  /** The group's URLs, in seeded order; each with its items in plan order. */
  readonly urls: { readonly url: string; readonly refs: Ref[]; next: number; used: Set<number> }[];
  picks: number;
}

/** The action of a request: `invalidate` for invalidate_cache requests (spec §7.3), else `purge` (also for plans saved before `action`). */
export function actionOf(request: Plan['requests'][number]): VerifyAction {
  return request.action === 'invalidate' ? 'invalidate' : 'purge';
}

export function sampleItems(plan: Plan, options: SampleOptions): VerifyItem[] {
  if (options.count <= 0) return [];
  const seed = hash32(plan.plan_id, 0x811c9dc5);
  const groupOrder = new Map(plan.groups.map((g, i) => [g.name, i]));
  const pools = new Map<string, { name: string; byUrl: Map<string, Ref[]> }>();
  plan.requests.forEach((request, index) => {
    if (options.skipRequests?.has(index)) return;
    forEachFileUrl(request.body, (url, position) => {
      const group = options.groupOf?.(url, request.groups) ?? request.groups[0] ?? request.zone;
      let pool = pools.get(group);
      if (!pool) pools.set(group, (pool = { name: group, byUrl: new Map() }));
      let refs = pool.byUrl.get(url);
      if (!refs) pool.byUrl.set(url, (refs = []));
      refs.push({ request: index, position });
    });
  });
  const groups: GroupPool[] = [...pools.values()]
    .sort((a, b) => (groupOrder.get(a.name) ?? Infinity) - (groupOrder.get(b.name) ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((pool) => ({
      name: pool.name,
      picks: 0,
      urls: [...pool.byUrl].map(([url, refs]) => ({ url, refs, rank: hash32(url, seed), next: 0, used: new Set<number>() }))
        .sort((a, b) => a.rank - b.rank || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)),
    }));

  const picked: { group: string; ref: Ref }[] = [];
  let active = groups.filter((g) => g.urls.length > 0);
  while (picked.length < options.count && active.length > 0) {
    for (const group of active) {
      if (picked.length >= options.count) break;
      const ref = pickInGroup(group, seed);
      if (ref) picked.push({ group: group.name, ref });
    }
    active = active.filter((g) => g.urls.some((u) => u.used.size < u.refs.length));
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
    const size = entry.refs.length;
    if (entry.used.size >= size) continue;
    const start = (group.picks + (seed % size)) % size;
    for (let k = 0; k < size; k++) {
      const position = (start + k) % size;
      if (entry.used.has(position)) continue;
      entry.used.add(position);
      group.picks++;
      return entry.refs[position];
    }
  }
  return undefined;
}

/** Calls `visit` with the URL of each file item of a files body, in order; false for other bodies. */
function forEachFileUrl(body: PurgeBody, visit: (url: string, position: number) => void): boolean {
  if (!('files' in body)) return false;
  const compact = compactFilesOf(body);
  let position = 0;
  if (compact) {
    for (const run of compact.runs) for (let k = 0; k < run.variants.length; k++) visit(run.url, position++);
  } else {
    for (const entry of body.files) visit(typeof entry === 'string' ? entry : entry.url, position++);
  }
  return true;
}

function fileAt(body: PurgeBody, position: number): { url: string; headers: Readonly<Record<string, string>> } {
  if (!('files' in body)) throw new Error('not a files body');
  const compact = compactFilesOf(body);
  if (compact) {
    let offset = position;
    for (const run of compact.runs) {
      if (offset < run.variants.length) return { url: run.url, headers: run.variants[offset].object ?? {} };
      offset -= run.variants.length;
    }
    throw new Error(`no file item at ${position}`);
  }
  const entry = body.files[position];
  return typeof entry === 'string' ? { url: entry, headers: {} } : { url: entry.url, headers: entry.headers };
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
