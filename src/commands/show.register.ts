// `purgeplan show`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { Option } from 'commander';
import { common, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerShow(program: Command, setExit: SetExit): void {
  // -c is accepted as on every command; a saved plan already names its configuration.
  common(program.command('show'))
    .description('render a saved plan')
    .argument('<planfile>', 'a plan saved by `plan --out`')
    .addOption(new Option('--json', 'as one JSON document').default(false).conflicts('markdown'))
    .option('--markdown', 'as a pull-request comment', false)
    .option('--expand', 'list every item flat, one a line, none left out (human and markdown)', false)
    .addHelpText('after', `
Examples:
  $ purgeplan show release.plan
  $ purgeplan show release.plan --markdown > comment.md
  $ purgeplan show release.plan --expand`)
    .action(async (planfile: string, options: { json: boolean; markdown: boolean; expand: boolean; color: boolean }) => {
      const { showCommand } = await import('./show.js');
      setExit(await showCommand(planfile, options, await makeIo(options.color)));
    });
}
