// The plan as a pull-request comment: a summary table and one <details> per due group, kept
// under 60,000 characters (GitHub refuses comments over 65,536) with a note of what was cut.
import type { Plan } from '../plan/types.js';
import { actionText, coveredBy, itemsText, statusText } from './human.js';
import type { PlanGroup } from '../plan/types.js';
import { sourceLines } from './changes.js';
import { zoneItems } from './items.js';
import type { ListedPlan, ZoneItems } from './items.js';
import { planGroupListing, PRODUCT_URLS } from './listing.js';
import type { GroupListing, ListingLine, PlanGroupOptions } from './listing.js';
import { baselineLine, planLine } from './summary.js';
import { cacheReserveWarnings, escalatesToPrefixOrHost, escalationText, IGNORED_NOTE, VARIANTS_NOTE } from './budget.js';
import { codeSpan, count, markdownText, plural, printable } from '../format.js';
import { costText, zoneKeyText, zoneWhere } from './provider.js';

export const MARKDOWN_LIMIT = 60_000;

const escapeHtml = (text: string) => printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Free text (a description, a cache key's parameter names) as one inert paragraph: no line of its own. */
const escapeText = (text: string) => markdownText(text.replace(/\s+/g, ' ').trim());
/** A code fence longer than any backtick run in the body, so that no value can close it. */
const fenceFor = (body: string) => '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
// A table cell is HTML-escaped like the <summary> (GitHub renders inline HTML in cells too).
const escapeCell = (text: string) => escapeHtml(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Flat items listed per group (and per list of removed items) before "… and N more". */
const FLAT_LINES = 50;
/** Room kept below the limit for the note of what was cut. */
const NOTE_ROOM = 400;

/** The first of `lines` that fit in `budget` characters, and how many were left out. */
function fitLines(lines: readonly string[], budget: number): { kept: string[]; left: number } {
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > budget) break;
    kept.push(line);
    size += line.length + 1;
  }
  return { kept, left: lines.length - kept.length };
}

/** A group's status, and `invalidate` for a group that invalidates (docs/purge-yaml.md). */
const statusOf = (g: PlanGroup): string => `${actionText(g) ? `${statusText(g)}, ${actionText(g)}` : statusText(g)}${g.due && g.escalated ? ', escalated' : ''}`;

export interface MarkdownOptions {
  /** Every item flat, one a line (--expand): no list is cut but to fit the limit. */
  readonly expand?: boolean;
}

/** A listing line in a diff block: `+`/`~`/`-` items, the rest as context lines. */
function diffLine(line: ListingLine): string {
  const indent = line.depth ? '    ' : '  ';
  return line.tone === 'item' || line.tone === 'removed' ? `${line.symbol} ${line.text}` : `${indent}${line.text}`;
}

/** `planGroupListing` with each group's items in a zone worked out once (the listing is rebuilt as it shrinks). */
function cachedItems(listed: ListedPlan): (group: PlanGroup, zone: string) => ZoneItems {
  const itemsIn = zoneItems(listed);
  const cache = new Map<string, ZoneItems>();
  return (group, zone) => {
    const key = `${group.name}\n${zone}`;
    let items = cache.get(key);
    if (items === undefined) cache.set(key, (items = itemsIn(group, zone)));
    return items;
  };
}

/**
 * A group's count for its summary and the lines of its section: in one zone, its listing; in
 * several (a routed group), each zone's under a line naming it.
 */
/** A build or sitemap group: each changed file (entry) with its URLs, then its variants once (docs/commands.md). */
function sourceSection(g: PlanGroup, listing: GroupListing, flat: number): string[] {
  const { lines, hidden } = sourceLines(g, flat, g.action === 'invalidate');
  return [
    ...lines.map(({ symbol, text, note }) => `${symbol} ${printable(text)}${note ? ` ${note}` : ''}`),
    ...(hidden > 0 ? [`… and ${plural(hidden, 'more change')}`] : []),
    ...listing.lines.filter((line) => line.tone === 'plain' && line.text.startsWith('variants:')).map(diffLine),
  ];
}

function groupSection(g: PlanGroup, itemsIn: (group: PlanGroup, zone: string) => ZoneItems, options: PlanGroupOptions): { summary: string; lines: string[] } {
  if (g.zones.length === 1) {
    const listing = planGroupListing(g, g.zones[0], itemsIn, options);
    if (g.source && g.changes && !options.expand) return { summary: itemsText(g, listing.head), lines: sourceSection(g, listing, options.flat) };
    return { summary: itemsText(g, listing.head), lines: listing.lines.map(diffLine) };
  }
  const lines: string[] = [];
  for (const zone of g.zones) {
    const listing = planGroupListing(g, zone, itemsIn, options);
    const action = g.routes?.find((r) => r.zone === zone)?.action ?? g.action;
    // The zone's line carries its action's symbol: a routed group may purge in one zone and invalidate in another.
    lines.push(`${action === 'invalidate' ? '~' : '+'} zone ${printable(zone)}: ${listing.head}`, ...listing.lines.map(diffLine));
  }
  return { summary: itemsText(g), lines };
}

export function renderMarkdown(listed: ListedPlan, limit = MARKDOWN_LIMIT, options: MarkdownOptions = {}): string {
  const { plan } = listed;
  const head: string[] = ['### purgeplan plan', ''];
  for (const request of plan.requests) {
    if ('purge_everything' in request.body) {
      head.push(request.action === 'invalidate'
        ? `> [!WARNING]\n> **Invalidate everything** in zone \`${request.zone}\`: every cached file of the zone will be marked stale.`
        : `> [!WARNING]\n> **Purge everything** in zone \`${request.zone}\`: every cached file of the zone will be removed.`, '');
    }
  }
  head.push(`**${planLine(plan)}**`, '');
  if (plan.groups.length > 0) head.push(`Baseline: ${escapeText(baselineLine(plan))}`, '');
  // Each zone and the cache keys its groups use: what the header variants below are derived from.
  // A routed group (docs/purge-yaml.md) counts in every zone it sends to, with the key it was expanded with there.
  const zoneLines = plan.zones.filter((z) => plan.groups.some((g) => g.zones.includes(z.name))).map((z) => {
    const keyIn = (g: Plan['groups'][number]) => { const route = g.routes?.find((r) => r.zone === z.name); return route ? route.cache_key : g.cache_key ?? z.cache_key ?? null; };
    const keys = [...new Set(plan.groups.filter((g) => g.zones.includes(z.name) && g.status !== 'removed').map(keyIn))];
    const keyText = keys.map((k) => `\`${k ?? 'default'}\` (${escapeText(plan.cache_keys[k ?? 'default'] ?? 'not described')})`).join('; ');
    const other = zoneKeyText(z);
    const cost = costText(z);
    return `- Zone \`${z.name}\` (${zoneWhere(z, { id: false })})${other !== null ? `: ${other}` : keyText ? `: cache key ${keyText}` : ''}${cost === null ? '' : `; ${cost}`}`;
  });
  if (zoneLines.length) head.push(...zoneLines.slice(0, 20), ...(zoneLines.length > 20 ? [`- … and ${plural(zoneLines.length - 20, 'more zone')}`] : []), '');
  // A plan of thousands of groups or covering items must not fill the comment with the table and
  // the notes alone: each gets a share of the limit, and a last line says how many were left out.
  let rowsLeft = 0;
  if (plan.groups.length) {
    head.push('| Group | Zone | Status | Items | Due |', '|---|---|---|--:|:-:|');
    const rows = plan.groups.map((g) => `| ${escapeCell(g.name)} | ${escapeCell(g.zone ?? g.zones.join(', '))} | ${escapeCell(statusOf(g))} | ${g.status === 'removed' ? '—' : count(g.items)} | ${g.due ? '✅' : '—'} |`);
    const { kept, left } = fitLines(rows, Math.floor(limit * 0.4));
    head.push(...kept);
    if (left) head.push(`| … and ${plural(left, 'more group')} | | | | |`);
    rowsLeft = left;
    head.push('');
  }
  const notes: string[] = [];
  for (const entry of plan.coverage) {
    // Purges keep their note; invalidations say what absorbed them (docs/purge-yaml.md).
    if (entry.kind !== 'same' && entry.action === undefined) notes.push(`- ${plural(entry.covered, 'item')} in zone \`${entry.zone}\` covered by ${entry.kind === 'everything' ? 'purge everything' : `${entry.kind} ${codeSpan(entry.value)}`} (not sent)`);
    else notes.push(`- ${plural(entry.covered, entry.kind === 'same' ? 'invalidation' : 'item')} in zone \`${entry.zone}\` not sent: ${coveredBy(entry, codeSpan)}`);
  }
  const { kept: coverageNotes, left: notesLeft } = fitLines(notes, Math.floor(limit * 0.1));
  if (notesLeft) coverageNotes.push(`- … and ${plural(notesLeft, 'more covering item')}`);
  if (plan.summary.duplicates) coverageNotes.push(`- ${plural(plan.summary.duplicates, 'duplicate item')} sent once`);
  if (coverageNotes.length) head.push(...coverageNotes, '');
  // Escalated groups, what stands in for their files, and the budget notes (docs/purge-yaml.md, "Budgets and escalation").
  const escalated = plan.groups.filter((g) => g.due && g.escalated).map((g) => `- ↑ ${escalationText(plan, g, g.escalated!, `**${markdownText(g.name)}**`, codeSpan)}`);
  const { kept: escalationLines, left: escalationsLeft } = fitLines(escalated, Math.floor(limit * 0.1));
  if (escalationsLeft) escalationLines.push(`- … and ${plural(escalationsLeft, 'more escalated group')}`);
  if (escalatesToPrefixOrHost(plan)) escalationLines.push('', VARIANTS_NOTE);
  if (plan.ignore_budget) escalationLines.push('', IGNORED_NOTE);
  if (escalationLines.length) head.push(...escalationLines, '');
  for (const warning of cacheReserveWarnings(plan, codeSpan)) head.push(`> [!WARNING]\n> ${warning.replace('action: invalidate', '`action: invalidate`')}`, '');

  // Each due group's item list, shrunk until everything fits.
  const due = plan.groups.filter((g) => g.due);
  const descriptions = new Map(due.map((g) => [g.name, g.description ? `${escapeText(g.description)}\n\n` : '']));
  const section = (name: string, summary: string, lines: readonly string[]): string => {
    const body = lines.join('\n');
    const fence = fenceFor(body);
    return `<details><summary><b>${escapeHtml(name)}</b> — ${escapeHtml(summary)}</summary>\n\n${descriptions.get(name) ?? ''}${fence}diff\n${body}\n${fence}\n</details>\n`;
  };
  const itemsIn = cachedItems(listed);
  /** A group's section at `perGroup` flat items (and as many URLs, up to 20) per list. */
  const sectionOf = (g: (typeof due)[number], perGroup: number): string => {
    // An escalated group lists no files: one line says what stands in for them (docs/purge-yaml.md, "Budgets and escalation").
    if (g.escalated) return section(g.name, `${statusOf(g)}, ${itemsText(g)}`, [`↑ ${escalationText(plan, g, g.escalated, printable(g.name))}`]);
    const { summary, lines } = groupSection(g, itemsIn, { expand: options.expand ?? false, urls: Math.min(PRODUCT_URLS, perGroup), flat: perGroup });
    return section(g.name, `${statusOf(g)}, ${summary}`, lines);
  };
  const fixed = `${head.join('\n')}\n`;
  // Lists are shortened step by step until the plan fits: 50 flat items (every one with --expand), then 20, 10, 5, 2, 1, none.
  const longest = options.expand ? Number.POSITIVE_INFINITY : FLAT_LINES;
  let perGroup = longest;
  let rendered = '';
  let omitted = 0;
  let fits = false;
  for (;;) {
    // Sections are built only while they fit: a plan of 100,000 due groups stops at the first few.
    const sections: string[] = [];
    let length = fixed.length;
    fits = true;
    for (const g of due) {
      const next = sectionOf(g, perGroup);
      length += next.length + (sections.length ? 1 : 0);
      if (length > limit - NOTE_ROOM) { fits = false; break; }
      sections.push(next);
    }
    if (fits) rendered = fixed + sections.join('\n');
    if (fits || perGroup === 0) break;
    perGroup = perGroup > PRODUCT_URLS ? PRODUCT_URLS : Math.floor(perGroup / 2);
  }
  if (!fits) {
    // Even without items the sections are too long: keep the ones that fit.
    let kept = fixed;
    for (const g of due) {
      const next = sectionOf(g, 0);
      if (kept.length + next.length > limit - NOTE_ROOM) { omitted++; continue; }
      kept += `${next}\n`;
    }
    rendered = kept;
  }
  const cuts = [
    rowsLeft ? `${plural(rowsLeft, 'table row')} left out` : '',
    notesLeft ? `${plural(notesLeft, 'coverage note')} left out` : '',
    omitted ? `${plural(omitted, 'group')} left out` : '',
    perGroup < longest ? `item lists shortened to ${perGroup} per group` : '',
  ].filter(Boolean);
  const cutNote = cuts.length
    ? `\n> Cut to stay under ${count(limit)} characters: ${cuts.join(', ')}. Run \`purgeplan show PLANFILE\` for the whole plan.\n`
    : '';
  return `${rendered}${cutNote}`;
}

/** The whole plan, uncut, for `purgeplan comment`, which spreads it over several comments instead. */
export function renderMarkdownWhole(listed: ListedPlan, options: MarkdownOptions = {}): string {
  return renderMarkdown(listed, Number.POSITIVE_INFINITY, options);
}
