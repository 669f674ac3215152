// What an apply records once its requests are settled: the state, and in the journal the state's
// digest and whether the apply is complete (docs/commands.md "apply").
import { plural, printable } from '../format.js';
import type { GroupRecordData } from '../reconcile/record.js';
import { packSnapshot } from '../reconcile/snapshot.js';
import type { Plan } from '../plan/types.js';
import { appliedRecords, configEntry, recordApplied, stateDigest, writeState } from '../reconcile/state.js';
import type { ReadState } from '../reconcile/state.js';
import { journalComplete, journalState } from './journal.js';

export interface StateRecording {
  /** The state as read at the start: the lock kept every other apply out since. */
  readonly state: ReadState | null;
  readonly stateFile: string;
  /** The configuration's absolute path, as the state's owner. */
  readonly configPath: string;
  readonly journalPath: string;
  /** The content of build and sitemap groups the plan was made from: its snapshot goes into the state. */
  readonly sources?: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly digest: string }>;
}

/**
 * Copies the records of the groups applied into the state, and notes its digest in the journal
 * (and, when every request was sent, that the apply is complete; `closes: false` leaves that to a
 * phase still to come, `--warm`, so that an interrupted one resumes).
 */
export function recordState(plan: Plan, completed: readonly string[], everySent: boolean, where: StateRecording, closes = true): void {
  const { records, removed } = appliedRecords(plan, completed, everySent);
  writeRecords(plan, records, removed, where);
  if (plan.requests.length === 0) return;
  const digest = stateDigest(where.stateFile);
  if (digest !== null) journalState(where.journalPath, digest);
  if (everySent && closes) closeJournal(where);
}

/** Every phase done: this journal will never make an apply skip anything. */
export function closeJournal(where: Pick<StateRecording, 'journalPath'>): void {
  journalComplete(where.journalPath, new Date().toISOString());
}

/** Writes the records (each build or sitemap group's with its packed snapshot) into the state. */
function writeRecords(plan: Plan, records: readonly (GroupRecordData & { name: string })[], removed: readonly string[], where: StateRecording): void {
  if (records.length === 0 && removed.length === 0) return;
  const full = records.map((record) => {
    if (record.source === undefined) return record;
    const read = where.sources?.get(record.name);
    // The plan names the content it was made from; only that very content is recorded.
    if (read === undefined || read.digest !== record.source.digest) throw new Error(`the content of group ${record.name} read for this apply is not the one its plan names`);
    return { ...record, source: { ...record.source, table: packSnapshot(read.bytes) } };
  });
  writeState(where.stateFile, recordApplied(where.state, configEntry(where.stateFile, where.configPath), full, removed, new Date().toISOString(), plan.plan_id));
}

/**
 * `apply --record-only` (docs/commands.md "apply"): records every due group as applied (and drops
 * removed ones) without sending anything; returns what it recorded, in words.
 */
export function recordOnly(plan: Plan, where: StateRecording, statePath: string): string {
  const { records, removed } = appliedRecords(plan, plan.groups.filter((g) => g.due).map((g) => g.name), true);
  writeRecords(plan, records, removed, where);
  const lines = records.map((record) => {
    const source = plan.groups.find((g) => g.name === record.name)?.source;
    const what = source ? `${plural(source.count, source.kind === 'build' ? 'file' : 'entry', source.kind === 'build' ? 'files' : 'entries')} of ${printable(source.path)} (${source.kind})` : plural(record.items_count, 'item');
    return `  ${printable(record.name)}: ${what}`;
  });
  if (removed.length) lines.push(`  removed from the state: ${removed.map(printable).join(', ')}`);
  if (lines.length === 0) return `Nothing to record (--record-only): no group is due. Nothing was sent.`;
  return [`Recorded in ${printable(statePath)} as purged, without purging (--record-only):`, ...lines, 'Nothing was sent.'].join('\n');
}

/**
 * Under a git baseline (`--base`), a group whose purge did not complete is due again only for a
 * run against the same commit: the release job of the next push compares with a newer one and
 * never retries it. The state keeps it due until it succeeds (docs/ci.md, "Release jobs: prefer
 * the state"). The note that says so, or null.
 */
export function gitBaselineNote(plan: Plan, completed: readonly string[]): string | null {
  if (plan.baseline.kind !== 'git') return null;
  const done = new Set(completed);
  const unfinished = [...new Set(plan.requests.flatMap((request) => request.groups))].filter((group) => !done.has(group));
  if (unfinished.length === 0) return null;
  return `note: ${plural(unfinished.length, 'group')} did not complete (${unfinished.join(', ')}). This plan compared with ${plan.baseline.ref} (--base): `
    + 'only a run against that same base sends them again; a later run with a newer --base (the next release) will not retry them. '
    + 'Re-run this command until it succeeds, or keep the state file between runs (apply without --base, persisting .purgeplan/) so failed groups stay due until they succeed.';
}
