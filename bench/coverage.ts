// `npm run bench`, coverage case (issue 25): 2,000,000 Logpush records in 20 gzipped files in
// Logpush's date folders (bench/logpush.ts: a key with device type and language), read by
// `coverage --logs DIR --json` on worker threads, against what users write today,
// `zcat DIR/*/*.gz | jq -c '[…the key's fields…]' | LC_ALL=C sort | uniq -c > /dev/null`, both
// timed as whole processes through the same shell, alternating, median of 3; peak RSS of
// purgeplan (every thread: one process). Then the DuckDB path on the same files: the printed
// query run by DuckDB (@duckdb/node-api) writing its rows, and `coverage --logs` over them.
// Without jq the comparison is skipped and said so, never faked. The size is configurable:
// --coverage-records N --coverage-files N.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchSite, writeBenchTree } from './logpush.js';
import { run } from './process.js';
import type { Run } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const duckdbRunner = fileURLToPath(new URL('./duckdb-query.js', import.meta.url));

const JQ_FILTER = `[.ClientRequestHost, .ClientRequestURI, .ClientDeviceType, .RequestHeaders["accept-language"]]`;
const JQ = `zcat logs/*/*.gz | jq -c '${JQ_FILTER}' | LC_ALL=C sort | uniq -c > /dev/null`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const count = (n: number) => n.toLocaleString('en-US');

export interface CoverageBenchSize { readonly records: number; readonly files: number }

export async function benchCoverage(size: CoverageBenchSize = { records: 2_000_000, files: 20 }, rounds = 3): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-coverage-'));
  try {
    writeBenchSite(dir);
    writeBenchTree(join(dir, 'logs'), size.records, size.files);
    const jq = spawnSync('jq', ['--version'], { encoding: 'utf8' });
    const jqVersion = jq.status === 0 ? jq.stdout.trim() : null;
    const ours: Run[] = [];
    const theirs: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      const result = await run('sh', ['-c', `"${process.execPath}" "${cli}" coverage --logs logs --json > coverage.json`], { cwd: dir });
      // Exit 2: the fifth language is missed, as constructed.
      if (result.code !== 2) throw new Error(`coverage exited ${result.code}: ${result.stderr}`);
      ours.push(result);
      if (jqVersion === null) continue;
      const baseline = await run('sh', ['-c', JQ], { cwd: dir });
      if (baseline.code !== 0) throw new Error(`jq pipeline failed: ${baseline.stderr}`);
      theirs.push(baseline);
    }
    // Peak RSS of purgeplan itself, all its threads (sh's is tiny).
    const rss = await run(process.execPath, [cli, 'coverage', '--logs', 'logs', '--json'], { cwd: dir, stdoutFile: '/dev/null' });
    const sequential = await run('sh', ['-c', `"${process.execPath}" "${cli}" coverage --logs logs --json --threads 1 > sequential.json`], { cwd: dir });
    if (readFileSync(join(dir, 'sequential.json'), 'utf8') !== readFileSync(join(dir, 'coverage.json'), 'utf8')) throw new Error('coverage --threads 1 gave another report');
    const report = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as { entries: Record<string, number>; coverage: number };
    const entries = Object.values(report.entries).reduce((a, b) => a + b, 0);
    const time = median(ours.map((r) => r.seconds));
    const lines = [
      `coverage --logs DIR --json: ${count(size.records)} records in ${size.files} gzipped files, ${count(entries)} entries (${count(report.entries.missed!)} missed, coverage ${(report.coverage * 100).toFixed(1)}%), ${availableParallelism()} threads: median ${time.toFixed(2)} s (fastest ${Math.min(...ours.map((r) => r.seconds)).toFixed(2)} s), peak RSS ${rss.peakRssMb.toFixed(0)} MB (required < 1024); --threads 1: ${sequential.seconds.toFixed(2)} s`,
    ];
    if (jqVersion === null) lines.push('jq not found, comparison skipped (install it, e.g. apt-get install jq, to compare)');
    else {
      const jqTime = median(theirs.map((r) => r.seconds));
      lines.push(`${JQ} (${jqVersion}): median ${jqTime.toFixed(2)} s (fastest ${Math.min(...theirs.map((r) => r.seconds)).toFixed(2)} s)`);
      lines.push(`ratio purgeplan / jq pipeline: ${(time / jqTime).toFixed(2)} (required <= 0.6); fastest runs: ${(Math.min(...ours.map((r) => r.seconds)) / Math.min(...theirs.map((r) => r.seconds))).toFixed(2)}`);
    }
    lines.push(await benchDuckdb(dir));
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The DuckDB path: print the query, run it on DuckDB over the files, read its rows with coverage --logs. */
async function benchDuckdb(dir: string): Promise<string> {
  const printed = await run(process.execPath, [cli, 'coverage', '--print-sql', 'duckdb'], { cwd: dir });
  if (printed.code !== 0) throw new Error(`--print-sql failed: ${printed.stderr}`);
  writeFileSync(join(dir, 'coverage.sql'), printed.stdout);
  const engine = await run(process.execPath, [duckdbRunner, join(dir, 'logs', '*', '*.log.gz'), join(dir, 'coverage.sql'), join(dir, 'entries.ndjson')], { cwd: dir });
  if (engine.code !== 0) return `DuckDB path: skipped (${engine.stderr.trim().split('\n')[0]})`;
  const read = await run('sh', ['-c', `"${process.execPath}" "${cli}" coverage --logs entries.ndjson --json > duckdb.json`], { cwd: dir });
  if (read.code !== 2) throw new Error(`coverage of the DuckDB rows exited ${read.code}: ${read.stderr}`);
  const strip = (file: string) => {
    const { files: _files, ...rest } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    return JSON.stringify(rest);
  };
  const same = strip('duckdb.json') === strip('coverage.json');
  const rows = readFileSync(join(dir, 'entries.ndjson'), 'utf8').split('\n').length - 1;
  return `DuckDB path: the query over the gzipped files ${engine.seconds.toFixed(2)} s (peak RSS ${engine.peakRssMb.toFixed(0)} MB) -> ${count(rows)} rows, coverage --logs of them ${read.seconds.toFixed(2)} s; total ${(engine.seconds + read.seconds).toFixed(2)} s; ${same ? 'the same report as the raw logs' : 'ANOTHER REPORT than the raw logs'}`;
}
