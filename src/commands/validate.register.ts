// `purgeplan validate`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { DEFAULT_MAX_ITEMS } from '../defaults.js';
import { positiveInteger, common, makeIo } from '../cli/options.js';
import type { Common, SetExit } from '../cli/options.js';

export function registerValidate(program: Command, setExit: SetExit): void {
  common(program.command('validate'))
    .description('check purge.yaml: every problem, with FILE:LINE:COL')
    .option('--strict', 'warnings fail like errors', false)
    .option('--max-items <n>', 'refuse configurations larger than this many purge items', positiveInteger('--max-items'), DEFAULT_MAX_ITEMS)
    .addHelpText('after', `
Exit codes: 0 valid, 1 invalid or unreadable.

Examples:
  $ purgeplan validate
  $ purgeplan validate -c sites/shop/purge.yaml --strict`)
    .action(async (options: Common & { strict: boolean; maxItems: number }) => {
      const { validateCommand } = await import('./validate.js');
      setExit(validateCommand(options, await makeIo(options.color)));
    });
}
