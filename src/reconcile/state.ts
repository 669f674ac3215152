// The state file (spec §6): what `apply` last purged, per group. Read and written only here; the
// comparison with the current file lives in due.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';

export const STATE_FORMAT_VERSION = 1;
/** Item keys are kept in the state only up to this many per group, so the file stays small. */
export const MAX_RECORDED_ITEMS = 10_000;

export interface GroupRecord {
  readonly zone: string;
  readonly fingerprint: string;
  readonly items_count: number;
  /** The sorted item keys, kept only when items_count <= MAX_RECORDED_ITEMS so a later plan can show a diff. */
  readonly items?: readonly string[];
  readonly revision: number;
  readonly watch_digest?: string;
  /** ISO 8601 time of the apply that recorded this group. */
  readonly applied_at: string;
  readonly plan_id: string;
}

export interface State {
  readonly format_version: 1;
  readonly groups: Readonly<Record<string, GroupRecord>>;
}

/** What apply knows about a group whose requests all succeeded. */
export interface GroupRecordInput {
  readonly name: string;
  readonly zone: string;
  readonly fingerprint: string;
  readonly revision: number;
  readonly watch_digest?: string;
  readonly items_count: number;
  /** The group's item keys, when known (a saved plan may carry only the count). */
  readonly items?: readonly string[];
}

const STATE_HINT =
  'the state file is written by `purgeplan apply`; restore it from a backup, or delete it so that the next plan treats every group as new';

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Returns the record, or the first problem with it as "<field> must be ...". */
function parseRecord(raw: unknown, at: string): GroupRecord | string {
  if (!isObject(raw)) return `${at} must be an object`;
  for (const field of ['zone', 'fingerprint', 'applied_at', 'plan_id'] as const) {
    if (typeof raw[field] !== 'string') return `${at}.${field} must be a string`;
  }
  if (!isNonNegativeInteger(raw.items_count)) return `${at}.items_count must be a non-negative integer`;
  if (typeof raw.revision !== 'number' || !Number.isSafeInteger(raw.revision)) return `${at}.revision must be an integer`;
  if (raw.watch_digest !== undefined && typeof raw.watch_digest !== 'string') return `${at}.watch_digest must be a string`;
  let items: string[] | undefined;
  if (raw.items !== undefined) {
    if (!Array.isArray(raw.items) || !raw.items.every((item) => typeof item === 'string')) {
      return `${at}.items must be a list of strings`;
    }
    if (raw.items.length !== raw.items_count) {
      return `${at}.items has ${raw.items.length} entries but items_count is ${raw.items_count}`;
    }
    items = raw.items as string[];
  }
  return {
    zone: raw.zone as string,
    fingerprint: raw.fingerprint as string,
    items_count: raw.items_count,
    ...(items !== undefined ? { items } : {}),
    revision: raw.revision,
    ...(raw.watch_digest !== undefined ? { watch_digest: raw.watch_digest } : {}),
    applied_at: raw.applied_at as string,
    plan_id: raw.plan_id as string,
  };
}

function parseState(raw: unknown, path: string): State {
  const invalid = (problem: string) => new UserError(`state file ${path} is invalid: ${problem}`, { hint: STATE_HINT });
  if (!isObject(raw)) throw invalid('the top level must be an object');
  const version = raw.format_version;
  // Checked before the shape: a newer format may be shaped differently.
  if (typeof version === 'number' && Number.isInteger(version) && version > STATE_FORMAT_VERSION) {
    throw new UserError(
      `state file ${path} was written by a newer purgeplan (format_version ${version}; this one reads ${STATE_FORMAT_VERSION}): upgrade purgeplan`,
    );
  }
  if (version === undefined) throw invalid('it has no format_version (is it a purgeplan state file?)');
  if (version !== STATE_FORMAT_VERSION) {
    throw invalid(`unsupported format_version (expected ${STATE_FORMAT_VERSION}, got ${JSON.stringify(version)})`);
  }
  if (!isObject(raw.groups)) throw invalid('groups must be an object');
  const entries: [string, GroupRecord][] = [];
  for (const [name, value] of Object.entries(raw.groups)) {
    const record = parseRecord(value, `groups.${name}`);
    if (typeof record === 'string') throw invalid(record);
    entries.push([name, record]);
  }
  // Object.fromEntries defines own properties, so a group named "__proto__" stays a group.
  return { format_version: STATE_FORMAT_VERSION, groups: Object.fromEntries(entries) };
}

function readBytes(path: string, what: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** The state at `path`, or null when there is none (first run). */
export function readState(path: string): State | null {
  const bytes = readBytes(path, 'state file');
  if (bytes === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new UserError(`state file ${path} is not valid JSON: ${(error as Error).message}`, { hint: STATE_HINT });
  }
  return parseState(raw, path);
}

/** JSON with object keys sorted at every level, 2-space indented, newline-terminated. */
function canonicalJson(value: unknown): string {
  const sortKeys = (_key: string, inner: unknown): unknown =>
    isObject(inner)
      ? Object.fromEntries(Object.keys(inner).sort(compareStrings).map((key) => [key, inner[key]]))
      : inner;
  return `${JSON.stringify(value, sortKeys, 2)}\n`;
}

export function writeState(path: string, state: State): void {
  writeFileAtomic(path, canonicalJson(state));
}

/** "sha256:<hex>" of the state file's bytes, or null when there is none (a plan records it to detect staleness). */
export function stateDigest(path: string): string | null {
  const bytes = readBytes(path, 'state file');
  return bytes === null ? null : `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A new state in which each given group's record is replaced by what was just applied. */
export function recordApplied(
  state: State | null,
  groups: readonly GroupRecordInput[],
  appliedAt: string,
  planId: string,
): State {
  const records = new Map<string, GroupRecord>(Object.entries(state?.groups ?? {}));
  for (const group of groups) {
    if (group.items !== undefined && group.items.length !== group.items_count) {
      throw new Error(`recordApplied: group ${group.name} has ${group.items.length} items but items_count ${group.items_count}`);
    }
    const keepItems = group.items !== undefined && group.items_count <= MAX_RECORDED_ITEMS;
    records.set(group.name, {
      zone: group.zone,
      fingerprint: group.fingerprint,
      items_count: group.items_count,
      ...(keepItems ? { items: [...(group.items as readonly string[])].sort(compareStrings) } : {}),
      revision: group.revision,
      ...(group.watch_digest !== undefined ? { watch_digest: group.watch_digest } : {}),
      applied_at: appliedAt,
      plan_id: planId,
    });
  }
  return { format_version: STATE_FORMAT_VERSION, groups: Object.fromEntries(records) };
}
