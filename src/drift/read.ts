// The edge of drift and import: reads each zone's Cache Rules with apply's API client (token per
// zone from token_env, retries, loopback-only http:). `GET /zones/{id}/rulesets/phases/
// http_request_cache_settings/entrypoint`; a 404 with code 10003 is a zone without Cache Rules
// (docs/cloudflare.md). Nothing here ever sends a purge.
import type { Zone } from '../config/types.js';
import { UserError } from '../errors.js';
import { createClient, DEFAULT_REQUEST_TIMEOUT_MS, parseApiUrl } from '../cloudflare/client.js';
import { DEFAULT_RETRY_POLICY } from '../cloudflare/retry.js';
import { describeFailure, send } from '../cloudflare/send.js';
import type { SendContext } from '../cloudflare/send.js';
import { readZoneTokens, zoneIdOf } from '../cloudflare/zones.js';
import { systemClock } from '../http/policy.js';
import { printable } from '../format.js';
import { readRuleset } from './rules.js';
import type { Ruleset } from './rules.js';

const CACHE_RULES_PHASE = 'http_request_cache_settings';
/** "could not find entrypoint ruleset in the … phase" (docs/cloudflare.md). */
const NO_ENTRYPOINT_CODE = 10003;
const PERMISSION = 'Zone › Cache Rules › Read';

export interface ReadOptions {
  readonly apiUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maxRetries: number;
}

/** Per zone name: its ruleset, or null when the zone has no Cache Rules. */
export async function readRulesets(zones: readonly Zone[], options: ReadOptions): Promise<Map<string, Ruleset | null>> {
  const baseUrl = parseApiUrl(options.apiUrl);
  // Every token is read before the first request, so a missing one sends nothing.
  const tokens = readZoneTokens(zones, options.env, PERMISSION);
  const client = await createClient(baseUrl, { connections: 1, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, secrets: [...new Set(tokens.values())] });
  const context: SendContext = { client, clock: systemClock, random: Math.random, policy: { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries } };
  try {
    const rulesets = new Map<string, Ruleset | null>();
    for (const zone of zones) {
      const token = tokens.get(zone.name)!;
      const zoneId = await zoneIdOf(zone, token, context);
      if (zoneId === 'interrupted') throw new UserError('interrupted');
      const path = `/zones/${encodeURIComponent(zoneId)}/rulesets/phases/${CACHE_RULES_PHASE}/entrypoint`;
      const result = await send('GET', path, token, undefined, context);
      if (result.kind === 'done') {
        // A success without a ruleset is not "no rules": reading it as such would hide every rule.
        const answer = result.result;
        if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || ('rules' in answer && !Array.isArray((answer as { rules: unknown }).rules))) {
          throw new UserError(`could not read the Cache Rules of zone ${zone.name} (${zoneId}): the answer holds no ruleset (its result is ${answer === null || answer === undefined ? 'empty' : 'not a ruleset with a list of rules'})`, {
            hint: '--api-url must point to Cloudflare\'s API (https://api.cloudflare.com/client/v4) or a faithful proxy of it',
          });
        }
        rulesets.set(zone.name, readRuleset(answer));
        continue;
      }
      if (result.kind === 'interrupted') throw new UserError('interrupted');
      // Only Cloudflare's own "no entry-point ruleset" (10003) means no Cache Rules: any other 404
      // (a wrong --api-url, a proxy's page, another error) is an error, never a silent default key.
      if (result.httpStatus === 404 && result.errors.some((e) => e.code === NO_ENTRYPOINT_CODE)) {
        rulesets.set(zone.name, null);
        continue;
      }
      if (result.httpStatus === 401 || result.httpStatus === 403) {
        throw new UserError(`Cloudflare refused to read the Cache Rules of zone ${zone.name} (${zoneId}): ${failure(result)}`, {
          hint: `the token in ${zone.tokenEnv} needs ${PERMISSION} on this zone (the API calls it Cache Settings Read)`,
        });
      }
      throw new UserError(`could not read the Cache Rules of zone ${zone.name} (${zoneId}): ${failure(result)}`, result.httpStatus === 404 ? {
        hint: `only Cloudflare's code ${NO_ENTRYPOINT_CODE} means a zone without Cache Rules; check zones.${zone.name}.id and --api-url`,
      } : {});
    }
    return rulesets;
  } finally {
    await client.close();
  }
}

/** Cloudflare's words for a failure, never able to drive the terminal (docs/purge-yaml.md). */
function failure(result: Parameters<typeof describeFailure>[0]): string {
  return printable(describeFailure(result));
}
