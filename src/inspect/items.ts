// What purges a cache entry (spec §8, §9): every item of the plan, by zone, in a form that answers
// "which items reach this entry" with a few map lookups. Built either from the groups' own items
// (every group, or the due ones: each group keeps its items, before dedupe and coverage, so every
// group that purges an entry is named) or from a saved plan's requests.
import type { Config, Group } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { byGroup, fileKey } from '../expand/group.js';
import { compare } from '../expand/normalize.js';
import { makeVariant } from '../expand/variants.js';
import type { Plan } from '../plan/types.js';
import type { CacheEntry } from './entry.js';

/** What an item does to the entries it reaches (§7.3); `purge` until a request says otherwise. */
export type ItemAction = 'purge' | 'invalidate';
export type ItemKind = 'everything' | 'host' | 'prefix' | 'file';

export interface Owner {
  readonly group: string;
  readonly action: ItemAction;
}

interface FileOwner extends Owner {
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

export class ZoneItems {
  readonly files = new Map<string, FileOwner[]>();
  readonly hosts = new Map<string, Owner[]>();
  readonly prefixes = new Map<string, Owner[]>();
  readonly everything: Owner[] = [];
  readonly tags: TagItem[] = [];
}

/** The action an item carries: requests and groups say it once the language has `action` (§7.3). */
function actionOf(value: object): ItemAction {
  const action = (value as { action?: unknown }).action;
  return action === 'invalidate' ? 'invalidate' : 'purge';
}

const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

export class PurgeIndex {
  private readonly zones = new Map<string, ZoneItems>();
  /** Group names in file order, for a deterministic order of what is reported. */
  private readonly order: ReadonlyMap<string, number>;

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
   * items; an item is credited to those of them whose expansion has it (all of them when none does,
   * as when the configuration changed since the plan was made).
   */
  static fromPlan(config: Config, expansions: readonly GroupExpansion[], plan: Plan): PurgeIndex {
    const index = new PurgeIndex(config);
    const byName = new Map(byGroup(expansions).map(({ group, parts }) => [group.name, parts]));
    const urlSets = new Map<string, Set<string>>();
    const has = (group: string, kind: ItemKind, value: string): boolean => {
      const parts = byName.get(group);
      if (!parts) return false;
      switch (kind) {
        case 'everything': return parts.some((e) => e.everything);
        case 'host': return parts.some((e) => e.hosts.includes(value));
        case 'prefix': return parts.some((e) => e.prefixes.includes(value));
        case 'file': {
          let urls = urlSets.get(group);
          if (!urls) urlSets.set(group, (urls = new Set(parts.flatMap((e) => e.urls))));
          return urls.has(value);
        }
      }
    };
    const credit = (groups: readonly string[], kind: ItemKind, value: string): readonly string[] => {
      if (groups.length < 2) return groups;
      const owning = groups.filter((g) => has(g, kind, value));
      return owning.length ? owning : groups;
    };
    for (const request of plan.requests) {
      const zone = index.zone(request.zone);
      const action = actionOf(request);
      const body = request.body;
      if ('purge_everything' in body) {
        for (const group of credit(request.groups, 'everything', '')) zone.everything.push({ group, action });
      } else if ('hosts' in body) {
        for (const host of body.hosts) for (const group of credit(request.groups, 'host', host)) push(zone.hosts, host, { group, action });
      } else if ('prefixes' in body) {
        for (const prefix of body.prefixes) for (const group of credit(request.groups, 'prefix', prefix)) push(zone.prefixes, prefix, { group, action });
      } else if ('tags' in body) {
        for (const tag of body.tags) for (const group of request.groups) zone.tags.push({ group, tag, action });
      } else {
        const variantsByUrl = new Map<string, Set<string>>();
        for (const file of body.files) {
          const url = typeof file === 'string' ? file : file.url;
          const headers = typeof file === 'string' ? [] : Object.entries(file.headers ?? {}).map(([n, v]) => [n.toLowerCase(), v] as const).sort((a, b) => compare(a[0], b[0]));
          let set = variantsByUrl.get(url);
          if (!set) variantsByUrl.set(url, (set = new Set()));
          set.add(makeVariant(headers).key);
        }
        for (const [url, variants] of variantsByUrl) {
          for (const group of credit(request.groups, 'file', url)) push(zone.files, url, { group, action, variants });
        }
      }
    }
    return index;
  }

  /** Whether some item of the zone is a file item of this URL (any variant). */
  hasUrl(zone: string, url: string): boolean {
    return this.zones.get(zone)?.files.has(url) ?? false;
  }

  /** The groups with file items for this URL, in file order, and the variants each purges. */
  urlOwners(zone: string, url: string): readonly FileOwner[] {
    return this.zones.get(zone)?.files.get(url) ?? [];
  }

  /** Whether some item purges the entry: purgersOf without building the list (coverage's hot path). */
  purges(zone: string, entry: CacheEntry): boolean {
    const items = this.zones.get(zone);
    if (!items) return false;
    for (const owner of items.files.get(entry.url) ?? []) if (owner.variants.has(entry.variant.key)) return true;
    if (items.everything.length) return true;
    if (items.hosts.size === 0 && items.prefixes.size === 0) return false;
    const hostPath = entry.url.slice(entry.url.indexOf('//') + 2);
    if (items.hosts.has(hostOf(hostPath))) return true;
    return items.prefixes.size > 0 && coveringPrefixes(hostPath).some((p) => items.prefixes.has(p));
  }

  /** Every item that purges the entry (§2.5's coverage rules), ordered by kind, then group. */
  purgersOf(zone: string, entry: CacheEntry): Purger[] {
    const items = this.zones.get(zone);
    if (!items) return [];
    const found: Purger[] = [];
    for (const owner of items.everything) found.push({ ...owner, kind: 'everything', item: 'everything' });
    const hostPath = entry.url.slice(entry.url.indexOf('//') + 2);
    const host = hostOf(hostPath);
    for (const owner of items.hosts.get(host) ?? []) found.push({ ...owner, kind: 'host', item: `host ${host}` });
    if (items.prefixes.size) {
      for (const prefix of coveringPrefixes(hostPath)) {
        for (const owner of items.prefixes.get(prefix) ?? []) found.push({ ...owner, kind: 'prefix', item: `prefix ${prefix}` });
      }
    }
    for (const owner of items.files.get(entry.url) ?? []) {
      if (owner.variants.has(entry.variant.key)) found.push({ group: owner.group, action: owner.action, kind: 'file', item: fileKey(entry.url, entry.variant) });
    }
    const kinds: readonly ItemKind[] = ['everything', 'host', 'prefix', 'file'];
    const seen = new Set<string>();
    return found
      .filter((p) => {
        const id = `${p.group}\u0000${p.item}\u0000${p.action}`;
        return !seen.has(id) && seen.add(id);
      })
      .sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || this.groupOrder(a.group) - this.groupOrder(b.group) || compare(a.item, b.item));
  }

  /** The tags of the zone: an entry is purged by one only if its response carried it. */
  tagsOf(zone: string): TagItem[] {
    const seen = new Set<string>();
    return (this.zones.get(zone)?.tags ?? [])
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

/** The `host[:port]` of `host[:port]/path?query`; a URL with a port is not one of the host's (batch.ts). */
function hostOf(hostPath: string): string {
  const end = hostPath.search(/[/?]/);
  return end === -1 ? hostPath : hostPath.slice(0, end);
}

/**
 * Every prefix that covers `host/path?query` (§2.5): one ending at a path-segment boundary, so
 * before or just after each `/`, or at the end of the path (before `?` or the end).
 */
function coveringPrefixes(hostPath: string): string[] {
  const queryAt = hostPath.indexOf('?');
  const path = queryAt === -1 ? hostPath : hostPath.slice(0, queryAt);
  const prefixes: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    prefixes.push(path.slice(0, i), path.slice(0, i + 1));
  }
  prefixes.push(path);
  return [...new Set(prefixes)];
}

/** The config's group by name. */
export function groupsByName(config: Config): ReadonlyMap<string, Group> {
  return new Map(config.groups.map((g) => [g.name, g]));
}
