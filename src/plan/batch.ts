// Stage 5: due groups' items -> request bodies (spec §2.5, §2.6). Per zone: identical items kept
// once (remembering every group that asked), items covered by a broader one dropped and counted,
// one purge type per request, chunked to the zone's limits, in the fixed deterministic order.
import type { Zone } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { fileKey } from '../expand/group.js';
import type { Variant } from '../expand/variants.js';
import { compactFilesBody } from './files.js';
import type { FilesRun } from './files.js';
import type { CoverageEntry, PlannedRequest, PurgeBody } from './types.js';
import { requestKind, requestSize } from './types.js';

export interface BatchResult {
  readonly requests: PlannedRequest[];
  readonly coverage: CoverageEntry[];
  readonly counts: { files: number; hosts: number; prefixes: number; tags: number; everything: number; covered: number; duplicates: number };
}

/**
 * A covering item: how much it absorbed, keyed `kind value`, and the groups whose items it
 * absorbed (its request purges them too, so a group covered whole is still applied: spec §6a).
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

/**
 * The `host[:port]` part of a `host[:port]/path` string. A URL with an explicit port is not
 * taken as covered by a host purge: whether Cloudflare's host purge reaches other ports is
 * undocumented (cloudflare-api.md §6), and sending such a URL costs far less than a stale entry.
 */
function hostOf(hostPath: string): string {
  for (let i = 0; i < hostPath.length; i++) {
    const c = hostPath.charCodeAt(i);
    if (c === 0x2f || c === 0x3f) return hostPath.slice(0, i); // '/' or '?'
  }
  return hostPath;
}

/**
 * The broadest other prefix in `prefixes` that purges `prefix`, if any. Only the boundaries of
 * `prefix` itself can end such a prefix (before a '/' or '?', or just after a '/'), so each is
 * one lookup, shortest first: linear in the length of the prefix, not in the number of prefixes.
 */
function broadestCovering(prefix: string, prefixes: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c !== 0x2f && c !== 0x3f) continue;
    const before = prefix.slice(0, i);
    if (prefixes.has(before)) return before;
    if (c === 0x2f && i + 1 < prefix.length && prefixes.has(prefix.slice(0, i + 1))) return prefix.slice(0, i + 1);
  }
  return undefined;
}

/** The broadest prefix in `prefixes` that covers a file's host+path+query, if any. */
function coveringPrefix(hostPath: string, prefixes: ReadonlySet<string>): string | undefined {
  if (prefixes.size === 0) return undefined;
  const queryAt = hostPath.indexOf('?');
  const path = queryAt === -1 ? hostPath : hostPath.slice(0, queryAt);
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    if (prefixes.has(path.slice(0, i))) return path.slice(0, i);
    if (prefixes.has(path.slice(0, i + 1))) return path.slice(0, i + 1);
  }
  // The end of the path is a boundary too: prefix `host/foo` purges `https://host/foo` itself.
  return prefixes.has(path) ? path : undefined;
}

export function batch(zones: readonly Zone[], due: readonly GroupExpansion[]): BatchResult {
  const requests: PlannedRequest[] = [];
  const coverageEntries: CoverageEntry[] = [];
  const counts = { files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 };
  const names = due.map((e) => e.group.name);
  // Groups are indexed by their position in `due` (file order), so sorting indices sorts by file order.
  const groupNames = (indices: Iterable<number>) => [...new Set(indices)].sort((a, b) => a - b).map((i) => names[i]);
  const byZone = new Map<string, { e: GroupExpansion; i: number }[]>();
  due.forEach((e, i) => {
    const list = byZone.get(e.group.zone);
    if (list) list.push({ e, i });
    else byZone.set(e.group.zone, [{ e, i }]);
  });

  for (const zone of zones) {
    const members = byZone.get(zone.name) ?? [];
    if (members.length === 0) continue;
    const coverage = new Coverage();
    const push = (groups: Iterable<number>, body: PurgeBody) => requests.push({ zone: zone.name, zone_id: zone.id, action: 'purge', groups: groupNames(groups), kind: requestKind(body), size: requestSize(body), body });

    const everything = members.filter(({ e }) => e.everything).map(({ i }) => i);
    const hosts = new Collected();
    const prefixes = new Collected();
    const tags = new Collected();
    for (const { e, i } of members) {
      for (const h of e.hosts) hosts.add(h, i);
      for (const p of e.prefixes) prefixes.add(p, i);
      for (const t of e.tags) tags.add(t, i);
    }
    counts.duplicates += hosts.duplicates + prefixes.duplicates + tags.duplicates + Math.max(0, everything.length - 1);

    // Files: a URL that only one group expands to needs no dedupe, so item keys are built only
    // for URLs that several groups share (a zone of one group shares none).
    // A URL of the largest group is looked up, not inserted, unless another group has it too.
    const urlOwners = new Map<string, number[]>();
    if (members.length > 1) {
      const largest = members.reduce((a, b) => (b.e.urls.length > a.e.urls.length ? b : a));
      for (const { e, i } of members) {
        if (e === largest.e) continue;
        for (const url of e.urls) {
          const owners = urlOwners.get(url);
          if (owners) owners.push(i);
          else urlOwners.set(url, [i]);
        }
      }
      for (const url of largest.e.urls) urlOwners.get(url)?.push(largest.i);
      for (const owners of urlOwners.values()) owners.sort((a, b) => a - b);
    }
    const variantKeys = new Map<number, Set<string>>();
    // The items to send, as runs of one URL's variants; items are numbered across the runs.
    const runs: FilesRun[] = [];
    let fileCount = 0;
    // Items come grouped by their first group: each run records where a group's items start.
    const groupRuns: { start: number; group: number }[] = [];
    let lastGroup = -1;
    const extraGroups = new Map<number, number[]>();
    const sharedIndex = new Map<string, number>();
    const hostSet = everything.length ? new Set<string>() : new Set(hosts.values);
    const allPrefixes = new Set(prefixes.values);
    const coverPrefix = (kind: 'host' | 'prefix', value: string, p: string) => {
      const owners = prefixes.groups.get(p) ?? [];
      coverage.add(kind, value, 1, owners[0]);
      for (const owner of owners.slice(1)) coverage.alsoFor(kind, value, owner);
    };
    const sentPrefixes = everything.length ? [] : prefixes.values.filter((p) => {
      if (hostSet.has(hostOf(p))) { coverPrefix('host', hostOf(p), p); return false; }
      const broader = broadestCovering(p, allPrefixes);
      if (broader !== undefined) { coverPrefix('prefix', broader, p); return false; }
      return true;
    });
    const prefixSet = new Set(sentPrefixes);
    let distinctFiles = 0;
    for (const { e, i } of members) {
      const variants = e.variants;
      for (const url of e.urls) {
        const owners = urlOwners.get(url);
        const shared = owners !== undefined && owners.length > 1;
        let host: string | undefined;
        let prefix: string | undefined;
        if (hostSet.size > 0 || prefixSet.size > 0) {
          const hostPath = url.slice(url.indexOf('//') + 2);
          const urlHost = hostOf(hostPath);
          host = hostSet.has(urlHost) ? urlHost : undefined;
          prefix = host === undefined ? coveringPrefix(hostPath, prefixSet) : undefined;
        }
        if (!shared && host === undefined && prefix === undefined && everything.length === 0) {
          // The common case: every variant of this URL is a new item to send.
          if (lastGroup !== i) groupRuns.push({ start: fileCount, group: (lastGroup = i) });
          runs.push({ url, variants });
          fileCount += variants.length;
          distinctFiles += variants.length;
          continue;
        }
        const earlier = shared ? owners!.filter((g) => g < i) : [];
        if (shared && !variantKeys.has(i)) variantKeys.set(i, new Set(variants.map((v) => v.key)));
        const kept: Variant[] = [];
        for (const variant of variants) {
          if (earlier.length && earlier.some((g) => variantKeys.get(g)?.has(variant.key))) {
            counts.duplicates++;
            if (host !== undefined) coverage.alsoFor('host', host, i);
            else if (prefix !== undefined) coverage.alsoFor('prefix', prefix, i);
            const at = sharedIndex.get(fileKey(url, variant));
            if (at !== undefined) {
              const extra = extraGroups.get(at);
              if (extra) extra.push(i);
              else extraGroups.set(at, [i]);
            }
            continue;
          }
          distinctFiles++;
          if (everything.length) continue;
          if (host !== undefined) { coverage.add('host', host, 1, i); continue; }
          if (prefix !== undefined) { coverage.add('prefix', prefix, 1, i); continue; }
          if (shared) sharedIndex.set(fileKey(url, variant), fileCount + kept.length);
          if (lastGroup !== i) groupRuns.push({ start: fileCount + kept.length, group: (lastGroup = i) });
          kept.push(variant);
        }
        if (kept.length) {
          runs.push({ url, variants: kept.length === variants.length ? variants : kept });
          fileCount += kept.length;
        }
      }
    }

    if (everything.length) {
      // Everything covers every other item of the zone.
      coverage.add('everything', 'everything', hosts.values.length + prefixes.values.length + tags.values.length + distinctFiles);
      // It purges every group of the zone: theirs are covered items.
      push(members.map(({ i }) => i), { purge_everything: true });
      counts.everything++;
    } else {
      const chunked = (values: readonly string[], owners: Map<string, number[]>, size: number, body: (chunk: string[]) => PurgeBody, kind?: 'host' | 'prefix') => {
        for (let start = 0; start < values.length; start += size) {
          const chunk = values.slice(start, start + size);
          const groups = chunk.flatMap((v) => owners.get(v) ?? []);
          if (kind !== undefined) for (const v of chunk) groups.push(...(coverage.groups.get(`${kind} ${v}`) ?? []));
          push(groups, body(chunk));
        }
      };
      chunked(hosts.values, hosts.groups, zone.itemsPerRequest, (chunk) => ({ hosts: chunk }), 'host');
      chunked(sentPrefixes, prefixes.groups, zone.itemsPerRequest, (chunk) => ({ prefixes: chunk }), 'prefix');
      chunked(tags.values, tags.groups, zone.itemsPerRequest, (chunk) => ({ tags: chunk }));
      // Items that later groups asked for too, in item order.
      const extraAt = [...extraGroups.keys()].sort((a, b) => a - b);
      let extra = 0;
      let groupRun = 0;
      let run = 0;
      let offset = 0; // items of runs[run] already in earlier requests
      for (let start = 0; start < fileCount; start += zone.filesPerRequest) {
        const end = Math.min(fileCount, start + zone.filesPerRequest);
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
        push(groups, compactFilesBody(chunk, end - start));
      }
      counts.hosts += hosts.values.length;
      counts.prefixes += sentPrefixes.length;
      counts.tags += tags.values.length;
      counts.files += fileCount;
    }
    for (const [key, covered] of coverage.absorbed) {
      const space = key.indexOf(' ');
      coverageEntries.push({ zone: zone.name, kind: key.slice(0, space) as CoverageEntry['kind'], value: key.slice(space + 1), covered });
      counts.covered += covered;
    }
  }
  return { requests, coverage: coverageEntries, counts };
}
