// Cloudflare Logpush `http_requests` records (docs/coverage.md; docs/cloudflare.md): one JSON
// object a line -> a request naming a cache entry, a request that names none (not cached), or a
// skipped line with its reason. Pure: the reading of files and stdin is in logfiles.ts.
import type { CacheRequest } from './entry.js';

/** Only these cache statuses name an entry (docs/coverage.md); the rest were never stored. */
const CACHED_STATUSES: ReadonlySet<string> = new Set(['hit', 'miss', 'expired', 'stale', 'updating', 'revalidated']);

/**
 * `weight`: how many identical requests the record stands for, its `count` (1 without one): an
 * engine's GROUP BY row (coverage --print-sql) is one record of many requests (docs/coverage.md).
 */
export type LogRecord =
  | { readonly kind: 'cached'; readonly request: CacheRequest; readonly host: string; readonly weight: number }
  | { readonly kind: 'not_cached'; readonly weight: number }
  | { readonly kind: 'skipped'; readonly reason: string; readonly weight: number };

const NOT_CACHED: LogRecord = { kind: 'not_cached', weight: 1 };

/** A Logpush `http_requests` record's fields that coverage reads (GraphQL rows are put in this shape too). */
export interface RawRecord {
  readonly ClientRequestMethod?: unknown;
  readonly ClientRequestScheme?: unknown;
  readonly ClientRequestHost?: unknown;
  readonly ClientRequestURI?: unknown;
  readonly ClientDeviceType?: unknown;
  readonly ClientCountry?: unknown;
  readonly RequestHeaders?: unknown;
  readonly Cookies?: unknown;
  readonly CacheCacheStatus?: unknown;
  readonly count?: unknown;
}

/**
 * A record's `count`: a positive integer (a JSON number, or a string of digits, as BigQuery and
 * ClickHouse write 64-bit integers in JSON); 1 without one; null when it is anything else.
 */
function weightOf(count: unknown): number | null {
  if (count === undefined) return 1;
  const value = typeof count === 'string' && /^[1-9][0-9]{0,15}$/.test(count) ? Number(count) : count;
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** What a bad `count` is called in the skipped line's reason: short, as a log's text is untrusted. */
function countText(count: unknown): string {
  const text = typeof count === 'string' ? JSON.stringify(count.length > 24 ? `${count.slice(0, 24)}…` : count) : typeof count === 'object' && count !== null ? (Array.isArray(count) ? 'an array' : 'an object') : String(count);
  return `count ${text} is not a positive integer`;
}

const isStringRecord = (value: unknown): value is Readonly<Record<string, string>> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RequestHeaders with lower-case names, as the key's headers are named: custom fields log them in
 * lower case (docs/cloudflare.md), but a record that does not must not have its headers
 * taken as absent. The first of two names differing only in case wins.
 */
function lowerCaseNames(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (name === name.toLowerCase()) continue;
    const lowered: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, value] of Object.entries(headers)) {
      const lower = key.toLowerCase();
      if (!(lower in lowered)) lowered[lower] = value;
    }
    return lowered;
  }
  return headers;
}

/** A field's string value; an empty one tells nothing, like a missing one. */
const textOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** One line of a Logpush file (without its line end). Blank lines are null: no record at all. */
export function parseLogLine(line: string): LogRecord | null {
  let start = 0;
  while (start < line.length && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  if (start === line.length) return null;
  if (line.charCodeAt(start) !== 123 /* { */) return { kind: 'skipped', reason: 'not a JSON object', weight: 1 };
  let raw: RawRecord;
  try {
    raw = JSON.parse(line) as RawRecord;
  } catch {
    return { kind: 'skipped', reason: 'not valid JSON', weight: 1 };
  }
  return logRecordOf(raw);
}

/**
 * A record's request: the one reading of a request's fields, for Logpush lines and for the rows
 * of GraphQL Analytics (coverage --graphql), so that both are counted by the same rules.
 */
export function logRecordOf(raw: RawRecord): LogRecord {
  const weight = weightOf(raw.count);
  if (weight === null) return { kind: 'skipped', reason: countText(raw.count), weight: 1 };
  const host = raw.ClientRequestHost;
  const uri = raw.ClientRequestURI;
  if (typeof host !== 'string' || host === '') return { kind: 'skipped', reason: 'no ClientRequestHost', weight };
  if (typeof uri !== 'string' || uri === '') return { kind: 'skipped', reason: 'no ClientRequestURI', weight };
  const method = raw.ClientRequestMethod;
  if (method !== 'GET' && method !== 'HEAD') return weight === 1 ? NOT_CACHED : { kind: 'not_cached', weight };
  const status = raw.CacheCacheStatus;
  if (typeof status !== 'string' || !CACHED_STATUSES.has(status) && !CACHED_STATUSES.has(status.toLowerCase())) return weight === 1 ? NOT_CACHED : { kind: 'not_cached', weight };
  // The key uses the scheme; a log without ClientRequestScheme is taken as https (docs/coverage.md).
  const scheme = raw.ClientRequestScheme === 'http' ? 'http' : 'https';
  const lowerHost = host.toLowerCase();
  let url: string;
  let parts: CacheRequest['parts'];
  if (uri.charCodeAt(0) === 47 /* / */) {
    url = `${scheme}://${lowerHost}${uri}`;
    parts = { scheme, host: lowerHost, target: uri };
  } else if (/^https?:\/\//i.test(uri)) url = uri; // an absolute-form request target
  else return { kind: 'skipped', reason: 'ClientRequestURI is not a path', weight };
  const colon = lowerHost.lastIndexOf(':');
  const hostName = colon !== -1 && !lowerHost.endsWith(']') ? lowerHost.slice(0, colon) : lowerHost;
  const request: CacheRequest = {
    url,
    parts,
    deviceType: textOf(raw.ClientDeviceType),
    country: textOf(raw.ClientCountry),
    headers: isStringRecord(raw.RequestHeaders) ? lowerCaseNames(raw.RequestHeaders) : null,
    cookies: isStringRecord(raw.Cookies) ? raw.Cookies : null,
  };
  return { kind: 'cached', request, host: hostName, weight };
}
