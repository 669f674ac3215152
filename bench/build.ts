// `npm run bench` (part): a build group of 100,000 files, 1 GB (docs/performance.md). After
// `apply --record-only`, `plan --json` with nothing changed lists and digests every file; it is
// timed as a whole process against `find DIR -type f -print0 | xargs -0 sha256sum > /dev/null` on
// the same tree, alternating, median of 3 (after one untimed run of each, so both read from the
// page cache), with the peak RSS the OS reports for each. The size is configurable, so the bench
// stays runnable on a small machine: PURGEPLAN_BENCH_BUILD_FILES (default 100000) and
// PURGEPLAN_BENCH_BUILD_MB (default 1000).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * A site's build: pages under posts/YEAR/SLUG/index.html and section pages, hashed assets, and
 * images, sizes spread around the mean (deterministic, incompressible content).
 */
function writeTree(root: string, files: number, bytes: number): number {
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pool = Buffer.alloc(8 << 20);
  for (let i = 0; i < pool.length; i++) pool[i] = (random() * 256) | 0;
  const mean = bytes / files;
  const made = new Set<string>();
  let total = 0;
  for (let i = 0; i < files; i++) {
    const kind = i % 10;
    const path = kind < 6 ? `posts/${2015 + (i % 10)}/post-${i}-a-title-of-some-length/index.html`
      : kind < 8 ? `section-${i % 97}/page-${i}.html`
      : kind === 8 ? `assets/${(i % 16).toString(16)}/chunk.${i.toString(16).padStart(8, '0')}.js`
      : `images/${i % 50}/photo-${i}.jpg`;
    const dir = join(root, path.slice(0, path.lastIndexOf('/')));
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const size = Math.max(1, Math.round(mean * (0.25 + 1.5 * random())));
    const start = Math.floor(random() * (pool.length - Math.min(size, pool.length)));
    const content = size <= pool.length ? pool.subarray(start, start + size) : Buffer.concat(Array.from({ length: Math.ceil(size / pool.length) }, () => pool)).subarray(0, size);
    // The file's index first: no two files have the same content.
    content.writeUInt32LE(i, 0);
    writeFileSync(join(root, path), content);
    total += size;
  }
  return total;
}

/** `[seconds, peak RSS MB]` of a shell command, the RSS from GNU time (`%M`, over the command's processes) or else /proc. */
async function timed(command: string, cwd: string): Promise<[number, number]> {
  const gnuTime = existsSync('/usr/bin/time');
  const wrapped = gnuTime ? `/usr/bin/time -f 'PEAK %M' -o .peak sh -c '${command.replace(/'/g, `'\\''`)}'` : command;
  const result = await run('sh', ['-c', wrapped], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  if (result.code !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const peak = gnuTime ? Number(/PEAK (\d+)/.exec(readFileSync(join(cwd, '.peak'), 'utf8'))?.[1] ?? 0) / 1024 : result.peakRssMb;
  return [result.seconds, peak];
}

export async function benchBuild(): Promise<string[]> {
  const files = Number(process.env.PURGEPLAN_BENCH_BUILD_FILES ?? 100_000);
  const megabytes = Number(process.env.PURGEPLAN_BENCH_BUILD_MB ?? 1_000);
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-build-'));
  try {
    const bytes = writeTree(join(dir, 'public'), files, megabytes * 1e6);
    writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }
groups:
  site:
    zone: www
    build:
      dir: public/
      base_url: https://www.example.com/
      clean_urls: true
      immutable: ["assets/**"]
`);
    const node = `"${process.execPath}" "${cli}"`;
    const record = await run('sh', ['-c', `${node} apply --record-only --auto-approve`], { cwd: dir });
    if (record.code !== 0) throw new Error(`apply --record-only failed: ${record.stderr}`);
    const stateBytes = statSync(join(dir, '.purgeplan', 'state.json')).size;
    const plan = `${node} plan --json > plan.json`;
    const sha = 'find public -type f -print0 | xargs -0 sha256sum > /dev/null';
    await timed(sha, dir); // untimed: both read from the page cache from here on
    await timed(plan, dir);
    const ours: number[] = [];
    const theirs: number[] = [];
    let oursPeak = 0;
    let theirsPeak = 0;
    for (let round = 0; round < 3; round++) {
      const [planSeconds, planPeak] = await timed(plan, dir);
      const [shaSeconds, shaPeak] = await timed(sha, dir);
      ours.push(planSeconds);
      theirs.push(shaSeconds);
      oursPeak = Math.max(oursPeak, planPeak);
      theirsPeak = Math.max(theirsPeak, shaPeak);
    }
    const doc = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { groups: { status: string; source: { count: number } }[]; requests: unknown[] };
    if (doc.groups[0]!.status !== 'unchanged' || doc.requests.length !== 0 || doc.groups[0]!.source.count !== files) throw new Error('the benchmark plan is not "nothing changed"');
    const a = median(ours);
    const b = median(theirs);
    return [
      `build group: ${files.toLocaleString('en-US')} files, ${(bytes / 1e6).toFixed(0)} MB; plan --json after apply --record-only, nothing changed: ${a.toFixed(2)} s (runs ${ours.map((s) => s.toFixed(2)).join(', ')}), peak RSS ${oursPeak.toFixed(0)} MB`,
      `find | xargs sha256sum: ${b.toFixed(2)} s (runs ${theirs.map((s) => s.toFixed(2)).join(', ')}), peak RSS ${theirsPeak.toFixed(0)} MB`,
      `ratio purgeplan / sha256sum: ${(a / b).toFixed(2)} (required <= 1.2); state ${(stateBytes / 1024).toFixed(0)} KiB, ${(stateBytes / files).toFixed(1)} bytes a file`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
