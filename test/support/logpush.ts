// Logpush http_requests records for tests: one JSON object a line, with the fields coverage reads.
export interface RecordSpec {
  readonly url: string;
  readonly method?: string;
  readonly device?: string;
  /** As Logpush writes it: lower case. */
  readonly country?: string;
  /** RequestHeaders; null leaves the field out (the zone logs no custom fields). */
  readonly headers?: Record<string, string> | null;
  readonly cookies?: Record<string, string> | null;
  readonly status?: string;
  /** The record's `count` (weighted records: that many identical requests); left out when undefined. */
  readonly count?: unknown;
}

export function logLine(spec: RecordSpec): string {
  const url = new URL(spec.url);
  const record: Record<string, unknown> = {
    ClientRequestMethod: spec.method ?? 'GET',
    ClientRequestScheme: url.protocol.slice(0, -1),
    ClientRequestHost: url.host,
    ClientRequestURI: `${url.pathname}${url.search}`,
    ClientDeviceType: spec.device ?? 'desktop',
    ClientCountry: spec.country ?? 'us',
    CacheCacheStatus: spec.status ?? 'hit',
    EdgeResponseStatus: 200,
    RayID: '8f1a2b3c4d5e6f70',
  };
  if (spec.headers !== null) record.RequestHeaders = spec.headers ?? {};
  if (spec.cookies !== null && spec.cookies !== undefined) record.Cookies = spec.cookies;
  if (spec.count !== undefined) record.count = spec.count;
  return JSON.stringify(record);
}
