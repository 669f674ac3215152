-- purgeplan coverage --print-sql bigquery: one Logpush http_requests record per distinct request
-- of the fields purge.yaml's cache keys need, with its count.
-- Run where the logs are, e.g. EXPORT DATA OPTIONS (uri = 'gs://BUCKET/entries/*.json', format = 'JSON') AS <this query>,
-- then: purgeplan coverage --logs - with the exported files on stdin
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
    CASE WHEN stored THEN REGEXP_EXTRACT(JSON_VALUE(headers_json, '$."accept-language"'), '^\\s*([^,;]*?)\\s*(?:[,;]|$)') END AS h0,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."forwarded"') END AS h1,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."origin"') END AS h2,
    CASE WHEN stored THEN CASE WHEN JSON_VALUE(headers_json, '$."x-beta"') IS NOT NULL THEN '1' END END AS h3,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-forwarded-host"') END AS h4,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-forwarded-scheme"') END AS h5,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-host"') END AS h6,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-http-method"') END AS h7,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-http-method-override"') END AS h8,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-method-override"') END AS h9,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-original-url"') END AS h10,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-rewrite-url"') END AS h11,
    CASE WHEN stored THEN JSON_VALUE(headers_json, '$."x-tenant"') END AS h12,
    stored AND (cookies_known OR JSON_VALUE(headers_json, '$."cookie"') IS NOT NULL) AS has_cookies,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN JSON_VALUE(cookies_json, '$."ab"') ELSE REGEXP_EXTRACT(JSON_VALUE(headers_json, '$."cookie"'), '(?:^|;)\\s*ab\\s*=\\s*([^;]*?)\\s*(?:;|$)') END AS c0,
    CASE WHEN NOT stored THEN NULL WHEN cookies_known THEN CASE WHEN JSON_VALUE(cookies_json, '$."seen"') IS NOT NULL THEN '1' END ELSE CASE WHEN REGEXP_CONTAINS(JSON_VALUE(headers_json, '$."cookie"'), '(?:^|;)\\s*seen\\s*=\\s*([^;]*?)\\s*(?:;|$)') THEN '1' END END AS c1,
    count(*) AS `count`
  FROM requests
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24
)
SELECT
  method AS `ClientRequestMethod`,
  scheme AS `ClientRequestScheme`,
  host AS `ClientRequestHost`,
  uri AS `ClientRequestURI`,
  status AS `CacheCacheStatus`,
  device AS `ClientDeviceType`,
  country AS `ClientCountry`,
  CASE WHEN has_headers THEN JSON_OBJECT('accept-language', h0, 'forwarded', h1, 'origin', h2, 'x-beta', h3, 'x-forwarded-host', h4, 'x-forwarded-scheme', h5, 'x-host', h6, 'x-http-method', h7, 'x-http-method-override', h8, 'x-method-override', h9, 'x-original-url', h10, 'x-rewrite-url', h11, 'x-tenant', h12) END AS `RequestHeaders`,
  CASE WHEN has_cookies THEN JSON_OBJECT('ab', c0, 'seen', c1) END AS `Cookies`,
  `count`
FROM entries
