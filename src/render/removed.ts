// Items that left a group since the baseline, as reviewers see them: each on its own `-` line
// saying `(removed: purged)` (README "Only what changed"). Pure: PlanGroup -> lines' parts.
import { compare } from '../vocabulary.js';
import { makeVariant } from '../expand/variants.js';
import type { Variant } from '../expand/variants.js';
import type { PlanGroup } from '../plan/types.js';

const variantOf = (headers: Readonly<Record<string, string>>): Variant => makeVariant(Object.entries(headers).sort(([a], [b]) => compare(a, b)));

/** What a removed item's line says: purged (or invalidated) one last time, in which zone when not the one shown. */
export function removedNote(group: PlanGroup, zone: string, shownZone: string | null): string {
  const action = group.routes?.find((r) => r.zone === zone)?.action ?? group.action;
  const done = action === 'invalidate' ? 'invalidated' : 'purged';
  return shownZone === null || zone === shownZone ? `(removed: ${done})` : `(removed: ${done} in zone ${zone})`;
}

/** The zone in which a removed item key (`URL [h=v, …]`, `host X`, …) of `group` is purged, if it is. */
export function removedZoneOf(group: PlanGroup): (key: string) => string | undefined {
  const zones = (group.removed_items ?? []).map((zone) => ({
    zone,
    blocks: (zone.files ?? []).map((block) => ({ urls: block.urls, keys: new Set(block.variants.map((v) => variantOf(v).key)) })),
  }));
  const has = (sorted: readonly string[], value: string) => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(sorted[middle], value) < 0) low = middle + 1;
      else high = middle;
    }
    return low < sorted.length && sorted[low] === value;
  };
  return (key) => {
    const space = key.indexOf(' ');
    const kind = key.slice(0, space);
    for (const { zone, blocks } of zones) {
      if (kind === 'host' && zone.hosts?.includes(key.slice(space + 1))) return zone.zone;
      if (kind === 'prefix' && zone.prefixes?.includes(key.slice(space + 1))) return zone.zone;
      if (kind === 'tag' && zone.tags?.includes(key.slice(space + 1))) return zone.zone;
      // A file key is `URL` or `URL [variant]`; a normalized URL holds no space.
      const url = space === -1 ? key : key.slice(0, space);
      const variant = space === -1 ? '' : key.slice(space + 2, -1);
      if (blocks.some((block) => block.keys.has(variant) && has(block.urls, url))) return zone.zone;
    }
    return undefined;
  };
}
