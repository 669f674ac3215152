// Wording of budgets for the renderers (docs/purge-yaml.md, "Budgets and escalation"): an
// escalated group's line, the note on variants, the Cache Reserve warning, --ignore-budget. Pure.
import type { Escalation, Plan, PlanGroup } from '../plan/types.js';
import { aboutSeconds, count, plural, printable } from '../format.js';
import { paceText } from '../providers/estimate.js';

/** What `↑` means in the legend. */
export const ESCALATED_MEANING = 'escalated over a budget (its files purged by a prefix, host or everything instead)';

/** Said once in a plan that escalates to prefixes or hosts. */
export const VARIANTS_NOTE = 'A prefix or host purge removes every variant under it, declared or not.';

/** Said when the plan was made with --ignore-budget. */
export const IGNORED_NOTE = 'Budgets were ignored for this run (--ignore-budget): nothing was escalated.';

/** At most this many prefixes or hosts are named on a group's line. */
const NAMED = 5;

function listed(values: readonly string[], code: (text: string) => string): string {
  const named = values.slice(0, NAMED).map(code).join(', ');
  return values.length > NAMED ? `${named} and ${count(values.length - NAMED)} more` : named;
}

/** `prefix www.example.com/blog/`, `hosts a, b`, `everything`. */
function toText(to: Escalation['to'], code: (text: string) => string): string {
  if ('everything' in to) return 'everything';
  if ('prefixes' in to) return `${to.prefixes.length === 1 ? 'prefix' : 'prefixes'} ${listed(to.prefixes, code)}`;
  return `${to.hosts.length === 1 ? 'host' : 'hosts'} ${listed(to.hosts, code)}`;
}

function budgetText(budget: Escalation['budget']): string {
  return 'seconds' in budget ? `budget ${count(budget.seconds)} s` : `budget ${count(budget.items)} items`;
}

/** The pace of the zones a group sends to, as its estimate was made: `free-plan limits`, `Fastly's 8 requests in flight`. */
function limitsOf(plan: Plan, group: PlanGroup): string {
  return paceText(plan.zones.filter((z) => group.zones.includes(z.name)));
}

/**
 * `posts · escalated · 48,000 files → prefix www.example.com/blog/ (1 request): 48,000 files take
 * about 63 s at free-plan limits, budget 10 s`. `name` is the group's name as the renderer shows it.
 */
export function escalationText(plan: Plan, group: PlanGroup, escalation: Escalation, name: string, code: (text: string) => string = printable): string {
  const files = `${count(escalation.from.files)} ${escalation.from.files === 1 ? 'file' : 'files'}`;
  return `${name} · escalated · ${files} → ${toText(escalation.to, code)} (${plural(escalation.requests, 'request')}): ${files} ${escalation.from.files === 1 ? 'takes' : 'take'} ${aboutSeconds(escalation.from.seconds)} at ${limitsOf(plan, group)}, ${budgetText(escalation.budget)}`;
}

/** Whether the plan escalates a group to prefixes or hosts (then VARIANTS_NOTE is said once). */
export function escalatesToPrefixOrHost(plan: Plan): boolean {
  return plan.groups.some((g) => g.escalated !== undefined && !('everything' in g.escalated.to));
}

/**
 * Cache Reserve zones (docs/purge-yaml.md, "cache_reserve"): every purge forces a Cache Reserve
 * miss, so what this plan purges is refilled from the origin, each refill a billed Class A
 * write. Counted from the purge requests (an invalidation revalidates instead): file items, and
 * host, prefix, tag and everything requests.
 */
export function cacheReserveWarnings(plan: Plan, code: (text: string) => string = printable): string[] {
  const warnings: string[] = [];
  for (const zone of plan.zones) {
    if (zone.cache_reserve !== true) continue;
    const c = { files: 0, hosts: 0, prefixes: 0, tags: 0, purge_everything: 0 };
    for (const request of plan.requests) {
      if (request.zone !== zone.name || request.action === 'invalidate') continue;
      c[request.kind] += request.kind === 'files' ? request.size : 1;
    }
    if (c.files + c.hosts + c.prefixes + c.tags + c.purge_everything === 0) continue;
    const parts = [
      c.files ? `${count(c.files)} file ${c.files === 1 ? 'item' : 'items'}` : '',
      c.hosts ? plural(c.hosts, 'host request') : '',
      c.prefixes ? plural(c.prefixes, 'prefix request') : '',
      c.tags ? plural(c.tags, 'tag request') : '',
      c.purge_everything ? plural(c.purge_everything, 'purge-everything request') : '',
    ].filter(Boolean);
    warnings.push(`zone ${code(zone.name)} uses Cache Reserve: this plan purges ${parts.join(', ')}; every object they remove is refilled from the origin into Cache Reserve, each refill a billed Class A write. For content that may not have changed, consider action: invalidate (it revalidates instead).`);
  }
  return warnings;
}
