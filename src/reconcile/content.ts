// What a build or sitemap group purges (docs/purge-yaml.md, "Groups from the deploy"): its content
// now against its baseline (the state's snapshot, or `--build-base DIR`), file by file. Pure:
// snapshots and the group's decision against purge.yaml in, the group's status, changes and due
// keys out.
import ignore from 'ignore';
import type { Group } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { count, plural } from '../format.js';
import type { GroupStatus, SourceBaseline, SourceChanges } from '../plan/types.js';
import { sameDigest } from './snapshot.js';
import type { Snapshot } from './snapshot.js';

/** What a group's content is compared with. */
export interface ContentBaseline {
  readonly baseline: SourceBaseline;
  /** Null with `kind: 'none'`. */
  readonly snapshot: Snapshot | null;
}

export interface ContentDecision {
  readonly status: GroupStatus;
  readonly due: boolean;
  /** Every URL of the group is due (not only those of the changed keys). */
  readonly whole: boolean;
  readonly changes: SourceChanges;
}

const EMPTY: Snapshot = { keys: [], digests: new Uint8Array(0) };

/** Keys added, changed (digest differs) and removed from `before` to `now`; both sorted. */
function compareSnapshots(before: Snapshot, now: Snapshot): SourceChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < before.keys.length || j < now.keys.length) {
    const old = before.keys[i];
    const key = now.keys[j];
    if (key === undefined || (old !== undefined && old < key)) {
      removed.push(old!);
      i += 1;
    } else if (old === undefined || key < old) {
      added.push(key);
      j += 1;
    } else {
      if (!sameDigest(before, i, now, j)) changed.push(key);
      i += 1;
      j += 1;
    }
  }
  return { added, changed, removed };
}

/** A gitignore-syntax matcher of paths relative to a build directory (the `ignore` package). */
export function globMatcher(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => false;
  const matcher = ignore({ ignorecase: false }).add([...patterns]);
  return (path) => matcher.ignores(path);
}

/**
 * The group's status and what it purges. `configStatus` is its decision against purge.yaml (the
 * state's record or `--base REF`): forced, changed or revised groups, and groups with no content
 * baseline (`new`), purge every URL; otherwise the group is `content` when a key was added,
 * changed or removed (or its watched files changed), and purges the URLs of those keys, or
 * every URL when an `always` file changed or a watched file did.
 */
export function decideContent(group: Group, configStatus: GroupStatus, all: boolean, current: Snapshot, against: ContentBaseline): ContentDecision {
  const changes = compareSnapshots(against.snapshot ?? EMPTY, current);
  if (configStatus === 'forced' || configStatus === 'changed' || configStatus === 'revised') return { status: configStatus, due: true, whole: true, changes };
  if (all || against.snapshot === null) return { status: 'new', due: true, whole: true, changes };
  const watched = configStatus === 'content';
  const any = changes.added.length + changes.changed.length + changes.removed.length > 0;
  if (!any && !watched) return { status: 'unchanged', due: false, whole: false, changes };
  const always = group.source?.kind === 'build' ? globMatcher(group.source.always) : () => false;
  const alwaysChanged = [changes.added, changes.changed, changes.removed].some((keys) => keys.some(always));
  return { status: 'content', due: true, whole: watched || alwaysChanged, changes };
}

/**
 * The keys whose URLs are due: every current key for a whole purge, else the added and changed
 * ones (an `immutable` file only when changed); and the removed keys whose URLs are purged one
 * last time (never an `immutable` file's).
 */
export function dueKeys(group: Group, decision: Pick<ContentDecision, 'whole' | 'changes'>, current: Snapshot): { current: readonly string[]; removed: readonly string[] } {
  const immutable = group.source?.kind === 'build' ? globMatcher(group.source.immutable) : () => false;
  const removed = decision.changes.removed.filter((key) => !immutable(key));
  if (decision.whole) return { current: current.keys, removed };
  const added = decision.changes.added.filter((key) => !immutable(key));
  return { current: [...added, ...decision.changes.changed].sort(), removed };
}

/** The warning for `immutable` files whose content changed: a hashed name should never change (they are purged). */
export function immutableWarning(group: Group, changes: SourceChanges, file: string): Diagnostic | null {
  if (group.source?.kind !== 'build' || group.source.immutable.length === 0) return null;
  const immutable = globMatcher(group.source.immutable);
  const changed = changes.changed.filter(immutable);
  if (changed.length === 0) return null;
  const shown = changed.slice(0, 3).map((path) => `"${path}"`).join(', ');
  return {
    file, ...group.source.immutablePosition, severity: 'warning',
    message: `groups.${group.name}.build.immutable: ${plural(changed.length, 'file')} whose name marks ${changed.length === 1 ? 'it' : 'them'} immutable changed content (${shown}${changed.length > 3 ? `, and ${count(changed.length - 3)} more` : ''}): purged`,
    hint: 'a file named after its content hash should never change; check the build, or the immutable patterns',
  };
}
