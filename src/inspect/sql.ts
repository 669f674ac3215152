// `coverage --print-sql ENGINE` (docs/coverage.md#hand-it-to-an-engine): one GROUP BY query over a
// Logpush http_requests table that selects only the fields the cache keys need and emits one
// Logpush-shaped record per distinct request, with its `count`, for `coverage --logs -` to read.
// Pure: fields and a table name in, the query's text out. Three levels, the same in each
// dialect: `requests` reads the table, `entries` reduces each request to what its entry needs
// (a request that names no entry keeps only whether it had a host and a URI) and groups,
// the last level writes the record.
import type { LogFields, ValueForm } from './log-fields.js';

export type SqlEngine = 'duckdb' | 'clickhouse' | 'bigquery';

/** Cache statuses that name a cache entry, as `--logs` reads them (docs/coverage.md). */
const CACHED_STATUSES = ['hit', 'miss', 'expired', 'stale', 'updating', 'revalidated'];

/** Accept-Language's first language code, trimmed (docs/coverage.md). One group: BigQuery allows no more. */
const FIRST_LANGUAGE = String.raw`^\s*([^,;]*?)\s*(?:[,;]|$)`;

/** A table name: up to three names of letters, digits, `_` and `-`, separated by dots. */
const TABLE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){0,2}$/;

interface Dialect {
  /** A quoted identifier. */
  readonly id: (name: string) => string;
  /** A string literal. */
  readonly text: (value: string) => string;
  /** A key's value in a JSON object expression, NULL when the key is missing. */
  readonly member: (json: string, name: string) => string;
  /** Whether the object has the key. */
  readonly has: (json: string, name: string) => string;
  /** The first group of `pattern` in `value`. */
  readonly extract: (value: string, pattern: string) => string;
  /** Whether `pattern` matches in `value`. */
  readonly matches: (value: string, pattern: string) => string;
}

const backslashed = (value: string) => value.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const DIALECTS: Readonly<Record<SqlEngine, Dialect>> = {
  duckdb: {
    id: (name) => `"${name.replace(/"/g, '""')}"`,
    text: (value) => `'${value.replace(/'/g, "''")}'`,
    // A JSON pointer: it names the key whatever its characters (`~` and `/` escaped).
    member: (json, name) => `(${json} ->> ${DIALECTS.duckdb.text(`/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`)})`,
    has: (json, name) => `${DIALECTS.duckdb.member(json, name)} IS NOT NULL`,
    extract: (value, pattern) => `regexp_extract(${value}, ${DIALECTS.duckdb.text(pattern)}, 1)`,
    matches: (value, pattern) => `regexp_matches(${value}, ${DIALECTS.duckdb.text(pattern)})`,
  },
  clickhouse: {
    id: (name) => `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``,
    text: (value) => `'${backslashed(value)}'`,
    member: (json, name) => `if(JSONHas(${json}, ${DIALECTS.clickhouse.text(name)}), JSONExtractString(${json}, ${DIALECTS.clickhouse.text(name)}), NULL)`,
    has: (json, name) => `JSONHas(${json}, ${DIALECTS.clickhouse.text(name)})`,
    extract: (value, pattern) => `extract(${value}, ${DIALECTS.clickhouse.text(pattern)})`,
    matches: (value, pattern) => `match(${value}, ${DIALECTS.clickhouse.text(pattern)})`,
  },
  bigquery: {
    id: (name) => `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``,
    text: (value) => `'${backslashed(value)}'`,
    // Header and cookie names are tokens: no `"` or `\` to escape in the path.
    member: (json, name) => `JSON_VALUE(${json}, ${DIALECTS.bigquery.text(`$."${name}"`)})`,
    has: (json, name) => `${DIALECTS.bigquery.member(json, name)} IS NOT NULL`,
    extract: (value, pattern) => `REGEXP_EXTRACT(${value}, ${DIALECTS.bigquery.text(pattern)})`,
    matches: (value, pattern) => `REGEXP_CONTAINS(${value}, ${DIALECTS.bigquery.text(pattern)})`,
  },
};

/** The table name quoted for the engine, or null when it is not a plain (dotted) name. */
export function quotedTable(engine: SqlEngine, table: string): string | null {
  if (!TABLE.test(table)) return null;
  return table.split('.').map(DIALECTS[engine].id).join('.');
}

/** A cookie's value in a `Cookie` header: the first `name=value` pair, both trimmed, as `--logs` reads it. */
function cookiePattern(name: string): string {
  return String.raw`(?:^|;)\s*${name.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}\s*=\s*([^;]*?)\s*(?:;|$)`;
}

/** The Logpush fields the query reads, in the order the records have them. */
function sourceFields(fields: LogFields): string[] {
  return [
    'ClientRequestMethod', 'ClientRequestScheme', 'ClientRequestHost', 'ClientRequestURI', 'CacheCacheStatus',
    ...(fields.deviceType ? ['ClientDeviceType'] : []),
    ...(fields.country ? ['ClientCountry'] : []),
    ...(fields.headers.length || fields.cookies.length ? ['RequestHeaders'] : []),
    ...(fields.cookies.length ? ['Cookies'] : []),
  ];
}

/** One value in the form the keys read it, from a JSON object expression. */
function formed(d: Dialect, json: string, name: string, form: ValueForm): string {
  if (form === 'presence') return `CASE WHEN ${d.has(json, name)} THEN '1' END`;
  const value = d.member(json, name);
  return form === 'language' ? d.extract(value, FIRST_LANGUAGE) : value;
}

/** The `requests` level: the table's fields under names of their own, and whether the request names a cache entry. */
function requestsLevel(engine: SqlEngine, fields: LogFields, table: string): string {
  const d = DIALECTS[engine];
  const f = (name: string) => d.id(name);
  const columns = [
    `coalesce(${f('ClientRequestMethod')} IN ('GET', 'HEAD') AND lower(${f('CacheCacheStatus')}) IN (${CACHED_STATUSES.map((s) => `'${s}'`).join(', ')}), false) AS stored`,
    `${f('ClientRequestMethod')} AS request_method`,
    `${f('ClientRequestScheme')} AS request_scheme`,
    `${f('ClientRequestHost')} AS request_host`,
    `${f('ClientRequestURI')} AS request_uri`,
    `${f('CacheCacheStatus')} AS cache_status`,
  ];
  if (fields.deviceType) columns.push(`${f('ClientDeviceType')} AS device_type`);
  if (fields.country) columns.push(`${f('ClientCountry')} AS client_country`);
  // DuckDB reads the objects as structs of the keys that occur (or maps): as JSON, a key that
  // never occurs is a missing member, not an unknown column.
  const json = (field: string) => (engine === 'duckdb' ? `to_json(${f(field)})` : f(field));
  if (fields.headers.length || fields.cookies.length) columns.push(`${f('RequestHeaders')} IS NOT NULL AS headers_known`, `${json('RequestHeaders')} AS headers_json`);
  if (fields.cookies.length) columns.push(`${f('Cookies')} IS NOT NULL AS cookies_known`, `${json('Cookies')} AS cookies_json`);
  return `${engine === 'duckdb' ? duckdbLogs(fields, table) : ''}requests AS (
  SELECT
    ${columns.join(',\n    ')}
  FROM ${engine === 'duckdb' ? 'logs' : table}
)`;
}

/**
 * DuckDB: the fields the table has, and NULL for those it lacks (read_json_auto makes no column
 * of a field no record has), so the query runs on any Logpush job's files.
 */
function duckdbLogs(fields: LogFields, table: string): string {
  const d = DIALECTS.duckdb;
  const names = sourceFields(fields);
  return `logs AS (
  SELECT ${names.map((n) => `NULL AS ${d.id(n)}`).join(', ')} WHERE false
  UNION ALL BY NAME
  SELECT COLUMNS(${d.text(`^(${names.join('|')})$`)}) FROM ${table}
),
`;
}

/** The `entries` level: each request reduced to what its entry needs, grouped, counted. */
function entriesLevel(engine: SqlEngine, fields: LogFields): { text: string; headers: string[]; cookies: string[] } {
  const d = DIALECTS[engine];
  const ifStored = (value: string) => `CASE WHEN stored THEN ${value} END`;
  // A request that names no entry is counted as not cached; only a missing host or URI (a
  // skipped record) must survive: any other value stands for all.
  const kept = (value: string) => `CASE WHEN stored OR coalesce(${value}, '') = '' THEN ${value} ELSE '-' END`;
  const columns = [
    `${ifStored('request_method')} AS method`,
    `${ifStored('request_scheme')} AS scheme`,
    `${kept('request_host')} AS host`,
    `${kept('request_uri')} AS uri`,
    `${ifStored('cache_status')} AS status`,
  ];
  if (fields.deviceType) columns.push(`${ifStored('device_type')} AS device`);
  if (fields.country) columns.push(`${ifStored('client_country')} AS country`);
  const headers: string[] = [];
  const cookies: string[] = [];
  if (fields.headers.length || fields.cookies.length) {
    columns.push('stored AND headers_known AS has_headers');
    fields.headers.forEach((h, i) => {
      headers.push(`h${i}`);
      columns.push(`${ifStored(formed(d, 'headers_json', h.name, h.form))} AS h${i}`);
    });
  }
  if (fields.cookies.length) {
    // Without Cookies, the Cookie request header (when logged) tells the cookies.
    const cookieHeader = d.member('headers_json', 'cookie');
    columns.push(`stored AND (cookies_known OR ${cookieHeader} IS NOT NULL) AS has_cookies`);
    fields.cookies.forEach((c, i) => {
      cookies.push(`c${i}`);
      const fromHeader = c.form === 'presence' ? `CASE WHEN ${d.matches(cookieHeader, cookiePattern(c.name))} THEN '1' END` : d.extract(cookieHeader, cookiePattern(c.name));
      columns.push(`CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN ${formed(d, 'cookies_json', c.name, c.form)} ELSE ${fromHeader} END AS c${i}`);
    });
  }
  const count = engine === 'clickhouse' ? 'count()' : 'count(*)';
  return {
    text: `entries AS (
  SELECT
    ${columns.join(',\n    ')},
    ${count} AS ${d.id('count')}
  FROM requests
  GROUP BY ${columns.map((_, i) => i + 1).join(', ')}
)`,
    headers,
    cookies,
  };
}

/** The output level: one Logpush-shaped record a row (DuckDB, BigQuery: columns; ClickHouse: one JSON text). */
function recordLevel(engine: SqlEngine, fields: LogFields, headers: readonly string[], cookies: readonly string[]): string {
  const d = DIALECTS[engine];
  const scalars: [string, string][] = [
    ['ClientRequestMethod', 'method'], ['ClientRequestScheme', 'scheme'], ['ClientRequestHost', 'host'], ['ClientRequestURI', 'uri'], ['CacheCacheStatus', 'status'],
  ];
  if (fields.deviceType) scalars.push(['ClientDeviceType', 'device']);
  if (fields.country) scalars.push(['ClientCountry', 'country']);
  const objects: [string, string, [string, string][]][] = [];
  if (headers.length || cookies.length) objects.push(['RequestHeaders', 'has_headers', fields.headers.map((h, i) => [h.name, headers[i]!])]);
  if (cookies.length) objects.push(['Cookies', 'has_cookies', fields.cookies.map((c, i) => [c.name, cookies[i]!])]);
  if (engine === 'clickhouse') {
    // JSONEachRow cannot write a NULL object (no Nullable Map or Tuple): the record is written as text.
    const member = (name: string, value: string) => `${d.text(`${JSON.stringify(name)}:`)}, ${value}`;
    const parts = [
      ...scalars.map(([name, alias]) => member(name, `toJSONString(${alias})`)),
      ...objects.map(([name, known, members]) => member(name, `if(${known}, concat('{', ${members.map(([key, alias]) => member(key, `toJSONString(${alias})`)).join(", ',', ")}, '}'), 'null')`)),
      member('count', `toString(${d.id('count')})`),
    ];
    return `SELECT concat('{', ${parts.join(", ',',\n  ")}, '}') AS record
FROM entries
FORMAT TabSeparatedRaw`;
  }
  const columns = scalars.map(([name, alias]) => `${alias} AS ${d.id(name)}`);
  for (const [name, known, members] of objects) {
    const object = engine === 'duckdb'
      ? `struct_pack(${members.map(([key, alias]) => `${d.id(key)} := ${alias}`).join(', ')})`
      : `JSON_OBJECT(${members.map(([key, alias]) => `${d.text(key)}, ${alias}`).join(', ')})`;
    columns.push(`CASE WHEN ${known} THEN ${object} END AS ${d.id(name)}`);
  }
  columns.push(d.id('count'));
  return `SELECT
  ${columns.join(',\n  ')}
FROM entries`;
}

const HEADER: Readonly<Record<SqlEngine, string>> = {
  duckdb: "-- Run where the logs are, e.g. COPY (<this query>) TO 'entries.ndjson' (FORMAT json),\n-- then: purgeplan coverage --logs entries.ndjson",
  clickhouse: '-- Run where the logs are, e.g. clickhouse client --queries-file query.sql > entries.ndjson,\n-- then: purgeplan coverage --logs entries.ndjson',
  bigquery: "-- Run where the logs are, e.g. EXPORT DATA OPTIONS (uri = 'gs://BUCKET/entries/*.json', format = 'JSON') AS <this query>,\n-- then: purgeplan coverage --logs - with the exported files on stdin",
};

/**
 * The query for `engine` over `table` (already quoted: quotedTable). No text of the user's but
 * header and cookie names (tokens, quoted) enters it; the comment lines are fixed.
 */
export function coverageSql(engine: SqlEngine, fields: LogFields, table: string): string {
  const entries = entriesLevel(engine, fields);
  return `-- purgeplan coverage --print-sql ${engine}: one Logpush http_requests record per distinct request
-- of the fields purge.yaml's cache keys need, with its count.
${HEADER[engine]}
WITH ${requestsLevel(engine, fields, table)},
${entries.text}
${recordLevel(engine, fields, entries.headers, entries.cookies)}
`;
}
