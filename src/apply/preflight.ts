// Before any purge (docs/commands.md#apply): every token present, each distinct token verified once, and the
// zones given by name looked up. All failures here are UserErrors; a token never appears in one.
import { UserError } from '../errors.js';
import type { Plan, PlanZone } from '../plan/types.js';
import type { SendContext, SendResult } from '../cloudflare/send.js';
import { describeFailure, send } from '../cloudflare/send.js';
import { readZoneTokens as readTokens, zoneIdOf } from '../cloudflare/zones.js';
import type { ProviderZoneAccess } from './providers.js';
import { isCloudflareZone, readProviderAccess } from './providers.js';

/** A zone ready to purge: its id and the token (and the variable it came from); a Fastly or CloudFront zone's access too. */
export interface ZoneAccess {
  readonly zone: PlanZone;
  readonly token: string;
  readonly tokenEnv: string;
  readonly provider?: ProviderZoneAccess['provider'];
}

/**
 * Reads the token of every zone from the environment, before any request is sent (the rules are
 * cloudflare/zones.ts's, shared with drift and import); a Fastly or CloudFront zone's credentials
 * by its provider's rules (apply/providers.ts).
 */
export function readZoneTokens(zones: readonly PlanZone[], env: NodeJS.ProcessEnv, fastlyApiUrl?: string): Map<string, ZoneAccess> {
  const cloudflare = zones.filter(isCloudflareZone);
  const tokens = readTokens(cloudflare.map((zone) => ({ name: zone.name, tokenEnv: zone.token_env })), env, 'to purge cache (Zone > Cache Purge > Purge)');
  const others = cloudflare.length === zones.length ? new Map<string, ZoneAccess>() : readProviderAccess(zones, env, fastlyApiUrl);
  return new Map(zones.map((zone) => [zone.name, others.get(zone.name) ?? { zone, token: tokens.get(zone.name)!, tokenEnv: zone.token_env }]));
}

export type TokenVerdict = 'verified' | 'unverified';

/**
 * Verifies each distinct token once at /user/tokens/verify; an account-owned token, which that
 * endpoint refuses (401/403, docs/cloudflare.md), at /accounts/{id}/tokens/verify for each
 * account its zones name. With no account known the first purge decides ('unverified').
 */
export async function verifyTokens(zones: readonly ZoneAccess[], context: SendContext): Promise<Map<string, TokenVerdict> | 'interrupted'> {
  const verdicts = new Map<string, TokenVerdict>();
  for (const { token, tokenEnv } of zones) {
    if (verdicts.has(token)) continue;
    const user = await send('GET', '/user/tokens/verify', token, undefined, context);
    if (user.kind === 'interrupted') return 'interrupted';
    if (user.kind === 'done') {
      verdicts.set(token, checkActive(user, tokenEnv));
      continue;
    }
    // No verify endpoint at this API URL (a proxy, a stand-in): the first purge decides, as for
    // a token no endpoint vouches for.
    if (user.httpStatus === 404) {
      verdicts.set(token, 'unverified');
      continue;
    }
    if (user.httpStatus !== 401 && user.httpStatus !== 403) {
      throw new UserError(`could not verify the API token in ${tokenEnv}: ${describeFailure(user)}`);
    }
    const accounts = [...new Set(zones.filter((z) => z.token === token && z.zone.account_id !== null).map((z) => z.zone.account_id!))].sort();
    if (accounts.length === 0) {
      verdicts.set(token, 'unverified');
      continue;
    }
    let verdict: TokenVerdict | null = null;
    for (const account of accounts) {
      const result = await send('GET', `/accounts/${encodeURIComponent(account)}/tokens/verify`, token, undefined, context);
      if (result.kind === 'interrupted') return 'interrupted';
      if (result.kind === 'done') {
        verdict = checkActive(result, tokenEnv);
        break;
      }
      if (result.httpStatus !== 401 && result.httpStatus !== 403) {
        throw new UserError(`could not verify the API token in ${tokenEnv} for account ${account}: ${describeFailure(result)}`);
      }
    }
    if (verdict === null) {
      throw new UserError(`Cloudflare refused the API token in ${tokenEnv}: ${describeFailure(user)}`, {
        hint: `it is neither a valid user token nor an account token of ${accounts.join(', ')}; create a new token with Zone > Cache Purge > Purge`,
      });
    }
    verdicts.set(token, verdict);
  }
  return verdicts;
}

function checkActive(result: SendResult & { kind: 'done' }, tokenEnv: string): TokenVerdict {
  const status = (result.result as { status?: unknown } | null)?.status;
  if (status === 'active') return 'verified';
  throw new UserError(`the API token in ${tokenEnv} is ${typeof status === 'string' ? status : 'not active'}`, {
    hint: 'enable or renew it in the Cloudflare dashboard (My Profile > API Tokens), or use another token',
  });
}

/** The id of every zone, looked up by name where purge.yaml gives none. */
export async function resolveZoneIds(zones: readonly ZoneAccess[], context: SendContext): Promise<Map<string, string> | 'interrupted'> {
  const ids = new Map<string, string>();
  for (const { zone, token, tokenEnv } of zones) {
    const id = await zoneIdOf({ name: zone.name, id: zone.zone_id, zoneName: zone.zone_name, accountId: zone.account_id, tokenEnv }, token, context);
    if (id === 'interrupted') return 'interrupted';
    ids.set(zone.name, id);
  }
  return ids;
}

/** The plan's zones that have requests to send. */
export function zonesWithRequests(plan: Pick<Plan, 'requests' | 'zones'>): PlanZone[] {
  const used = new Set(plan.requests.map((r) => r.zone));
  return plan.zones.filter((z) => used.has(z.name));
}
