// The plan for people, in the spirit of `terraform plan`: a header per zone naming its cache key,
// a line per group with its status and counts, the items (`+ URL  [header=value, …]`), and the
// closing Plan line. Pure: Plan -> string.
import type { Styler } from '../diagnostics.js';
import type { CoverageEntry, Plan, PlanGroup } from '../plan/types.js';
import { removedCount } from '../plan/types.js';
import { sourceLines, sourceStatusText } from './changes.js';
import { removedItemKeys, removedNote, removedZoneOf } from './removed.js';
import { baselineLine, INVALIDATE_MEANING, planLine, requestsText } from './summary.js';
import { count, plural, printable } from '../format.js';

export interface HumanOptions {
  readonly style: Styler;
  /** Items listed per group before "… and N more". */
  readonly itemsPerGroup?: number;
}

/** Each symbol has one meaning (the legend lists those the plan uses). */
const PURGE = 'purge';
const CHANGED = 'purge (changed since the baseline)';
const NOT_DUE = 'not due';
const SYMBOLS: readonly (readonly [string, string])[] = [['+', PURGE], ['±', CHANGED], ['~', INVALIDATE_MEANING], ['=', NOT_DUE]];

const SYMBOL: Record<PlanGroup['status'], string> = {
  new: '+', changed: '±', revised: '+', content: '+', forced: '+', unchanged: '=', removed: '-',
};

/** A due group that invalidates is marked `~`, as are its items (docs/purge-yaml.md); purges keep their symbols. */
function groupSymbol(group: PlanGroup): string {
  return group.due && group.action === 'invalidate' ? '~' : SYMBOL[group.status];
}

/** What the `-` lines of a plan stand for: groups removed from purge.yaml, items that left a group. */
interface Removals { group: boolean; purged: boolean; invalidated: boolean; dropped: boolean }

/** The legend: the meaning of each symbol the plan shows, each symbol once (like Terraform's). */
function legendText(used: ReadonlySet<string>, removals: Removals, style: Styler): string {
  const entries = SYMBOLS.filter(([symbol]) => used.has(symbol)).map(([symbol, meaning]) => `${symbol === '=' ? style.dim(symbol) : style.green(symbol)} ${meaning}`);
  const minus: string[] = [];
  if (removals.group) minus.push('a group removed from purge.yaml purges nothing');
  if (removals.purged || removals.invalidated) minus.push(`an item that left its group is ${removals.purged && removals.invalidated ? 'purged or invalidated' : removals.purged ? 'purged' : 'invalidated'} one last time`);
  if (removals.dropped) minus.push('an item marked "no longer planned" is not sent');
  if (minus.length) entries.push(`${style.red('-')} ${removals.group && minus.length === 1 ? 'removed (purges nothing)' : `removed: ${minus.join('; ')}`}`);
  return `Symbols: ${entries.join(', ')}.`;
}

/** The symbol of a group's items: `~` invalidated, `+` purged. */
export function itemSymbol(group: PlanGroup): string {
  return group.action === 'invalidate' ? '~' : '+';
}

/** `· invalidate` after the status of a group that invalidates; nothing for purges (the default). */
export function actionText(group: PlanGroup): string {
  return group.action === 'invalidate' && group.status !== 'removed' ? 'invalidate' : '';
}

/** A coverage note: what absorbed the items (`already purged by prefix X`). */
export function coveredBy(entry: CoverageEntry, code: (text: string) => string = (text) => text): string {
  if (entry.kind === 'same') return 'purged too (an item planned for both is only purged)';
  const done = entry.action === 'invalidate' ? 'invalidated' : 'purged';
  const action = entry.action === 'invalidate' ? 'invalidate' : 'purge';
  return `already ${done} by ${entry.kind === 'everything' ? `${action} everything` : `${entry.kind} ${code(entry.value)}`}`;
}

/** `URL [h=v, …]` keys are shown as `URL  [h=v, …]`: two spaces set the headers apart. */
export function itemLine(key: string): string {
  const bracket = key.indexOf(' [');
  return printable(bracket === -1 || !key.startsWith('http') ? key : `${key.slice(0, bracket)}  ${key.slice(bracket + 1)}`);
}

/** A changed group whose items are the same: what changed is its action (docs/purge-yaml.md) or its zone's id (docs/purge-yaml.md). */
export function sameItems(group: PlanGroup): boolean {
  return group.diff !== undefined && group.diff.added_count === 0 && group.diff.removed_count === 0;
}

export function statusText(group: PlanGroup): string {
  // A build or sitemap group says what changed in its content, and against what.
  return group.source && group.changes ? sourceStatusText(group, groupStatusText(group)) : groupStatusText(group);
}

function groupStatusText(group: PlanGroup): string {
  switch (group.status) {
    case 'new': return 'new';
    case 'changed':
      if (group.diff && sameItems(group)) return 'changed: same items, another action or zone id';
      return group.diff ? `changed: ${plural(group.diff.added_count, 'item')} added, ${group.diff.removed_count} removed` : 'changed';
    case 'revised': return `revised (revision ${group.revision ?? 0})`;
    case 'content': return 'watched content changed';
    case 'forced': return 'forced by --group';
    case 'unchanged': return 'unchanged';
    case 'removed': return 'removed from purge.yaml';
  }
}

/** A group's size as a reviewer needs it: a changed group purges all its items, not only the new ones. */
export function itemsText(group: PlanGroup): string {
  if (group.status === 'removed') return 'nothing to purge';
  const removed = removedCount(group.removed_items);
  const also = removed > 0 ? ` and ${plural(removed, 'removed item')}` : '';
  if (group.status === 'changed') return `${group.action === 'invalidate' ? 'invalidates' : 'purges'} all ${plural(group.items, 'item')}${also}`;
  return `${plural(group.items, 'item')}${also}`;
}

/**
 * The lines under a due group that show its changes: items added, then items removed (each
 * `(removed: purged)` when it is purged one last time, `(no longer planned)` when not), or, for a
 * group without a diff, its items and then the removed ones; null when it has neither.
 */
export function changeLines(group: PlanGroup, limit: number, zone: string | null): { added: string[]; removed: { key: string; note: string }[]; hidden: number } | null {
  if (group.diff && !sameItems(group)) {
    const zoneOf = removedZoneOf(group);
    const removed = group.diff.removed.slice(0, limit).map((key) => {
      const at = zoneOf(key);
      return { key, note: at === undefined ? '(no longer planned)' : removedNote(group, at, zone) };
    });
    const added = group.diff.added.slice(0, limit);
    return { added, removed, hidden: group.diff.added_count + group.diff.removed_count - added.length - removed.length };
  }
  if (!group.removed_items?.length) return null;
  const { keys, total } = removedItemKeys(group, limit);
  return { added: [], removed: keys.map(({ key, zone: at }) => ({ key, note: removedNote(group, at, zone) })), hidden: total - keys.length };
}

export function renderHuman(plan: Plan, options: HumanOptions): string {
  const { style } = options;
  const limit = options.itemsPerGroup ?? 10;
  const lines: string[] = [];
  const used = new Set<string>();
  const removals: Removals = { group: false, purged: false, invalidated: false, dropped: false };
  const dueCount = plan.groups.filter((g) => g.due).length;
  // A file with no groups has nothing to compare: the plan is only its closing line.
  if (plan.groups.length > 0) lines.push(`Baseline: ${baselineLine(plan)}.`, '');
  const zoneNames = [...plan.zones.map((z) => z.name), ...new Set(plan.groups.flatMap((g) => g.zones).filter((z) => !plan.zones.some((pz) => pz.name === z)))];
  for (const zoneName of zoneNames) {
    // A routed group (docs/purge-yaml.md) appears under each zone it sends to, with what it sends there.
    const groups = plan.groups.filter((g) => g.zones.includes(zoneName));
    if (groups.length === 0) continue;
    const zone = plan.zones.find((z) => z.name === zoneName);
    const zoneKey = zone?.cache_key ?? null;
    const keyText = (name: string | null) => `cache key ${name === null ? 'default' : `"${name}"`} (${plan.cache_keys[name ?? 'default'] ?? 'not described'})`;
    const where = zone ? [zone.zone_name, zone.zone_id ?? 'id looked up at apply', `${zone.plan} plan`].filter(Boolean).join(', ') : 'no longer in purge.yaml';
    lines.push(`${style.bold(`zone ${zoneName}`)} (${where})${zone ? ` — ${keyText(zoneKey)}` : ''}`);
    for (const request of plan.requests) {
      if (request.zone !== zoneName || !('purge_everything' in request.body)) continue;
      lines.push(style.red(style.bold(request.action === 'invalidate'
        ? `  ! invalidate EVERYTHING: every cached file of zone ${zoneName} will be marked stale`
        : `  ! purge EVERYTHING: every cached file of zone ${zoneName} will be removed`)));
    }
    for (const planGroup of groups) {
      const route = planGroup.routes?.find((r) => r.zone === zoneName);
      // Under each zone a routed group shows what it does there.
      const group = route ? { ...planGroup, action: route.action } : planGroup;
      const symbol = groupSymbol(group);
      if (symbol === '-') removals.group = true;
      else used.add(symbol);
      const shown = group.due ? style.green(symbol) : style.dim(symbol);
      const action = actionText(group) ? ` ${style.dim('·')} ${actionText(group)}` : '';
      const groupKey = route ? route.cache_key : group.cache_key;
      const ownKey = groupKey !== undefined && groupKey !== zoneKey && group.status !== 'removed' ? ` ${style.dim('·')} ${keyText(groupKey)}` : '';
      const routed = route ? ` ${style.dim('·')} routed by host${group.zones.length > 1 ? `: ${plural(route.items, 'item')} of ${count(group.items)} here` : ''}` : '';
      const head = `  ${shown} ${style.bold(group.name)} ${style.dim('·')} ${statusText(group)}${action} ${style.dim('·')} ${itemsText(group)}${routed}${ownKey}`;
      lines.push(group.due ? head : style.dim(head));
      if (group.description) lines.push(style.dim(`      ${printable(group.description.trim())}`));
      if (!group.due) continue;
      if (group.source && group.changes) {
        const { lines: changed, hidden } = sourceLines(group, limit, group.action === 'invalidate');
        for (const { symbol, text, note } of changed) {
          if (symbol === '-') removals.purged = true;
          else used.add(symbol);
          lines.push(`      ${symbol === '-' ? style.red(symbol) : style.green(symbol)} ${printable(text)}${note ? ` ${style.dim(note)}` : ''}`);
        }
        if (hidden > 0) lines.push(style.dim(`      … and ${plural(hidden, 'more change')}`));
        continue;
      }
      const changes = changeLines(group, limit, zoneName);
      if ((group.diff || changes) && group.zones.length > 1 && group.zones[0] !== zoneName) {
        lines.push(style.dim(`      (changes listed under zone ${group.zones[0]})`));
        continue;
      }
      if (changes && group.diff && !sameItems(group)) {
        for (const key of changes.added) {
          used.add(itemSymbol(group));
          lines.push(`      ${style.green(itemSymbol(group))} ${itemLine(key)}`);
        }
      } else {
        const preview = route?.preview ?? group.preview ?? [];
        preview.slice(0, limit).forEach((key) => {
          used.add(itemSymbol(group));
          lines.push(`      ${style.green(itemSymbol(group))} ${itemLine(key)}`);
        });
        const more = (route?.items ?? group.items) - Math.min(limit, preview.length);
        if (more > 0) lines.push(style.dim(`      … and ${count(more)} more`));
      }
      for (const { key, note } of changes?.removed ?? []) {
        if (note === '(no longer planned)') removals.dropped = true;
        else if (note.startsWith('(removed: invalidated')) removals.invalidated = true;
        else removals.purged = true;
        lines.push(`      ${style.red('-')} ${itemLine(key)} ${style.dim(note)}`);
      }
      if (changes && changes.hidden > 0) lines.push(style.dim(`      … and ${plural(changes.hidden, group.diff && !sameItems(group) ? 'more change' : 'more removed item')}`));
    }
    lines.push('');
  }
  for (const entry of plan.coverage) {
    lines.push(style.dim(`Covered: ${plural(entry.covered, entry.kind === 'same' ? 'invalidation' : 'item')} in zone ${entry.zone} not sent: ${coveredBy(entry, printable)}.`));
  }
  if (plan.summary.duplicates > 0) lines.push(style.dim(`Deduplicated: ${plural(plan.summary.duplicates, 'item')} asked for by more than one group ${plan.summary.duplicates === 1 ? 'is' : 'are'} sent once.`));
  if (plan.coverage.length || plan.summary.duplicates) lines.push('');
  lines.push(plan.summary.requests === 0 ? style.bold('No purges planned.') : style.bold(planLine(plan)));
  if (dueCount > 0) {
    // Like Terraform, the legend lists only the symbols this plan shows.
    // With nothing to send, the closing line says so once ("No purges planned.").
    const legend = legendText(used, removals, style);
    lines.unshift(plan.summary.requests > 0 ? `purgeplan will send ${requestsText(plan)} for ${plural(dueCount, 'group')}. ${legend}` : legend);
  }
  return `${lines.join('\n')}\n`;
}
