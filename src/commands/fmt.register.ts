// `purgeplan fmt`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { common, makeIo, finishing } from '../cli/options.js';
import type { Common, SetExit } from '../cli/options.js';

export function registerFmt(program: Command, setExit: SetExit): void {
  common(program.command('fmt'))
    .description('rewrite purge.yaml in canonical form: key order, two-space indentation; comments and values kept')
    .argument('[files...]', 'the files to format (default: the -c file)')
    .option('--check', 'write nothing; exit 3 when a file is not in canonical form, listing it', false)
    .option('--diff', 'print a unified diff of the changes', false)
    .addHelpText('after', `
Exit codes: 0 formatted (or already canonical), 1 invalid or unreadable file (left untouched), 3 with --check: a file would change.

Examples:
  $ purgeplan fmt
  $ purgeplan fmt --check --diff          in CI: fail when purge.yaml is not formatted
  $ purgeplan fmt sites/*/purge.yaml`)
    .action(async (files: string[], options: Common & { check: boolean; diff: boolean }) => {
      finishing();
      const { fmtCommand } = await import('./fmt.js');
      setExit(await fmtCommand(files, options, await makeIo(options.color)));
    });
}
