// The edge of `coverage --graphql` (docs/coverage.md#without-logpush-graphql-analytics): reads each
// zone's traffic from Cloudflare's GraphQL Analytics API with apply's client (the zone's token from
// its token_env, `--api-url`, loopback-only http:, the same retry table). Zones sharing a token
// are asked together, at most 10 a query. First the settings node of every zone (its window,
// retention, page size and fields), then, per window no longer than maxDuration, pages of rows
// for each zone until a page comes back short. Rows go to `onRows` as they arrive: memory holds a
// page, not the traffic.
import type { Zone } from '../config/types.js';
import { UserError } from '../errors.js';
import { createClient, DEFAULT_REQUEST_TIMEOUT_MS, parseApiUrl } from '../cloudflare/client.js';
import type { ApiClient, ApiError } from '../cloudflare/client.js';
import { decide, DEFAULT_RETRY_POLICY, INITIAL_RETRY_STATE } from '../cloudflare/retry.js';
import type { RetryPolicy, RetryState } from '../cloudflare/retry.js';
import type { SendContext } from '../cloudflare/send.js';
import { readZoneTokens, zoneIdOf } from '../cloudflare/zones.js';
import { systemClock } from '../http/policy.js';
import type { Clock } from '../http/policy.js';
import { failureKind, readPage, readSettings } from './answer.js';
import type { DatasetSettings, GroupRow } from './answer.js';
import { aliasOf, DATASET, DIMENSIONS, pageFilter, pageRequest, SCHEME_DIMENSION, settingsRequest, ZONES_PER_QUERY } from './query.js';
import type { GraphqlRequest } from './query.js';
import { durationText, splitWindow, timeText } from './window.js';
import type { TimeWindow } from './window.js';

/** The permission every message about a refused token names. */
const ANALYTICS_PERMISSION = 'Analytics Read (Zone › Analytics › Read)';
/** A window at the edge of retention starts this much later: Cloudflare measures it when the query runs. */
const RETENTION_MARGIN_MS = 60_000;
/** Analytics queries over many rows take longer than a purge. */
const GRAPHQL_TIMEOUT_MS = Math.max(DEFAULT_REQUEST_TIMEOUT_MS, 60_000);

export interface GraphqlReadOptions {
  readonly apiUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maxRetries: number;
  readonly window: TimeWindow;
  /** How the window was asked for (`--since 24h`), for messages. */
  readonly windowFlags: string;
  /** When it was asked for: the window's age is measured from then (the time spent since is not held against it). */
  readonly askedAt: number;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly requestTimeoutMs?: number;
}

export interface ZoneRead {
  readonly zone: string;
  readonly id: string;
  rows: number;
  requests: number;
}

export interface GraphqlRead {
  /** The window read (its start later than asked only at the edge of retention). */
  readonly window: TimeWindow;
  /** Whether rows carried the scheme (every zone's dataset offered it). */
  readonly schemeObserved: boolean;
  readonly zones: readonly ZoneRead[];
  readonly queries: number;
}

/** A zone ready to query: its id, token and settings. */
interface ZoneAccess {
  readonly zone: Zone;
  readonly id: string;
  readonly token: string;
  readonly tokenEnv: string;
  readonly settings: DatasetSettings;
  readonly read: ZoneRead;
}

interface Run {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly random: () => number;
  readonly policy: RetryPolicy;
  queries: number;
}

export async function readGraphql(zones: readonly Zone[], options: GraphqlReadOptions, onRows: (rows: readonly GroupRow[], dimensions: readonly string[]) => void): Promise<GraphqlRead> {
  const baseUrl = parseApiUrl(options.apiUrl);
  // Every token is read before the first request, so a missing one sends nothing.
  const tokens = readZoneTokens(zones, options.env, ANALYTICS_PERMISSION);
  const clock = options.clock ?? systemClock;
  const client = await createClient(baseUrl, { connections: 1, requestTimeoutMs: options.requestTimeoutMs ?? GRAPHQL_TIMEOUT_MS, secrets: [...new Set(tokens.values())] });
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries };
  const run: Run = { client, clock, random: options.random ?? Math.random, policy, queries: 0 };
  try {
    const context: SendContext = { client, clock, random: run.random, policy };
    const ids = new Map<Zone, string>();
    for (const zone of zones) {
      const id = await zoneIdOf(zone, tokens.get(zone.name)!, context);
      if (id === 'interrupted') throw new UserError('interrupted');
      ids.set(zone, id);
    }
    const batches = batchesOf(zones, tokens);
    const accessed: ZoneAccess[][] = [];
    for (const batch of batches) accessed.push(await readBatchSettings(run, batch.map((zone) => ({ zone, id: ids.get(zone)!, token: tokens.get(zone.name)! }))));
    const all = accessed.flat();
    const window = readableWindow(options, all, clock.now());
    let schemeObserved = true;
    for (const batch of accessed) {
      const dimensions = dimensionsFor(batch);
      schemeObserved &&= dimensions.includes(SCHEME_DIMENSION);
      await readBatchRows(run, batch, window, dimensions, onRows);
    }
    return { window, schemeObserved, zones: all.map((a) => a.read), queries: run.queries };
  } finally {
    await client.close();
  }
}

/** Zones sharing a token, in file order, at most 10 a batch: a query carries one token. */
function batchesOf(zones: readonly Zone[], tokens: ReadonlyMap<string, string>): Zone[][] {
  const byToken = new Map<string, Zone[]>();
  for (const zone of zones) {
    const token = tokens.get(zone.name)!;
    byToken.set(token, [...(byToken.get(token) ?? []), zone]);
  }
  const batches: Zone[][] = [];
  for (const group of byToken.values()) for (let i = 0; i < group.length; i += ZONES_PER_QUERY) batches.push(group.slice(i, i + ZONES_PER_QUERY));
  return batches;
}

const zoneText = (zone: Zone, id: string) => `zone ${zone.name} (${id})`;

async function readBatchSettings(run: Run, batch: readonly { zone: Zone; id: string; token: string }[]): Promise<ZoneAccess[]> {
  const tags = [...new Set(batch.map((b) => b.id))];
  const data = await post(run, batch[0]!.token, settingsRequest(tags), batch.map((b) => b.zone), () => undefined);
  const settings = readSettings(data, tags);
  return batch.map(({ zone, id, token }) => {
    const found = settings.get(id)!;
    if ('problem' in found) {
      throw new UserError(`could not read the ${DATASET} settings of ${zoneText(zone, id)}: ${found.problem}`, {
        hint: `the token in ${zone.tokenEnv} needs ${ANALYTICS_PERMISSION} on this zone; check zones.${zone.name}.id and --api-url`,
      });
    }
    return { zone, id, token, tokenEnv: zone.tokenEnv, settings: found, read: { zone: zone.name, id, rows: 0, requests: 0 } };
  });
}

/**
 * The window to read: refused when it starts before what some zone keeps (notOlderThan), before
 * any row is asked for. A window that starts within a minute of that edge starts a minute later:
 * Cloudflare measures the age when the query runs, which is after now.
 */
function readableWindow(options: GraphqlReadOptions, zones: readonly ZoneAccess[], now: number): TimeWindow {
  const { window } = options;
  let oldest = -Infinity;
  for (const { zone, id, settings } of zones) {
    const edge = Math.floor(options.askedAt / 1000) * 1000 - settings.notOlderThan * 1000;
    if (window.from < edge) {
      throw new UserError(`the window (${options.windowFlags}: from ${timeText(window.from)}) reaches further back than Cloudflare keeps ${DATASET} for ${zoneText(zone, id)}: notOlderThan is ${settings.notOlderThan} s (${durationText(settings.notOlderThan)}), so nothing before ${timeText(edge)} can be read`, {
        hint: `use --since ${durationText(settings.notOlderThan)} or less, or a later --from (nothing was queried)`,
      });
    }
    oldest = Math.max(oldest, now - settings.notOlderThan * 1000 + RETENTION_MARGIN_MS);
  }
  const from = Math.min(window.to - 1000, Math.max(window.from, Math.ceil(oldest / 1000) * 1000));
  return { from: Math.max(window.from, from), to: window.to };
}

/** The dimensions to group by: the scheme too when every zone of the batch offers it, within the field limit. */
function dimensionsFor(batch: readonly ZoneAccess[]): string[] {
  for (const { zone, id, settings } of batch) {
    const missing = settings.availableFields === null ? [] : DIMENSIONS.filter((d) => !settings.availableFields!.has(d));
    if (missing.length) {
      throw new UserError(`${DATASET} does not offer ${missing.join(', ')} for ${zoneText(zone, id)} (its settings' availableFields)`, {
        hint: 'coverage needs the host, path, query, device type, country and cache status of each request',
      });
    }
  }
  const withScheme = batch.every((a) => a.settings.availableFields?.has(SCHEME_DIMENSION) === true);
  const fits = (count: number) => batch.every((a) => a.settings.maxNumberOfFields === null || count <= a.settings.maxNumberOfFields);
  // `count` is a field too.
  if (withScheme && fits(DIMENSIONS.length + 2)) return [...DIMENSIONS, SCHEME_DIMENSION];
  if (!fits(DIMENSIONS.length + 1)) {
    const tight = batch.find((a) => a.settings.maxNumberOfFields !== null && a.settings.maxNumberOfFields < DIMENSIONS.length + 1)!;
    throw new UserError(`${DATASET} allows ${tight.settings.maxNumberOfFields} fields a query for ${zoneText(tight.zone, tight.id)}; coverage needs ${DIMENSIONS.length + 1}`);
  }
  return [...DIMENSIONS];
}

async function readBatchRows(run: Run, batch: readonly ZoneAccess[], window: TimeWindow, dimensions: readonly string[], onRows: (rows: readonly GroupRow[], dimensions: readonly string[]) => void): Promise<void> {
  const maxDuration = Math.min(...batch.map((a) => a.settings.maxDuration));
  const limit = Math.min(...batch.map((a) => a.settings.maxPageSize));
  for (const part of splitWindow(window, maxDuration)) {
    let pending: { access: ZoneAccess; cursor: readonly string[] | null }[] = batch.map((access) => ({ access, cursor: null }));
    while (pending.length) {
      const request = pageRequest(pending.map((p) => ({ zoneTag: p.access.id, filter: pageFilter(part, dimensions, p.cursor) })), dimensions, limit);
      const zoneOfAlias = (alias: string) => pending[Number(alias.slice(1))]?.access.zone;
      const data = await post(run, batch[0]!.token, request, pending.map((p) => p.access.zone), zoneOfAlias);
      const next: typeof pending = [];
      pending.forEach((p, i) => {
        const { zone, id, read } = p.access;
        const rows = readPage(data, aliasOf(i), id, dimensions);
        if ('problem' in rows) throw new UserError(`could not read the ${DATASET} rows of ${zoneText(zone, id)}: ${rows.problem}`, { hint: '--api-url must point to Cloudflare\'s API (https://api.cloudflare.com/client/v4) or a faithful proxy of it' });
        read.rows += rows.length;
        for (const row of rows) if (typeof row.count === 'number' && row.count > 0) read.requests += row.count;
        onRows(rows, dimensions);
        if (rows.length < limit) return;
        // A dimension answered as null is the empty string the filter compares.
        const cursor = rows[rows.length - 1]!.values.map((v) => v ?? '');
        if (p.cursor !== null && cursor.every((v, j) => v === p.cursor![j])) {
          throw new UserError(`could not page through the ${DATASET} rows of ${zoneText(zone, id)}: a full page ends on the row the page before ended on`, { hint: '--api-url must point to Cloudflare\'s API or a faithful proxy of it' });
        }
        next.push({ access: p.access, cursor });
      });
      pending = next;
    }
  }
}

/**
 * One GraphQL query, with apply's retries for 429, 5xx and connection errors. Any `errors` entry
 * is a failure, whatever the HTTP status (Cloudflare answers many with 200).
 */
async function post(run: Run, token: string, request: GraphqlRequest, zones: readonly Zone[], zoneOfAlias: (alias: string) => Zone | undefined): Promise<unknown> {
  let state: RetryState = INITIAL_RETRY_STATE;
  for (;;) {
    run.queries++;
    const outcome = await run.client.request('POST', '/graphql', token, request);
    if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
      const envelope = outcome.envelope;
      if (envelope === null) throw failure(zones, zoneOfAlias, outcome.status, [], `HTTP ${outcome.status} without a GraphQL answer`);
      if (envelope.errors.length) throw failure(zones, zoneOfAlias, outcome.status, envelope.errors, '');
      if (envelope.data === undefined || envelope.data === null) throw failure(zones, zoneOfAlias, outcome.status, [], 'an answer without data');
      return envelope.data;
    }
    const decision = decide(outcome, state, run.policy, run.clock.now(), run.random);
    if (decision.action === 'retry') {
      await run.clock.sleep(decision.delayMs);
      state = decision.next;
      continue;
    }
    throw failure(zones, zoneOfAlias, decision.action === 'fail' ? decision.httpStatus : undefined, decision.action === 'fail' ? decision.errors : [], decision.action === 'fail' ? decision.message : 'no answer');
  }
}

/** A failed query in words: which zones, Cloudflare's messages (already printable), and what to do. */
function failure(zones: readonly Zone[], zoneOfAlias: (alias: string) => Zone | undefined, status: number | undefined, errors: readonly ApiError[], fallback: string): UserError {
  const named = new Set<Zone>();
  const messages = errors.map((e) => {
    const zone = e.path?.[1] === undefined ? undefined : zoneOfAlias(e.path[1]);
    if (zone) named.add(zone);
    return zone ? `${e.message} (zone ${zone.name})` : e.message;
  });
  const concerned = named.size ? [...named] : [...zones];
  const which = `zone${concerned.length === 1 ? '' : 's'} ${concerned.map((z) => z.name).join(', ')}`;
  const said = messages.length ? messages.join('; ') : fallback;
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  switch (failureKind(status, messages)) {
    case 'permission':
      return new UserError(`Cloudflare refused to read GraphQL Analytics for ${which}: ${said}${http}`, {
        hint: `the token in ${[...new Set(concerned.map((z) => z.tokenEnv))].join(', ')} needs ${ANALYTICS_PERMISSION} on ${which}`,
      });
    case 'retention':
      return new UserError(`Cloudflare's GraphQL API refused the window for ${which}: ${said}${http}`, { hint: 'use a shorter --since or a later --from' });
    case 'limits':
      return new UserError(`Cloudflare's GraphQL API refused a query for ${which}: ${said}${http}`, { hint: 'the query keeps within the limits the settings node reported; if they changed meanwhile, run coverage again' });
    case 'other':
      return new UserError(`Cloudflare's GraphQL API failed for ${which}: ${said}${http}`, status === undefined || status < 500 ? { hint: 'check --api-url and the zones\' ids' } : {});
  }
}
