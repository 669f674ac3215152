// The sticky comment (docs/ci.md): which comments carry this configuration's marker, and what to
// create, edit, delete or hide for each --behavior. Pure: the forge modules carry the actions out.
import { UserError } from '../errors.js';

export type Behavior = 'update' | 'new' | 'hide-and-new';

/** A comment (GitHub) or note (GitLab) already on the pull request, oldest first. */
export interface ExistingComment {
  readonly id: string;
  /** GitHub's GraphQL node id (minimizeComment takes it); absent on GitLab. */
  readonly nodeId?: string;
  readonly body: string;
  /** Who wrote it (GitHub login, GitLab username); null for a deleted account; absent when the forge did not say. */
  readonly author?: string | null;
}

export type CommentAction =
  | { readonly kind: 'create'; readonly body: string }
  | { readonly kind: 'update'; readonly id: string; readonly body: string }
  | { readonly kind: 'delete'; readonly id: string }
  /** Mark an older plan outdated (GitHub: minimize it; both: re-mark it so it is no longer matched). */
  | { readonly kind: 'hide'; readonly comment: ExistingComment };

/**
 * The hidden first line of every comment of one configuration. A tag must not end the HTML
 * comment early (`--`, `>`) nor span lines.
 */
export function markerFor(tag: string): string {
  if (tag === '' || /[\r\n>]|--/.test(tag)) {
    throw new UserError(`--tag "${tag.replace(/[\r\n]/g, ' ')}" cannot go in the comment's hidden marker`, { hint: 'use a tag without line breaks, ">" or "--", e.g. --tag sites/shop' });
  }
  return `<!-- purgeplan:${tag} -->`;
}

/** The tag of a configuration path: the path, with what cannot go in an HTML comment escaped. */
export function defaultTag(configPath: string): string {
  return configPath.replace(/[\r\n]/g, ' ').replace(/>/g, '%3E').replace(/--/g, '-%2D') || 'purge.yaml';
}

/** What an outdated comment's first line becomes: no longer the marker, so never edited again. */
export function outdatedMarkerFor(tag: string): string {
  return `<!-- purgeplan:${tag} (outdated) -->`;
}

/** The line under the marker when a plan takes several comments. */
export function partLine(part: number, parts: number): string {
  return `_purgeplan plan, part ${part} of ${parts}_`;
}
const PART_LINE = /^_purgeplan plan, part (\d+) of (\d+)_$/;

function firstLines(body: string): [string, string] {
  const lines = body.split('\n', 3);
  return [(lines[0] ?? '').replace(/\r$/, ''), (lines[1] ?? '').replace(/\r$/, '')];
}

/** The part number a marked comment says it is (1 when it is a whole plan). */
function partOf(body: string): number {
  const match = PART_LINE.exec(firstLines(body)[1]);
  return match ? Number(match[1]) : 1;
}

/**
 * The marked comments in runs: a run starts at a part 1 (or a whole plan) and takes the parts
 * that follow in order, whatever other comments lie between them.
 */
export function markedRuns(comments: readonly ExistingComment[], marker: string): ExistingComment[][] {
  const runs: ExistingComment[][] = [];
  let expected = 0;
  for (const comment of comments) {
    if (firstLines(comment.body)[0] !== marker) continue;
    const part = partOf(comment.body);
    const current = runs[runs.length - 1];
    if (current && part === expected) current.push(comment);
    else runs.push([comment]);
    expected = part + 1;
  }
  return runs;
}

/** True when `comment` starts with `marker` (its first line is exactly the marker). */
export function carriesMarker(comment: ExistingComment, marker: string): boolean {
  return firstLines(comment.body)[0] === marker;
}

/** A login compared without case and without GitHub's `[bot]` suffix (GraphQL drops it, REST keeps it). */
const sameLogin = (a: string, b: string): boolean => a.toLowerCase().replace(/\[bot\]$/, '') === b.toLowerCase().replace(/\[bot\]$/, '');

export interface Ownership {
  /** Authors only a forge can make (GitHub Apps' `name[bot]`, GitLab's access-token bots): never a pull request's author. */
  readonly presumedOwn: (author: string) => boolean;
  /** Who the token is, when the forge says; null when it will not. */
  readonly identity: string | null;
}

/**
 * Whether purgeplan may treat `comment` as its own: anyone can write the marker in a comment, so
 * a marked comment counts only when the token's own account wrote it (or a forge-made bot, when
 * the forge will not say who the token is). A comment whose author the forge did not give is
 * taken as it is; one by a deleted account is not.
 */
export function ownComment(comment: ExistingComment, ownership: Ownership): boolean {
  const author = comment.author;
  if (author === undefined) return true;
  if (author === null || author === '') return false;
  if (ownership.identity !== null && sameLogin(author, ownership.identity)) return true;
  return ownership.presumedOwn(author);
}

export interface StickyInput {
  readonly behavior: Behavior;
  readonly marker: string;
  /** The comments to post, marker first (from splitMarkdown). */
  readonly parts: readonly string[];
  readonly existing: readonly ExistingComment[];
  /** Nothing is due and --skip-no-changes was given. */
  readonly skip: boolean;
}

/**
 * The decision table:
 * - skip, update, a marked run exists -> edit its first comment to the (no-changes) plan, delete the rest
 * - skip otherwise                    -> nothing
 * - new                               -> create every part
 * - hide-and-new                      -> hide every marked comment, then create every part
 * - update, no marked run             -> create every part
 * - update                            -> edit the latest run in place, create the parts it lacks, delete those it has too many
 * An edit whose body would not change is left out.
 */
export function stickyActions(input: StickyInput): CommentAction[] {
  const runs = markedRuns(input.existing, input.marker);
  const latest = runs[runs.length - 1] ?? [];
  const create = (parts: readonly string[]): CommentAction[] => parts.map((body) => ({ kind: 'create', body }));
  const editRun = (parts: readonly string[]): CommentAction[] => [
    ...latest.slice(0, parts.length).filter((comment, i) => comment.body !== parts[i]).map((comment): CommentAction => ({ kind: 'update', id: comment.id, body: parts[latest.indexOf(comment)]! })),
    ...create(parts.slice(latest.length)),
    ...latest.slice(parts.length).map((comment): CommentAction => ({ kind: 'delete', id: comment.id })),
  ];
  if (input.skip) return input.behavior === 'update' && latest.length > 0 ? editRun(input.parts.slice(0, 1)) : [];
  switch (input.behavior) {
    case 'new':
      return create(input.parts);
    case 'hide-and-new':
      return [...runs.flat().map((comment): CommentAction => ({ kind: 'hide', comment })), ...create(input.parts)];
    case 'update':
      return editRun(input.parts);
    default: {
      const never: never = input.behavior;
      throw new Error(`unknown behavior ${String(never)}`);
    }
  }
}

/** An older comment re-marked as outdated (GitHub, where it is also minimized). */
export function reMarked(body: string, outdatedMarker: string): string {
  const newline = body.indexOf('\n');
  return newline < 0 ? outdatedMarker : `${outdatedMarker}${body.slice(newline)}`;
}

/**
 * An older note folded away (GitLab, which cannot minimize notes): re-marked, a line saying it is
 * outdated, and the old plan inside a closed <details>, or without it when that would not fit.
 */
export function foldOutdated(body: string, outdatedMarker: string, limit: number): string {
  const newline = body.indexOf('\n');
  const old = newline < 0 ? '' : body.slice(newline + 1);
  const head = `${outdatedMarker}\n> **Outdated:** a newer purgeplan plan is posted below.`;
  const folded = `${head}\n\n<details><summary>Outdated plan</summary>\n\n${old}\n\n</details>`;
  return old !== '' && folded.length <= limit ? folded : head;
}
