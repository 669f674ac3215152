// What apply hands to verification: the plan, which of its requests an earlier run already sent
// (their entries cannot be warmed and then purged), and which group each URL belongs to.
import type { ApplyResult } from '../apply/events.js';
import { noteEvent } from '../apply/events.js';
import { jsonText } from '../format.js';
import { edgeOnlyNote } from '../providers/cloudflare-only.js';
import { isJournal } from '../apply/journal.js';
import type { readJournal } from '../apply/journal.js';
import type { GroupExpansion } from '../expand/group.js';
import type { Plan } from '../plan/types.js';
import { urlGroups } from './sample.js';
import type { VerifyOutput, VerifySettings } from './session.js';
import { Verification } from './session.js';

export async function startVerification(plan: Plan, expansions: readonly GroupExpansion[], journal: ReturnType<typeof readJournal>, settings: VerifySettings, output: VerifyOutput): Promise<Verification> {
  // A Fastly or CloudFront zone's requests are not verified: said once, as a note (docs/providers.md).
  const note = edgeOnlyNote('--verify', plan.zones, plan.requests);
  if (note !== null) {
    if (settings.json) output.stdout(`${jsonText(noteEvent(note))}\n`);
    else output.stderr(`note: ${note}\n`);
  }
  // Only a journal this apply will resume says what was sent already (see apply/run.ts); apply read it once, under its lock.
  const resumed = isJournal(journal) && journal.header.plan_id === plan.plan_id && !journal.complete;
  const skipRequests = new Set(resumed ? journal.done.keys() : []);
  return Verification.start(plan, settings, output, { skipRequests, groupOf: urlGroups(expansions).groupOf });
}

/**
 * After the send, the exit code so far: 1 when a request failed (nothing is checked then) or, with
 * --verify, a sampled item was not purged (or, with --verify-strict, nothing was confirmed); 130
 * when interrupted; else 0.
 */
export async function verifyAfterSend(verification: Verification | null, result: ApplyResult, signal: AbortSignal): Promise<number> {
  if (!result.ok) verification?.skip('not every request of the plan succeeded');
  if (!result.ok || !verification) return result.ok ? 0 : 1;
  const sentNow = new Set(result.outcomes.filter((o) => o.status === 'done').map((o) => o.index));
  const verified = await verification.after(signal, (request) => sentNow.has(request));
  return verified === 'interrupted' ? 130 : verified === 'not_purged' || verified === 'unconfirmed' ? 1 : 0;
}
