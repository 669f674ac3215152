// docs/purge-yaml.md: URL patterns. {name} from vars (a list or a file), {a,b} alternatives, {1..5} and
// zero-padded {01..10} ranges, {{ and }} literal braces, the cross product of several placeholders.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { workingTreeReader } from '../src/config/files.js';
import { countPattern, expandPattern, parsePattern } from '../src/expand/patterns.js';
import { errorsOf, filesOf, keyedConfig, memoryReader, planOf } from './support/config-builder.js';

function expand(source: string, vars: Record<string, string[]> = {}): string[] {
  const parsed = parsePattern(source, new Map(Object.entries(vars)));
  if ('problem' in parsed) throw new Error(parsed.problem);
  const out: string[] = [];
  expandPattern(parsed.pattern, (text) => out.push(text));
  assert.equal(countPattern(parsed.pattern), out.length, 'countPattern agrees with the expansion');
  return out;
}

/** The URLs a single-group plan purges (default cache key: plain strings). */
function urlsOf(urls: string[], vars: Record<string, unknown> = {}, files: Record<string, string> = {}): string[] {
  const { plan } = planOf(keyedConfig(null, { urls, vars }), { reader: memoryReader(files) });
  return filesOf(plan).map((entry) => (typeof entry === 'string' ? entry : entry.url));
}

describe('patterns: the placeholders of (docs/purge-yaml.md)', () => {
  const rows: { rule: string; pattern: string; vars?: Record<string, string[]>; expected: string[] }[] = [
    { rule: 'no placeholder: the text itself', pattern: 'https://x.example/a', expected: ['https://x.example/a'] },
    { rule: '{name} is replaced by each value of vars.name', pattern: '/posts/{slug}/', vars: { slug: ['hello', 'world'] }, expected: ['/posts/hello/', '/posts/world/'] },
    { rule: '{a,b,c} expands to the alternatives', pattern: '/{en,ja,de}/', expected: ['/en/', '/ja/', '/de/'] },
    { rule: '{1..5} is an integer range', pattern: '/p/{1..5}', expected: ['/p/1', '/p/2', '/p/3', '/p/4', '/p/5'] },
    { rule: 'a range of one value', pattern: '/p/{7..7}', expected: ['/p/7'] },
    { rule: '{01..10} is zero-padded to the width of the bounds', pattern: '/p/{01..10}', expected: ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10'].map((n) => `/p/${n}`) },
    { rule: '{001..3} pads to three digits', pattern: '{001..3}', expected: ['001', '002', '003'] },
    { rule: '{8..11} is not padded', pattern: '{8..11}', expected: ['8', '9', '10', '11'] },
    { rule: '{{ and }} are literal braces', pattern: '/a{{b}}c', expected: ['/a{b}c'] },
    { rule: 'literal braces around a placeholder', pattern: '{{{x}}}', vars: { x: ['1', '2'] }, expected: ['{1}', '{2}'] },
    { rule: '{{name}} is not a placeholder', pattern: '/{{slug}}', vars: {}, expected: ['/{slug}'] },
    {
      rule: 'several placeholders give the cross product, leftmost varying slowest',
      pattern: '/{a,b}/{1..2}/{v}',
      vars: { v: ['x', 'y'] },
      expected: ['/a/1/x', '/a/1/y', '/a/2/x', '/a/2/y', '/b/1/x', '/b/1/y', '/b/2/x', '/b/2/y'],
    },
    { rule: 'the same variable twice takes the same value at both places (docs/commands.md)', pattern: '/{v}-{v}', vars: { v: ['1', '2'] }, expected: ['/1-1', '/2-2'] },
    { rule: 'the cross product is over distinct variables (docs/commands.md)', pattern: '/{lang}/{slug}?hl={lang}', vars: { lang: ['en', 'ja'], slug: ['a', 'b'] }, expected: ['/en/a?hl=en', '/en/b?hl=en', '/ja/a?hl=ja', '/ja/b?hl=ja'] },
    { rule: 'equal alternatives written twice still vary independently (they are not a variable)', pattern: '/{a,b}-{a,b}', expected: ['/a-a', '/a-b', '/b-a', '/b-b'] },
  ];
  for (const row of rows) {
    it(row.rule, () => assert.deepEqual(expand(row.pattern, row.vars), row.expected));
  }
});

describe('patterns: counts equal the product of the placeholders', () => {
  const rows: { pattern: string; vars: Record<string, string[]>; count: number }[] = [
    { pattern: '/{a,b,c}', vars: {}, count: 3 },
    { pattern: '/{a,b,c}/{1..4}', vars: {}, count: 12 },
    { pattern: '/{a,b,c}/{1..4}/{v}', vars: { v: ['p', 'q', 'r', 's', 't'] }, count: 60 },
    { pattern: '/{01..10}/{1..10}/{x,y}', vars: {}, count: 200 },
    { pattern: '/{v}/{v}/{w}/{v}', vars: { v: ['1', '2', '3'], w: ['a', 'b'] }, count: 6 },
  ];
  for (const row of rows) {
    it(`${row.pattern} -> ${row.count}`, () => {
      const parsed = parsePattern(row.pattern, new Map(Object.entries(row.vars)));
      assert.ok(!('problem' in parsed));
      assert.equal(countPattern(parsed.pattern), row.count);
      const out = expand(row.pattern, row.vars);
      assert.equal(out.length, row.count);
      assert.equal(new Set(out).size, row.count, 'every combination is distinct');
    });
  }

  it('the plan purges exactly that many URLs and reports them as the group items', () => {
    const { plan } = planOf(keyedConfig(null, { urls: ['https://www.example.com/{a,b,c}/{1..4}/{v}'], vars: { v: ['p', 'q', 'r', 's', 't'] } }));
    assert.equal(plan.groups[0].items, 60);
    assert.equal(filesOf(plan).length, 60);
    assert.equal(plan.summary.files, 60);
  });

  it('several URL patterns of a group add up', () => {
    const { plan } = planOf(keyedConfig(null, {
      urls: ['https://www.example.com/posts/{slug}/', 'https://www.example.com/posts/{slug}/amp/', 'https://www.example.com/posts/?page={1..5}', 'https://www.example.com/{en,ja}/posts/'],
      vars: { slug: ['hello-world', 'release-notes'] },
    }));
    assert.equal(plan.groups[0].items, 2 + 2 + 5 + 2);
    assert.deepEqual(filesOf(plan), [
      'https://www.example.com/en/posts/',
      'https://www.example.com/ja/posts/',
      'https://www.example.com/posts/?page=1',
      'https://www.example.com/posts/?page=2',
      'https://www.example.com/posts/?page=3',
      'https://www.example.com/posts/?page=4',
      'https://www.example.com/posts/?page=5',
      'https://www.example.com/posts/hello-world/',
      'https://www.example.com/posts/hello-world/amp/',
      'https://www.example.com/posts/release-notes/',
      'https://www.example.com/posts/release-notes/amp/',
    ]);
  });
});

describe('patterns: vars', () => {
  it('a list of values', () => {
    assert.deepEqual(urlsOf(['https://www.example.com/{slug}'], { slug: ['b', 'a'] }), ['https://www.example.com/a', 'https://www.example.com/b']);
  });

  it('numbers in a vars list are used as written text', () => {
    assert.deepEqual(urlsOf(['https://www.example.com/{id}'], { id: [10, 2] }), ['https://www.example.com/10', 'https://www.example.com/2']);
  });

  const fileRows: { rule: string; text: string; expected: string[] }[] = [
    { rule: 'LF line ends', text: 'a\nb\nc\n', expected: ['a', 'b', 'c'] },
    { rule: 'CRLF line ends', text: 'a\r\nb\r\nc', expected: ['a', 'b', 'c'] },
    { rule: 'CR line ends (docs/commands.md: a\\rb\\rc is three values, not abc)', text: 'a\rb\rc', expected: ['a', 'b', 'c'] },
    { rule: 'mixed line ends', text: 'a\rb\r\nc\nd', expected: ['a', 'b', 'c', 'd'] },
    { rule: '# after whitespace starts a comment (the value is trimmed)', text: 'hello-world   # the first post\n', expected: ['hello-world'] },
    { rule: '# after a tab starts a comment', text: 'x\t#note\n', expected: ['x'] },
    { rule: 'an indented comment line is skipped', text: '   # note\na\n', expected: ['a'] },
    { rule: 'blank and whitespace-only lines are skipped', text: '\n \t \na\n\n', expected: ['a'] },
    { rule: 'a byte order mark is not part of the first value', text: '\uFEFFa\nb', expected: ['a', 'b'] },
    { rule: 'numbers stay as written', text: '007\n12.50\n', expected: ['007', '12.50'] },
  ];
  for (const row of fileRows) {
    it(`a file: ${row.rule}`, () => {
      const urls = urlsOf(['https://www.example.com/{v}'], { v: { file: 'v.txt' } }, { 'v.txt': row.text });
      assert.deepEqual(urls, [...row.expected].sort().map((v) => `https://www.example.com/${v}`));
    });
  }

  it('numbers in a vars list keep the text as typed (docs/commands.md): 007, 12.50, 0x1F, 1e3', () => {
    const yaml = `version: 1
zones: {www: {id: 023e105f4ecef8ad9ca31a8372d0c353}}
groups:
  g:
    urls: ['https://www.example.com/p/{id}/']
    vars: {id: [007, 12.50, 0x1F, 1e3, -0, +5]}
    tags: [007, 1e3]
`;
    const { plan } = planOf(yaml);
    assert.deepEqual(filesOf(plan), ['+5', '-0', '007', '0x1F', '12.50', '1e3'].map((v) => `https://www.example.com/p/${v}/`));
    assert.deepEqual(plan.requests.flatMap((r) => ('tags' in r.body ? r.body.tags : [])), ['007', '1e3']);
  });

  it('a file: one value a line, # comments and blank lines skipped, spaces trimmed', () => {
    const files = { 'slugs.txt': '# posts\nhello-world\n\n  release-notes  \r\n# end\n' };
    assert.deepEqual(urlsOf(['https://www.example.com/posts/{slug}/'], { slug: { file: 'slugs.txt' } }, files), [
      'https://www.example.com/posts/hello-world/',
      'https://www.example.com/posts/release-notes/',
    ]);
  });

  it('a file read from the directory of purge.yaml (working tree reader)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-vars-'));
    try {
      writeFileSync(join(dir, 'ids.txt'), '3\n1\n2\n');
      const { plan } = planOf(keyedConfig(null, { urls: ['https://www.example.com/{id}/{lang}'], vars: { id: { file: 'ids.txt' }, lang: ['en', 'ja'] } }), { reader: workingTreeReader(dir) });
      assert.equal(plan.groups[0].items, 6);
      assert.deepEqual(filesOf(plan), ['1/en', '1/ja', '2/en', '2/ja', '3/en', '3/ja'].map((p) => `https://www.example.com/${p}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file and a list in one pattern give their cross product', () => {
    const files = { 'a.txt': 'x\ny\nz\n' };
    const urls = urlsOf(['https://www.example.com/{a}/{b}/{1..2}'], { a: { file: 'a.txt' }, b: ['p', 'q'] }, files);
    assert.equal(urls.length, 3 * 2 * 2);
  });
});

describe('patterns: validation errors (docs/purge-yaml.md)', () => {
  const rows: { rule: string; url: string; vars?: Record<string, unknown>; message: RegExp }[] = [
    { rule: 'an unknown {name}', url: 'https://www.example.com/{nope}', message: /unknown variable "\{nope\}"/ },
    { rule: 'an empty placeholder {}', url: 'https://www.example.com/{}', message: /empty placeholder/ },
    { rule: 'a reversed range', url: 'https://www.example.com/{5..1}', message: /reversed range "\{5\.\.1\}"/ },
    { rule: 'an unclosed {', url: 'https://www.example.com/{a', message: /unclosed "\{"/ },
    { rule: 'an unmatched }', url: 'https://www.example.com/a}', message: /unmatched "\}"/ },
    { rule: 'an empty vars list', url: 'https://www.example.com/{v}', vars: { v: [] }, message: /is empty|no values/ },
    { rule: 'a relative URL after expansion', url: '/posts/{1..2}', message: /not an absolute URL/ },
    { rule: 'a non-http scheme', url: 'ftp://www.example.com/{1..2}', message: /not an http or https URL/ },
    { rule: 'a space in an alternative (docs/commands.md)', url: 'https://www.example.com/{en, ja}/', message: /alternative " ja" contains a space.*\(in "\{en, ja\}"\)/ },
    { rule: '"#" in an alternative (docs/commands.md)', url: 'https://www.example.com/{a,b#c}/', message: /alternative "b#c" contains "#"/ },
    { rule: 'a tab in an alternative (docs/commands.md)', url: 'https://www.example.com/{a,\tb}/', message: /alternative "\\tb" contains a tab/ },
    { rule: 'a space in a vars entry (docs/commands.md)', url: 'https://www.example.com/{v}/', vars: { v: ['ok', 'hello world'] }, message: /vars\.v\[1\]: "hello world" contains a space: it would become %20/ },
    { rule: '"#" in a vars entry (docs/commands.md)', url: 'https://www.example.com/{v}/', vars: { v: ['a#b'] }, message: /vars\.v\[0\]: "a#b" contains "#": it would start the URL's fragment/ },
    { rule: 'a line break in a vars entry (docs/commands.md)', url: 'https://www.example.com/{v}/', vars: { v: ['a\nb'] }, message: /vars\.v\[0\]: "a\\nb" contains a line break \(LF\)/ },
    { rule: 'an escape character in a vars entry (docs/commands.md)', url: 'https://www.example.com/{v}/', vars: { v: ['a\u001b[31mb'] }, message: /"a\\u001b\[31mb" contains a control character \(U\+001B\)/ },
    { rule: 'a no-break space in a vars entry (docs/commands.md)', url: 'https://www.example.com/{v}/', vars: { v: ['a\u00a0b'] }, message: /contains a no-break space \(U\+00A0\): the URL would carry it percent-encoded/ },
  ];
  for (const row of rows) {
    it(row.rule, () => {
      const errors = errorsOf(keyedConfig(null, { urls: [row.url], ...(row.vars ? { vars: row.vars } : {}) }));
      assert.ok(errors.some((m) => row.message.test(m)), `expected ${row.message}, got ${JSON.stringify(errors)}`);
    });
  }
});
