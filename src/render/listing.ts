// The lines under a due group in the human and markdown plans (docs/commands.md, "How the plan
// lists items"): its items factored (the URLs, then `variants: device desktop, mobile × …` once),
// what is not part of the product flat, and the items it lost since the baseline likewise; or,
// with --expand, every item flat in v1's line format. Each renderer styles the lines. Pure.
import { count, plural, printable } from '../format.js';
import type { PlanGroup } from '../plan/types.js';
import { removedCount } from '../plan/types.js';
import { factorItems } from './factor.js';
import type { Factored, Product, UrlRun } from './factor.js';
import type { ZoneItems } from './items.js';
import { removedNote, removedZoneOf } from './removed.js';

export interface ListingOptions {
  /** Every item flat, none left out (--expand). */
  readonly expand: boolean;
  /** URLs listed per product before `… and N more URLs`. */
  readonly urls: number;
  /** Flat items listed (per group, and per removed block) before `… and N more`. */
  readonly flat: number;
  /** `+` for purged items, `~` for invalidated ones. */
  readonly symbol: string;
  /** What a removed item's line says: `(removed: purged)`, `(removed: invalidated in zone X)`. */
  readonly removedNote: string;
}

/** `item`: a purged item; `removed`: one purged a last time; `plain`: URLs and variants; `dim`: counts of what is left out. */
export type Tone = 'item' | 'removed' | 'plain' | 'dim';

/** One line: its symbol (`+`, `~`, `-` or none), its text, and how deep it is indented (0 or 1). */
export interface ListingLine {
  readonly tone: Tone;
  readonly symbol: string;
  readonly text: string;
  readonly depth: number;
}

/** At most this many URLs of a product are listed (docs/commands.md). */
export const PRODUCT_URLS = 20;

/** A group's items in a zone factored, or nothing to factor (--expand). */
export interface GroupListing {
  /** The group's count as its line shows it: `2 URLs × 24 variants = 48 items`, or `48 items`. */
  readonly head: string;
  readonly lines: readonly ListingLine[];
}

/** `URL  [h=v, …]`: v1's item line (two spaces set the headers apart). */
function fileLine(url: string, key: string): string {
  return printable(key ? `${url}  [${key}]` : url);
}

/** A value as the variants line shows it: quoted when it could be read as two values, or as `(none)`. */
function valueText(value: string | null): string {
  if (value === null) return '(none)';
  return printable(value === '' || value === '(none)' || value.includes(', ') || value.includes(' × ') || value.startsWith('"') ? JSON.stringify(value) : value);
}

/** `variants: device desktop, mobile, tablet × country JP, US × language en-US, ja, (none)`. */
export function variantsLine(product: Product): string {
  if (product.dimensions.length === 0) return 'variants: none (each URL is sent without headers)';
  return `variants: ${product.dimensions.map((d) => `${printable(d.label)} ${d.values.map(valueText).join(', ')}`).join(' × ')}`;
}

/** `2 URLs × 24 variants`. */
function productText(product: Product): string {
  return `${plural(product.urls.length, 'URL')} × ${plural(product.variants, 'variant')}`;
}

const productItems = (product: Product | null): number => (product === null ? 0 : product.urls.length * product.variants);

/** How a block's items add up: `2 URLs × 24 variants + 3 more + 24 covered = 75 items`. */
function sumText(factored: Factored, others: number, covered: number, total: number, partial: boolean): string {
  if (partial) return plural(total, 'item');
  const more = factored.restItems + others;
  if (factored.product === null) {
    if (covered === 0) return plural(total, 'item');
    return covered === total ? `${plural(total, 'item')}, all covered` : `${plural(total, 'item')}, ${count(covered)} covered`;
  }
  const parts = [productText(factored.product), more ? `${count(more)} more` : '', covered ? `${count(covered)} covered` : ''].filter(Boolean);
  return `${parts.join(' + ')} = ${plural(total, 'item')}`;
}

/** Flat lines of items: others (`host X`, …) then file items, at most `limit` unless expanding. */
function flatLines(others: readonly string[], runs: readonly UrlRun[], limit: number, line: (text: string) => ListingLine): { lines: ListingLine[]; left: number } {
  const lines: ListingLine[] = [];
  let left = 0;
  for (const key of others) {
    if (lines.length < limit) lines.push(line(printable(key)));
    else left++;
  }
  for (const run of runs) {
    for (const variant of run.variants) {
      if (lines.length < limit) lines.push(line(fileLine(run.url, variant.key)));
      else left++;
    }
  }
  return { lines, left };
}

/** The URLs of a product (at most `limit`, then how many more) and its variants line. */
function productLines(product: Product, limit: number, depth: number): ListingLine[] {
  const lines: ListingLine[] = product.urls.slice(0, limit).map((url) => ({ tone: 'plain' as const, symbol: '', text: printable(url), depth }));
  if (product.urls.length > limit) lines.push({ tone: 'dim', symbol: '', text: `… and ${plural(product.urls.length - limit, 'more URL')}`, depth });
  lines.push({ tone: 'plain', symbol: '', text: variantsLine(product), depth });
  return lines;
}

/** The listing of a group's items in one zone: factored, or (with `expand`) every item flat. */
function groupListing(items: ZoneItems, options: ListingOptions): GroupListing {
  const { symbol, removedNote } = options;
  const item = (text: string): ListingLine => ({ tone: 'item', symbol, text, depth: 0 });
  const removed = (text: string): ListingLine => ({ tone: 'removed', symbol: '-', text: `${text} ${removedNote}`, depth: 0 });
  const lines: ListingLine[] = [];
  if (options.expand) {
    // Every item of the group flat, sent or covered, as its line counts them (a markdown plan
    // over its size limit still cuts the lists: `flat`).
    const current = flatLines(items.all.others, items.all.files, options.flat, item);
    const gone = flatLines(items.removed.all.others, items.removed.all.files, options.flat, removed);
    lines.push(...current.lines);
    if (current.left > 0) lines.push({ tone: 'dim', symbol: '', text: `… and ${count(current.left)} more`, depth: 0 });
    lines.push(...gone.lines);
    if (gone.left > 0) lines.push({ tone: 'dim', symbol: '', text: `… and ${plural(gone.left, 'more removed item')}`, depth: 0 });
    if (items.partial) lines.push(partialLine(items));
    return { head: plural(items.total, 'item'), lines };
  }
  const factored = factorItems(items.files, items.declared);
  if (factored.product !== null) lines.push(...productLines(factored.product, options.urls, 0));
  const flat = flatLines(items.others, factored.rest, options.flat, item);
  lines.push(...flat.lines);
  if (flat.left > 0) lines.push({ tone: 'dim', symbol: '', text: `… and ${count(flat.left)} more`, depth: 0 });
  if (items.partial) lines.push(partialLine(items));
  lines.push(...removedLines(items.removed, items.declared, options, removed));
  return { head: sumText(factored, items.others.length, items.covered, items.total, items.partial), lines };
}

/** A saved plan keeps a large group's first items only (docs/commands.md, "show"). */
function partialLine(items: ZoneItems): ListingLine {
  const known = items.all.files.reduce((n, r) => n + r.variants.length, 0) + items.all.others.length;
  return { tone: 'dim', symbol: '', text: `… and ${plural(Math.max(0, items.total - known), 'more item')}: the plan file lists only a group's first items; show it beside its unchanged purge.yaml to list them all`, depth: 0 };
}

/** The items a group lost, under their own `-` line: factored like the rest, then flat. */
function removedLines(items: ZoneItems['removed'], declared: ZoneItems['declared'], options: ListingOptions, removed: (text: string) => ListingLine): ListingLine[] {
  const { files, others, total, covered } = items;
  if (total === 0) return [];
  const lines: ListingLine[] = [];
  const factored = factorItems(files, declared);
  if (factored.product !== null) {
    const also = covered > 0 ? ` + ${count(covered)} covered` : '';
    lines.push({ tone: 'removed', symbol: '-', text: `${productText(factored.product)} = ${plural(productItems(factored.product), 'item')}${also} ${options.removedNote}`, depth: 0 });
    lines.push(...productLines(factored.product, options.urls, 1));
  } else if (covered > 0) {
    lines.push({ tone: 'dim', symbol: '', text: `${plural(covered, 'removed item')} covered by broader items`, depth: 0 });
  }
  const flat = flatLines(others, factored.rest, options.flat, removed);
  lines.push(...flat.lines);
  if (flat.left > 0) lines.push({ tone: 'dim', symbol: '', text: `… and ${plural(flat.left, 'more removed item')}`, depth: 0 });
  return lines;
}

export interface PlanGroupOptions {
  readonly expand: boolean;
  readonly urls: number;
  readonly flat: number;
}

/**
 * What a due group shows under a zone: its items there, listed; under its first zone also the
 * items it lost in zones it no longer sends to, and the items of its diff that are no longer
 * planned (a changed group whose baseline items are not all known).
 */
export function planGroupListing(group: PlanGroup, zone: string, itemsIn: (group: PlanGroup, zone: string) => ZoneItems, options: PlanGroupOptions): GroupListing {
  const action = group.routes?.find((r) => r.zone === zone)?.action ?? group.action;
  const listingOptions = { ...options, symbol: action === 'invalidate' ? '~' : '+', removedNote: removedNote(group, zone, zone) };
  const listing = groupListing(itemsIn(group, zone), listingOptions);
  if (group.zones[0] !== zone) return listing;
  const lines = [...listing.lines];
  for (const left of group.removed_items ?? []) {
    if (group.zones.includes(left.zone)) continue;
    const note = removedNote(group, left.zone, zone);
    const removed = (text: string): ListingLine => ({ tone: 'removed', symbol: '-', text: `${text} ${note}`, depth: 0 });
    const items = itemsIn(group, left.zone);
    if (options.expand) lines.push(...flatLines(items.removed.all.others, items.removed.all.files, options.flat, removed).lines);
    else lines.push(...removedLines(items.removed, items.declared, { ...listingOptions, removedNote: note }, removed));
  }
  lines.push(...notPlannedLines(group, options));
  return { head: listing.head, lines };
}

/** Items of a changed group's diff that are not purged (not among the items it lost that are sent). */
function notPlannedLines(group: PlanGroup, options: PlanGroupOptions): ListingLine[] {
  if (group.diff === undefined || group.diff.removed_count === 0) return [];
  const zoneOf = removedZoneOf(group);
  const keys = group.diff.removed.filter((key) => zoneOf(key) === undefined);
  const total = Math.max(keys.length, group.diff.removed_count - removedCount(group.removed_items));
  const shown = options.expand ? keys : keys.slice(0, options.flat);
  const lines: ListingLine[] = shown.map((key) => ({ tone: 'removed', symbol: '-', text: `${fileKeyLine(key)} (no longer planned)`, depth: 0 }));
  if (total > shown.length) lines.push({ tone: 'dim', symbol: '', text: shown.length ? `… and ${plural(total - shown.length, 'more item')} no longer planned` : `${plural(total, 'removed item')} no longer planned (not sent)`, depth: 0 });
  return lines;
}

/** An item key (`URL [h=v, …]`, `host X`, …) in v1's line format. */
export function fileKeyLine(key: string): string {
  const bracket = key.indexOf(' [');
  return printable(bracket === -1 || !key.startsWith('http') ? key : `${key.slice(0, bracket)}  ${key.slice(bracket + 1)}`);
}
