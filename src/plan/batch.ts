// Stage 5: due groups' items -> request bodies (spec §2.5, §2.6). Per zone: identical items kept
// once (remembering every group that asked), items covered by a broader one dropped and counted,
// one purge type per request, chunked to the zone's limits, in the fixed deterministic order.
import type { Zone } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { fileKey } from '../expand/group.js';
import type { Variant } from '../expand/variants.js';
import { compactFilesBody } from './files.js';
import type { CoverageEntry, PlannedRequest, PurgeBody } from './types.js';

export interface BatchResult {
  readonly requests: PlannedRequest[];
  readonly coverage: CoverageEntry[];
  readonly counts: { files: number; hosts: number; prefixes: number; tags: number; everything: number; covered: number; duplicates: number };
}

/** A covering item: how much it absorbed, keyed `kind value`. */
class Coverage {
  readonly absorbed = new Map<string, number>();
  add(kind: 'everything' | 'host' | 'prefix', value: string, n: number): void {
    if (n <= 0) return;
    const key = `${kind} ${value}`;
    this.absorbed.set(key, (this.absorbed.get(key) ?? 0) + n);
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

/** True when `prefix` purges `value` (a longer prefix or a file's host+path+query). */
export function prefixCovers(prefix: string, value: string): boolean {
  if (value.length <= prefix.length || !value.startsWith(prefix)) return false;
  if (prefix.endsWith('/')) return true;
  const next = value[prefix.length];
  return next === '/' || next === '?';
}

/**
 * The `host[:port]` part of a `host[:port]/path` string. A URL with an explicit port is not
 * taken as covered by a host purge: whether Cloudflare's host purge reaches other ports is
 * undocumented (cloudflare-api.md §6), and sending such a URL costs far less than a stale entry.
 */
function hostOf(hostPath: string): string {
  const end = hostPath.search(/[/?]/);
  return end === -1 ? hostPath : hostPath.slice(0, end);
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

  for (const zone of zones) {
    const members = due.map((e, i) => ({ e, i })).filter(({ e }) => e.group.zone === zone.name);
    if (members.length === 0) continue;
    const coverage = new Coverage();
    const push = (groups: Iterable<number>, body: PurgeBody) => requests.push({ zone: zone.name, zone_id: zone.id, action: 'purge', groups: groupNames(groups), body });

    const everything = members.filter(({ e }) => e.everything).map(({ i }) => i);
    const hosts = new Collected();
    const prefixes = new Collected();
    const tags = new Collected();
    for (const { e, i } of members) {
      e.hosts.forEach((h) => hosts.add(h, i));
      e.prefixes.forEach((p) => prefixes.add(p, i));
      e.tags.forEach((t) => tags.add(t, i));
    }
    counts.duplicates += hosts.duplicates + prefixes.duplicates + tags.duplicates + Math.max(0, everything.length - 1);

    // Files: a URL that only one group expands to needs no dedupe, so item keys are built only
    // for URLs that several groups share.
    const urlOwners = new Map<string, number[]>();
    for (const { e, i } of members) {
      for (const url of e.urls) {
        const owners = urlOwners.get(url);
        if (owners) owners.push(i);
        else urlOwners.set(url, [i]);
      }
    }
    const variantKeys = new Map<number, Set<string>>();
    const fileUrls: string[] = [];
    const fileVariants: Variant[] = [];
    // Items come grouped by their first group: each run records where a group's items start.
    const groupRuns: { start: number; group: number }[] = [];
    let lastGroup = -1;
    const extraGroups = new Map<number, number[]>();
    const sharedIndex = new Map<string, number>();
    const hostSet = everything.length ? new Set<string>() : new Set(hosts.values);
    const sentPrefixes = everything.length ? [] : prefixes.values.filter((p) => {
      if (hostSet.has(hostOf(p))) { coverage.add('host', hostOf(p), 1); return false; }
      const broader = prefixes.values.find((q) => prefixCovers(q, p));
      if (broader !== undefined) { coverage.add('prefix', broadest(broader, prefixes.values), 1); return false; }
      return true;
    });
    const prefixSet = new Set(sentPrefixes);
    let distinctFiles = 0;
    for (const { e, i } of members) {
      for (const url of e.urls) {
        const owners = urlOwners.get(url) ?? [];
        const shared = owners.length > 1;
        const earlier = shared ? owners.filter((g) => g < i) : [];
        if (shared && !variantKeys.has(i)) variantKeys.set(i, new Set(e.variants.map((v) => v.key)));
        const hostPath = url.slice(url.indexOf('//') + 2);
        const host = hostSet.has(hostOf(hostPath)) ? hostOf(hostPath) : undefined;
        const prefix = host === undefined ? coveringPrefix(hostPath, prefixSet) : undefined;
        if (!shared && host === undefined && prefix === undefined && everything.length === 0) {
          // The common case: every variant of this URL is a new item to send.
          if (lastGroup !== i) groupRuns.push({ start: fileUrls.length, group: (lastGroup = i) });
          for (const variant of e.variants) {
            fileUrls.push(url);
            fileVariants.push(variant);
          }
          distinctFiles += e.variants.length;
          continue;
        }
        for (const variant of e.variants) {
          if (earlier.length && earlier.some((g) => variantKeys.get(g)?.has(variant.key))) {
            counts.duplicates++;
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
          if (host !== undefined) { coverage.add('host', host, 1); continue; }
          if (prefix !== undefined) { coverage.add('prefix', prefix, 1); continue; }
          if (shared) sharedIndex.set(fileKey(url, variant), fileUrls.length);
          if (lastGroup !== i) groupRuns.push({ start: fileUrls.length, group: (lastGroup = i) });
          fileUrls.push(url);
          fileVariants.push(variant);
        }
      }
    }

    if (everything.length) {
      // Everything covers every other item of the zone.
      coverage.add('everything', 'everything', hosts.values.length + prefixes.values.length + tags.values.length + distinctFiles);
      push(everything, { purge_everything: true });
      counts.everything++;
    } else {
      const chunked = (values: readonly string[], owners: Map<string, number[]>, size: number, body: (chunk: string[]) => PurgeBody) => {
        for (let start = 0; start < values.length; start += size) {
          const chunk = values.slice(start, start + size);
          push(chunk.flatMap((v) => owners.get(v) ?? []), body(chunk));
        }
      };
      chunked(hosts.values, hosts.groups, zone.itemsPerRequest, (chunk) => ({ hosts: chunk }));
      chunked(sentPrefixes, prefixes.groups, zone.itemsPerRequest, (chunk) => ({ prefixes: chunk }));
      chunked(tags.values, tags.groups, zone.itemsPerRequest, (chunk) => ({ tags: chunk }));
      let run = 0;
      for (let start = 0; start < fileUrls.length; start += zone.filesPerRequest) {
        const end = Math.min(fileUrls.length, start + zone.filesPerRequest);
        const groups: number[] = [];
        while (run + 1 < groupRuns.length && groupRuns[run + 1].start <= start) run++;
        for (let r = run; r < groupRuns.length && groupRuns[r].start < end; r++) groups.push(groupRuns[r].group);
        if (extraGroups.size > 0) {
          for (let k = start; k < end; k++) {
            const extra = extraGroups.get(k);
            if (extra) groups.push(...extra);
          }
        }
        push(groups, compactFilesBody(fileUrls.slice(start, end), fileVariants.slice(start, end)));
      }
      counts.hosts += hosts.values.length;
      counts.prefixes += sentPrefixes.length;
      counts.tags += tags.values.length;
      counts.files += fileUrls.length;
    }
    for (const [key, covered] of coverage.absorbed) {
      const space = key.indexOf(' ');
      coverageEntries.push({ zone: zone.name, kind: key.slice(0, space) as CoverageEntry['kind'], value: key.slice(space + 1), covered });
      counts.covered += covered;
    }
  }
  return { requests, coverage: coverageEntries, counts };
}

function broadest(prefix: string, all: readonly string[]): string {
  let best = prefix;
  for (const q of all) if (prefixCovers(q, best)) best = q;
  return best;
}
