// `coverage --logs` inputs as users hand them over (docs/coverage.md, docs/commands.md): pipes (`<(zcat …)`), gzip told
// by its magic bytes on any stream, lines far too long to be a record, and Logpush fields in the
// forms they may take (header names not in lower case, empty values). Through the built CLI where
// the spec describes CLI behaviour; the line reader directly for chunk boundaries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { CoverageTally } from '../src/inspect/coverage.js';
import { RAW_MEMO_LIMIT } from '../src/inspect/entry.js';
import { Inspector } from '../src/inspect/inspector.js';
import { PurgeIndex } from '../src/inspect/items.js';
import { forEachLine, MAX_LINE_BYTES } from '../src/inspect/logfiles.js';
import { parseLogLine } from '../src/inspect/logs.js';
import { CLI, configYaml, planOf, runCli, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';

const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: { pages: { device_type: true, geo: true, lang: true, headers: { include: ['x-tenant'] } } },
  groups: {
    posts: { urls: ['https://www.example.com/posts/a/'], variants: { geo: ['US'], lang: ['ja'], headers: { 'x-tenant': ['acme'] } } },
  },
});

const POST = 'https://www.example.com/posts/a/';
const PURGED = logLine({ url: POST, headers: { 'accept-language': 'ja', 'x-tenant': 'acme' } });

type Report = {
  requests: Record<string, number>;
  entries: Record<string, number>;
  missed_values: { dimension: string; value: string | null }[];
  unknown_fields: { field: string; requests: number }[];
  skipped_lines: { file: string; line: number; reason: string }[];
};

describe('coverage --logs: inputs (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-logfiles-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
    writeFileSync(join(dir, 'access.log'), `${PURGED}\n${PURGED}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a pipe (process substitution), plain or gzip told by its magic bytes', () => {
    for (const producer of ['cat access.log', 'gzip -c access.log']) {
      const result = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" coverage --logs <(${producer}) --json`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(result.status, 0, `${producer}: ${result.stderr}`);
      assert.equal((JSON.parse(result.stdout) as Report).requests.purged, 2, producer);
    }
  });

  it('a directory with no log file under it is an error naming it (docs/coverage.md: a directory stands for its log files)', () => {
    mkdirSync(join(dir, 'no-logs', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'no-logs', 'sub', 'notes.txt'), 'not a log\n');
    const result = runCli(['coverage', '--logs', 'no-logs'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--logs no-logs: no \*\.log, \*\.json or \*\.ndjson file \(or \.gz\) under it/);
    assert.doesNotMatch(result.stderr, /internal error/);
  });

  it(`a line longer than ${MAX_LINE_BYTES / 1048576} MiB is skipped with its number, and the next line still counts`, () => {
    writeFileSync(join(dir, 'long.log'), `${PURGED}\n${'x'.repeat(MAX_LINE_BYTES + 10)}\n${PURGED}\n`);
    // The guard only stops a run that would never end (a reader quadratic in the line's length);
    // the reader's speed is the benchmark's business.
    const result = runCli(['coverage', '--logs', 'long.log', '--json'], dir, { killAfterMs: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.requests.purged, 2);
    assert.equal(report.requests.skipped, 1);
    assert.equal(report.skipped_lines[0]!.line, 2);
    assert.match(report.skipped_lines[0]!.reason, /longer than 16 MiB/);
  });

  it('a large binary file without line ends is a clear error, never an internal one', () => {
    writeFileSync(join(dir, 'blob.bin'), Buffer.alloc(3 * MAX_LINE_BYTES, 0xab));
    const result = runCli(['coverage', '--logs', 'blob.bin'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /--logs blob\.bin: no valid Logpush record/);
    assert.doesNotMatch(result.stderr, /internal error|at .*\.js:\d+/);
  });
});

describe('coverage --logs: Logpush field forms (docs/coverage.md, docs/cloudflare.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-logfields-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const report = (lines: readonly string[]): Report => {
    writeFileSync(join(dir, 'access.log'), `${lines.join('\n')}\n`);
    const result = runCli(['coverage', '--logs', 'access.log', '--json'], dir);
    assert.ok(result.status === 0 || result.status === 2, result.stderr);
    return JSON.parse(result.stdout) as Report;
  };

  it('RequestHeaders names in any case are the key headers (not taken as absent)', () => {
    const purged = report([logLine({ url: POST, headers: { 'Accept-Language': 'ja', 'X-Tenant': 'acme' } })]);
    assert.equal(purged.requests.purged, 1);
    const missed = report([logLine({ url: POST, headers: { 'Accept-Language': 'fr-FR', 'X-Tenant': 'acme' } })]);
    assert.equal(missed.requests.missed, 1);
    assert.deepEqual(missed.missed_values.map((v) => [v.dimension, v.value]), [['lang', 'fr-FR']]);
  });

  it('an empty ClientCountry or ClientDeviceType tells nothing: the entry is unknown', () => {
    const result = report([
      logLine({ url: POST, country: '', headers: { 'accept-language': 'ja', 'x-tenant': 'acme' } }),
      logLine({ url: POST, device: '', headers: { 'accept-language': 'ja', 'x-tenant': 'acme' } }),
    ]);
    assert.equal(result.requests.unknown, 2);
    assert.equal(result.requests.missed, 0);
    assert.deepEqual(result.unknown_fields.map((u) => u.field).sort(), ['ClientCountry', 'ClientDeviceType']);
  });
});

describe('the log line reader', () => {
  const lines = async (chunks: readonly Buffer[], name = '-'): Promise<(string | null)[]> => {
    const seen: (string | null)[] = [];
    await forEachLine({ name, path: null }, Readable.from(chunks), (line) => seen.push(line));
    return seen;
  };

  it('gzip on stdin is recognised even when the first chunk holds one byte', async () => {
    const gz = gzipSync('{"a":1}\n{"b":2}\n');
    assert.deepEqual(await lines([gz.subarray(0, 1), gz.subarray(1)]), ['{"a":1}', '{"b":2}']);
  });

  it('lines cut by chunk ends, CRLF, and a last line without its line end', async () => {
    const text = Buffer.from('one\r\ntw');
    assert.deepEqual(await lines([text, Buffer.from('o\nthr'), Buffer.from('ee')]), ['one', 'two', 'three']);
  });

  it('a cut line over the limit is reported as too long (null), its bytes dropped', async () => {
    const big = Buffer.alloc(1 << 20, 0x61);
    const chunks = [Buffer.from('a\n'), ...Array.from({ length: 17 }, () => big), Buffer.from('\nb\n')];
    assert.deepEqual(await lines(chunks), ['a', null, 'b']);
  });
});

describe('coverage: distinct entries (docs/coverage.md)', () => {
  const QUERY_SITE = configYaml({
    zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'k' } },
    cache_keys: { k: { query_string: { sort: true, exclude: ['utm'] } } },
    groups: { g: { urls: ['https://www.example.com/a?x=1&y=2'] } },
  });

  it('requests spelling one entry\'s URL differently (order, a dropped parameter, host case) are one entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-entries-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), QUERY_SITE);
      const urls = ['https://www.example.com/a?x=1&y=2', 'https://www.example.com/a?y=2&x=1', 'https://www.example.com/a?x=1&utm=3&y=2', 'https://WWW.example.com/a?x=1&y=2', 'https://www.example.com/a?X=1'];
      writeFileSync(join(dir, 'access.log'), `${urls.map((url) => logLine({ url })).join('\n')}\n`);
      const result = runCli(['coverage', '--logs', 'access.log', '--json'], dir);
      // `?X=1` differs from the planned URL only by query parameters the key keeps: missed (docs/commands.md).
      assert.equal(result.status, 2, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.deepEqual(report.requests, { purged: 4, missed: 1, outside: 0, unknown: 0, not_cached: 0, skipped: 0 });
      assert.deepEqual(report.entries, { purged: 1, missed: 1, outside: 0, unknown: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('past the raw-URL memo limit, a repeated entry is still one entry (memory follows entries, not lines)', () => {
    const { config, expansions } = planOf(QUERY_SITE);
    const tally = new CoverageTally(new Inspector(config, PurgeIndex.fromExpansions(config, expansions, null)));
    tally.startFile('access.log');
    const requests = RAW_MEMO_LIMIT + 50;
    for (let i = 1; i <= requests; i++) tally.add(parseLogLine(logLine({ url: `https://www.example.com/a?y=2&utm=${i}&x=1` })), i);
    tally.add(parseLogLine(logLine({ url: 'https://www.example.com/a?x=1&y=2' })), requests + 1);
    const report = tally.report(10, () => 0);
    assert.equal(report.requests.purged, requests + 1);
    assert.equal(report.entries.purged, 1);
  });
});
