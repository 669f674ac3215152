// How the human and markdown plans show a build or sitemap group (docs/commands.md, "plan"):
// its status against its content baseline, and each changed file with its URLs:
// `+ about/index.html → https://www.example.com/about/`, `± x.html → …` (changed), `- old.html → …
// (removed: purged)`. Pure: Plan group -> lines.
import { fileUrls } from '../expand/listed.js';
import { count, plural } from '../format.js';
import type { PlanGroup, PlanSource } from '../plan/types.js';

/** One changed file or entry: its symbol, the text after it, and a note. */
export interface SourceLine {
  readonly symbol: '+' | '±' | '-' | '~';
  readonly text: string;
  readonly note?: string;
}

/** `the state .purgeplan/state.json`, `--build-base ../base`, `no baseline`. */
function baselineText(source: PlanSource): string {
  switch (source.baseline.kind) {
    case 'state': return `the state ${source.baseline.path}`;
    case 'build-base': return `--build-base ${source.baseline.path}`;
    case 'none': return 'no baseline';
  }
}

/** The status of a build or sitemap group, with its changes and what they were compared with. */
export function sourceStatusText(group: PlanGroup, status: string): string {
  const source = group.source!;
  const changes = group.changes!;
  const what = source.kind === 'build' ? `${plural(source.count, 'file')} in ${source.path}` : `${plural(source.count, 'entry', 'entries')} of ${source.path}`;
  const counted = `${count(changes.added.length)} added, ${count(changes.changed.length)} changed, ${count(changes.removed.length)} removed`;
  if (source.baseline.kind === 'none') return `${status} · ${what}, no baseline: every URL is due`;
  const head = group.status === 'content' ? `content changed: ${counted}` : `${status}${group.due ? `; ${counted}` : ''}`;
  const every = group.status === 'content' && source.due === 'all' ? ', every URL due' : '';
  return `${head}${every} · ${what}, against ${baselineText(source)}`;
}

/** The URLs a key is purged at, as the plan shows them (a build's file mapped; a sitemap entry as it is). */
function urlsOf(source: PlanSource, key: string): string[] {
  if (source.kind !== 'build' || source.base_url === undefined) return [key];
  const urls = fileUrls(key, { baseUrl: source.base_url, index: source.index ?? null, cleanUrls: source.clean_urls ?? false });
  return urls.map((url) => {
    try {
      return new URL(url).href;
    } catch {
      return url;
    }
  });
}

/**
 * The changed keys of a due build or sitemap group, at most `limit`, each with its URLs: added,
 * changed, then removed; `hidden` counts those left out.
 */
export function sourceLines(group: PlanGroup, limit: number, invalidate: boolean): { lines: SourceLine[]; hidden: number } {
  const source = group.source!;
  const changes = group.changes!;
  const notPurged = new Set(source.not_purged ?? []);
  const lines: SourceLine[] = [];
  const line = (symbol: SourceLine['symbol'], key: string, removed: boolean) => {
    const shown = `${key} → ${urlsOf(source, key).join(', ')}`;
    const note = notPurged.has(key) ? '(immutable: not purged)' : removed ? `(removed: ${invalidate ? 'invalidated' : 'purged'} one last time)` : undefined;
    lines.push({ symbol, text: source.kind === 'build' ? shown : key, ...(note ? { note } : {}) });
  };
  const add = invalidate ? '~' : '+';
  for (const key of changes.added) { if (lines.length >= limit) break; line(add, key, false); }
  for (const key of changes.changed) { if (lines.length >= limit) break; line('±', key, false); }
  for (const key of changes.removed) { if (lines.length >= limit) break; line('-', key, true); }
  return { lines, hidden: changes.added.length + changes.changed.length + changes.removed.length - lines.length };
}
