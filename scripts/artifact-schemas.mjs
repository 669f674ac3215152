// JSON Schemas of the files purgeplan writes and reads back: the saved plan, the state and the
// apply journal (one schema per journal line). build-schema.mjs writes them to schemas/ and
// compiles them into standalone validators, as it does for purge.yaml.
const digest = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' };
const str = { type: 'string' };
const nonEmpty = { type: 'string', minLength: 1 };
const count = { type: 'integer', minimum: 0 };
const strings = { type: 'array', items: str };
const revision = { type: 'integer', minimum: 0, maximum: 2147483647 };
const time = { type: 'string', minLength: 1 };

const recordedItems = {
  type: 'object',
  description: 'A group\'s items, factored: its file items are exactly urls x variants (variant keys, "" for no headers).',
  additionalProperties: false,
  properties: {
    everything: { const: true },
    hosts: strings,
    prefixes: strings,
    tags: strings,
    urls: strings,
    variants: strings,
    zones: {
      type: 'object',
      description: 'A routed group whose zones vary its URLs differently: its items in each zone.',
      additionalProperties: { $ref: '#/definitions/recordedItems' },
    },
  },
};

const removedItems = {
  type: 'object',
  description: 'Items a group lost since the baseline, in one zone: each files block is its urls x its variants (header objects, {} for none).',
  required: ['zone'],
  additionalProperties: false,
  properties: {
    zone: nonEmpty,
    hosts: strings,
    prefixes: strings,
    tags: strings,
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['urls', 'variants'],
        additionalProperties: false,
        properties: { urls: strings, variants: { type: 'array', items: { type: 'object', additionalProperties: str } } },
      },
    },
  },
};

const groupRecord = {
  type: 'object',
  description: 'What a successful apply records about a group.',
  required: ['zone', 'zone_id', 'fingerprint', 'revision', 'items_count'],
  properties: {
    zone: { ...nonEmpty, description: 'The zone; for a group routed to several zones (docs/purge-yaml.md), their names joined by ",".' },
    zone_id: { ...str, description: 'The zone\'s id (or name:NAME), joined by "," like zone for a routed group.' },
    fingerprint: digest,
    revision,
    watch_digest: digest,
    items_count: count,
    items: { $ref: '#/definitions/recordedItems' },
    source: {
      type: 'object',
      description: 'A build or sitemap group\'s content as applied: its keys (paths or URLs) and their digests; table (in the state) is the packed snapshot.',
      required: ['kind', 'count', 'digest'],
      additionalProperties: false,
      properties: { kind: { enum: ['build', 'sitemap'] }, count, digest, table: str },
    },
  },
};

const sourceChanges = {
  type: 'object',
  description: 'A build or sitemap group\'s keys added, changed and removed since its baseline (paths relative to the build directory, or URLs).',
  required: ['added', 'changed', 'removed'],
  additionalProperties: false,
  properties: { added: strings, changed: strings, removed: strings },
};

const planSource = {
  type: 'object',
  description: 'A build or sitemap group\'s content: where it was read, how much, against which baseline, and what is due.',
  required: ['kind', 'path', 'count', 'digest', 'baseline', 'due'],
  additionalProperties: false,
  properties: {
    kind: { enum: ['build', 'sitemap'] },
    path: nonEmpty,
    count,
    digest,
    baseline: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: { kind: { enum: ['none', 'state', 'build-base'] }, path: nonEmpty },
    },
    due: { enum: ['all', 'changes', 'none'] },
    without_lastmod: count,
    base_url: nonEmpty,
    index: { type: ['string', 'null'] },
    clean_urls: { enum: [false, true, 'both'] },
    not_purged: strings,
  },
};

const groupDiff = {
  type: 'object',
  description: 'For a changed group: items added and removed since the baseline (lists may be cut, counts are whole).',
  required: ['added', 'removed', 'added_count', 'removed_count'],
  properties: { added: strings, removed: strings, added_count: count, removed_count: count },
};

const list = (items, extra = {}) => ({ type: 'array', items, ...extra });

const escalation = {
  type: 'object',
  description: 'A group over a budget: its file items (from) are purged by prefixes, hosts or everything (to) instead.',
  required: ['from', 'to', 'reason'],
  properties: {
    from: { type: 'object', required: ['files', 'seconds'], properties: { files: count, seconds: { type: 'number', minimum: 0 } } },
    to: {
      type: 'object',
      oneOf: [
        { required: ['prefixes'], additionalProperties: false, properties: { prefixes: list(nonEmpty, { minItems: 1 }) } },
        { required: ['hosts'], additionalProperties: false, properties: { hosts: list(nonEmpty, { minItems: 1 }) } },
        { required: ['everything'], additionalProperties: false, properties: { everything: { const: true } } },
      ],
    },
    reason: str,
    budget: { type: 'object' },
    requests: count,
  },
};
const only = (key, value) => ({ type: 'object', required: [key], additionalProperties: false, properties: { [key]: value } });
const fileObject = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: { url: nonEmpty, headers: { type: 'object', additionalProperties: str } },
};
/** A files body is all strings or all objects (Cloudflare's schema): a mixed body writes header-less items as {url}. */
const filesList = { anyOf: [list(nonEmpty, { minItems: 1 }), list(fileObject, { minItems: 1 })] };

export const planSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://purgeplan.dev/schemas/plan.schema.json',
  title: 'purgeplan saved plan (plan --out, plan --json)',
  type: 'object',
  required: ['format_version', 'config', 'baseline', 'groups', 'requests', 'summary', 'zones', 'coverage', 'cache_keys', 'state', 'plan_id'],
  properties: {
    format_version: { const: 1 },
    config: {
      type: 'object',
      required: ['path', 'digest', 'inputs_digest'],
      properties: { path: nonEmpty, digest, inputs_digest: digest },
    },
    baseline: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { enum: ['none', 'state', 'git'] }, path: str, digest: str, ref: str, commit: str },
      allOf: [
        { if: { properties: { kind: { const: 'state' } } }, then: { required: ['path', 'digest'] } },
        { if: { properties: { kind: { const: 'git' } } }, then: { required: ['ref', 'commit'] } },
      ],
    },
    groups: list({
      type: 'object',
      required: ['name', 'zone', 'zones', 'status', 'items', 'due'],
      properties: {
        name: nonEmpty,
        zone: { type: ['string', 'null'], description: 'The zone the group\'s items go to; null for a routed group (docs/purge-yaml.md) that sends to several.' },
        zones: list(nonEmpty, { description: 'The zones the group\'s items go to, in file order.' }),
        routes: list({
          type: 'object',
          description: 'A routed group\'s items per zone.',
          required: ['zone', 'cache_key', 'action', 'items', 'preview'],
          properties: { zone: nonEmpty, cache_key: { type: ['string', 'null'] }, action: { enum: ['purge', 'invalidate'] }, items: count, preview: strings },
        }),
        status: { enum: ['new', 'changed', 'revised', 'content', 'forced', 'unchanged', 'removed'] },
        items: count,
        due: { type: 'boolean' },
        description: str,
        revision,
        fingerprint: digest,
        watch_digest: digest,
        diff: { $ref: '#/definitions/groupDiff' },
        removed_items: list({ $ref: '#/definitions/removedItems' }, { description: 'Items the group lost since the baseline, by zone: purged one last time with its current ones.' }),
        preview: strings,
        cache_key: { type: ['string', 'null'] },
        action: { enum: ['purge', 'invalidate'] },
        escalated: { $ref: '#/definitions/escalation' },
        source: planSource,
        changes: sourceChanges,
        record: { $ref: '#/definitions/groupRecord' },
      },
    }),
    requests: list({
      type: 'object',
      required: ['zone', 'zone_id', 'action', 'groups', 'kind', 'size', 'body'],
      properties: {
        zone: nonEmpty,
        provider: { enum: ['cloudflare', 'fastly', 'cloudfront'] },
        zone_id: { type: ['string', 'null'] },
        action: { enum: ['purge', 'invalidate'] },
        groups: list(nonEmpty, { minItems: 1 }),
        kind: { enum: ['purge_everything', 'hosts', 'prefixes', 'tags', 'files'] },
        size: { type: 'integer', minimum: 1 },
        body: { $ref: '#/definitions/body' },
      },
    }),
    summary: {
      type: 'object',
      required: ['requests', 'files', 'hosts', 'prefixes', 'tags', 'everything', 'covered', 'duplicates'],
      properties: {
        requests: count, files: count, hosts: count, prefixes: count, tags: count, everything: count, covered: count, duplicates: count,
        estimated_seconds: { type: 'number', minimum: 0 },
      },
    },
    zones: list({
      type: 'object',
      required: ['name', 'zone_id', 'zone_name', 'plan', 'cache_key'],
      properties: {
        name: nonEmpty,
        provider: { enum: ['cloudflare', 'fastly', 'cloudfront'] },
        concurrency: { type: 'integer', minimum: 1 },
        invalidation_cost: { type: 'object', required: ['paths'], properties: { paths: count } },
        zone_id: { type: ['string', 'null'] },
        zone_name: { type: ['string', 'null'] },
        account_id: { type: ['string', 'null'] },
        plan: { enum: ['free', 'pro', 'business', 'enterprise'] },
        token_env: nonEmpty,
        cache_key: { type: ['string', 'null'] },
        files_per_request: { type: 'integer', minimum: 1 },
        items_per_request: { type: 'integer', minimum: 1 },
        cache_reserve: { const: true },
      },
    }),
    coverage: list({
      type: 'object',
      required: ['zone', 'kind', 'value', 'covered'],
      properties: { zone: str, kind: str, value: str, covered: count, action: { const: 'invalidate' } },
    }),
    cache_keys: { type: 'object', additionalProperties: str },
    state: {
      type: 'object',
      required: ['path', 'digest'],
      properties: { path: nonEmpty, digest: { type: ['string', 'null'], anyOf: [digest, { type: 'null' }] } },
    },
    ignore_budget: { const: true, description: 'Planned with --ignore-budget: budgets were not applied.' },
    plan_id: digest,
  },
  definitions: {
    escalation,
    body: {
      description: 'Exactly the JSON apply POSTs: one purge type per request. Fastly and CloudFront zones: their provider\'s form (url, surrogate_keys, purge_all; paths).',
      type: 'object',
      oneOf: [
        only('url', nonEmpty),
        only('surrogate_keys', list(nonEmpty, { minItems: 1 })),
        only('purge_all', { const: true }),
        only('paths', list(nonEmpty, { minItems: 1 })),
        only('purge_everything', { const: true }),
        only('hosts', list(nonEmpty, { minItems: 1 })),
        only('prefixes', list(nonEmpty, { minItems: 1 })),
        only('tags', list(nonEmpty, { minItems: 1 })),
        only('files', filesList),
      ],
    },
    groupRecord,
    groupDiff,
    recordedItems,
    removedItems,
  },
};

const appliedRecord = {
  type: 'object',
  allOf: [{ $ref: '#/definitions/groupRecord' }],
  required: ['applied_at', 'plan_id'],
  properties: { applied_at: time, plan_id: str },
};

export const stateSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://purgeplan.dev/schemas/state.schema.json',
  title: 'purgeplan state (.purgeplan/state.json): what apply last purged, per group',
  type: 'object',
  required: ['format_version', 'groups'],
  if: { type: 'object', properties: { format_version: { const: 1 } } },
  then: {
    type: 'object',
    description: 'Format 1 (purgeplan before the state recorded its configuration): read, never written.',
    properties: {
      groups: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['zone', 'fingerprint', 'items_count', 'revision', 'applied_at', 'plan_id'],
          properties: {
            zone: str, fingerprint: str, items_count: count, items: strings, revision: { type: 'integer' },
            watch_digest: str, applied_at: str, plan_id: str,
          },
        },
      },
    },
  },
  else: {
    type: 'object',
    required: ['config'],
    properties: {
      format_version: { const: 2 },
      config: { description: 'The configuration this state belongs to, relative to the state file\'s directory.', type: 'string', minLength: 1 },
      groups: { type: 'object', additionalProperties: appliedRecord },
    },
  },
  definitions: { groupRecord, recordedItems },
};

export const journalLineSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://purgeplan.dev/schemas/journal-line.schema.json',
  title: 'One line of the apply journal (.purgeplan/state.json.journal, JSON lines, append-only)',
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      description: 'First line: the plan being applied, and what it was planned from (to resume it without a plan file).',
      type: 'object',
      required: ['type', 'format_version', 'plan_id', 'started_at', 'baseline', 'state', 'groups', 'options'],
      properties: {
        type: { const: 'plan' },
        format_version: { const: 2 },
        plan_id: digest,
        started_at: time,
        baseline: { type: 'object', required: ['kind'] },
        state: { type: 'object', required: ['path', 'digest'], properties: { path: str, digest: { type: ['string', 'null'] } } },
        groups: list({
          type: 'object',
          required: ['name', 'zone', 'status', 'due'],
          properties: { name: nonEmpty, zone: str, status: str, due: { type: 'boolean' }, diff: { $ref: '#/definitions/groupDiff' }, removed_items: list(removedItems), source: planSource, changes: sourceChanges },
        }),
        options: {
          type: 'object',
          required: ['all', 'groups', 'base'],
          properties: { all: { type: 'boolean' }, groups: strings, base: { type: ['string', 'null'] }, ignore_budget: { const: true } },
        },
      },
    },
    {
      description: 'A request Cloudflare accepted: its index in the plan\'s requests, Cloudflare\'s purge id, and with --repurge-after the pass that sent it (pass 2; absent for the first).',
      type: 'object',
      required: ['type', 'index', 'id', 'at'],
      properties: { type: { const: 'request' }, index: count, id: str, at: time, pass: { enum: [1, 2] } },
    },
    {
      description: 'The state file\'s digest after this apply recorded what it completed.',
      type: 'object',
      required: ['type', 'state_digest'],
      properties: { type: { const: 'state' }, state_digest: digest },
    },
    {
      description: 'Last line of an apply that sent every request: this journal can no longer make an apply skip anything.',
      type: 'object',
      required: ['type', 'at'],
      properties: { type: { const: 'complete' }, at: time },
    },
  ],
  definitions: { groupDiff },
};
