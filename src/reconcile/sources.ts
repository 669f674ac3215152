// Build and sitemap groups in reconciliation and planning (docs/purge-yaml.md, "Groups from the
// deploy"): each group's decision against purge.yaml refined by its content against the content
// baseline (the state's snapshot, or `--build-base`), and its expansion made of the URLs that are
// due. Pure: snapshots read at the edge (src/sources/) come in as data.
import type { Config, Group, Zone } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { CLOUDFRONT_PATH_HINT, refusedUrl } from '../providers/cloudfront-paths.js';
import { count, plural } from '../format.js';
import type { GroupExpansion } from '../expand/group.js';
import { fileUrls, withListedUrls } from '../expand/listed.js';
import type { PlanSource, RemovedItems, SourceBaseline, SourceChanges } from '../plan/types.js';
import { decideContent, dueKeys, globMatcher, immutableWarning } from './content.js';
import type { ContentBaseline, ContentDecision } from './content.js';
import type { Decision } from './due.js';
import type { RecordedSource } from './record.js';
import { unpackSnapshot } from './snapshot.js';
import type { Snapshot } from './snapshot.js';

/** A group's content as read (src/sources/read.ts gives more). */
export interface ContentRead {
  readonly snapshot: Snapshot;
  readonly digest: string;
  /** The build directory or sitemap, relative to purge.yaml. */
  readonly path: string;
  readonly withoutLastmod?: number;
}

/** The content of the build and sitemap groups now and, with `--build-base`, before. */
export interface SourceContents {
  readonly current: ReadonlyMap<string, ContentRead>;
  readonly base?: { readonly path: string; readonly groups: ReadonlyMap<string, ContentRead | null> };
}

export interface SourceDecisionInput {
  readonly config: Config;
  readonly expansions: ReadonlyMap<string, readonly GroupExpansion[]>;
  readonly decisions: readonly Decision[];
  /** The state's records of source groups (read even under --base: a build is not in git). */
  readonly recorded: (name: string) => RecordedSource | undefined;
  /** The state file as the plan names it. */
  readonly statePath: string;
  readonly contents: SourceContents;
  readonly all: boolean;
  /** `--max-items`: a plan whose due build and sitemap URLs would pass it is an error before they are expanded. */
  readonly maxItems?: number;
}

const EMPTY: Snapshot = { keys: [], digests: new Uint8Array(0) };

/** The raw URLs of a group's keys (a build's file paths, mapped; a sitemap's URLs, as they are). */
function urlsOf(group: Group, keys: readonly string[]): string[] {
  const source = group.source!;
  return source.kind === 'build' ? keys.flatMap((key) => fileUrls(key, source)) : [...keys];
}

/** What the group's content is compared with: `--build-base` when given, else the state's snapshot, else nothing. */
function contentBaseline(input: SourceDecisionInput, name: string, diagnostics: Diagnostic[], group: Group): ContentBaseline {
  const base = input.contents.base;
  if (base !== undefined) return { baseline: { kind: 'build-base', path: base.path }, snapshot: base.groups.get(name)?.snapshot ?? EMPTY };
  const recorded = input.recorded(name);
  if (recorded?.table === undefined || recorded.kind !== group.source!.kind) return { baseline: { kind: 'none' }, snapshot: null };
  const unpacked = unpackSnapshot(recorded.table);
  if (unpacked === null || unpacked.digest !== recorded.digest) {
    diagnostics.push({ file: input.config.file, ...group.position, severity: 'warning', message: `groups.${name}: the state's record of its content cannot be read, so every URL of the group is due`, hint: 'the state file was damaged or edited; the next apply records it again' });
    return { baseline: { kind: 'none' }, snapshot: null };
  }
  return { baseline: { kind: 'state', path: input.statePath }, snapshot: unpacked.snapshot };
}

/**
 * The decisions with each build or sitemap group's status, changes, content summary (`source`)
 * and the URLs of its removed keys (`removed_items`, purged one last time).
 */
export function sourceDecisions(input: SourceDecisionInput): { decisions: Decision[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const groups = new Map(input.config.groups.map((g) => [g.name, g]));
  const decisions = input.decisions.map((decision): Decision => {
    const group = groups.get(decision.name);
    const read = input.contents.current.get(decision.name);
    const parts = input.expansions.get(decision.name);
    if (group?.source == null || read === undefined || parts === undefined || decision.status === 'removed') return decision;
    // --all ignores every baseline, the content's too.
    const against: ContentBaseline = input.all ? { baseline: { kind: 'none' }, snapshot: null } : contentBaseline(input, decision.name, diagnostics, group);
    const content = decideContent(group, decision.status, input.all, read.snapshot, against);
    const warning = content.due ? immutableWarning(group, content.changes, input.config.file) : null;
    if (warning !== null) diagnostics.push(warning);
    const outside = group.source.kind === 'sitemap' ? outsideZone(group, read.snapshot.keys, input.config.zones, input.config.file) : null;
    if (outside !== null) diagnostics.push(outside);
    const source = planSource(group, read, against.baseline, content);
    const keys = content.due ? dueKeys(group, content, read.snapshot) : null;
    const refused = keys === null ? null : cloudfrontRefusal(group, [...urlsOf(group, keys.current), ...urlsOf(group, keys.removed)], input.config.zones, input.config.file);
    if (refused !== null) diagnostics.push(refused);
    const removed = keys !== null ? removedFiles(parts[0]!, urlsOf(group, keys.removed), input.config.zones) : null;
    return {
      name: decision.name, zone: decision.zone, status: content.status, due: content.due,
      ...(decision.diff && content.status === 'changed' && decision.diff.added_count + decision.diff.removed_count > 0 ? { diff: decision.diff } : {}),
      ...mergedRemoved(decision.removed_items, removed),
      source, changes: content.changes,
    };
  });
  const tooMany = input.maxItems === undefined ? null : maxItemsError(input, decisions, groups);
  if (tooMany !== null) diagnostics.push(tooMany);
  return { decisions, diagnostics };
}

/**
 * The error for due build and sitemap URLs past `--max-items`, counted before they are expanded
 * (keys x URLs a key x schemes x variants, with the other groups' items), or null.
 */
function maxItemsError(input: SourceDecisionInput, decisions: readonly Decision[], groups: ReadonlyMap<string, Group>): Diagnostic | null {
  let total = 0;
  let first: Group | undefined;
  for (const decision of decisions) {
    const parts = input.expansions.get(decision.name);
    if (!decision.due || parts === undefined) continue;
    const group = groups.get(decision.name)!;
    total += parts.reduce((n, p) => n + p.items, 0);
    const source = group.source;
    if (source === null || decision.source === undefined || decision.changes === undefined) continue;
    const keys = decision.source.due === 'all' ? decision.source.count : decision.changes.added.length + decision.changes.changed.length;
    const perKey = source.kind === 'build' && source.cleanUrls === 'both' ? 2 : 1;
    const schemes = input.config.zones.find((z) => z.name === parts[0]!.zone)?.schemes?.length ?? 1;
    total += (keys + decision.changes.removed.length) * perKey * schemes * parts[0]!.variants.length;
    if (total > input.maxItems! && first === undefined) first = group;
  }
  if (first === undefined) return null;
  return {
    file: input.config.file, ...first.position, severity: 'error',
    message: `groups.${first.name}: the plan would purge about ${count(total)} items with the files and entries that are due, more than --max-items ${count(input.maxItems!)}`,
    hint: 'purge by prefixes or tags, or raise --max-items if you really mean it (apply --record-only adopts a large site without purging it)',
  };
}

function planSource(group: Group, read: ContentRead, baseline: SourceBaseline, content: ContentDecision): PlanSource {
  const source = group.source!;
  const due = content.due ? (content.whole ? 'all' : 'changes') : 'none';
  const notPurged = source.kind === 'build' && content.due ? notPurgedKeys(group, content) : [];
  return {
    kind: source.kind, path: read.path, count: read.snapshot.keys.length, digest: read.digest, baseline, due,
    ...(read.withoutLastmod !== undefined ? { without_lastmod: read.withoutLastmod } : {}),
    ...(source.kind === 'build' ? { base_url: source.baseUrl, index: source.index, clean_urls: source.cleanUrls } : {}),
    ...(notPurged.length ? { not_purged: notPurged } : {}),
  };
}

/** The `immutable` files added or removed: listed among the changes, not purged (added ones are, in a whole purge). */
function notPurgedKeys(group: Group, content: ContentDecision): string[] {
  if (group.source?.kind !== 'build') return [];
  const immutable = globMatcher(group.source.immutable);
  return [...(content.whole ? [] : content.changes.added.filter(immutable)), ...content.changes.removed.filter(immutable)].sort();
}

/** A due URL of a build or sitemap group on a CloudFront zone whose path CloudFront refuses (docs/providers.md#cloudfront): an error at the group's source. */
function cloudfrontRefusal(group: Group, urls: readonly string[], zones: readonly Zone[], file: string): Diagnostic | null {
  const zone = zones.find((z) => z.name === group.zone);
  if (zone?.provider !== 'cloudfront' || group.source === null) return null;
  const refused = refusedUrl(urls);
  if (refused === undefined) return null;
  const more = refused.count > 1 ? ` (and ${count(refused.count - 1)} more)` : '';
  return {
    file, ...group.source.position, severity: 'error',
    message: `groups.${group.name}.${group.source.kind === 'build' ? 'build.dir' : 'sitemap'}: "${refused.url}"${more} cannot be invalidated on zone "${zone.name}", a CloudFront distribution: ${refused.problem}`,
    hint: `${CLOUDFRONT_PATH_HINT} (${group.source.kind === 'build' ? 'rename the file, or exclude it from the group' : 'the sitemap entry'})`,
  };
}

/** A sitemap's entries whose host is not in the group's zone (a purge only reaches its own zone): one warning with their count. */
function outsideZone(group: Group, urls: readonly string[], zones: readonly Zone[], file: string): Diagnostic | null {
  const zone = zones.find((z) => z.name === group.zone);
  if (zone?.zoneName == null || group.source === null) return null;
  const name = zone.zoneName;
  const outside = urls.filter((url) => {
    const host = /^https?:\/\/(?:[^@/?#]*@)?([^:/?#]*)/.exec(url)?.[1] ?? '';
    return host !== name && !host.endsWith(`.${name}`);
  });
  if (outside.length === 0) return null;
  return {
    file, ...group.source.position, severity: 'warning',
    message: `groups.${group.name}.sitemap: ${plural(outside.length, 'entry', 'entries')} ${outside.length === 1 ? 'is' : 'are'} not in zone "${zone.name}" (${name}), e.g. "${outside[0]}"`,
    hint: 'a purge only reaches URLs of the zone it is sent to: check the zone, the sitemap or its base_url',
  };
}

/** The removed keys' URLs, normalized as the group's, with the group's variants: purged one last time. */
function removedFiles(part: GroupExpansion, rawUrls: readonly string[], zones: readonly Zone[]): RemovedItems | null {
  if (rawUrls.length === 0 || part.variants.length === 0) return null;
  const schemes = zones.find((z) => z.name === part.zone)?.schemes ?? null;
  const { expansion } = withListedUrls(part, rawUrls, schemes);
  if (expansion.urls.length === 0) return null;
  return { zone: part.zone, files: [{ urls: expansion.urls, variants: part.variants.map((v) => v.object ?? {}) }] };
}

function mergedRemoved(lost: readonly RemovedItems[] | undefined, files: RemovedItems | null): { removed_items?: readonly RemovedItems[] } {
  if (files === null) return lost?.length ? { removed_items: lost } : {};
  const same = lost?.find((entry) => entry.zone === files.zone);
  if (same === undefined) return { removed_items: [...(lost ?? []), files] };
  return { removed_items: lost!.map((entry) => (entry === same ? { ...entry, files: [...(entry.files ?? []), ...files.files!] } : entry)) };
}

/**
 * The expansions with each due build or sitemap group's URLs: those of its due keys (every key
 * for a whole purge). Other groups, and source groups not due, are as they were.
 */
export function sourceExpansions(expansions: readonly GroupExpansion[], decisions: readonly { readonly name: string; readonly due: boolean; readonly source?: PlanSource; readonly changes?: SourceChanges }[], contents: ReadonlyMap<string, ContentRead>, zones: readonly Zone[]): GroupExpansion[] {
  const due = new Map(decisions.filter((d) => d.due && d.source !== undefined && d.changes !== undefined).map((d) => [d.name, d]));
  return expansions.map((part) => {
    const decision = due.get(part.group.name);
    const read = contents.get(part.group.name);
    if (decision === undefined || read === undefined) return part;
    const keys = dueKeys(part.group, { whole: decision.source!.due === 'all', changes: decision.changes! }, read.snapshot).current;
    return withListedUrls(part, urlsOf(part.group, keys), zones.find((z) => z.name === part.zone)?.schemes ?? null).expansion;
  });
}

/** The expansions with every URL of each build and sitemap group read (explain and coverage, against every group). */
export function everyUrlExpansions(expansions: readonly GroupExpansion[], contents: ReadonlyMap<string, ContentRead>, zones: readonly Zone[]): GroupExpansion[] {
  const none: SourceChanges = { added: [], changed: [], removed: [] };
  const decisions = [...contents.keys()].map((name) => ({ name, due: true, source: { due: 'all' } as PlanSource, changes: none }));
  return sourceExpansions(expansions, decisions, contents, zones);
}
