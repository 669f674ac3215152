// Issue 9, "Values silently mangled" (docs/commands.md "Values", "One variable, one value", "`*` in
// query lists", "A default-key header"): each case spawns the built CLI on a purge.yaml written
// the way the issue describes, and asserts on what plan --json would send or on the positioned
// error validate prints.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, ZONE_ID } from './support/config-builder.js';

const root = mkdtempSync(join(tmpdir(), 'purgeplan-values-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A fresh directory holding `files` (purge.yaml among them). */
function site(files: Record<string, string | Uint8Array>): string {
  const dir = join(root, `site-${++counter}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

interface FileItem { url: string; headers?: Record<string, string> }
type Entry = string | FileItem;

function planJson(dir: string): { requests: { body: Record<string, unknown> }[]; groups: { name: string; items: number }[] } {
  const result = runCli(['plan', '--json'], dir);
  assert.equal(result.status, 0, `plan failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { requests: { body: Record<string, unknown> }[]; groups: { name: string; items: number }[] };
}

function filesOf(dir: string): Entry[] {
  return planJson(dir).requests.flatMap((r) => (Array.isArray(r.body.files) ? (r.body.files as Entry[]) : []));
}

const urlOf = (entry: Entry) => (typeof entry === 'string' ? entry : entry.url);

const HEAD = `version: 1
zones:
  www:
    id: ${ZONE_ID}
    plan: enterprise
`;

describe('item 9: * in query_string include and exclude follows Cloudflare', () => {
  const url = 'https://www.example.com/search?q=1&utm_source=x&page=2';
  const withQuery = (query: string) => `${HEAD}    cache_key: k
cache_keys:
  k:
    query_string: ${query}
groups:
  g:
    urls: ['${url}']
`;
  for (const [name, query, expected] of [
    ['include: ["*"] keeps every parameter', '{include: ["*"]}', url],
    ['include: "*" keeps every parameter', '{include: "*"}', url],
    ['exclude: ["*"] drops every parameter, as ignore: true', '{exclude: ["*"]}', 'https://www.example.com/search'],
    ['exclude: "*" drops every parameter', '{exclude: "*"}', 'https://www.example.com/search'],
    ['include: ["*"] with sort sorts every parameter', '{include: ["*"], sort: true}', 'https://www.example.com/search?page=2&q=1&utm_source=x'],
  ] as const) {
    it(name, () => {
      const dir = site({ 'purge.yaml': withQuery(query) });
      assert.deepEqual(filesOf(dir).map(urlOf), [expected]);
      const strict = runCli(['validate', '--strict'], dir);
      assert.equal(strict.status, 0, strict.stderr);
    });
  }

  it('a string other than "*" is refused, positioned', () => {
    const dir = site({ 'purge.yaml': withQuery('{include: utm_source}') });
    const result = runCli(['validate'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:9:29: error: cache_keys\.k\.query_string\.include: "utm_source" is not "\*" \(every parameter\) or a list of parameter names/m);
  });
});

describe('item 10: a default-key header also in the custom key is one dimension', () => {
  const config = (headers: string, variant: string) => `${HEAD}    cache_key: k
cache_keys:
  k:
    headers: ${headers}
groups:
  g:
    urls: ['https://www.example.com/']
    variants:
      headers:
        x-forwarded-host: ${variant}
`;
  const headersOf = (dir: string) => filesOf(dir).map((e) => (typeof e === 'string' ? {} : e.headers ?? {}));

  it('in headers.include: absent + each value, 3 items, no duplicate entry', () => {
    const dir = site({ 'purge.yaml': config('{include: [x-forwarded-host]}', '[a.example.com, b.example.com]') });
    const plan = planJson(dir);
    assert.equal(plan.groups[0].items, 3);
    assert.deepEqual(headersOf(dir), [{}, { 'x-forwarded-host': 'a.example.com' }, { 'x-forwarded-host': 'b.example.com' }]);
  });

  it('in check_presence with {absent: false} and no values: the present variant (value 1), not 0 items', () => {
    const dir = site({ 'purge.yaml': config('{check_presence: [x-forwarded-host]}', '{absent: false}') });
    assert.equal(planJson(dir).groups[0].items, 1);
    assert.deepEqual(headersOf(dir), [{ 'x-forwarded-host': '1' }]);
  });

  it('in check_presence with values: each value is a present variant (the default key keys the value), plus absent', () => {
    const dir = site({ 'purge.yaml': config('{check_presence: [x-forwarded-host]}', '[a.example.com]') });
    assert.deepEqual(headersOf(dir), [{}, { 'x-forwarded-host': 'a.example.com' }]);
  });

  it('in check_presence with values and {absent: false}: only the values', () => {
    const dir = site({ 'purge.yaml': config('{check_presence: [x-forwarded-host]}', '{values: [a.example.com], absent: false}') });
    assert.deepEqual(headersOf(dir), [{ 'x-forwarded-host': 'a.example.com' }]);
  });
});

describe('item 11: the same {var} twice in one URL takes one value', () => {
  it('/{lang}/news?hl={lang} plans /en/news?hl=en and /ja/news?hl=ja only', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:
  g:
    urls: ['https://www.example.com/{lang}/news?hl={lang}']
    vars: {lang: [en, ja]}
` });
    assert.deepEqual(filesOf(dir), ['https://www.example.com/en/news?hl=en', 'https://www.example.com/ja/news?hl=ja']);
  });

  it('--max-items counts distinct variables before expanding', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:
  g:
    urls: ['https://www.example.com/{a}/{a}/{a}/{b}']
    vars: {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b: [x, y]}
` });
    assert.equal(runCli(['plan', '--max-items', '20'], dir).status, 0);
    const over = runCli(['plan', '--max-items', '19'], dir);
    assert.equal(over.status, 1);
    assert.match(over.stderr, /the plan would expand to 20 purge items, more than --max-items 19/);
  });
});

describe('item 12: whitespace, control characters and # in substituted values', () => {
  const group = (urls: string, vars: string) => `${HEAD}groups:
  g:
    urls: ['${urls}']
    vars: ${vars}
`;

  it('{en, ja} is an error at the URL, not /%20ja/', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:\n  g:\n    urls: ['https://www.example.com/{en, ja}/']\n` });
    const result = runCli(['plan'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:8:12: error: groups\.g\.urls\[0\]: alternative " ja" contains a space/m);
    assert.match(result.stderr, /hint: write the alternatives without spaces: \{en,ja\}/);
    assert.equal(result.stdout, '', 'nothing is planned');
  });

  it('a vars entry with a space is an error at the entry', () => {
    const dir = site({ 'purge.yaml': group('https://www.example.com/{v}/', '{v: [ok, "a b"]}') });
    const result = runCli(['plan'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:9:20: error: groups\.g\.vars\.v\[1\]: "a b" contains a space/m);
  });

  it('a vars-file line with a trailing comment is the value before it', () => {
    const dir = site({
      'purge.yaml': group('https://www.example.com/posts/{slug}/', '{slug: {file: posts.txt}}'),
      'posts.txt': '# slugs\nhello-world   # the first post\nrelease-notes\n',
    });
    assert.deepEqual(filesOf(dir), ['https://www.example.com/posts/hello-world/', 'https://www.example.com/posts/release-notes/']);
  });

  it('a vars file with CR line ends gives one value a line, not abc', () => {
    const dir = site({ 'purge.yaml': group('https://www.example.com/{v}', '{v: {file: v.txt}}'), 'v.txt': 'a\rb\rc' });
    assert.deepEqual(filesOf(dir), ['a', 'b', 'c'].map((v) => `https://www.example.com/${v}`));
  });

  it('a vars-file value with a space or # inside is an error at its line and column in the vars file', () => {
    const dir = site({ 'purge.yaml': group('https://www.example.com/{v}', '{v: {file: data/v.txt}}'), 'data/v.txt': 'ok\n  hello world\nfine\r\nx#y\n' });
    const result = runCli(['validate'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^data\/v\.txt:2:3: error: value "hello world" contains a space: it would become %20 in the URL \(a value of groups\.g\.vars\.v\)/m);
    assert.match(result.stderr, /^data\/v\.txt:4:1: error: value "x#y" contains "#"/m);
  });

  it('numbers in vars keep the text as typed', () => {
    const dir = site({ 'purge.yaml': group('https://www.example.com/p/{id}/', '{id: [007, 12.50, 0x1F, 1e3]}') });
    assert.deepEqual(filesOf(dir), ['007', '0x1F', '12.50', '1e3'].map((v) => `https://www.example.com/p/${v}/`));
  });
});

describe('item 13: header and cookie values, and what rendered plans pass through', () => {
  const keyed = (variants: string) => `${HEAD}    cache_key: k
cache_keys:
  k:
    lang: true
    cookies: {include: [ab]}
groups:
  g:
    urls: ['https://www.example.com/']
    variants:
${variants}`;

  it('a header value with CR/LF is refused at the value', () => {
    const dir = site({ 'purge.yaml': keyed('      lang: ["en\\r\\nX-Evil: 1"]\n      cookies: {ab: [a]}\n') });
    const result = runCli(['plan'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:15:14: error: groups\.g\.variants\.lang\[0\]: "en\\r\\nX-Evil: 1" contains a line break \(CR\): HTTP does not allow control characters in a header value/m);
    assert.equal(result.stdout, '');
  });

  it('a cookie value with ";" is refused: it would forge another cookie', () => {
    const dir = site({ 'purge.yaml': keyed('      lang: [en]\n      cookies: {ab: ["a; admin=1"]}\n') });
    const result = runCli(['validate'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:16:22: error: groups\.g\.variants\.cookies\.ab\[0\]: "a; admin=1" contains ";": it would end this cookie/m);
  });

  it('an escape sequence in a value is shown escaped in the message, never sent to the terminal', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:\n  g:\n    urls: ['https://www.example.com/{v}']\n    vars: {v: ["\\e[2J\\e[31mok"]}\n` });
    const result = runCli(['validate'], dir);
    assert.equal(result.status, 1);
    assert.ok(!result.stderr.includes('\u001b'), 'no raw ESC on stderr');
    assert.match(result.stderr, /\\u001b\[2J/);
  });

  it('plan --markdown: a description and values cannot forge "Approved by security" lines', () => {
    const description = 'Blog posts\\n\\n</details>\\n\\n**Approved by security** :white_check_mark:\\n\\n```';
    const dir = site({ 'purge.yaml': `${HEAD}    cache_key: k
cache_keys:
  k:
    lang: true
groups:
  g:
    description: "${description}"
    urls: ['https://www.example.com/']
    variants:
      lang: ["\`\`\`", "en <b>**Approved by security**</b>"]
` });
    const result = runCli(['plan', '--markdown'], dir);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.split('\n');
    // The only place the words appear: the one escaped description paragraph and the variants line in the fence.
    for (const line of lines.filter((l) => l.includes('Approved by security'))) {
      assert.ok(line.startsWith('Blog posts ') || line.startsWith('  variants: language '), `forged line: ${JSON.stringify(line)}`);
    }
    assert.ok(lines.includes('Blog posts &lt;/details&gt; \\*\\*Approved by security\\*\\* :white\\_check\\_mark: \\`\\`\\`'), result.stdout);
    assert.equal(lines.filter((l) => l === '</details>').length, 1, 'one group section, closed once');
    const open = lines.find((l) => /^`{3,}diff$/.test(l));
    assert.equal(open, '````diff', 'the fence is longer than the ``` inside a value');
    assert.ok(lines.includes('````'), 'closed by the same fence');
  });

  it('the human plan shows the description and the baseline; 0 requests says "No purges planned." once', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:\n  g:\n    description: "Blog posts\\e[31m"\n    urls: ['https://www.example.com/']\n` });
    const result = runCli(['plan'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Baseline: none \(every group is due\)\.$/m);
    assert.match(result.stdout, /^ {6}Blog posts\\u001b\[31m$/m);
    assert.ok(!result.stdout.includes('\u001b'));
    const empty = site({ 'purge.yaml': `${HEAD}groups: {}\n` });
    const none = runCli(['plan'], empty);
    assert.equal(none.status, 0, none.stderr);
    assert.equal(none.stdout.split('No purges planned.').length - 1, 1, none.stdout);
    assert.doesNotMatch(none.stdout, /will send 0/);
  });
});

describe('item 15: revision is an integer from 0 to 2,147,483,647', () => {
  it('revision: 9007199254740993 is refused at the value, quoted as typed', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:\n  g:\n    urls: ['https://www.example.com/']\n    revision: 9007199254740993\n` });
    const result = runCli(['validate'], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^purge\.yaml:9:15: error: groups\.g\.revision must be at most 2147483647 \(got 9007199254740993\)/m);
  });

  it('revision: 2147483647 is valid', () => {
    const dir = site({ 'purge.yaml': `${HEAD}groups:\n  g:\n    urls: ['https://www.example.com/']\n    revision: 2147483647\n` });
    assert.equal(runCli(['validate'], dir).status, 0);
  });
});
