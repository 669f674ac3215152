// docs/purge-yaml.md: hosts, prefixes and tags take the URL pattern syntax of (docs/purge-yaml.md) with the group's vars;
// each expanded value follows (docs/purge-yaml.md); entries count toward --max-items before expansion; a message
// about an expanded value points at its entry and quotes the value and its pattern. Through the
// built CLI, on files written to a temporary directory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Plan } from '../src/plan/types.js';
import { runCli } from './support/config-builder.js';
import type { CliRunOptions } from './support/config-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'purgeplan-patterns-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = `version: 1
zones:
  www:
    id: 023e105f4ecef8ad9ca31a8372d0c353
    name: example.com
groups:
  g:
`;

/** Writes purge.yaml with HEAD and the group's lines (indented four spaces) and runs the CLI. */
function run(groupLines: string, args: readonly string[] = ['plan', '--json'], files: Record<string, string> = {}, options: CliRunOptions = {}) {
  writeFileSync(join(dir, 'purge.yaml'), HEAD + groupLines.split('\n').map((line) => (line ? `    ${line}` : line)).join('\n'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return runCli([...args, '-c', 'purge.yaml'], dir, options);
}

function plan(groupLines: string, files: Record<string, string> = {}): Plan {
  const result = run(groupLines, ['plan', '--json'], files);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Plan;
}

const bodies = (p: Plan) => p.requests.map((r) => r.body);

describe('docs/purge-yaml.md: patterns in hosts, prefixes and tags', () => {
  it('a tag range is that many tags (regression: "t{1..150}" was one tag named t{1..150})', () => {
    const p = plan('tags: ["t{1..150}"]\n');
    assert.equal(p.summary.tags, 150);
    const tags = p.requests.flatMap((r) => ('tags' in r.body ? r.body.tags : []));
    assert.equal(tags.length, 150);
    assert.ok(tags.includes('t1') && tags.includes('t150'));
    assert.ok(!tags.some((t) => t.includes('{')));
    assert.equal(p.requests.length, 2, 'chunked at 100 tags per request');
  });

  it('a group too large because of its tag patterns says so, not "0 URLs × 1 scheme" (regression)', () => {
    const result = run('tags: ["t{1..200000}"]\n', ['validate']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /warning: groups\.g: group "g" expands to 200,000 items, more than 100,000 \(200,000 tags\)$/m);
    assert.match(result.stderr, /hint: check the ranges and value lists of its host, prefix and tag patterns/);
    assert.doesNotMatch(result.stderr, /0 URLs/);
  });

  it('ranges, zero-padded ranges and alternatives in hosts, prefixes and tags; hosts lower-cased; tags emitted lower-cased', () => {
    const p = plan(['hosts: ["img{01..03}.Example.COM"]', 'prefixes: ["https://WWW.example.com/{en,ja}/docs/"]', 'tags: ["Post-{1..2}"]', ''].join('\n'));
    assert.deepEqual(bodies(p), [
      { hosts: ['img01.example.com', 'img02.example.com', 'img03.example.com'] },
      { prefixes: ['www.example.com/en/docs/', 'www.example.com/ja/docs/'] },
      { tags: ['post-1', 'post-2'] },
    ]);
  });

  it('the group\'s vars, also from a vars file; the same variable twice takes one value', () => {
    const p = plan(['vars:', '  site: { file: sites.txt }', 'hosts: ["{site}.example.com"]', 'prefixes: ["www.example.com/{site}/{site}-x/"]', 'tags: ["site-{site}"]', ''].join('\n'), { 'sites.txt': 'shop\n# a comment\nblog\n' });
    assert.deepEqual(bodies(p), [
      { hosts: ['blog.example.com', 'shop.example.com'] },
      { prefixes: ['www.example.com/blog/blog-x/', 'www.example.com/shop/shop-x/'] },
      { tags: ['site-blog', 'site-shop'] },
    ]);
  });

  it('{{ and }} are literal braces', () => {
    const p = plan('tags: ["a{{b}}", "c{{{1..2}}}"]\n');
    assert.deepEqual(bodies(p), [{ tags: ['a{b}', 'c{1}', 'c{2}'] }]);
  });

  it('a vars entry used only by a tag is used (no "not used" warning); an unused one is warned about', () => {
    const used = run(['vars:', '  n: [a]', 'tags: ["t-{n}"]', ''].join('\n'), ['validate']);
    assert.equal(used.status, 0, used.stderr);
    assert.doesNotMatch(used.stderr, /not used/);
    const unused = run(['vars:', '  n: [a]', 'tags: [t]', ''].join('\n'), ['validate']);
    assert.equal(unused.status, 0, unused.stderr);
    assert.match(unused.stderr, /purge\.yaml:9:7: warning: groups\.g\.vars\.n is not used by any URL, host, prefix or tag pattern/);
  });

  it('an expanded value that breaks (docs/purge-yaml.md) is an error at its entry quoting the value and the pattern', () => {
    const result = run('tags: [ok, "t {1..3}"]\n', ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:8:16: error: groups\.g\.tags\[1\]: "t 1" \(from "t \{1\.\.3\}"\): tag "t 1" contains a space$/m);
    assert.equal(result.stderr.match(/error:/g)?.length, 1, 'one message per entry');
  });

  it('an expanded host or prefix that breaks (docs/purge-yaml.md) is an error at its entry', () => {
    const result = run(['vars:', '  p: ["8080"]', 'hosts: ["www.example.com:{p}"]', `prefixes: ["www.example.com${'/x'.repeat(30)}{/y,/y/z}"]`, ''].join('\n'), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /purge\.yaml:10:13: error: groups\.g\.hosts\[0\]: "www\.example\.com:8080" \(from "www\.example\.com:\{p\}"\): host "www\.example\.com:8080" is not a bare host name/);
    assert.match(result.stderr, /purge\.yaml:11:16: error: groups\.g\.prefixes\[0\]: "www\.example\.com\/x\/x\/.*" \(from "www\.example\.com\/x\/.*"\): prefix .* has 32 "\/" separators; Cloudflare allows at most 31/);
  });

  it('an unknown {var}, an empty alternative or a reversed range in a host, prefix or tag is an error at the entry', () => {
    const result = run(['hosts: ["{site}.example.com"]', 'prefixes: ["www.example.com/{3..1}/"]', 'tags: ["{}"]', ''].join('\n'), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /purge\.yaml:8:13: error: groups\.g\.hosts\[0\]: unknown variable "\{site\}"/);
    assert.match(result.stderr, /purge\.yaml:9:16: error: groups\.g\.prefixes\[0\]: reversed range "\{3\.\.1\}"/);
    assert.match(result.stderr, /purge\.yaml:10:12: error: groups\.g\.tags\[0\]: empty placeholder "\{\}"/);
  });

  it('a lone brace is an error (write {{ for a literal brace)', () => {
    const result = run('tags: ["a{b"]\n', ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /groups\.g\.tags\[0\]: unclosed "\{"/);
    assert.match(result.stderr, /write \{\{ for a literal brace/);
  });

  it('entries count toward --max-items before expansion: a huge range is refused without being built', () => {
    // Building two trillion entries could only end in a crash or the spawn's hang guard (status
    // null), never in this refusal; how fast it comes is the benchmark's business.
    const result = run('tags: ["t{1..999999999999}"]\nhosts: ["h{1..999999999999}.example.com"]\n', ['validate'], {}, { killAfterMs: 120_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /error: groups: the plan would expand to 1,999,999,999,998 purge items, more than --max-items 1,000,000/);
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
  });

  it('entries and URLs share the --max-items budget', () => {
    const over = run('urls: ["https://www.example.com/{1..6}"]\ntags: ["t{1..5}"]\n', ['validate', '--max-items', '10']);
    assert.equal(over.status, 1);
    assert.match(over.stderr, /the plan would expand to 11 purge items, more than --max-items 10/);
    const within = run('urls: ["https://www.example.com/{1..5}"]\ntags: ["t{1..5}"]\n', ['validate', '--max-items', '10']);
    assert.equal(within.status, 0, within.stderr);
  });
});
