// Resuming an interrupted apply (docs/commands.md "apply"): the same command run again sends only
// what the interrupted run did not, when nothing it was planned from has changed since.
import { resolve } from 'node:path';
import type { LoadedConfig } from '../plan/saved.js';
import { buildPlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { workingWatchDigests } from '../reconcile/baseline.js';
import type { ContentRead } from '../reconcile/sources.js';
import { groupFingerprints } from '../reconcile/record.js';
import { isJournal } from './journal.js';
import type { ForeignJournal, Journal, JournalOptions } from './journal.js';

/**
 * The plan of an interrupted apply, when nothing it was planned from has changed since: rebuilt
 * from the journal's decisions, it is the very plan (same plan_id), and only its unsent requests
 * go out. Null when there is nothing to resume, or it no longer matches. `note` is told what is
 * resumed.
 */
export function resumedPlan(journal: Journal | ForeignJournal | null, loaded: LoadedConfig, asked: JournalOptions, configFile: string, note: (text: string) => void, sources?: ReadonlyMap<string, ContentRead>): Plan | null {
  if (!isJournal(journal) || journal.complete) return null;
  if (!sameOptions(journal, asked)) return null;
  const header = journal.header;
  const plan = buildPlan({
    config: loaded.config, configPath: configFile, expansions: loaded.expansions, decisions: header.groups,
    baseline: header.baseline, state: header.state, watchDigests: workingWatchDigests(loaded.expansions, loaded.baseDir, undefined, resolve(loaded.baseDir, header.state.path)),
    ...(sources ? { sources } : {}),
    ignoreBudget: header.options.ignore_budget === true,
    fingerprints: groupFingerprints(loaded.config.zones, loaded.expansions),
  });
  if (plan.plan_id !== header.plan_id) return null;
  const total = plan.requests.length;
  // With --repurge-after a second pass follows the first (apply/phases.ts says which phase resumes).
  const sent = journal.done.size < total ? `${journal.done.size} of ${total} requests were applied; sending the rest`
    : journal.repurged.size > 0 ? `the first pass sent all ${total} requests, the second ${journal.repurged.size}` : `all ${total} requests were applied`;
  note(`Resuming the interrupted apply of plan ${plan.plan_id.slice(0, 19)}… started ${header.started_at}: ${sent}.`);
  return plan;
}

/** Whether this run asks for what the interrupted one asked (the same --group, --all, --base). */
function sameOptions(journal: Journal, asked: JournalOptions): boolean {
  const before = journal.header.options;
  return before.all === asked.all && (before.base ?? null) === (asked.base ?? null) && (before.ignore_budget === true) === (asked.ignore_budget === true)
    && [...before.groups].sort().join('\n') === [...asked.groups].sort().join('\n');
}
