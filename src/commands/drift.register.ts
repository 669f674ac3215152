// `purgeplan drift`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { nonNegativeInteger, common, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerDrift(program: Command, setExit: SetExit): void {
  common(program.command('drift'))
    .description("compare the cache keys in purge.yaml with the zones' Cache Rules (reads the rules; never purges)")
    .option('--json', 'print the report as one JSON document', false)
    .option('--strict', 'a rule whose outcome depends on the request, or is unreadable, counts as drift', false)
    .option('--api-url <url>', 'Cloudflare API base URL (env PURGEPLAN_API_URL)')
    .option('--max-retries <n>', 'retries for 5xx answers, timeouts and connection errors', nonNegativeInteger, 5)
    .addHelpText('after', `
Each zone's token (token_env) needs Zone > Cache Rules > Read. Zone settings cache_level and
sort_query_string_for_cache are not read.

Exit codes: 0 no drift, 2 drift (with --strict also undecided rules), 1 error.

Examples:
  $ purgeplan drift
  $ purgeplan drift --json | jq '.findings[] | select(.kind == "drift")'
  $ purgeplan drift --strict`)
    .action(async (options) => {
      const { driftCommand } = await import('./drift.js');
      setExit(await driftCommand(options, await makeIo(options.color)));
    });
}
