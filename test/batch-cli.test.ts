// End to end: the built CLI's `plan --json` on fixture files (docs/commands.md): the request bodies,
// the summary, byte-identical output on every run, and paths relative to purge.yaml.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../src/plan/types.js';
import { runCli } from './support/config-builder.js';

// The (docs/purge-yaml.md) example, trimmed to what plans offline: two zones, a cache key with every dimension.
const PURGE_YAML = `# yaml-language-server: $schema=./schemas/purge.schema.json
version: 1

zones:
  www:
    id: 023e105f4ecef8ad9ca31a8372d0c353
    name: example.com
    plan: enterprise
    cache_key: pages
    schemes: [https, http]
  static:
    name: static.example.com
    allow_purge_everything: true

cache_keys:
  plain: {}
  pages:
    query_string:
      sort: true
      exclude: [utm_source, utm_medium]
    device_type: true
    geo: true
    lang: true
    headers:
      include: [x-tenant]
      check_presence: [x-beta]
    cookies:
      include: [ab_bucket]
      check_presence: [logged_in]

groups:
  posts:
    description: Blog posts and their AMP pages
    zone: www
    urls:
      - https://www.example.com/posts/{slug}/
      - https://www.example.com/posts/{slug}/amp/
      - https://www.example.com/posts/?utm_source=x&page={1..5}
      - https://www.example.com/{en,ja}/posts/
    vars:
      slug: { file: data/slugs.txt }
    variants:
      device_type: [mobile, desktop]
      geo: [jp, US]
      lang: [ja, en-US]
      headers:
        x-tenant: [acme]
        origin: [https://app.example.com]
      cookies:
        ab_bucket: { values: [a, b], absent: false }
    hosts: [static.example.com]
    prefixes: [www.example.com/feeds/posts/]
    tags: [Posts]
  home:
    zone: www
    cache_key: plain
    urls: [https://www.example.com/, https://www.example.com/feeds/posts/rss.xml]
    tags: [posts, home]
  assets:
    zone: static
    everything: true
    urls: ["https://static.example.com/app.{js,css}"]
`;

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'purgeplan-cli-'));
  mkdirSync(join(dir, 'site', 'data'), { recursive: true });
  writeFileSync(join(dir, 'site', 'purge.yaml'), PURGE_YAML);
  writeFileSync(join(dir, 'site', 'data', 'slugs.txt'), '# slugs\nhello-world\nrelease-notes\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('plan --json (built CLI)', () => {
  it('prints one JSON document with the exact requests and summary, exit 0, nothing on stderr', () => {
    const result = runCli(['plan', '--json', '-c', 'purge.yaml'], join(dir, 'site'));
    assert.equal(result.stderr, '');
    assert.equal(result.status, 0);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.equal(plan.format_version, 1);
    assert.deepEqual(plan.baseline, { kind: 'none' });
    assert.equal(plan.config.path, 'purge.yaml');
    // device 2 x geo 2 x lang 3 x x-tenant 2 x x-beta 2 x origin 2 x ab_bucket 2 x logged_in 2
    const variants = 2 * 2 * 3 * 2 * 2 * 2 * 2 * 2;
    const urls = (2 + 2 + 5 + 2) * 2;
    assert.deepEqual(plan.groups.map((g) => [g.name, g.zone, g.status, g.items]), [
      ['posts', 'www', 'new', urls * variants + 3],
      ['home', 'www', 'new', 2 * 2 + 2],
      ['assets', 'static', 'new', 1 + 2],
    ]);
    const id = '023e105f4ecef8ad9ca31a8372d0c353';
    const files = urls * variants + 2;
    const fileRequests = Math.ceil(files / 500);
    assert.deepEqual(plan.requests.map((r) => [r.zone, r.zone_id, Object.keys(r.body)[0], r.groups]), [
      ['www', id, 'hosts', ['posts']],
      // home's feed URL is covered by the posts prefix: that request purges home too (docs/commands.md).
      ['www', id, 'prefixes', ['posts', 'home']],
      ['www', id, 'tags', ['posts', 'home']],
      ...Array.from({ length: fileRequests - 1 }, () => ['www', id, 'files', ['posts']]),
      ['www', id, 'files', ['posts', 'home']],
      ['static', null, 'purge_everything', ['assets']],
    ]);
    assert.deepEqual(plan.requests[0].body, { hosts: ['static.example.com'] });
    assert.deepEqual(plan.requests[1].body, { prefixes: ['www.example.com/feeds/posts/'] });
    assert.deepEqual(plan.requests[2].body, { tags: ['posts', 'home'] });
    const allFiles = plan.requests.slice(3, 3 + fileRequests).flatMap((r) => (r.body as { files: unknown[] }).files);
    assert.equal(allFiles.length, files);
    assert.ok(plan.requests.slice(3, 2 + fileRequests).every((r) => (r.body as { files: unknown[] }).files.length === 500));
    // The first item: the first URL, with the smallest header list (absent headers and cookies left out).
    assert.deepEqual(allFiles[0], {
      url: 'http://www.example.com/en/posts/',
      headers: { 'accept-language': 'en-US', 'cf-device-type': 'desktop', 'cf-ipcountry': 'JP', cookie: 'ab_bucket=a' },
    });
    assert.ok(allFiles.slice(0, -2).every((f) => typeof f === 'object' && /^ab_bucket=[ab](; logged_in=1)?$/.test((f as { headers: { cookie: string } }).headers.cookie)), 'ab_bucket is never absent');
    const pageUrls = new Set(allFiles.map((f) => (typeof f === 'string' ? f : (f as { url: string }).url)).filter((u) => u.includes('?')));
    assert.deepEqual([...pageUrls], [1, 2, 3, 4, 5].map((n) => `http://www.example.com/posts/?page=${n}`).concat([1, 2, 3, 4, 5].map((n) => `https://www.example.com/posts/?page=${n}`)));
    // home, last: its feed URL is under the posts prefix; both schemes of / have no headers, and
    // in this body of header items they are `{url}` objects (one form per files body).
    assert.deepEqual(allFiles.slice(-2), [{ url: 'http://www.example.com/' }, { url: 'https://www.example.com/' }]);
    assert.deepEqual(plan.summary, { requests: 3 + fileRequests + 1, files, hosts: 1, prefixes: 1, tags: 2, everything: 1, covered: 2 + 2, duplicates: 1, estimated_seconds: 2.04 });
    assert.deepEqual(plan.coverage.map((c) => [c.zone, c.kind, c.value, c.covered]), [
      ['www', 'prefix', 'www.example.com/feeds/posts/', 2],
      ['static', 'everything', 'everything', 2],
    ]);
  });

  it('is deterministic: byte-identical stdout on every run', () => {
    const first = runCli(['plan', '--json', '-c', 'purge.yaml'], join(dir, 'site'));
    const second = runCli(['plan', '--json', '-c', 'purge.yaml'], join(dir, 'site'));
    assert.equal(first.status, 0);
    assert.ok(first.stdout.length > 100_000);
    assert.equal(second.stdout, first.stdout);
    assert.equal(first.stdout, `${JSON.stringify(JSON.parse(first.stdout))}\n`, 'one JSON document, as JSON.stringify writes it');
  });

  it('reads vars files relative to purge.yaml, not the current directory', () => {
    const inside = runCli(['plan', '--json', '-c', 'purge.yaml'], join(dir, 'site'));
    const outside = runCli(['plan', '--json', '-c', join('site', 'purge.yaml')], dir);
    assert.equal(outside.status, 0, outside.stderr);
    const a = JSON.parse(inside.stdout) as Plan;
    const b = JSON.parse(outside.stdout) as Plan;
    assert.deepEqual(b.requests, a.requests);
    assert.deepEqual(b.summary, a.summary);
  });

  it('--detailed-exitcode: 2 when purges are planned', () => {
    const result = runCli(['plan', '--json', '--detailed-exitcode', '-c', 'purge.yaml'], join(dir, 'site'));
    assert.equal(result.status, 2);
  });

  it('an invalid file plans nothing: exit 1, diagnostics on stderr, nothing on stdout', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nzones:\n  www: {id: 023e105f4ecef8ad9ca31a8372d0c353}\ngroups:\n  g:\n    urls: ["https://www.example.com/{5..1}"]\n');
    const result = runCli(['plan', '--json', '-c', 'bad.yaml'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /bad\.yaml:6:\d+: error: .*reversed range/);
    assert.equal(result.stdout, '');
  });
});
