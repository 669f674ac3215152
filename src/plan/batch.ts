// Stage 5: due groups' items -> request bodies (docs/purge-yaml.md, docs/purge-yaml.md, docs/purge-yaml.md). Per zone and action
// (purges first, then invalidations): identical items kept once (remembering every group that
// asked), items covered by a broader one dropped and counted, one purge type per request, chunked
// to the zone's limits, in the fixed deterministic order. A purge also covers the invalidations
// under it (an item planned for both is only purged); an invalidation covers only invalidations.
import type { Zone } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import type { Variant } from '../expand/variants.js';
import { broadestCovering, coveringPrefix, hostOf } from './cover.js';
import { CompactFiles } from './files.js';
import type { FilesRun } from './files.js';
import type { Action, CoverageEntry, PlannedRequest, PurgeBody } from './types.js';
import { requestKind } from './types.js';
import { requestSize } from './files.js';

export interface BatchResult {
  readonly requests: PlannedRequest[];
  readonly coverage: CoverageEntry[];
  readonly counts: { files: number; hosts: number; prefixes: number; tags: number; everything: number; covered: number; duplicates: number };
  /** By zone, then group: the file items sent that the group asked for (after dedupe and coverage; budgets count these). */
  readonly filesByGroup: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * A covering item: how much it absorbed, keyed `kind value`, and the groups whose items it
 * absorbed (its request purges them too, so a group covered whole is still applied: docs/purge-yaml.md).
 */
class Coverage {
  readonly absorbed = new Map<string, number>();
  readonly groups = new Map<string, Set<number>>();
  add(kind: 'everything' | 'host' | 'prefix', value: string, n: number, group?: number): void {
    if (n <= 0) return;
    const key = `${kind} ${value}`;
    this.absorbed.set(key, (this.absorbed.get(key) ?? 0) + n);
    if (group !== undefined) this.of(key).add(group);
  }
  /** A duplicate of an absorbed item: nothing more absorbed, but its group is purged too. */
  alsoFor(kind: 'host' | 'prefix', value: string, group: number): void {
    this.of(`${kind} ${value}`).add(group);
  }
  private of(key: string): Set<number> {
    let set = this.groups.get(key);
    if (set === undefined) this.groups.set(key, (set = new Set()));
    return set;
  }
}

/** Items of one kind in first-group order, each with the groups (indices) that asked for it. */
class Collected {
  readonly values: string[] = [];
  readonly groups = new Map<string, number[]>();
  duplicates = 0;
  add(value: string, group: number): void {
    const owners = this.groups.get(value);
    if (owners) {
      this.duplicates++;
      if (!owners.includes(group)) owners.push(group);
      return;
    }
    this.groups.set(value, [group]);
    this.values.push(value);
  }
}

type Counts = BatchResult['counts'];
interface Member { readonly e: GroupExpansion; readonly i: number }

/**
 * What a zone's purges reach, for its invalidations (docs/purge-yaml.md): a purge of everything, of a host or
 * of a prefix covers the invalidations under it, and an item planned for both is only purged.
 * Invalidations absorbed by a purge host, prefix or everything are counted in `coverage` (the
 * purge pass's), so their groups are credited to that purge's request; identical tags and files
 * are counted in `same` and credited the same way.
 */
interface PurgeReach {
  readonly everything: boolean;
  readonly hosts: ReadonlySet<string>;
  /** The purge prefixes sent (a prefix under a sent one is covered by it, so these suffice). */
  readonly prefixes: ReadonlySet<string>;
  readonly tags: ReadonlySet<string>;
  /** A purged URL's variant keys (all variants of every purge group that has the URL). */
  readonly variantsOf: (url: string) => ReadonlySet<string> | undefined;
  readonly coverage: Coverage;
  readonly same: { count: number; readonly tags: Map<string, number[]>; readonly files: Map<string, Map<string, number[]>> };
}

const pushTo = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

export function batch(zones: readonly Zone[], due: readonly GroupExpansion[]): BatchResult {
  const batcher = new Batcher(due);
  for (const zone of zones) batcher.zone(zone);
  return { requests: batcher.requests, coverage: batcher.coverage, counts: batcher.counts, filesByGroup: batcher.filesByGroup };
}

/** The plan's requests, coverage and counts, built zone by zone. */
class Batcher {
  readonly requests: PlannedRequest[] = [];
  readonly coverage: CoverageEntry[] = [];
  readonly counts: Counts = { files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 };
  readonly filesByGroup = new Map<string, Map<string, number>>();
  private readonly names: string[];
  private readonly indexOf = new Map<string, number>();
  private readonly byZone = new Map<string, Member[]>();

  constructor(readonly due: readonly GroupExpansion[]) {
    this.names = due.map((e) => e.group.name);
    this.names.forEach((name, i) => { if (!this.indexOf.has(name)) this.indexOf.set(name, i); });
    due.forEach((e, i) => pushTo(this.byZone, e.zone, { e, i }));
  }

  /**
   * Groups are indexed by their position in `due` (file order), so sorting indices sorts by file
   * order. A group may have several expansions in a zone (its current items, then the items it
   * lost since the baseline), next to each other: each name is listed once.
   */
  groupNames(indices: Iterable<number>): string[] {
    return [...new Set([...new Set(indices)].sort((a, b) => a - b).map((i) => this.names[i]))];
  }

  /** `n` more sent file items that group `i` asked for, in `zone`. */
  credit(zone: string, i: number, n: number): void {
    let groups = this.filesByGroup.get(zone);
    if (groups === undefined) this.filesByGroup.set(zone, (groups = new Map()));
    groups.set(this.names[i], (groups.get(this.names[i]) ?? 0) + n);
  }

  push(zone: Zone, action: Action, groups: Iterable<number>, body: PurgeBody): void {
    this.requests.push({ zone: zone.name, zone_id: zone.id, action, groups: this.groupNames(groups), kind: requestKind(body), size: requestSize(body), body });
  }

  /** One zone's requests (purges first, then invalidations) and coverage. */
  zone(zone: Zone): void {
    const members = this.byZone.get(zone.name) ?? [];
    if (members.length === 0) return;
    const purges = members.filter(({ e }) => e.action !== 'invalidate');
    const invalidations = members.filter(({ e }) => e.action === 'invalidate');
    const purgeStart = this.requests.length;
    const purge = new ZonePass(this, zone, purges, 'purge', undefined).run();
    const purgeEnd = this.requests.length;
    if (invalidations.length === 0) {
      this.emitCoverage(zone, purge.coverage, 'purge');
      return;
    }
    const reach = purge.reach();
    const invalidate = new ZonePass(this, zone, invalidations, 'invalidate', reach).run();
    this.creditCoveredInvalidations(purgeStart, purgeEnd, reach, invalidations);
    this.emitCoverage(zone, purge.coverage, 'purge');
    this.emitCoverage(zone, invalidate.coverage, 'invalidate');
    if (reach.same.count > 0) {
      this.coverage.push({ zone: zone.name, kind: 'same', value: '', covered: reach.same.count });
      this.counts.covered += reach.same.count;
    }
  }

  private emitCoverage(zone: Zone, coverage: Coverage, action: Action): void {
    for (const [key, covered] of coverage.absorbed) {
      const space = key.indexOf(' ');
      this.coverage.push({
        zone: zone.name, kind: key.slice(0, space) as CoverageEntry['kind'], value: key.slice(space + 1), covered,
        ...(action === 'invalidate' ? { action } : {}),
      });
      this.counts.covered += covered;
    }
  }

  /** Adds to the zone's purge requests the groups whose invalidations they cover (docs/purge-yaml.md: covered groups are applied). */
  private creditCoveredInvalidations(from: number, to: number, reach: PurgeReach, invalidations: readonly Member[]): void {
    const requests = this.requests;
    for (let r = from; r < to; r++) {
      const request = requests[r];
      const extra: number[] = [];
      const body = request.body;
      if ('purge_everything' in body) extra.push(...invalidations.map(({ i }) => i));
      else if ('hosts' in body) for (const h of body.hosts) extra.push(...(reach.coverage.groups.get(`host ${h}`) ?? []));
      else if ('prefixes' in body) for (const p of body.prefixes) extra.push(...(reach.coverage.groups.get(`prefix ${p}`) ?? []));
      else if ('tags' in body) for (const t of body.tags) extra.push(...(reach.same.tags.get(t) ?? []));
      else if (reach.same.files.size) {
        for (const run of body instanceof CompactFiles ? body.runs : []) {
          const variants = reach.same.files.get(run.url);
          if (variants === undefined) continue;
          for (const variant of run.variants) extra.push(...(variants.get(variant.key) ?? []));
        }
      }
      if (extra.length === 0) continue;
      requests[r] = { ...request, groups: this.groupNames([...request.groups.map((g) => this.indexOf.get(g)!), ...extra]) };
    }
  }
}

/** The item that covers a URL's variants: a purge's host or prefix, or one of this action's. */
interface Cover { readonly coverage: Coverage; readonly kind: 'host' | 'prefix'; readonly value: string }

/**
 * One action's items of one zone -> its requests, appended in order; its coverage, and what it
 * reaches. The passes run in this order: dedupe hosts, prefixes and tags; index the URLs several
 * groups share; drop what a purge or a broader item covers; collect the files as runs; chunk.
 */
class ZonePass {
  readonly coverage = new Coverage();
  private readonly everything: number[];
  private readonly hosts = new Collected();
  private readonly prefixes = new Collected();
  private readonly tags = new Collected();
  /** The URLs several groups expand to, each with its groups in file order. */
  private readonly urlOwners = new Map<string, number[]>();
  private readonly variantKeys = new Map<number, Set<string>>();
  /** The items to send, as runs of one URL's variants; items are numbered across the runs. */
  private readonly runs: FilesRun[] = [];
  private fileCount = 0;
  /** Items come grouped by their first group: each run records where a group's items start. */
  private readonly groupRuns: { start: number; group: number }[] = [];
  private lastGroup = -1;
  private readonly extraGroups = new Map<number, number[]>();
  /** Where a shared URL's items are, by URL then variant key (no item key string is built). */
  private readonly sharedIndex = new Map<string, Map<string, number>>();
  /** Invalidations under a purge of everything are all covered by it: none is sent. */
  private readonly coveredWhole: boolean;
  private readonly sendsNothing: boolean;
  private readonly checkPurged: boolean;
  private sentHosts: readonly string[] = [];
  private sentTags: readonly string[] = [];
  private sentPrefixes: readonly string[] = [];
  private hostSet = new Set<string>();
  private prefixSet = new Set<string>();
  private distinctFiles = 0;

  constructor(
    private readonly b: Batcher,
    private readonly zone: Zone,
    private readonly members: readonly Member[],
    private readonly action: Action,
    private readonly purged: PurgeReach | undefined,
  ) {
    this.everything = members.filter(({ e }) => e.everything).map(({ i }) => i);
    this.coveredWhole = purged?.everything === true;
    this.sendsNothing = this.everything.length > 0 || this.coveredWhole;
    this.checkPurged = purged !== undefined && !this.coveredWhole;
  }

  run(): { coverage: Coverage; reach: () => PurgeReach } {
    this.dedupe();
    this.indexSharedUrls();
    this.dropCovered();
    this.collectFiles();
    this.emit();
    return { coverage: this.coverage, reach: () => this.reach() };
  }

  /** Hosts, prefixes and tags kept once each, with the groups that asked for them. */
  private dedupe(): void {
    const { hosts, prefixes, tags } = this;
    for (const { e, i } of this.members) {
      for (const h of e.hosts) hosts.add(h, i);
      for (const p of e.prefixes) prefixes.add(p, i);
      for (const t of e.tags) tags.add(t, i);
    }
    this.b.counts.duplicates += hosts.duplicates + prefixes.duplicates + tags.duplicates + Math.max(0, this.everything.length - 1);
  }

  /**
   * Files: a URL that only one group expands to needs no dedupe, so item keys are built only
   * for URLs that several groups share (a zone of one group shares none).
   * A URL of the largest group is looked up, not inserted, unless another group has it too.
   */
  private indexSharedUrls(): void {
    const { members, urlOwners } = this;
    if (members.length <= 1) return;
    const largest = members.reduce((a, b) => (b.e.urls.length > a.e.urls.length ? b : a));
    for (const { e, i } of members) {
      if (e === largest.e) continue;
      for (const url of e.urls) pushTo(urlOwners, url, i);
    }
    for (const url of largest.e.urls) urlOwners.get(url)?.push(largest.i);
    for (const owners of urlOwners.values()) owners.sort((a, b) => a - b);
  }

  private keysOf(i: number, variants: readonly Variant[]): Set<string> {
    let keys = this.variantKeys.get(i);
    if (keys === undefined) this.variantKeys.set(i, (keys = new Set(variants.map((v) => v.key))));
    return keys;
  }

  /** Hosts, prefixes and tags an invalidation shares with a purge are only purged; a prefix under a host or a broader prefix is dropped. */
  private dropCovered(): void {
    const { purged, coveredWhole, hosts, tags, prefixes } = this;
    this.sentHosts = purged === undefined || coveredWhole ? hosts.values : hosts.values.filter((h) => {
      if (!purged.hosts.has(h)) return true;
      const owners = hosts.groups.get(h) ?? [];
      purged.coverage.add('host', h, 1, owners[0]);
      for (const owner of owners.slice(1)) purged.coverage.alsoFor('host', h, owner);
      return false;
    });
    this.sentTags = purged === undefined || coveredWhole ? tags.values : tags.values.filter((t) => {
      if (!purged.tags.has(t)) return true;
      purged.same.count++;
      for (const owner of tags.groups.get(t) ?? []) pushTo(purged.same.tags, t, owner);
      return false;
    });
    this.hostSet = this.sendsNothing ? new Set<string>() : new Set(this.sentHosts);
    const allPrefixes = new Set(prefixes.values);
    this.sentPrefixes = this.sendsNothing ? [] : prefixes.values.filter((p) => this.keepsPrefix(p, allPrefixes));
    this.prefixSet = new Set(this.sentPrefixes);
  }

  private keepsPrefix(p: string, allPrefixes: ReadonlySet<string>): boolean {
    const purged = this.purged;
    if (purged !== undefined) {
      if (purged.hosts.has(hostOf(p))) { this.coverPrefix(purged.coverage, 'host', hostOf(p), p); return false; }
      const broader = purged.prefixes.has(p) ? p : broadestCovering(p, purged.prefixes);
      if (broader !== undefined) { this.coverPrefix(purged.coverage, 'prefix', broader, p); return false; }
    }
    if (this.hostSet.has(hostOf(p))) { this.coverPrefix(this.coverage, 'host', hostOf(p), p); return false; }
    const broader = broadestCovering(p, allPrefixes);
    if (broader !== undefined) { this.coverPrefix(this.coverage, 'prefix', broader, p); return false; }
    return true;
  }

  private coverPrefix(target: Coverage, kind: 'host' | 'prefix', value: string, p: string): void {
    const owners = this.prefixes.groups.get(p) ?? [];
    target.add(kind, value, 1, owners[0]);
    for (const owner of owners.slice(1)) target.alsoFor(kind, value, owner);
  }

  /** Every group's URLs and variants -> the runs to send, skipping duplicates and covered items. */
  private collectFiles(): void {
    const { purged, checkPurged, hostSet, prefixSet, urlOwners, coverage, sendsNothing } = this;
    for (const { e, i } of this.members) {
      const variants = e.variants;
      let sent = 0; // items of the common case below, credited to the group once
      for (const url of e.urls) {
        const owners = urlOwners.get(url);
        const shared = owners !== undefined && owners.length > 1;
        // The item that covers this URL's variants, if any: a purge's host or prefix, then one of this action's.
        let cover: Cover | undefined;
        let purgedVariants: ReadonlySet<string> | undefined;
        if (checkPurged || hostSet.size > 0 || prefixSet.size > 0) {
          const hostPath = url.slice(url.indexOf('//') + 2);
          const urlHost = hostOf(hostPath);
          if (checkPurged && purged !== undefined) {
            if (purged.hosts.has(urlHost)) cover = { coverage: purged.coverage, kind: 'host', value: urlHost };
            else {
              const prefix = coveringPrefix(hostPath, purged.prefixes);
              if (prefix !== undefined) cover = { coverage: purged.coverage, kind: 'prefix', value: prefix };
              else purgedVariants = purged.variantsOf(url);
            }
          }
          if (cover === undefined) {
            if (hostSet.has(urlHost)) cover = { coverage, kind: 'host', value: urlHost };
            else {
              const prefix = coveringPrefix(hostPath, prefixSet);
              if (prefix !== undefined) cover = { coverage, kind: 'prefix', value: prefix };
            }
          }
        }
        if (!shared && cover === undefined && purgedVariants === undefined && !sendsNothing) {
          // The common case: every variant of this URL is a new item to send.
          if (this.lastGroup !== i) this.groupRuns.push({ start: this.fileCount, group: (this.lastGroup = i) });
          this.runs.push({ url, variants });
          this.fileCount += variants.length;
          this.distinctFiles += variants.length;
          sent += variants.length;
          continue;
        }
        this.collectVariants(url, variants, i, shared ? owners : undefined, cover, purgedVariants);
      }
      if (sent > 0) this.b.credit(this.zone.name, i, sent);
    }
  }

  /** One URL's variants one by one: planned for both actions, duplicates, covered, or kept. */
  private collectVariants(url: string, variants: readonly Variant[], i: number, owners: readonly number[] | undefined, cover: Cover | undefined, purgedVariants: ReadonlySet<string> | undefined): void {
    const shared = owners !== undefined;
    const earlier = shared ? owners.filter((g) => g < i) : [];
    if (shared) this.keysOf(i, variants);
    const counts = this.b.counts;
    const kept: Variant[] = [];
    for (const variant of variants) {
      if (purgedVariants?.has(variant.key)) {
        // Planned for both actions: only purged (docs/purge-yaml.md); its groups are credited to the purge.
        const purged = this.purged!;
        const byVariant = purged.same.files.get(url) ?? new Map<string, number[]>();
        purged.same.files.set(url, byVariant);
        if (byVariant.has(variant.key)) counts.duplicates++;
        else purged.same.count++;
        pushTo(byVariant, variant.key, i);
        continue;
      }
      if (earlier.length && earlier.some((g) => this.variantKeys.get(g)?.has(variant.key))) {
        counts.duplicates++;
        if (cover !== undefined) cover.coverage.alsoFor(cover.kind, cover.value, i);
        const at = this.sharedIndex.get(url)?.get(variant.key);
        if (at !== undefined) { pushTo(this.extraGroups, at, i); this.b.credit(this.zone.name, i, 1); }
        continue;
      }
      this.distinctFiles++;
      if (this.sendsNothing) continue;
      if (cover !== undefined) { cover.coverage.add(cover.kind, cover.value, 1, i); continue; }
      if (shared) {
        let at = this.sharedIndex.get(url);
        if (at === undefined) this.sharedIndex.set(url, (at = new Map()));
        at.set(variant.key, this.fileCount + kept.length);
      }
      if (this.lastGroup !== i) this.groupRuns.push({ start: this.fileCount + kept.length, group: (this.lastGroup = i) });
      kept.push(variant);
    }
    if (kept.length) {
      this.runs.push({ url, variants: kept.length === variants.length ? variants : kept });
      this.fileCount += kept.length;
      this.b.credit(this.zone.name, i, kept.length);
    }
  }

  /** The requests: a purge of everything, or hosts, prefixes, tags and files chunked to the zone's limits. */
  private emit(): void {
    const { purged, coverage, everything, hosts, prefixes, tags, sentHosts, sentPrefixes, sentTags, distinctFiles } = this;
    const counts = this.b.counts;
    if (this.coveredWhole && purged !== undefined) {
      // A purge of everything covers every invalidation of the zone (their groups are credited to it).
      purged.coverage.add('everything', 'everything', (everything.length ? 1 : 0) + hosts.values.length + prefixes.values.length + tags.values.length + distinctFiles);
    } else if (everything.length) {
      // Everything covers every other item of the zone (of this action).
      coverage.add('everything', 'everything', sentHosts.length + prefixes.values.length + sentTags.length + distinctFiles);
      // It purges every group of the zone: theirs are covered items.
      this.b.push(this.zone, this.action, this.members.map(({ i }) => i), { purge_everything: true });
      counts.everything++;
    } else {
      const size = this.zone.itemsPerRequest;
      this.chunked(sentHosts, hosts.groups, size, (chunk) => ({ hosts: chunk }), 'host');
      this.chunked(sentPrefixes, prefixes.groups, size, (chunk) => ({ prefixes: chunk }), 'prefix');
      this.chunked(sentTags, tags.groups, size, (chunk) => ({ tags: chunk }));
      this.chunkFiles();
      counts.hosts += sentHosts.length;
      counts.prefixes += sentPrefixes.length;
      counts.tags += sentTags.length;
      counts.files += this.fileCount;
    }
  }

  private chunked(values: readonly string[], owners: Map<string, number[]>, size: number, body: (chunk: string[]) => PurgeBody, kind?: 'host' | 'prefix'): void {
    for (let start = 0; start < values.length; start += size) {
      const chunk = values.slice(start, start + size);
      const groups = chunk.flatMap((v) => owners.get(v) ?? []);
      if (kind !== undefined) for (const v of chunk) groups.push(...(this.coverage.groups.get(`${kind} ${v}`) ?? []));
      this.b.push(this.zone, this.action, groups, body(chunk));
    }
  }

  /** The runs cut into requests of the zone's files limit, each with the groups of its items. */
  private chunkFiles(): void {
    const { runs, groupRuns, extraGroups, fileCount } = this;
    const perRequest = this.zone.filesPerRequest;
    // Items that later groups asked for too, in item order.
    const extraAt = [...extraGroups.keys()].sort((a, b) => a - b);
    let extra = 0;
    let groupRun = 0;
    let run = 0;
    let offset = 0; // items of runs[run] already in earlier requests
    for (let start = 0; start < fileCount; start += perRequest) {
      const end = Math.min(fileCount, start + perRequest);
      const groups: number[] = [];
      while (groupRun + 1 < groupRuns.length && groupRuns[groupRun + 1].start <= start) groupRun++;
      for (let r = groupRun; r < groupRuns.length && groupRuns[r].start < end; r++) groups.push(groupRuns[r].group);
      for (; extra < extraAt.length && extraAt[extra] < end; extra++) groups.push(...extraGroups.get(extraAt[extra])!);
      // This request's items: whole runs, or parts of the runs cut at its ends.
      const chunk: FilesRun[] = [];
      for (let n = 0; n < end - start;) {
        const { url, variants } = runs[run];
        const take = Math.min(variants.length - offset, end - start - n);
        chunk.push(offset === 0 && take === variants.length ? runs[run] : { url, variants: variants.slice(offset, offset + take) });
        n += take;
        offset += take;
        if (offset === variants.length) { run++; offset = 0; }
      }
      this.b.push(this.zone, this.action, groups, new CompactFiles(chunk, end - start));
    }
  }

  /** What this (purge) pass reaches, for the zone's invalidations. */
  private reach(): PurgeReach {
    // A purged URL's variants: those of every purge group that has it (built on demand, once).
    const purgedUrls = new Map<string, number[]>();
    for (const { e, i } of this.members) for (const url of e.urls) pushTo(purgedUrls, url, i);
    const variantsByUrl = new Map<string, Set<string>>();
    const due = this.b.due;
    return {
      everything: this.everything.length > 0,
      hosts: this.hostSet,
      prefixes: this.prefixSet,
      tags: new Set(this.tags.values),
      variantsOf: (url) => {
        const owners = purgedUrls.get(url);
        if (owners === undefined) return undefined;
        let keys = variantsByUrl.get(url);
        if (keys === undefined) {
          keys = new Set<string>();
          for (const owner of owners) for (const key of this.keysOf(owner, due[owner].variants)) keys.add(key);
          variantsByUrl.set(url, keys);
        }
        return keys;
      },
      coverage: this.coverage,
      same: { count: 0, tags: new Map(), files: new Map() },
    };
  }
}
