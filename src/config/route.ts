// Zones routed by host (docs/purge-yaml.md, docs/coverage.md): the zone whose `name` is the host or a parent domain of
// it, the longest name winning. Shared by the planner (routed groups), explain and coverage, so
// that the three can never route one host to two different zones.
import type { Zone } from './types.js';

/**
 * The zone that owns `host` (lower-case, punycode), or undefined when none does. Zones without
 * `name` take no routed host, except that a file's only zone takes every host when
 * `singleZoneTakesAll` is set (explain and coverage, docs/coverage.md).
 */
export function zoneForHost(zones: readonly Zone[], host: string, singleZoneTakesAll = false): Zone | undefined {
  if (singleZoneTakesAll && zones.length === 1 && zones[0]!.zoneName === null) return zones[0];
  let best: Zone | undefined;
  for (const zone of zones) {
    const name = zone.zoneName;
    if (name === null) continue;
    if (host !== name && !host.endsWith(`.${name}`)) continue;
    if (!best || name.length > best.zoneName!.length) best = zone;
  }
  return best;
}
