-- purgeplan coverage --print-sql clickhouse: one Logpush http_requests record per distinct request
-- of the fields purge.yaml's cache keys need, with its count.
-- Run where the logs are, e.g. clickhouse client --queries-file query.sql > entries.ndjson,
-- then: purgeplan coverage --logs entries.ndjson
WITH requests AS (
  SELECT
    coalesce(`ClientRequestMethod` IN ('GET', 'HEAD') AND lower(`CacheCacheStatus`) IN ('hit', 'miss', 'expired', 'stale', 'updating', 'revalidated'), false) AS stored,
    `ClientRequestMethod` AS request_method,
    `ClientRequestScheme` AS request_scheme,
    `ClientRequestHost` AS request_host,
    `ClientRequestURI` AS request_uri,
    `CacheCacheStatus` AS cache_status,
    `ClientDeviceType` AS device_type,
    `ClientCountry` AS client_country,
    `RequestHeaders` IS NOT NULL AS headers_known,
    `RequestHeaders` AS headers_json,
    `Cookies` IS NOT NULL AS cookies_known,
    `Cookies` AS cookies_json
  FROM `logs`.`http_requests`
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
    CASE WHEN stored THEN extract(if(JSONHas(headers_json, 'accept-language'), JSONExtractString(headers_json, 'accept-language'), NULL), '^\\s*([^,;]*?)\\s*(?:[,;]|$)') END AS h0,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'forwarded'), JSONExtractString(headers_json, 'forwarded'), NULL) END AS h1,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'origin'), JSONExtractString(headers_json, 'origin'), NULL) END AS h2,
    CASE WHEN stored THEN CASE WHEN JSONHas(headers_json, 'x-beta') THEN '1' END END AS h3,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-forwarded-host'), JSONExtractString(headers_json, 'x-forwarded-host'), NULL) END AS h4,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-forwarded-scheme'), JSONExtractString(headers_json, 'x-forwarded-scheme'), NULL) END AS h5,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-host'), JSONExtractString(headers_json, 'x-host'), NULL) END AS h6,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-http-method'), JSONExtractString(headers_json, 'x-http-method'), NULL) END AS h7,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-http-method-override'), JSONExtractString(headers_json, 'x-http-method-override'), NULL) END AS h8,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-method-override'), JSONExtractString(headers_json, 'x-method-override'), NULL) END AS h9,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-original-url'), JSONExtractString(headers_json, 'x-original-url'), NULL) END AS h10,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-rewrite-url'), JSONExtractString(headers_json, 'x-rewrite-url'), NULL) END AS h11,
    CASE WHEN stored THEN if(JSONHas(headers_json, 'x-tenant'), JSONExtractString(headers_json, 'x-tenant'), NULL) END AS h12,
    stored AND (cookies_known OR if(JSONHas(headers_json, 'cookie'), JSONExtractString(headers_json, 'cookie'), NULL) IS NOT NULL) AS has_cookies,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN if(JSONHas(cookies_json, 'ab'), JSONExtractString(cookies_json, 'ab'), NULL) ELSE extract(if(JSONHas(headers_json, 'cookie'), JSONExtractString(headers_json, 'cookie'), NULL), '(?:^|;)\\s*ab\\s*=\\s*([^;]*?)\\s*(?:;|$)') END AS c0,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN CASE WHEN JSONHas(cookies_json, 'seen') THEN '1' END ELSE CASE WHEN match(if(JSONHas(headers_json, 'cookie'), JSONExtractString(headers_json, 'cookie'), NULL), '(?:^|;)\\s*seen\\s*=\\s*([^;]*?)\\s*(?:;|$)') THEN '1' END END AS c1,
    count() AS `count`
  FROM requests
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24
)
SELECT concat('{', '"ClientRequestMethod":', toJSONString(method), ',',
  '"ClientRequestScheme":', toJSONString(scheme), ',',
  '"ClientRequestHost":', toJSONString(host), ',',
  '"ClientRequestURI":', toJSONString(uri), ',',
  '"CacheCacheStatus":', toJSONString(status), ',',
  '"ClientDeviceType":', toJSONString(device), ',',
  '"ClientCountry":', toJSONString(country), ',',
  '"RequestHeaders":', if(has_headers, concat('{', '"accept-language":', toJSONString(h0), ',', '"forwarded":', toJSONString(h1), ',', '"origin":', toJSONString(h2), ',', '"x-beta":', toJSONString(h3), ',', '"x-forwarded-host":', toJSONString(h4), ',', '"x-forwarded-scheme":', toJSONString(h5), ',', '"x-host":', toJSONString(h6), ',', '"x-http-method":', toJSONString(h7), ',', '"x-http-method-override":', toJSONString(h8), ',', '"x-method-override":', toJSONString(h9), ',', '"x-original-url":', toJSONString(h10), ',', '"x-rewrite-url":', toJSONString(h11), ',', '"x-tenant":', toJSONString(h12), '}'), 'null'), ',',
  '"Cookies":', if(has_cookies, concat('{', '"ab":', toJSONString(c0), ',', '"seen":', toJSONString(c1), '}'), 'null'), ',',
  '"count":', toString(`count`), '}') AS record
FROM entries
FORMAT TabSeparatedRaw
