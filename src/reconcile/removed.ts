// Items that leave a group (a line deleted from a vars file, a renamed slug, a dropped tag, host,
// prefix or variant value) are purged one last time (README "Only what changed"): a changed
// group's items at the baseline that it no longer has, in the zone where they were cached. Pure:
// the baseline's items (from the state's record, or purge.yaml at --base REF) and the current
// expansion in, the removed items and the warnings about what cannot be purged out.
import { zoneForHost } from '../config/route.js';
import type { Zone } from '../config/types.js';
import type { Diagnostic, Position } from '../diagnostics.js';
import type { GroupExpansion } from '../expand/group.js';
import { compare } from '../vocabulary.js';
import { parseVariantKey } from '../expand/variants.js';
import { count, plural } from '../format.js';
import type { RemovedFiles, RemovedItems } from '../plan/types.js';
import type { Decision } from './due.js';
import { MAX_RECORDED_ITEMS } from './record.js';
import type { RecordedItems } from './record.js';

/** A group's items at the baseline in one zone; file items are `urls` x `variants`. */
export interface BaselineItems {
  readonly zone: string;
  readonly urls: readonly string[];
  readonly variants: readonly { readonly key: string; readonly headers: readonly (readonly [string, string])[] }[];
  readonly hosts: readonly string[];
  readonly prefixes: readonly string[];
  readonly tags: readonly string[];
}

/** What the baseline says about a group's items: by zone (`unplaced`: items in no zone now), or why it cannot say. */
export type BaselineSource =
  | { readonly known: readonly BaselineItems[]; readonly unplaced: number }
  | { readonly unknown: string };

/** The baseline items of an expansion (purge.yaml at --base REF): exact, per zone. */
export function expansionBaseline(parts: readonly GroupExpansion[]): BaselineSource {
  return {
    known: parts.map((p) => ({
      zone: p.zone, urls: p.urls, variants: p.variants.map((v) => ({ key: v.key, headers: v.headers })),
      hosts: p.hosts, prefixes: p.prefixes, tags: p.tags,
    })),
    unplaced: 0,
  };
}

/** The host of a normalized URL (`scheme://host[:port]/…`), without its port. */
function urlHost(url: string): string {
  const start = url.indexOf('//') + 2;
  let end = start;
  while (end < url.length && !'/?#:'.includes(url[end])) end++;
  return url.slice(start, end);
}

/**
 * The baseline items of a state record. A group in one zone keeps its items there; a routed
 * group's record names its zones (`a,b`) and merges their lists, so each URL, host and prefix is
 * routed again by its host among those zones (a URL goes to one zone only: docs/purge-yaml.md, routing by host).
 */
export function recordBaseline(zoneKey: string, items: RecordedItems | undefined, itemsCount: number, legacy: boolean, zones: readonly Zone[]): BaselineSource {
  if (items === undefined) {
    return {
      unknown: legacy
        ? 'the state was written by an older purgeplan, which did not keep item lists'
        : `the state keeps item lists only up to ${count(MAX_RECORDED_ITEMS)} items and this group had ${count(itemsCount)}`,
    };
  }
  const unreadable: BaselineSource = { unknown: 'the state\'s item list for this group cannot be read' };
  const variantsOf = (recorded: RecordedItems): BaselineItems['variants'][number][] | null => {
    const variants: BaselineItems['variants'][number][] = [];
    for (const key of recorded.urls?.length ? recorded.variants ?? [] : []) {
      const headers = parseVariantKey(key);
      if (headers === null) return null;
      variants.push({ key, headers });
    }
    return variants;
  };
  const partOf = (zone: string, recorded: RecordedItems, variants: BaselineItems['variants']): BaselineItems =>
    ({ zone, urls: recorded.urls ?? [], variants, hosts: recorded.hosts ?? [], prefixes: recorded.prefixes ?? [], tags: recorded.tags ?? [] });
  if (items.zones !== undefined) {
    // Recorded zone by zone (a routed group whose zones vary its URLs differently).
    const known: BaselineItems[] = [];
    for (const [zone, recorded] of Object.entries(items.zones)) {
      const variants = variantsOf(recorded);
      if (variants === null) return unreadable;
      known.push(partOf(zone, recorded, variants));
    }
    return { known, unplaced: 0 };
  }
  const variants = variantsOf(items);
  if (variants === null) return unreadable;
  const names = zoneKey.split(',');
  if (names.length === 1) return { known: [partOf(zoneKey, items, variants)], unplaced: 0 };
  const routable = zones.filter((z) => names.includes(z.name));
  const byZone = new Map(names.map((name) => [name, { urls: [] as string[], hosts: [] as string[], prefixes: [] as string[] }]));
  let unplaced = 0;
  const place = (host: string, list: 'urls' | 'hosts' | 'prefixes', value: string, size: number) => {
    const zone = zoneForHost(routable, host);
    if (zone === undefined) unplaced += size;
    else byZone.get(zone.name)![list].push(value);
  };
  for (const url of items.urls ?? []) place(urlHost(url), 'urls', url, variants.length);
  for (const host of items.hosts ?? []) place(host, 'hosts', host, 1);
  for (const prefix of items.prefixes ?? []) place(prefix.split('/')[0], 'prefixes', prefix, 1);
  const known = names.map((zone) => ({ zone, ...byZone.get(zone)!, variants, tags: [] }));
  return { known, unplaced };
}

const minus = (values: readonly string[], drop: ReadonlySet<string>): string[] => values.filter((v) => !drop.has(v)).sort(compare);

/**
 * The items of `before` that the current expansion does not have, by zone. Items of a zone
 * purge.yaml no longer declares cannot be sent: they are counted in `gone` instead.
 */
export function lostItems(before: readonly BaselineItems[], current: readonly GroupExpansion[], zones: readonly Zone[]): { removed: RemovedItems[]; gone: { zone: string; items: number }[] } {
  const removed: RemovedItems[] = [];
  const gone: { zone: string; items: number }[] = [];
  const declared = new Set(zones.map((z) => z.name));
  for (const part of before) {
    const now = current.find((p) => p.zone === part.zone);
    const urlsNow = new Set(now?.urls ?? []);
    const variantsNow = new Set(now?.variants.map((v) => v.key) ?? []);
    const hosts = minus(part.hosts, new Set(now?.hosts ?? []));
    const prefixes = minus(part.prefixes, new Set(now?.prefixes ?? []));
    const tags = minus(part.tags, new Set(now?.tags ?? []));
    const files: RemovedFiles[] = [];
    const headersOf = (variants: BaselineItems['variants']) => variants.map((v) => Object.fromEntries(v.headers) as Readonly<Record<string, string>>);
    // URLs gone: every variant they had. URLs kept: the variants gone (a value dropped from variants).
    const urlsGone = part.urls.filter((url) => !urlsNow.has(url)).sort(compare);
    if (urlsGone.length && part.variants.length) files.push({ urls: urlsGone, variants: headersOf(part.variants) });
    const variantsGone = part.variants.filter((v) => !variantsNow.has(v.key));
    const urlsKept = variantsGone.length ? part.urls.filter((url) => urlsNow.has(url)).sort(compare) : [];
    if (urlsKept.length) files.push({ urls: urlsKept, variants: headersOf(variantsGone) });
    const items = hosts.length + prefixes.length + tags.length + files.reduce((n, f) => n + f.urls.length * f.variants.length, 0);
    if (items === 0) continue;
    if (!declared.has(part.zone)) {
      gone.push({ zone: part.zone, items });
      continue;
    }
    removed.push({
      zone: part.zone,
      ...(hosts.length ? { hosts } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(tags.length ? { tags } : {}),
      ...(files.length ? { files } : {}),
    });
  }
  return { removed, gone };
}

export interface RemovedInput {
  readonly decisions: readonly Decision[];
  /** Current groups by name: their expansions, and where the group is declared (for warnings). */
  readonly current: ReadonlyMap<string, { readonly parts: readonly GroupExpansion[]; readonly position: Position }>;
  /** The baseline's items by group name (computed only for the groups that need them). */
  readonly baseline: ReadonlyMap<string, () => BaselineSource>;
  /** For a group forced by --group: whether its expansion differs from the baseline's. */
  readonly expansionChanged: (name: string) => boolean;
  readonly zones: readonly Zone[];
  readonly file: string;
}

/**
 * The decisions with, for each changed group (and each forced group whose expansion changed),
 * the items it lost since the baseline; warnings for lost items that cannot be purged or known.
 */
export function withRemovedItems(input: RemovedInput): { decisions: Decision[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const decisions = input.decisions.map((decision) => {
    const group = input.current.get(decision.name);
    const source = input.baseline.get(decision.name);
    if (group === undefined || source === undefined) return decision;
    if (decision.status !== 'changed' && !(decision.status === 'forced' && input.expansionChanged(decision.name))) return decision;
    const warn = (message: string, hint: string) => diagnostics.push({ file: input.file, ...group.position, severity: 'warning', message: `groups.${decision.name}: ${message}`, hint });
    const found = source();
    if ('unknown' in found) {
      warn(`items that left this group since the baseline cannot be known (${found.unknown}), so they are not purged`,
        'plan against the commit last applied (--base REF) to purge them too, or purge them by prefix or tag');
      return decision;
    }
    const { removed, gone } = lostItems(found.known, group.parts, input.zones);
    for (const { zone, items } of gone) {
      warn(`${plural(items, 'item')} that left this group ${items === 1 ? 'was' : 'were'} cached in zone "${zone}", which purge.yaml no longer declares, so ${items === 1 ? 'it is' : 'they are'} not purged`,
        `declare the zone again for one apply, or purge ${items === 1 ? 'it' : 'them'} in the Cloudflare dashboard`);
    }
    if (found.unplaced > 0) {
      warn(`${plural(found.unplaced, 'item')} that left this group ${found.unplaced === 1 ? 'belongs' : 'belong'} to none of the zones it was routed to that purge.yaml still declares, so ${found.unplaced === 1 ? 'it is' : 'they are'} not purged`,
        'declare the zone again for one apply, or purge them in the Cloudflare dashboard');
    }
    return removed.length ? { ...decision, removed_items: removed } : decision;
  });
  return { decisions, diagnostics };
}
