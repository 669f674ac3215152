// The canonical form of `purgeplan fmt`, rule by rule as the README ("Formatting") and
// docs/purge-yaml.md ("Canonical form") state it: each row is an input text and the exact text fmt
// writes for it. Every row is also checked to be idempotent and to keep the data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatYaml, sameMeaning } from '../src/config/format.js';

interface Row {
  readonly input: readonly string[];
  readonly output: readonly string[];
}

const text = (lines: readonly string[]) => `${lines.join('\n')}\n`;

function check(rows: Readonly<Record<string, Row>>): void {
  for (const [name, row] of Object.entries(rows)) {
    it(name, () => {
      const input = text(row.input);
      const expected = text(row.output);
      const once = formatYaml(input);
      assert.equal(once, expected);
      assert.equal(formatYaml(once), once, 'fmt twice is fmt once');
      assert.ok(sameMeaning(input, once), 'the same data before and after');
    });
  }
}

describe('fmt: one space before a trailing comment; column alignment is not kept', () => {
  check({
    'aligned comments of reordered keys get one space each': {
      input: ['version: 1', 'zones:', '  www:', '    plan: free          # tier', '    id: 023e105f4ecef8ad9ca31a8372d0c353   # the id'],
      output: ['version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353 # the id', '    plan: free # tier'],
    },
    'after a quoted value, a flow list, a list item, a tab, and a comment written with no space after #': {
      input: [
        'version: 1   #v',
        'groups:',
        '  g:',
        '    description: "Posts"      # quoted',
        '    tags: [a, b]\t# after a tab',
        '    urls:',
        '      - https://a.example/       # home',
        "      - 'https://a.example/x'  # single",
      ],
      output: [
        'version: 1 #v',
        'groups:',
        '  g:',
        '    description: "Posts" # quoted',
        '    urls:',
        '      - https://a.example/ # home',
        "      - 'https://a.example/x' # single",
        '    tags: [a, b] # after a tab',
      ],
    },
    'on the line of a key holding a mapping, a list or a block scalar': {
      input: [
        'version: 1',
        'groups:',
        '  g:      # the group',
        '    urls:        # pages',
        '      - https://a.example/',
        '    variants:    # what varies',
        '      lang: [en]',
        '    description: >-     # shown in plans',
        '      text',
      ],
      output: [
        'version: 1',
        'groups:',
        '  g: # the group',
        '    description: >- # shown in plans',
        '      text',
        '    urls: # pages',
        '      - https://a.example/',
        '    variants: # what varies',
        '      lang: [en]',
      ],
    },
    'a comment continued on the lines under it, at its column, follows it to its new column': {
      input: [
        'version: 1',
        'zones:',
        '  www:',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353',
        '    action: purge    # first line',
        '                     # second line',
        '    plan: free',
      ],
      output: [
        'version: 1',
        'zones:',
        '  www:',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353',
        '    plan: free',
        '    action: purge # first line',
        '                  # second line',
      ],
    },
    'a # inside quotes or a flow list is not a comment': {
      input: ['version: 1', 'groups:', '  g:', '    tags: [ "a#b", c ]   # tags', "    description: 'not # a comment'"],
      output: ['version: 1', 'groups:', '  g:', "    description: 'not # a comment'", '    tags: ["a#b", c] # tags'],
    },
  });
});

describe('fmt: [a, b] and {k: v} without inner padding', () => {
  check({
    'padding inside flow mappings and lists is removed, nested ones too': {
      input: [
        'version: 1',
        'zones:',
        '  www: { id: 023e105f4ecef8ad9ca31a8372d0c353 , name: example.com }',
        'groups:',
        '  g:',
        '    vars:',
        '      slug: { file: posts.txt }',
        '      n: [ 1,2 , 3 ]',
        '    variants: { lang: { values: [ ja, en ] } }',
        '    tags: [ ]',
        '    hosts: [a, b, ]',
      ],
      output: [
        'version: 1',
        'zones:',
        '  www: {id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com}',
        'groups:',
        '  g:',
        '    vars:',
        '      slug: {file: posts.txt}',
        '      n: [1, 2, 3]',
        '    variants: {lang: {values: [ja, en]}}',
        '    hosts: [a, b]',
        '    tags: []',
      ],
    },
    'the keys of a flow mapping take the canonical order too': {
      input: ['version: 1', 'zones:', '  www: {plan: free, name: example.com, id: 023e105f4ecef8ad9ca31a8372d0c353}', 'groups:', '  g:', '    variants:', '      lang: { absent: false, values: [ja] }'],
      output: ['version: 1', 'zones:', '  www: {id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com, plan: free}', 'groups:', '  g:', '    variants:', '      lang: {values: [ja], absent: false}'],
    },
    'a flow collection written over several lines is joined on one': {
      input: ['version: 1', 'groups:', '  g:', '    tags: [', '      a,', '      b', '    ]'],
      output: ['version: 1', 'groups:', '  g:', '    tags: [a, b]'],
    },
    'a flow collection holding comments is kept as written, re-indented with its key': {
      input: ['version: 1', 'groups:', '    g:', '        tags: [a,   # first', '               b]', '        zone: www'],
      output: ['version: 1', 'groups:', '  g:', '    zone: www', '    tags: [a,   # first', '           b]'],
    },
  });
});

describe('fmt: | and > blocks stay blocks, with their lines', () => {
  check({
    'a > block keeps its lines, paragraphs and more-indented lines, re-indented with its key': {
      input: [
        'version: 1',
        'groups:',
        '    g:',
        '        urls: [https://a.example/]',
        '        description: >',
        '            Blog posts',
        '            and news',
        '',
        '            second paragraph',
        '              more indented',
      ],
      output: [
        'version: 1',
        'groups:',
        '  g:',
        '    description: >',
        '      Blog posts',
        '      and news',
        '',
        '      second paragraph',
        '        more indented',
        '    urls: [https://a.example/]',
      ],
    },
    'chomping indicators (>-, |+) and the lines a |+ block keeps; a blank line after a | block goes with the key below': {
      input: [
        'version: 1',
        'groups:',
        '  g:',
        '    urls:',
        '      - |+',
        '        https://a.example/',
        '',
        '      - >-',
        '        https://b.example/',
        '        more',
        '    description: |',
        '      two',
        '      lines',
        '',
        '    zone: www',
      ],
      output: [
        'version: 1',
        'groups:',
        '  g:',
        '    description: |',
        '      two',
        '      lines',
        '',
        '    zone: www',
        '    urls:',
        '      - |+',
        '        https://a.example/',
        '',
        '      - >-',
        '        https://b.example/',
        '        more',
      ],
    },
    'an indentation indicator (|2) is kept with the spaces it keeps': {
      input: ['version: 1', 'groups:', '    g:', '        description: |2', '            indented first line', '          second', '        zone: www'],
      output: ['version: 1', 'groups:', '  g:', '    description: |2', '        indented first line', '      second', '    zone: www'],
    },
    'a comment after a block is never joined into its text': {
      input: ['version: 1', 'groups:', '  g:', '    description: |', '      two', '      lines', '    # about the urls', '    urls: [https://a.example/]'],
      output: ['version: 1', 'groups:', '  g:', '    description: |', '      two', '      lines', '    # about the urls', '    urls: [https://a.example/]'],
    },
  });
});

describe('fmt: each comment stays with the key it was written above or beside', () => {
  check({
    'comment lines above keys move with them, above the first key of a mapping too': {
      input: [
        'version: 1',
        'zones:',
        '  www:',
        '    # copied from the dashboard',
        '    name: example.com',
        '    # the zone id',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353 # zone id',
        'groups:',
        '  posts:',
        "    # the posts' pages",
        '    urls: ["https://www.example.com/posts/{slug}/"]',
        '    # slugs from the CMS export',
        '    vars:',
        '      slug: {file: posts.txt}',
        '    # posts live in the www zone',
        '    zone: www # the only zone',
      ],
      output: [
        'version: 1',
        'zones:',
        '  www:',
        '    # the zone id',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353 # zone id',
        '    # copied from the dashboard',
        '    name: example.com',
        'groups:',
        '  posts:',
        '    # posts live in the www zone',
        '    zone: www # the only zone',
        "    # the posts' pages",
        '    urls: ["https://www.example.com/posts/{slug}/"]',
        '    # slugs from the CMS export',
        '    vars:',
        '      slug: {file: posts.txt}',
      ],
    },
    'top-level keys carry their comments; the header above a blank line stays on top': {
      input: [
        '# purge.yaml of www.example.com',
        '',
        '# the groups',
        'groups:',
        '  g:',
        '    tags: [a]',
        '# the zone',
        'zones:',
        '  www:',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353',
        '',
        '# the format version',
        'version: 1',
      ],
      output: [
        '# purge.yaml of www.example.com',
        '',
        '# the format version',
        'version: 1',
        '# the zone',
        'zones:',
        '  www:',
        '    id: 023e105f4ecef8ad9ca31a8372d0c353',
        '# the groups',
        'groups:',
        '  g:',
        '    tags: [a]',
      ],
    },
    'a comment block at the top with no blank line under it is the header: it stays on top': {
      input: ['# yaml-language-server: $schema=schemas/purge.schema.json', '# the site', 'groups: {}', 'version: 1'],
      output: ['# yaml-language-server: $schema=schemas/purge.schema.json', '# the site', 'version: 1', 'groups: {}'],
    },
    'after a nested block, a comment at the outer keys column goes with the outer key below it': {
      input: ['zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', '    # end of www', '# the format version', 'version: 1'],
      output: ['# the format version', 'version: 1', 'zones:', '  www:', '    id: 023e105f4ecef8ad9ca31a8372d0c353', '    # end of www'],
    },
    'comments in a list stay with their items; a comment after the last item, at the key column, goes with the next key': {
      input: [
        'version: 1',
        'groups:',
        '  g:',
        '    urls:',
        '      # the home page',
        '      - https://a.example/',
        '      # the blog',
        '      - https://a.example/blog/',
        '    # the zone',
        '    zone: www',
      ],
      output: [
        'version: 1',
        'groups:',
        '  g:',
        '    # the zone',
        '    zone: www',
        '    urls:',
        '      # the home page',
        '      - https://a.example/',
        '      # the blog',
        '      - https://a.example/blog/',
      ],
    },
    'a comment at the end of the file stays at the end': {
      input: ['groups:', '  g:', '    tags: [a]', 'version: 1', '# the end'],
      output: ['version: 1', 'groups:', '  g:', '    tags: [a]', '# the end'],
    },
  });
  it('the same holds for a list written at its key column (`urls:` then `- a` under the u)', () => {
    const input = text(['version: 1', 'groups:', '  g:', '    urls:', '    - https://a.example/', '    # the zone', '    zone: www']);
    assert.equal(formatYaml(input), text(['version: 1', 'groups:', '  g:', '    # the zone', '    zone: www', '    urls:', '      - https://a.example/']));
  });
});

describe('fmt: layout', () => {
  check({
    'blank lines move with the key below them, several become one, none opens a block': {
      input: ['version: 1', 'groups:', '', '  g:', '    urls: [https://a.example/]', '', '', '', '    tags: [a]', '    zone: www'],
      output: ['version: 1', 'groups:', '  g:', '    zone: www', '    urls: [https://a.example/]', '', '    tags: [a]'],
    },
    'extra spaces after `:` and `-` go, a value written under its key joins it, lists are indented under their key': {
      input: ['version:     1', 'groups:', '  g :', '    urls:', '    -    https://a.example/', '    -', '      https://b.example/', '    zone:', '      www'],
      output: ['version: 1', 'groups:', '  g:', '    zone: www', '    urls:', '      - https://a.example/', '      - https://b.example/'],
    },
    'a mapping in a list starts on the `-` line; a comment or an anchor keeps it below': {
      input: ['version: 1', 'groups:', '  g:', '    urls:', '      -', '        url: https://a.example/', '      - # the second', '        url: https://b.example/', '      - &third', '        url: https://c.example/'],
      output: ['version: 1', 'groups:', '  g:', '    urls:', '      - url: https://a.example/', '      - # the second', '        url: https://b.example/', '      - &third', '        url: https://c.example/'],
    },
    'an explicit key (`? key` then `: value`) is written as `key: value`': {
      input: ['? version', ': 1', 'groups:', '  ? g', '  :', '    tags: [a]'],
      output: ['version: 1', 'groups:', '  g:', '    tags: [a]'],
    },
    'values keep their text: numbers, quotes, a quoted value over two lines, anchors and tags': {
      input: ['groups:', '    g:', '        vars:', '            id: [007, 12.50, 0x1F, 1e3, -0, .5]', '        description: "over', '          two lines"', '        revision: !!str 3', 'version: 1'],
      output: ['version: 1', 'groups:', '  g:', '    description: "over', '      two lines"', '    vars:', '      id: [007, 12.50, 0x1F, 1e3, -0, .5]', '    revision: !!str 3'],
    },
  });
});

describe('fmt: the file keeps its line ending and byte order mark', () => {
  it('CRLF stays CRLF on every line', () => {
    const input = '# head\r\ngroups:\r\n  g:\r\n    urls: [a]   # u\r\n    description: |\r\n      one\r\n\r\n      three\r\n    zone: www\r\nversion: 1\r\n';
    const expected = '# head\r\nversion: 1\r\ngroups:\r\n  g:\r\n    description: |\r\n      one\r\n\r\n      three\r\n    zone: www\r\n    urls: [a] # u\r\n';
    assert.equal(formatYaml(input), expected);
    assert.equal(formatYaml(expected), expected);
    assert.ok(sameMeaning(input, expected));
  });

  it('a byte order mark stays', () => {
    assert.equal(formatYaml('\uFEFFgroups: {}\nversion: 1\n'), '\uFEFFversion: 1\ngroups: {}\n');
  });
});
