// The zones of purge.yaml (docs/purge-yaml.md, "zones.NAME"): each checked by the rules below, in
// order, then resolved into a Zone with the defaults of its plan.
import { DEFAULT_TOKEN_ENV, PLAN_TIERS, TIER_LIMITS } from '../cloudflare/limits.js';
import type { PlanTier } from '../cloudflare/limits.js';
import type { Action } from '../plan/types.js';
import { zoneBudget } from './budget.js';
import { unknownProfile } from './checker.js';
import type { Checker } from './checker.js';
import type { PathSegment } from './path.js';
import { flag, record, strings, text } from './raw.js';
import type { Raw } from './raw.js';
import { checkZoneProvider, PROVIDER_FIELDS, providerId, providerOf } from './providers.js';
import { cloudflareTokenEnvProblem, isVariableName } from './token-env.js';
import type { CacheKey, Scheme, Zone } from './types.js';

/** `action: purge | invalidate`; anything else was reported by the schema. */
export const actionOf = (value: unknown): Action | undefined => (value === 'purge' || value === 'invalidate' ? value : undefined);

/** One zone entry as the rules see it. */
interface ZoneInput {
  readonly name: string;
  readonly raw: Raw;
  readonly path: readonly PathSegment[];
  readonly profiles: ReadonlyMap<string, CacheKey>;
  /** The first zone of each id and each name (lower-cased), filled as zones are checked. */
  readonly firstById: Map<string, string>;
  readonly firstByName: Map<string, string>;
}

type ZoneRule = (c: Checker, zone: ZoneInput) => void;

export function checkZones(c: Checker, profiles: ReadonlyMap<string, CacheKey>): Zone[] {
  const raws = record(c.loaded.value.zones) ?? {};
  const firstById = new Map<string, string>();
  const firstByName = new Map<string, string>();
  const zones: Zone[] = [];
  for (const name of c.loaded.locate.keys(['zones'])) {
    const raw = record(raws[name]);
    if (!raw) continue;
    const zone: ZoneInput = { name, raw, path: ['zones', name], profiles, firstById, firstByName };
    for (const rule of ZONE_RULES) rule(c, zone);
    zones.push(resolveZone(c, zone));
  }
  return zones;
}

/** The zone that had `key` first (any case), or undefined; the first one is recorded. */
function firstOf(seen: Map<string, string>, key: string | undefined, zone: string): string | undefined {
  if (key === undefined) return undefined;
  const first = seen.get(key.toLowerCase());
  if (first === undefined) seen.set(key.toLowerCase(), zone);
  return first;
}

// Two entries for one Cloudflare zone: one's purges would go to the other's id, and routed items
// would all go to the first (docs/purge-yaml.md, "zones"). Ids are hex, names domains: any case.
const uniqueId: ZoneRule = (c, { name, raw, path, firstById }) => {
  const idText = c.textOf(raw.id, [...path, 'id']);
  const sameId = firstOf(firstById, idText, name);
  if (sameId !== undefined) c.error([...path, 'id'], 'value', `zones.${name}.id: "${idText}" is already the id of zone "${sameId}" (zones.${sameId}.id): both would purge the same Cloudflare zone`, 'copy this zone\'s own id from the Cloudflare dashboard (zone Overview, API section), or merge the two entries');
};

const uniqueName: ZoneRule = (c, { name, raw, path, firstByName }) => {
  const sameName = firstOf(firstByName, text(raw.name), name);
  if (sameName !== undefined) c.error([...path, 'name'], 'value', `zones.${name}.name: "${text(raw.name)}" is already the name of zone "${sameName}" (zones.${sameName}.name, compared in any case): both would be the same Cloudflare zone, and items routed by host would all go to zone "${sameName}"`, 'give each zone its own domain, or merge the two entries');
};

const idOrName: ZoneRule = (c, { name, raw, path }) => {
  if (providerOf(raw) !== 'cloudflare') return; // its own id field is required (providers.ts)
  if (raw.id === undefined && raw.name === undefined) c.error(path, 'value', `zones.${name}: give "id" (the 32-hex zone id) or "name" (looked up at apply)`, 'the zone id is on the zone Overview page of the Cloudflare dashboard');
};

const tokenEnv: ZoneRule = (c, { name, raw, path }) => {
  // A value that is no variable name at all was reported by the schema, without quoting it.
  if (typeof raw.token_env !== 'string' || !isVariableName(raw.token_env) || providerOf(raw) !== 'cloudflare') return;
  const problem = cloudflareTokenEnvProblem(raw.token_env, `zones.${name}.token_env`);
  if (problem) c.report(problem.severity)([...path, 'token_env'], 'value', problem.message, problem.hint);
};

const knownCacheKey: ZoneRule = (c, { raw, path, profiles }) => {
  const cacheKey = text(raw.cache_key);
  if (cacheKey !== undefined && !profiles.has(cacheKey)) unknownProfile(c, [...path, 'cache_key'], cacheKey, profiles);
};

const provider: ZoneRule = (c, { name, raw, path }) => checkZoneProvider(c, name, raw, path);

const ZONE_RULES: readonly ZoneRule[] = [uniqueId, uniqueName, idOrName, tokenEnv, knownCacheKey, provider];

/** The zone with its plan's defaults; request limits above the plan's maximum are errors, and clamped. */
function resolveZone(c: Checker, { name, raw, path }: ZoneInput): Zone {
  const plan: PlanTier = (PLAN_TIERS as readonly string[]).includes(String(raw.plan)) ? (raw.plan as PlanTier) : 'free';
  const limits = TIER_LIMITS[plan];
  const rawLimits = record(raw.limits) ?? {};
  // A limit that is not a whole number (1.5, 1e400) was reported by the schema: the default stands.
  const limitOf = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isInteger(value) ? value : fallback);
  const filesPerRequest = limitOf(rawLimits.files_per_request, limits.filesPerRequest);
  const itemsPerRequest = limitOf(rawLimits.items_per_request, limits.itemsPerRequest);
  // Quoted as typed: 9007199254740993 is not re-printed as the double it reads as.
  const typed = (key: string, value: number) => c.textOf(value, [...path, 'limits', key]) ?? String(value);
  if (filesPerRequest > limits.maxFilesPerRequest) c.error([...path, 'limits', 'files_per_request'], 'value', `zones.${name}.limits.files_per_request: ${typed('files_per_request', filesPerRequest)} is above Cloudflare's maximum of ${limits.maxFilesPerRequest} URLs per request on the ${plan} plan`, `use at most ${limits.maxFilesPerRequest}`);
  if (itemsPerRequest > limits.maxItemsPerRequest) c.error([...path, 'limits', 'items_per_request'], 'value', `zones.${name}.limits.items_per_request: ${typed('items_per_request', itemsPerRequest)} is above Cloudflare's maximum of ${limits.maxItemsPerRequest} hosts, prefixes or tags per request`, `use at most ${limits.maxItemsPerRequest}`);
  const schemes = Array.isArray(raw.schemes) ? (strings(raw.schemes).filter((s) => s === 'http' || s === 'https') as Scheme[]) : null;
  const zone: Zone = {
    name, id: text(raw.id) ?? null, zoneName: text(raw.name)?.toLowerCase() ?? null, accountId: text(raw.account_id) ?? null, plan,
    tokenEnv: text(raw.token_env) ?? DEFAULT_TOKEN_ENV, cacheKey: text(raw.cache_key) ?? null,
    schemes: schemes && schemes.length ? schemes : null, allowPurgeEverything: flag(raw.allow_purge_everything), action: actionOf(raw.action) ?? 'purge',
    filesPerRequest: Math.min(filesPerRequest, limits.maxFilesPerRequest), itemsPerRequest: Math.min(itemsPerRequest, limits.maxItemsPerRequest),
    provider: 'cloudflare', concurrency: 1,
    ...zoneBudget(c, name, raw, path),
  };
  return providerOf(raw) === 'cloudflare' ? zone : providerZone(zone, raw);
}

/**
 * A Fastly or CloudFront zone (docs/providers.md): its id is the service or distribution id, its
 * token variable its provider's, no cache key (variants collapse), and one item a request for the
 * batching (each item keeps its own groups; the provider's body forms chunk them again).
 */
function providerZone(zone: Zone, raw: Raw): Zone {
  const provider = providerOf(raw);
  const fields = PROVIDER_FIELDS[provider];
  const concurrency = record(raw.limits)?.concurrency;
  return {
    ...zone, provider, id: providerId(raw) ?? null, accountId: null, plan: 'free', cacheKey: null,
    tokenEnv: provider === 'cloudfront' ? 'AWS_ACCESS_KEY_ID' : text(raw.token_env) ?? fields.tokenEnv!,
    filesPerRequest: 1, itemsPerRequest: 1,
    concurrency: typeof concurrency === 'number' && Number.isInteger(concurrency) && concurrency >= 1 ? concurrency : fields.concurrency,
  };
}
