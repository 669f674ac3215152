// What the state keeps about a purged group (docs/commands.md#only-what-changed): its fingerprint, revision, watched-content
// digest and, for groups small enough, its items, stored factored (URLs and variants apart, as
// the expansion itself is) so a 10,000-item group takes a few hundred lines, not 10,000 keys.
// Pure: expansions in, records out. The plan carries each due group's record; apply copies it.
import { createHash } from 'node:crypto';
import type { Zone } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { byGroup, groupItemKeys } from '../expand/group.js';
import { compare } from '../vocabulary.js';

/** Item lists are kept only up to this many items per group, so the state stays small. */
export const MAX_RECORDED_ITEMS = 10_000;

/** A group's items, factored: its file items are exactly `urls` x `variants` (variant keys). */
export interface RecordedItems {
  readonly everything?: true;
  readonly hosts?: readonly string[];
  readonly prefixes?: readonly string[];
  readonly tags?: readonly string[];
  readonly urls?: readonly string[];
  readonly variants?: readonly string[];
  /** A routed group whose zones vary its URLs differently: its items in each zone (and nothing else). */
  readonly zones?: Readonly<Record<string, RecordedItems>>;
}

/** The state record of a group as a successful apply writes it (less applied_at and plan_id). */
export interface GroupRecordData {
  readonly zone: string;
  /** The zone's id, or `name:<zone name>` for a zone looked up by name: part of the fingerprint. */
  readonly zone_id: string;
  readonly fingerprint: string;
  readonly revision: number;
  readonly watch_digest?: string;
  readonly items_count: number;
  readonly items?: RecordedItems;
  /** A build or sitemap group's content as applied (the state adds the packed snapshot, `table`). */
  readonly source?: RecordedSource;
}

/** What the state keeps of a build or sitemap group's content (reconcile/snapshot.ts). */
export interface RecordedSource {
  readonly kind: 'build' | 'sitemap';
  readonly count: number;
  readonly digest: string;
  /** The snapshot, packed: written by apply into the state, never into a plan. */
  readonly table?: string;
}

/** How a zone is named in fingerprints: changing its id makes its groups `changed` (docs/purge-yaml.md). */
function zoneIdentity(zone: Pick<Zone, 'id' | 'zoneName'> | undefined): string {
  if (zone === undefined) return '';
  return zone.id ?? `name:${zone.zoneName ?? ''}`;
}

/**
 * sha256 naming a group's item set in its zone. A group's file items are exactly its URLs x its
 * variants, so hashing the two lists (plus hosts, prefixes, tags, everything) names the same set
 * as hashing every item, at a fraction of the cost for a million-item group. `zone` undefined
 * gives the fingerprint of state files of format 1, which did not include the zone.
 */
export function groupFingerprint(expansion: GroupExpansion, zone?: string): string {
  const hash = createHash('sha256');
  const section = (name: string, values: readonly string[]) => {
    hash.update(`${name} ${values.length}\n`);
    for (let start = 0; start < values.length; start += 4096) hash.update(`${values.slice(start, start + 4096).join('\n')}\n`);
  };
  if (zone !== undefined) section('zone', [zone]);
  // What decides a purge (docs/purge-yaml.md): switching a group between purge and invalidate makes it
  // `changed`. Only invalidate is hashed, so the fingerprints of purging groups stay as they were.
  if (expansion.action === 'invalidate') section('action', ['invalidate']);
  section('everything', expansion.everything ? ['everything'] : []);
  section('hosts', expansion.hosts);
  section('prefixes', expansion.prefixes);
  section('tags', expansion.tags);
  const source = expansion.group.source;
  if (source !== null) {
    // A build or sitemap group: its files are compared one by one (reconcile/content.ts); what
    // makes every URL due is how they map to URLs and the variants they are purged under.
    section('source', source.kind === 'build' ? ['build', source.baseUrl, source.index ?? '', String(source.cleanUrls)] : ['sitemap', source.baseUrl ?? '']);
    section('variants', expansion.variants.map((v) => v.key));
  } else {
    section('urls', expansion.urls);
    section('variants', expansion.urls.length ? expansion.variants.map((v) => v.key) : []);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The factored items of an expansion, or undefined when it is too large to record. */
function recordedItems(expansion: GroupExpansion): RecordedItems | undefined {
  // A build or sitemap group's URLs are kept as its source's snapshot (reconcile/snapshot.ts), not as items.
  const listed = expansion.group.source !== null;
  if (expansion.items > MAX_RECORDED_ITEMS && !listed) return undefined;
  return {
    ...(expansion.everything ? { everything: true as const } : {}),
    ...(expansion.hosts.length ? { hosts: expansion.hosts } : {}),
    ...(expansion.prefixes.length ? { prefixes: expansion.prefixes } : {}),
    ...(expansion.tags.length ? { tags: expansion.tags } : {}),
    ...(expansion.urls.length && !listed ? { urls: expansion.urls, variants: expansion.variants.map((v) => v.key) } : {}),
  };
}

/** Item keys (`URL [h=v, …]`, `host X`, …) of recorded items, sorted: what diffs compare. */
export function recordedKeys(items: RecordedItems): string[] {
  if (items.zones !== undefined) return Object.values(items.zones).flatMap(recordedKeys).sort(compare);
  const keys: string[] = [];
  if (items.everything) keys.push('everything');
  for (const host of items.hosts ?? []) keys.push(`host ${host}`);
  for (const prefix of items.prefixes ?? []) keys.push(`prefix ${prefix}`);
  for (const tag of items.tags ?? []) keys.push(`tag ${tag}`);
  for (const url of items.urls ?? []) {
    for (const variant of items.variants ?? []) keys.push(variant ? `${url} [${variant}]` : url);
  }
  return keys.sort(compare);
}

/** How many items recorded items stand for. */
export function recordedCount(items: RecordedItems): number {
  if (items.zones !== undefined) return Object.values(items.zones).reduce((n, zone) => n + recordedCount(zone), 0);
  return (items.everything ? 1 : 0) + (items.hosts?.length ?? 0) + (items.prefixes?.length ?? 0) + (items.tags?.length ?? 0)
    + (items.urls?.length ?? 0) * (items.variants?.length ?? 0);
}

/** The sorted item keys of an expansion (for diffs). */
export function expansionKeys(expansion: GroupExpansion): string[] {
  return groupItemKeys(expansion).sort(compare);
}

/**
 * Records a group's expansions (one per zone it sends to; several for a routed group, docs/purge-yaml.md).
 * `zone` and `zone_id` name every zone, joined by ',' (zone names cannot contain one).
 */
export function groupRecord(parts: readonly GroupExpansion[], zones: ZoneLookup, fingerprint: string, watchDigest: string | undefined): GroupRecordData {
  const items = parts.length === 1 ? recordedItems(parts[0]) : mergedItems(parts);
  return {
    zone: zonesKey(parts),
    zone_id: parts.map((p) => zoneIdentity(zones.get(p.zone))).join(','),
    fingerprint,
    revision: parts[0].group.revision,
    ...(watchDigest !== undefined ? { watch_digest: watchDigest } : {}),
    items_count: partsItems(parts),
    ...(items !== undefined ? { items } : {}),
  };
}

type ZoneLookup = ReadonlyMap<string, Pick<Zone, 'id' | 'zoneName'>>;

/** The zones a group's items go to, as decisions and records name them: one name, or several joined by ','. */
export function zonesKey(parts: readonly GroupExpansion[]): string {
  return parts.map((p) => p.zone).join(',');
}

/** Items of a group over every zone it sends to. */
export function partsItems(parts: readonly GroupExpansion[]): number {
  return parts.reduce((n, p) => n + p.items, 0);
}

/** Every group's fingerprint by name, computed once per run for both the decision and the plan. */
export function groupFingerprints(zones: readonly Zone[], expansions: readonly GroupExpansion[]): Map<string, string> {
  const lookup = new Map(zones.map((z) => [z.name, z]));
  return new Map(byGroup(expansions).map(({ group, parts }) => [group.name, groupFingerprintOf(parts, lookup)]));
}

/**
 * A group's fingerprint over every zone it sends to. A group in one zone keeps the fingerprint
 * it always had; a routed group's names each zone (its identity) with that zone's items.
 */
export function groupFingerprintOf(parts: readonly GroupExpansion[], zones: ZoneLookup): string {
  if (parts.length === 1) return groupFingerprint(parts[0], zoneIdentity(zones.get(parts[0].zone)));
  const hash = createHash('sha256').update('routed group\n');
  for (const part of parts) hash.update(`${part.zone}\n${groupFingerprint(part, zoneIdentity(zones.get(part.zone)))}\n`);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * A routed group's items as one record: its zones' URL lists merged, when every zone varies them
 * the same way (a URL goes to one zone only, so nothing is merged twice); otherwise each zone's
 * items apart (`zones`), so that the items it loses later are known in each zone.
 */
function mergedItems(parts: readonly GroupExpansion[]): RecordedItems | undefined {
  if (partsItems(parts) > MAX_RECORDED_ITEMS) return undefined;
  const withUrls = parts.filter((p) => p.urls.length);
  const variants = withUrls[0]?.variants.map((v) => v.key) ?? [];
  if (withUrls.some((p) => p.variants.map((v) => v.key).join('\n') !== variants.join('\n'))) {
    return { zones: Object.fromEntries(parts.map((p) => [p.zone, recordedItems(p)!])) };
  }
  const merged = (list: (p: GroupExpansion) => readonly string[]) => parts.flatMap(list).sort(compare);
  const hosts = merged((p) => p.hosts);
  const prefixes = merged((p) => p.prefixes);
  const urls = merged((p) => p.urls);
  return {
    ...(hosts.length ? { hosts } : {}),
    ...(prefixes.length ? { prefixes } : {}),
    ...(urls.length ? { urls, variants } : {}),
  };
}

/** The sorted item keys of a group over every zone it sends to (for diffs). */
export function partsKeys(parts: readonly GroupExpansion[]): string[] {
  return parts.flatMap((p) => groupItemKeys(p)).sort(compare);
}
