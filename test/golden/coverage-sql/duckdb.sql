-- purgeplan coverage --print-sql duckdb: one Logpush http_requests record per distinct request
-- of the fields purge.yaml's cache keys need, with its count.
-- Run where the logs are, e.g. COPY (<this query>) TO 'entries.ndjson' (FORMAT json),
-- then: purgeplan coverage --logs entries.ndjson
WITH logs AS (
  SELECT NULL AS "ClientRequestMethod", NULL AS "ClientRequestScheme", NULL AS "ClientRequestHost", NULL AS "ClientRequestURI", NULL AS "CacheCacheStatus", NULL AS "ClientDeviceType", NULL AS "ClientCountry", NULL AS "RequestHeaders", NULL AS "Cookies" WHERE false
  UNION ALL BY NAME
  SELECT COLUMNS('^(ClientRequestMethod|ClientRequestScheme|ClientRequestHost|ClientRequestURI|CacheCacheStatus|ClientDeviceType|ClientCountry|RequestHeaders|Cookies)$') FROM "logs"."http_requests"
),
requests AS (
  SELECT
    coalesce("ClientRequestMethod" IN ('GET', 'HEAD') AND lower("CacheCacheStatus") IN ('hit', 'miss', 'expired', 'stale', 'updating', 'revalidated'), false) AS stored,
    "ClientRequestMethod" AS request_method,
    "ClientRequestScheme" AS request_scheme,
    "ClientRequestHost" AS request_host,
    "ClientRequestURI" AS request_uri,
    "CacheCacheStatus" AS cache_status,
    "ClientDeviceType" AS device_type,
    "ClientCountry" AS client_country,
    "RequestHeaders" IS NOT NULL AS headers_known,
    to_json("RequestHeaders") AS headers_json,
    "Cookies" IS NOT NULL AS cookies_known,
    to_json("Cookies") AS cookies_json
  FROM logs
),
entries AS (
  SELECT
    CASE WHEN stored THEN request_method END AS method,
    CASE WHEN stored THEN request_scheme END AS scheme,
    CASE WHEN stored OR coalesce(request_host, '') = '' THEN request_host ELSE '-' END AS host,
    CASE WHEN stored OR coalesce(request_uri, '') = '' THEN request_uri ELSE '-' END AS uri,
    CASE WHEN stored THEN cache_status END AS status,
    CASE WHEN stored THEN device_type END AS device,
    CASE WHEN stored THEN client_country END AS country,
    stored AND headers_known AS has_headers,
    CASE WHEN stored THEN regexp_extract((headers_json ->> '/accept-language'), '^\s*([^,;]*?)\s*(?:[,;]|$)', 1) END AS h0,
    CASE WHEN stored THEN (headers_json ->> '/forwarded') END AS h1,
    CASE WHEN stored THEN (headers_json ->> '/origin') END AS h2,
    CASE WHEN stored THEN CASE WHEN (headers_json ->> '/x-beta') IS NOT NULL THEN '1' END END AS h3,
    CASE WHEN stored THEN (headers_json ->> '/x-forwarded-host') END AS h4,
    CASE WHEN stored THEN (headers_json ->> '/x-forwarded-scheme') END AS h5,
    CASE WHEN stored THEN (headers_json ->> '/x-host') END AS h6,
    CASE WHEN stored THEN (headers_json ->> '/x-http-method') END AS h7,
    CASE WHEN stored THEN (headers_json ->> '/x-http-method-override') END AS h8,
    CASE WHEN stored THEN (headers_json ->> '/x-method-override') END AS h9,
    CASE WHEN stored THEN (headers_json ->> '/x-original-url') END AS h10,
    CASE WHEN stored THEN (headers_json ->> '/x-rewrite-url') END AS h11,
    CASE WHEN stored THEN (headers_json ->> '/x-tenant') END AS h12,
    stored AND (cookies_known OR (headers_json ->> '/cookie') IS NOT NULL) AS has_cookies,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN (cookies_json ->> '/ab') ELSE regexp_extract((headers_json ->> '/cookie'), '(?:^|;)\s*ab\s*=\s*([^;]*?)\s*(?:;|$)', 1) END AS c0,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN CASE WHEN (cookies_json ->> '/seen') IS NOT NULL THEN '1' END ELSE CASE WHEN regexp_matches((headers_json ->> '/cookie'), '(?:^|;)\s*seen\s*=\s*([^;]*?)\s*(?:;|$)') THEN '1' END END AS c1,
    count(*) AS "count"
  FROM requests
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24
)
SELECT
  method AS "ClientRequestMethod",
  scheme AS "ClientRequestScheme",
  host AS "ClientRequestHost",
  uri AS "ClientRequestURI",
  status AS "CacheCacheStatus",
  device AS "ClientDeviceType",
  country AS "ClientCountry",
  CASE WHEN has_headers THEN struct_pack("accept-language" := h0, "forwarded" := h1, "origin" := h2, "x-beta" := h3, "x-forwarded-host" := h4, "x-forwarded-scheme" := h5, "x-host" := h6, "x-http-method" := h7, "x-http-method-override" := h8, "x-method-override" := h9, "x-original-url" := h10, "x-rewrite-url" := h11, "x-tenant" := h12) END AS "RequestHeaders",
  CASE WHEN has_cookies THEN struct_pack("ab" := c0, "seen" := c1) END AS "Cookies",
  "count"
FROM entries
