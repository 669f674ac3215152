// Reconciliation at the edge: reads the baseline (state file or git at REF), digests watched
// files, and decides which groups are due (docs/commands.md#only-what-changed). The decision itself is pure (due.ts).
import { basename, isAbsolute, relative, sep } from 'node:path';
import type { SourceReader } from '../config/files.js';
import type { Config } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import type { GroupExpansion } from '../expand/group.js';
import { byGroup } from '../expand/group.js';
import type { Baseline } from '../plan/types.js';
import { decide } from './due.js';
import type { BaselineGroup, CurrentGroup, Decision } from './due.js';
import { baseTopLevel, listWorkingFiles, readBlobs, readFileAtCommit, repoRelativeDir, resolveCommit } from './git.js';
import { groupFingerprint, groupFingerprintOf, groupFingerprints, MAX_RECORDED_ITEMS, partsItems, partsKeys, recordedKeys, zonesKey } from './record.js';
import { expansionBaseline, recordBaseline, withRemovedItems } from './removed.js';
import type { BaselineSource } from './removed.js';
import { checkStateOwner, readState, stateDigest, statePaths } from './state.js';
import type { ReadState } from './state.js';
import { sourceDecisions } from './sources.js';
import type { SourceContents } from './sources.js';
import { treeReader } from './tree-reader.js';
import { digestWatchedAtCommit, digestWatchedWorking, TreeAtCommit } from './watch.js';

export interface ReconcileOptions {
  readonly all: boolean;
  readonly groups: readonly string[];
  readonly base?: string;
  readonly state?: string;
  readonly maxItems: number;
  /** `--build-base DIR`: the previous build, for build and sitemap groups (read at the edge, src/sources/). */
  readonly buildBase?: string;
}

/** purge.yaml as it was at a commit, validated and expanded (the caller's pipeline, injected). */
export type ExpandAt = (file: string, bytes: Uint8Array, reader: SourceReader) => { expansions?: readonly GroupExpansion[]; config?: Config; diagnostics: readonly Diagnostic[] };

export interface Reconciled {
  readonly baseline: Baseline;
  readonly decisions: readonly Decision[];
  readonly watchDigests: ReadonlyMap<string, string>;
  /** Each current group's fingerprint, for the plan (computed once, here). */
  readonly fingerprints: ReadonlyMap<string, string>;
  readonly state: { readonly path: string; readonly absolutePath: string; readonly digest: string | null };
  readonly diagnostics: readonly Diagnostic[];
}

/** The state file as a path relative to `baseDir` ("/" separators), or undefined when it lies outside. */
function stateRelative(baseDir: string, stateFile: string | undefined): string | undefined {
  if (stateFile === undefined) return undefined;
  const path = relative(baseDir, stateFile).split(sep).join('/');
  return path === '' || path === '..' || path.startsWith('../') || isAbsolute(path) ? undefined : path;
}

/**
 * Watched-content digests of the groups that watch paths, from the working tree (listed by
 * `listFiles`, once). `stateFile` (absolute): the state in use, whose journal, lock and the state
 * itself are never watched content.
 */
export function workingWatchDigests(expansions: readonly GroupExpansion[], baseDir: string, listFiles: () => readonly string[] = () => listWorkingFiles(baseDir), stateFile?: string): Map<string, string> {
  const watchDigests = new Map<string, string>();
  const statePath = stateRelative(baseDir, stateFile);
  let files: readonly string[] | undefined;
  for (const { group } of expansions) {
    if (group.watch.length) watchDigests.set(group.name, digestWatchedWorking(baseDir, group.watch, (files ??= listFiles()), statePath));
  }
  return watchDigests;
}

export function reconcile(config: Config, expansions: readonly GroupExpansion[], baseDir: string, configFile: string, cwd: string, options: ReconcileOptions, expandAt: ExpandAt, listFiles?: () => readonly string[], contents?: SourceContents): Reconciled {
  const diagnostics: Diagnostic[] = [];
  const state = statePaths(baseDir, cwd, configFile, options.state);
  const digest = stateDigest(state.absolutePath);
  const watchDigests = workingWatchDigests(expansions, baseDir, listFiles, state.absolutePath);
  const zones = new Map(config.zones.map((z) => [z.name, z]));
  const grouped = byGroup(expansions);
  const fingerprints = groupFingerprints(config.zones, expansions);
  const current: CurrentGroup[] = grouped.map(({ group, parts }) => ({
    name: group.name, zone: zonesKey(parts), fingerprint: fingerprints.get(group.name)!, revision: group.revision,
    ...(watchDigests.has(group.name) ? { watch_digest: watchDigests.get(group.name) } : {}),
    legacyFingerprint: () => (parts.length === 1 ? groupFingerprint(parts[0]) : groupFingerprintOf(parts, zones)),
    items: () => (partsItems(parts) > MAX_RECORDED_ITEMS ? [] : partsKeys(parts)),
  }));
  const tooLarge = new Set(grouped.filter(({ parts }) => partsItems(parts) > MAX_RECORDED_ITEMS).map(({ group }) => group.name));

  // Read even with --all: a state written for another configuration is an error either way.
  const saved: ReadState | null = readState(state.absolutePath);
  checkStateOwner(saved, state.absolutePath, configFile);
  let baseline: Baseline = { kind: 'none' };
  let groups: Map<string, BaselineGroup> | null = null;
  // What the baseline says each group's items were, for the items that left it (removed.ts).
  let sources = new Map<string, () => BaselineSource>();
  if (options.base !== undefined && !options.all) {
    const found = gitBaseline(baseDir, configFile, options.base, expandAt, diagnostics, stateRelative(baseDir, state.absolutePath));
    baseline = found.baseline;
    groups = found.groups;
    sources = found.sources;
  } else if (!options.all && saved) {
    baseline = { kind: 'state', path: state.path, digest: digest ?? '' };
    groups = new Map(Object.entries(saved.groups).map(([name, record]) => [name, {
      zone: record.zone, fingerprint: record.fingerprint, revision: record.revision,
      ...(record.zone_id === '' ? { legacy: true } : {}),
      ...(record.watch_digest !== undefined ? { watch_digest: record.watch_digest } : {}),
      ...(record.items !== undefined ? { items: () => recordedKeys(record.items!) } : {}),
    }]));
    for (const [name, record] of Object.entries(saved.groups)) {
      sources.set(name, () => recordBaseline(record.zone, record.items, record.items_count, record.zone_id === '', config.zones));
    }
  }
  const decided = decide(current, groups, { all: options.all, only: options.groups }).map((d) =>
    // A group too large to keep its item list has no meaningful diff against a recorded one.
    tooLarge.has(d.name) && d.diff ? { name: d.name, zone: d.zone, status: d.status, due: d.due } : d);
  const byName = new Map(current.map((g) => [g.name, g]));
  const { decisions, diagnostics: lost } = withRemovedItems({
    decisions: decided,
    current: new Map(grouped.map(({ group, parts }) => [group.name, { parts, position: group.position }])),
    baseline: sources,
    expansionChanged: (name) => {
      const now = byName.get(name);
      const before = groups?.get(name);
      return now !== undefined && before !== undefined && !before.legacy && (now.fingerprint !== before.fingerprint || now.zone !== before.zone);
    },
    zones: config.zones,
    file: configFile,
  });
  diagnostics.push(...lost);
  if (contents === undefined) return { baseline, decisions, watchDigests, fingerprints, state: { ...state, digest }, diagnostics };
  // Build and sitemap groups: their content against the state's snapshot or --build-base, under --base too.
  const refined = sourceDecisions({
    config, expansions: new Map(grouped.map(({ group, parts }) => [group.name, parts])), decisions, contents, all: options.all, maxItems: options.maxItems,
    recorded: (name) => (saved !== null && Object.hasOwn(saved.groups, name) ? saved.groups[name]!.source : undefined), statePath: state.path,
  });
  diagnostics.push(...refined.diagnostics);
  return { baseline, decisions: refined.decisions, watchDigests, fingerprints, state: { ...state, digest }, diagnostics };
}

/** purge.yaml, its vars files and the watched paths as they were at commit REF. */
function gitBaseline(baseDir: string, configFile: string, ref: string, expandAt: ExpandAt, diagnostics: Diagnostic[], statePath: string | undefined): { baseline: Baseline; groups: Map<string, BaselineGroup>; sources: Map<string, () => BaselineSource> } {
  const topLevel = baseTopLevel(baseDir, ref);
  const commit = resolveCommit(topLevel, ref);
  const dir = repoRelativeDir(topLevel, baseDir);
  const configPath = [dir, basename(configFile)].filter(Boolean).join('/');
  const baseline: Baseline = { kind: 'git', ref, commit };
  const groups = new Map<string, BaselineGroup>();
  const sources = new Map<string, () => BaselineSource>();
  const bytes = readFileAtCommit(topLevel, commit, configPath);
  if (bytes === null) return { baseline, groups, sources }; // purge.yaml did not exist then: every group is new.
  const tree = new TreeAtCommit(topLevel, commit, dir, statePath); // listed once for vars files and every watching group
  const reader = treeReader(ref, () => tree.blobs(), (entries) => readBlobs(topLevel, entries));
  const old = expandAt(`${configFile}@${ref}`, bytes, reader);
  if (!old.expansions || !old.config || old.diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ file: configFile, line: 1, col: 1, severity: 'warning', message: `${configFile} at ${ref} is not valid, so every group is planned as new`, hint: `run purgeplan validate on the ${ref} version to see why` });
    return { baseline, groups, sources };
  }
  const zones = new Map(old.config.zones.map((z) => [z.name, z]));
  const grouped = byGroup(old.expansions);
  tree.prefetch(grouped.filter(({ group }) => group.watch.length).map(({ group }) => group.watch));
  for (const { group, parts } of grouped) {
    groups.set(group.name, {
      zone: zonesKey(parts), fingerprint: groupFingerprintOf(parts, zones), revision: group.revision,
      ...(group.watch.length ? { watch_digest: digestWatchedAtCommit(topLevel, commit, dir, group.watch, tree) } : {}),
      ...(partsItems(parts) <= MAX_RECORDED_ITEMS ? { items: () => partsKeys(parts) } : {}),
    });
    // The whole expansion at REF is at hand: items that left a group are known whatever its size.
    sources.set(group.name, () => expansionBaseline(parts));
  }
  return { baseline, groups, sources };
}
