// Adversarial inputs to the language (docs/purge-yaml.md–(docs/purge-yaml.md), docs/commands.md, docs/purge-yaml.md): names and values a hurried user or a
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

function run(yaml: string | Uint8Array, args: readonly string[] = ['plan', '--json'], files: Record<string, string | Uint8Array> = {}) {
  const dir = join(work, `case-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'purge.yaml'), yaml);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
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
      { url: 'https://www.example.com/' },
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=a' } },
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=b' } },
    ] }]);
  });

  it('cookies.check_presence: [toString] is present (toString=1) and absent', () => {
    const result = run(keyed('check_presence: [toString]', ''));
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      { url: 'https://www.example.com/' },
      { url: 'https://www.example.com/', headers: { cookie: 'toString=1' } },
    ] }]);
  });
});

describe('hosts and prefixes: a backslash is not a path separator here (docs/purge-yaml.md)', () => {
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

describe('a variant header the default key lacks: the hint says what to write instead (docs/purge-yaml.md)', () => {
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

describe('zone limits written as huge numbers (docs/purge-yaml.md, docs/commands.md "Values")', () => {
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

describe('one problem, one message', () => {
  it('vars: {x: {file: ""}} is reported once (regression: also "\\"\\" is not a file name")', () => {
    const result = run(['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', 'groups:', '  g:', '    urls: ["https://www.example.com/{x}"]', '    vars: {x: {file: ""}}', ''].join('\n'), ['validate']);
    assert.equal(result.status, 1);
    assert.deepEqual(result.stderr.split('\n').filter((line) => / (error|warning): /.test(line)), ['purge.yaml:8:22: error: groups.g.vars.x.file must not be empty']);
  });
});

describe('lang: true with accept-language also in headers.include is one dimension (docs/purge-yaml.md, docs/commands.md)', () => {
  // Regression: two accept-language dimensions were crossed, giving {"accept-language": "ja"}
  // twice in one body (en × ja became ja), against "identical items are kept once" (docs/purge-yaml.md).
  const file = (group: readonly string[]) => ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', '    plan: enterprise', '    cache_key: k', 'cache_keys:', '  k:', '    lang: true', '    headers:', '      include: [Accept-Language]', 'groups:', '  g:', '    urls: ["https://www.example.com/"]', '    variants:', ...group, ''].join('\n');

  it('a warning at the headers.include entry; the languages of variants.lang, each once', () => {
    const result = run(file(['      lang: [en, ja]']));
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^purge\.yaml:11:17: warning: cache_keys\.k\.headers\.include\[0\]: header "Accept-Language" is in the key already, by lang: true$/m);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      { url: 'https://www.example.com/' },
      { url: 'https://www.example.com/', headers: { 'accept-language': 'en' } },
      { url: 'https://www.example.com/', headers: { 'accept-language': 'ja' } },
    ] }]);
  });

  it('values under variants.headers.accept-language are refused, pointing to variants.lang', () => {
    const result = run(file(['      lang: [en]', '      headers:', '        accept-language: [ja]']), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /error: groups\.g\.variants\.headers\.accept-language: cache key "k" does not vary on header accept-language, so these variants would purge nothing\n  hint: list languages under variants\.lang/);
  });
});

describe('a header or cookie listed twice in the cache key is one dimension (docs/purge-yaml.md, docs/purge-yaml.md)', () => {
  // Regression: each listing was a dimension of its own, crossed with the other: 81 items, most
  // of them repeated, and cookie headers such as "a=1; a=1; b=1; b=1".
  const yaml = ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', '    plan: enterprise', '    cache_key: k', 'cache_keys:', '  k:',
    '    headers:', '      include: [X-Tenant, x-tenant]', '      check_presence: [x-beta, X-BETA]',
    '    cookies:', '      include: [a, a]', '      check_presence: [b, b]',
    'groups:', '  g:', '    urls: ["https://www.example.com/"]', '    variants:', '      headers: {x-tenant: [t]}', '      cookies: {a: ["1"]}', ''].join('\n');

  it('a warning at each repeated entry; 2 × 2 × 2 × 2 distinct items, each cookie once in its header', () => {
    const result = run(yaml);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^purge\.yaml:10:27: warning: cache_keys\.k\.headers\.include\[1\]: header "x-tenant" is listed twice \(header names are case-insensitive\)$/m);
    assert.match(result.stderr, /^purge\.yaml:11:32: warning: cache_keys\.k\.headers\.check_presence\[1\]: header "X-BETA" is listed twice/m);
    assert.match(result.stderr, /^purge\.yaml:13:20: warning: cache_keys\.k\.cookies\.include\[1\]: cookie "a" is listed twice$/m);
    assert.match(result.stderr, /^purge\.yaml:14:27: warning: cache_keys\.k\.cookies\.check_presence\[1\]: cookie "b" is listed twice$/m);
    const plan = JSON.parse(result.stdout) as Plan;
    const files = plan.requests.flatMap((r) => ('files' in r.body ? r.body.files : []));
    const texts = files.map((file) => JSON.stringify(file));
    assert.equal(files.length, 16, texts.join('\n'));
    assert.equal(new Set(texts).size, 16, 'no item twice');
    const cookies = files.flatMap((file) => (typeof file === 'string' || !file.headers?.cookie ? [] : [file.headers.cookie]));
    assert.deepEqual([...new Set(cookies)].sort(), ['a=1', 'a=1; b=1', 'b=1']);
  });
});

describe('UTF-16 files are named as such, not as binary (docs/commands.md "bad input of any kind")', () => {
  // Regression: Windows PowerShell 5 writes UTF-16 with `>`; purgeplan said "the file is binary
  // (it contains NUL bytes), not YAML" and hinted at the -c path.
  const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const yaml = ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', 'groups:', '  g:', '    urls: ["https://www.example.com/{p}"]', '    vars: {p: {file: posts.txt}}', ''].join('\n');

  it('purge.yaml in UTF-16: exit 1, "UTF-16 text", save it as UTF-8', () => {
    const result = run(utf16(yaml), ['validate']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:1:1: error: the file is UTF-16 text; purgeplan reads UTF-8$/m);
    assert.match(result.stderr, /hint: save it as UTF-8/);
    assert.doesNotMatch(result.stderr, /binary|NUL/);
  });

  it('a vars file in UTF-16 (big-endian mark too): an error at the file value', () => {
    const result = run(yaml, ['validate'], { 'posts.txt': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\0a\0\n', 'latin1')]) });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:8:22: error: groups\.g\.vars\.p\.file: "posts\.txt" is UTF-16 text, not UTF-8$/m);
  });
});

describe('a token pasted as token_env is never printed back (docs/commands.md)', () => {
  // Regression: `token_env: <the token>` was accepted as a variable name (and written into plan
  // --json), and a token with "-" in it was quoted in full in the schema error.
  const file = (tokenEnv: string) => ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', `    token_env: ${tokenEnv}`, 'groups:', '  g:', '    urls: ["https://www.example.com/"]', ''].join('\n');
  const tokens = [
    'Ab3dEfGh1jKlMn0pQrStUvWxYz0123456789AbCd', // 40 alphanumeric characters (pre-2026 token)
    'cfut_Ab3dEfGh1jKlMn0pQrStUvWxYz0123456789AbCd1a2b', // new user-token format
    '0123456789abcdef0123456789abcdef01234', // 37-character hex global key
    'Ab3dEfGh1jKl-n0pQrStUvWxYz0123456789AbCd', // with "-": not a variable name at all
  ];
  for (const token of tokens) {
    it(`${token.slice(0, 8)}…: an error at token_env, the value nowhere in the output`, () => {
      for (const args of [['validate'], ['plan', '--json'], ['plan', '--markdown']]) {
        const result = run(file(token), args);
        assert.equal(result.status, 1, args.join(' '));
        assert.match(result.stderr, /^purge\.yaml:5:16: error: zones\.www\.token_env (looks like an API token|is not an environment variable name)/m);
        assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), `${args.join(' ')} printed the token:\n${result.stdout}${result.stderr}`);
        assert.ok(!result.stderr.includes(token.slice(5, 25)), 'not even in part');
      }
    });
  }

  it('ordinary variable names stay valid, however long', () => {
    for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_TOKEN_FOR_THE_PRODUCTION_ZONE_NUMBER_2', 'cf_token']) {
      const result = run(file(name), ['validate']);
      assert.equal(result.status, 0, `${name}: ${result.stderr}`);
    }
  });
});
