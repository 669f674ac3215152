// Weighted records (docs/coverage.md): a Logpush-shaped record may carry `count`, that many identical
// requests. A weighted log gives the report its expanded form gives, in every count (requests
// per class, missed values and entries, unknown fields, not cached, skipped); a bad count skips
// its line, positioned, like any bad record.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configYaml, runCli, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';
import type { RecordSpec } from './support/logpush.js';

const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: { pages: { query_string: { sort: true }, device_type: true, lang: true, cookies: { include: ['ab'] } } },
  groups: {
    posts: { urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] }, variants: { lang: ['ja', 'en-US'], cookies: { ab: ['1'] } } },
    feeds: { prefixes: ['www.example.com/feeds/'] },
  },
});

const POST = 'https://www.example.com/posts/a/';

/** Records and how many identical requests each stands for: every class, unknown fields, not cached and skipped. */
const RECORDS: [RecordSpec | string, number][] = [
  [{ url: POST, headers: { 'accept-language': 'ja' }, cookies: { ab: '1' } }, 7],
  [{ url: POST, device: 'mobile', headers: { 'accept-language': 'en-US' }, cookies: { ab: '1' } }, 3],
  [{ url: 'https://www.example.com/feeds/all.xml?b=2&a=1', device: 'tablet', headers: { 'accept-language': 'de' }, cookies: {}, status: 'expired' }, 2],
  [{ url: 'https://www.example.com/posts/b/', headers: { 'accept-language': 'fr-FR' }, cookies: { ab: '1' } }, 5],
  [{ url: POST, headers: { 'accept-language': 'ja' }, cookies: { ab: '2' } }, 4],
  [{ url: POST, headers: { 'accept-language': 'fr-FR' }, cookies: { ab: '1' }, method: 'HEAD' }, 1],
  [{ url: 'https://www.example.com/about/', cookies: {} }, 6],
  [{ url: 'https://elsewhere.test/' }, 2],
  [{ url: POST, headers: null, cookies: { ab: '1' } }, 3],
  [{ url: POST, cookies: null }, 2],
  [{ url: POST, method: 'POST', status: 'dynamic' }, 9],
  [{ url: POST, status: 'bypass' }, 2],
  [JSON.stringify({ ClientRequestURI: '/posts/a/' }), 4],
];

const recordText = (record: RecordSpec | string, count?: number): string => {
  if (typeof record !== 'string') return logLine(count === undefined ? record : { ...record, count });
  return count === undefined ? record : JSON.stringify({ ...JSON.parse(record), count });
};

/** Each request on its own line. */
const EXPANDED = RECORDS.flatMap(([record, n]) => Array.from({ length: n }, () => recordText(record))).join('\n');
/** One line per record, with its count (a count of 1 sometimes left out, sometimes written). */
const WEIGHTED = RECORDS.map(([record, n], i) => recordText(record, n === 1 && i % 2 === 0 ? undefined : n)).join('\n');

type Report = {
  requests: Record<string, number>;
  entries: Record<string, number>;
  coverage: number | null;
  missed_values: { dimension: string; value: string | null; requests: number; entries: number }[];
  missed_entries: { entry: string; requests: number }[];
  unknown_fields: { field: string; requests: number }[];
  skipped_lines: { file: string; line: number; reason: string }[];
  files: { name: string; lines: number; records: number; skipped: number }[];
};

describe('coverage: weighted records (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-weighted-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
    writeFileSync(join(dir, 'expanded.log'), `${EXPANDED}\n`);
    writeFileSync(join(dir, 'weighted.log'), `${WEIGHTED}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const report = (file: string): { status: number | null; report: Report } => {
    const result = runCli(['coverage', '--logs', file, '--json'], dir);
    assert.notEqual(result.status, 1, result.stderr);
    return { status: result.status, report: JSON.parse(result.stdout) as Report };
  };

  it('a weighted log and its expanded form give the same report, counted by requests', () => {
    const expanded = report('expanded.log');
    const weighted = report('weighted.log');
    assert.equal(weighted.status, expanded.status);
    const { files: _f, skipped_lines: expandedSkips, ...expandedCounts } = expanded.report;
    const { files: _g, skipped_lines: weightedSkips, ...weightedCounts } = weighted.report;
    assert.deepEqual(weightedCounts, expandedCounts);
    assert.deepEqual(weighted.report.requests, { purged: 12, missed: 10, outside: 8, unknown: 5, not_cached: 11, skipped: 4 });
    assert.deepEqual(weighted.report.entries, { purged: 3, missed: 3, outside: 2, unknown: 2 });
    assert.equal(weighted.report.coverage, 12 / 22);
    assert.deepEqual(weighted.report.unknown_fields, [{ field: 'RequestHeaders', requests: 3 }, { field: 'Cookies', requests: 2 }]);
    assert.deepEqual(weighted.report.missed_values.map((v) => [v.dimension, v.value, v.requests, v.entries]), [
      ['lang', 'fr-FR', 6, 2],
      ['cookies.ab', '2', 4, 1],
    ]);
    assert.equal(weighted.report.missed_entries[0]?.requests, 5);
    // Positions are the lines the records are on.
    assert.deepEqual(weightedSkips, [{ file: 'weighted.log', line: 13, reason: 'no ClientRequestHost' }]);
    assert.equal(expandedSkips.length, 4);
    // files[] counts lines and records, not requests.
    assert.deepEqual(weighted.report.files, [{ name: 'weighted.log', lines: 13, records: 12, skipped: 1 }]);
  });

  it('the human and markdown reports count requests by weight, and skipped lines as lines', () => {
    const human = runCli(['coverage', '--logs', 'weighted.log'], dir);
    assert.equal(human.status, 2, human.stderr);
    assert.match(human.stdout, /^Coverage of 46 requests \(weighted\.log\)/m);
    assert.match(human.stdout, /^ {2}purged +12 +3 /m);
    assert.match(human.stdout, /^ {2}skipped +4 /m);
    assert.match(human.stdout, /^Skipped lines \(1\):$/m);
    assert.match(human.stdout, /lang "fr-FR": 6 requests, 2 entries/);
    const markdown = runCli(['coverage', '--logs', 'weighted.log', '--markdown'], dir);
    assert.match(markdown.stdout, /^\| missed \| 10 \| 3 \|/m);
    assert.match(markdown.stdout, /^#### Skipped lines \(1\)$/m);
  });

  it('a count written as a string of digits (BigQuery, ClickHouse) is a count', () => {
    writeFileSync(join(dir, 'string-count.log'), `${logLine({ url: POST, headers: { 'accept-language': 'fr-FR' }, cookies: { ab: '1' }, count: '12' })}\n`);
    const { report: r } = report('string-count.log');
    assert.deepEqual(r.requests, { purged: 0, missed: 12, outside: 0, unknown: 0, not_cached: 0, skipped: 0 });
  });

  it('a bad count skips its line, counted once and shown with its position; the other records count', () => {
    const bad: unknown[] = [0, -3, 1.5, 'abc', '007', '', true, null, [2], { n: 2 }, 2 ** 53, '99999999999999999'];
    const good = logLine({ url: POST, headers: { 'accept-language': 'ja' }, cookies: { ab: '1' }, count: 2 });
    const lines = [good, ...bad.map((count) => logLine({ url: POST, headers: { 'accept-language': 'ja' }, cookies: { ab: '1' }, count }))];
    writeFileSync(join(dir, 'bad-count.log'), `${lines.join('\n')}\n`);
    const result = runCli(['coverage', '--logs', 'bad-count.log', '--json', '--top', '3'], dir);
    assert.equal(result.status, 0, result.stderr);
    const r = JSON.parse(result.stdout) as Report;
    assert.deepEqual(r.requests, { purged: 2, missed: 0, outside: 0, unknown: 0, not_cached: 0, skipped: bad.length });
    assert.deepEqual(r.skipped_lines, [
      { file: 'bad-count.log', line: 2, reason: 'count 0 is not a positive integer' },
      { file: 'bad-count.log', line: 3, reason: 'count -3 is not a positive integer' },
      { file: 'bad-count.log', line: 4, reason: 'count 1.5 is not a positive integer' },
      { file: 'bad-count.log', line: 5, reason: 'count "abc" is not a positive integer' },
      { file: 'bad-count.log', line: 6, reason: 'count "007" is not a positive integer' },
    ]);
    const human = runCli(['coverage', '--logs', 'bad-count.log'], dir);
    assert.match(human.stdout, /^Skipped lines \(12, first 5 shown\):$/m);
    assert.match(human.stdout, /^ {2}bad-count\.log:2: count 0 is not a positive integer$/m);
  });

  it('a count from a log is shown inert, and cut short', () => {
    writeFileSync(join(dir, 'hostile-count.log'), `${logLine({ url: POST, count: `\u001b[31m${'x'.repeat(100)}` })}\n${logLine({ url: POST, headers: { 'accept-language': 'ja' }, cookies: { ab: '1' } })}\n`);
    const human = runCli(['coverage', '--logs', 'hostile-count.log'], dir);
    assert.equal(human.status, 0, human.stderr);
    assert.doesNotMatch(human.stdout, /\u001b/);
    assert.match(human.stdout, /hostile-count\.log:1: count "\\u001b\[31mx{19}…" is not a positive integer/);
  });

  it('a file whose records all have bad counts has no valid record: an error', () => {
    writeFileSync(join(dir, 'all-bad.log'), `${logLine({ url: POST, count: 0 })}\n`);
    const result = runCli(['coverage', '--logs', 'all-bad.log'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--logs all-bad\.log: no valid Logpush record/);
    assert.doesNotMatch(result.stderr, /internal error/);
  });
});
