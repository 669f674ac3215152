// The plan as a pull-request comment: a summary table and one <details> per due group, kept
// under 60,000 characters (GitHub refuses comments over 65,536) with a note of what was cut.
import type { Plan } from '../plan/types.js';
import { actionText, changeLines, coveredBy, itemLine, itemSymbol, itemsText, sameItems, statusText } from './human.js';
import type { PlanGroup } from '../plan/types.js';
import { sourceLines } from './changes.js';
import { baselineLine, planLine } from './summary.js';
import { codeSpan, count, markdownText, plural, printable } from '../format.js';

export const MARKDOWN_LIMIT = 60_000;

const escapeHtml = (text: string) => printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Free text (a description, a cache key's parameter names) as one inert paragraph: no line of its own. */
const escapeText = (text: string) => markdownText(text.replace(/\s+/g, ' ').trim());
/** A code fence longer than any backtick run in the body, so that no value can close it. */
const fenceFor = (body: string) => '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
// A table cell is HTML-escaped like the <summary> (GitHub renders inline HTML in cells too).
const escapeCell = (text: string) => escapeHtml(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Removed items listed per group (a diff lists at most as many). */
const REMOVED_LINES = 50;
/** Changed files listed per build or sitemap group before the rest is counted. */
const SOURCE_LINES = 1_000;
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
const statusOf = (g: PlanGroup): string => (actionText(g) ? `${statusText(g)}, ${actionText(g)}` : statusText(g));

export function renderMarkdown(plan: Plan, limit = MARKDOWN_LIMIT): string {
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
    return `- Zone \`${z.name}\` (${[z.zone_name, `${z.plan} plan`].filter(Boolean).join(', ')})${keyText ? `: cache key ${keyText}` : ''}`;
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

  // Each due group's item list, shrunk until everything fits.
  const due = plan.groups.filter((g) => g.due);
  const descriptions = new Map(due.map((g) => [g.name, g.description ? `${escapeText(g.description)}\n\n` : '']));
  const section = (name: string, summary: string, lines: readonly string[], total: number): string => {
    const more = total - lines.length;
    const body = lines.join('\n') + (more > 0 ? `\n… and ${count(more)} more` : '');
    const fence = fenceFor(body);
    return `<details><summary><b>${escapeHtml(name)}</b> — ${escapeHtml(summary)}</summary>\n\n${descriptions.get(name) ?? ''}${fence}diff\n${body}\n${fence}\n</details>\n`;
  };
  const linesOf = (g: (typeof due)[number]): { lines: string[]; total: number } => {
    if (g.source && g.changes) {
      // A build or sitemap group: each changed file (entry) with its URLs.
      const { lines, hidden } = sourceLines(g, SOURCE_LINES, g.action === 'invalidate');
      return { lines: lines.map(({ symbol, text, note }) => `${symbol} ${printable(text)}${note ? ` ${note}` : ''}`), total: lines.length + hidden };
    }
    // Items added, then items removed, each removed one saying whether it is purged one last time.
    const changes = changeLines(g, REMOVED_LINES, g.zones.length === 1 ? g.zones[0] : null);
    const removed = (changes?.removed ?? []).map(({ key, note }) => `- ${itemLine(key)} ${note}`);
    if (g.diff && !sameItems(g)) return { lines: [...g.diff.added.map((k) => `${itemSymbol(g)} ${itemLine(k)}`), ...removed], total: g.diff.added_count + g.diff.removed_count };
    if (removed.length) return { lines: [...(g.preview ?? []).map((k) => `${itemSymbol(g)} ${itemLine(k)}`), ...removed], total: g.items + removed.length + (changes?.hidden ?? 0) };
    // A routed group whose zones differ in action: each zone's items with that zone's symbol.
    if (g.routes && g.routes.some((r) => r.action !== g.routes![0].action)) {
      return { lines: g.routes.flatMap((r) => r.preview.map((k) => `${itemSymbol({ ...g, action: r.action })} ${itemLine(k)}`)), total: g.items };
    }
    return { lines: (g.preview ?? []).map((k) => `${itemSymbol(g)} ${itemLine(k)}`), total: g.items };
  };
  const fixed = `${head.join('\n')}\n`;
  // A loop, not Math.max(...spread): past ~120,000 due groups a spread overflows the stack.
  const longest = due.reduce((most, g) => Math.max(most, linesOf(g).lines.length), 0);
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
      const { lines, total } = linesOf(g);
      const next = section(g.name, `${statusOf(g)}, ${itemsText(g)}`, lines.slice(0, perGroup), total);
      length += next.length + (sections.length ? 1 : 0);
      if (length > limit - NOTE_ROOM) { fits = false; break; }
      sections.push(next);
    }
    if (fits) rendered = fixed + sections.join('\n');
    if (fits || perGroup === 0) break;
    perGroup = Math.floor(perGroup / 2);
  }
  if (!fits) {
    // Even without items the sections are too long: keep the ones that fit.
    let kept = fixed;
    for (const g of due) {
      const next = section(g.name, `${statusOf(g)}, ${itemsText(g)}`, [], linesOf(g).total);
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
export function renderMarkdownWhole(plan: Plan): string {
  return renderMarkdown(plan, Number.POSITIVE_INFINITY);
}
