// `purgeplan plan`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { Option } from 'commander';
import { common, planningOptions, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerPlan(program: Command, setExit: SetExit): void {
  planningOptions(common(program.command('plan')))
    .description('validate, expand every cache variant, compare with the baseline and show the purges')
    .option('--out <file>', 'save the plan, to apply exactly it later; - writes it to stdout (the human plan then goes to stderr)')
    .addOption(new Option('--json', 'print the plan as one JSON document').default(false).conflicts('markdown'))
    .option('--markdown', 'print the plan as a pull-request comment', false)
    .option('--expand', 'list every item flat, one a line, none left out (human and markdown plans)', false)
    .option('--detailed-exitcode', 'exit 0 when nothing is due, 2 when purges are planned', false)
    .addHelpText('after', `
Exit codes: 0 success (with --detailed-exitcode: nothing to purge), 1 error, 2 purges planned (--detailed-exitcode).

Examples:
  $ purgeplan plan
  $ purgeplan plan --json | jq .summary
  $ purgeplan plan --expand
  $ purgeplan plan --base origin/main --markdown > comment.md
  $ purgeplan plan --group posts --out posts.plan
  $ purgeplan plan --out - | ssh release-host 'cat > release.plan'
  $ purgeplan plan --all --detailed-exitcode`)
    .action(async (options) => {
      const { planCommand } = await import('./plan.js');
      setExit(await planCommand({ ...options, groups: options.group }, await makeIo(options.color)));
    });
}
