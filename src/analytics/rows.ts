// A row of `httpRequestsAdaptiveGroups` as a request record (docs/coverage.md#without-logpush-graphql-analytics):
// put in the shape of a Logpush record and read by the same function as a log line, its `count`
// the record's weight, so that GraphQL and logs are counted by one set of rules. Headers and
// cookies are known to be none (the dataset has none: the not-observable dimensions are left out of
// the plan's side too, observable.ts). Pure.
import type { Inspector } from '../inspect/inspector.js';
import type { LogRecord } from '../inspect/logs.js';
import { logRecordOf } from '../inspect/logs.js';
import type { GroupRow } from './answer.js';
import { SCHEME_DIMENSION } from './query.js';

type CachedRecord = LogRecord & { readonly kind: 'cached' };

export class RowReader {
  private readonly at: (name: string) => number;
  private readonly schemeAt: number;

  /** `dimensions`: the order of a row's values, as asked for. */
  constructor(private readonly inspector: Inspector, readonly dimensions: readonly string[]) {
    this.at = (name) => dimensions.indexOf(name);
    this.schemeAt = this.at(SCHEME_DIMENSION);
  }

  record(row: GroupRow): LogRecord {
    const value = (name: string) => row.values[this.at(name)] ?? null;
    const host = value('clientRequestHTTPHost');
    const path = value('clientRequestPath');
    // A row skipped is that many requests skipped, as a weighted log record is.
    const weight = typeof row.count === 'number' && Number.isSafeInteger(row.count) && row.count > 0 ? row.count : 1;
    if (host === null || host === '') return { kind: 'skipped', reason: 'no clientRequestHTTPHost', weight };
    if (path === null || path.charCodeAt(0) !== 47 /* / */) return { kind: 'skipped', reason: 'clientRequestPath is not a path', weight };
    // The query may come with or without its `?`.
    const query = (value('clientRequestQuery') ?? '').replace(/^\?/, '');
    const scheme = this.schemeAt === -1 ? 'https' : (row.values[this.schemeAt] ?? '').toLowerCase();
    const record = logRecordOf({
      ClientRequestMethod: 'GET',
      ClientRequestScheme: scheme,
      ClientRequestHost: host,
      ClientRequestURI: query === '' ? path : `${path}?${query}`,
      ClientDeviceType: value('clientDeviceType'),
      ClientCountry: value('clientCountryName'),
      CacheCacheStatus: value('cacheStatus'),
      RequestHeaders: {},
      Cookies: {},
      count: row.count,
    });
    return this.schemeAt === -1 && record.kind === 'cached' ? this.eitherScheme(record) : record;
  }

  /**
   * Without the scheme, a URL matches either scheme: the record is read as `https` unless `http`
   * is the one the plan purges (or lists).
   */
  private eitherScheme(https: CachedRecord): CachedRecord {
    const parts = https.request.parts;
    if (parts === undefined || parts.scheme !== 'https') return https;
    const http: CachedRecord = { ...https, request: { ...https.request, url: `http${https.request.url.slice(5)}`, parts: { ...parts, scheme: 'http' } } };
    const candidates = [https, http];
    return candidates.find((r) => this.standing(r) === 'purged') ?? candidates.find((r) => this.standing(r) === 'listed') ?? https;
  }

  /** Whether the plan purges the record's entry, or at least lists its URL. */
  private standing(record: CachedRecord): 'purged' | 'listed' | 'neither' {
    const resolved = this.inspector.resolve(record.request, record.host);
    if (!('result' in resolved) || !('entry' in resolved.result)) return 'neither';
    const { zone, result: { entry } } = resolved;
    if (this.inspector.classOf(zone.name, entry) === 'purged') return 'purged';
    return this.inspector.index.urlOwners(zone.name, entry.url).length > 0 ? 'listed' : 'neither';
  }
}
