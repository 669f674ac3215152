// Reconciliation at the edge: reads the baseline (state file or git at REF), digests watched
// files, and decides which groups are due (spec §6). The decision itself is pure (reconcile/due).
import { basename, join, relative, resolve } from 'node:path';
import type { SourceReader } from '../config/files.js';
import { containedPath } from '../config/files.js';
import type { Diagnostic } from '../diagnostics.js';
import { UserError } from '../errors.js';
import type { GroupExpansion } from '../expand/group.js';
import { groupItemKeys } from '../expand/group.js';
import { compare } from '../expand/normalize.js';
import { groupFingerprint } from '../plan/plan.js';
import type { GroupDecision } from '../plan/plan.js';
import type { Baseline } from '../plan/types.js';
import { decide } from '../reconcile/due.js';
import type { BaselineGroup, CurrentGroup } from '../reconcile/due.js';
import { gitTopLevel, listWorkingFiles, readFileAtCommit, repoRelativeDir, resolveCommit } from '../reconcile/git.js';
import { MAX_RECORDED_ITEMS, readState, stateDigest } from '../reconcile/state.js';
import { digestWatchedAtCommit, digestWatchedWorking, TreeAtCommit } from '../reconcile/watch.js';
import { checkAndExpand } from './pipeline.js';

export const DEFAULT_STATE = '.purgeplan/state.json';

export interface ReconcileOptions {
  readonly all: boolean;
  readonly groups: readonly string[];
  readonly base?: string;
  readonly state?: string;
  readonly maxItems: number;
}

export interface Reconciled {
  readonly baseline: Baseline;
  readonly decisions: readonly GroupDecision[];
  readonly watchDigests: ReadonlyMap<string, string>;
  readonly fingerprints: ReadonlyMap<string, string>;
  readonly state: { readonly path: string; readonly absolutePath: string; readonly digest: string | null };
  readonly diagnostics: readonly Diagnostic[];
}

/** The state file: `--state FILE` (relative to the current directory) or beside purge.yaml. */
export function statePaths(baseDir: string, cwd: string, option: string | undefined): { path: string; absolutePath: string } {
  const absolutePath = option ? resolve(cwd, option) : join(baseDir, DEFAULT_STATE);
  return { path: relative(baseDir, absolutePath).split('\\').join('/') || basename(absolutePath), absolutePath };
}

/** Sorted item keys, kept only for groups small enough to diff and record. */
export function sortedKeys(expansion: GroupExpansion): string[] | undefined {
  if (expansion.items > MAX_RECORDED_ITEMS) return undefined;
  return groupItemKeys(expansion).sort(compare);
}

export function reconcile(expansions: readonly GroupExpansion[], baseDir: string, configFile: string, cwd: string, options: ReconcileOptions): Reconciled {
  const diagnostics: Diagnostic[] = [];
  const state = statePaths(baseDir, cwd, options.state);
  const digest = stateDigest(state.absolutePath);
  const watchDigests = new Map<string, string>();
  let files: string[] | undefined;
  for (const { group } of expansions) {
    if (group.watch.length) watchDigests.set(group.name, digestWatchedWorking(baseDir, group.watch, (files ??= listWorkingFiles(baseDir))));
  }

  const fingerprints = new Map(expansions.map((e) => [e.group.name, groupFingerprint(e)]));
  const current: CurrentGroup[] = expansions.map((e) => ({
    name: e.group.name, zone: e.group.zone, fingerprint: fingerprints.get(e.group.name) ?? '', revision: e.group.revision,
    ...(watchDigests.has(e.group.name) ? { watch_digest: watchDigests.get(e.group.name) } : {}),
    items: sortedKeys(e) ?? [],
  }));
  const tooLarge = new Set(expansions.filter((e) => e.items > MAX_RECORDED_ITEMS).map((e) => e.group.name));

  let baseline: Baseline = { kind: 'none' };
  let groups: Map<string, BaselineGroup> | null = null;
  if (options.base !== undefined && !options.all) {
    const found = gitBaseline(baseDir, configFile, options.base, options.maxItems, diagnostics);
    baseline = found.baseline;
    groups = found.groups;
  } else if (!options.all) {
    const saved = readState(state.absolutePath);
    if (saved) {
      baseline = { kind: 'state', path: state.path, digest: digest ?? '' };
      groups = new Map(Object.entries(saved.groups).map(([name, record]) => [name, {
        zone: record.zone, fingerprint: record.fingerprint, revision: record.revision,
        ...(record.watch_digest !== undefined ? { watch_digest: record.watch_digest } : {}),
        ...(record.items !== undefined ? { items: record.items } : {}),
      }]));
    }
  }
  const decisions = decide(current, groups, { all: options.all, only: options.groups }).map((d) =>
    // A group too large to keep its item list has no meaningful diff against a recorded one.
    tooLarge.has(d.name) && d.diff ? { name: d.name, zone: d.zone, status: d.status, due: d.due } : d);
  return { baseline, decisions, watchDigests, fingerprints, state: { ...state, digest }, diagnostics };
}

/** purge.yaml, its vars files and the watched paths as they were at commit REF. */
function gitBaseline(baseDir: string, configFile: string, ref: string, maxItems: number, diagnostics: Diagnostic[]): { baseline: Baseline; groups: Map<string, BaselineGroup> } {
  const topLevel = gitTopLevel(baseDir);
  if (topLevel === null) throw new UserError(`--base ${ref}: ${baseDir} is not inside a git repository`, { hint: 'run purgeplan from a git checkout, or drop --base to use the state file' });
  const commit = resolveCommit(topLevel, ref);
  const dir = repoRelativeDir(topLevel, baseDir);
  const configPath = [dir, basename(configFile)].filter(Boolean).join('/');
  const baseline: Baseline = { kind: 'git', ref, commit };
  const groups = new Map<string, BaselineGroup>();
  const bytes = readFileAtCommit(topLevel, commit, configPath);
  if (bytes === null) return { baseline, groups }; // purge.yaml did not exist then: every group is new.
  const reader: SourceReader = {
    read(relativePath) {
      const contained = containedPath(relativePath);
      if ('problem' in contained) return contained;
      const found = readFileAtCommit(topLevel, commit, [dir, contained.path].filter(Boolean).join('/'));
      return found === null ? { problem: `cannot read "${relativePath}" at ${ref}: no such file` } : { bytes: found };
    },
  };
  const old = checkAndExpand(`${configFile}@${ref}`, bytes, reader, maxItems);
  if (!old.expansions || old.diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ file: configFile, line: 1, col: 1, severity: 'warning', message: `${configFile} at ${ref} is not valid, so every group is planned as new`, hint: `run purgeplan validate on the ${ref} version to see why` });
    return { baseline, groups };
  }
  const tree = new TreeAtCommit(topLevel, commit, dir); // listed once for every watching group
  for (const expansion of old.expansions) {
    const group = expansion.group;
    const keys = sortedKeys(expansion);
    groups.set(group.name, {
      zone: group.zone, fingerprint: groupFingerprint(expansion), revision: group.revision,
      ...(group.watch.length ? { watch_digest: digestWatchedAtCommit(topLevel, commit, dir, group.watch, tree) } : {}),
      ...(keys ? { items: keys } : {}),
    });
  }
  return { baseline, groups };
}
