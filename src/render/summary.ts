// Wording shared by the renderers: the closing Plan line, the baseline line.
import type { Action, Plan } from '../plan/types.js';
import { removedCount } from '../plan/types.js';
import { baselineText, formatDuration, plural } from '../format.js';
import { limitsText } from './provider.js';

/** What `~` means for an invalidating group and its items (docs/purge-yaml.md). */
export const INVALIDATE_MEANING = 'invalidate (marked stale, not deleted)';

interface KindCounts { everything: number; files: number; hosts: number; prefixes: number; tags: number }

function countParts(c: KindCounts, everythingWord: string): string[] {
  return [
    c.everything ? `${c.everything} ${everythingWord}` : '',
    c.files ? plural(c.files, 'file') : '',
    c.hosts ? plural(c.hosts, 'host') : '',
    c.prefixes ? plural(c.prefixes, 'prefix', 'prefixes') : '',
    c.tags ? plural(c.tags, 'tag') : '',
  ].filter(Boolean);
}

/** Items by action and kind, from the requests. */
function countsByAction(plan: Plan): Record<Action, KindCounts> {
  const counts = { purge: { everything: 0, files: 0, hosts: 0, prefixes: 0, tags: 0 }, invalidate: { everything: 0, files: 0, hosts: 0, prefixes: 0, tags: 0 } };
  for (const request of plan.requests) {
    const c = counts[request.action === 'invalidate' ? 'invalidate' : 'purge'];
    switch (request.kind) {
      case 'purge_everything': c.everything += 1; break;
      case 'files': c.files += request.size; break;
      case 'hosts': c.hosts += request.size; break;
      case 'prefixes': c.prefixes += request.size; break;
      case 'tags': c.tags += request.size; break;
    }
  }
  return counts;
}

const invalidates = (plan: Plan): boolean => plan.requests.some((r) => r.action === 'invalidate');

/** `3 purge requests`, or with invalidations `3 requests (2 purge, 1 invalidate)`. */
export function requestsText(plan: Plan): string {
  const total = plan.summary.requests;
  if (!invalidates(plan)) return plural(total, 'purge request');
  const invalidations = plan.requests.filter((r) => r.action === 'invalidate').length;
  return `${plural(total, 'request')} (${total - invalidations} purge, ${invalidations} invalidate)`;
}

/** The baseline in words; with --group only the groups it names are due, whatever the baseline. */
export function baselineLine(plan: Plan): string {
  if (!plan.groups.some((g) => g.status === 'forced')) return baselineText(plan.baseline);
  const only = 'only the groups given with --group are due';
  return plan.baseline.kind === 'none' ? `none (${only})` : `${baselineText(plan.baseline)} (${only})`;
}

/** ` (3 removed items purged)`: the items that left their groups, sent one last time; '' for none. */
function removedText(plan: Plan): string {
  let purged = 0;
  let invalidated = 0;
  for (const group of plan.groups) {
    if (!group.due) continue;
    for (const zone of group.removed_items ?? []) {
      const n = removedCount([zone]);
      if ((group.routes?.find((r) => r.zone === zone.zone)?.action ?? group.action) === 'invalidate') invalidated += n;
      else purged += n;
    }
  }
  if (purged + invalidated === 0) return '';
  if (invalidated === 0) return ` (${plural(purged, 'removed item')} purged)`;
  if (purged === 0) return ` (${plural(invalidated, 'removed item')} invalidated)`;
  return ` (${plural(purged + invalidated, 'removed item')}: ${purged} purged, ${invalidated} invalidated)`;
}

/**
 * `Plan: 4 requests — 112 files, 1 host, 2 tags in 1 zone. Estimated 3 s at free-plan limits.`
 * With invalidations each action is named (docs/purge-yaml.md): `90 files purged, 1 prefix invalidated`; a plan
 * of purges only keeps the wording of docs/commands.md#plan.
 */
export function planLine(plan: Plan): string {
  const s = plan.summary;
  if (s.requests === 0) return 'No purges planned.';
  let parts: string[];
  if (invalidates(plan)) {
    const byAction = countsByAction(plan);
    parts = [
      ...countParts(byAction.purge, 'purge everything').map((part) => (part.endsWith('purge everything') ? part : `${part} purged`)),
      ...countParts(byAction.invalidate, 'invalidate everything').map((part) => (part.endsWith('invalidate everything') ? part : `${part} invalidated`)),
    ];
  } else {
    parts = countParts(s, 'purge everything');
  }
  const zones = new Set(plan.requests.map((r) => r.zone));
  const at = limitsText(plan, zones);
  const estimate = s.estimated_seconds === undefined ? '' : ` Estimated ${formatDuration(s.estimated_seconds * 1000)} at ${at}.`;
  return `Plan: ${plural(s.requests, 'request')} — ${parts.join(', ')} in ${plural(zones.size, 'zone')}${removedText(plan)}.${estimate}`;
}
