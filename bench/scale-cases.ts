// `npm run bench`, issue 15 item 4: the sizes that used to fall off a cliff, with time and peak
// RSS of purgeplan itself: `plan --out`, `show --json` and the human and markdown plans on 930,000
// items (900,000 after dedupe), and `plan --base` on 100 groups watching 20,000 files in a git
// repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './process.js';

const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measured(label: string, args: string[], cwd: string, rounds: number, codes: readonly number[] = [0]): Promise<string> {
  const times: number[] = [];
  let peak = 0;
  for (let round = 0; round < rounds; round++) {
    const result = await run(process.execPath, [cli, ...args], { cwd, stdoutFile: '/dev/null' });
    if (!codes.includes(result.code)) throw new Error(`${label} exited ${result.code}: ${result.stderr}`);
    times.push(result.seconds);
    peak = Math.max(peak, result.peakRssMb);
  }
  return `${label}: median ${median(times).toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB (median of ${rounds})`;
}

/**
 * The issue-15 site in `dir`: 25,000 slugs x 3 URL patterns (one with a query to sort) x 3 device
 * types x 4 countries, plus 2,500 overlapping slugs: 930,000 items, 900,000 after dedupe.
 */
export function writeIssue15Site(dir: string): void {
  const slugs = Array.from({ length: 25_000 }, (_, i) => `article-${String(i).padStart(5, '0')}-some-headline-words`);
  writeFileSync(join(dir, 'slugs.txt'), `${slugs.join('\n')}\n`);
  writeFileSync(join(dir, 'overlap.txt'), `${slugs.slice(0, 2_500).join('\n')}\n`);
  writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { device_type: true, geo: true, query_string: { sort: true } }
groups:
  articles:
    urls:
      - https://www.example.com/news/{slug}/
      - https://www.example.com/news/{slug}/amp/
      - https://www.example.com/news/{slug}/?page=1&lang=en
    vars: { slug: { file: slugs.txt } }
    variants: { geo: [JP, US, DE, FR] }
  front:
    urls: ["https://www.example.com/news/{slug}/"]
    vars: { slug: { file: overlap.txt } }
    variants: { geo: [JP, US, DE, FR] }
`);
}

export async function benchScaleCases(rounds = 3): Promise<string[]> {
  const out: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-bench-cases-'));
  try {
    writeIssue15Site(dir);
    out.push(await measured('plan --all --out, 930,000 items', ['plan', '--all', '--out', 'big.plan'], dir, rounds));
    out.push(await measured('show --json, the same plan', ['show', 'big.plan', '--json'], dir, rounds));
    // The reviewer's view of the same plan: factored, it fits one GitHub comment (65,536 characters).
    out.push(await measured('plan --all (human), 930,000 items', ['plan', '--all'], dir, rounds));
    const markdown = await run(process.execPath, [cli, 'plan', '--all', '--markdown'], { cwd: dir });
    out.push(`${await measured('plan --all --markdown, 930,000 items', ['plan', '--all', '--markdown'], dir, rounds)}; ${markdown.stdout.length.toLocaleString('en-US')} characters`);

    // --base: 100 groups, each watching its own 200 of 20,000 files, one file changed since HEAD.
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const groups: string[] = [];
    for (let g = 0; g < 100; g++) {
      mkdirSync(join(repo, 'content', `g${g}`), { recursive: true });
      for (let f = 0; f < 200; f++) writeFileSync(join(repo, 'content', `g${g}`, `page-${f}.md`), `# group ${g}, page ${f}\n`);
      groups.push(`  g${g}:\n    urls: ["https://www.example.com/g/${g}/"]\n    watch: ["content/g${g}/**"]`);
    }
    writeFileSync(join(repo, 'purge.yaml'), `version: 1\nzones:\n  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }\ngroups:\n${groups.join('\n')}\n`);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'content');
    writeFileSync(join(repo, 'content', 'g7', 'page-3.md'), '# changed\n');
    out.push(await measured('plan --base HEAD --json, 100 groups watching 20,000 files (1 changed)', ['plan', '--base', 'HEAD', '--json'], repo, rounds));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
