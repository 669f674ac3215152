// The Cloudflare provider behind the provider interface (docs/providers.md): the modules of
// cloudflare/ as they are. Body forms are plan/batch.ts's (files, hosts, prefixes, tags,
// purge_everything, chunked to the zone's tier), limits cloudflare/limits.ts's, pacing
// cloudflare/pacing.ts's (one request bucket and one URL window per tier), sending
// cloudflare/send.ts's (its decision table, unchanged), to purge_cache or invalidate_cache.
import type { ApiClient } from '../cloudflare/client.js';
import type { PlanTier } from '../cloudflare/limits.js';
import { Pacer } from '../cloudflare/pacing.js';
import { send } from '../cloudflare/send.js';
import type { Action } from '../vocabulary.js';
import type { ProviderSendResult, ProviderSession } from './types.js';

/** Where each action's bodies go: invalidate_cache takes the same bodies and limits as purge_cache (docs/cloudflare.md). */
export const CLOUDFLARE_ENDPOINTS: Readonly<Record<Action, string>> = { purge: 'purge_cache', invalidate: 'invalidate_cache' };

export interface CloudflareSessionOptions {
  readonly client: ApiClient;
  /** By zone name: its token and its plan tier (which limiters pace it). */
  readonly zones: ReadonlyMap<string, { readonly token: string; readonly tier: PlanTier }>;
}

/** Cloudflare's apply side: its client, one Pacer (limiters shared by tier across zones), its send. */
export function cloudflareSession(options: CloudflareSessionOptions): ProviderSession {
  const pacer = new Pacer();
  const zoneOf = (name: string): { token: string; tier: PlanTier } => {
    const zone = options.zones.get(name);
    if (zone === undefined) throw new Error(`no token was read for zone ${name}`);
    return zone;
  };
  return {
    limiter: (zone, kind, now) => pacer.limiter(zoneOf(zone.name).tier, kind, now),
    send: async (zone, job, context): Promise<ProviderSendResult> => {
      const path = `/zones/${encodeURIComponent(zone.id)}/${CLOUDFLARE_ENDPOINTS[job.action]}`;
      const { onOutcome: _raw, onRetry: _retry, ...shared } = context;
      const result = await send('POST', path, zoneOf(zone.name).token, job.body, {
        ...shared,
        client: options.client,
        ...(context.onOutcome === undefined ? {} : { onOutcome: (outcome) => context.onOutcome!(outcome.kind === 'response' ? { kind: 'response', status: outcome.status, headers: outcome.headers, text: '' } : outcome) }),
        ...(context.onRetry === undefined ? {} : { onRetry: (decision, attempt) => context.onRetry!({ rule: decision.rule, delayMs: decision.delayMs, message: decision.message, ...(decision.rateLimitedUntil === undefined ? {} : { rateLimitedUntil: decision.rateLimitedUntil }) }, attempt) }),
      });
      if (result.kind !== 'done') return result;
      const id = (result.result as { id?: unknown } | null)?.id;
      return { kind: 'done', result: { id: typeof id === 'string' ? id : '' }, attempts: result.attempts };
    },
    close: () => options.client.close(),
  };
}
