// `coverage --print-sql duckdb|clickhouse|bigquery` (docs/coverage.md, "Hand it to an engine"). The DuckDB
// query runs on a real DuckDB over the benchmark's logs and over logs that lack fields, carry
// cookies in the Cookie header, or never have a key header: its rows, read by `coverage --logs -`,
// give the report of the raw logs. The ClickHouse and BigQuery texts are kept as golden files;
// every query names the fields the keys need and no other; a hostile --table is refused.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeBenchSite, writeBenchTree } from '../bench/logpush.js';
import { configYaml, runCli, seededRandom, ZONE_ID } from './support/config-builder.js';
import { GOLDEN, UPDATE } from './support/golden.js';

type Report = Record<string, unknown> & { requests: Record<string, number>; entries: Record<string, number> };

/** The report without what names the inputs (files, and the positions of skipped lines). */
function counted(stdout: string): Report {
  const { files: _files, skipped_lines: _skipped, ...rest } = JSON.parse(stdout) as Report;
  return rest as Report;
}

/** Runs the query on DuckDB over `glob` (read as read_json_auto reads Logpush files) and writes its rows as NDJSON. */
async function runDuckdb(query: string, glob: string, out: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW http_requests AS SELECT * FROM read_json_auto('${glob.replace(/'/g, "''")}')`);
    await connection.run(`COPY (${query}) TO '${out.replace(/'/g, "''")}' (FORMAT json)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Raw logs and the engine's rows give the same report. */
async function assertSameReport(dir: string, logs: readonly string[], glob: string): Promise<{ raw: Report; rows: number }> {
  const sql = runCli(['coverage', '--print-sql', 'duckdb'], dir);
  assert.equal(sql.status, 0, sql.stderr);
  const out = join(dir, 'entries.ndjson');
  await runDuckdb(sql.stdout, glob, out);
  const rows = readFileSync(out, 'utf8');
  const raw = runCli(['coverage', '--logs', ...logs, '--json'], dir);
  const reduced = runCli(['coverage', '--logs', '-', '--json'], dir, { input: rows });
  assert.equal(reduced.status, raw.status, reduced.stderr);
  assert.deepEqual(counted(reduced.stdout), counted(raw.stdout));
  return { raw: counted(raw.stdout), rows: rows.split('\n').length - 1 };
}

/** Logs that exercise every rule of the record: methods, statuses, schemes, missing fields, cookies in the header. */
function variedLog(records: number, seed: number, drop: readonly string[] = []): string {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const record: Record<string, unknown> = {
      ClientRequestMethod: pick(['GET', 'GET', 'GET', 'HEAD', 'POST']),
      ClientRequestScheme: pick(['https', 'https', 'http']),
      ClientRequestHost: pick(['www.example.com', 'www.example.com', 'WWW.Example.com', 'elsewhere.test', '']),
      ClientRequestURI: pick(['/posts/a/', '/posts/b/?b=2&a=1', '/posts/c/', '/about/', '', `/q/${i % 50}`]),
      ClientDeviceType: pick(['desktop', 'mobile', 'tablet']),
      ClientCountry: pick(['us', 'jp', 'de']),
      CacheCacheStatus: pick(['hit', 'HIT', 'miss', 'expired', 'bypass', 'dynamic', 'revalidated']),
      EdgeResponseStatus: 200,
      RayID: i.toString(16),
    };
    const headers: Record<string, string> = {};
    if (random() < 0.8) headers['accept-language'] = pick(['ja', 'en-US,en;q=0.9', ' fr-FR ; q=1', '', 'de', ',ja']);
    if (random() < 0.1) headers.origin = 'https://app.example.com';
    if (random() < 0.1) headers['x-beta'] = pick(['', 'on']);
    if (random() < 0.3) headers.cookie = pick(['ab=1', 'x=1; ab = 2 ; seen=', 'ab=', 'other=1']);
    if (random() < 0.9) record.RequestHeaders = headers;
    if (random() < 0.5) record.Cookies = random() < 0.5 ? { ab: pick(['1', '2', '']) } : { seen: '1' };
    for (const field of drop) delete record[field];
    lines.push(JSON.stringify(record));
  }
  return `${lines.join('\n')}\n`;
}

const VARIED_SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: {
    pages: {
      query_string: { sort: true }, device_type: true, geo: true, lang: true,
      headers: { include: ['x-tenant'], check_presence: ['x-beta'] },
      cookies: { include: ['ab'], check_presence: ['seen'] },
    },
  },
  groups: {
    posts: {
      urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b'] },
      variants: { lang: ['ja', 'en-US'], geo: ['US', 'JP'], headers: { 'x-tenant': ['t1'] }, cookies: { ab: ['1'] } },
    },
  },
});

describe('coverage --print-sql duckdb on a real DuckDB (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-sql-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('over the benchmark logs (gzipped, in date folders), its rows give the report of the raw logs', async () => {
    const site = join(dir, 'bench');
    mkdirSync(site);
    writeBenchSite(site);
    const files = writeBenchTree(join(site, 'logs'), 30_000, 3);
    const { raw, rows } = await assertSameReport(site, files, join(site, 'logs', '*', '*.log.gz'));
    // The key's language and device type were read; one language is missed by construction.
    assert.equal(raw.requests.skipped, 0);
    assert.ok(raw.requests.missed > 0 && raw.requests.purged > 0, JSON.stringify(raw.requests));
    assert.ok(rows < 30_000, `${rows} rows`);
  });

  it('over logs with every kind of record: headers, presence, cookies (in Cookies or the Cookie header), skipped and uncached requests', async () => {
    writeFileSync(join(dir, 'purge.yaml'), VARIED_SITE);
    writeFileSync(join(dir, 'varied.ndjson'), variedLog(3000, 7));
    const { raw } = await assertSameReport(dir, ['varied.ndjson'], join(dir, 'varied.ndjson'));
    for (const count of Object.values(raw.requests)) assert.ok(count > 0, JSON.stringify(raw.requests));
  });

  it('on files that lack fields the keys need (no column at all), and where a key header never occurs', async () => {
    writeFileSync(join(dir, 'purge.yaml'), VARIED_SITE);
    for (const [name, drop] of [['bare', ['RequestHeaders', 'Cookies', 'ClientDeviceType', 'ClientCountry', 'ClientRequestScheme']], ['no-cookies', ['Cookies']], ['no-headers', ['RequestHeaders']]] as const) {
      writeFileSync(join(dir, `${name}.ndjson`), variedLog(1500, 11, drop));
      await assertSameReport(dir, [`${name}.ndjson`], join(dir, `${name}.ndjson`));
    }
  });
});

const ENGINES = ['duckdb', 'clickhouse', 'bigquery'] as const;

/** Logpush http_requests fields (Cloudflare's field list), none of which the queries may name unless a key needs it. */
const LOGPUSH_FIELDS = [
  'CacheCacheStatus', 'CacheReserveUsed', 'CacheResponseBytes', 'CacheResponseStatus', 'CacheTieredFill', 'ClientASN', 'ClientCity',
  'ClientCountry', 'ClientDeviceType', 'ClientIP', 'ClientIPClass', 'ClientRegionCode', 'ClientRequestBytes', 'ClientRequestHost',
  'ClientRequestMethod', 'ClientRequestPath', 'ClientRequestProtocol', 'ClientRequestReferer', 'ClientRequestScheme',
  'ClientRequestSource', 'ClientRequestURI', 'ClientRequestUserAgent', 'ClientSSLProtocol', 'Cookies', 'EdgeColoCode',
  'EdgeEndTimestamp', 'EdgeRequestHost', 'EdgeResponseBytes', 'EdgeResponseContentType', 'EdgeResponseStatus', 'EdgeStartTimestamp',
  'OriginResponseStatus', 'ParentRayID', 'RayID', 'RequestHeaders', 'ResponseHeaders', 'SecurityAction', 'WorkerSubrequest', 'ZoneName',
];
const ALWAYS = ['ClientRequestMethod', 'ClientRequestScheme', 'ClientRequestHost', 'ClientRequestURI', 'CacheCacheStatus'];

describe('coverage --print-sql: the fields the keys need and no other (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-sql-fields-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: { name: string; key: Record<string, unknown> | null; variants?: Record<string, unknown>; needs: string[]; names: string[]; not: string[] }[] = [
    { name: "Cloudflare's default key", key: null, needs: ['RequestHeaders'], names: ['origin', 'x-forwarded-host'], not: ['accept-language', 'cookie', 'user-agent'] },
    { name: 'device type only, Origin excluded', key: { device_type: true, headers: { exclude_origin: true } }, needs: ['ClientDeviceType', 'RequestHeaders'], names: ['x-forwarded-host'], not: ['origin', 'accept-language', 'cookie'] },
    { name: 'geo and language', key: { geo: true, lang: true }, variants: { lang: ['ja'], geo: ['US'] }, needs: ['ClientCountry', 'RequestHeaders'], names: ['accept-language'], not: ['cookie', 'x-tenant'] },
    { name: 'headers and cookies', key: { headers: { include: ['x-tenant'] }, cookies: { check_presence: ['seen'] } }, variants: { headers: { 'x-tenant': ['t1'] } }, needs: ['RequestHeaders', 'Cookies'], names: ['x-tenant', 'seen', 'cookie'], not: ['accept-language'] },
  ];

  for (const c of cases) {
    it(`${c.name}: ${[...ALWAYS, ...c.needs].join(', ')}`, () => {
      writeFileSync(join(dir, 'purge.yaml'), configYaml({
        zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', ...(c.key ? { cache_key: 'k' } : {}) } },
        ...(c.key ? { cache_keys: { k: c.key } } : {}),
        groups: { posts: { urls: ['https://www.example.com/posts/'], ...(c.variants ? { variants: c.variants } : {}) } },
      }));
      for (const engine of ENGINES) {
        const result = runCli(['coverage', '--print-sql', engine], dir);
        assert.equal(result.status, 0, result.stderr);
        const named = LOGPUSH_FIELDS.filter((field) => new RegExp(`\\b${field}\\b`).test(result.stdout));
        assert.deepEqual(named.sort(), [...ALWAYS, ...c.needs].sort(), `${engine}: ${named.join(', ')}`);
        for (const name of c.names) assert.ok(result.stdout.includes(`${name}`), `${engine} lacks ${name}`);
        for (const name of c.not) assert.ok(!new RegExp(`['"\`/]${name}['"\`]`).test(result.stdout), `${engine} names ${name}`);
        assert.doesNotMatch(result.stdout, /SELECT\s+\*|\.\*|COLUMNS\(\*\)/, `${engine}: a star selects every field`);
      }
    });
  }

  it('--cache-key: the query is for that profile alone', () => {
    writeFileSync(join(dir, 'purge.yaml'), configYaml({
      zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'geo' } },
      cache_keys: { geo: { geo: true }, devices: { device_type: true } },
      groups: { posts: { urls: ['https://www.example.com/posts/'], variants: { geo: ['US'] } } },
    }));
    const zone = runCli(['coverage', '--print-sql', 'duckdb'], dir).stdout;
    assert.match(zone, /ClientCountry/);
    assert.doesNotMatch(zone, /ClientDeviceType/);
    const forced = runCli(['coverage', '--print-sql', 'duckdb', '--cache-key', 'devices'], dir).stdout;
    assert.match(forced, /ClientDeviceType/);
    assert.doesNotMatch(forced, /ClientCountry/);
  });
});

describe('coverage --print-sql: the ClickHouse and BigQuery texts, --table, and misuse (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-sql-golden-'));
    writeFileSync(join(dir, 'purge.yaml'), VARIED_SITE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const engine of ENGINES) {
    it(`${engine}: the query is test/golden/coverage-sql/${engine}.sql`, () => {
      const result = runCli(['coverage', '--print-sql', engine, '--table', 'logs.http_requests'], dir);
      assert.equal(result.status, 0, result.stderr);
      const file = new URL(`coverage-sql/${engine}.sql`, GOLDEN);
      if (process.env.PURGEPLAN_UPDATE_GOLDEN === '1') writeFileSync(file, result.stdout);
      assert.equal(result.stdout, readFileSync(file, 'utf8'), `${engine}: ${UPDATE} (the SQL files: PURGEPLAN_UPDATE_GOLDEN=1 node --test dist/test/coverage-sql.test.js)`);
      assert.equal(result.stderr, '');
    });
  }

  it('--table: dotted names are quoted per engine; anything else is refused before any output', () => {
    const quoted = (engine: string, table: string) => runCli(['coverage', '--print-sql', engine, '--table', table], dir).stdout;
    assert.match(quoted('duckdb', 'main.http_requests'), /FROM "main"\."http_requests"/);
    assert.match(quoted('bigquery', 'my-project.cloudflare.http_requests'), /FROM `my-project`\.`cloudflare`\.`http_requests`/);
    assert.match(quoted('clickhouse', 'logs.http_requests'), /FROM `logs`\.`http_requests`/);
    for (const table of ['x; DROP TABLE y', "read_json_auto('s3://b/*.gz')", 'a.b.c.d', '', 'a..b', 't"x', 't`x', 'http_requests\n--']) {
      for (const engine of ENGINES) {
        const result = runCli(['coverage', '--print-sql', engine, '--table', table], dir);
        assert.equal(result.status, 1, `${engine} ${table}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /--table .*: not a table name/);
        assert.doesNotMatch(result.stderr, /\n--/);
      }
    }
  });

  it('--print-sql reads no logs: --logs, --json and --markdown are refused; --table needs --print-sql; an unknown engine is refused', () => {
    writeFileSync(join(dir, 'a.log'), '');
    for (const extra of [['--logs', 'a.log'], ['--json'], ['--markdown']]) {
      const result = runCli(['coverage', '--print-sql', 'duckdb', ...extra], dir);
      assert.equal(result.status, 1, extra.join(' '));
      assert.match(result.stderr, /--print-sql prints a query and reads no logs/);
      assert.equal(result.stdout, '');
    }
    const table = runCli(['coverage', '--logs', 'a.log', '--table', 't'], dir);
    assert.equal(table.status, 1);
    assert.match(table.stderr, /--table goes with --print-sql/);
    const engine = runCli(['coverage', '--print-sql', 'postgres'], dir);
    assert.equal(engine.status, 1);
    assert.match(engine.stderr, /duckdb, clickhouse, bigquery/);
    const neither = runCli(['coverage'], dir);
    assert.equal(neither.status, 1);
    assert.match(neither.stderr, /--logs/);
  });

  it('an invalid purge.yaml prints no query', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nzones: { www: { id: nope } }\n');
    const result = runCli(['coverage', '--print-sql', 'duckdb', '-c', 'bad.yaml'], dir);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
  });
});
