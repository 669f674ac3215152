// Every command's --help lists every flag it takes, and the README documents the same flags for
// each command (its "Every flag, by command" table); every `purgeplan COMMAND --flag` the README
// shows exists. The flags commander registers are read from the built program itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const CLI_MODULE = new URL('../src/cli.js', import.meta.url).href;
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const DOCS_DIR = new URL('../../docs/', import.meta.url);
/** The README and docs/*.md: where a `purgeplan COMMAND --flag` may be shown. */
const DOCS = [README, ...readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(f, DOCS_DIR), 'utf8'))].join('\n');

/** Flags every command takes (the README says so once, above its table). */
const COMMON = ['--config', '--no-color', '--help'];

/**
 * The options commander registers, by command path ("plan", "comment github"), read in a child
 * process: importing cli.js runs the CLI, so it is given --version to do (harmlessly) first.
 */
function registeredFlags(): Map<string, { long: string; short?: string; hidden: boolean }[]> {
  const script = `
    process.argv = [process.argv[0], 'purgeplan', '--version'];
    const { buildProgram } = await import(${JSON.stringify(CLI_MODULE)});
    const out = {};
    const walk = (command, path) => {
      for (const sub of command.commands) {
        const name = [...path, sub.name()].join(' ');
        out[name] = [...sub.options.map((o) => ({ long: o.long, short: o.short, hidden: o.hidden })), { long: '--help', short: '-h', hidden: false }];
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(buildProgram(() => undefined), []);
    process.stdout.write('\\n' + JSON.stringify(out) + '\\n');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split('\n');
  return new Map(Object.entries(JSON.parse(lines[lines.length - 1]!) as Record<string, { long: string; short?: string; hidden: boolean }[]>));
}

const registered = registeredFlags();
/** Commands that run something (not the `comment` group, whose subcommands are github and gitlab). */
const leaves = [...registered.keys()].filter((name) => ![...registered.keys()].some((other) => other.startsWith(`${name} `)));

/** The long flags in the Options section of `purgeplan COMMAND --help`. */
function helpFlags(command: string): string[] {
  const result = spawnSync(process.execPath, [CLI, ...command.split(' '), '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' }, timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  const options = result.stdout.split(/^Options:\n/m)[1]?.split(/\n\n/)[0] ?? '';
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
}

describe('--help lists every flag a command takes', () => {
  it('the program has the commands the README names', () => {
    assert.ok(leaves.length >= 12, leaves.join(', '));
    for (const command of ['validate', 'plan', 'apply', 'show', 'init', 'drift', 'import', 'fmt', 'coverage', 'explain', 'comment github', 'comment gitlab']) {
      assert.ok(leaves.includes(command), command);
    }
  });

  for (const command of [...registered.keys()]) {
    it(`${command} --help`, () => {
      const options = registered.get(command)!;
      assert.deepEqual(options.filter((o) => o.hidden).map((o) => o.long), [], 'no hidden flag');
      assert.deepEqual(helpFlags(command).sort(), options.map((o) => o.long).sort());
    });
  }
});

/** The README's "Every flag, by command" table: command -> the long flags of its cell. */
function readmeTable(): Map<string, string[]> {
  const start = README.indexOf('Every flag, by command');
  assert.ok(start >= 0, 'the README has its table of flags by command');
  const table = new Map<string, string[]>();
  for (const line of README.slice(start).split('\n').slice(1)) {
    const row = /^\| `([a-z ]+)` \| (.*) \|$/.exec(line);
    if (row) table.set(row[1]!, [...row[2]!.matchAll(/`(?:-\w, )?(--[\w-]+)/g)].map((m) => m[1]!));
    else if (table.size > 0 && !line.startsWith('|')) break;
  }
  return table;
}

describe('the README documents the flags of each command', () => {
  const table = readmeTable();

  it('says once that every command takes -c, --config, --no-color and -h, --help', () => {
    assert.match(README, /each also takes `-c, --config FILE`, `--no-color` and `-h, --help`/);
  });

  for (const command of leaves) {
    it(`${command}: the table has exactly its flags`, () => {
      const flags = registered.get(command)!.map((o) => o.long).filter((f) => !COMMON.includes(f));
      assert.ok(table.has(command), `a row for ${command}`);
      assert.deepEqual([...table.get(command)!].sort(), flags.sort());
    });
  }

  it('has no row for a command that does not exist', () => {
    assert.deepEqual([...table.keys()].filter((command) => !leaves.includes(command)), []);
  });

  it('every `purgeplan COMMAND … --flag` it (or docs/) shows is a flag of that command', () => {
    const unknown: string[] = [];
    const commands = new Set(leaves.map((c) => c.split(' ')[0]!));
    /** One invocation: `COMMAND [github|gitlab] …` up to the end of the text or a shell separator. */
    const check = (text: string): void => {
      const match = /^([a-z]+)(?=\s|$)((?:\s+(?:github\/gitlab|github|gitlab))?)([^|>;&)]*)/.exec(text.replace(/github\\?\|gitlab/g, 'github/gitlab'));
      if (!match || !commands.has(match[1]!)) return;
      const [, first, forge, rest] = match;
      const targets = first === 'comment'
        ? (forge!.trim() === '' || forge!.includes('/') ? ['comment github', 'comment gitlab'] : [`comment ${forge!.trim()}`])
        : [first!];
      for (const flag of rest!.matchAll(/(?:^|\s|\[)(--?[A-Za-z][\w-]*)/g)) {
        const name = flag[1]!;
        // comment github|gitlab: a flag of either forge.
        if (!targets.some((t) => registered.get(t)!.some((o) => o.long === name || o.short === name))) unknown.push(`${match[0].trim()}: ${name}`);
      }
    };
    const blockLines = [...DOCS.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
    const inline = [...DOCS.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
    let invocations = 0;
    for (const line of blockLines) for (const piece of line.split(/\bpurgeplan\s+/).slice(1)) { invocations++; check(piece); }
    for (const span of inline) {
      // `plan --json` (a command first) or `npx purgeplan apply …`.
      const [head, ...pieces] = span.split(/\bpurgeplan\s+/);
      if (commands.has(head!.split(/\s/)[0]!)) { invocations++; check(head!); }
      for (const piece of pieces) { invocations++; check(piece); }
    }
    assert.ok(invocations > 50, `${invocations} invocations read`);
    assert.deepEqual(unknown, []);
  });
});
