// `npm run bench`, coverage case: 400,000 Logpush records (20,000 pages x 3 device types x 5
// languages, a fifth of them with a query to sort) through `coverage --logs … --json`, against
// what a user writes today with jq, sort and uniq, in the same run (median of 3; peak RSS of
// purgeplan). Without jq the comparison is skipped, not failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runMeasured } from './process.js';
import type { Run as Timed } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));

const PAGES = 20_000;
const RECORDS = 400_000;
const DEVICES = ['desktop', 'mobile', 'tablet'];
/** The site serves five languages; purge.yaml declares four: one is missed by construction. */
const LANGUAGES = ['en-US', 'ja', 'de-DE', 'fr-FR', 'es-ES'];
const DECLARED = LANGUAGES.slice(0, 4);
const JQ = `jq -r '[.ClientRequestHost, .ClientRequestURI, .ClientDeviceType, (.RequestHeaders["accept-language"] // "")] | @tsv' logs.ndjson | LC_ALL=C sort | uniq -c > jq.out`;

/** The benchmark's log: deterministic, one Logpush http_requests record a line. */
export function benchLog(records = RECORDS): string {
  const lines: string[] = new Array(records);
  let seed = 42;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < records; i++) {
    const page = next() % PAGES;
    const query = next() % 5 === 0 ? `?utm_term=x&page=${next() % 3}&a=1` : '';
    lines[i] = JSON.stringify({
      ClientRequestMethod: 'GET',
      ClientRequestScheme: 'https',
      ClientRequestHost: 'www.example.com',
      ClientRequestURI: `/articles/article-${String(page).padStart(5, '0')}/${query}`,
      ClientDeviceType: DEVICES[next() % 3],
      ClientCountry: 'us',
      RequestHeaders: { 'accept-language': LANGUAGES[next() % 5] },
      CacheCacheStatus: next() % 10 === 0 ? 'miss' : 'hit',
      EdgeResponseStatus: 200,
      EdgeStartTimestamp: 1764547200000000000 + i * 1000,
      RayID: (0x8f00000000000000n + BigInt(i)).toString(16),
    });
  }
  return `${lines.join('\n')}\n`;
}

function config(dir: string): void {
  writeFileSync(join(dir, 'pages.txt'), `${Array.from({ length: PAGES }, (_, i) => `article-${String(i).padStart(5, '0')}`).join('\n')}\n`);
  writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { query_string: { sort: true }, device_type: true, lang: true }
groups:
  articles:
    urls: ["https://www.example.com/articles/{page}/"]
    vars: { page: { file: pages.txt } }
    variants: { lang: [${DECLARED.join(', ')}] }
`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchCoverage(rounds = 3): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-coverage-'));
  try {
    config(dir);
    writeFileSync(join(dir, 'logs.ndjson'), benchLog());
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
