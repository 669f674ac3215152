// What purges a cache entry (docs/coverage.md, docs/coverage.md): every item of the plan, by zone, in a form that answers
// "which items reach this entry" with a few map lookups. Built either from the groups' own items
// (every group, or the due ones: each group keeps its items, before dedupe and coverage, so every
// group that purges an entry is named) or from a saved plan's requests. Either way an item is
// reported with what the plan does to it: an invalidation that a purge covers is only purged
// (docs/coverage.md), by the planner's own rule of what a host or prefix covers (plan/cover.ts),
// so explain gives the same answer with and without --plan.
import type { Config } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { byGroup, fileKey } from '../expand/group.js';
import { compare } from '../vocabulary.js';
import { makeVariant } from '../expand/variants.js';
import { broadestCovering, coveringPrefix, coveringPrefixes, hostOf, hostPathOf } from '../plan/cover.js';
import { fileEntries } from '../plan/files.js';
import type { Plan } from '../plan/types.js';
import type { CacheEntry } from './entry.js';
import { covers, GroupItems } from './group-items.js';
import type { ItemKind, OwnItem } from './group-items.js';

/** What an item does to the entries it reaches (docs/purge-yaml.md); `purge` until a request says otherwise. */
export type ItemAction = 'purge' | 'invalidate';
export type { ItemKind } from './group-items.js';

export interface Owner {
  readonly group: string;
  readonly action: ItemAction;
}

export interface FileOwner extends Owner {
  /** The variant keys this owner purges the URL under. */
  readonly variants: ReadonlySet<string>;
}

export interface Purger {
  readonly group: string;
  readonly kind: ItemKind;
  /** The item as the plan prints it: `URL [h=v, …]`, `host X`, `prefix X`, `everything`. */
  readonly item: string;
  readonly action: ItemAction;
}

export interface TagItem {
  readonly group: string;
  readonly tag: string;
  readonly action: ItemAction;
}

/** A saved plan's host, prefix or purge-everything request: its groups' items under one of its items were absorbed by it. */
interface Absorbing {
  /** Every group the request names (shared by its items). */
  readonly groups: readonly string[];
  readonly action: ItemAction;
}

/** What the zone's purges reach: an invalidation under one of them is purged, not invalidated. */
interface PurgeReach {
  readonly everything: boolean;
  readonly hosts: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
}

class ZoneItems {
  readonly files = new Map<string, FileOwner[]>();
  readonly hosts = new Map<string, Owner[]>();
  readonly prefixes = new Map<string, Owner[]>();
  readonly everything: Owner[] = [];
  readonly tags: TagItem[] = [];
  /** Saved plans only: `kind value` of a host, prefix or everything request -> its groups. */
  readonly absorbing = new Map<string, Absorbing>();
  private reachMemo: PurgeReach | undefined;
  private pathsMemo: Map<string, string[]> | undefined;

  /** The purges of the zone (built on first use: explain and the near misses of coverage need it). */
  get reach(): PurgeReach {
    if (this.reachMemo === undefined) {
      const purging = (owners: readonly Owner[]) => owners.some((o) => o.action === 'purge');
      const keys = (map: ReadonlyMap<string, readonly Owner[]>) => new Set([...map].filter(([, owners]) => purging(owners)).map(([value]) => value));
      this.reachMemo = { everything: purging(this.everything), hosts: keys(this.hosts), prefixes: keys(this.prefixes) };
    }
    return this.reachMemo;
  }

  /** The URLs of file items by host and path (no scheme, no query), for the near misses of another scheme or query. */
  urlsAtPath(hostPath: string): readonly string[] {
    if (this.pathsMemo === undefined) {
      this.pathsMemo = new Map();
      for (const url of this.files.keys()) push(this.pathsMemo, withoutQuery(hostPathOf(url)), url);
    }
    return this.pathsMemo.get(hostPath) ?? [];
  }

  /** Whether a purge of the zone covers the item: then the plan purges it whatever its group's action (docs/coverage.md). */
  purgeCovers(item: OwnItem, entry: CacheEntry): boolean {
    const reach = this.reach;
    if (reach.everything) return true;
    switch (item.kind) {
      case 'everything': return false;
      case 'host': return reach.hosts.has(item.value);
      case 'prefix': return reach.hosts.has(hostOf(item.value)) || reach.prefixes.has(item.value) || broadestCovering(item.value, reach.prefixes) !== undefined;
      case 'file': {
        const hostPath = hostPathOf(item.value);
        if (reach.hosts.has(hostOf(hostPath)) || coveringPrefix(hostPath, reach.prefixes) !== undefined) return true;
        return (this.files.get(item.value) ?? []).some((o) => o.action === 'purge' && o.variants.has(entry.variant.key));
      }
    }
  }
}

/** The action an item carries: requests and groups say it once the language has `action` (docs/purge-yaml.md). */
function actionOf(value: object): ItemAction {
  const action = (value as { action?: unknown }).action;
  return action === 'invalidate' ? 'invalidate' : 'purge';
}

const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

const withoutQuery = (hostPath: string) => {
  const queryAt = hostPath.indexOf('?');
  return queryAt === -1 ? hostPath : hostPath.slice(0, queryAt);
};

export class PurgeIndex {
  private readonly zones = new Map<string, ZoneItems>();
  /** Group names in file order, for a deterministic order of what is reported. */
  private readonly order: ReadonlyMap<string, number>;
  /** Saved plans only: the groups' own items, and the groups the plan has due. */
  private groupItems: GroupItems | undefined;
  private dueGroups: readonly string[] = [];
  private listedMemo: Map<string, Map<string, string[]>> | undefined;

  private constructor(config: Config) {
    this.order = new Map(config.groups.map((g, i) => [g.name, i]));
  }

  zone(name: string): ZoneItems {
    let items = this.zones.get(name);
    if (!items) this.zones.set(name, (items = new ZoneItems()));
    return items;
  }

  /** Every item of the given groups (all when `due` is null), each group keeping its own items. */
  static fromExpansions(config: Config, expansions: readonly GroupExpansion[], due: ReadonlySet<string> | null): PurgeIndex {
    const index = new PurgeIndex(config);
    for (const expansion of expansions) {
      const group = expansion.group;
      if (due !== null && !due.has(group.name)) continue;
      const zone = index.zone(expansion.zone);
      const owner: Owner = { group: group.name, action: actionOf(expansion) };
      if (expansion.everything) zone.everything.push(owner);
      for (const host of expansion.hosts) push(zone.hosts, host, owner);
      for (const prefix of expansion.prefixes) push(zone.prefixes, prefix, owner);
      for (const tag of expansion.tags) zone.tags.push({ group: group.name, tag, action: owner.action });
      if (expansion.urls.length === 0) continue;
      const fileOwner: FileOwner = { ...owner, variants: new Set(expansion.variants.map((v) => v.key)) };
      for (const url of expansion.urls) push(zone.files, url, fileOwner);
    }
    return index;
  }

  /**
   * The items of a saved plan's requests. A request names every group that asked for one of its
   * items, or whose items one of them covers; an item is credited to those of them whose expansion
   * has it (all of them when none does, as when the configuration changed since the plan was made).
   */
  static fromPlan(config: Config, expansions: readonly GroupExpansion[], plan: Plan): PurgeIndex {
    const index = new PurgeIndex(config);
    const groups = (index.groupItems = new GroupItems(new Map(byGroup(expansions).map(({ group, parts }) => [group.name, parts]))));
    index.dueGroups = plan.groups.filter((g) => g.due).map((g) => g.name);
    for (const request of plan.requests) {
      const zoneName = request.zone;
      const zone = index.zone(zoneName);
      const action = actionOf(request);
      const body = request.body;
      // The request's groups that own the item, and a record of the request for the groups it covered.
      const credit = (kind: 'everything' | 'host' | 'prefix', value: string): readonly string[] => {
        const owning = request.groups.filter((g) => groups.has(g, zoneName, kind, value));
        if (owning.length === 0) return request.groups;
        zone.absorbing.set(`${kind} ${value}`, { groups: request.groups, action });
        return owning;
      };
      if ('purge_everything' in body) {
        for (const group of credit('everything', '')) zone.everything.push({ group, action });
      } else if ('hosts' in body) {
        for (const host of body.hosts) for (const group of credit('host', host)) push(zone.hosts, host, { group, action });
      } else if ('prefixes' in body) {
        for (const prefix of body.prefixes) for (const group of credit('prefix', prefix)) push(zone.prefixes, prefix, { group, action });
      } else if ('tags' in body) {
        for (const tag of body.tags) {
          const owning = request.groups.filter((g) => groups.has(g, zoneName, 'tag', tag));
          for (const group of owning.length ? owning : request.groups) zone.tags.push({ group, tag, action });
        }
      } else {
        const variantsByUrl = new Map<string, Set<string>>();
        for (const file of fileEntries(body)) {
          const url = typeof file === 'string' ? file : file.url;
          const headers = typeof file === 'string' ? [] : Object.entries(file.headers ?? {}).map(([n, v]) => [n.toLowerCase(), v] as const).sort((a, b) => compare(a[0], b[0]));
          let set = variantsByUrl.get(url);
          if (!set) variantsByUrl.set(url, (set = new Set()));
          set.add(makeVariant(headers).key);
        }
        for (const [url, variants] of variantsByUrl) {
          // Each group is credited with the variants of the URL it has itself.
          let credited = false;
          for (const group of request.groups) {
            const own = groups.variantsOf(group, zoneName, url);
            if (own === undefined) continue;
            let all = true;
            for (const v of variants) if (!own.has(v)) all = false;
            const shared = all ? variants : new Set([...variants].filter((v) => own.has(v)));
            if (shared.size === 0) continue;
            credited = true;
            push(zone.files, url, { group, action, variants: shared });
          }
          if (!credited) for (const group of request.groups) push(zone.files, url, { group, action, variants });
        }
      }
    }
    return index;
  }

  /** The groups with file items for this URL, in file order, and the variants each purges. */
  urlOwners(zone: string, url: string): readonly FileOwner[] {
    return this.zones.get(zone)?.files.get(url) ?? [];
  }

  /**
   * The groups whose own URLs include this one (the groups compared, or a saved plan's due
   * groups): how a URL's cache key is found, the same whether a covering item absorbed the URL.
   */
  listedBy(zone: string, url: string): readonly string[] {
    if (this.groupItems === undefined) return this.urlOwners(zone, url).map((o) => o.group);
    this.listedMemo ??= this.groupItems.listed(this.dueGroups);
    return this.listedMemo.get(zone)?.get(url) ?? [];
  }

  /** The zone's file URLs at a host and path (any scheme and query). */
  urlsAtPath(zone: string, hostPath: string): readonly string[] {
    return this.zones.get(zone)?.urlsAtPath(hostPath) ?? [];
  }

  /** Whether some item purges the entry: purgersOf without building the list (coverage's hot path). */
  purges(zone: string, entry: CacheEntry): boolean {
    const items = this.zones.get(zone);
    if (!items) return false;
    for (const owner of items.files.get(entry.url) ?? []) if (owner.variants.has(entry.variant.key)) return true;
    if (items.everything.length) return true;
    if (items.hosts.size === 0 && items.prefixes.size === 0) return false;
    const hostPath = hostPathOf(entry.url);
    if (items.hosts.has(hostOf(hostPath))) return true;
    return coveringPrefix(hostPath, items.prefixes) !== undefined;
  }

  /**
   * Every item that purges the entry (the planner's coverage rules), ordered by kind, then group:
   * each group's own item, with what the plan does to it. A group's item that a purge covers is
   * purged (an invalidation under a purge is only purged: docs/coverage.md); with a saved plan, a group whose
   * item a host, prefix or everything request absorbed is named with its own item.
   */
  purgersOf(zone: string, entry: CacheEntry): Purger[] {
    const items = this.zones.get(zone);
    if (!items) return [];
    const found: Purger[] = [];
    const add = (group: string, item: OwnItem, action: ItemAction) => {
      found.push({ group, kind: item.kind, item: item.item, action: action === 'purge' || items.purgeCovers(item, entry) ? 'purge' : 'invalidate' });
    };
    const absorbed = (kind: 'everything' | 'host' | 'prefix', value: string) => {
      const request = items.absorbing.get(`${kind} ${value}`);
      if (request === undefined || this.groupItems === undefined) return;
      for (const group of request.groups) {
        for (const own of this.groupItems.reaching(group, zone, entry)) if (covers({ kind, value }, own)) add(group, own, request.action);
      }
    };
    const everything: OwnItem = { kind: 'everything', value: '', item: 'everything' };
    for (const owner of items.everything) add(owner.group, everything, owner.action);
    if (items.everything.length) absorbed('everything', '');
    const hostPath = hostPathOf(entry.url);
    const host = hostOf(hostPath);
    for (const owner of items.hosts.get(host) ?? []) add(owner.group, { kind: 'host', value: host, item: `host ${host}` }, owner.action);
    if (items.hosts.has(host)) absorbed('host', host);
    for (const prefix of coveringPrefixes(hostPath, items.prefixes)) {
      for (const owner of items.prefixes.get(prefix) ?? []) add(owner.group, { kind: 'prefix', value: prefix, item: `prefix ${prefix}` }, owner.action);
      absorbed('prefix', prefix);
    }
    const file: OwnItem = { kind: 'file', value: entry.url, item: fileKey(entry.url, entry.variant) };
    for (const owner of items.files.get(entry.url) ?? []) if (owner.variants.has(entry.variant.key)) add(owner.group, file, owner.action);
    const kinds: readonly ItemKind[] = ['everything', 'host', 'prefix', 'file'];
    // One line per group and item: what the plan does to it (a purge wins over an invalidation).
    const byItem = new Map<string, Purger>();
    for (const p of found) {
      const id = `${p.group}\u0000${p.item}`;
      const seen = byItem.get(id);
      if (seen === undefined || (seen.action === 'invalidate' && p.action === 'purge')) byItem.set(id, p);
    }
    return [...byItem.values()].sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || this.groupOrder(a.group) - this.groupOrder(b.group) || compare(a.item, b.item));
  }

  /**
   * The tags of the zone that the plan sends: an entry is purged by one only if its response
   * carried it. A purge of everything sends no tag; an invalidated tag that a purge also sends is
   * purged, and one under an invalidation of everything is not sent (docs/coverage.md).
   */
  tagsOf(zone: string): TagItem[] {
    const items = this.zones.get(zone);
    if (!items) return [];
    let tags = items.tags;
    if (this.groupItems === undefined) {
      const reach = items.reach;
      const invalidatesEverything = items.everything.some((o) => o.action === 'invalidate');
      const purgedTags = new Set(tags.filter((t) => t.action === 'purge').map((t) => t.tag));
      tags = reach.everything ? [] : tags.flatMap((t): TagItem[] => {
        if (t.action === 'purge') return [t];
        if (purgedTags.has(t.tag)) return [{ ...t, action: 'purge' }];
        return invalidatesEverything ? [] : [t];
      });
    }
    const seen = new Set<string>();
    return tags
      .filter((t) => {
        const id = `${t.group}\u0000${t.tag}\u0000${t.action}`;
        return !seen.has(id) && seen.add(id);
      })
      .sort((a, b) => compare(a.tag, b.tag) || this.groupOrder(a.group) - this.groupOrder(b.group));
  }

  groupOrder(name: string): number {
    return this.order.get(name) ?? Number.MAX_SAFE_INTEGER;
  }
}

