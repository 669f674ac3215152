// The plan as a pull-request comment: a summary table and one <details> per due group, kept
// under 60,000 characters (GitHub refuses comments over 65,536) with a note of what was cut.
import type { Plan } from '../plan/types.js';
import { itemLine, statusText } from './human.js';
import { plural, planLine } from './summary.js';
import { count } from '../format.js';

export const MARKDOWN_LIMIT = 60_000;

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderMarkdown(plan: Plan, limit = MARKDOWN_LIMIT): string {
  const head: string[] = ['### purgeplan plan', ''];
  for (const request of plan.requests) {
    if ('purge_everything' in request.body) head.push(`> [!WARNING]\n> **Purge everything** in zone \`${request.zone}\`: every cached file of the zone will be removed.`, '');
  }
  head.push(`**${planLine(plan)}**`, '');
  if (plan.groups.length) {
    head.push('| Group | Zone | Status | Items | Due |', '|---|---|---|--:|:-:|');
    for (const g of plan.groups) head.push(`| ${escapeCell(g.name)} | ${escapeCell(g.zone)} | ${escapeCell(statusText(g))} | ${count(g.items)} | ${g.due ? '✅' : '—'} |`);
    head.push('');
  }
  const notes: string[] = [];
  for (const entry of plan.coverage) notes.push(`- ${plural(entry.covered, 'item')} in zone \`${entry.zone}\` covered by ${entry.kind === 'everything' ? 'purge everything' : `${entry.kind} \`${entry.value}\``} (not sent)`);
  if (plan.summary.duplicates) notes.push(`- ${plural(plan.summary.duplicates, 'duplicate item')} sent once`);
  if (notes.length) head.push(...notes, '');

  // Each due group's item list, shrunk until everything fits.
  const due = plan.groups.filter((g) => g.due);
  const section = (name: string, summary: string, lines: readonly string[], total: number): string => {
    const more = total - lines.length;
    const body = lines.join('\n') + (more > 0 ? `\n… and ${count(more)} more` : '');
    return `<details><summary><b>${escapeHtml(name)}</b> — ${escapeHtml(summary)}</summary>\n\n\`\`\`diff\n${body}\n\`\`\`\n</details>\n`;
  };
  const linesOf = (g: (typeof due)[number]): { lines: string[]; total: number } => {
    if (g.diff) return { lines: [...g.diff.added.map((k) => `+ ${itemLine(k)}`), ...g.diff.removed.map((k) => `- ${itemLine(k)}`)], total: g.diff.added_count + g.diff.removed_count };
    return { lines: (g.preview ?? []).map((k) => `+ ${itemLine(k)}`), total: g.items };
  };
  const fixed = `${head.join('\n')}\n`;
  let perGroup = Math.max(0, ...due.map((g) => linesOf(g).lines.length));
  let rendered = '';
  let omitted = 0;
  for (;;) {
    omitted = 0;
    const sections: string[] = [];
    for (const g of due) {
      const { lines, total } = linesOf(g);
      const shown = lines.slice(0, perGroup);
      sections.push(section(g.name, `${statusText(g)}, ${plural(g.items, 'item')}`, shown, total));
    }
    rendered = fixed + sections.join('\n');
    if (rendered.length <= limit - 200 || perGroup === 0) break;
    perGroup = Math.floor(perGroup / 2);
  }
  if (rendered.length > limit - 200) {
    // Even without items the sections are too long: keep the ones that fit.
    let kept = fixed;
    for (const g of due) {
      const next = section(g.name, `${statusText(g)}, ${plural(g.items, 'item')}`, [], linesOf(g).total);
      if (kept.length + next.length > limit - 200) { omitted++; continue; }
      kept += `${next}\n`;
    }
    rendered = kept;
  }
  const cutNote = perGroup < Math.max(0, ...due.map((g) => linesOf(g).lines.length)) || omitted
    ? `\n> Cut to stay under ${count(limit)} characters: ${omitted ? `${plural(omitted, 'group')} left out, ` : ''}item lists shortened to ${perGroup} per group. Run \`purgeplan show PLANFILE\` for the whole plan.\n`
    : '';
  return `${rendered}${cutNote}`;
}
