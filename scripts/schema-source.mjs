// The v1 purge.yaml language as a JSON Schema. `node scripts/write-schema.mjs` is not needed:
// build-schema.mjs writes schemas/purge.schema.json from this file and compiles it with ajv.
// `x-hint` is an annotation the validator shows next to errors about that property.
const str = (description, extra = {}) => ({ type: 'string', description, ...extra });
const bool = (description) => ({ type: 'boolean', description });
const list = (description, items, extra = {}) => ({ type: 'array', description, items, ...extra });

// A variant value: text, or a number kept as typed (`007` stays 007, docs/commands.md "Values").
const valueItem = (description) => ({ type: ['string', 'number'], description, minLength: 1 });

const dimension = (description, itemDescription) => ({
  type: ['array', 'object'],
  description: `${description} A list of values, or {values: [...], absent: false} to drop the variant without this header.`,
  'x-hint': 'write a list such as [a, b], or {values: [a, b], absent: false}',
  items: valueItem(itemDescription),
  properties: {
    values: list('The values to purge.', valueItem(itemDescription)),
    absent: bool('false: do not purge the variant cached without this header or cookie (default true).'),
  },
  additionalProperties: false,
});

// A query parameter list, or "*" for every parameter (Cloudflare's wire form, docs/commands.md).
const allOrList = (description) => ({
  type: ['array', 'string'],
  description,
  items: str('A query parameter name, or * for every parameter.', { minLength: 1 }),
  minItems: 1,
  pattern: '^\\*$',
  'x-expected': '"*" (every parameter) or a list of parameter names',
  'x-hint': 'write a list such as [id, page], or "*" for every parameter',
});

// `action` (docs/purge-yaml.md): which endpoint the group's items go to, purge_cache or invalidate_cache.
const action = (description) => ({ enum: ['purge', 'invalidate'], description, 'x-hint': 'one of purge, invalidate' });

const hexId = (description, what) => str(description, { pattern: '^[0-9a-f]{32}$', 'x-expected': `${what} (32 lower-case hex characters)`, 'x-hint': 'copy it from the Cloudflare dashboard (zone Overview, API section)' });

export const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://purgeplan.dev/schemas/purge.schema.json',
  title: 'purgeplan purge.yaml (version 1)',
  description: 'Declares the content groups of a site and how Cloudflare caches them, so that purgeplan can plan and apply exact cache purges.',
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {
    version: { const: 1, description: 'The file format version. Always 1.', 'x-hint': 'write version: 1' },
    zones: {
      type: 'object',
      description: 'Cloudflare zones, by a local name that groups refer to.',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'x-hint': 'a local name uses letters, digits, "_", "." and "-"' },
      additionalProperties: { $ref: '#/definitions/zone' },
    },
    cache_keys: {
      type: 'object',
      description: 'Cache key profiles, mirroring the "cache key" settings of Cloudflare Cache Rules.',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'x-hint': 'a profile name uses letters, digits, "_", "." and "-"' },
      additionalProperties: { $ref: '#/definitions/cacheKey' },
    },
    groups: {
      type: 'object',
      description: 'Content groups: what to purge, and under which cache-key variants.',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'x-hint': 'a group name uses letters, digits, "_", "." and "-"' },
      additionalProperties: { $ref: '#/definitions/group' },
    },
  },
  definitions: {
    zone: {
      type: 'object',
      description: 'A Cloudflare zone (give its id, or its name to have it looked up at apply), a Fastly service (provider: fastly, service_id) or a CloudFront distribution (provider: cloudfront, distribution_id).',
      additionalProperties: false,
      properties: {
        id: hexId('Zone id: 32 hex characters. Without it, the zone is looked up by name at apply.', 'a zone id'),
        name: str('Zone name (e.g. example.com). Looked up at apply when id is absent; URLs outside it get a warning.', {
          pattern: '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9-]{2,63}$',
          'x-expected': 'a zone name', 'x-hint': 'a zone name is a domain such as example.com, without scheme or path',
        }),
        account_id: hexId('Account id (32 hex characters): lets apply verify account-owned API tokens.', 'an account id'),
        provider: { enum: ['cloudflare', 'fastly', 'cloudfront'], description: 'The CDN this zone is on (default cloudflare). A fastly zone needs service_id, a cloudfront zone distribution_id.', 'x-hint': 'one of cloudflare, fastly, cloudfront' },
        service_id: str('The Fastly service id (provider: fastly).', { pattern: '^[A-Za-z0-9]{1,64}$', 'x-expected': 'a Fastly service id', 'x-hint': 'a Fastly service id is letters and digits, such as SU1Z0isxPaozGVKXdv0eY' }),
        distribution_id: str('The CloudFront distribution id (provider: cloudfront).', { pattern: '^[A-Z0-9]{1,64}$', 'x-expected': 'a CloudFront distribution id', 'x-hint': 'a CloudFront distribution id is upper-case letters and digits, such as E2QWRUHAPOMQZL' }),
        plan: { enum: ['free', 'pro', 'business', 'enterprise'], description: 'The zone\'s Cloudflare plan: sets batch sizes and rate limits (default free).', 'x-hint': 'one of free, pro, business, enterprise' },
        token_env: str('Name of the environment variable holding the API token (default CLOUDFLARE_API_TOKEN).', { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expected': 'an environment variable name', 'x-hint': 'the name of an environment variable, such as CLOUDFLARE_API_TOKEN (never the token itself)' }),
        cache_key: str('A profile from cache_keys used by this zone\'s groups (default: Cloudflare\'s default cache key).'),
        action: action('What this zone\'s groups do by default: purge (delete the cached copies, the default) or invalidate (mark them stale: they are revalidated with the origin, and may still be served stale under stale-while-revalidate or stale-if-error).'),
        schemes: list('Purge each URL under these schemes (e.g. [https, http]); default: the scheme the URL is written with.', { enum: ['http', 'https'], description: 'A URL scheme.' }, { minItems: 1, uniqueItems: true }),
        allow_purge_everything: bool('A group may ask for everything: true only when this is true.'),
        limits: {
          type: 'object',
          description: 'Lower (or raise up to Cloudflare\'s documented maximum) the number of items per request.',
          additionalProperties: false,
          properties: {
            files_per_request: { type: 'integer', minimum: 1, description: 'URLs per files request (default 30; 500 on Enterprise; at most 100, or 500 on Enterprise).' },
            items_per_request: { type: 'integer', minimum: 1, description: 'Hosts, prefixes or tags per request (default and maximum 100).' },
            concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Fastly and CloudFront: requests of this zone in flight at most (default 8 on Fastly, 1 on CloudFront).' },
          },
        },
        budget: {
          type: 'object',
          description: 'The most this zone\'s plan may send: over it, groups with escalate are escalated (largest first), else the plan is refused (--ignore-budget overrides for one run).',
          additionalProperties: false,
          'x-hint': 'write { seconds: 120 }, { items: 50000 } or both',
          properties: {
            seconds: { type: 'number', minimum: 0, description: 'Estimated send time of the zone\'s requests at its plan\'s rate limits, in seconds.' },
            items: { type: 'integer', minimum: 0, description: 'Due file items of the zone, after deduplication and coverage.' },
          },
        },
        cache_reserve: bool('The zone uses Cache Reserve: the plan warns that purged items are refilled from the origin (billed Class A writes) and suggests action: invalidate.'),
      },
    },
    cacheKey: {
      type: 'object',
      description: 'What Cloudflare puts in the cache key (Cache Rules > Cache key).',
      additionalProperties: false,
      properties: {
        query_string: {
          type: 'object',
          description: 'How the query string is part of the key. At most one of ignore, include, exclude.',
          additionalProperties: false,
          properties: {
            sort: bool('Sort query string: parameters are ordered by name, then value (Cache Rules "ignore_query_strings_order").'),
            ignore: bool('Ignore the query string entirely (Cache Level "Ignore Query String").'),
            include: allOrList('Only these parameters are part of the key; "*" (or ["*"]) keeps every parameter, as if include were absent.'),
            exclude: allOrList('These parameters are not part of the key; "*" (or ["*"]) drops every parameter, as ignore: true.'),
          },
        },
        cache_deception_armor: bool('Cache deception armor. Accepted so Cache Rule settings can be copied as they are; it does not change the cache key, so it changes nothing in a plan.'),
        device_type: bool('Cache by device type: cf-device-type is desktop, mobile or tablet.'),
        geo: bool('Cache by the visitor\'s country: cf-ipcountry.'),
        lang: bool('Cache by language: the accept-language header.'),
        headers: {
          type: 'object',
          description: 'Request headers in the key.',
          additionalProperties: false,
          properties: {
            include: list('The value of each of these headers is part of the key.', str('A header name.', { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', 'x-expected': 'a header name' }), { minItems: 1 }),
            check_presence: list('Only whether each of these headers is present is part of the key.', str('A header name.', { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', 'x-expected': 'a header name' }), { minItems: 1 }),
            exclude_origin: bool('true: the Origin header is not part of the key.'),
          },
        },
        cookies: {
          type: 'object',
          description: 'Cookies in the key.',
          additionalProperties: false,
          properties: {
            include: list('The value of each of these cookies is part of the key.', str('A cookie name.', { pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', 'x-expected': 'a cookie name' }), { minItems: 1 }),
            check_presence: list('Only whether each of these cookies is present is part of the key.', str('A cookie name.', { pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$', 'x-expected': 'a cookie name' }), { minItems: 1 }),
          },
        },
        host: {
          type: 'object',
          description: 'Which host is in the key.',
          additionalProperties: false,
          properties: {
            resolved: bool('true: the key uses the host after an Origin Rule rewrite; such entries are purged by hosts, not URLs.'),
          },
        },
      },
    },
    group: {
      type: 'object',
      description: 'A content group: URL patterns and their cache variants, hosts, prefixes and tags.',
      additionalProperties: false,
      properties: {
        description: str('What this group is, for reviewers.'),
        zone: str('The zone (a key of zones). Without it, a file\'s only zone; with several zones, each URL, host and prefix goes to the zone whose name matches its host (routing).'),
        cache_key: str('A profile from cache_keys; overrides the zone\'s.'),
        action: action('purge (delete the cached copies) or invalidate (mark them stale); default: the zone\'s action, else purge. Content that must not be served again (legal removals, leaked data) must be purged.'),
        urls: list('URL patterns: {var}, {a,b} alternatives, {1..5} and {01..10} ranges; {{ and }} are literal braces.', str('An absolute http(s) URL pattern.', { minLength: 1 })),
        vars: {
          type: 'object',
          description: 'Values for the {placeholders} of urls.',
          propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', 'x-hint': 'a variable name starts with a letter or "_" and uses letters, digits, "_" and "-"' },
          additionalProperties: {
            type: ['array', 'object'],
            description: 'A list of values, or {file: path} with one value a line (# comments), relative to purge.yaml.',
            'x-hint': 'write a list such as [a, b], or {file: values.txt}',
            items: { type: ['string', 'number'], description: 'A value substituted for the placeholder.' },
            required: ['file'],
            properties: { file: str('A file beside purge.yaml: one value a line, # starts a comment.', { minLength: 1 }) },
            additionalProperties: false,
          },
        },
        variants: {
          type: 'object',
          description: 'The header variants to purge, for each dimension of the cache key.',
          additionalProperties: false,
          properties: {
            device_type: dimension('Device types to purge (default all three).', 'desktop, mobile or tablet.'),
            geo: dimension('Countries to purge (ISO 3166-1 alpha-2, XX, T1), or all.', 'A country code, or all.'),
            lang: dimension('accept-language values to purge, exactly as visitors send them.', 'An accept-language value.'),
            headers: {
              type: 'object',
              description: 'Values of each header in the key (headers.include), Origin, and the other headers of Cloudflare\'s default key.',
              propertyNames: { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', 'x-hint': 'a header name such as x-tenant' },
              additionalProperties: dimension('Values of this header.', 'A header value.'),
            },
            cookies: {
              type: 'object',
              description: 'Values of each cookie in the key (cookies.include).',
              additionalProperties: dimension('Values of this cookie.', 'A cookie value.'),
            },
          },
        },
        hosts: list('Host names to purge entirely. Patterns as in urls ({var}, {a,b}, {1..5}, {{ }}).', str('A host name, without scheme, port or path, or a pattern giving host names.', { minLength: 1 })),
        prefixes: list('URL prefixes to purge: host/path, without scheme or query. Patterns as in urls.', str('A prefix such as www.example.com/blog/, or a pattern giving prefixes.', { minLength: 1 })),
        tags: list('Cache-Tag values to purge. Patterns as in urls (t{1..3} is t1, t2, t3; {{ and }} are literal braces).', { type: ['string', 'number'], description: 'A cache tag: printable ASCII, no spaces or commas, 1 to 1024 characters; or a pattern giving tags.' }),
        everything: bool('Purge everything in the zone. Needs allow_purge_everything: true on the zone.'),
        revision: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'Bump to force this group\'s purge on the next apply: an integer from 0 to 2,147,483,647.' },
        watch: list('Repository paths (git-style globs, relative to purge.yaml): the group is due when they change.', str('A glob such as content/posts/**.', { minLength: 1 })),
        build: {
          type: 'object',
          description: 'The group\'s URLs are the files of a build directory (instead of urls): only the files added, changed or removed since the baseline are purged.',
          required: ['dir', 'base_url'],
          additionalProperties: false,
          properties: {
            dir: str('The build output directory, relative to purge.yaml (e.g. public/).', { minLength: 1 }),
            base_url: str('The URL the directory is served at (e.g. https://www.example.com/); without a trailing / it is taken as a directory.', { minLength: 1 }),
            index: { type: ['string', 'boolean'], minLength: 1, description: 'The index file name: a/b/index.html is purged as a/b/ (default index.html); false: no index mapping.', 'x-hint': 'a file name such as index.html, or false' },
            clean_urls: { type: ['boolean', 'string'], enum: [false, true, 'both'], description: 'How other .html files map: false a/x.html (default), true a/x, both a/x and a/x.html.', 'x-hint': 'one of false, true, both' },
            exclude: list('Files left out (gitignore syntax, relative to dir), e.g. **/*.map.', str('A gitignore-style pattern.', { minLength: 1 })),
            immutable: list('Files whose names carry a content hash (gitignore syntax): purged only when their content changed, never when added or removed.', str('A gitignore-style pattern.', { minLength: 1 })),
            always: list('Files whose change makes every URL of the group due (gitignore syntax), e.g. _redirects.', str('A gitignore-style pattern.', { minLength: 1 })),
          },
        },
        sitemap: {
          type: ['string', 'object'],
          description: 'The group\'s URLs are the <loc> entries of a sitemap (.xml or .xml.gz, relative to purge.yaml; sitemap indexes are followed): purged when added, removed or their <lastmod> changed.',
          minLength: 1,
          'x-hint': 'a path such as public/sitemap.xml, or {file: public/sitemap.xml, base_url: https://www.example.com/}',
          required: ['file'],
          additionalProperties: false,
          properties: {
            file: str('The sitemap, relative to purge.yaml.', { minLength: 1 }),
            base_url: str('Relative <loc> entries are resolved against this URL.', { minLength: 1 }),
          },
        },
        budget: {
          type: 'object',
          description: 'The most file items this group may send: over it, the group is escalated by its escalate steps, else the plan is refused (--ignore-budget overrides for one run).',
          required: ['items'],
          additionalProperties: false,
          properties: {
            items: { type: 'integer', minimum: 0, description: 'Due file items of the group, after deduplication and coverage.' },
          },
        },
        escalate: list('What replaces the group\'s file items when it is over a budget, the first step that brings the plan within budget: auto (the longest common path prefix per host), host (each host of its URLs), everything (where the zone allows it), { prefixes: [...] } or { hosts: [...] }.', {
          type: ['string', 'object'],
          description: 'auto, host, everything, { prefixes: [...] } or { hosts: [...] }.',
          pattern: '^(auto|host|everything)$',
          'x-expected': 'auto, host, everything, { prefixes: [...] } or { hosts: [...] }',
          'x-hint': 'one of auto, host, everything, { prefixes: [www.example.com/blog/] }, { hosts: [www.example.com] }',
          additionalProperties: false,
          properties: {
            prefixes: list('Prefixes to purge instead (host/path). Patterns as in urls.', str('A prefix such as www.example.com/blog/, or a pattern giving prefixes.', { minLength: 1 }), { minItems: 1 }),
            hosts: list('Hosts to purge instead. Patterns as in urls.', str('A host name, or a pattern giving host names.', { minLength: 1 }), { minItems: 1 }),
          },
        }, { minItems: 1 }),
      },
    },
  },
};
