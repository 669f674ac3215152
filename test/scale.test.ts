// Issue 9 item 16 and issue 15: large inputs give the right answers (speed is measured by
// `npm run bench`, not by timed tests). Coverage of 20,000 prefixes, 10,000 groups with a
// duplicate key found at its position, and files bodies that cut runs of variants.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../src/plan/types.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../src/render/markdown.js';
import { CompactFiles } from '../src/plan/files.js';
import { renderJson } from '../src/render/json.js';
import { configYaml, errorsOf, filesOf, planOf, runCli, ZONE_ID } from './support/config-builder.js';
import { checkAndExpand } from '../src/commands/pipeline.js';
import { memoryReader } from './support/config-builder.js';

describe('prefix coverage at scale', () => {
  it('20,000 prefixes, every 7th under a broader prefix of another group: the broadest covers, counts exact', () => {
    const n = 20_000;
    const narrow = Array.from({ length: n }, (_, i) => `www.example.com/p/${i}/x`);
    // Broader prefixes: /p/0, /p/7, …, and under each also /p/0/ (itself covered by /p/0).
    const broad = Array.from({ length: Math.ceil(n / 7) }, (_, k) => `www.example.com/p/${k * 7}`);
    const slashed = broad.map((p) => `${p}/`);
    const { plan } = planOf(configYaml({
      zones: { www: { id: ZONE_ID, plan: 'enterprise' } },
      groups: { narrow: { prefixes: narrow }, broad: { prefixes: [...slashed, ...broad] } },
    }));
    const sent = plan.requests.flatMap((r) => ('prefixes' in r.body ? [...r.body.prefixes] : []));
    // Each group's prefixes are sent sorted, first group first.
    const expectedSent = [...narrow.filter((_, i) => i % 7 !== 0).sort(), ...[...broad].sort()];
    assert.deepEqual(sent, expectedSent);
    assert.equal(plan.summary.prefixes, expectedSent.length);
    // Each broad prefix absorbs its narrow prefix and its own trailing-slash form.
    assert.equal(plan.coverage.length, broad.length);
    for (const entry of plan.coverage) assert.equal(entry.covered, 2, entry.value);
    assert.deepEqual(plan.coverage.map((c) => c.value).sort(), [...broad].sort());
    assert.equal(plan.summary.covered, 2 * broad.length);
  });

  it('a prefix with a query boundary and a host covering prefixes: broadest wins, one lookup per boundary', () => {
    const { plan } = planOf(configYaml({
      zones: { www: { id: ZONE_ID, plan: 'enterprise' } },
      groups: {
        a: { prefixes: ['www.example.com/a/b/c', 'www.example.com/a/b', 'www.example.com/a', 'www.example.com/ab', 'other.example.com/x/y'] },
        b: { hosts: ['other.example.com'] },
      },
    }));
    const sent = plan.requests.flatMap((r) => ('prefixes' in r.body ? [...r.body.prefixes] : []));
    assert.deepEqual(sent.sort(), ['www.example.com/a', 'www.example.com/ab']);
    assert.deepEqual(plan.coverage.map((c) => [c.kind, c.value, c.covered]).sort(), [['host', 'other.example.com', 1], ['prefix', 'www.example.com/a', 2]]);
  });
});

describe('validation at scale', () => {
  it('10,000 groups: a duplicate group key is reported at its line', () => {
    const lines = ['version: 1', 'zones:', `  www: { id: ${ZONE_ID} }`, 'groups:'];
    for (let i = 0; i < 10_000; i++) lines.push(`  g${i}:`, `    urls: ["https://www.example.com/g/${i}/"]`);
    lines.push('  g5000:', '    urls: ["https://www.example.com/again/"]');
    const { diagnostics } = checkAndExpand('purge.yaml', Buffer.from(lines.join('\n')), memoryReader(), 1_000_000);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, 'groups: duplicate key "g5000"');
    assert.equal(errors[0].line, lines.length - 1);
    assert.equal(errors[0].col, 3);
  });

  it('duplicate keys inside lists and flow mappings, every one reported; 1 and "1" differ', () => {
    const errors = errorsOf(['version: 1', 'zones:', `  www: { id: ${ZONE_ID}, id: ${ZONE_ID} }`, 'groups:', '  g:', '    urls: ["https://www.example.com/"]', '    vars: { 1: [a], "1": [b], x: [c], x: [d] }'].join('\n'));
    assert.deepEqual(errors, ['zones.www: duplicate key "id"', 'groups.g.vars: duplicate key "x"']);
  });

  it('10,000 groups plan with every group in its request, in file order', () => {
    const groups: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 10_000; i++) groups[`g${i}`] = { urls: [`https://www.example.com/g/${i}/`] };
    const { plan } = planOf(configYaml({ zones: { www: { id: ZONE_ID, plan: 'enterprise' } }, groups }));
    assert.equal(plan.summary.files, 10_000);
    assert.equal(plan.requests.length, 20);
    assert.deepEqual(plan.requests[1].groups, Array.from({ length: 500 }, (_, i) => `g${500 + i}`));
  });
});

describe('files bodies as runs of variants', () => {
  it('runs cut at request boundaries keep every item once, in order, and the JSON is JSON.stringify', () => {
    // 7 URLs x 12 variants = 84 items in requests of 10: most requests cut a run.
    const { plan } = planOf(configYaml({
      zones: { www: { id: ZONE_ID, plan: 'enterprise', cache_key: 'k', limits: { files_per_request: 10 } } },
      cache_keys: { k: { device_type: true, geo: true } },
      groups: {
        a: { urls: ['https://www.example.com/{1..7}/'], variants: { geo: ['DE', 'FR', 'JP', 'US'] } },
        b: { urls: ['https://www.example.com/3/'], variants: { geo: ['JP'] } },
      },
    }));
    assert.equal(plan.requests.length, 9);
    assert.deepEqual(plan.requests.map((r) => r.body instanceof CompactFiles ? r.body.size : undefined), [10, 10, 10, 10, 10, 10, 10, 10, 4]);
    const files = filesOf(plan);
    assert.equal(files.length, 84);
    assert.equal(new Set(files.map((f) => JSON.stringify(f))).size, 84);
    const urls = files.map((f) => (typeof f === 'string' ? f : f.url));
    assert.deepEqual(urls, [...urls].sort());
    // b's 3 items (device types x JP) are duplicates of a's: its name is on the requests holding them.
    assert.equal(plan.summary.duplicates, 3);
    const withB = plan.requests.filter((r) => r.groups.includes('b'));
    assert.ok(withB.length >= 1 && withB.length <= 2);
    for (const r of withB) assert.ok(JSON.stringify(r.body).includes('"url":"https://www.example.com/3/"'));
    assert.equal(renderJson(plan), `${JSON.stringify(plan)}\n`);
  });
});

describe('no cliff: large outputs are streamed, the git tree is listed once', () => {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'purgeplan-scale-')));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('plan --out saves a 120,000-item plan that show --json prints byte for byte as plan --json', () => {
    const dir = join(scratch, 'big');
    mkdirSync(dir);
    writeFileSync(join(dir, 'slugs.txt'), `${Array.from({ length: 10_000 }, (_, i) => `post-${i}`).join('\n')}\n`);
    writeFileSync(join(dir, 'purge.yaml'), configYaml({
      zones: { www: { id: ZONE_ID, plan: 'enterprise', cache_key: 'k' } },
      cache_keys: { k: { device_type: true, geo: true } },
      groups: { posts: { urls: ['https://www.example.com/{slug}/'], vars: { slug: { file: 'slugs.txt' } }, variants: { geo: ['DE', 'FR', 'JP', 'US'] } } },
    }));
    const saved = runCli(['plan', '--all', '--out', 'big.plan'], dir);
    assert.equal(saved.status, 0, saved.stderr);
    const json = runCli(['plan', '--json', '--all'], dir);
    assert.equal(json.status, 0, json.stderr);
    const file = readFileSync(join(dir, 'big.plan'), 'utf8');
    assert.equal(file, json.stdout);
    assert.equal((JSON.parse(file) as Plan).summary.files, 120_000);
    const shown = runCli(['show', 'big.plan', '--json'], dir);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.stdout, file);
  });

  it('--base with 30 watching groups runs git ls-tree -r once and reads each blob once', () => {
    const repo = join(scratch, 'repo');
    mkdirSync(join(repo, 'content'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    for (let i = 0; i < 60; i++) writeFileSync(join(repo, 'content', `page-${i}.md`), `page ${i}\n`);
    const groups: Record<string, Record<string, unknown>> = {};
    for (let g = 0; g < 30; g++) groups[`g${g}`] = { urls: [`https://www.example.com/g/${g}/`], watch: ['content/**'] };
    writeFileSync(join(repo, 'purge.yaml'), configYaml({ groups }));
    git('add', '-A');
    git('commit', '-q', '-m', 'first');
    writeFileSync(join(repo, 'content', 'page-1.md'), 'edited\n');
    // A git on PATH that logs its arguments, then runs the real one.
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    const log = join(scratch, 'git.log');
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
    const cli = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
    const result = spawnSync(process.execPath, [cli, 'plan', '--base', 'HEAD', '--json'], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' } });
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.groups.map((g) => g.status), Array.from({ length: 30 }, () => 'content'));
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.equal(calls.filter((c) => /\bls-tree -r\b/.test(c)).length, 1, calls.join('\n'));
    // After the listing, the watched blobs of all 30 groups are read in one batch.
    const afterListing = calls.slice(calls.findIndex((c) => /\bls-tree -r\b/.test(c)));
    assert.equal(afterListing.filter((c) => /\bcat-file --batch\b/.test(c)).length, 1, calls.join('\n'));
  });
});

describe('markdown with very many due groups', () => {
  it('130,000 due groups render within the limit (no Math.max(...spread) overflow)', () => {
    const { plan } = planOf(configYaml({ groups: { g: { urls: ['https://www.example.com/'] } } }));
    const group = plan.groups[0];
    const many: Plan = { ...plan, groups: Array.from({ length: 130_000 }, (_, i) => ({ ...group, name: `g${i}` })) };
    const text = renderMarkdown({ plan: many });
    assert.ok(text.length <= MARKDOWN_LIMIT, String(text.length));
    assert.match(text, /table rows? left out/);
    assert.match(text, /groups? left out/);
  });
});
