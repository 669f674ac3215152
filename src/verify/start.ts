// What apply hands to verification: the plan, which of its requests an earlier run already sent
// (their entries cannot be warmed and then purged), and which group each URL belongs to.
import { isJournal } from '../apply/journal.js';
import type { readJournal } from '../apply/journal.js';
import type { GroupExpansion } from '../expand/group.js';
import type { Plan } from '../plan/types.js';
import type { VerifyOutput, VerifySettings } from './session.js';
import { Verification } from './session.js';

export async function startVerification(plan: Plan, expansions: readonly GroupExpansion[], journal: ReturnType<typeof readJournal>, settings: VerifySettings, output: VerifyOutput): Promise<Verification> {
  // Only a journal this apply will resume says what was sent already (see apply/run.ts); apply read it once, under its lock.
  const resumed = isJournal(journal) && journal.header.plan_id === plan.plan_id && !journal.complete;
  const skipRequests = new Set(resumed ? journal.done.keys() : []);
  const urlsOf = new Map<string, ReadonlySet<string>>();
  const groupOf = (url: string, requestGroups: readonly string[]): string => {
    for (const name of requestGroups) {
      let urls = urlsOf.get(name);
      if (!urls) {
        urls = new Set(expansions.filter((e) => e.group.name === name).flatMap((e) => e.urls));
        urlsOf.set(name, urls);
      }
      if (urls.has(url)) return name;
    }
    return requestGroups[0];
  };
  return Verification.start(plan, settings, output, { skipRequests, groupOf });
}
