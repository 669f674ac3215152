// Which groups are due (docs/commands.md#only-what-changed): a pure function of the current groups and the baseline (from the
// state file or from purge.yaml at a git ref). No files, no git: the callers bring both sides.
import { diffArrays } from 'diff';
import { UserError } from '../errors.js';
import { compare as compareStrings } from '../vocabulary.js';
import type { GroupDiff, GroupStatus, PlanSource, RemovedItems, SourceChanges } from '../plan/types.js';

/** Item keys, or how to compute them: only a `changed` group's are needed (for its diff). */
export type ItemKeys = readonly string[] | (() => readonly string[]);
const keysOf = (items: ItemKeys): readonly string[] => (typeof items === 'function' ? items() : items);

export interface CurrentGroup {
  readonly name: string;
  readonly zone: string;
  readonly fingerprint: string;
  readonly revision: number;
  readonly watch_digest?: string;
  /** The fingerprint as format-1 states computed it (without the zone), for their records. */
  readonly legacyFingerprint?: () => string;
  /** The group's item keys, sorted. */
  readonly items: ItemKeys;
}

export interface BaselineGroup {
  readonly zone: string;
  readonly fingerprint: string;
  readonly revision: number;
  readonly watch_digest?: string;
  /** Recorded by a format-1 state: the fingerprint did not include the zone. */
  readonly legacy?: boolean;
  /** Absent when the state did not keep them (too many items): the plan then shows no diff. */
  readonly items?: ItemKeys;
}

export interface Decision {
  readonly name: string;
  readonly zone: string;
  readonly status: GroupStatus;
  readonly due: boolean;
  readonly diff?: GroupDiff;
  /** Items the group lost since the baseline, purged one last time (removed.ts adds them). */
  readonly removed_items?: readonly RemovedItems[];
  /** A build or sitemap group's content and what changed in it (sources.ts adds them). */
  readonly source?: PlanSource;
  readonly changes?: SourceChanges;
}

export interface DecideOptions {
  /** `--all`: ignore the baseline. */
  readonly all?: boolean;
  /** `--group NAME...`: only these groups, each forced. An empty list is the same as none. */
  readonly only?: readonly string[];
  /** Most added and most removed item keys listed in a diff (the counts are always complete). */
  readonly diffLimit?: number;
}

const DEFAULT_DIFF_LIMIT = 50;
/**
 * Myers' diff costs O((N+M)·D); past this many edits it takes seconds on 10,000-item groups. The
 * lists are sorted and free of duplicates, so a merge of the two gives the very same answer there.
 */
const MAX_DIFF_EDITS = 1_000;

function mergeDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (j >= after.length || (i < before.length && before[i] < after[j])) removed.push(before[i++]);
    else if (i >= before.length || after[j] < before[i]) added.push(after[j++]);
    else {
      i += 1;
      j += 1;
    }
  }
  return { added, removed };
}

function cutTo(limit: number): number {
  return Math.max(0, Math.floor(limit));
}

/** Added and removed item keys between two item lists (sorted here, so callers' order does not matter). */
function itemDiff(baselineItems: readonly string[], currentItems: readonly string[], limit: number): GroupDiff {
  const before = [...baselineItems].sort(compareStrings);
  const after = [...currentItems].sort(compareStrings);
  const changes = diffArrays(before, after, { maxEditLength: MAX_DIFF_EDITS });
  let full: { added: string[]; removed: string[] };
  if (changes === undefined) {
    full = mergeDiff(before, after);
  } else {
    full = { added: [], removed: [] };
    for (const change of changes) {
      if (change.added) full.added.push(...change.value);
      else if (change.removed) full.removed.push(...change.value);
    }
  }
  const cut = cutTo(limit);
  return {
    added: full.added.slice(0, cut),
    removed: full.removed.slice(0, cut),
    added_count: full.added.length,
    removed_count: full.removed.length,
  };
}

/** Why a group is due against its baseline record, in the precedence order of docs/commands.md#only-what-changed, or `unchanged`. */
function statusAgainst(current: CurrentGroup, baseline: BaselineGroup): GroupStatus {
  // A group moved to another zone has never been purged there: its expansion changed.
  const fingerprint = baseline.legacy && current.legacyFingerprint ? current.legacyFingerprint() : current.fingerprint;
  if (fingerprint !== baseline.fingerprint || current.zone !== baseline.zone) return 'changed';
  if (current.revision !== baseline.revision) return 'revised';
  // Gaining or losing `watch` counts as a content change (undefined !== "sha256:...").
  if (current.watch_digest !== baseline.watch_digest) return 'content';
  return 'unchanged';
}

function diffAgainst(current: CurrentGroup, baseline: BaselineGroup, limit: number): GroupDiff | undefined {
  if (baseline.items === undefined) return undefined;
  const before = keysOf(baseline.items);
  const after = keysOf(current.items);
  if (current.zone === baseline.zone) return itemDiff(before, after, limit);
  // Items in another zone are other cache entries: every current item is added, every old one removed.
  const cut = cutTo(limit);
  return {
    added: [...after].sort(compareStrings).slice(0, cut),
    removed: [...before].sort(compareStrings).slice(0, cut),
    added_count: after.length,
    removed_count: before.length,
  };
}

function checkOnly(current: readonly CurrentGroup[], only: readonly string[]): void {
  const names = new Set(current.map((group) => group.name));
  const unknown = only.filter((name) => !names.has(name));
  if (unknown.length === 0) return;
  const known = [...names].sort(compareStrings);
  throw new UserError(
    `unknown group${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')} given with --group`,
    { hint: known.length === 0 ? 'the file declares no groups' : `the file's groups are: ${known.join(', ')}` },
  );
}

/**
 * The status of every group: current groups in their given order, then (with a baseline and no
 * `only`) the baseline's groups that the file no longer has, as `removed`, in name order.
 * Throws a UserError when `only` names a group the file does not declare.
 */
export function decide(
  current: readonly CurrentGroup[],
  baseline: ReadonlyMap<string, BaselineGroup> | null,
  options: DecideOptions = {},
): Decision[] {
  const only = options.only !== undefined && options.only.length > 0 ? new Set(options.only) : null;
  const limit = options.diffLimit ?? DEFAULT_DIFF_LIMIT;
  if (only !== null) {
    checkOnly(current, [...only]);
    return current
      .filter((group) => only.has(group.name))
      .map((group) => ({ name: group.name, zone: group.zone, status: 'forced', due: true }));
  }
  if (baseline === null || options.all === true) {
    return current.map((group) => ({ name: group.name, zone: group.zone, status: 'new', due: true }));
  }
  const decisions: Decision[] = current.map((group) => {
    const before = baseline.get(group.name);
    if (before === undefined) return { name: group.name, zone: group.zone, status: 'new', due: true };
    const status = statusAgainst(group, before);
    const diff = status === 'changed' ? diffAgainst(group, before, limit) : undefined;
    return { name: group.name, zone: group.zone, status, due: status !== 'unchanged', ...(diff ? { diff } : {}) };
  });
  const names = new Set(current.map((group) => group.name));
  const removed = [...baseline.keys()].filter((name) => !names.has(name)).sort(compareStrings);
  for (const name of removed) {
    decisions.push({ name, zone: baseline.get(name)!.zone, status: 'removed', due: false });
  }
  return decisions;
}
