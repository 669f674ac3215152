// `purgeplan apply`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { Option } from 'commander';
import { positiveInteger, nonNegativeInteger, positiveNumber, collect, common, planningOptions, makeIo, finishing } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerApply(program: Command, setExit: SetExit): void {
  planningOptions(common(program.command('apply')))
    .description('send a saved plan, or plan and ask for confirmation, then purge within the rate limits')
    .argument('[planfile]', 'a plan saved by `plan --out`: sent exactly, without asking')
    .option('--auto-approve', 'do not ask for confirmation', false)
    .addOption(new Option('--api-url <url>', 'Cloudflare API base URL').env('PURGEPLAN_API_URL'))
    .option('--concurrency <n>', 'requests in flight at once', positiveInteger('--concurrency'), 4)
    .option('--max-retries <n>', 'retries for 5xx answers, timeouts and connection errors', nonNegativeInteger, 5)
    .option('--json', 'one JSON event per line', false)
    .option('--verify <n>', 'request N sampled file items at the edge before and after the purge, and check that they were purged', positiveInteger('--verify'))
    .option('--verify-rate <n>', 'at most this many verification requests a second', positiveNumber('--verify-rate', false), 10)
    .option('--verify-settle <seconds>', 'wait after the last purge before checking the edge', positiveNumber('--verify-settle', true), 2)
    .option('--verify-strict', 'with --verify: exit 1 (after the purge) when nothing was confirmed or a --connect-to rule matched no sampled host', false)
    .option('--connect-to <HOST:PORT:ADDR:PORT>', 'send verification requests for HOST:PORT to ADDR:PORT, keeping Host and TLS name (as curl; repeatable); items no rule takes are not probed', collect, [])
    .option('--record-only', 'record the due groups (and the build) in the state as purged without sending anything: adopt a site without purging it once', false)
    .option('--check-drift', 'first compare the cache keys with the zones\' Cache Rules (as `drift`); send nothing on drift', false)
    .addHelpText('after', `
A plan file is checked against its configuration (found beside the plan, or -c) and refused,
with nothing sent, if it differs; --group, --all, --base and --state cannot be used with it.
An apply interrupted (Ctrl-C, a crash) is resumed by running the same command again.

Exit codes: 0 every request succeeded (and, with --verify, no sampled item was still cached), 1 a failure
(summarized), a sampled item not purged, drift found by --check-drift, or with --verify-strict a check
that confirmed nothing or an unmatched --connect-to rule (warnings otherwise), 130 interrupted (re-run to resume).

Examples:
  $ CLOUDFLARE_API_TOKEN=… purgeplan apply release.plan
  $ purgeplan apply --auto-approve --base "$LAST_RELEASE"
  $ purgeplan apply release.plan --json > apply.log
  $ purgeplan apply release.plan --verify 20
  $ purgeplan apply release.plan --verify 20 --verify-strict   (exit 1 when the edge confirmed nothing)
  $ purgeplan apply release.plan --verify 5 --connect-to www.example.com:443:203.0.113.7:443
  $ purgeplan apply --record-only --auto-approve   (adopt a site: record its build without purging it)
  $ purgeplan apply release.plan --check-drift   (token also needs Zone > Cache Rules > Read)`)
    .action(async (planfile: string | undefined, options, command: Command) => {
      finishing();
      const { applyCommand } = await import('./apply.js');
      const configGiven = command.getOptionValueSource('config') === 'cli';
      setExit(await applyCommand(planfile, { ...options, groups: options.group, configGiven, verifySettleMs: Math.round(options.verifySettle * 1000) }, await makeIo(options.color)));
    });
}
