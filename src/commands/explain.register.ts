// `purgeplan explain`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { collect, common, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerExplain(program: Command, setExit: SetExit): void {
  common(program.command('explain'))
    .description('which cache entry a request hits, and what in the plan purges it')
    .argument('<url>', 'the URL requested')
    .option('-H, --header <header>', "a request header, 'Name: value' (repeatable)", collect, [])
    .option('--country <cc>', 'the country the request came from (required when the key has geo)')
    .option('--device-type <type>', 'desktop, mobile or tablet (default desktop)')
    .option('--cookie <cookie>', "a request cookie, 'name=value' (repeatable)", collect, [])
    .option('--cache-key <name>', "build the entry with this cache_keys profile (default: the zone's)")
    .option('--plan <file>', 'against this saved plan instead of every group')
    .option('--json', 'print one JSON document', false)
    .addHelpText('after', `
Exit codes: 0 purged, 2 not purged, 1 error.

Examples:
  $ purgeplan explain https://www.example.com/posts/hello/ -H 'Accept-Language: fr-FR'
  $ purgeplan explain https://www.example.com/ --country FR --device-type mobile --cookie ab_bucket=b
  $ purgeplan explain https://www.example.com/feed.xml --plan release.plan --json`)
    .action(async (url: string, options, command: Command) => {
      const { explainCommand } = await import('./explain.js');
      setExit(await explainCommand(url, { ...options, configGiven: command.getOptionValueSource('config') === 'cli' }, await makeIo(options.color)));
    });
}
