// Before any purge (spec §4.2): every token present, each distinct token verified once, and the
// zones given by name looked up. All failures here are UserErrors; a token never appears in one.
import { UserError } from '../errors.js';
import type { Plan, PlanZone } from '../plan/types.js';
import type { SendContext, SendResult } from '../cloudflare/send.js';
import { describeFailure, send } from '../cloudflare/send.js';

/** A zone ready to purge: its id and the token (and the variable it came from). */
export interface ZoneAccess {
  readonly zone: PlanZone;
  readonly token: string;
  readonly tokenEnv: string;
}

/**
 * Reads the token of every zone from the environment. All missing or empty variables are named in
 * one error, raised before any request is sent. Surrounding whitespace (a trailing newline from a
 * secrets file) is removed; anything else outside visible ASCII is refused without echoing it.
 */
export function readZoneTokens(zones: readonly PlanZone[], env: NodeJS.ProcessEnv): Map<string, ZoneAccess> {
  const missing = new Map<string, string[]>();
  const malformed = new Set<string>();
  const access = new Map<string, ZoneAccess>();
  for (const zone of zones) {
    const token = (env[zone.token_env] ?? '').trim();
    if (token === '') {
      missing.set(zone.token_env, [...(missing.get(zone.token_env) ?? []), zone.name]);
    } else if (!/^[\x21-\x7e]+$/.test(token)) {
      malformed.add(zone.token_env);
    } else {
      access.set(zone.name, { zone, token, tokenEnv: zone.token_env });
    }
  }
  if (missing.size > 0) {
    const names = [...missing.keys()].sort();
    const detail = names.map((name) => `${name} (zone${missing.get(name)!.length > 1 ? 's' : ''} ${missing.get(name)!.join(', ')})`).join(', ');
    throw new UserError(`no API token: environment variable ${detail} ${names.length > 1 ? 'are' : 'is'} not set or empty`, {
      hint: `export ${names[0]}=… with a Cloudflare API token allowed to purge cache (Zone > Cache Purge > Purge)`,
    });
  }
  if (malformed.size > 0) {
    const names = [...malformed].sort().join(', ');
    throw new UserError(`the API token in ${names} contains spaces, control or non-ASCII characters`, {
      hint: 'copy the token again; Cloudflare tokens are printable ASCII without spaces',
    });
  }
  return access;
}

export type TokenVerdict = 'verified' | 'unverified';

/**
 * Verifies each distinct token once at /user/tokens/verify; an account-owned token, which that
 * endpoint refuses (401/403, cloudflare-api.md §4), at /accounts/{id}/tokens/verify for each
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

/**
 * Looks up, by name, the id of every zone that has none (`GET /zones?name=`, filtered by its
 * account when known). No match and several matches are errors saying what to do.
 */
export async function resolveZoneIds(zones: readonly ZoneAccess[], context: SendContext): Promise<Map<string, string> | 'interrupted'> {
  const ids = new Map<string, string>();
  for (const { zone, token, tokenEnv } of zones) {
    if (zone.zone_id !== null) {
      ids.set(zone.name, zone.zone_id);
      continue;
    }
    if (zone.zone_name === null) throw new UserError(`zone "${zone.name}" has neither an id nor a name`, { hint: `give zones.${zone.name}.id` });
    const query = new URLSearchParams({ name: zone.zone_name, per_page: '50' });
    if (zone.account_id !== null) query.set('account.id', zone.account_id);
    const result = await send('GET', `/zones?${query.toString()}`, token, undefined, context);
    if (result.kind === 'interrupted') return 'interrupted';
    if (result.kind === 'failed') {
      throw new UserError(`could not look up zone ${zone.zone_name} (zones.${zone.name}): ${describeFailure(result)}`, {
        hint: `the token in ${tokenEnv} needs Zone > Zone > Read to find a zone by name; or give zones.${zone.name}.id`,
      });
    }
    const wanted = zone.zone_name.toLowerCase();
    const matches = (Array.isArray(result.result) ? result.result : []).filter(
      (z): z is { id: string; name: string } => typeof z?.id === 'string' && typeof z?.name === 'string' && z.name.toLowerCase() === wanted,
    );
    if (matches.length === 0) {
      throw new UserError(`no zone named ${zone.zone_name} is visible to this token (${tokenEnv}, zones.${zone.name})`, {
        hint: `check the name, and that the token's zone resources include it; or give zones.${zone.name}.id`,
      });
    }
    if (matches.length > 1) {
      throw new UserError(`${matches.length} zones are named ${zone.zone_name}: give zones.${zone.name}.id`, {
        hint: `ids: ${matches.map((z) => z.id).sort().join(', ')}`,
      });
    }
    ids.set(zone.name, matches[0].id);
  }
  return ids;
}

/** The plan's zones that have requests to send. */
export function zonesWithRequests(plan: Pick<Plan, 'requests' | 'zones'>): PlanZone[] {
  const used = new Set(plan.requests.map((r) => r.zone));
  return plan.zones.filter((z) => used.has(z.name));
}
