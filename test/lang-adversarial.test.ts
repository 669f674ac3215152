// Adversarial inputs to the language (spec §1–§3, §6a, §7): names and values a hurried user or a
// malicious pull request could write, through the built CLI on files in a temporary directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Plan } from '../src/plan/types.js';
import { runCli } from './support/config-builder.js';

const work = mkdtempSync(join(tmpdir(), 'purgeplan-lang-adv-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function run(yaml: string, args: readonly string[] = ['plan', '--json']) {
  const dir = join(work, `case-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'purge.yaml'), yaml);
  return runCli([...args, '-c', 'purge.yaml'], dir);
}

const STACK_LINE = /^\s+at /m;

function keyed(cookies: string, variants: string): string {
  return [
    'version: 1',
    'zones:',
    '  www:',
    '    id: 023e105f4ecef8ad9ca31a8372d0c353',
    '    plan: enterprise',
    '    cache_key: k',
    'cache_keys:',
    '  k:',
    '    cookies:',
    `      ${cookies}`,
    'groups:',
    '  g:',
    '    urls: ["https://www.example.com/"]',
    ...(variants ? ['    variants:', '      cookies:', `        ${variants}`] : []),
    '',
  ].join('\n');
}

describe('names that are also properties of every JavaScript object', () => {
  // Regression: `cookie in rawCookies` found Object.prototype's `constructor`, so a cookie named
  // constructor or toString in cookies.include needed no values and was planned as absent only.
  for (const cookie of ['constructor', 'toString', 'hasOwnProperty']) {
    it(`cookies.include: [${cookie}] without variants is "required", like any cookie`, () => {
      const result = run(keyed(`include: [${cookie}]`, ''), ['validate']);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^purge\\.yaml:\\d+:\\d+: error: groups\\.g\\.variants\\.cookies\\.${cookie} is required: cache key "k" varies on cookie ${cookie}`, 'm'));
      assert.doesNotMatch(result.stderr, STACK_LINE);
    });
  }

  it('cookies.include: [constructor] with values purges each value and absent', () => {
    const result = run(keyed('include: [constructor]', 'constructor: [a, b]'));
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      'https://www.example.com/',
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=a' } },
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=b' } },
    ] }]);
  });

  it('cookies.check_presence: [toString] is present (toString=1) and absent', () => {
    const result = run(keyed('check_presence: [toString]', ''));
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      'https://www.example.com/',
      { url: 'https://www.example.com/', headers: { cookie: 'toString=1' } },
    ] }]);
  });
});

describe('hosts and prefixes: a backslash is not a path separator here (§2.4)', () => {
  // Regression: the URL parser reads "\" as "/", so `www.example.com\docs\` in prefixes was
  // planned as the prefix "www.example.com" (the whole host), and `static.example.com\img` in
  // hosts as the host static.example.com: a silent, much broader purge.
  const file = (lines: readonly string[]) => ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', '    name: example.com', 'groups:', '  g:', ...lines, ''].join('\n');

  it('a prefix with "\\" is an error at its entry, nothing planned', () => {
    const result = run(file(['    prefixes: ["www.example.com\\\\docs\\\\"]']));
    assert.equal(result.status, 1, result.stdout);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^purge\.yaml:8:16: error: groups\.g\.prefixes\[0\]: prefix "www\.example\.com\\docs\\" has "\\" in its host part$/m);
    assert.match(result.stderr, /hint: separate the host and the path with "\/": www\.example\.com\/docs\/$/m);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('a host with "\\" is an error at its entry', () => {
    const result = run(file(['    hosts:', '      - static.example.com\\img'], ), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:9:9: error: groups\.g\.hosts\[0\]: host "static\.example\.com\\img" contains "\\"$/m);
    assert.match(result.stderr, /hint: a host name has no backslash; for a path, write a prefix with "\/"/);
  });

  it('a host or prefix pattern expanding to a value with "\\" is refused too', () => {
    const result = run(file(['    prefixes: ["www.example.com{\\\\a,/b}/"]']), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /groups\.g\.prefixes\[0\]: "www\.example\.com\\\\a\/" \(from "www\.example\.com\{\\\\a,\/b\}\/"\): prefix .* has "\\" in its host part/);
  });
});

describe('a variant header the default key lacks: the hint says what to write instead (§2.3)', () => {
  // Regression: every such header was told "set headers.include: [cookie] in the cache key",
  // which validation then refuses for cookie, host and cf-* headers.
  const rows: readonly { header: string; hint: RegExp }[] = [
    { header: 'cookie', hint: /hint: list cookie values under variants\.cookies, with the cookie names in the cache key's cookies\.include or cookies\.check_presence$/m },
    { header: 'cf-device-type', hint: /hint: list device types under variants\.device_type, with device_type: true in the cache key$/m },
    { header: 'cf-ipcountry', hint: /hint: list countries under variants\.geo, with geo: true in the cache key$/m },
    { header: 'accept-language', hint: /hint: list languages under variants\.lang, with lang: true in the cache key \(or headers\.include: \[accept-language\]\)$/m },
    { header: 'host', hint: /hint: Cloudflare does not allow header host in a cache key: remove it$/m },
    { header: 'x-tenant', hint: /hint: remove it, or set headers\.include: \[x-tenant\] in the cache key$/m },
  ];
  for (const { header, hint } of rows) {
    it(header, () => {
      const result = run(['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', 'groups:', '  g:', '    urls: ["https://www.example.com/"]', '    variants:', '      headers:', `        ${header}: [v]`, ''].join('\n'), ['validate']);
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(`^purge\\.yaml:10:9: error: groups\\.g\\.variants\\.headers\\.${header}: Cloudflare's default cache key does not vary on header ${header}, so these variants would purge nothing$`, 'm'));
      assert.match(result.stderr, hint);
      assert.doesNotMatch(result.stderr, /headers\.include: \[(cookie|host|cf-[a-z-]+)\]/);
    });
  }
});

describe('zone limits written as huge numbers (§1, §6a "Values")', () => {
  const file = (limits: string) => ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', `    limits: ${limits}`, 'groups:', '  g:', '    urls: ["https://www.example.com/"]', ''].join('\n');

  it('9007199254740993 is quoted as typed, not as the double 9007199254740992', () => {
    const result = run(file('{items_per_request: 9007199254740993}'), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:5:33: error: zones\.www\.limits\.items_per_request: 9007199254740993 is above Cloudflare's maximum of 100 hosts, prefixes or tags per request$/m);
  });

  it('1e400 is one error (not a whole number), not also "Infinity is above the maximum"', () => {
    const result = run(file('{files_per_request: 1e400}'), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:5:33: error: zones\.www\.limits\.files_per_request must be a whole number \(got number 1e400\)$/m);
    assert.doesNotMatch(result.stderr, /Infinity/);
    assert.equal(result.stderr.split('\n').filter((line) => / error: /.test(line)).length, 1, result.stderr);
  });
});
