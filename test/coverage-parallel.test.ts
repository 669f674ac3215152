// `coverage --logs DIR` (docs/coverage.md, "Directories in parallel"): every *.log, *.json, *.ndjson and
// their .gz under DIR, at any depth, read on worker threads, with the same report as reading the
// files one by one (--threads 1): counts, entries, missed values, weighted records, skipped lines
// with their file:line positions, the files list, and the errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { configYaml, runCli, seededRandom, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';

const SITE = configYaml({
  zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
  cache_keys: { pages: { query_string: { sort: true }, device_type: true, lang: true } },
  groups: {
    posts: { urls: ['https://www.example.com/posts/{slug}/'], vars: { slug: ['a', 'b', 'c'] }, variants: { lang: ['ja', 'en-US'] } },
    feeds: { prefixes: ['www.example.com/feeds/'] },
  },
});

/** A log file's lines: records of every class, weighted ones, and bad lines where `badAt` says. */
function logFile(seed: number, lines: number, badAt: readonly number[]): string {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const out: string[] = [];
  for (let line = 1; line <= lines; line++) {
    if (badAt.includes(line)) {
      out.push(pick(['not json', '{"ClientRequestURI": "/posts/a/"}', logLine({ url: 'https://www.example.com/posts/a/', count: 0 })]));
      continue;
    }
    const url = pick(['https://www.example.com/posts/a/', 'https://www.example.com/posts/b/?b=1&a=2', 'http://www.example.com/posts/c/', 'https://www.example.com/feeds/x.xml', 'https://www.example.com/about/', 'https://other.test/']);
    const headers = random() < 0.1 ? null : { 'accept-language': pick(['ja', 'en-US,en;q=0.8', 'fr-FR', 'de']) };
    const count = random() < 0.3 ? 1 + Math.floor(random() * 50) : undefined;
    out.push(logLine({ url, device: pick(['desktop', 'mobile', 'tablet']), headers, status: pick(['hit', 'miss', 'bypass']), method: pick(['GET', 'GET', 'HEAD', 'POST']), ...(count === undefined ? {} : { count }) }));
  }
  return `${out.join('\n')}\n`;
}

describe('coverage --logs DIR on worker threads (docs/coverage.md)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'purgeplan-parallel-'));
    writeFileSync(join(dir, 'purge.yaml'), SITE);
    const logs = join(dir, 'logs');
    // Logpush's date folders; later files have bad lines earlier in them, so that input order,
    // not line order, decides which skipped lines are shown first.
    const files: [string, string][] = [
      ['20261201/20261201T000000Z_20261201T005959Z_a.log.gz', 'gz'],
      ['20261201/20261201T010000Z_20261201T015959Z_b.log', 'plain'],
      ['20261202/20261202T000000Z_20261202T005959Z_c.ndjson.gz', 'gz'],
      ['20261202/late/d.json', 'plain'],
      ['20261203/e.ndjson', 'plain'],
    ];
    files.forEach(([name, kind], i) => {
      mkdirSync(join(logs, name, '..'), { recursive: true });
      const text = logFile(i + 1, 400 + 37 * i, i === 0 ? [300, 390] : i === 1 ? [5, 6] : i === 3 ? [1, 2, 3] : []);
      writeFileSync(join(logs, name), kind === 'gz' ? gzipSync(text) : text);
    });
    // Not logs: left out.
    writeFileSync(join(logs, '20261201', 'README.txt'), 'notes\n');
    writeFileSync(join(logs, '20261203', 'e.ndjson.bak'), 'not json\n');
    // A link to a directory is not followed (here it would loop); a link to a file is read.
    symlinkSync('..', join(logs, '20261203', 'loop'));
    symlinkSync(join('..', '20261201', '20261201T010000Z_20261201T015959Z_b.log'), join(logs, '20261203', 'f.log'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every log file under DIR, in name order at each level, .gz included', () => {
    const result = runCli(['coverage', '--logs', 'logs', '--json'], dir);
    assert.notEqual(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { files: { name: string }[] };
    assert.deepEqual(report.files.map((f) => f.name), [
      'logs/20261201/20261201T000000Z_20261201T005959Z_a.log.gz',
      'logs/20261201/20261201T010000Z_20261201T015959Z_b.log',
      'logs/20261202/20261202T000000Z_20261202T005959Z_c.ndjson.gz',
      'logs/20261202/late/d.json',
      'logs/20261203/e.ndjson',
      'logs/20261203/f.log',
    ]);
  });

  it('the same report as reading the files one by one: JSON (skipped lines and their positions too), human, markdown', () => {
    const sequential = runCli(['coverage', '--logs', 'logs', '--json', '--threads', '1'], dir);
    assert.equal(sequential.status, 2, sequential.stderr);
    for (const threads of [[], ['--threads', '2'], ['--threads', '4']]) {
      const parallel = runCli(['coverage', '--logs', 'logs', '--json', ...threads], dir);
      assert.equal(parallel.status, sequential.status, parallel.stderr);
      assert.equal(parallel.stdout, sequential.stdout, `--threads ${threads[1] ?? 'default'}`);
    }
    const report = JSON.parse(sequential.stdout) as { skipped_lines: { file: string; line: number }[]; requests: Record<string, number> };
    assert.deepEqual(report.skipped_lines.map((s) => `${s.file.split('/').pop()}:${s.line}`), ['20261201T000000Z_20261201T005959Z_a.log.gz:300', '20261201T000000Z_20261201T005959Z_a.log.gz:390', '20261201T010000Z_20261201T015959Z_b.log:5', '20261201T010000Z_20261201T015959Z_b.log:6', 'd.json:1']);
    assert.equal(report.requests.skipped, 9); // b.log's two, twice (f.log is a link to it)
    for (const format of ['--markdown', []] as const) {
      const args = ['coverage', '--logs', 'logs', ...(typeof format === 'string' ? [format] : format)];
      assert.equal(runCli(args, dir).stdout, runCli([...args, '--threads', '1'], dir).stdout);
    }
  });

  it('a directory and files together, each read once in the order given', () => {
    const mixed = runCli(['coverage', '--logs', 'logs/20261203', 'logs/20261201', '--json'], dir);
    const sequential = runCli(['coverage', '--logs', 'logs/20261203', 'logs/20261201', '--json', '--threads', '1'], dir);
    assert.equal(mixed.stdout, sequential.stdout);
    assert.deepEqual((JSON.parse(mixed.stdout) as { files: { name: string }[] }).files.map((f) => f.name.split('/').pop()), ['e.ndjson', 'f.log', '20261201T000000Z_20261201T005959Z_a.log.gz', '20261201T010000Z_20261201T015959Z_b.log']);
  });

  it('errors are those of reading one by one: the first bad file in input order is named', () => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'a'), { recursive: true });
    mkdirSync(join(bad, 'b'), { recursive: true });
    writeFileSync(join(bad, 'a', '1.log'), `${logLine({ url: 'https://www.example.com/posts/a/' })}\n`);
    writeFileSync(join(bad, 'a', '2.log.gz'), 'not gzip at all');
    writeFileSync(join(bad, 'b', '3.log'), 'no record here\n');
    writeFileSync(join(bad, 'b', '4.log'), `${logLine({ url: 'https://www.example.com/posts/a/' })}\n`);
    for (const threads of ['1', '2', '3']) {
      const result = runCli(['coverage', '--logs', 'bad', '--threads', threads], dir);
      assert.equal(result.status, 1, threads);
      assert.match(result.stderr, /--logs bad\/a\/2\.log\.gz: not valid gzip data/, threads);
      assert.doesNotMatch(result.stderr, /internal error|3\.log/);
      assert.equal(result.stdout, '');
    }
    rmSync(join(bad, 'a', '2.log.gz'));
    for (const threads of ['1', '2']) {
      const result = runCli(['coverage', '--logs', 'bad', '--threads', threads], dir);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /--logs bad\/b\/3\.log: no valid Logpush record/);
    }
  });

  it('a file name under DIR is shown inert, in errors and in the report', () => {
    const hostile = join(dir, 'hostile');
    mkdirSync(hostile);
    const name = 'x\u001b[31mred\u0007.log';
    writeFileSync(join(hostile, 'ok.log'), `${logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': 'ja' } })}\n`);
    writeFileSync(join(hostile, name), `${logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': 'ja' } })}\nnot json\n`);
    const report = runCli(['coverage', '--logs', 'hostile'], dir);
    assert.equal(report.status, 0, report.stderr);
    assert.doesNotMatch(report.stdout + report.stderr, /[\u0007\u001b]/);
    assert.match(report.stdout, /hostile\/x\\u001b\[31mred\\u0007\.log:2: not a JSON object/);
    writeFileSync(join(hostile, name), 'not json\n');
    const error = runCli(['coverage', '--logs', 'hostile'], dir);
    assert.equal(error.status, 1);
    assert.doesNotMatch(error.stderr, /[\u0007\u001b]/);
    assert.match(error.stderr, /--logs hostile\/x\\u001b\[31mred\\u0007\.log: no valid Logpush record/);
  });

  it('--threads must be a positive integer; stdin among the inputs is read with the files, in order', () => {
    const zero = runCli(['coverage', '--logs', 'logs', '--threads', '0'], dir);
    assert.equal(zero.status, 1);
    assert.match(zero.stderr, /--threads/);
    const line = `${logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': 'ja' }, count: 3 })}\n`;
    const withStdin = runCli(['coverage', '--logs', 'logs/20261203', '-', '--json'], dir, { input: line });
    const report = JSON.parse(withStdin.stdout) as { files: { name: string }[] };
    assert.deepEqual(report.files.map((f) => f.name), ['logs/20261203/e.ndjson', 'logs/20261203/f.log', '-']);
  });
});

describe('coverage --logs DIR on worker threads with a build group', () => {
  it('the workers judge against the build the main thread read: the same report as one by one, build URLs planned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-parallel-build-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }
groups:
  site:
    zone: www
    build: { dir: public/, base_url: "https://www.example.com/" }
`);
      mkdirSync(join(dir, 'public', 'about'), { recursive: true });
      writeFileSync(join(dir, 'public', 'index.html'), 'home');
      writeFileSync(join(dir, 'public', 'about', 'index.html'), 'about');
      mkdirSync(join(dir, 'logs', '20261201'), { recursive: true });
      for (const [i, url] of ['https://www.example.com/', 'https://www.example.com/about/', 'https://www.example.com/gone/'].entries()) {
        writeFileSync(join(dir, 'logs', '20261201', `${i}.log`), `${Array.from({ length: 20 }, () => logLine({ url, status: 'hit' })).join('\n')}\n`);
      }
      const sequential = runCli(['coverage', '--logs', 'logs', '--json', '--threads', '1'], dir);
      assert.equal(sequential.status, 0, sequential.stderr);
      const parallel = runCli(['coverage', '--logs', 'logs', '--json', '--threads', '2'], dir);
      assert.equal(parallel.stdout, sequential.stdout);
      assert.equal(parallel.status, sequential.status);
      const report = JSON.parse(sequential.stdout) as { requests: { purged: number; outside: number } };
      assert.deepEqual([report.requests.purged, report.requests.outside], [40, 20], 'the build\'s two URLs are planned; the third is not');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
