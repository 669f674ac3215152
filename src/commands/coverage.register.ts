// `purgeplan coverage`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import { Option } from 'commander';
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger, common, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerCoverage(program: Command, setExit: SetExit): void {
  common(program.command('coverage'))
    .description('what real traffic cached that the plan would leave stale: Logpush http_requests records, or GraphQL Analytics, against the plan')
    .option('--logs <file...>', 'Logpush http_requests NDJSON files (.gz by suffix or content; - for stdin), or directories of them')
    .option('--graphql', "read Cloudflare's GraphQL Analytics instead (httpRequestsAdaptiveGroups: every plan, sampled, no headers or cookies)")
    .option('--since <duration>', 'with --graphql: the window ending now, in s, m, h or d (default 24h)')
    .option('--from <time>', 'with --graphql: the window from this ISO 8601 time (2026-11-30T08:00:00Z)')
    .option('--to <time>', 'with --graphql and --from: the window up to this time (default now)')
    .option('--api-url <url>', 'with --graphql: Cloudflare API base URL (env PURGEPLAN_API_URL)')
    .option('--max-retries <n>', 'with --graphql: retries for 5xx answers, timeouts and connection errors (default 5)', nonNegativeInteger)
    .addOption(new Option('--print-sql <engine>', 'print one GROUP BY query for the engine where the logs are, whose rows --logs reads; no log is read').choices(['duckdb', 'clickhouse', 'bigquery']))
    .option('--table <name>', 'with --print-sql: the Logpush http_requests table (default http_requests)')
    .option('--threads <n>', 'worker threads reading the --logs files (default: one per CPU; 1: one by one on the main thread)', positiveInteger('--threads'))
    .option('--top <n>', 'missed values shown per dimension', positiveInteger('--top'), 10)
    .option('--plan <file>', 'against this saved plan instead of every group')
    .option('--base <ref>', 'only the groups due against purge.yaml at this git commit')
    .option('--state <file>', 'only the groups due against this state file')
    .option('--cache-key <name>', "build every entry with this cache_keys profile (default: the zone's)")
    .option('--json', 'print one JSON document', false)
    .option('--markdown', 'print a pull-request comment', false)
    .addHelpText('after', `
With --graphql, each zone's token (token_env) needs Analytics Read; the report says the data is
sampled and which key dimensions it cannot see (headers, cookies: never counted as missed).

Exit codes: 0 nothing missed, 2 missed entries, 1 error.

Examples:
  $ purgeplan coverage --logs logs/20261130/*.log.gz
  $ purgeplan coverage --logs logs/
  $ zcat logs/*.gz | purgeplan coverage --logs - --json | jq .coverage
  $ purgeplan coverage --logs today.log.gz --base origin/main --markdown > coverage.md
  $ purgeplan coverage --graphql --since 7d --json | jq .not_observable
  $ duckdb -c "COPY ($(purgeplan coverage --print-sql duckdb)) TO 'entries.ndjson' (FORMAT json)"`)
    .action(async (options, command: Command) => {
      const { coverageCommand } = await import('./coverage.js');
      const io = await makeIo(options.color);
      setExit(await coverageCommand({ ...options, configGiven: command.getOptionValueSource('config') === 'cli' }, io, { stdin: process.stdin, stderrIsTTY: Boolean(process.stderr.isTTY), now: () => Date.now() }));
    });
}
