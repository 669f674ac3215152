// A zone's access to Cloudflare's API, for every command that calls it (apply, drift, import):
// its token, read from the variable its `token_env` names, and its id, looked up by name when
// purge.yaml gives only the name. Failures are UserErrors that name variables, never a token.
import { UserError } from '../errors.js';
import { tokenProblem } from '../http/policy.js';
import type { SendContext } from './send.js';
import { describeFailure, send } from './send.js';

/** A zone as far as its token is concerned: its name in purge.yaml and the variable holding its token. */
export interface ZoneTokenSource {
  readonly name: string;
  readonly tokenEnv: string;
}

/**
 * The token of every zone, by zone name. All missing or empty variables are named in one error,
 * raised before any request is sent. Surrounding whitespace (a trailing newline from a secrets
 * file) is removed; anything else outside visible ASCII is refused without echoing it.
 * `permission` completes the hint: "a Cloudflare API token allowed …".
 */
export function readZoneTokens(zones: readonly ZoneTokenSource[], env: NodeJS.ProcessEnv, permission: string): Map<string, string> {
  const missing = new Map<string, string[]>();
  const malformed = new Set<string>();
  const tokens = new Map<string, string>();
  for (const zone of zones) {
    const token = (env[zone.tokenEnv] ?? '').trim();
    if (token === '') missing.set(zone.tokenEnv, [...(missing.get(zone.tokenEnv) ?? []), zone.name]);
    else if (tokenProblem(token) !== undefined) malformed.add(zone.tokenEnv);
    else tokens.set(zone.name, token);
  }
  if (missing.size > 0) {
    const names = [...missing.keys()].sort();
    const detail = names.map((name) => `${name} (zone${missing.get(name)!.length > 1 ? 's' : ''} ${missing.get(name)!.join(', ')})`).join(', ');
    throw new UserError(`no API token: environment variable ${detail} ${names.length > 1 ? 'are' : 'is'} not set or empty`, {
      hint: `export ${names[0]}=… with a Cloudflare API token allowed ${permission}`,
    });
  }
  if (malformed.size > 0) {
    const names = [...malformed].sort().join(', ');
    throw new UserError(`the API token in ${names} contains spaces, control or non-ASCII characters`, {
      hint: 'copy the token again; Cloudflare tokens are printable ASCII without spaces',
    });
  }
  return tokens;
}

/** A zone purge.yaml names: its id when given, else its name (and account) to look it up by. */
export interface ZoneRef {
  readonly name: string;
  readonly id: string | null;
  readonly zoneName: string | null;
  readonly accountId: string | null;
  readonly tokenEnv: string;
}

/**
 * The zone's id: as given, else looked up by name (`GET /zones?name=`, filtered by its account
 * when known: https://developers.cloudflare.com/api/resources/zones/methods/list/). No match and
 * several matches are errors saying what to do.
 */
export async function zoneIdOf(zone: ZoneRef, token: string, context: SendContext): Promise<string | 'interrupted'> {
  if (zone.id !== null) return zone.id;
  if (zone.zoneName === null) throw new UserError(`zone "${zone.name}" has neither an id nor a name`, { hint: `give zones.${zone.name}.id` });
  const query = new URLSearchParams({ name: zone.zoneName, per_page: '50' });
  if (zone.accountId !== null) query.set('account.id', zone.accountId);
  const result = await send('GET', `/zones?${query.toString()}`, token, undefined, context);
  if (result.kind === 'interrupted') return 'interrupted';
  if (result.kind === 'failed') {
    throw new UserError(`could not look up zone ${zone.zoneName} (zones.${zone.name}): ${describeFailure(result)}`, {
      hint: `the token in ${zone.tokenEnv} needs Zone > Zone > Read to find a zone by name; or give zones.${zone.name}.id`,
    });
  }
  const wanted = zone.zoneName.toLowerCase();
  const matches = (Array.isArray(result.result) ? result.result : []).filter(
    (z): z is { id: string; name: string } => typeof z?.id === 'string' && typeof z?.name === 'string' && z.name.toLowerCase() === wanted,
  );
  if (matches.length === 0) {
    throw new UserError(`no zone named ${zone.zoneName} is visible to this token (${zone.tokenEnv}, zones.${zone.name})`, {
      hint: `check the name, and that the token's zone resources include it; or give zones.${zone.name}.id`,
    });
  }
  if (matches.length > 1) {
    throw new UserError(`${matches.length} zones are named ${zone.zoneName}: give zones.${zone.name}.id`, {
      hint: `ids: ${matches.map((z) => z.id).sort().join(', ')}`,
    });
  }
  return matches[0].id;
}
