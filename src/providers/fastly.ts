// The Fastly provider (docs/providers.md#fastly), after Fastly's purge API
// (https://www.fastly.com/documentation/reference/api/purging/):
//   POST /purge/{host}{path}?{query}        one URL; the URL's query is the request's query, as
//                                           Fastly's Go client sends it (fastly/go-fastly#353)
//   POST /service/{service_id}/purge         {"surrogate_keys": [...]}, up to 256 keys a request
//   POST /service/{service_id}/purge_all     everything; it has no soft form
// Every request carries `Fastly-Key`; `Fastly-Soft-Purge: 1` marks content stale instead (our
// `invalidate`). Fastly publishes no purge rate (URL and key purges are outside its API rate
// limit: https://docs.fastly.com/api/#rate-limiting): at most `limits.concurrency` requests of a
// service in flight, and a 429 waits `Retry-After` seconds, else until `Fastly-RateLimit-Reset`
// (epoch seconds).
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { parseApiBaseUrl, parseWaitUntil } from '../http/policy.js';
import type { Action } from '../vocabulary.js';
import { jsonObject, readSecrets, unionGroups } from './common.js';
import type { RawClient } from '../http/client.js';
import { createRawClient } from '../http/client.js';
import { ConcurrencyLimiter, roundTripSeconds } from './pacing.js';
import { sendWithRetries, transportVerdict } from './retry.js';
import type { BodyForms, ProviderJob, ProviderRequest, ProviderSendContext, ProviderSession, ProviderZone, RawOutcome, Verdict, ZoneItem } from './types.js';

const FASTLY_API_URL = 'https://api.fastly.com';
/** "Up to 256 surrogate keys can be purged in one batch request" (Fastly's API reference). */
export const FASTLY_MAX_KEYS_PER_REQUEST = 256;

/** A Fastly request body, as `plan --json` shows it (`url` is the URL as planned, scheme included). */
export type FastlyBody = { readonly url: string } | { readonly surrogate_keys: readonly string[] } | { readonly purge_all: true };

/**
 * A Fastly zone's items as requests, for one action: purge_all first (it covers every other item
 * of the action), then surrogate keys (as written: Fastly's keys are case-sensitive) in batches of
 * at most `keysPerRequest`, then one request per URL. URLs that differ only by scheme are one
 * cached object to Fastly (the URL purge names host and path) and one request. Hosts, prefixes
 * and invalidating everything are refused when purge.yaml is checked; here they are a bug.
 */
export function fastlyBodies(items: readonly ZoneItem[], action: Action, groupOrder: readonly string[], keysPerRequest = FASTLY_MAX_KEYS_PER_REQUEST): BodyForms<FastlyBody> {
  const unsupported = items.find((item) => item.kind === 'host' || item.kind === 'prefix' || (item.kind === 'everything' && action === 'invalidate'));
  if (unsupported !== undefined) throw new Error(`a Fastly zone cannot ${action} ${unsupported.kind === 'everything' ? 'everything' : `${unsupported.kind}s`} (purge.yaml's check refuses it)`);
  const everything = items.filter((item) => item.kind === 'everything');
  if (everything.length > 0) {
    const groups = unionGroups(items.map((item) => item.groups), groupOrder);
    const covered = items.length - everything.length;
    return { requests: [{ kind: 'purge_everything', size: 1, groups, body: { purge_all: true } }], coverage: covered > 0 ? [{ kind: 'everything', value: '', covered }] : [], duplicates: everything.length - 1 };
  }
  const requests: ProviderRequest<FastlyBody>[] = [];
  const tags = items.filter((item) => item.kind === 'tag');
  for (let i = 0; i < tags.length; i += keysPerRequest) {
    const chunk = tags.slice(i, i + keysPerRequest);
    requests.push({ kind: 'tags', size: chunk.length, groups: unionGroups(chunk.map((t) => t.groups), groupOrder), body: { surrogate_keys: chunk.map((t) => t.value) } });
  }
  const byObject = new Map<string, { url: string; groups: (readonly string[])[] }>();
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const key = cachedUrl(item.value);
    const seen = byObject.get(key);
    if (seen === undefined) byObject.set(key, { url: item.value, groups: [item.groups] });
    else seen.groups.push(item.groups);
  }
  let duplicates = 0;
  for (const { url, groups } of byObject.values()) {
    duplicates += groups.length - 1;
    requests.push({ kind: 'files', size: 1, groups: unionGroups(groups, groupOrder), body: { url } });
  }
  return { requests, coverage: [], duplicates };
}

/** What Fastly's URL purge names: `host/path?query`, without the scheme. */
function cachedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}${parsed.search}`;
}

/** The estimated seconds of a Fastly zone's requests: nominal round trips, `concurrency` at a time. */
export function fastlyEstimateSeconds(requests: number, concurrency: number): number {
  return roundTripSeconds(requests, concurrency);
}

/** The HTTP request a body becomes (the service id and token are the zone's). */
export function fastlyRequest(serviceId: string, body: FastlyBody, action: Action, token: string): { target: string; headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { 'fastly-key': token, accept: 'application/json' };
  if ('purge_all' in body) {
    if (action === 'invalidate') throw new Error('purge_all has no soft form (purge.yaml\'s check refuses invalidating everything on Fastly)');
    return { target: `/service/${encodeURIComponent(serviceId)}/purge_all`, headers };
  }
  if (action === 'invalidate') headers['fastly-soft-purge'] = '1';
  if ('surrogate_keys' in body) {
    headers['content-type'] = 'application/json';
    return { target: `/service/${encodeURIComponent(serviceId)}/purge`, headers, body: JSON.stringify({ surrogate_keys: body.surrogate_keys }) };
  }
  return { target: `/purge/${cachedUrl(body.url)}`, headers };
}

/** Fastly's error answer: `{"msg": …, "detail": …}` (its API reference's error model). */
function fastlyErrors(status: number, text: string): { message: string; errors: { code: number; message: string }[] } {
  const answer = jsonObject(text);
  const msg = typeof answer?.msg === 'string' ? answer.msg : '';
  const detail = typeof answer?.detail === 'string' ? answer.detail : '';
  const said = printable([msg, detail].filter((part) => part !== '').join(': '));
  return { message: `Fastly answered HTTP ${status}`, errors: said === '' ? [] : [{ code: status, message: said }] };
}

/** The id Fastly gives a purge: `id` of a URL or purge_all answer, the first key's id of a batch. */
function purgeId(answer: Record<string, unknown>): string {
  if (typeof answer.id === 'string') return printable(answer.id);
  const first = Object.entries(answer).find(([name, value]) => name !== 'status' && typeof value === 'string');
  return first === undefined ? '' : printable(first[1] as string);
}

/** What a Fastly answer means: one line per case of docs/providers.md#fastly. */
export function classifyFastly(outcome: RawOutcome, now: number): Verdict {
  if (outcome.kind === 'transport') return transportVerdict(outcome);
  const { status, headers, text } = outcome;
  if (status >= 200 && status < 300) {
    const answer = jsonObject(text);
    if (answer === null) return { kind: 'fatal', message: `HTTP ${status} without a Fastly answer`, httpStatus: status, errors: [] };
    if (typeof answer.status === 'string' && answer.status !== 'ok') return { kind: 'fatal', message: `Fastly answered status "${printable(answer.status)}"`, httpStatus: status, errors: [] };
    return { kind: 'done', id: purgeId(answer) };
  }
  if (status === 429) {
    // Retry-After (seconds, or an HTTP date) wins; else Fastly-RateLimit-Reset, epoch seconds.
    const reset = headers['fastly-ratelimit-reset']?.trim();
    const resetAt = reset !== undefined && /^\d+$/.test(reset) ? Number(reset) * 1000 : null;
    return { kind: 'rate_limited', message: 'rate-limited (429)', until: parseWaitUntil(headers['retry-after'], now) ?? resetAt };
  }
  if (status >= 500) return { kind: 'transient', message: `HTTP ${status}`, httpStatus: status };
  const { message, errors } = fastlyErrors(status, text);
  return { kind: 'fatal', message, httpStatus: status, errors };
}

/** The Fastly API URL: `--fastly-api-url`, else PURGEPLAN_FASTLY_API_URL, else Fastly's. Plain http: only on loopback. */
export function fastlyApiUrl(flag: string | undefined, env: NodeJS.ProcessEnv): URL {
  const value = flag ?? (env.PURGEPLAN_FASTLY_API_URL || undefined) ?? FASTLY_API_URL;
  return parseApiBaseUrl(value, {
    name: flag !== undefined ? 'Fastly API URL' : env.PURGEPLAN_FASTLY_API_URL ? 'PURGEPLAN_FASTLY_API_URL' : 'Fastly API URL',
    notAbsoluteHint: `use e.g. ${FASTLY_API_URL}`,
    credentialsHint: 'the token is read from the zone\'s token_env variable (default FASTLY_API_TOKEN)',
  });
}

/** A Fastly zone's token source: its local name and the variable (`token_env`, default FASTLY_API_TOKEN). */
export interface FastlyZoneSource {
  readonly name: string;
  readonly tokenEnv: string;
}

/** The token of every Fastly zone, by zone name, read before anything is sent; errors name the variables. */
export function readFastlyTokens(zones: readonly FastlyZoneSource[], env: NodeJS.ProcessEnv): Map<string, string> {
  return readSecrets(zones.map((zone) => ({ name: zone.name, variable: zone.tokenEnv })), env, 'Fastly API token',
    (variable) => `export ${variable}=… with a Fastly API token that has the purge_select scope (purge_all to purge everything)`);
}

export interface FastlySessionOptions {
  readonly apiUrl: URL;
  /** Tokens by zone name (readFastlyTokens). */
  readonly tokens: ReadonlyMap<string, string>;
  readonly connections: number;
  readonly requestTimeoutMs: number;
  /** For tests: the client to send with (default: one undici pool to `apiUrl`). */
  readonly client?: RawClient;
}

/** Fastly's apply side for one run: one client, a concurrency limiter per service. */
export async function openFastlySession(options: FastlySessionOptions): Promise<ProviderSession<FastlyBody>> {
  const client = options.client ?? (await createRawClient(options.apiUrl, { connections: options.connections, requestTimeoutMs: options.requestTimeoutMs, secrets: [...options.tokens.values()] }));
  const limiters = new Map<string, ConcurrencyLimiter>();
  const limiterOf = (zone: ProviderZone): ConcurrencyLimiter => {
    let limiter = limiters.get(zone.name);
    if (limiter === undefined) limiters.set(zone.name, (limiter = new ConcurrencyLimiter(zone.concurrency)));
    return limiter;
  };
  return {
    limiter: (zone) => limiterOf(zone),
    send: (zone, job, context) => sendFastly(client, limiterOf(zone), zone, job, options.tokens, context),
    close: () => client.close(),
  };
}

/**
 * One Fastly request with its retries. The caller took the zone's slot for the first attempt (and
 * takes it again in `beforeRetry`); each attempt gives it back when it ends, answered or not.
 */
async function sendFastly(client: RawClient, limiter: ConcurrencyLimiter, zone: ProviderZone, job: ProviderJob<FastlyBody>, tokens: ReadonlyMap<string, string>, context: ProviderSendContext) {
  const token = tokens.get(zone.name);
  if (token === undefined) throw new UserError(`no Fastly API token was read for zone ${zone.name}`);
  const request = fastlyRequest(zone.id, job.body, job.action, token);
  let held = true;
  const release = (): void => {
    if (held) limiter.release();
    held = false;
  };
  const retrying: ProviderSendContext = {
    ...context,
    beforeRetry: async () => {
      const ok = context.beforeRetry === undefined ? true : await context.beforeRetry();
      if (ok && context.beforeRetry !== undefined) held = true;
      return ok;
    },
  };
  try {
    return await sendWithRetries(
      (signal) => client.request({ method: 'POST', target: request.target, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }), ...(signal === undefined ? {} : { signal }) }),
      classifyFastly,
      retrying,
      { afterAttempt: release },
    );
  } finally {
    release();
  }
}
