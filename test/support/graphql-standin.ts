/**
 * A loopback stand-in for Cloudflare's GraphQL Analytics API (POST {base}/graphql), for the tests
 * of `coverage --graphql`. It parses the GraphQL document it receives (operation, variables,
 * aliases, arguments, nested selections) and checks it as Cloudflare would, more strictly where
 * purgeplan promises more:
 *   - at most 10 zones a query, every zone the token may read (else 403 "not authorized");
 *   - the `settings` node: enabled, availableFields, maxDuration, maxNumberOfFields, maxPageSize,
 *     notOlderThan, as configured per zone;
 *   - `httpRequestsAdaptiveGroups(limit, filter, orderBy)`: limit within maxPageSize, a datetime
 *     window within maxDuration and not older than notOlderThan, `requestSource: "eyeball"`,
 *     only available dimensions, at most maxNumberOfFields fields, orderBy over the dimensions;
 *   - filters with `field`, `field_gt|lt|geq|leq|neq|in|like`, `AND`, `OR` evaluated on its events,
 *     which it groups by the dimensions asked for (summing `count`), sorts and cuts to `limit`.
 * It also answers `GET {base}/zones?name=` for zones purge.yaml names without an id. Errors come
 * back as Cloudflare shapes them: `{data: null, errors: [{message, path, extensions}]}`, with the
 * documented HTTP statuses (https://developers.cloudflare.com/analytics/graphql-api/errors/), or
 * as a fault a test injects (HTTP 200 with errors, 403, 429, 5xx). Only Node built-ins are used.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ALL_FIELDS = [
  'clientRequestHTTPHost', 'clientRequestPath', 'clientRequestQuery', 'clientRequestScheme', 'clientDeviceType',
  'clientCountryName', 'cacheStatus', 'requestSource', 'datetime', 'edgeResponseStatus', 'userAgent',
];

export interface ZoneSettings {
  enabled: boolean;
  maxDuration: number;
  maxPageSize: number;
  notOlderThan: number;
  maxNumberOfFields: number;
  /** As the settings node lists them: nested fields as `dimensions_NAME`. */
  availableFields: string[];
}

export const DEFAULT_SETTINGS: ZoneSettings = {
  enabled: true, maxDuration: 259_200, maxPageSize: 10_000, notOlderThan: 2_678_400, maxNumberOfFields: 30,
  availableFields: ['count', ...ALL_FIELDS.map((f) => `dimensions_${f}`)],
};

/** A request seen at the edge; `count` identical requests (default 1). */
export interface GraphqlEvent {
  zone: string;
  /** ms since the epoch. */
  at: number;
  host: string;
  path: string;
  query?: string;
  scheme?: string;
  device?: string;
  country?: string;
  cacheStatus?: string;
  /** requestSource: `eyeball` unless said otherwise. */
  source?: string;
  count?: number;
}

export interface GraphqlStandinZone {
  id: string;
  name?: string;
  settings?: Partial<ZoneSettings>;
}

export interface GraphqlFault {
  status: number;
  errors?: { message: string; path?: string[] }[];
  /** Raw body instead of a GraphQL answer. */
  body?: string;
  retryAfterSeconds?: number;
  /** With status 2xx: data to answer beside the errors (Cloudflare often sends both). */
  data?: unknown;
}

export interface GraphqlStandinOptions {
  zones: GraphqlStandinZone[];
  events?: GraphqlEvent[];
  /** Tokens and the zone ids each may read; default: 'test-token' reads every zone. */
  readers?: Record<string, string[]>;
  /** How a zone the token may not read is refused: 403 (default), or 200 with an errors entry. */
  refuseWith?: 403 | 200;
  now?: () => number;
  /** Consulted before each GraphQL query is handled. */
  fault?: (query: ReceivedQuery) => GraphqlFault | undefined;
}

/** One dataset node of a received query, as parsed. */
export interface ReceivedDataset {
  alias: string;
  zoneTag: string;
  limit: unknown;
  filter: Record<string, unknown>;
  orderBy: unknown;
  dimensions: string[];
  fields: number;
}

export interface ReceivedQuery {
  seq: number;
  kind: 'settings' | 'groups' | 'other';
  authorization: string | undefined;
  query: string;
  variables: Record<string, unknown>;
  zoneTags: string[];
  datasets: ReceivedDataset[];
  status: number;
}

export interface GraphqlStandin {
  url: string;
  queries: ReceivedQuery[];
  lookups: string[];
  close(): Promise<void>;
}

// ---- a small GraphQL reader -------------------------------------------------------------------

type Token = { kind: 'punct' | 'name' | 'string' | 'number' | 'var'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/[\s,]/.test(ch)) i++;
    else if (ch === '#') while (i < source.length && source[i] !== '\n') i++;
    else if ('{}()[]:!=@'.includes(ch)) tokens.push({ kind: 'punct', text: source[i++]! });
    else if (ch === '$') {
      const m = /^\$([_A-Za-z][_0-9A-Za-z]*)/.exec(source.slice(i));
      if (!m) throw new SyntaxError(`bad variable at ${i}`);
      tokens.push({ kind: 'var', text: m[1]! });
      i += m[0].length;
    } else if (ch === '"') {
      let j = i + 1;
      let text = '';
      while (source[j] !== '"') {
        if (j >= source.length || source[j] === '\n') throw new SyntaxError('unterminated string');
        if (source[j] === '\\') {
          const next = source[j + 1]!;
          if (next === 'u') { text += String.fromCharCode(parseInt(source.slice(j + 2, j + 6), 16)); j += 6; continue; }
          text += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
          j += 2;
        } else text += source[j++];
      }
      tokens.push({ kind: 'string', text });
      i = j + 1;
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?)|^([_A-Za-z][_0-9A-Za-z]*)/.exec(source.slice(i));
      if (!m) throw new SyntaxError(`unexpected ${JSON.stringify(ch)} at ${i}`);
      tokens.push({ kind: m[1] ? 'number' : 'name', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

interface Field {
  alias: string;
  name: string;
  args: Record<string, unknown>;
  selections: Field[];
}

const VARIABLE = Symbol('variable');
type VariableRef = { [VARIABLE]: string };

class Reader {
  private at = 0;
  readonly declared = new Map<string, string>();
  constructor(private readonly tokens: Token[]) {}
  private peek(): Token | undefined { return this.tokens[this.at]; }
  private take(text?: string): Token {
    const token = this.tokens[this.at++];
    if (!token || (text !== undefined && token.text !== text)) throw new SyntaxError(`expected ${text ?? 'a token'}, got ${token?.text ?? 'the end'}`);
    return token;
  }
  document(): Field[] {
    if (this.peek()?.text === 'query') {
      this.take();
      if (this.peek()?.kind === 'name') this.take();
      if (this.peek()?.text === '(') {
        this.take('(');
        while (this.peek()?.text !== ')') {
          const name = this.take();
          if (name.kind !== 'var') throw new SyntaxError('expected a variable');
          this.take(':');
          this.declared.set(name.text, this.type());
        }
        this.take(')');
      }
    }
    const fields = this.selectionSet();
    if (this.at !== this.tokens.length) throw new SyntaxError('text after the operation');
    return fields;
  }
  private type(): string {
    let text = '';
    if (this.peek()?.text === '[') { this.take(); text = `[${this.type()}]`; this.take(']'); } else text = this.take().text;
    if (this.peek()?.text === '!') { this.take(); text += '!'; }
    return text;
  }
  private selectionSet(): Field[] {
    this.take('{');
    const fields: Field[] = [];
    while (this.peek()?.text !== '}') {
      let name = this.take().text;
      let alias = name;
      if (this.peek()?.text === ':') { this.take(); name = this.take().text; }
      const args: Record<string, unknown> = {};
      if (this.peek()?.text === '(') {
        this.take();
        while (this.peek()?.text !== ')') { const key = this.take().text; this.take(':'); args[key] = this.value(); }
        this.take(')');
      }
      fields.push({ alias, name, args, selections: this.peek()?.text === '{' ? this.selectionSet() : [] });
    }
    this.take('}');
    return fields;
  }
  private value(): unknown {
    const token = this.take();
    if (token.kind === 'var') return { [VARIABLE]: token.text } as VariableRef;
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.text === '[') { const list: unknown[] = []; while (this.peek()?.text !== ']') list.push(this.value()); this.take(']'); return list; }
    if (token.text === '{') {
      const object: Record<string, unknown> = {};
      while (this.peek()?.text !== '}') { const key = this.take().text; this.take(':'); object[key] = this.value(); }
      this.take('}');
      return object;
    }
    if (token.text === 'true' || token.text === 'false') return token.text === 'true';
    if (token.text === 'null') return null;
    return token.text; // an enum value
  }
}

/** The value with its variables replaced; an undeclared or missing variable is an error. */
function resolve(value: unknown, variables: Record<string, unknown>, declared: Map<string, string>): unknown {
  if (typeof value === 'object' && value !== null && VARIABLE in value) {
    const name = (value as VariableRef)[VARIABLE];
    if (!declared.has(name)) throw new GraphqlError(`variable $${name} is not declared`, 400);
    if (!(name in variables)) throw new GraphqlError(`variable $${name} has no value`, 400);
    return variables[name];
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, variables, declared));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, variables, declared)]));
  return value;
}

class GraphqlError extends Error {
  constructor(message: string, readonly status: number, readonly path?: string[]) { super(message); }
}

// ---- the dataset ----------------------------------------------------------------------------

const DIMENSION_OF: Record<string, (e: GraphqlEvent) => string> = {
  clientRequestHTTPHost: (e) => e.host,
  clientRequestPath: (e) => e.path,
  clientRequestQuery: (e) => e.query ?? '',
  clientRequestScheme: (e) => e.scheme ?? 'https',
  clientDeviceType: (e) => e.device ?? 'desktop',
  clientCountryName: (e) => e.country ?? 'US',
  cacheStatus: (e) => e.cacheStatus ?? 'hit',
  requestSource: (e) => e.source ?? 'eyeball',
};

/** Byte order of UTF-8, as the API's storage compares strings. */
const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function fieldValue(event: GraphqlEvent, field: string): string | number {
  if (field === 'datetime') return event.at;
  const read = DIMENSION_OF[field];
  if (!read) throw new GraphqlError(`unknown field "${field}" in filter`, 400);
  return read(event);
}

function compareValues(field: string, left: string | number, right: unknown): number {
  if (field === 'datetime') {
    const time = typeof right === 'string' ? Date.parse(right) : NaN;
    if (Number.isNaN(time)) throw new GraphqlError(`error parsing args: ${JSON.stringify(right)} is not a Time`, 400);
    return (left as number) - time;
  }
  if (typeof right !== 'string') throw new GraphqlError(`error parsing args: ${field} takes a string`, 400);
  return compareBytes(left as string, right);
}

function matches(event: GraphqlEvent, filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new GraphqlError('error parsing args: a filter is an object', 400);
  return Object.entries(filter).every(([key, value]) => {
    if (key === 'AND' || key === 'OR') {
      if (!Array.isArray(value)) throw new GraphqlError(`error parsing args: ${key} takes a list`, 400);
      return key === 'AND' ? value.every((f) => matches(event, f)) : value.some((f) => matches(event, f));
    }
    const m = /^(.*?)(?:_(gt|lt|geq|leq|neq|in|like))?$/.exec(key)!;
    const field = m[1]!;
    const left = fieldValue(event, field);
    switch (m[2]) {
      case undefined: return compareValues(field, left, value) === 0;
      case 'gt': return compareValues(field, left, value) > 0;
      case 'lt': return compareValues(field, left, value) < 0;
      case 'geq': return compareValues(field, left, value) >= 0;
      case 'leq': return compareValues(field, left, value) <= 0;
      case 'neq': return compareValues(field, left, value) !== 0;
      case 'in': return Array.isArray(value) && value.some((v) => compareValues(field, left, v) === 0);
      default: return new RegExp(`^${String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*')}$`).test(String(left));
    }
  });
}

/** The datetime window a filter names at its top level, [from, to) in ms. */
function windowOf(filter: Record<string, unknown>): { from: number; to: number } {
  const time = (key: string) => (typeof filter[key] === 'string' ? Date.parse(filter[key] as string) : NaN);
  const from = Number.isNaN(time('datetime_geq')) ? time('datetime_gt') : time('datetime_geq');
  const to = Number.isNaN(time('datetime_lt')) ? time('datetime_leq') : time('datetime_lt');
  if (Number.isNaN(from) || Number.isNaN(to)) throw new GraphqlError('stand-in: the filter must bound datetime on both sides', 400);
  return { from, to };
}

// ---- the server -----------------------------------------------------------------------------

export async function startGraphqlStandin(options: GraphqlStandinOptions): Promise<GraphqlStandin> {
  const queries: ReceivedQuery[] = [];
  const lookups: string[] = [];
  const now = options.now ?? (() => Date.now());
  const readers = options.readers ?? { 'test-token': options.zones.map((z) => z.id) };
  const zones = new Map(options.zones.map((z) => [z.id, { ...z, settings: { ...DEFAULT_SETTINGS, ...z.settings } }]));
  let seq = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const errorBody = (message: string, path?: string[]) => ({ data: null, errors: [{ message, ...(path ? { path } : {}), extensions: { timestamp: new Date(now()).toISOString() } }] });

  const settingsOf = (tag: string, fields: Field[]) => {
    const settings = zones.get(tag)!.settings as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const dataset of fields) {
      if (dataset.name !== 'httpRequestsAdaptiveGroups') throw new GraphqlError(`stand-in: no settings for ${dataset.name}`, 400);
      out[dataset.alias] = Object.fromEntries(dataset.selections.map((f) => {
        if (!(f.name in settings)) throw new GraphqlError(`unknown field "${f.name}"`, 400);
        return [f.alias, settings[f.name]];
      }));
    }
    return out;
  };

  const groups = (tag: string, alias: string, field: Field, received: ReceivedQuery) => {
    const { settings } = zones.get(tag)!;
    const { limit, filter, orderBy } = field.args as { limit?: unknown; filter?: unknown; orderBy?: unknown };
    const dimensionsField = field.selections.find((f) => f.name === 'dimensions');
    const dimensions = dimensionsField?.selections.map((f) => f.name) ?? [];
    const fields = dimensions.length + field.selections.filter((f) => f.name !== 'dimensions').length;
    received.datasets.push({ alias, zoneTag: tag, limit, filter: filter as Record<string, unknown>, orderBy, dimensions, fields });
    for (const f of field.selections) if (f.name !== 'dimensions' && f.name !== 'count') throw new GraphqlError(`unknown field "${f.name}"`, 400);
    const available = new Set(settings.availableFields.map((f) => f.replace(/^dimensions_/, '')));
    for (const d of dimensions) if (!available.has(d) || !(d in DIMENSION_OF)) throw new GraphqlError(`unknown field "${d}"`, 400, ['viewer', alias, field.alias]);
    if (fields > settings.maxNumberOfFields) throw new GraphqlError(`number of fields can't be more than ${settings.maxNumberOfFields}`, 400);
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0 || limit > settings.maxPageSize) {
      throw new GraphqlError(`limit must be positive number and not greater than ${settings.maxPageSize}`, 400, ['viewer', alias, field.alias]);
    }
    if (typeof filter !== 'object' || filter === null) throw new GraphqlError('stand-in: a filter is required', 400);
    const window = windowOf(filter as Record<string, unknown>);
    if (window.to - window.from > settings.maxDuration * 1000) throw new GraphqlError(`query time range is too large, it can't be more than ${settings.maxDuration}s`, 400, ['viewer', alias, field.alias]);
    if (window.from < now() - settings.notOlderThan * 1000) throw new GraphqlError(`cannot request data older than ${settings.notOlderThan}s`, 400, ['viewer', alias, field.alias]);
    if ((filter as Record<string, unknown>).requestSource !== 'eyeball') throw new GraphqlError('stand-in: the filter must keep requestSource "eyeball"', 400);
    const order = Array.isArray(orderBy) ? orderBy : [];
    const keys = order.map((o) => /^(.*)_(ASC|DESC)$/.exec(String(o)));
    if (keys.some((k) => k === null || !dimensions.includes(k[1]!)) || dimensions.some((d) => !keys.some((k) => k![1] === d))) {
      throw new GraphqlError('stand-in: orderBy must sort by every dimension asked for', 400);
    }
    const rows = new Map<string, { values: string[]; count: number }>();
    for (const event of options.events ?? []) {
      if (event.zone !== tag || !matches(event, filter)) continue;
      const values = dimensions.map((d) => DIMENSION_OF[d]!(event));
      const key = JSON.stringify(values);
      const row = rows.get(key) ?? { values, count: 0 };
      row.count += event.count ?? 1;
      rows.set(key, row);
    }
    const sorted = [...rows.values()].sort((a, b) => {
      for (const k of keys) {
        const i = dimensions.indexOf(k![1]!);
        const c = compareBytes(a.values[i]!, b.values[i]!);
        if (c !== 0) return k![2] === 'ASC' ? c : -c;
      }
      return 0;
    });
    return sorted.slice(0, limit).map((row) => {
      const out: Record<string, unknown> = {};
      for (const f of field.selections) out[f.alias] = f.name === 'count' ? row.count : Object.fromEntries(dimensions.map((_, i) => [dimensionsField!.selections[i]!.alias, row.values[i]]));
      return out;
    });
  };

  const answer = (received: ReceivedQuery, token: string | undefined, document: Field[], declared: Map<string, string>) => {
    const viewer = document.find((f) => f.name === 'viewer');
    if (!viewer || document.length !== 1) throw new GraphqlError('stand-in: only viewer { zones } is served', 400);
    const scopes = viewer.selections.map((scope) => {
      if (scope.name !== 'zones') throw new GraphqlError(`unknown field "${scope.name}"`, 400);
      const filter = resolve(scope.args.filter, received.variables, declared) as Record<string, unknown> | undefined;
      const tags = filter && typeof filter.zoneTag === 'string' ? [filter.zoneTag] : Array.isArray(filter?.zoneTag_in) ? filter!.zoneTag_in.map(String) : null;
      if (tags === null) throw new GraphqlError('stand-in: zones need a zoneTag or zoneTag_in filter', 400);
      return { scope, tags };
    });
    received.zoneTags = scopes.flatMap((s) => s.tags);
    if (received.zoneTags.length > 10) throw new GraphqlError(`stand-in: a query can include up to 10 zones, this one has ${received.zoneTags.length}`, 400);
    const refused = received.zoneTags.filter((tag) => !zones.has(tag) || !(readers[token ?? ''] ?? []).includes(tag));
    if (refused.length) throw new GraphqlError(`zones [${refused.join(' ')}] are not authorized`, options.refuseWith ?? 403, ['viewer', scopes[0]!.scope.alias]);
    received.kind = scopes.some((s) => s.scope.selections.some((f) => f.name === 'settings')) ? 'settings' : 'groups';
    const data: Record<string, unknown> = {};
    for (const { scope, tags } of scopes) {
      data[scope.alias] = [...tags].sort().map((tag) => {
        const out: Record<string, unknown> = {};
        for (const field of scope.selections) {
          if (field.name === 'zoneTag') out[field.alias] = tag;
          else if (field.name === 'settings') out[field.alias] = settingsOf(tag, field.selections);
          else if (field.name === 'httpRequestsAdaptiveGroups') {
            out[field.alias] = groups(tag, scope.alias, { ...field, args: resolve(field.args, received.variables, declared) as Record<string, unknown> }, received);
          } else throw new GraphqlError(`unknown field "${field.name}"`, 400);
        }
        return out;
      });
    }
    return { data: { viewer: data }, errors: null };
  };

  const handleGraphql = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const received: ReceivedQuery = { seq: ++seq, kind: 'other', authorization: req.headers.authorization, query: '', variables: {}, zoneTags: [], datasets: [], status: 200 };
    queries.push(received);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => { received.status = status; send(res, status, body, headers); };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !(token in readers)) return reply(401, errorBody('Unauthorized'));
    try {
      const body = JSON.parse(text) as { query?: unknown; variables?: unknown };
      if (typeof body.query !== 'string') throw new GraphqlError('stand-in: the body needs a query', 400);
      received.query = body.query;
      received.variables = (typeof body.variables === 'object' && body.variables !== null ? body.variables : {}) as Record<string, unknown>;
      const reader = new Reader(tokenize(body.query));
      const document = reader.document();
      // The stand-in reads the query before a fault answers it, so tests see what was asked.
      let answered: unknown;
      let failed: GraphqlError | undefined;
      try { answered = answer(received, token, document, reader.declared); } catch (e) { if (e instanceof GraphqlError) failed = e; else throw e; }
      const fault = options.fault?.(received);
      if (fault) {
        if (fault.body !== undefined) return reply(fault.status, fault.body);
        const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
        return reply(fault.status, { data: fault.data ?? null, errors: (fault.errors ?? []).map((e) => ({ ...e, extensions: { timestamp: new Date(now()).toISOString() } })) }, headers);
      }
      if (failed) return reply(failed.status, errorBody(failed.message, failed.path));
      return reply(200, answered);
    } catch (error) {
      if (error instanceof SyntaxError) return reply(400, errorBody(`query contains error, please review it and retry (${error.message})`));
      if (error instanceof GraphqlError) return reply(error.status, errorBody(error.message, error.path));
      throw error;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname === '/client/v4/graphql') return handleGraphql(req, res, Buffer.concat(chunks).toString('utf8'));
      if (req.method === 'GET' && url.pathname === '/client/v4/zones') {
        const name = url.searchParams.get('name') ?? '';
        lookups.push(name);
        const result = options.zones.filter((z) => z.name === name).map((z) => ({ id: z.id, name: z.name }));
        return send(res, 200, { success: true, errors: [], messages: [], result });
      }
      send(res, 404, { success: false, errors: [{ code: 7000, message: 'No route for that URI' }], messages: [], result: null });
    });
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    queries,
    lookups,
    close: () => new Promise<void>((resolvePromise) => { server.closeAllConnections(); server.close(() => resolvePromise()); }),
  };
}
