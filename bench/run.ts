// `npm run bench`: the figures in docs/performance.md.
//  1. plan --json on about a million purge items against `awk | sort -u` producing the same
//     expanded lines, on this machine in this run (median of 3; peak RSS of purgeplan); the
//     issue-15 case against two awk baselines (with header text, and the strictest: URL DEVICE
//     COUNTRY), median of 5.
//  2. start-up: validate and --help against `node -e 0`, whole processes timed by the shell.
//  3. a build group of 100,000 files, 1 GB (bench/build.ts): plan --json with nothing changed
//     against find | xargs sha256sum (PURGEPLAN_BENCH_BUILD_FILES / _MB set the size).
//  4. apply against the loopback stand-in enforcing Cloudflare's documented limits: 12,000 URLs
//     on the free plan (800 URLs/s) and 6,000 tags on the pro plan (5 requests/s, bucket 25);
//     achieved time over ideal time (what the limit allows after the first burst) and 429s.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandin } from '../test/support/cloudflare-standin.js';
import { benchBuild } from './build.js';
import { benchCoverage } from './coverage.js';
import { benchScaleCases, writeIssue15Site } from './scale-cases.js';
import { run } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function benchPlan(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-'));
  const slugs = Array.from({ length: 28_000 }, (_, i) => `post-${String(i).padStart(6, '0')}-a-fairly-long-slug`);
  writeFileSync(join(dir, 'slugs.txt'), `${slugs.join('\n')}\n`);
  writeFileSync(join(dir, 'featured.txt'), `${slugs.slice(0, 1000).join('\n')}\n`);
  writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { device_type: true, geo: true }
groups:
  posts:
    urls:
      - https://www.example.com/blog/{slug}/
      - https://www.example.com/blog/{slug}/amp/
      - https://www.example.com/blog/{slug}/comments/
    vars: { slug: { file: slugs.txt } }
    variants: { geo: [JP, US, DE, FR] }
  featured:   # overlaps posts: every item is a duplicate, sent once
    urls: ["https://www.example.com/blog/{slug}/"]
    vars: { slug: { file: featured.txt } }
    variants: { geo: [JP, US, DE, FR] }
`);
  // The same expanded lines, one per purge item, deduplicated by sort -u.
  writeFileSync(join(dir, 'expand.awk'), `BEGIN { split("desktop mobile tablet", d, " "); split("DE FR JP US", c, " ") }
FILENAME ~ /slugs/ { for (p = 1; p <= 3; p++) { u = "https://www.example.com/blog/" $1 (p == 1 ? "/" : p == 2 ? "/amp/" : "/comments/"); for (i = 1; i <= 3; i++) for (j = 1; j <= 4; j++) print u " [cf-device-type=" d[i] ", cf-ipcountry=" c[j] "]" } }
FILENAME ~ /featured/ { u = "https://www.example.com/blog/" $1 "/"; for (i = 1; i <= 3; i++) for (j = 1; j <= 4; j++) print u " [cf-device-type=" d[i] ", cf-ipcountry=" c[j] "]" }
`);
  const awkTimes: number[] = [];
  const planTimes: number[] = [];
  const planRss: number[] = [];
  let items = 0;
  let lines = 0;
  for (let round = 0; round < 3; round++) {
    const awk = await run('sh', ['-c', 'awk -f expand.awk slugs.txt featured.txt | sort -u > lines.txt'], { cwd: dir });
    if (awk.code !== 0) throw new Error(`awk pipeline failed: ${awk.stderr}`);
    awkTimes.push(awk.seconds);
    const plan = await run('sh', ['-c', `"${process.execPath}" "${cli}" plan --json --all --max-items 2000000 > plan.json`], { cwd: dir });
    if (plan.code !== 0) throw new Error(`plan failed: ${plan.stderr}`);
    planTimes.push(plan.seconds);
    // sh's VmHWM is tiny; sample purgeplan itself for memory.
    const rss = await run(process.execPath, [cli, 'plan', '--json', '--all', '--max-items', '2000000'], { cwd: dir, stdoutFile: 'ignored' });
    planRss.push(rss.peakRssMb);
  }
  const summary = (JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { summary: { files: number; duplicates: number } }).summary;
  items = summary.files + summary.duplicates;
  lines = readFileSync(join(dir, 'lines.txt'), 'utf8').split('\n').length - 1;
  rmSync(dir, { recursive: true, force: true });
  if (lines !== summary.files) throw new Error(`awk produced ${lines} lines but the plan has ${summary.files} files`);
  const awk = median(awkTimes);
  const plan = median(planTimes);
  return [
    `plan --json: ${items.toLocaleString('en-US')} items expanded (${summary.files.toLocaleString('en-US')} after dedupe) in ${plan.toFixed(2)} s, peak RSS ${Math.max(...planRss).toFixed(0)} MB`,
    `awk | sort -u: the same ${lines.toLocaleString('en-US')} lines in ${awk.toFixed(2)} s`,
    `ratio purgeplan / awk: ${(plan / awk).toFixed(2)} (required <= 2)`,
  ];
}

/**
 * The least time the documented limit allows for `sizes` (items per request, in order) after the
 * first burst, with zero latency: the stand-in's own rules replayed. A URL window of `rate` per
 * 1000 ms, or a bucket of `bucket` tokens refilling at `rate` requests per second.
 */
function minimumSeconds(sizes: readonly number[], limit: { kind: 'window'; rate: number } | { kind: 'bucket'; rate: number; bucket: number }): number {
  const times: number[] = [];
  let tokens = limit.kind === 'bucket' ? limit.bucket : 0;
  let last = 0;
  sizes.forEach((size, k) => {
    let t = last;
    if (limit.kind === 'window') {
      // Earliest t at which the URLs of the last 1000 ms plus this request fit.
      for (;;) {
        const used = sizes.slice(0, k).reduce((sum, s, j) => (times[j] > t - 1000 ? sum + s : sum), 0);
        if (used + size <= limit.rate) break;
        t = Math.min(...times.filter((x) => x > t - 1000)) + 1000;
      }
    } else {
      tokens = Math.min(limit.bucket, tokens + ((t - last) * limit.rate) / 1000);
      if (tokens < 1) {
        t += ((1 - tokens) * 1000) / limit.rate;
        tokens = 1;
      }
      tokens -= 1;
    }
    times.push(t);
    last = t;
  });
  return (times[times.length - 1] - times[0]) / 1000;
}

async function benchApply(label: string, tier: 'free' | 'pro', body: 'files' | 'tags', count: number, ideal: number, minimum: number): Promise<string> {
  const standin = await startStandin({ zones: [{ id: ZONE_ID, name: 'example.com', plan: tier, account_id: 'acc1' }] });
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-apply-'));
  try {
    const values = Array.from({ length: count }, (_, i) => (body === 'files' ? `https://www.example.com/p/${i}/` : `tag-${i}`));
    writeFileSync(join(dir, 'values.txt'), `${values.join('\n')}\n`);
    const group = body === 'files' ? 'urls: ["{v}"]\n    vars: { v: { file: values.txt } }' : `tags: [${values.join(', ')}]`;
    writeFileSync(join(dir, 'purge.yaml'), `version: 1\nzones:\n  www: { id: ${ZONE_ID}, name: example.com, plan: ${tier} }\ngroups:\n  bulk:\n    ${group}\n`);
    const env = { ...process.env, CLOUDFLARE_API_TOKEN: 'test-token', NO_COLOR: '1' };
    const result = await run(process.execPath, [cli, 'apply', '--auto-approve', '--all', '--api-url', standin.url, '--json'], { cwd: dir, env });
    if (result.code !== 0) throw new Error(`apply failed (${result.code}): ${result.stderr}`);
    const accepted = standin.accepted.reduce((n, purge) => n + (purge.body[body] as unknown[]).length, 0);
    if (accepted !== count) throw new Error(`the stand-in accepted ${accepted} of ${count} ${body}`);
    const first = standin.accepted[0]?.at ?? 0;
    const last = standin.accepted[standin.accepted.length - 1]?.at ?? 0;
    const achieved = (last - first) / 1000;
    return `${label}: ${standin.accepted.length} requests in ${achieved.toFixed(2)} s (first to last purge); ideal ${ideal.toFixed(2)} s, ratio ${(achieved / ideal).toFixed(3)} (required <= 1.25); least time these requests allow ${minimum.toFixed(2)} s, ratio ${(achieved / minimum).toFixed(3)}; 429s: ${standin.rateLimited}`;
  } finally {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue 15: 25,000 slugs x 3 URL patterns (one with a query to sort) x 3 device types x 4
 * countries, plus 2,500 overlapping slugs. Two awk baselines expand the same items: one prints
 * `URL [headers]` lines (the comparison in docs/performance.md since issue 15), the strictest
 * fair one only `URL DEVICE COUNTRY`, the least text that still tells the items apart.
 * Alternating runs, median of 5.
 */
async function benchIssue15(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench15-'));
  try {
    writeIssue15Site(dir);
    // awk prints the query already sorted (lang=en&page=1), as the cache key normalizes it.
    const expandAwk = (item: string) => `BEGIN { split("desktop mobile tablet", d, " "); split("DE FR JP US", c, " ") }
FILENAME ~ /slugs/ { for (p = 1; p <= 3; p++) { u = "https://www.example.com/news/" $1 (p == 1 ? "/" : p == 2 ? "/amp/" : "/?lang=en&page=1"); for (i = 1; i <= 3; i++) for (j = 1; j <= 4; j++) print ${item} } }
FILENAME ~ /overlap/ { u = "https://www.example.com/news/" $1 "/"; for (i = 1; i <= 3; i++) for (j = 1; j <= 4; j++) print ${item} }
`;
    writeFileSync(join(dir, 'expand.awk'), expandAwk('u " [cf-device-type=" d[i] ", cf-ipcountry=" c[j] "]"'));
    writeFileSync(join(dir, 'expand-min.awk'), expandAwk('u " " d[i] " " c[j]'));
    const baselines = [
      { label: 'awk (URL [headers]) | LC_ALL=C sort -u | wc -l', script: 'expand.awk', times: [] as number[] },
      { label: 'awk (URL DEVICE COUNTRY) | LC_ALL=C sort -u | wc -l', script: 'expand-min.awk', times: [] as number[] },
    ];
    const planTimes: number[] = [];
    let peak = 0;
    const counts = new Set<string>();
    for (let round = 0; round < 5; round++) {
      for (const baseline of baselines) {
        const awk = await run('sh', ['-c', `awk -f ${baseline.script} slugs.txt overlap.txt | LC_ALL=C sort -u | wc -l`], { cwd: dir });
        if (awk.code !== 0) throw new Error(`awk pipeline failed: ${awk.stderr}`);
        baseline.times.push(awk.seconds);
        counts.add(awk.stdout.trim());
      }
      const plan = await run(process.execPath, [cli, 'plan', '--json', '--all'], { cwd: dir, stdoutFile: '/dev/null' });
      if (plan.code !== 0) throw new Error(`plan failed: ${plan.stderr}`);
      planTimes.push(plan.seconds);
      peak = Math.max(peak, plan.peakRssMb);
    }
    if (counts.size !== 1) throw new Error(`the awk baselines disagree on the item count: ${[...counts].join(', ')}`);
    const plan = median(planTimes);
    const [headers, strict] = baselines.map((baseline) => median(baseline.times));
    return [
      `issue 15 case: plan --json --all (930,000 items, ${Number([...counts][0]).toLocaleString('en-US')} after dedupe) median ${plan.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB; ${baselines[0].label} median ${headers.toFixed(2)} s; ${baselines[1].label} median ${strict.toFixed(2)} s`,
      `issue 15 ratio purgeplan / awk with headers: ${(plan / headers).toFixed(2)} (required <= 1.5, goal <= 1.0); purgeplan / strictest awk: ${(plan / strict).toFixed(2)} (goal toward 1.2); alternating runs, median of 5`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Issue 9 item 16: 20,000 prefixes (coverage) and 5,000 groups (validation), time and peak RSS. */
async function benchScale(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-scale-'));
  const out: string[] = [];
  try {
    const prefixes = Array.from({ length: 20_000 }, (_, i) => `      - www.example.com/p/${i}/x`);
    const broad = Array.from({ length: 2_858 }, (_, i) => `      - www.example.com/p/${i * 7}`);
    writeFileSync(join(dir, 'prefixes.yaml'), `version: 1\nzones:\n  www: { id: ${ZONE_ID}, plan: enterprise }\ngroups:\n  a:\n    prefixes:\n${prefixes.join('\n')}\n  b:\n    prefixes:\n${broad.join('\n')}\n`);
    const groups = Array.from({ length: 5_000 }, (_, i) => `  g${i}:\n    urls: ["https://www.example.com/g/${i}/"]`);
    writeFileSync(join(dir, 'groups.yaml'), `version: 1\nzones:\n  www: { id: ${ZONE_ID}, plan: enterprise }\ngroups:\n${groups.join('\n')}\n`);
    for (const [label, file] of [['20,000 prefixes', 'prefixes.yaml'], ['5,000 groups', 'groups.yaml']]) {
      const times: number[] = [];
      let peak = 0;
      for (let round = 0; round < 3; round++) {
        const result = await run(process.execPath, [cli, 'plan', '--json', '--all', '-c', file], { cwd: dir, stdoutFile: '/dev/null' });
        if (result.code !== 0) throw new Error(`${label}: ${result.stderr}`);
        times.push(result.seconds);
        peak = Math.max(peak, result.peakRssMb);
      }
      out.push(`plan --json, ${label}: median ${median(times).toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * Start-up, as whole processes timed by the shell (bash's `time`, as /usr/bin/time but to the
 * millisecond), so a harness's own spawn cost is on neither side: `validate` on the shipped
 * purge.yaml in this repository and `--help`, alternating with `node -e 0`, median of 21.
 */
async function benchStartup(rounds = 21): Promise<string[]> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const check = await run(process.execPath, [cli, 'validate'], { cwd: root });
  if (check.code !== 0 || !/purge\.yaml is valid/.test(check.stdout)) throw new Error(`validate on the shipped purge.yaml failed (${check.code}): ${check.stderr}`);
  const script = `TIMEFORMAT=%3R
for round in $(seq ${rounds}); do
  echo "bare $( { time "$NODE" -e 0 >/dev/null 2>&1; } 2>&1 )"
  echo "validate $( { time "$NODE" "$CLI" validate >/dev/null 2>&1; } 2>&1 )"
  echo "help $( { time "$NODE" "$CLI" --help >/dev/null 2>&1; } 2>&1 )"
done
`;
  const timed = await run('bash', ['-c', script], { cwd: root, env: { ...process.env, NODE: process.execPath, CLI: cli } });
  if (timed.code !== 0) return [`start-up: skipped (bash could not time the runs: ${timed.stderr.trim()})`];
  const times: Record<string, number[]> = { bare: [], validate: [], help: [] };
  for (const [, label, seconds] of timed.stdout.matchAll(/^(bare|validate|help) (\d+\.\d+)$/gm)) times[label].push(Number(seconds));
  if (Object.values(times).some((list) => list.length !== rounds)) throw new Error(`start-up: unexpected timings: ${timed.stdout.slice(0, 500)}`);
  const [bare, validate, help] = [times.bare, times.validate, times.help].map(median);
  // The fastest runs too: the least disturbed by whatever else the machine runs.
  const [bareMin, validateMin] = [times.bare, times.validate].map((list) => Math.min(...list));
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
  return [`start-up (whole processes timed by the shell, alternating, median of ${rounds}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}): node -e 0 ${ms(bare)}, validate ${ms(validate)} (${(validate / bare).toFixed(2)}x, goal <= 1.5x; fastest runs ${ms(validateMin)} / ${ms(bareMin)}: ${(validateMin / bareMin).toFixed(2)}x), --help ${ms(help)} (${(help / bare).toFixed(2)}x)`];
}

async function main(): Promise<void> {
  const skip = new Set(process.argv.slice(2).filter((a) => a.startsWith('--skip-')).map((a) => a.slice(7)));
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!skip.has('plan')) for (const line of await benchPlan()) console.log(line);
  if (!skip.has('issue15')) for (const line of await benchIssue15()) console.log(line);
  if (!skip.has('scale')) for (const line of await benchScale()) console.log(line);
  if (!skip.has('startup')) for (const line of await benchStartup()) console.log(line);
  if (!skip.has('cases')) for (const line of await benchScaleCases()) console.log(line);
  const option = (name: string, fallback: number) => {
    const given = process.argv.find((a) => a.startsWith(`--${name}=`));
    const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name}=N: a positive integer`);
    return value;
  };
  if (!skip.has('coverage')) for (const line of await benchCoverage({ records: option('coverage-records', 2_000_000), files: option('coverage-files', 20) })) console.log(line);
  if (!skip.has('build')) for (const line of await benchBuild()) console.log(line);
  if (!skip.has('apply')) {
    // 12,000 URLs at 800 URLs/s: the first 800 go at once, the rest take 11,200 / 800 s. In
    // requests of 30 URLs (the default off Enterprise) only 26 fit a second, so the limit itself
    // allows no less than 15 s: both ratios are reported.
    const fileSizes = Array.from({ length: 400 }, () => 30);
    console.log(await benchApply('apply 12,000 URLs, free plan', 'free', 'files', 12_000, (12_000 - 800) / 800, minimumSeconds(fileSizes, { kind: 'window', rate: 800 })));
    // 6,000 tags in 60 requests at 5 requests/s with a bucket of 25: (60 - 25) / 5 s.
    const tagSizes = Array.from({ length: 60 }, () => 100);
    console.log(await benchApply('apply 6,000 tags, pro plan', 'pro', 'tags', 6_000, (60 - 25) / 5, minimumSeconds(tagSizes, { kind: 'bucket', rate: 5, bucket: 25 })));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
