// docs/commands.md: bad input of any kind gives a clear, positioned error and a non-zero exit, never a
// stack trace. Each scenario is a fixture directory run through the built CLI, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/validate/', import.meta.url));

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in the fixtures directory, with PURGEPLAN_DEBUG unset and colours off. */
function purgeplan(args: readonly string[], env: NodeJS.ProcessEnv = {}): Result {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.PURGEPLAN_DEBUG;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: FIXTURES, encoding: 'utf8', env: { ...base, ...env }, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const STACK_LINE = /^\s+at /m;

function assertCleanFailure(result: Result, positioned: RegExp): void {
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stdout, '', 'nothing on stdout');
  assert.match(result.stderr, positioned);
  assert.doesNotMatch(result.stderr, STACK_LINE, 'no stack trace');
  assert.doesNotMatch(result.stderr, /internal error|Error:|node:internal|\(node:\d+\) Warning/, 'no internal error or runtime warning');
}

describe('validate: bad files exit 1 with a positioned message, no stack trace, nothing on stdout', () => {
  const rows: { scenario: string; file: string; positioned: RegExp }[] = [
    { scenario: 'a YAML syntax error', file: 'syntax-error/purge.yaml', positioned: /^syntax-error\/purge\.yaml:5:11: error: YAML syntax: Nested mappings are not allowed in compact mappings$/m },
    { scenario: 'a binary file (at its first NUL byte)', file: 'binary-file/purge.yaml', positioned: /^binary-file\/purge\.yaml:5:1: error: the file is binary \(it contains NUL bytes\), not YAML$/m },
    { scenario: 'an empty file', file: 'empty-file/purge.yaml', positioned: /^empty-file\/purge\.yaml:1:1: error: the file is empty\n {2}hint: start from `purgeplan init`/m },
    { scenario: 'a file of comments only', file: 'comments-only/purge.yaml', positioned: /^comments-only\/purge\.yaml:1:1: error: the file has no content \(only comments or an empty document\)$/m },
    { scenario: 'a file that is not UTF-8 (at the first bad byte)', file: 'not-utf8/purge.yaml', positioned: /^not-utf8\/purge\.yaml:5:14: error: the file is not valid UTF-8 text\n {2}hint: save it as UTF-8$/m },
    { scenario: 'a YAML list at the root', file: 'list-at-root/purge.yaml', positioned: /^list-at-root\/purge\.yaml:2:1: error: the file must be a mapping with version, zones and groups \(got a list\)$/m },
    { scenario: 'an alias bomb', file: 'alias-bomb/purge.yaml', positioned: /^alias-bomb\/purge\.yaml:4:8: error: too many YAML aliases \(more than 100 expansions\): refused as a resource-exhaustion risk$/m },
    { scenario: 'a vars file escaping the directory', file: 'vars-file-escapes/purge.yaml', positioned: /^vars-file-escapes\/purge\.yaml:10:20: error: groups\.posts\.vars\.slug\.file: "\.\.\/\.\.\/\.\.\/\.\.\/package\.json" leaves the directory of purge\.yaml$/m },
    { scenario: 'a YAML !!binary tag', file: 'yaml-binary-tag/purge.yaml', positioned: /^yaml-binary-tag\/purge\.yaml:3:17: error: YAML tag "!!binary" is not supported in a purge file$/m },
    { scenario: 'several YAML documents', file: 'multiple-documents/purge.yaml', positioned: /^multiple-documents\/purge\.yaml:5:1: error: a second YAML document starts here/m },
    { scenario: 'a missing file', file: 'no-such-dir/purge.yaml', positioned: /^no-such-dir\/purge\.yaml:1:1: error: cannot read the configuration: no such file\n {2}hint: run `purgeplan init`/m },
    { scenario: 'a directory', file: 'syntax-error', positioned: /^syntax-error:1:1: error: cannot read the configuration: it is a directory$/m },
  ];
  for (const row of rows) {
    it(row.scenario, () => {
      const result = purgeplan(['validate', '-c', row.file]);
      assertCleanFailure(result, row.positioned);
      assert.match(result.stderr, new RegExp(`^${row.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid: 1 error\\.$`, 'm'), 'a closing summary line');
      assert.equal(result.stderr.split('\n').filter((line) => / (error|warning): /.test(line)).length, 1, `one problem, reported once:\n${result.stderr}`);
    });
  }

  it('plan refuses the same files the same way (exit 1, nothing on stdout even with --json)', () => {
    for (const row of rows) {
      const result = purgeplan(['plan', '--json', '-c', row.file]);
      assertCleanFailure(result, row.positioned);
    }
  });

  it('the alias bomb is refused, not expanded: exit 1 with its position, for every command that reads the file', () => {
    // A crash, a kill by the spawn's hang guard (status null) or an expansion that ran out of
    // memory all fail here; how fast the refusal comes is the benchmark's business.
    for (const args of [['validate'], ['plan'], ['plan', '--json']]) {
      const result = purgeplan([...args, '-c', 'alias-bomb/purge.yaml']);
      assertCleanFailure(result, /^alias-bomb\/purge\.yaml:4:8: error: too many YAML aliases \(more than 100 expansions\): refused as a resource-exhaustion risk$/m);
    }
  });
});

describe('--strict', () => {
  it('a file with only warnings is valid (exit 0), warnings on stderr', () => {
    const result = purgeplan(['validate', '-c', 'warnings-only/purge.yaml']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'warnings-only/purge.yaml is valid: 1 group, 1 zone (1 warning)\n');
    assert.match(result.stderr, /^warnings-only\/purge\.yaml:8:12: warning: groups\.posts\.urls\[0\]: host "blog\.example\.org" is not in zone "www" \(example\.com\)$/m);
  });

  it('--strict turns warnings into exit 1', () => {
    const result = purgeplan(['validate', '--strict', '-c', 'warnings-only/purge.yaml']);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^warnings-only\/purge\.yaml:8:12: warning: /m);
    assert.match(result.stderr, /warnings-only\/purge\.yaml is invalid: 1 warning \(--strict fails on warnings\)\.$/m);
  });

  it('plan --strict refuses it too; plan without --strict plans', () => {
    assert.equal(purgeplan(['plan', '--strict', '-c', 'warnings-only/purge.yaml']).status, 1);
    const planned = purgeplan(['plan', '--json', '-c', 'warnings-only/purge.yaml']);
    assert.equal(planned.status, 0, planned.stderr);
    assert.equal((JSON.parse(planned.stdout) as { requests: unknown[] }).requests.length, 1);
  });
});

describe('PURGEPLAN_DEBUG', () => {
  it('PURGEPLAN_DEBUG=0 does not turn stack traces on (unset is checked above)', () => {
    const result = purgeplan(['validate', '-c', 'syntax-error/purge.yaml'], { PURGEPLAN_DEBUG: '0' });
    assertCleanFailure(result, /syntax-error\/purge\.yaml:5:11: error: /);
  });
});

describe('positions inside files that are not UTF-8 or are binary (in process)', () => {
  const rows: { bytes: number[] | string; at: string; message: string }[] = [
    { bytes: 'version: 1\n\xe9\n', at: '2:1', message: 'not valid UTF-8' },
    { bytes: 'a: "\xc3\xa9\xc3"\n', at: '1:6', message: 'not valid UTF-8' },
    { bytes: 'version: 1\nname: abc\xf0\x9f\x98', at: '2:10', message: 'not valid UTF-8' },
    { bytes: '\xff', at: '1:1', message: 'not valid UTF-8' },
    { bytes: 'a: 1\nbb: \xc3\xa9\0', at: '2:6', message: 'binary' },
  ];
  for (const row of rows) {
    it(`${JSON.stringify(row.bytes)} -> ${row.at}`, () => {
      const bytes = typeof row.bytes === 'string' ? Uint8Array.from(row.bytes, (c) => c.charCodeAt(0)) : Uint8Array.from(row.bytes);
      const { config, diagnostics } = loadConfig('purge.yaml', bytes);
      assert.equal(config, undefined);
      assert.equal(diagnostics.length, 1);
      assert.equal(`${diagnostics[0].line}:${diagnostics[0].col}`, row.at);
      assert.match(diagnostics[0].message, new RegExp(row.message));
    });
  }
});
