// `purgeplan coverage --logs` (docs/coverage.md) end to end: a generated log whose classes are known by
// construction, gzip and stdin giving the same report, skipped lines with their numbers, and the
// errors (a file with no valid record, a missing file).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { configYaml, runCli, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';

const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: { pages: { query_string: { sort: true }, device_type: true, lang: true } },
  groups: {
    posts: { urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] }, variants: { lang: ['ja', 'en-US'] } },
    feeds: { prefixes: ['www.example.com/feeds/'] },
  },
});

const POST = 'https://www.example.com/posts/a/';
const repeat = (n: number, line: string) => Array.from({ length: n }, () => line);

/** Every class by construction: purged 6 requests / 3 entries, missed 4 / 2, outside 4 / 2, unknown 2 / 1. */
const LOG = [
  ...repeat(3, logLine({ url: POST, headers: { 'accept-language': 'ja' } })),
  ...repeat(2, logLine({ url: POST, device: 'mobile', headers: { 'accept-language': 'en-US' } })),
  logLine({ url: 'https://www.example.com/feeds/all.xml?b=2&a=1', device: 'tablet', headers: { 'accept-language': 'de' }, status: 'expired' }),
  ...repeat(3, logLine({ url: 'https://www.example.com/posts/b/', headers: { 'accept-language': 'fr-FR' } })),
  logLine({ url: POST, device: 'mobile', headers: { 'accept-language': 'fr-FR' }, method: 'HEAD' }),
  'this is not json',
  ...repeat(3, logLine({ url: 'https://www.example.com/about/' })),
  logLine({ url: 'https://elsewhere.test/' }),
  '[1, 2]',
  ...repeat(2, logLine({ url: POST, headers: null })),
  logLine({ url: POST, method: 'POST', status: 'dynamic' }),
  logLine({ url: POST, status: 'bypass' }),
  JSON.stringify({ ClientRequestURI: '/posts/a/' }),
  '',
].join('\n');


type Report = {
  files: { name: string }[];
  requests: Record<string, number>;
  entries: Record<string, number>;
  coverage: number | null;
  missed_values: { dimension: string; value: string | null; requests: number; entries: number; groups: string[]; fix: string }[];
  skipped_lines: { file: string; line: number; reason: string }[];
  unknown_fields: { field: string; requests: number }[];
};

describe('purgeplan coverage --logs (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-coverage-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
    writeFileSync(join(dir, 'access.log'), LOG);
    writeFileSync(join(dir, 'access.log.gz'), gzipSync(LOG));
    writeFileSync(join(dir, 'compressed.bin'), gzipSync(LOG));
    writeFileSync(join(dir, 'empty.log'), 'nothing here\n{"a": 1}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts every class by requests and by entries, the coverage ratio and the missed value with its fix', () => {
    const result = runCli(['coverage', '--logs', 'access.log', '--json'], dir);
    assert.equal(result.status, 2, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(report.requests, { purged: 6, missed: 4, outside: 4, unknown: 2, not_cached: 2, skipped: 3 });
    assert.deepEqual(report.entries, { purged: 3, missed: 2, outside: 2, unknown: 1 });
    assert.equal(report.coverage, 6 / 10);
    assert.deepEqual(report.missed_values, [{ dimension: 'lang', value: 'fr-FR', requests: 4, entries: 2, groups: ['posts'], fix: 'add "fr-FR" to groups.posts.variants.lang' }]);
    assert.deepEqual(report.unknown_fields, [{ field: 'RequestHeaders', requests: 2 }]);
  });

  it('skips bad lines, counted, the first five shown with their line numbers', () => {
    const report = JSON.parse(runCli(['coverage', '--logs', 'access.log', '--json'], dir).stdout) as Report;
    assert.deepEqual(report.skipped_lines, [
      { file: 'access.log', line: 11, reason: 'not a JSON object' },
      { file: 'access.log', line: 16, reason: 'not a JSON object' },
      { file: 'access.log', line: 21, reason: 'no ClientRequestHost' },
    ]);
    const human = runCli(['coverage', '--logs', 'access.log'], dir);
    assert.match(human.stdout, /^ {2}access\.log:11: not a JSON object$/m);
    assert.match(human.stdout, /^Coverage: 60\.00% /m);
    assert.match(human.stdout, /fix: add "fr-FR" to groups\.posts\.variants\.lang/);
  });

  it('gzip (by suffix or by magic bytes) and stdin (plain or gzip) give the same report', () => {
    const strip = (stdout: string) => {
      const report = JSON.parse(stdout) as Report & { files?: unknown; skipped_lines: { file: string }[] };
      return { ...report, files: undefined, skipped_lines: report.skipped_lines.map((s) => ({ ...s, file: '' })) };
    };
    const plain = strip(runCli(['coverage', '--logs', 'access.log', '--json'], dir).stdout);
    assert.deepEqual(strip(runCli(['coverage', '--logs', 'access.log.gz', '--json'], dir).stdout), plain);
    assert.deepEqual(strip(runCli(['coverage', '--logs', 'compressed.bin', '--json'], dir).stdout), plain);
    assert.deepEqual(strip(runCli(['coverage', '--logs', '-', '--json'], dir, { input: LOG }).stdout), plain);
    assert.deepEqual(strip(runCli(['coverage', '--logs', '-', '--json'], dir, { input: gzipSync(LOG) }).stdout), plain);
  });

  it('several files add up; --markdown is a comment with the table', () => {
    const report = JSON.parse(runCli(['coverage', '--logs', 'access.log', 'access.log.gz', '--json'], dir).stdout) as Report;
    assert.equal(report.requests.purged, 12);
    assert.equal(report.entries.purged, 3);
    const markdown = runCli(['coverage', '--logs', 'access.log', '--markdown'], dir);
    assert.match(markdown.stdout, /^### purgeplan coverage$/m);
    assert.match(markdown.stdout, /^\| missed \| 4 \| 2 \|/m);
  });

  it('exit 0 when nothing is missed', () => {
    writeFileSync(join(dir, 'good.log'), `${logLine({ url: POST, headers: { 'accept-language': 'ja' } })}\n`);
    const result = runCli(['coverage', '--logs', 'good.log', '--json'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Report).coverage, 1);
  });

  it('the human report counts one request in the singular', () => {
    writeFileSync(join(dir, 'one.log'), `${logLine({ url: POST, headers: { 'accept-language': 'ja' } })}\n`);
    const result = runCli(['coverage', '--logs', 'one.log'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Coverage of 1 request \(/);
    assert.doesNotMatch(result.stdout, /1 requests/);
  });

  it('a file with no valid record is an error, and so is a missing file', () => {
    const empty = runCli(['coverage', '--logs', 'empty.log'], dir);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /--logs empty\.log: no valid Logpush record/);
    const missing = runCli(['coverage', '--logs', 'access.log', 'nope.log'], dir);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--logs nope\.log: no such file/);
    assert.equal(missing.stdout, '');
    assert.doesNotMatch(missing.stderr + empty.stderr, /internal error/);
  });

  it('--plan FILE: against a saved plan (feeds only: the posts entries are outside)', () => {
    assert.equal(runCli(['plan', '--group', 'feeds', '--out', 'feeds.plan'], dir).status, 0);
    const result = runCli(['coverage', '--logs', 'access.log', '--plan', 'feeds.plan', '--json'], dir);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.requests.purged, 1);
    assert.equal(report.requests.missed, 0);
  });
});

describe('coverage with two cache keys in one zone (entries counted by builder, then by key)', () => {
  it('counts an entry once however its requests interleave with the other key\'s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-coverage-keys-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), configYaml({
        zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
        cache_keys: { pages: { device_type: true, lang: true }, assets: { query_string: { ignore: true } } },
        groups: {
          posts: { urls: ['https://www.example.com/posts/a/'], variants: { lang: ['ja'] } },
          static: { urls: ['https://www.example.com/static/app.js'], cache_key: 'assets' },
        },
      }));
      writeFileSync(join(dir, 'access.log'), [
        ...repeat(2, logLine({ url: POST, headers: { 'accept-language': 'ja' } })),
        logLine({ url: 'https://www.example.com/static/app.js?v=1' }),
        logLine({ url: 'https://www.example.com/static/app.js?v=2', device: 'mobile' }),
        logLine({ url: POST, headers: { 'accept-language': 'ja' } }),
        logLine({ url: POST, headers: { 'accept-language': 'fr-FR' } }),
        logLine({ url: POST, headers: { 'accept-language': 'fr-FR' } }),
      ].join('\n'));
      const result = runCli(['coverage', '--logs', 'access.log', '--json'], dir);
      assert.equal(result.status, 2, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.deepEqual(report.requests, { purged: 5, missed: 2, outside: 0, unknown: 0, not_cached: 0, skipped: 0 });
      assert.deepEqual(report.entries, { purged: 2, missed: 1, outside: 0, unknown: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
