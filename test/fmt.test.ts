// docs/purge-yaml.md: `purgeplan fmt` rewrites purge.yaml in canonical form (key order of (docs/purge-yaml.md), two-space
// indentation, comments and scalar styles kept), is idempotent, never changes meaning, and
// `--check` exits 3 listing the files. Through the built CLI, on files in a temporary directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMap, parseDocument, visit } from 'yaml';
import { formatYaml, sameMeaning } from '../src/config/format.js';
import { FormatError } from '../src/config/format-tree.js';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'fmt');
const MESSY = readFileSync(join(FIXTURES, 'messy.yaml'), 'utf8');
const CANONICAL = readFileSync(join(FIXTURES, 'canonical.yaml'), 'utf8');
const STACK_LINE = /^\s+at /m;

function purgeplan(args: readonly string[], cwd: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.CLOUDFLARE_API_TOKEN;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'purgeplan-fmt-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
function dirWith(files: Record<string, string>): string {
  const dir = join(work, `case-${++counter}`);
  cpSync(FIXTURES, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('fmt: the canonical form', () => {
  it('orders keys as docs/purge-yaml.md shows them, indents by two spaces, keeps comments, quotes and values as typed', () => {
    const dir = dirWith({ 'purge.yaml': MESSY });
    const result = purgeplan(['fmt'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'purge.yaml\n');
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), CANONICAL);
  });

  it('numbers stay exactly as typed (007, 12.50, 0x1F, 1e3), never re-printed', () => {
    const out = formatYaml('version: 1\ngroups:\n  g:\n    vars:\n      id: [007, 12.50, 0x1F, 1e3, -0, .5]\n');
    assert.match(out, /id: \[007, 12\.50, 0x1F, 1e3, -0, \.5\]/);
  });

  it('keeps the order of groups, zones, list items and names of headers and vars', () => {
    const text = 'version: 1\ngroups:\n  zeta:\n    tags: [c, a, b]\n    variants:\n      headers:\n        x-b: [2]\n        x-a: [1]\n  alpha:\n    tags: [x]\n';
    const out = formatYaml(text);
    assert.ok(out.indexOf('zeta:') < out.indexOf('alpha:'));
    assert.ok(out.indexOf('x-b:') < out.indexOf('x-a:'));
    assert.match(out, /tags: \[c, a, b\]/);
  });

  it('keeps unknown keys after the known ones, in their order', () => {
    const out = formatYaml('zzz: 1\ngroups: {}\naaa: 2\nversion: 1\n');
    assert.equal(out, 'version: 1\ngroups: {}\nzzz: 1\naaa: 2\n');
  });

  it('the header comment stays at the top when another key moves there', () => {
    const out = formatYaml('# title\ngroups: {}\nversion: 1\n');
    assert.ok(out.startsWith('# title\n'), out);
    assert.ok(out.indexOf('version: 1') < out.indexOf('groups:'));
  });

  it('block scalar styles and document end comments are kept', () => {
    const out = formatYaml('version: 1\ngroups:\n  g:\n    description: |\n      line one\n      line two\n# end\n');
    assert.match(out, /description: \|\n {6}line one\n {6}line two\n/);
    assert.ok(out.trimEnd().endsWith('# end'));
  });

  // The exact text of each rule of the canonical form is in fmt-canonical.test.ts.
  it('is idempotent on every file it produces', () => {
    for (const text of [MESSY, CANONICAL, readFileSync(join(ROOT, 'purge.yaml'), 'utf8')]) {
      const once = formatYaml(text);
      assert.equal(formatYaml(once), once);
      assert.ok(sameMeaning(text, once));
    }
  });

  it('sameMeaning tells a changed value apart (the safety net fmt checks before writing)', () => {
    assert.equal(sameMeaning('a: [1, 2]\nb: x\n', 'b: x\na: [1, 2]\n'), true);
    assert.equal(sameMeaning('a: 007\n', 'a: 7\n'), false);
    assert.equal(sameMeaning('a: [1, 2]\n', 'a: [2, 1]\n'), false);
  });
});

describe('fmt never changes meaning', () => {
  for (const example of ['.', ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'ci').map((d) => join('examples', d.name))]) {
    it(`plan --json before and after differ only in the config digests (${example})`, () => {
      const dir = join(work, `meaning-${++counter}`);
      cpSync(join(ROOT, example), dir, { recursive: true, filter: (source) => !source.includes('node_modules') && !source.endsWith('.purgeplan') });
      const config = join(dir, 'purge.yaml');
      // Scramble the key order first, so that fmt has something to do.
      writeFileSync(config, scramble(readFileSync(config, 'utf8')));
      const before = purgeplan(['plan', '--json', '--all'], dir);
      assert.equal(before.status, 0, before.stderr);
      const formatted = purgeplan(['fmt'], dir);
      assert.equal(formatted.status, 0, formatted.stderr);
      const after = purgeplan(['plan', '--json', '--all'], dir);
      assert.equal(after.status, 0, after.stderr);
      assert.deepEqual(withoutDigests(JSON.parse(after.stdout)), withoutDigests(JSON.parse(before.stdout)));
      assert.equal(purgeplan(['fmt', '--check'], dir).status, 0, 'a second fmt finds nothing to change');
    });
  }
});

describe('fmt keeps the data of every shipped file and fixture, and is idempotent on it', () => {
  // Every purge.yaml users copy from and every YAML fixture the loader accepts, as written and with
  // every mapping's keys reversed and re-indented (so that fmt has keys and comments to move).
  const files = ['purge.yaml', ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'ci').map((d) => join('examples', d.name, 'purge.yaml'))];
  for (const dir of readdirSync(join(ROOT, 'test', 'fixtures'), { recursive: true, encoding: 'utf8' })) {
    if (/\.ya?ml$/.test(dir)) files.push(join('test', 'fixtures', dir));
  }
  const readable = files.filter((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const doc = parseDocument(text);
    return !text.includes('\0') && !text.includes('\uFFFD') && doc.errors.length === 0 && isMap(doc.contents) && sameMeaning(text, text);
  });
  it('finds the files', () => assert.ok(readable.length >= 8, readable.join(' ')));
  for (const file of readable) {
    it(file, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const input of [text, reversed(text, 4), reversed(text, 2)]) {
        let once: string;
        try {
          once = formatYaml(input);
        } catch (error) {
          // fmt refuses, with its position, only what it says it does not rewrite: an explicit key
          // too long or not one line to become `key: value` (the file is then left untouched).
          if (!(error instanceof FormatError)) throw error;
          assert.match(input, /^\s*\? /m, `${file}: refused: ${error.message}`);
          continue;
        }
        assert.ok(sameMeaning(input, once), `the data changed:\n${once}`);
        assert.equal(formatYaml(once), once, 'fmt twice is fmt once');
      }
    });
  }
});

/**
 * The same data with every mapping's keys in reverse order (except where an alias would then come
 * before its anchor), comments kept, at another indentation.
 */
function reversed(text: string, indent: number): string {
  const doc = parseDocument(text);
  const options = { indent, indentSeq: indent !== 2, lineWidth: 0 };
  visit(doc, {
    Map(_, map) {
      map.items.reverse();
      try {
        doc.toString(options);
      } catch {
        map.items.reverse();
      }
    },
  });
  return doc.toString(options);
}

describe('the shipped files are in canonical form', () => {
  // What users copy from should be what `purgeplan fmt` writes: the root purge.yaml, every example
  // and the starter `init` writes.
  const shipped = ['purge.yaml', ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'ci').map((d) => join('examples', d.name, 'purge.yaml'))];
  for (const file of shipped) {
    it(`${file} is canonical`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      assert.equal(formatYaml(text), text, `run \`purgeplan fmt ${file}\``);
    });
  }

  it('the starter written by init is canonical', () => {
    const dir = join(work, `init-${++counter}`);
    const init = purgeplan(['init', '-c', join(dir, 'purge.yaml')], work);
    assert.equal(init.status, 0, init.stderr);
    const check = purgeplan(['fmt', '--check', 'purge.yaml'], dir);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});

describe('fmt --check and --diff', () => {
  it('--check writes nothing, lists the file and exits 3', () => {
    const dir = dirWith({ 'purge.yaml': MESSY });
    const result = purgeplan(['fmt', '--check'], dir);
    assert.equal(result.status, 3);
    assert.equal(result.stdout, 'purge.yaml\n');
    assert.match(result.stderr, /not in canonical form: run `purgeplan fmt`/);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), MESSY);
  });

  it('--check exits 0 on a canonical file', () => {
    const dir = dirWith({ 'purge.yaml': CANONICAL });
    const result = purgeplan(['fmt', '--check'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
  });

  it('--check lists only the files that would change, with -c and file arguments', () => {
    const dir = dirWith({ 'a.yaml': CANONICAL, 'b.yaml': MESSY });
    const result = purgeplan(['fmt', '--check', 'a.yaml', 'b.yaml'], dir);
    assert.equal(result.status, 3);
    assert.equal(result.stdout, 'b.yaml\n');
    assert.equal(purgeplan(['fmt', '--check', '-c', 'a.yaml'], dir).status, 0);
  });

  it('--diff prints a unified diff; with --check it still writes nothing', () => {
    const dir = dirWith({ 'purge.yaml': MESSY });
    const result = purgeplan(['fmt', '--check', '--diff'], dir);
    assert.equal(result.status, 3);
    assert.match(result.stdout, /^--- a\/purge\.yaml$/m);
    assert.match(result.stdout, /^\+\+\+ b\/purge\.yaml$/m);
    assert.match(result.stdout, /^-version: 1$/m);
    assert.match(result.stdout, /^\+version: 1$/m);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), MESSY);
  });

  it('--diff without --check writes the file', () => {
    const dir = dirWith({ 'purge.yaml': MESSY });
    const result = purgeplan(['fmt', '--diff'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^@@ /m);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), CANONICAL);
  });
});

describe('fmt keeps the line ending of the file', () => {
  it('a CRLF file is written with CRLF; a second fmt --check finds nothing to change', () => {
    const crlf = MESSY.replace(/\n/g, '\r\n');
    const dir = dirWith({ 'purge.yaml': crlf });
    const result = purgeplan(['fmt'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), CANONICAL.replace(/\n/g, '\r\n'));
    const check = purgeplan(['fmt', '--check'], dir);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout, '');
  });
});

describe('fmt on bad input', () => {
  const cases: Record<string, { text: string; position: RegExp }> = {
    'a YAML syntax error': { text: 'version: 1\ngroups: [\n', position: /^purge\.yaml:\d+:\d+: error: YAML syntax/m },
    'a duplicate key': { text: 'version: 1\nversion: 1\n', position: /^purge\.yaml:2:1: error: .*duplicate key "version"/m },
    'a YAML tag': { text: 'version: !!binary aGk=\n', position: /^purge\.yaml:1:\d+: error: YAML tag/m },
    'a list instead of a mapping': { text: '- a\n- b\n', position: /^purge\.yaml:1:1: error: the file must be a mapping/m },
  };
  for (const [name, { text, position }] of Object.entries(cases)) {
    it(`${name}: exit 1, positioned, file untouched, no stack trace`, () => {
      const dir = dirWith({ 'purge.yaml': text });
      const result = purgeplan(['fmt'], dir);
      assert.equal(result.status, 1);
      assert.match(result.stderr, position);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), text);
    });
  }

  it('a missing file: exit 1, named', () => {
    const result = purgeplan(['fmt', 'nothere.yaml'], work);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /nothere\.yaml:1:1: error: cannot read the configuration: no such file/);
  });

  it('a construct fmt does not rewrite (a comment between a `? key` and its `:`): exit 1, positioned, untouched; with --check too', () => {
    const text = 'version: 1\n? groups # all of them\n: {}\n';
    const dir = dirWith({ 'purge.yaml': text });
    for (const args of [['fmt'], ['fmt', '--check']]) {
      const result = purgeplan(args, dir);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /^purge\.yaml:2:10: error: fmt does not rewrite a comment between a key and its `:`/m);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), text);
    }
  });

  it('--check with a file that would change and an invalid one: exit 1, the changed file still listed', () => {
    const dir = dirWith({ 'a.yaml': MESSY, 'b.yaml': 'x: [\n' });
    const result = purgeplan(['fmt', '--check', 'a.yaml', 'b.yaml'], dir);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, 'a.yaml\n');
    assert.equal(readFileSync(join(dir, 'a.yaml'), 'utf8'), MESSY);
  });

  it('an invalid file among valid ones: the others are still formatted, exit 1', () => {
    const dir = dirWith({ 'a.yaml': MESSY, 'b.yaml': 'x: [\n' });
    const result = purgeplan(['fmt', 'a.yaml', 'b.yaml'], dir);
    assert.equal(result.status, 1);
    assert.equal(readFileSync(join(dir, 'a.yaml'), 'utf8'), CANONICAL);
    assert.equal(readFileSync(join(dir, 'b.yaml'), 'utf8'), 'x: [\n');
  });
});

/** The same data with every mapping's keys reversed: a valid file in a non-canonical order. */
function scramble(text: string): string {
  // Reversing keys through the formatter's own machinery would test it with itself; a plain
  // line-level move is enough: put `version: 1` last.
  const lines = text.split('\n');
  const index = lines.findIndex((line) => /^version:/.test(line));
  if (index === -1) return text;
  const [version] = lines.splice(index, 1);
  return `${lines.join('\n').replace(/\n*$/, '\n')}${version}\n`;
}

function withoutDigests(plan: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(plan, (key, value) => (key === 'digest' || key === 'plan_id' || key === 'inputs_digest' ? undefined : value)));
}

describe('fmt with anchors and aliases', () => {
  // Regression: moving `vars` above `variants` put `*langs` before `&langs`, and fmt stopped
  // with "internal error: Unresolved alias" on a valid file.
  const ALIAS_BEFORE_ANCHOR = [
    'version: 1',
    'zones:',
    '  www:',
    '    id: 023e105f4ecef8ad9ca31a8372d0c353',
    '    cache_key: k',
    '    plan: enterprise',
    'cache_keys:',
    '  k:',
    '    lang: true',
    'groups:',
    '  a:',
    '    variants:',
    '      lang: &langs [en, ja]',
    '    vars:',
    '      lang: *langs',
    '    urls: ["https://www.example.com/{lang}/"]',
    '',
  ].join('\n');

  it('a key moved above the anchor its alias names: the anchor moves with it, meaning kept, idempotent', () => {
    const dir = dirWith({ 'purge.yaml': ALIAS_BEFORE_ANCHOR });
    const before = purgeplan(['plan', '--json', '--all'], dir);
    assert.equal(before.status, 0, before.stderr);
    const result = purgeplan(['fmt'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /internal error/);
    const text = readFileSync(join(dir, 'purge.yaml'), 'utf8');
    assert.match(text, /  a:\n    urls: \["https:\/\/www\.example\.com\/\{lang\}\/"\]\n    vars:\n      lang: &langs \[en, ja\]\n    variants:\n      lang: \*langs\n/);
    const after = purgeplan(['plan', '--json', '--all'], dir);
    assert.equal(after.status, 0, after.stderr);
    assert.deepEqual(withoutDigests(JSON.parse(after.stdout)), withoutDigests(JSON.parse(before.stdout)));
    assert.equal(purgeplan(['fmt', '--check'], dir).status, 0, 'a second fmt finds nothing to change');
  });

  it('an anchor in a later top-level key used by an earlier one after reordering', () => {
    const text = 'groups:\n  a:\n    hosts: [&h www.example.com]\n    zone: www\nzones:\n  www:\n    name: *h\n    id: 023e105f4ecef8ad9ca31a8372d0c353\nversion: 1\n';
    const out = formatYaml(text);
    assert.equal(sameMeaning(text, out), true, out);
    assert.equal(formatYaml(out), out);
    assert.match(out, /^version: 1\nzones:\n  www:\n    id: \S+\n    name: &h www\.example\.com\ngroups:\n  a:\n    zone: www\n    hosts: \[\*h\]\n$/);
  });

  it('sameMeaning is false, not an exception, for a text that does not read back', () => {
    assert.equal(sameMeaning('a: &x 1\nb: *x\n', 'b: *x\na: &x 1\n'), false);
  });
});

describe('fmt writes the file itself', () => {
  // Regression: the atomic write renamed a new file over the link, so purge.yaml -> shared/purge.yaml
  // became a plain file and the real configuration was left as it was.
  it('through a symbolic link: the link stays, its target is formatted', () => {
    const dir = dirWith({});
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'purge.yaml'), MESSY);
    rmSync(join(dir, 'purge.yaml'), { force: true });
    symlinkSync(join('shared', 'purge.yaml'), join(dir, 'purge.yaml'));
    const result = purgeplan(['fmt'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(lstatSync(join(dir, 'purge.yaml')).isSymbolicLink(), 'purge.yaml is still a link');
    assert.equal(readFileSync(join(dir, 'shared', 'purge.yaml'), 'utf8'), CANONICAL);
  });

  it('keeps its permissions', () => {
    const dir = dirWith({ 'purge.yaml': MESSY });
    chmodSync(join(dir, 'purge.yaml'), 0o600);
    const result = purgeplan(['fmt'], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), CANONICAL);
    assert.equal(statSync(join(dir, 'purge.yaml')).mode & 0o777, 0o600);
  });
});
