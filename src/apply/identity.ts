// Before anything is sent, and before `yes` is asked (docs/commands.md, "Apply in the deploy's
// order"): each token verified, zones given by name looked up, and each zone that declares both an
// `id` and a `name` read back (`GET /zones/{id}`,
// https://developers.cloudflare.com/api/resources/zones/methods/get/) to check that the id is that
// zone: an id copied from another site would purge the wrong one and report success. A 403 (the
// token may purge but not read zones) is a warning; any other answer but 200 with the right name
// (compared case-insensitively) refuses the apply, sending nothing.
import { domainToASCII } from 'node:url';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { createClient, DEFAULT_REQUEST_TIMEOUT_MS, parseApiUrl } from '../cloudflare/client.js';
import { DEFAULT_RETRY_POLICY } from '../cloudflare/retry.js';
import type { Clock, SendContext } from '../cloudflare/send.js';
import { describeFailure, send } from '../cloudflare/send.js';
import type { ZoneAccess } from './preflight.js';
import { resolveZoneIds, verifyTokens } from './preflight.js';
import type { CheckedZones } from './run.js';

/** A zone read back: its name is purge.yaml's, or the token may not read it. */
export interface ZoneIdentity {
  readonly zone: string;
  readonly zoneId: string;
  /** The name purge.yaml gives. */
  readonly name: string;
  readonly status: 'matches' | 'unreadable';
  readonly httpStatus?: number;
  /** Why it could not be read (Cloudflare's codes and messages, escaped). */
  readonly message?: string;
}

/** `023e…`: how a zone id reads in the one-line refusal (the hint gives it whole). */
const shortId = (id: string): string => `${id.slice(0, 4)}…`;

/** A zone name as Cloudflare stores it: lower case, internationalized names in punycode. */
function canonicalName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(lower) || lower;
}

/** Reads back every zone that has both an id and a name; throws on a mismatch or an unreadable answer but 403. */
async function checkZoneIdentity(zones: readonly ZoneAccess[], context: SendContext): Promise<ZoneIdentity[] | 'interrupted'> {
  const identities: ZoneIdentity[] = [];
  for (const { zone, token, tokenEnv } of zones) {
    if (zone.zone_id === null || zone.zone_name === null) continue;
    const id = zone.zone_id;
    const base = { zone: zone.name, zoneId: id, name: zone.zone_name };
    const result = await send('GET', `/zones/${encodeURIComponent(id)}`, token, undefined, context);
    if (result.kind === 'interrupted') return 'interrupted';
    if (result.kind === 'failed') {
      if (result.httpStatus === 403) {
        identities.push({ ...base, status: 'unreadable', httpStatus: 403, message: describeFailure(result) });
        continue;
      }
      throw new UserError(`zone ${zone.name}: could not read zone ${shortId(id)} to check that it is ${printable(zone.zone_name)}: ${describeFailure(result)}; nothing was sent`, {
        hint: `zones.${zone.name}.id is ${id}: check it (the zone's Overview page in the Cloudflare dashboard, "Zone ID"), and that the token in ${tokenEnv} reaches that zone`,
      });
    }
    const actual = (result.result as { name?: unknown } | null)?.name;
    if (typeof actual !== 'string' || actual === '') {
      throw new UserError(`zone ${zone.name}: Cloudflare's answer for zone ${shortId(id)} names no zone; nothing was sent`, { hint: `zones.${zone.name}.id is ${id}` });
    }
    if (canonicalName(actual) !== canonicalName(zone.zone_name)) {
      throw new UserError(`zone ${zone.name}: id ${shortId(id)} is ${printable(actual)}, purge.yaml says ${printable(zone.zone_name)}`, {
        hint: `zones.${zone.name}.id is ${id}, the zone ${printable(actual)}: nothing was sent. Correct the id (the zone's Overview page in the Cloudflare dashboard, "Zone ID") or the name`,
      });
    }
    identities.push({ ...base, status: 'matches' });
  }
  return identities;
}

export interface ZoneChecks extends CheckedZones {
  readonly identities: readonly ZoneIdentity[];
}

/**
 * Every check made before `yes` is asked, on one client of its own: the tokens (once each), the
 * zones given by name, the zones' identity. The apply then sends without checking again.
 */
export async function checkZones(zones: readonly ZoneAccess[], how: { apiUrl: string; maxRetries: number; signal: AbortSignal; clock: Clock }): Promise<ZoneChecks | 'interrupted'> {
  const client = await createClient(parseApiUrl(how.apiUrl), {
    connections: 1,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    secrets: [...new Set(zones.map((zone) => zone.token))],
  });
  try {
    // Nothing to save yet: Ctrl-C cuts these off at once.
    const context: SendContext = {
      client, clock: how.clock, random: Math.random, policy: { ...DEFAULT_RETRY_POLICY, maxRetries: how.maxRetries }, signal: how.signal, requestSignal: how.signal,
    };
    const verdicts = await verifyTokens(zones, context);
    if (verdicts === 'interrupted') return 'interrupted';
    const zoneIds = await resolveZoneIds(zones, context);
    if (zoneIds === 'interrupted') return 'interrupted';
    const identities = await checkZoneIdentity(zones, context);
    if (identities === 'interrupted') return 'interrupted';
    return { verdicts, zoneIds, identities };
  } finally {
    await client.close();
  }
}
