// docs/purge-yaml.md (and the value rules of (docs/purge-yaml.md), docs/purge-yaml.md, docs/purge-yaml.md): one row per validation rule. Each row is a
// small purge.yaml, and the exact diagnostics it must give: severity, LINE:COL and a distinctive
// part of the message (the key path and the quoted offending key or value). A row lists every
// diagnostic it expects, so a rule that also sets off another (a cascade) fails its row.
// Rows run in process through load -> schema -> check -> expand (checkAndExpand); a few tests at
// the end run the built CLI to check the printed format.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { COUNTRY_CODES } from '../src/cloudflare/countries.js';
import { DEFAULT_MAX_ITEMS } from '../src/defaults.js';
import { checkAndExpand } from '../src/commands/pipeline.js';
import type { Checked } from '../src/commands/pipeline.js';
import { workingTreeReader } from '../src/config/files.js';
import type { SourceReader } from '../src/config/files.js';
import { formatDiagnostic, sortDiagnostics } from '../src/diagnostics.js';
import type { Diagnostic, Severity } from '../src/diagnostics.js';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const VARS_DIR = fileURLToPath(new URL('../../test/fixtures/validate/vars-files/', import.meta.url));

/** Strips the indentation common to every line (and the first newline) of a template literal. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  return text.split('\n').map((line) => line.slice(indent)).join('\n');
}

/** Lines 1-6 of most rows: one Enterprise zone (so that no row trips the Enterprise-only warning). */
const ZONE = yaml`
  version: 1
  zones:
    www:
      id: 023e105f4ecef8ad9ca31a8372d0c353
      name: example.com
      plan: enterprise
`;

const noFiles: SourceReader = { read: (path) => ({ problem: `unexpected read of "${path}"` }) };

function run(text: string, options: { reader?: SourceReader; maxItems?: number } = {}): Checked {
  return checkAndExpand('purge.yaml', new TextEncoder().encode(text), options.reader ?? noFiles, options.maxItems ?? DEFAULT_MAX_ITEMS);
}

interface Expected {
  readonly severity: Severity;
  /** LINE:COL */
  readonly at: string;
  /** A distinctive part of the message: the key path and the quoted key or value. */
  readonly message: string;
}

interface Row {
  readonly rule: string;
  readonly yaml: string;
  /** Every diagnostic the row gives, in report order; [] for a file that must be valid. */
  readonly expect: readonly Expected[];
  readonly reader?: SourceReader;
  readonly maxItems?: number;
}

const error = (at: string, message: string): Expected => ({ severity: 'error', at, message });
const warning = (at: string, message: string): Expected => ({ severity: 'warning', at, message });
const show = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => formatDiagnostic(d)).join('\n') || '(none)';

function assertDiagnostics(diagnostics: readonly Diagnostic[], expected: readonly Expected[]): void {
  const sorted = sortDiagnostics(diagnostics);
  const found = sorted.map((d) => `${d.severity} ${d.line}:${d.col}`);
  assert.deepEqual(found, expected.map((e) => `${e.severity} ${e.at}`), `positions differ; got:\n${show(sorted)}`);
  expected.forEach((e, i) => {
    assert.ok(sorted[i].message.includes(e.message), `diagnostic ${i + 1} should contain ${JSON.stringify(e.message)}; got:\n${show(sorted)}`);
  });
}

function table(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      it(row.rule, () => assertDiagnostics(run(row.yaml, row).diagnostics, row.expect));
    }
  });
}

table('YAML: syntax, duplicate keys, aliases, tags', [
  {
    rule: 'a YAML syntax error is positioned at the offending token',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com: x
    `,
    expect: [error('4:11', 'YAML syntax: Nested mappings are not allowed')],
  },
  {
    rule: 'a duplicate key points at the second key and names its mapping',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          name: example.org
    `,
    expect: [error('5:5', 'zones.www: duplicate key "name"')],
  },
  {
    rule: 'a duplicate key at the top level',
    yaml: 'version: 1\nversion: 1\n',
    expect: [error('2:1', 'the top level: duplicate key "version"')],
  },
  {
    rule: 'an alias bomb (billion laughs) is refused, at its first alias',
    yaml: yaml`
      version: 1
      a: &a [x, x, x, x, x, x, x, x, x, x]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
    `,
    expect: [error('3:8', 'too many YAML aliases')],
  },
  {
    rule: 'an alias to no anchor points at the alias',
    yaml: 'version: 1\nzones: *www\n',
    expect: [error('2:8', 'YAML alias "*www" refers to no anchor')],
  },
  {
    rule: 'a few anchors and aliases are fine',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: &posts [https://www.example.com/posts/]
        feeds:
          urls: *posts
    `,
    expect: [],
  },
  {
    rule: 'a YAML 1.1 tag (!!binary, !!set, …) is refused where it is written',
    yaml: 'version: 1\nzones: !!set {www: null}\n',
    expect: [error('2:14', 'YAML tag "!!set" is not supported')],
  },
  {
    rule: 'a custom tag is refused',
    yaml: 'version: 1\nzones: !zone {}\n',
    expect: [error('2:14', 'YAML tag "!zone" is not supported')],
  },
  {
    rule: 'a list as a mapping key is refused at the key',
    yaml: 'version: 1\n? [zones]\n: {}\n',
    expect: [error('2:3', 'a mapping key must be a plain name')],
  },
]);

table('schema: unknown keys, types, ids, plans, version', [
  {
    rule: 'an unknown top-level key points at the key, with did-you-mean',
    yaml: ZONE + yaml`
      grups:
        posts:
          tags: [posts]
    `,
    expect: [error('7:1', 'unknown key "grups" in the top level (did you mean "groups"?)')],
  },
  {
    rule: 'an unknown key in a group names the group path',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          taggs: [posts]
    `,
    expect: [error('10:5', 'unknown key "taggs" in groups.posts (did you mean "tags"?)')],
  },
  {
    rule: 'an unknown key in variants',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            headerz: {x-tenant: [acme]}
    `,
    expect: [error('11:7', 'unknown key "headerz" in groups.posts.variants (did you mean "headers"?)')],
  },
  {
    rule: 'a wrong type points at the value and says what it got',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: https://www.example.com/
    `,
    expect: [error('9:11', 'groups.posts.urls must be a list (got the string "https://www.example.com/")')],
  },
  {
    rule: 'a boolean written as a string',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          device_type: "yes"
    `,
    expect: [error('9:18', 'cache_keys.pages.device_type must be true or false (got the string "yes")')],
  },
  {
    rule: 'a zone id that is not 32 hex characters',
    yaml: yaml`
      version: 1
      zones:
        www:
          id: 023e105f4ecef8ad9ca31a8372d0c35
    `,
    expect: [error('4:9', 'zones.www.id: "023e105f4ecef8ad9ca31a8372d0c35"')],
  },
  {
    rule: 'a plan name that is not one of the four, with did-you-mean',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          plan: busines
    `,
    expect: [error('5:11', 'zones.www.plan: "busines" is not one of free, pro, business, enterprise (did you mean "business"?)')],
  },
  {
    rule: 'a zone with neither id nor name',
    yaml: 'version: 1\nzones:\n  www: {plan: pro}\n',
    expect: [error('3:8', 'zones.www: give "id"')],
  },
  {
    rule: 'version missing: reported at the mapping that lacks it',
    yaml: yaml`
      # the site's purges
      zones:
        www:
          name: example.com
    `,
    expect: [error('2:1', 'the top level: missing key "version"')],
  },
  {
    rule: 'version other than 1',
    yaml: 'version: 2\n',
    expect: [error('1:10', 'version must be 1 (got 2)')],
  },
  {
    rule: 'version as a string',
    yaml: 'version: "1"\n',
    expect: [error('1:10', 'version must be 1 (got "1")')],
  },
  {
    rule: 'an empty group (a key without content)',
    yaml: ZONE + 'groups:\n  posts:\n',
    expect: [error('8:9', 'groups.posts is empty: expected a mapping')],
  },
  {
    rule: 'a null key is located at the key (not at 1:1)',
    yaml: 'version: 1\nnull: x\n',
    expect: [error('2:1', 'unknown key "" in the top level')],
  },
]);

table('references: zones, cache key profiles, {vars}, groups that purge nothing', [
  {
    rule: 'an unknown zone, with did-you-mean',
    yaml: ZONE + yaml`
      groups:
        posts:
          zone: wwx
          tags: [posts]
    `,
    expect: [error('9:11', 'groups.posts.zone: unknown zone "wwx" (did you mean "www"?)')],
  },
  {
    // docs/purge-yaml.md: such a group is routed by host, and tags have no host (before v1.1 this row
    // expected 'missing key "zone"' at the group mapping).
    rule: 'zone omitted while there are several zones: a routed group cannot purge tags (at the tags key)',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
        cdn:
          name: example.net
      groups:
        posts:
          tags: [posts]
    `,
    expect: [error('9:5', 'groups.posts.tags: a group without zone is routed by host, and tags have no host')],
  },
  {
    rule: 'zone omitted while there are several zones, none with a name to route by: at the group mapping',
    yaml: yaml`
      version: 1
      zones:
        www:
          id: 023e105f4ecef8ad9ca31a8372d0c353
        cdn:
          id: 9a7806061c88ada191ed06f989cc3dac
      groups:
        posts:
          tags: [posts]
    `,
    expect: [error('9:5', 'groups.posts: missing key "zone"')],
  },
  {
    rule: 'zone omitted with exactly one zone is fine',
    yaml: ZONE + 'groups:\n  posts:\n    tags: [posts]\n',
    expect: [],
  },
  {
    rule: "an unknown cache_key profile on a zone",
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          plan: enterprise
          cache_key: pagez
      cache_keys:
        pages:
          device_type: true
    `,
    expect: [error('6:16', 'zones.www.cache_key: unknown cache key profile "pagez" (did you mean "pages"?)')],
  },
  {
    rule: 'an unknown cache_key profile on a group',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          device_type: true
      groups:
        posts:
          cache_key: pagez
          urls: [https://www.example.com/]
    `,
    expect: [error('12:16', 'groups.posts.cache_key: unknown cache key profile "pagez" (did you mean "pages"?)')],
  },
  {
    rule: 'an unknown {var}',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/posts/{slug}/
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: unknown variable "{slug}"')],
  },
  {
    rule: 'empty alternatives {}',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/posts/{}/
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: empty placeholder "{}"')],
  },
  {
    rule: 'a reversed range',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/posts/?page={5..1}
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: reversed range "{5..1}"')],
  },
  {
    rule: 'an unclosed brace',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/posts/{slug/
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: unclosed "{"')],
  },
  {
    rule: 'a stray closing brace',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/posts/slug}/
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: unmatched "}"')],
  },
  {
    rule: 'literal {{ and }} are accepted',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.com/search/{{q}}/
    `,
    expect: [],
  },
  {
    rule: 'a URL that is not absolute after expansion',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - "{host}/feed.xml"
          vars:
            host: [www.example.com]
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: "www.example.com/feed.xml" is not an absolute URL (expanded from "{host}/feed.xml")')],
  },
  {
    rule: 'a URL that is not http(s)',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - ftp://www.example.com/file.zip
    `,
    expect: [error('10:9', 'groups.posts.urls[0]: "ftp://www.example.com/file.zip" is not an http or https URL')],
  },
  {
    rule: 'a URL that is not http(s) in a later expansion of the pattern',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - "{https,ftp}://www.example.com/file.zip"
    `,
    expect: [error('10:9', '"ftp://www.example.com/file.zip" is not an http or https URL (expanded from "{https,ftp}://www.example.com/file.zip")')],
  },
  {
    rule: 'a group that purges nothing: at the group key',
    yaml: ZONE + yaml`
      groups:
        posts:
          description: Blog posts
    `,
    expect: [error('8:3', 'groups.posts: group "posts" purges nothing')],
  },
  {
    rule: 'a group whose lists are all empty purges nothing',
    yaml: ZONE + 'groups:\n  posts: {urls: [], hosts: [], tags: [], everything: false}\n',
    expect: [error('8:3', 'group "posts" purges nothing')],
  },
]);

/** Lines 7-… of the cache-key rows: a profile `pages` used by group `posts` (line numbers below). */
table('cache-key consistency: required dimensions (docs/purge-yaml.md)', [
  {
    rule: 'geo missing (no variants at all): at the group mapping',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
    `,
    expect: [error('11:5', 'groups.posts.variants.geo is required: cache key "pages" varies on country')],
  },
  {
    rule: 'lang missing from variants: at the variants mapping',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {device_type: true, lang: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            device_type: [mobile]
    `,
    expect: [error('14:7', 'groups.posts.variants.lang is required: cache key "pages" varies on language')],
  },
  {
    rule: 'a headers.include header missing from variants.headers: at that mapping',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers: {include: [x-tenant]}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            headers:
              origin: [https://app.example.com]
    `,
    expect: [error('16:9', 'groups.posts.variants.headers.x-tenant is required: cache key "pages" varies on header x-tenant')],
  },
  {
    rule: 'a cookies.include cookie missing',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          cookies: {include: [ab_bucket]}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
    `,
    expect: [error('12:5', 'groups.posts.variants.cookies.ab_bucket is required: cache key "pages" varies on cookie ab_bucket')],
  },
  {
    rule: 'a group that purges only hosts, prefixes or tags needs no variants',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true, lang: true, headers: {include: [x-tenant]}}
      groups:
        posts:
          cache_key: pages
          prefixes: [www.example.com/posts/]
          tags: [posts]
    `,
    expect: [],
  },
  {
    rule: 'device_type defaults to all three and is not required',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {device_type: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
    `,
    expect: [],
  },
]);

table('cache-key consistency: variants the key does not have (they would purge nothing)', [
  {
    rule: 'device_type on a key without device_type',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            device_type: [mobile]
    `,
    expect: [error('11:7', 'groups.posts.variants.device_type: Cloudflare\'s default cache key does not vary on device type')],
  },
  {
    rule: 'geo on a key without geo',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            geo: [JP]
    `,
    expect: [error('11:7', 'groups.posts.variants.geo: Cloudflare\'s default cache key does not vary on country')],
  },
  {
    rule: 'lang on a key without lang',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {device_type: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            lang: [ja]
    `,
    expect: [error('14:7', 'groups.posts.variants.lang: cache key "pages" does not vary on language')],
  },
  {
    rule: 'a header the key does not include',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            headers:
              x-tenant: [acme]
    `,
    expect: [error('12:9', 'groups.posts.variants.headers.x-tenant: Cloudflare\'s default cache key does not vary on header x-tenant')],
  },
  {
    rule: 'a cookie the key does not include',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            cookies:
              ab_bucket: [a, b]
    `,
    expect: [error('12:9', 'groups.posts.variants.cookies.ab_bucket: Cloudflare\'s default cache key does not vary on cookie ab_bucket')],
  },
  {
    rule: 'origin on a key with exclude_origin',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers: {exclude_origin: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            headers:
              origin: [https://app.example.com]
    `,
    expect: [error('16:9', 'groups.posts.variants.headers.origin: cache key "pages" does not vary on Origin')],
  },
  {
    rule: 'origin and the other default-key headers are accepted on the default key',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            headers:
              origin: [https://app.example.com]
              x-forwarded-host: [www.example.com]
    `,
    expect: [],
  },
]);

table('cache-key consistency: empty dimensions, query string modes, resolved host, everything', [
  {
    rule: 'an empty geo list',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: []
    `,
    expect: [error('14:12', 'groups.posts.variants.geo has no values')],
  },
  {
    rule: 'lang written as {values: []}',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {lang: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            lang: {values: [], absent: false}
    `,
    expect: [error('14:13', 'groups.posts.variants.lang has no values')],
  },
  {
    rule: 'an empty headers.include dimension',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers: {include: [x-tenant]}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            headers: {x-tenant: []}
    `,
    expect: [error('15:27', 'groups.posts.variants.headers.x-tenant has no values')],
  },
  {
    rule: 'an empty cookies.include dimension',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          cookies: {include: [ab_bucket]}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            cookies: {ab_bucket: []}
    `,
    expect: [error('15:28', 'groups.posts.variants.cookies.ab_bucket has no values')],
  },
  {
    rule: 'query_string include + exclude together: at the second',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          query_string:
            include: [id]
            exclude: [utm_source]
    `,
    expect: [error('11:7', 'cache_keys.pages.query_string: "include" and "exclude" cannot be used together')],
  },
  {
    rule: 'query_string ignore + include together',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          query_string:
            ignore: true
            include: [id]
    `,
    expect: [error('11:7', 'cache_keys.pages.query_string: "ignore" and "include" cannot be used together')],
  },
  {
    rule: 'query_string ignore + exclude together',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          query_string:
            exclude: [utm_source]
            ignore: true
    `,
    expect: [error('10:7', 'cache_keys.pages.query_string: "ignore" and "exclude" cannot be used together')],
  },
  {
    rule: 'query_string ignore: false with include is fine',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          query_string: {ignore: false, include: [id], sort: true}
    `,
    expect: [],
  },
  {
    rule: 'host.resolved: true with urls: at the urls key',
    yaml: ZONE + yaml`
      cache_keys:
        tenants:
          host: {resolved: true}
      groups:
        tenant-pages:
          cache_key: tenants
          urls: [https://acme.example.com/]
    `,
    expect: [error('13:5', 'groups.tenant-pages purges URLs, but cache key "tenants" uses the resolved host')],
  },
  {
    rule: 'host.resolved: true purged by hosts is fine',
    yaml: ZONE + yaml`
      cache_keys:
        tenants:
          host: {resolved: true}
      groups:
        tenant-pages:
          cache_key: tenants
          hosts: [acme.example.com]
    `,
    expect: [],
  },
  {
    rule: 'everything without allow_purge_everything: at the everything key',
    yaml: ZONE + yaml`
      groups:
        all:
          everything: true
    `,
    expect: [error('9:5', 'groups.all.everything: purging everything needs allow_purge_everything: true on zone "www"')],
  },
  {
    rule: 'everything with allow_purge_everything is fine',
    yaml: ZONE + '    allow_purge_everything: true\n' + yaml`
      groups:
        all:
          everything: true
    `,
    expect: [],
  },
]);

const TAG_1024 = 'x'.repeat(1024);
const PREFIX_31 = `www.example.com/${'d/'.repeat(30)}`;
table('values: countries, device types, prefixes, tags, hosts (docs/purge-yaml.md, docs/purge-yaml.md)', [
  {
    rule: 'a country code not in the ISO list, with did-you-mean',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: [US, JPN, ZZZ]
    `,
    expect: [
      error('14:17', 'groups.posts.variants.geo[1]: "JPN" is not a country code (did you mean "JP"?)'),
      error('14:22', 'groups.posts.variants.geo[2]: "ZZZ" is not a country code'),
    ],
  },
  {
    rule: 'UK is suggested as GB',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: {values: [uk]}
    `,
    expect: [error('14:22', 'groups.posts.variants.geo.values[0]: "uk" is not a country code (did you mean "GB"?)')],
  },
  {
    rule: 'lower-case country codes, XX and T1 are accepted',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: [jp, Us, xx, t1]
    `,
    expect: [],
  },
  {
    rule: 'geo: all is accepted',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: [all]
    `,
    expect: [],
  },
  {
    rule: 'a device type other than the three, with did-you-mean',
    yaml: ZONE + yaml`
      cache_keys:
        pages: {device_type: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            device_type: [desktop, mobil, phone]
    `,
    expect: [
      error('14:30', 'groups.posts.variants.device_type[1]: "mobil" is not a device type (did you mean "mobile"?)'),
      error('14:37', 'groups.posts.variants.device_type[2]: "phone" is not a device type'),
    ],
  },
  {
    rule: 'a prefix with more than 31 "/" separators',
    yaml: ZONE + yaml`
      groups:
        posts:
          prefixes:
            - ${PREFIX_31}d/
    `,
    expect: [error('10:9', `groups.posts.prefixes[0]: prefix "${PREFIX_31}d/" has 32 "/" separators; Cloudflare allows at most 31`)],
  },
  {
    rule: 'a prefix with exactly 31 separators is fine',
    yaml: ZONE + yaml`
      groups:
        posts:
          prefixes:
            - ${PREFIX_31}
    `,
    expect: [],
  },
  {
    rule: 'a prefix with a query string',
    yaml: ZONE + yaml`
      groups:
        posts:
          prefixes:
            - www.example.com/posts/?page=2
    `,
    expect: [error('10:9', 'groups.posts.prefixes[0]: prefix "www.example.com/posts/?page=2" has a query string or fragment')],
  },
  {
    rule: 'a prefix with a scheme other than http(s)',
    yaml: ZONE + yaml`
      groups:
        posts:
          prefixes: [ftp://www.example.com/posts/]
    `,
    expect: [error('9:16', 'groups.posts.prefixes[0]: prefix "ftp://www.example.com/posts/" has a scheme other than http or https')],
  },
  {
    rule: 'a prefix written with https:// is accepted (the scheme is removed)',
    yaml: ZONE + 'groups:\n  posts:\n    prefixes: [https://WWW.example.com/posts/]\n',
    expect: [],
  },
  {
    rule: 'a tag with a space',
    yaml: ZONE + yaml`
      groups:
        posts:
          tags: ["blog posts"]
    `,
    expect: [error('9:12', 'groups.posts.tags[0]: tag "blog posts" contains a space')],
  },
  {
    rule: 'a tag with a comma',
    yaml: ZONE + yaml`
      groups:
        posts:
          tags: ["blog,posts"]
    `,
    expect: [error('9:12', 'groups.posts.tags[0]: tag "blog,posts" contains a comma')],
  },
  {
    rule: 'a tag longer than 1024 characters',
    yaml: ZONE + yaml`
      groups:
        posts:
          tags:
            - ${TAG_1024}x
    `,
    expect: [error('10:9', 'groups.posts.tags[0]: tag "xxxxxxxxxx')],
  },
  {
    rule: 'a tag of exactly 1024 characters is fine',
    yaml: ZONE + yaml`
      groups:
        posts:
          tags:
            - ${TAG_1024}
    `,
    expect: [],
  },
  {
    rule: 'a tag that is not printable ASCII',
    yaml: ZONE + 'groups:\n  posts:\n    tags: [café]\n',
    expect: [error('9:12', 'groups.posts.tags[0]: tag "café" is not printable ASCII')],
  },
  {
    rule: 'a host with a scheme',
    yaml: ZONE + yaml`
      groups:
        static:
          hosts: [https://static.example.com]
    `,
    expect: [error('9:13', 'groups.static.hosts[0]: host "https://static.example.com" has a scheme')],
  },
  {
    rule: 'a host with a path',
    yaml: ZONE + yaml`
      groups:
        static:
          hosts: [static.example.com/css/]
    `,
    expect: [error('9:13', 'groups.static.hosts[0]: host "static.example.com/css/" is not a bare host name')],
  },
  {
    rule: 'a host with a port',
    yaml: ZONE + yaml`
      groups:
        static:
          hosts: ["static.example.com:8443"]
    `,
    expect: [error('9:13', 'groups.static.hosts[0]: host "static.example.com:8443" is not a bare host name')],
  },
]);

table('warnings: zone membership, Enterprise features, group size, unused vars, Origin form', [
  {
    rule: 'a URL whose host is outside the zone name',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls:
            - https://www.example.org/posts/
    `,
    expect: [warning('10:9', 'groups.posts.urls[0]: host "www.example.org" is not in zone "www" (example.com)')],
  },
  {
    rule: 'the zone name itself and its subdomains are in the zone',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://example.com/, https://www.example.com/, https://a.b.example.com/]
    `,
    expect: [],
  },
  {
    rule: 'a host that merely ends with the zone name is outside it',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: [https://notexample.com/]
    `,
    expect: [warning('9:12', 'host "notexample.com" is not in zone "www"')],
  },
  {
    rule: 'Enterprise-only key features on a zone that is not on Enterprise (at the zone cache_key)',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          plan: business
          cache_key: pages
      cache_keys:
        pages: {device_type: true, geo: true, cookies: {include: [ab_bucket]}}
      groups:
        posts:
          urls: [https://www.example.com/]
          variants:
            geo: [US]
            cookies: {ab_bucket: [a]}
    `,
    expect: [warning('6:16', 'zones.www.cache_key: cache key "pages" uses geo, cookies, which Cloudflare offers on Enterprise only, but zone "www" is on the business plan')],
  },
  {
    rule: 'device_type and query sort are not Enterprise-only',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          plan: free
          cache_key: pages
      cache_keys:
        pages: {device_type: true, query_string: {sort: true}}
      groups:
        posts:
          urls: [https://www.example.com/]
    `,
    expect: [],
  },
  {
    rule: 'a group over 100,000 items (suggests tags or prefixes)',
    yaml: ZONE + yaml`
      groups:
        pages:
          urls:
            - https://www.example.com/p/{1..100001}
    `,
    expect: [warning('8:3', 'groups.pages: group "pages" expands to 100,001 items, more than 100,000')],
  },
  {
    rule: 'an unused var, at its key',
    yaml: ZONE + yaml`
      groups:
        posts:
          urls: ["https://www.example.com/posts/{slug}/"]
          vars:
            slug: [hello-world]
            lang: [en, ja]
    `,
    expect: [warning('12:7', 'groups.posts.vars.lang is not used by any URL pattern')],
  },
  {
    rule: 'an Origin with a path',
    yaml: ZONE + yaml`
      groups:
        assets:
          urls: [https://www.example.com/app.js]
          variants:
            headers:
              origin: [https://app.example.com/]
    `,
    expect: [warning('12:18', 'groups.assets.variants.headers.origin[0]: Origin "https://app.example.com/" is not of the form scheme://host[:port]')],
  },
]);

table('limits and custom cache keys that Cloudflare refuses', [
  {
    rule: 'files_per_request above the free-plan maximum of 100',
    yaml: yaml`
      version: 1
      zones:
        www:
          name: example.com
          limits: {files_per_request: 101}
    `,
    expect: [error('5:33', "zones.www.limits.files_per_request: 101 is above Cloudflare's maximum of 100 URLs per request on the free plan")],
  },
  {
    rule: 'files_per_request above the Enterprise maximum of 500',
    yaml: ZONE + '    limits:\n      files_per_request: 501\n',
    expect: [error('8:26', "zones.www.limits.files_per_request: 501 is above Cloudflare's maximum of 500")],
  },
  {
    rule: 'items_per_request above 100',
    yaml: ZONE + '    limits:\n      items_per_request: 101\n',
    expect: [error('8:26', "zones.www.limits.items_per_request: 101 is above Cloudflare's maximum of 100")],
  },
  {
    rule: 'limits at the maximum, or below it, are fine',
    yaml: ZONE + '    limits: {files_per_request: 500, items_per_request: 1}\n',
    expect: [],
  },
  {
    rule: 'limits of 0',
    yaml: ZONE + '    limits: {files_per_request: 0}\n',
    expect: [error('7:33', 'zones.www.limits.files_per_request must be at least 1 (got 0)')],
  },
  {
    rule: 'headers.include of cookie, origin and cf-* headers',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers:
            include: [Cookie, origin, cf-connecting-ip, x-tenant]
    `,
    expect: [
      error('10:17', 'cache_keys.pages.headers.include[0]: header "Cookie" cannot be part of a custom cache key'),
      error('10:25', 'cache_keys.pages.headers.include[1]: header "origin" cannot be part of a custom cache key'),
      error('10:33', 'cache_keys.pages.headers.include[2]: header "cf-connecting-ip" cannot be part of a custom cache key'),
    ],
  },
  {
    rule: 'check_presence of a header Cloudflare refuses',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers:
            check_presence: [range]
    `,
    expect: [error('10:24', 'cache_keys.pages.headers.check_presence[0]: header "range" cannot be part of a custom cache key')],
  },
  {
    rule: '__cf cookies in include and check_presence',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          cookies:
            include: [__cf_bm]
            check_presence: [__cfruid]
    `,
    expect: [
      error('10:17', 'cache_keys.pages.cookies.include[0]: cookie "__cf_bm" cannot be part of a cache key'),
      error('11:24', 'cache_keys.pages.cookies.check_presence[0]: cookie "__cfruid" cannot be part of a cache key'),
    ],
  },
  {
    rule: 'a header in both include and check_presence',
    yaml: ZONE + yaml`
      cache_keys:
        pages:
          headers:
            include: [x-tenant]
            check_presence: [x-tenant]
    `,
    expect: [error('11:7', 'cache_keys.pages.headers: header "x-tenant" is in both include and check_presence')],
  },
]);

describe('vars files must stay inside the directory of purge.yaml (docs/purge-yaml.md)', () => {
  const reader = workingTreeReader(VARS_DIR);
  const withFile = (file: string) => ZONE + yaml`
    groups:
      posts:
        urls: ["https://www.example.com/posts/{slug}/"]
        vars:
          slug: {file: "${file}"}
  `;
  const rows: { rule: string; file: string; message: string }[] = [
    { rule: 'a missing file', file: 'missing.txt', message: 'groups.posts.vars.slug.file: cannot read "missing.txt": no such file' },
    { rule: 'an absolute path', file: '/etc/passwd', message: 'groups.posts.vars.slug.file: "/etc/passwd" is an absolute path' },
    { rule: 'a path with ..', file: '../vars-files/posts.txt', message: 'groups.posts.vars.slug.file: "../vars-files/posts.txt" leaves the directory of purge.yaml' },
    { rule: 'a path with .. that comes back inside', file: 'subdir/../posts.txt', message: '"subdir/../posts.txt" leaves the directory of purge.yaml' },
    { rule: 'a binary file', file: 'binary.txt', message: 'groups.posts.vars.slug.file: "binary.txt" is a binary file' },
    { rule: 'a file that is not UTF-8', file: 'latin1.txt', message: 'groups.posts.vars.slug.file: "latin1.txt" is not valid UTF-8 text' },
    { rule: 'a file with only comments', file: 'comments-only.txt', message: 'groups.posts.vars.slug.file: "comments-only.txt" has no values' },
    { rule: 'a directory', file: 'subdir', message: 'groups.posts.vars.slug.file: "subdir" is not a regular file' },
  ];
  for (const row of rows) {
    it(`${row.rule}: one error at the file value, and no "unknown variable" after it`, () => {
      assertDiagnostics(run(withFile(row.file), { reader }).diagnostics, [error('11:20', row.message)]);
    });
  }

  it('a file inside the directory (also in a subdirectory) is read', () => {
    const checked = run(withFile('posts.txt'), { reader });
    assertDiagnostics(checked.diagnostics, []);
    assert.deepEqual(checked.expansions?.[0].urls, ['https://www.example.com/posts/hello-world/', 'https://www.example.com/posts/release-notes/']);
    assertDiagnostics(run(withFile('./subdir/posts.txt'), { reader }).diagnostics, []);
  });

  describe('symbolic links', () => {
    const root = mkdtempSync(join(tmpdir(), 'purgeplan-validate-rules-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const site = join(root, 'site');
    mkdirSync(join(site, 'data'), { recursive: true });
    writeFileSync(join(root, 'secret.txt'), 'token\n');
    writeFileSync(join(site, 'data', 'posts.txt'), 'hello-world\n');
    symlinkSync(join(root, 'secret.txt'), join(site, 'escape.txt'));
    symlinkSync('data/posts.txt', join(site, 'inside.txt'));
    symlinkSync(root, join(site, 'parent'));

    it('a symlink leading outside the directory is refused', () => {
      assertDiagnostics(run(withFile('escape.txt'), { reader: workingTreeReader(site) }).diagnostics, [
        error('11:20', 'groups.posts.vars.slug.file: "escape.txt" is a symbolic link leading outside the directory of purge.yaml'),
      ]);
    });

    it('a path through a symlinked directory leading outside is refused', () => {
      assertDiagnostics(run(withFile('parent/secret.txt'), { reader: workingTreeReader(site) }).diagnostics, [
        error('11:20', '"parent/secret.txt" is a symbolic link leading outside the directory of purge.yaml'),
      ]);
    });

    it('a symlink that stays inside is followed', () => {
      assertDiagnostics(run(withFile('inside.txt'), { reader: workingTreeReader(site) }).diagnostics, []);
    });
  });
});

describe('size: --max-items is checked before anything is expanded (docs/purge-yaml.md)', () => {
  // Counted, never built (nothing expanded); how fast is the benchmark's business.
  it('a plan of 1.6 billion items is refused at once', () => {
    const checked = run(ZONE + yaml`
      groups:
        pages:
          urls:
            - https://www.example.com/{1..40000}/{1..40000}
    `);
    assertDiagnostics(checked.diagnostics, [
      error('7:1', 'groups: the plan would expand to 1,600,000,000 purge items, more than --max-items 1,000,000'),
      warning('8:3', 'groups.pages: group "pages" expands to 1,600,000,000 items'),
    ]);
    assert.equal(checked.expansions, undefined, 'nothing was expanded');
  });

  it('a single range of a billion values is refused at once, counted without being built', () => {
    const checked = run(ZONE + yaml`
      groups:
        pages:
          urls:
            - https://www.example.com/{1..1000000000}
    `);
    assertDiagnostics(checked.diagnostics, [
      error('7:1', 'groups: the plan would expand to 1,000,000,000 purge items, more than --max-items 1,000,000'),
      warning('8:3', 'groups.pages: group "pages" expands to 1,000,000,000 items'),
    ]);
    assert.equal(checked.expansions, undefined, 'nothing was expanded');
  });

  it('counts URLs × schemes × header variants across groups against --max-items', () => {
    const text = yaml`
      version: 1
      zones:
        www:
          name: example.com
          schemes: [https, http]
          cache_key: pages
      cache_keys:
        pages: {device_type: true}
      groups:
        a:
          urls: ["https://www.example.com/{1..2}"]
        b:
          tags: [b]
    `;
    // 2 URLs × 2 schemes × 3 device types + 1 tag = 13 items.
    assertDiagnostics(run(text, { maxItems: 13 }).diagnostics, []);
    assertDiagnostics(run(text, { maxItems: 12 }).diagnostics, [error('9:1', 'groups: the plan would expand to 13 purge items, more than --max-items 12')]);
  });
});

describe('regressions: one problem, one diagnostic (no cascades)', () => {
  it('a wrong-typed urls list is not also "purges nothing"', () => {
    assertDiagnostics(run(ZONE + 'groups:\n  posts:\n    urls: 5\n').diagnostics, [error('9:11', 'groups.posts.urls must be a list (got number 5)')]);
  });

  it('hosts that are all invalid are not also "purges nothing"', () => {
    assertDiagnostics(run(ZONE + 'groups:\n  posts:\n    hosts: ["https://static.example.com"]\n').diagnostics, [
      error('9:13', 'groups.posts.hosts[0]: host "https://static.example.com" has a scheme'),
    ]);
  });

  it('a refused header in headers.include is not also required of groups', () => {
    assertDiagnostics(run(ZONE + yaml`
      cache_keys:
        pages:
          headers: {include: [cookie]}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
    `).diagnostics, [error('9:25', 'cache_keys.pages.headers.include[0]: header "cookie" cannot be part of a custom cache key')]);
  });

  it('a wrong-typed dimension is not also "required" or "empty"', () => {
    assertDiagnostics(run(ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants:
            geo: US
    `).diagnostics, [error('14:12', 'groups.posts.variants.geo must be a list or a mapping (got the string "US")')]);
  });

  it('variants of the wrong type are not also "required"', () => {
    assertDiagnostics(run(ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        posts:
          cache_key: pages
          urls: [https://www.example.com/]
          variants: [US]
    `).diagnostics, [error('13:15', 'groups.posts.variants must be a mapping (got a list)')]);
  });

  it('an empty vars list is reported once, not again as a variable without values', () => {
    assertDiagnostics(run(ZONE + yaml`
      groups:
        posts:
          urls: ["https://www.example.com/posts/{slug}/"]
          vars:
            slug: []
    `).diagnostics, [error('11:13', 'groups.posts.vars.slug is empty')]);
  });

  it('empty strings are reported once each, by the schema (an empty tag by its own rule)', () => {
    assertDiagnostics(run(ZONE + 'groups:\n  posts: {urls: [""], hosts: [""], prefixes: [""], tags: [""]}\n').diagnostics, [
      error('8:18', 'groups.posts.urls[0] must not be empty'),
      error('8:31', 'groups.posts.hosts[0] must not be empty'),
      error('8:47', 'groups.posts.prefixes[0] must not be empty'),
      error('8:59', 'groups.posts.tags[0]: a tag must not be empty'),
    ]);
  });

  it('a URL that cannot be parsed does not make its vars "unused"', () => {
    assertDiagnostics(run(ZONE + yaml`
      groups:
        posts:
          urls: ["https://www.example.com/{lang}/posts/{slug/"]
          vars:
            slug: [hello-world]
            lang: [en]
    `).diagnostics, [error('9:12', 'groups.posts.urls[0]: unclosed "{"')]);
  });
});

describe('all problems in one run', () => {
  // Five different problems, one in each stage: schema, references, values, URLs, cache keys.
  const FIVE = yaml`
    version: 1
    zones:
      www:
        name: example.com
        plan: premium
    cache_keys:
      pages:
        geo: true
        query_string: {include: [id], exclude: [utm_source]}
    groups:
      posts:
        zone: wwx
        cache_key: pages
        urls: [/posts/]
        variants:
          geo: [ZZZ]
  `;

  it('a file with 5 different errors gives 5 diagnostics, sorted by position', () => {
    assertDiagnostics(run(FIVE).diagnostics, [
      error('5:11', 'zones.www.plan: "premium" is not one of free, pro, business, enterprise'),
      error('9:35', 'cache_keys.pages.query_string: "include" and "exclude" cannot be used together'),
      error('12:11', 'groups.posts.zone: unknown zone "wwx"'),
      error('14:12', 'groups.posts.urls[0]: "/posts/" is not an absolute URL'),
      error('16:13', 'groups.posts.variants.geo[0]: "ZZZ" is not a country code'),
    ]);
  });

  it('the CLI prints them as FILE:LINE:COL: error: message, in that order, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-validate-five-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), FIVE);
      const result = spawnSync(process.execPath, [CLI, 'validate', '-c', 'purge.yaml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.split('\n').filter((line) => /^purge\.yaml:\d+:\d+: /.test(line));
      assert.deepEqual(lines.map((line) => /^purge\.yaml:(\d+:\d+): (error|warning): /.exec(line)?.slice(1).join(' ')), [
        '5:11 error', '9:35 error', '12:11 error', '14:12 error', '16:13 error',
      ], result.stderr);
      assert.match(result.stderr, /^purge\.yaml:16:13: error: groups\.posts\.variants\.geo\[0\]: "ZZZ" is not a country code\n {2}hint: /m);
      assert.match(result.stderr, /purge\.yaml is invalid: 5 errors\.\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warnings print as FILE:LINE:COL: warning: message and do not fail without --strict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-validate-warn-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), ZONE + 'groups:\n  posts:\n    urls: [https://www.example.org/]\n');
      const result = spawnSync(process.execPath, [CLI, 'validate'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /^purge\.yaml:9:12: warning: groups\.posts\.urls\[0\]: host "www\.example\.org" is not in zone "www" \(example\.com\)$/m);
      assert.equal(result.stdout, 'purge.yaml is valid: 1 group, 1 zone (1 warning)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('messages never show raw schema-validator wording', () => {
  const AJV_WORDING = /must NOT have|must have required property|must match pattern|must be equal to|must match format|must pass|must be (object|array|string|integer|number|boolean|null)\b|must be >=|property name/;
  const BAD_SCHEMA_FILES = [
    'version: 1\nextra: 1\n',
    'zones: {}\n',
    'version: 1\nzones: {"bad name!": {name: example.com}}\n',
    'version: 1\nzones: {www: {id: 42, name: "http://example.com/", plan: 3, token_env: "my token", schemes: [https, https], limits: {files_per_request: -1, items_per_request: 1.5, x: 1}, account_id: xyz}}\n',
    'version: 1\ncache_keys: {k: {query_string: {include: [], sort: maybe}, headers: {include: ["bad header"], check_presence: [1]}, cookies: {include: ["a;b"]}, host: {resolved: 1}, extra: 2}}\n',
    'version: 1\ngroups: {"-x": {}, g: {urls: [""], vars: {"1bad": [a], ok: {fil: x}, ok2: 3}, variants: {device_type: {values: mobile, absent: 1}, headers: {"bad header": [a]}, cookies: {c: 5}}, hosts: [""], prefixes: [1], tags: [true], everything: 1, revision: -1, watch: [""]}}\n',
    'version: 1\ngroups: {g: {variants: {geo: {values: [""], absnt: false}, lang: 3}, description: [x], zone: 1, cache_key: []}}\n',
    'version: 1\nzones: []\ncache_keys: 1\ngroups: "x"\n',
  ];
  it('for files breaking every kind of schema rule', () => {
    let diagnosticsSeen = 0;
    for (const text of BAD_SCHEMA_FILES) {
      const { diagnostics } = run(text);
      assert.ok(diagnostics.length > 0, `expected problems in ${JSON.stringify(text)}`);
      for (const d of diagnostics) {
        diagnosticsSeen++;
        assert.doesNotMatch(d.message, AJV_WORDING, formatDiagnostic(d));
      }
    }
    assert.ok(diagnosticsSeen > 40, `only ${diagnosticsSeen} diagnostics`);
  });
});

describe('accepted values reach the expansion as written by the spec', () => {
  it('lower-case countries are upper-cased; all is every ISO code plus XX and T1', () => {
    const checked = run(ZONE + yaml`
      cache_keys:
        pages: {geo: true}
      groups:
        some:
          cache_key: pages
          urls: [https://www.example.com/a]
          variants: {geo: [jp, Us]}
        every:
          cache_key: pages
          urls: [https://www.example.com/b]
          variants: {geo: [all]}
    `);
    assertDiagnostics(checked.diagnostics, []);
    const [some, every] = checked.config!.groups;
    assert.deepEqual(some.dimensions, [{ kind: 'header', name: 'cf-ipcountry', values: ['JP', 'US'] }]);
    const all = every.dimensions[0].values;
    assert.equal(all.length, COUNTRY_CODES.length);
    assert.ok(all.includes('XX') && all.includes('T1') && all.includes('US') && all.includes('GB'));
    assert.equal(new Set(all).size, all.length);
  });

  it('literal braces stay in the URL (percent-encoded, as the cache sees them)', () => {
    const checked = run(ZONE + 'groups:\n  search:\n    urls: ["https://www.example.com/q/{{x}}/{1..2}"]\n');
    assertDiagnostics(checked.diagnostics, []);
    assert.deepEqual(checked.expansions?.[0].urls, ['https://www.example.com/q/%7Bx%7D/1', 'https://www.example.com/q/%7Bx%7D/2']);
  });
});
