// The plan for people, in the spirit of `terraform plan`: a header per zone naming its cache key,
// a line per group with its status and counts, the items (`+ URL  [header=value, …]`), and the
// closing Plan line. Pure: a ListedPlan (render/items.ts) -> string.
import type { Styler } from '../diagnostics.js';
import type { CoverageEntry, PlanGroup } from '../plan/types.js';
import { removedCount } from '../plan/types.js';
import { sourceLines, sourceStatusText } from './changes.js';
import { zoneItems } from './items.js';
import type { ListedPlan } from './items.js';
import { planGroupListing, PRODUCT_URLS } from './listing.js';
import type { ListingLine } from './listing.js';
import { baselineLine, INVALIDATE_MEANING, planLine, requestsText } from './summary.js';
import { cacheReserveWarnings, ESCALATED_MEANING, escalatesToPrefixOrHost, escalationText, IGNORED_NOTE, VARIANTS_NOTE } from './budget.js';
import { count, plural, printable } from '../format.js';
import { costText, zoneKeyText, zoneWhere } from './provider.js';

export interface HumanOptions {
  readonly style: Styler;
  /** Flat items listed per group before "… and N more" (a product lists up to 20 URLs). */
  readonly itemsPerGroup?: number;
  /** Every item flat, one a line, none left out (--expand). */
  readonly expand?: boolean;
}

/** Each symbol has one meaning (the legend lists those the plan uses). */
const PURGE = 'purge';
const CHANGED = 'purge (changed since the baseline)';
const NOT_DUE = 'not due';
const SYMBOLS: readonly (readonly [string, string])[] = [['+', PURGE], ['±', CHANGED], ['~', INVALIDATE_MEANING], ['↑', ESCALATED_MEANING], ['=', NOT_DUE]];

const SYMBOL: Record<PlanGroup['status'], string> = {
  new: '+', changed: '±', revised: '+', content: '+', forced: '+', unchanged: '=', removed: '-',
};

/** A due group that invalidates is marked `~`, as are its items (docs/purge-yaml.md); purges keep their symbols. */
function groupSymbol(group: PlanGroup): string {
  if (group.due && group.escalated) return '↑';
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
export { fileKeyLine as itemLine } from './listing.js';

/** A changed group whose items are the same: what changed is its action (docs/purge-yaml.md) or its zone's id (docs/purge-yaml.md). */
function sameItems(group: PlanGroup): boolean {
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

/**
 * A group's size as a reviewer needs it: a changed group purges all its items, not only the new
 * ones. `counted` is its items as the listing factors them (`2 URLs × 24 variants = 48 items`).
 */
export function itemsText(group: PlanGroup, counted = plural(group.items, 'item')): string {
  if (group.status === 'removed') return 'nothing to purge';
  const removed = removedCount(group.removed_items);
  const also = removed > 0 ? ` and ${plural(removed, 'removed item')}` : '';
  if (group.status === 'changed') return `${group.action === 'invalidate' ? 'invalidates' : 'purges'} all ${counted}${also}`;
  return `${counted}${also}`;
}

/** A listing line as the terminal shows it, noting the symbols the legend must explain. */
function styledLine(line: ListingLine, style: Styler, used: Set<string>, removals: Removals): string {
  const indent = line.depth ? '          ' : '      ';
  if (line.tone === 'dim') return style.dim(`${indent}${line.text}`);
  if (line.tone === 'plain') return `${indent}${line.text}`;
  if (line.tone === 'item') {
    used.add(line.symbol);
    return `${indent}${style.green(line.symbol)} ${line.text}`;
  }
  if (line.text.endsWith('(no longer planned)')) removals.dropped = true;
  else if (/\(removed: invalidated( in zone [^)]*)?\)$/.test(line.text)) removals.invalidated = true;
  else removals.purged = true;
  const note = line.text.lastIndexOf(' (');
  return `${indent}${style.red('-')} ${line.text.slice(0, note)} ${style.dim(line.text.slice(note + 1))}`;
}

export function renderHuman(listed: ListedPlan, options: HumanOptions): string {
  const { plan } = listed;
  const { style } = options;
  const limit = options.itemsPerGroup ?? 10;
  const expand = options.expand ?? false;
  const itemsIn = zoneItems(listed);
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
    const where = zone ? zoneWhere(zone) : 'no longer in purge.yaml';
    lines.push(`${style.bold(`zone ${zoneName}`)} (${where})${zone ? ` — ${zoneKeyText(zone) ?? keyText(zoneKey)}` : ''}`);
    const cost = zone ? costText(zone) : null;
    if (cost !== null) lines.push(`  ${cost}`);
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
      // An escalated group lists no files: its line says what stands in for them (docs/purge-yaml.md, "Budgets and escalation").
      const listing = group.due && !group.escalated ? planGroupListing(planGroup, zoneName, itemsIn, { expand, urls: PRODUCT_URLS, flat: expand ? Infinity : limit }) : null;
      // A routed group counts its items here among all of them; any other carries the factored count on its line.
      const here = route !== undefined && group.zones.length > 1;
      const routed = route ? ` ${style.dim('·')} routed by host${here ? `: ${listing?.head ?? plural(route.items, 'item')} of ${count(group.items)} here` : ''}` : '';
      const head = `  ${shown} ${style.bold(group.name)} ${style.dim('·')} ${statusText(group)}${action} ${style.dim('·')} ${itemsText(group, here ? undefined : listing?.head)}${routed}${ownKey}`;
      lines.push(group.due && group.escalated ? `  ${shown} ${escalationText(plan, group, group.escalated, style.bold(printable(group.name)))}` : group.due ? head : style.dim(head));
      if (group.description) lines.push(style.dim(`      ${printable(group.description.trim())}`));
      // A build or sitemap group lists its changed files with their URLs, then its variants once (docs/commands.md).
      const changed = listing !== null && !expand && group.source && group.changes ? sourceLines(group, limit, group.action === 'invalidate') : null;
      for (const { symbol, text, note } of changed?.lines ?? []) {
        if (symbol === '-') removals.purged = true;
        else used.add(symbol);
        lines.push(`      ${symbol === '-' ? style.red(symbol) : style.green(symbol)} ${printable(text)}${note ? ` ${style.dim(note)}` : ''}`);
      }
      if (changed && changed.hidden > 0) lines.push(style.dim(`      … and ${plural(changed.hidden, 'more change')}`));
      for (const line of listing?.lines ?? []) {
        if (changed === null || (line.tone === 'plain' && line.text.startsWith('variants:'))) lines.push(styledLine(line, style, used, removals));
      }
    }
    lines.push('');
  }
  for (const entry of plan.coverage) {
    lines.push(style.dim(`Covered: ${plural(entry.covered, entry.kind === 'same' ? 'invalidation' : 'item')} in zone ${entry.zone} not sent: ${coveredBy(entry, printable)}.`));
  }
  if (plan.summary.duplicates > 0) lines.push(style.dim(`Deduplicated: ${plural(plan.summary.duplicates, 'item')} asked for by more than one group ${plan.summary.duplicates === 1 ? 'is' : 'are'} sent once.`));
  if (plan.coverage.length || plan.summary.duplicates) lines.push('');
  const budgetNotes = [...(escalatesToPrefixOrHost(plan) ? [VARIANTS_NOTE] : []), ...(plan.ignore_budget ? [IGNORED_NOTE] : []), ...cacheReserveWarnings(plan).map((w) => `Warning: ${w}`)];
  if (budgetNotes.length) lines.push(...budgetNotes, '');
  lines.push(plan.summary.requests === 0 ? style.bold('No purges planned.') : style.bold(planLine(plan)));
  if (dueCount > 0) {
    // Like Terraform, the legend lists only the symbols this plan shows.
    // With nothing to send, the closing line says so once ("No purges planned.").
    const legend = legendText(used, removals, style);
    lines.unshift(plan.summary.requests > 0 ? `purgeplan will send ${requestsText(plan)} for ${plural(dueCount, 'group')}. ${legend}` : legend);
  }
  return `${lines.join('\n')}\n`;
}
