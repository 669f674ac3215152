// A group's own items, by zone, as its expansions give them (docs/coverage.md): what a saved plan's
// requests are credited to groups by, and which of a group's items a host, prefix or everything
// request covers (the planner's own rule, plan/cover.ts).
import type { GroupExpansion } from '../expand/group.js';
import { fileKey } from '../expand/group.js';
import { broadestCovering, coveringPrefix, coveringPrefixes, hostOf, hostPathOf } from '../plan/cover.js';
import type { CacheEntry } from './entry.js';

export type ItemKind = 'everything' | 'host' | 'prefix' | 'file';

/** A group's own item that reaches an entry. */
export interface OwnItem {
  readonly kind: ItemKind;
  /** The host, the prefix, the URL, or '' for everything. */
  readonly value: string;
  readonly item: string;
}

/** A group's expansions, with the lookups a saved plan's items are credited by (built on demand). */
export class GroupItems {
  private urlSets = new Map<GroupExpansion, ReadonlySet<string>>();
  private variantSets = new Map<GroupExpansion, ReadonlySet<string>>();
  constructor(private readonly parts: ReadonlyMap<string, readonly GroupExpansion[]>) {}

  private inZone(group: string, zone: string): readonly GroupExpansion[] {
    const parts = this.parts.get(group) ?? [];
    // A group has one expansion, or one per zone it is routed to.
    return parts.length === 1 ? (parts[0]!.zone === zone ? parts : []) : parts.filter((e) => e.zone === zone);
  }

  private urls(e: GroupExpansion): ReadonlySet<string> {
    let set = this.urlSets.get(e);
    if (set === undefined) this.urlSets.set(e, (set = new Set(e.urls)));
    return set;
  }

  private variantKeys(e: GroupExpansion): ReadonlySet<string> {
    let set = this.variantSets.get(e);
    if (set === undefined) this.variantSets.set(e, (set = new Set(e.variants.map((v) => v.key))));
    return set;
  }

  has(group: string, zone: string, kind: 'everything' | 'host' | 'prefix' | 'tag', value: string): boolean {
    return this.inZone(group, zone).some((e) => {
      switch (kind) {
        case 'everything': return e.everything;
        case 'host': return e.hosts.includes(value);
        case 'prefix': return e.prefixes.includes(value);
        case 'tag': return e.tags.includes(value);
      }
    });
  }

  /** The variant keys the group purges `url` under in the zone; undefined when it has no such URL. */
  variantsOf(group: string, zone: string, url: string): ReadonlySet<string> | undefined {
    for (const e of this.inZone(group, zone)) if (this.urls(e).has(url)) return this.variantKeys(e);
    return undefined;
  }

  /** The group's own items in the zone that reach the entry. */
  reaching(group: string, zone: string, entry: CacheEntry): OwnItem[] {
    const found: OwnItem[] = [];
    const hostPath = hostPathOf(entry.url);
    const host = hostOf(hostPath);
    for (const e of this.inZone(group, zone)) {
      if (e.everything) found.push({ kind: 'everything', value: '', item: 'everything' });
      if (e.hosts.includes(host)) found.push({ kind: 'host', value: host, item: `host ${host}` });
      for (const prefix of e.prefixes.length ? coveringPrefixes(hostPath, new Set(e.prefixes)) : []) found.push({ kind: 'prefix', value: prefix, item: `prefix ${prefix}` });
      if (this.urls(e).has(entry.url) && this.variantKeys(e).has(entry.variant.key)) found.push({ kind: 'file', value: entry.url, item: fileKey(entry.url, entry.variant) });
    }
    return found;
  }

  /** Every URL the groups list in each zone (how a URL's cache key is found), by zone then URL. */
  listed(groups: readonly string[]): Map<string, Map<string, string[]>> {
    const byZone = new Map<string, Map<string, string[]>>();
    for (const group of groups) {
      for (const e of this.parts.get(group) ?? []) {
        let urls = byZone.get(e.zone);
        if (urls === undefined) byZone.set(e.zone, (urls = new Map()));
        for (const url of e.urls) {
          const list = urls.get(url);
          if (list) list.push(group);
          else urls.set(url, [group]);
        }
      }
    }
    return byZone;
  }
}

/** Whether the request's item `absorber` covers a group's own item (the planner's coverage, plan/cover.ts). */
export function covers(absorber: { readonly kind: 'everything' | 'host' | 'prefix'; readonly value: string }, item: OwnItem): boolean {
  if (absorber.kind === 'everything') return true;
  if (item.kind === 'everything') return false;
  if (absorber.kind === 'host') return item.kind === 'host' ? item.value === absorber.value : hostOf(item.kind === 'file' ? hostPathOf(item.value) : item.value) === absorber.value;
  if (item.kind === 'host') return false;
  const prefix = new Set([absorber.value]);
  return item.kind === 'prefix' ? item.value === absorber.value || broadestCovering(item.value, prefix) !== undefined : coveringPrefix(hostPathOf(item.value), prefix) !== undefined;
}
