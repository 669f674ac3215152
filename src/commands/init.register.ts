// `purgeplan init`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { common, makeIo, finishing } from '../cli/options.js';
import type { Common, SetExit } from '../cli/options.js';

export function registerInit(program: Command, setExit: SetExit): void {
  common(program.command('init'))
    .description('write a commented starter purge.yaml (never overwrites)')
    .addHelpText('after', `
Examples:
  $ purgeplan init
  $ purgeplan init -c sites/docs/purge.yaml`)
    .action(async (options: Common) => {
      finishing();
      const { initCommand } = await import('./init.js');
      setExit(initCommand(options, await makeIo(options.color)));
    });
}
