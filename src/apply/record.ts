// What an apply records once its requests are settled: the state, and in the journal the state's
// digest and whether the apply is complete (docs/commands.md "apply").
import { plural } from '../format.js';
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
}

/**
 * Copies the records of the groups applied into the state, and notes its digest in the journal
 * (and, when every request was sent, that the apply is complete; `closes: false` leaves that to a
 * phase still to come, `--warm`, so that an interrupted one resumes).
 */
export function recordState(plan: Plan, completed: readonly string[], everySent: boolean, where: StateRecording, closes = true): void {
  const { records, removed } = appliedRecords(plan, completed, everySent);
  if (records.length > 0 || removed.length > 0) {
    const next = recordApplied(where.state, configEntry(where.stateFile, where.configPath), records, removed, new Date().toISOString(), plan.plan_id);
    writeState(where.stateFile, next);
  }
  if (plan.requests.length === 0) return;
  const digest = stateDigest(where.stateFile);
  if (digest !== null) journalState(where.journalPath, digest);
  if (everySent && closes) closeJournal(where);
}

/** Every phase done: this journal will never make an apply skip anything. */
export function closeJournal(where: Pick<StateRecording, 'journalPath'>): void {
  journalComplete(where.journalPath, new Date().toISOString());
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
