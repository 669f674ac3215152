// A group's file items as a reviewer reads them (docs/commands.md, "How the plan lists items"):
// the largest full product of URLs x header variants, its URLs listed and each dimension's values
// named once, and whatever is not part of it left as flat items. Pure: items in, parts out.
import { compare } from '../vocabulary.js';

/** A header variant as items carry it: its key (`name=value, …`) and its header pairs. */
export interface VariantLike {
  readonly key: string;
  readonly headers: readonly (readonly [string, string])[];
}

/** One URL's items: the URL with each of its variants (consecutive runs of one URL are one). */
export interface UrlRun {
  readonly url: string;
  readonly variants: readonly VariantLike[];
}

/** A dimension of the cache key as purge.yaml declares it: its values in order, null for absent. */
export interface DeclaredDimension {
  readonly kind: 'header' | 'cookie';
  readonly name: string;
  readonly values: readonly (string | null)[];
}

/** A dimension of a product: what a reviewer calls it, and its values (null: absent). */
export interface ProductDimension {
  readonly label: string;
  readonly values: readonly (string | null)[];
}

/** Every URL of `urls` with every combination of the dimensions' values: `variants` items each. */
export interface Product {
  readonly urls: readonly string[];
  readonly dimensions: readonly ProductDimension[];
  readonly variants: number;
}

export interface Factored {
  /** The largest full product the items hold; null when there are no items. */
  readonly product: Product | null;
  /** The items outside the product, in item order. */
  readonly rest: readonly UrlRun[];
  /** Items outside the product. */
  readonly restItems: number;
}

/** The names reviewers know the headers Cloudflare sets by. */
const LABELS: Readonly<Record<string, string>> = { 'cf-device-type': 'device', 'cf-ipcountry': 'country', 'accept-language': 'language' };

/** A dimension's id: `h:name` for a header, `c:name` for one cookie of the cookie header. */
type DimensionId = string;

/** A variant's value in each dimension (a missing dimension: absent). */
function coordinates(variant: VariantLike): Map<DimensionId, string> {
  const at = new Map<DimensionId, string>();
  for (const [name, value] of variant.headers) {
    if (name !== 'cookie') { at.set(`h:${name}`, value); continue; }
    // `a=1; b=2`: one dimension per cookie (a cookie value holds no `;`: docs/purge-yaml.md).
    const pairs = value.split('; ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const);
    if (pairs.some(([cookie]) => cookie === '') || new Set(pairs.map(([cookie]) => cookie)).size !== pairs.length) at.set('h:cookie', value);
    else for (const [cookie, cookieValue] of pairs) at.set(`c:${cookie}`, cookieValue);
  }
  return at;
}

const labelOf = (id: DimensionId): string => (id.startsWith('c:') ? `cookie ${id.slice(2)}` : LABELS[id.slice(2)] ?? id.slice(2));

/** One set of variants (the variants some URLs share): the URLs that have it, by their index in the runs. */
interface VariantSet {
  readonly variants: readonly VariantLike[];
  readonly keys: ReadonlySet<string>;
  readonly urls: number[];
  readonly first: number;
}

/** A box: per dimension, the values kept; the variants of `set` inside it. */
interface Box {
  readonly dimensions: readonly DimensionId[];
  readonly values: readonly (readonly (string | null)[])[];
  readonly keys: readonly string[];
}

/**
 * The largest box of dimension values all of whose combinations are in `variants` (greedy: the
 * value whose slice is emptiest is dropped until the box is full). Exact when the variants are a
 * full product, which is the common case: a group's items are URLs x variants until coverage or
 * a change of its variants takes some away.
 */
function largestBox(variants: readonly VariantLike[], order: (ids: Iterable<DimensionId>) => DimensionId[], valueOrder: (id: DimensionId, values: Iterable<string | null>) => (string | null)[]): Box {
  const coords = variants.map(coordinates);
  const dimensions = order(new Set(coords.flatMap((c) => [...c.keys()])));
  const valueOf = (c: Map<DimensionId, string>, d: number): string | null => c.get(dimensions[d]) ?? null;
  let inside = variants.map((_, i) => i);
  const values = dimensions.map((id, d) => valueOrder(id, new Set(inside.map((i) => valueOf(coords[i], d)))));
  for (;;) {
    const size = values.reduce((n, v) => n * v.length, 1);
    if (size === inside.length || inside.length === 0) break;
    // The value whose slice of the box holds the fewest variants goes (ties: the last dimension, the last value).
    let worst = { d: -1, v: -1, fill: Infinity };
    for (let d = 0; d < values.length; d++) {
      const counts = new Map<string | null, number>();
      for (const i of inside) { const value = valueOf(coords[i], d); counts.set(value, (counts.get(value) ?? 0) + 1); }
      const capacity = size / values[d].length;
      for (let v = 0; v < values[d].length; v++) {
        const fill = (counts.get(values[d][v]) ?? 0) / capacity;
        if (fill <= worst.fill) worst = { d, v, fill };
      }
    }
    const { d, v } = worst;
    const dropped = values[d][v];
    values[d] = values[d].filter((_, at) => at !== v);
    inside = inside.filter((i) => valueOf(coords[i], d) !== dropped);
  }
  return { dimensions, values: inside.length ? values : [], keys: inside.map((i) => variants[i].key) };
}

/** The dimensions Cloudflare's cache key names first, in its order (docs/purge-yaml.md). */
const KEY_ORDER: readonly DimensionId[] = ['h:cf-device-type', 'h:cf-ipcountry', 'h:accept-language'];

/** How many candidate boxes are tried (the sets of the most items). */
const CANDIDATES = 16;

/**
 * The items `runs` holds, factored: the largest product of URLs x variants they contain in full,
 * and the rest. `declared` gives the dimensions' order and their values' (purge.yaml's); a
 * dimension or value it does not name follows in sorted order.
 */
export function factorItems(runs: readonly UrlRun[], declared: readonly DeclaredDimension[] = []): Factored {
  const merged = mergeRuns(runs);
  if (merged.length === 0) return { product: null, rest: [], restItems: 0 };
  // Undeclared (a plan read back from a file): the cache key's order, device, country, language first.
  const declaredIds = declared.length ? declared.map((d) => (d.kind === 'cookie' ? `c:${d.name}` : `h:${d.name}`)) : KEY_ORDER;
  // Headers before cookies, as the cache key lists them.
  const order = (ids: Iterable<DimensionId>) => [...ids].sort((a, b) => {
    const i = declaredIds.indexOf(a);
    const j = declaredIds.indexOf(b);
    if (i !== -1 || j !== -1) return (i === -1 ? Infinity : i) - (j === -1 ? Infinity : j) || 0;
    return a[0] !== b[0] ? (a[0] === 'h' ? -1 : 1) : compare(a, b);
  });
  const valueOrder = (id: DimensionId, values: Iterable<string | null>) => {
    const known = declared.find((d) => (d.kind === 'cookie' ? `c:${d.name}` : `h:${d.name}`) === id)?.values ?? [];
    return [...values].sort((a, b) => rank(known, a, b));
  };
  const sets = variantSets(merged);
  // The sets of the most items first; each gives the box its variants hold in full, and the box
  // counts every URL whose variants include it.
  const candidates = [...sets].sort((a, b) => b.urls.length * b.variants.length - a.urls.length * a.variants.length || a.first - b.first).slice(0, CANDIDATES);
  let best: { box: Box; members: VariantSet[]; items: number; first: number } | null = null;
  for (const candidate of candidates) {
    const box = largestBox(candidate.variants, order, valueOrder);
    if (box.keys.length === 0) continue;
    const members = sets.filter((set) => set.keys.size >= box.keys.length && box.keys.every((key) => set.keys.has(key)));
    const items = members.reduce((n, set) => n + set.urls.length, 0) * box.keys.length;
    const first = members.reduce((least, set) => Math.min(least, set.first), Infinity);
    // Ties: the product of more variants (its URLs have every variant; the others are listed), then the earlier.
    if (best === null || items > best.items || (items === best.items && (box.keys.length > best.box.keys.length || (box.keys.length === best.box.keys.length && first < best.first)))) best = { box, members, items, first };
  }
  if (best === null) return { product: null, rest: merged, restItems: merged.reduce((n, r) => n + r.variants.length, 0) };
  const { box, members } = best;
  const inProduct = new Uint8Array(merged.length);
  for (const set of members) for (const index of set.urls) inProduct[index] = 1;
  const inBox = new Set(box.keys);
  const urls: string[] = [];
  const rest: UrlRun[] = [];
  let restItems = 0;
  merged.forEach((run, index) => {
    if (inProduct[index]) urls.push(run.url);
    const left = inProduct[index] ? (run.variants.length === box.keys.length ? [] : run.variants.filter((v) => !inBox.has(v.key))) : run.variants;
    if (left.length) { rest.push(left.length === run.variants.length ? run : { url: run.url, variants: left }); restItems += left.length; }
  });
  return {
    product: { urls, dimensions: box.dimensions.map((id, d) => ({ label: labelOf(id), values: box.values[d] })), variants: box.keys.length },
    rest,
    restItems,
  };
}

/** Values: absent last; before it, declared ones in declared order, then the others sorted. */
function rank(declared: readonly (string | null)[], a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const i = declared.indexOf(a);
  const j = declared.indexOf(b);
  if (i !== -1 || j !== -1) return (i === -1 ? Infinity : i) - (j === -1 ? Infinity : j) || 0;
  return compare(a, b);
}

/** Consecutive runs of one URL joined (a URL's items may be cut across two requests). */
function mergeRuns(runs: readonly UrlRun[]): UrlRun[] {
  const merged: UrlRun[] = [];
  for (const run of runs) {
    if (run.variants.length === 0) continue;
    const last = merged[merged.length - 1];
    if (last !== undefined && last.url === run.url) merged[merged.length - 1] = { url: run.url, variants: [...last.variants, ...run.variants] };
    else merged.push(run);
  }
  return merged;
}

/** The URLs by the set of variants they have (URLs sharing a variant list share it by reference, usually). */
function variantSets(runs: readonly UrlRun[]): VariantSet[] {
  const byList = new Map<readonly VariantLike[], VariantSet>();
  const byKeys = new Map<string, VariantSet>();
  runs.forEach((run, index) => {
    let set = byList.get(run.variants);
    if (set === undefined) {
      const unique = [...new Map(run.variants.map((v) => [v.key, v])).values()];
      const signature = unique.map((v) => v.key).sort(compare).join('\n');
      set = byKeys.get(signature);
      if (set === undefined) byKeys.set(signature, (set = { variants: unique, keys: new Set(unique.map((v) => v.key)), urls: [], first: index }));
      byList.set(run.variants, set);
    }
    set.urls.push(index);
  });
  return [...byKeys.values()];
}
