// Wording shared by the renderers: the closing Plan line.
import type { Plan } from '../plan/types.js';
import { formatDuration, plural } from '../format.js';

/** `Plan: 4 requests — 112 files, 1 host, 2 tags in 1 zone. Estimated 3 s at free-plan limits.` */
export function planLine(plan: Plan): string {
  const s = plan.summary;
  if (s.requests === 0) return 'No purges planned.';
  const parts = [
    s.everything ? `${s.everything} purge everything` : '',
    s.files ? plural(s.files, 'file') : '',
    s.hosts ? plural(s.hosts, 'host') : '',
    s.prefixes ? plural(s.prefixes, 'prefix', 'prefixes') : '',
    s.tags ? plural(s.tags, 'tag') : '',
  ].filter(Boolean);
  const zones = new Set(plan.requests.map((r) => r.zone));
  const tiers = [...new Set(plan.zones.filter((z) => zones.has(z.name)).map((z) => z.plan))];
  const at = tiers.length === 1 ? `${tiers[0]}-plan limits` : `${tiers.join('/')}-plan limits`;
  const estimate = s.estimated_seconds === undefined ? '' : ` Estimated ${formatDuration(s.estimated_seconds * 1000)} at ${at}.`;
  return `Plan: ${plural(s.requests, 'request')} — ${parts.join(', ')} in ${plural(zones.size, 'zone')}.${estimate}`;
}
