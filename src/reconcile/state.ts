// The state file (docs/commands.md#only-what-changed, docs/purge-yaml.md): what `apply` last purged, per group, for one configuration.
// Read and written only here, through its JSON Schema (schemas/state.schema.json); the comparison
// with the current file lives in due.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { validateState } from '../artifacts/validate.js';
import { schemaProblem } from '../artifacts/check.js';
import { UserError } from '../errors.js';
import { compare } from '../vocabulary.js';
import { makeDirectoryOf, writeFileAtomic } from '../fsutil.js';
import type { Plan } from '../plan/types.js';
import type { GroupRecordData } from './record.js';

const STATE_FORMAT_VERSION = 2;
const DEFAULT_STATE = '.purgeplan/state.json';

export interface GroupRecord extends GroupRecordData {
  /** ISO 8601 time of the apply that recorded this group. */
  readonly applied_at: string;
  readonly plan_id: string;
}

export interface State {
  readonly format_version: 2;
  /** The configuration this state belongs to, relative to the state file's directory. */
  readonly config: string;
  readonly groups: Readonly<Record<string, GroupRecord>>;
}

/** A state as read: `config` is null for a format-1 state, which did not record it. */
export interface ReadState {
  readonly config: string | null;
  readonly groups: Readonly<Record<string, GroupRecord>>;
}

const STATE_HINT =
  'the state file is written by `purgeplan apply`; restore it from a backup, or delete it so that the next plan treats every group as new';

/**
 * The state file of a configuration: `--state FILE` (relative to the current directory), else
 * `.purgeplan/state.json` beside purge.yaml, or `.purgeplan/NAME.state.json` for a configuration
 * named otherwise, so two configurations in one directory never share a state (docs/purge-yaml.md).
 */
export function statePaths(baseDir: string, cwd: string, configFile: string, option: string | undefined): { path: string; absolutePath: string } {
  const name = basename(configFile);
  const absolutePath = option ? resolve(cwd, option)
    : name === 'purge.yaml' ? join(baseDir, DEFAULT_STATE)
    : join(baseDir, '.purgeplan', `${basename(name, extname(name))}.state.json`);
  return { path: relative(baseDir, absolutePath).split('\\').join('/') || basename(absolutePath), absolutePath };
}

/** The apply journal and lock belong to one state file each. */
export function journalPathOf(stateFile: string): string {
  return `${stateFile}.journal`;
}

export function lockPathOf(stateFile: string): string {
  return `${stateFile}.lock`;
}

function readBytes(path: string, what: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UserError(`cannot read ${what} ${path}: ${code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code ?? (error as Error).message}`);
  }
}

/** The state at `path`, or null when there is none (first run). */
export function readState(path: string): ReadState | null {
  const bytes = readBytes(path, 'state file');
  if (bytes === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new UserError(`state file ${path} is not valid JSON: ${(error as Error).message}`, { hint: STATE_HINT });
  }
  const version = (raw as { format_version?: unknown } | null)?.format_version;
  // Checked before the shape: a newer format may be shaped differently.
  if (typeof version === 'number' && Number.isInteger(version) && version > STATE_FORMAT_VERSION) {
    throw new UserError(`state file ${path} was written by a newer purgeplan (format_version ${version}; this one reads up to ${STATE_FORMAT_VERSION}): upgrade purgeplan`);
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && version === undefined) {
    throw new UserError(`state file ${path} is invalid: it has no format_version (is it a purgeplan state file?)`, { hint: STATE_HINT });
  }
  if (typeof version === 'number' && version !== 1 && version !== 2) {
    throw new UserError(`state file ${path} is invalid: unsupported format_version (expected ${STATE_FORMAT_VERSION}, got ${version})`, { hint: STATE_HINT });
  }
  const problem = schemaProblem(validateState, raw);
  if (problem !== null) throw new UserError(`state file ${path} is invalid: ${problem}`, { hint: STATE_HINT });
  const state = raw as { format_version: 1 | 2; config?: string; groups: Record<string, Record<string, unknown>> };
  if (state.format_version === 2) return { config: state.config ?? null, groups: Object.fromEntries(Object.entries(state.groups)) as unknown as Record<string, GroupRecord> };
  // Format 1: fingerprints did not include the zone (zone_id "" says so) and items were listed
  // one key each; those lists are dropped (the next diff of such a group is not shown).
  const groups = Object.entries(state.groups).map(([name, record]): [string, GroupRecord] => [name, {
    zone: record.zone as string,
    zone_id: '',
    fingerprint: record.fingerprint as string,
    revision: record.revision as number,
    ...(typeof record.watch_digest === 'string' ? { watch_digest: record.watch_digest } : {}),
    items_count: record.items_count as number,
    applied_at: record.applied_at as string,
    plan_id: record.plan_id as string,
  }]);
  // Object.fromEntries defines own properties, so a group named "__proto__" stays a group.
  return { config: null, groups: Object.fromEntries(groups) };
}

/** The state's configuration, as written in it, relative to the state's directory. */
export function configEntry(stateFile: string, configFile: string): string {
  return relative(dirname(stateFile), configFile).split('\\').join('/');
}

/** A state belongs to one configuration: one written for another is an error naming both (docs/purge-yaml.md). */
export function checkStateOwner(state: ReadState | null, stateFile: string, configFile: string): void {
  if (state === null || state.config === null) return;
  const owner = resolve(dirname(stateFile), state.config);
  if (owner === resolve(configFile)) return;
  throw new UserError(`the state ${stateFile} belongs to ${owner}, not to ${resolve(configFile)}`, {
    hint: 'each configuration keeps its own state: give this one its own with --state FILE (the default for a file not named purge.yaml is .purgeplan/NAME.state.json)',
  });
}

/** JSON with object keys sorted at every level, 2-space indented, newline-terminated. */
function canonicalJson(value: unknown): string {
  const sortKeys = (_key: string, inner: unknown): unknown =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.keys(inner).sort(compare).map((key) => [key, (inner as Record<string, unknown>)[key]]))
      : inner;
  return `${JSON.stringify(value, sortKeys, 2)}\n`;
}

export function writeState(path: string, state: State): void {
  const problem = schemaProblem(validateState, state);
  if (problem !== null) throw new Error(`refusing to write an invalid state: ${problem}`);
  makeDirectoryOf(path, stateLabel(path));
  writeFileAtomic(path, canonicalJson(state), stateLabel(path));
}

/** How errors name the state file. */
export function stateLabel(path: string): string {
  return `the state file ${path}`;
}

/** "sha256:<hex>" of the state file's bytes, or null when there is none (a plan records it to detect staleness). */
export function stateDigest(path: string): string | null {
  const bytes = readBytes(path, 'state file');
  return bytes === null ? null : `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A new state in which each given group's record is replaced by what was just applied, and the
 * groups named in `removed` are gone.
 */
export function recordApplied(
  state: ReadState | null,
  config: string,
  groups: readonly (GroupRecordData & { readonly name: string })[],
  removed: readonly string[],
  appliedAt: string,
  planId: string,
): State {
  const records = new Map<string, GroupRecord>(Object.entries(state?.groups ?? {}));
  for (const name of removed) records.delete(name);
  for (const { name, ...record } of groups) records.set(name, { ...record, applied_at: appliedAt, plan_id: planId });
  return { format_version: STATE_FORMAT_VERSION, config, groups: Object.fromEntries(records) };
}

/**
 * What an apply of `plan` records: the record the plan carries for each due group whose requests
 * all succeeded (`completed`), and for each due group with no request of its own when every
 * request succeeded; groups the plan lists as removed leave the state.
 */
export function appliedRecords(plan: Plan, completed: readonly string[], everySent: boolean): { records: (GroupRecordData & { name: string })[]; removed: string[] } {
  const done = new Set(completed);
  const inRequests = new Set(plan.requests.flatMap((r) => r.groups));
  const records = plan.groups
    .filter((g) => g.due && g.record !== undefined && (done.has(g.name) || (everySent && !inRequests.has(g.name))))
    .map((g) => ({ name: g.name, ...g.record! }));
  const removed = plan.groups.filter((g) => g.status === 'removed').map((g) => g.name);
  return { records, removed };
}
