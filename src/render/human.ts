// The plan for people, in the spirit of `terraform plan`: a header per zone naming its cache key,
// a line per group with its status and counts, the items (`+ URL  [header=value, …]`), and the
// closing Plan line. Pure: Plan -> string.
import type { Styler } from '../diagnostics.js';
import type { CoverageEntry, Plan, PlanGroup } from '../plan/types.js';
import { INVALIDATE_MEANING, planLine, requestsText } from './summary.js';
import { baselineText, count, plural, printable } from '../format.js';

export interface HumanOptions {
  readonly style: Styler;
  /** Items listed per group before "… and N more". */
  readonly itemsPerGroup?: number;
}

const LEGEND: readonly (readonly [string, string])[] = [
  ['+', 'purge'], ['~', 'purge (changed since the baseline)'], ['~', INVALIDATE_MEANING], ['=', 'not due'], ['-', 'removed (purges nothing)'],
];

const SYMBOL: Record<PlanGroup['status'], string> = {
  new: '+', changed: '~', revised: '+', content: '+', forced: '+', unchanged: '=', removed: '-',
};

/** A due group that invalidates is marked `~`, as are its items (spec §7.3); purges keep their symbols. */
function groupSymbol(group: PlanGroup): string {
  return group.due && group.action === 'invalidate' ? '~' : SYMBOL[group.status];
}

/** The legend entry a group's line uses. */
function legendEntry(group: PlanGroup): string {
  return group.due && group.action === 'invalidate' ? INVALIDATE_MEANING : LEGEND.find(([symbol]) => symbol === SYMBOL[group.status])![1];
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

/** A changed group whose items are the same: what changed is its action (§7.3) or its zone's id (§6a). */
export function sameItems(group: PlanGroup): boolean {
  return group.diff !== undefined && group.diff.added_count === 0 && group.diff.removed_count === 0;
}

export function statusText(group: PlanGroup): string {
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
  if (group.status === 'changed') return `${group.action === 'invalidate' ? 'invalidates' : 'purges'} all ${plural(group.items, 'item')}`;
  return plural(group.items, 'item');
}

export function renderHuman(plan: Plan, options: HumanOptions): string {
  const { style } = options;
  const limit = options.itemsPerGroup ?? 10;
  const lines: string[] = [];
  const dueCount = plan.groups.filter((g) => g.due).length;
  if (dueCount > 0) {
    // Like Terraform, the legend lists only the symbols this plan uses.
    // A routed group (§7.2) may purge in one zone and invalidate in another.
    const used = new Set(plan.groups.flatMap((g) => (g.routes ? g.routes.map((r) => legendEntry({ ...g, action: r.action })) : [legendEntry(g)])));
    const legend = LEGEND.filter(([, meaning]) => used.has(meaning)).map(([symbol, meaning]) => `${symbol === '=' ? style.dim(symbol) : symbol === '-' ? style.red(symbol) : style.green(symbol)} ${meaning}`);
    // With nothing to send, the closing line says so once ("No purges planned.").
    lines.push(plan.summary.requests > 0 ? `purgeplan will send ${requestsText(plan)} for ${plural(dueCount, 'group')}. Symbols: ${legend.join(', ')}.` : `Symbols: ${legend.join(', ')}.`);
  }
  // A file with no groups has nothing to compare: the plan is only its closing line.
  if (plan.groups.length > 0) lines.push(`Baseline: ${baselineText(plan.baseline)}.`, '');
  const zoneNames = [...plan.zones.map((z) => z.name), ...new Set(plan.groups.flatMap((g) => g.zones).filter((z) => !plan.zones.some((pz) => pz.name === z)))];
  for (const zoneName of zoneNames) {
    // A routed group (§7.2) appears under each zone it sends to, with what it sends there.
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
      const symbol = group.due ? style.green(groupSymbol(group)) : style.dim(groupSymbol(group));
      const action = actionText(group) ? ` ${style.dim('·')} ${actionText(group)}` : '';
      const groupKey = route ? route.cache_key : group.cache_key;
      const ownKey = groupKey !== undefined && groupKey !== zoneKey && group.status !== 'removed' ? ` ${style.dim('·')} ${keyText(groupKey)}` : '';
      const routed = route ? ` ${style.dim('·')} routed by host${group.zones.length > 1 ? `: ${plural(route.items, 'item')} of ${count(group.items)} here` : ''}` : '';
      const head = `  ${symbol} ${style.bold(group.name)} ${style.dim('·')} ${statusText(group)}${action} ${style.dim('·')} ${itemsText(group)}${routed}${ownKey}`;
      lines.push(group.due ? head : style.dim(head));
      if (group.description) lines.push(style.dim(`      ${printable(group.description.trim())}`));
      if (!group.due) continue;
      if (group.diff && group.zones.length > 1 && group.zones[0] !== zoneName) {
        lines.push(style.dim(`      (changes listed under zone ${group.zones[0]})`));
        continue;
      }
      if (group.diff && !sameItems(group)) {
        group.diff.added.slice(0, limit).forEach((key) => lines.push(`      ${style.green(itemSymbol(group))} ${itemLine(key)}`));
        group.diff.removed.slice(0, limit).forEach((key) => lines.push(`      ${style.red('-')} ${itemLine(key)} ${style.dim('(no longer planned)')}`));
        const hidden = group.diff.added_count + group.diff.removed_count - Math.min(limit, group.diff.added.length) - Math.min(limit, group.diff.removed.length);
        if (hidden > 0) lines.push(style.dim(`      … and ${count(hidden)} more changes`));
        continue;
      }
      const preview = route?.preview ?? group.preview ?? [];
      preview.slice(0, limit).forEach((key) => lines.push(`      ${style.green(itemSymbol(group))} ${itemLine(key)}`));
      const more = (route?.items ?? group.items) - Math.min(limit, preview.length);
      if (more > 0) lines.push(style.dim(`      … and ${count(more)} more`));
    }
    lines.push('');
  }
  for (const entry of plan.coverage) {
    lines.push(style.dim(`Covered: ${plural(entry.covered, entry.kind === 'same' ? 'invalidation' : 'item')} in zone ${entry.zone} not sent: ${coveredBy(entry, printable)}.`));
  }
  if (plan.summary.duplicates > 0) lines.push(style.dim(`Deduplicated: ${plural(plan.summary.duplicates, 'item')} asked for by more than one group ${plan.summary.duplicates === 1 ? 'is' : 'are'} sent once.`));
  if (plan.coverage.length || plan.summary.duplicates) lines.push('');
  lines.push(plan.summary.requests === 0 ? style.bold('No purges planned.') : style.bold(planLine(plan)));
  return `${lines.join('\n')}\n`;
}
