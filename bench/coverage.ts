// `npm run bench`, coverage case: 400,000 Logpush records (20,000 pages x 3 device types x 5
// languages, a fifth of them with a query to sort) through `coverage --logs … --json`, against
// what a user writes today with jq, sort and uniq, in the same run (median of 3; peak RSS of
// purgeplan). Without jq the comparison is skipped, not failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLog, writeBenchSite } from './logpush.js';
import { run as runMeasured } from './process.js';
import type { Run as Timed } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));

const RECORDS = 400_000;
const JQ = `jq -r '[.ClientRequestHost, .ClientRequestURI, .ClientDeviceType, (.RequestHeaders["accept-language"] // "")] | @tsv' logs.ndjson | LC_ALL=C sort | uniq -c > jq.out`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchCoverage(rounds = 3): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-coverage-'));
  try {
    writeBenchSite(dir);
    writeFileSync(join(dir, 'logs.ndjson'), benchLog(RECORDS));
    const hasJq = spawnSync('jq', ['--version']).status === 0;
    const ours: Timed[] = [];
    const theirs: Timed[] = [];
    for (let round = 0; round < rounds; round++) {
      const run = await runMeasured('sh', ['-c', `"${process.execPath}" "${cli}" coverage --logs logs.ndjson --json > coverage.json`], { cwd: dir });
      // Exit 2: the fifth language is missed, as constructed.
      if (run.code !== 2) throw new Error(`coverage exited ${run.code}: ${run.stderr}`);
      ours.push(run);
      if (hasJq) {
        const jq = await runMeasured('sh', ['-c', JQ], { cwd: dir });
        if (jq.code !== 0) throw new Error(`jq pipeline failed: ${jq.stderr}`);
        theirs.push(jq);
      }
    }
    // Peak RSS of purgeplan itself (sh's is tiny).
    const rss = await runMeasured(process.execPath, [cli, 'coverage', '--logs', 'logs.ndjson', '--json'], { cwd: dir });
    const report = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as { requests: Record<string, number>; entries: Record<string, number>; coverage: number };
    const entries = Object.values(report.entries).reduce((a, b) => a + b, 0);
    const time = median(ours.map((r) => r.seconds));
    const lines = [
      `coverage --logs --json: ${RECORDS.toLocaleString('en-US')} records, ${entries.toLocaleString('en-US')} entries (${report.entries.missed.toLocaleString('en-US')} missed, coverage ${(report.coverage * 100).toFixed(1)}%) in ${time.toFixed(2)} s, peak RSS ${rss.peakRssMb.toFixed(0)} MB (required <= 400)`,
    ];
    if (!hasJq) return [...lines, 'jq not found, comparison skipped'];
    const groups = readFileSync(join(dir, 'jq.out'), 'utf8').split('\n').length - 1;
    const jqTime = median(theirs.map((r) => r.seconds));
    lines.push(`jq | sort | uniq -c: ${groups.toLocaleString('en-US')} lines in ${jqTime.toFixed(2)} s`);
    lines.push(`ratio purgeplan / jq: ${(time / jqTime).toFixed(2)} (required <= 1.0, goal 0.5)`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
