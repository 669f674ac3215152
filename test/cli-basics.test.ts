// docs/commands.md: what every user meets first. --version, --help (with examples for every command), init,
// unknown commands and options, and colour control (NO_COLOR, --no-color).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const COMMANDS = ['validate', 'plan', 'apply', 'show', 'init'] as const;
const STACK_LINE = /^\s+at /m;
const ANSI = /\u001b\[/;

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.PURGEPLAN_DEBUG;
  delete env.CLOUDFLARE_API_TOKEN;
  if (!('NO_COLOR' in extra)) delete env.NO_COLOR;
  return env;
}

function purgeplan(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? process.cwd(), encoding: 'utf8', env: cleanEnv(options.env), timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'purgeplan-cli-basics-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('--version and --help', () => {
  it('--version prints the package version and exits 0', () => {
    for (const flag of ['--version', '-V']) {
      const result = purgeplan([flag]);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `${PACKAGE.version}\n`);
      assert.equal(result.stderr, '');
    }
  });

  it('--help lists every command, the environment variables and examples', () => {
    const result = purgeplan(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: purgeplan /);
    for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'), command);
    for (const name of ['CLOUDFLARE_API_TOKEN', 'PURGEPLAN_API_URL', 'NO_COLOR', 'PURGEPLAN_DEBUG']) assert.ok(result.stdout.includes(name), name);
    assert.match(result.stdout, /^Examples:\n {2}\$ purgeplan /m);
  });

  for (const command of COMMANDS) {
    it(`${command} --help shows its options and an Examples section`, () => {
      const result = purgeplan([command, '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: purgeplan ${command} `));
      const examples = /^Examples:\n((?: {2}\$ .*\n)+)/m.exec(result.stdout)?.[1] ?? '';
      assert.match(examples, new RegExp(`purgeplan ${command}\\b`), `an Examples section using ${command}:\n${result.stdout}`);
      // Every command takes -c and --no-color (docs/commands.md), show included (regression).
      assert.match(result.stdout, /-c, --config <file>/);
      assert.match(result.stdout, /--no-color/);
    });
  }

  it('help <command> works like <command> --help', () => {
    const result = purgeplan(['help', 'validate']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: purgeplan validate /);
  });
});

describe('init', () => {
  it('writes a starter purge.yaml that validates (strictly) and plans without a token', () => {
    const dir = mkdtempSync(join(work, 'init-'));
    const init = purgeplan(['init'], { cwd: dir });
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stdout, /^Wrote purge\.yaml\./);
    assert.match(readFileSync(join(dir, 'purge.yaml'), 'utf8'), /^# yaml-language-server: \$schema=/);

    const validate = purgeplan(['validate', '--strict'], { cwd: dir });
    assert.equal(validate.status, 0, validate.stderr);
    assert.equal(validate.stderr, '', 'no warnings');
    assert.match(validate.stdout, /^purge\.yaml is valid: 2 groups, 1 zone\n$/);

    const plan = purgeplan(['plan', '--json'], { cwd: dir });
    assert.equal(plan.status, 0, plan.stderr);
    const document = JSON.parse(plan.stdout) as { format_version: number; requests: unknown[] };
    assert.equal(document.format_version, 1);
    assert.ok(document.requests.length > 0);

    const human = purgeplan(['plan'], { cwd: dir });
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^Plan: /m);
  });

  it('-c writes elsewhere', () => {
    const dir = mkdtempSync(join(work, 'init-c-'));
    const result = purgeplan(['init', '-c', 'site.yaml'], { cwd: dir });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(purgeplan(['validate', '-c', 'site.yaml'], { cwd: dir }).status, 0);
  });

  it('init -c sub/dir/purge.yaml creates the directories (its own --help example); a file in the way is a clear error', () => {
    const dir = mkdtempSync(join(work, 'init-subdir-'));
    const result = purgeplan(['init', '-c', 'sites/docs/purge.yaml'], { cwd: dir });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Wrote sites\/docs\/purge\.yaml\./);
    assert.equal(purgeplan(['validate', '-c', 'sites/docs/purge.yaml'], { cwd: dir }).status, 0);
    writeFileSync(join(dir, 'blocked'), 'a file, not a directory\n');
    const blocked = purgeplan(['init', '-c', 'blocked/purge.yaml'], { cwd: dir });
    assert.equal(blocked.status, 1);
    assert.match(blocked.stderr, /cannot create blocked\/purge\.yaml: a part of the path is a file, not a directory/);
    assert.doesNotMatch(blocked.stderr, STACK_LINE);
  });

  it('refuses to overwrite an existing file: exit 1, file unchanged, no stack trace', () => {
    const dir = mkdtempSync(join(work, 'init-exists-'));
    const mine = '# my own purge.yaml\nversion: 1\n';
    writeFileSync(join(dir, 'purge.yaml'), mine);
    const result = purgeplan(['init'], { cwd: dir });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: purge\.yaml already exists; init never overwrites it\n/);
    assert.doesNotMatch(result.stderr, STACK_LINE);
    assert.equal(readFileSync(join(dir, 'purge.yaml'), 'utf8'), mine);
  });

  it('a directory that does not exist is created (issue 9: init -c sub/dir/purge.yaml failed with a raw ENOENT)', () => {
    const dir = mkdtempSync(join(work, 'init-nodir-'));
    const result = purgeplan(['init', '-c', 'no/such/dir/purge.yaml'], { cwd: dir });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /ENOENT/);
    assert.ok(readFileSync(join(dir, 'no/such/dir/purge.yaml'), 'utf8').includes('version: 1'));
  });
});

describe('unknown commands and options', () => {
  const rows: { args: string[]; message: RegExp }[] = [
    { args: ['frobnicate'], message: /^error: unknown command 'frobnicate'/m },
    { args: ['valdate'], message: /^error: unknown command 'valdate'\n\(Did you mean validate\?\)/m },
    { args: ['validate', '--frob'], message: /^error: unknown option '--frob'/m },
    { args: ['plan', '--jsno'], message: /^error: unknown option '--jsno'\n\(Did you mean --json\?\)/m },
    { args: ['plan', '--max-items', '0'], message: /--max-items must be a whole number of at least 1 \(got "0"\)/ },
    { args: ['apply', '--concurrency', 'many'], message: /--concurrency must be a whole number of at least 1 \(got "many"\)/ },
    { args: ['show'], message: /^error: missing required argument 'planfile'/m },
    { args: ['validate', 'extra'], message: /^error: too many arguments/m },
  ];
  for (const row of rows) {
    it(`purgeplan ${row.args.join(' ')}: exit 1, a message, no stack trace`, () => {
      const result = purgeplan(row.args, { cwd: work });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, row.message);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.equal(result.stdout, '');
    });
  }
});

describe('a reader that stops early (purgeplan … | head)', () => {
  // Regression: writing to a closed pipe used to throw EPIPE from the stdout stream, unhandled,
  // and node printed a stack trace.
  it('ends quietly, without a stack trace', () => {
    const script = `"$0" "$1" plan --all --json -c examples/shop/purge.yaml | head -c 100 > /dev/null`;
    const result = spawnSync('sh', ['-c', script, process.execPath, CLI], { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8', env: cleanEnv(), timeout: 20_000 });
    assert.doesNotMatch(result.stderr, STACK_LINE);
    assert.doesNotMatch(result.stderr, /EPIPE/);
    const help = spawnSync('sh', ['-c', '"$0" "$1" --help | head -1 > /dev/null', process.execPath, CLI], { encoding: 'utf8', env: cleanEnv(), timeout: 20_000 });
    assert.equal(help.stderr, '');
  });
});

describe('colour', () => {
  // Colour is only ever used on a terminal: `script` gives the CLI one (a pseudo-terminal), so that
  // these tests can see colour appear, and see NO_COLOR and --no-color take it away.
  const hasScript = spawnSync('script', ['-qc', 'true', '/dev/null']).status === 0;
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
    const command = [process.execPath, CLI, ...args].map(quote).join(' ');
    const result = spawnSync('script', ['-qc', command, '/dev/null'], { cwd: work, encoding: 'utf8', env: cleanEnv({ TERM: 'xterm-256color', ...env }), timeout: 20_000 });
    return result.stdout;
  }
  const bad = join(work, 'bad.yaml');
  const good = join(work, 'good.yaml');
  writeFileSync(bad, 'version: 1\ngrups: {}\n');
  writeFileSync(good, 'version: 1\nzones:\n  www: {name: example.com}\ngroups:\n  home: {urls: ["https://www.example.com/"]}\n');

  it('on a terminal, diagnostics and plans are coloured (the control for the tests below)', { skip: !hasScript && 'no `script` command' }, () => {
    assert.match(onTerminal(['validate', '-c', bad]), ANSI);
    assert.match(onTerminal(['plan', '-c', good]), ANSI);
  });

  for (const [label, args, env] of [
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ] as const) {
    it(`${label}: no ANSI escapes on a terminal`, { skip: !hasScript && 'no `script` command' }, () => {
      const validate = onTerminal(['validate', ...args, '-c', bad], env);
      assert.match(validate, /bad\.yaml:2:1: error: unknown key "grups"/);
      assert.doesNotMatch(validate, ANSI);
      const plan = onTerminal(['plan', ...args, '-c', good], env);
      assert.match(plan, /^Plan: /m);
      assert.doesNotMatch(plan, ANSI);
    });
  }

  it('without a terminal there is never colour', () => {
    const result = purgeplan(['validate', '-c', bad], { cwd: work });
    assert.doesNotMatch(result.stderr, ANSI);
    assert.doesNotMatch(purgeplan(['plan', '-c', good], { cwd: work }).stdout, ANSI);
  });
});
