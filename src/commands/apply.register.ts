// `purgeplan apply`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { Option } from 'commander';
import { positiveInteger, nonNegativeInteger, positiveNumber, collect, common, planningOptions, makeIo, finishing } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';
import { DEFAULT_WARM_CONCURRENCY, DEFAULT_WARM_RATE } from '../defaults.js';

export function registerApply(program: Command, setExit: SetExit): void {
  planningOptions(common(program.command('apply')))
    .description('send a saved plan, or plan and ask for confirmation, then purge within the rate limits')
    .argument('[planfile]', 'a plan saved by `plan --out`: sent exactly, without asking')
    .option('--auto-approve', 'do not ask for confirmation', false)
    .addOption(new Option('--api-url <url>', 'Cloudflare API base URL').env('PURGEPLAN_API_URL'))
    .addOption(new Option('--fastly-api-url <url>', 'Fastly API base URL, for zones with provider: fastly (default https://api.fastly.com)'))
    .option('--concurrency <n>', 'Cloudflare requests in flight at once; when given, every request in flight at once (a Fastly or CloudFront zone otherwise sends up to its limits.concurrency)', positiveInteger('--concurrency'), 4)
    .option('--max-retries <n>', 'retries for 5xx answers, timeouts and connection errors', nonNegativeInteger, 5)
    .option('--json', 'one JSON event per line', false)
    .option('--verify <n>', 'request N sampled file items at the edge before and after the purge, and check that they were purged', positiveInteger('--verify'))
    .option('--verify-rate <n>', 'at most this many verification requests a second', positiveNumber('--verify-rate', false), 10)
    .option('--verify-settle <seconds>', 'wait after the last purge before checking the edge', positiveNumber('--verify-settle', true), 2)
    .option('--verify-strict', 'with --verify: exit 1 (after the purge) when nothing was confirmed or a --connect-to rule matched no sampled host', false)
    .option('--warm [N|all]', 'after the purge, request the purged file items at the edge with their key headers (bare: all; N: a spread sample)')
    .option('--warm-concurrency <n>', `with --warm: warm requests in flight at once (default ${DEFAULT_WARM_CONCURRENCY})`)
    .option('--warm-rate <n>', `with --warm: at most this many warm requests started in any one-second window (default ${DEFAULT_WARM_RATE})`)
    .option('--warm-strict', 'with --warm: exit 1 (after the purge) when an item failed to warm or was not requested')
    .option('--connect-to <HOST:PORT:ADDR:PORT>', 'send the requests of --wait-for, --verify and --warm for HOST:PORT to ADDR:PORT, keeping Host and TLS name (as curl; repeatable); items no rule takes are not requested', collect, [])
    .option('--wait-for <url>', 'before purging, poll URL (GET) until it answers 2xx and every --expect holds: the new build is live')
    .option('--expect <TEXT|/RE/|/RE/i|header:NAME=VALUE>', 'with --wait-for: the body contains TEXT, matches /RE/, or a response header has this value (repeatable: all must hold)', collect, [])
    .option('--wait-timeout <duration>', 'with --wait-for: give up (exit 1, nothing purged) after this long, from the first poll (30s, 5m, 1h; default 10m)')
    .option('--repurge-after <duration>', 'once every request succeeded, wait this long (30s, 5m, 1h) and send the same requests again (a second pass)')
    .option('--record-only', 'record the due groups (and the build) in the state as purged without sending anything: adopt a site without purging it once', false)
    .option('--check-drift', 'first compare the cache keys with the zones\' Cache Rules (as `drift`); send nothing on drift', false)
    .addHelpText('after', `
A plan file is checked against its configuration (found beside the plan, or -c) and refused,
with nothing sent, if it differs; --group, --all, --base, --state and --ignore-budget cannot be used with it.
Phases, in order: identity (a zone with an id and a name is read back; a mismatch sends nothing),
wait-for, send (and --verify), repurge, warm. An apply interrupted (Ctrl-C, a crash) in any phase
is resumed in that phase by running the same command again.

Exit codes: 0 every request succeeded (and, with --verify, no sampled item was still cached), 1 a failure
(summarized), a zone id that is another zone, --wait-for timed out (nothing purged), a sampled item not
purged, drift found by --check-drift, or with --verify-strict a check that confirmed nothing or an
unmatched --connect-to rule (warnings otherwise), with --warm-strict an item not warmed (warnings
otherwise), 130 interrupted (re-run to resume).

Examples:
  $ CLOUDFLARE_API_TOKEN=… purgeplan apply release.plan
  $ purgeplan apply --auto-approve --base "$LAST_RELEASE"
  $ purgeplan apply release.plan --json > apply.log
  $ purgeplan apply release.plan --verify 20
  $ purgeplan apply release.plan --verify 20 --verify-strict   (exit 1 when the edge confirmed nothing)
  $ purgeplan apply release.plan --verify 5 --connect-to www.example.com:443:203.0.113.7:443
  $ purgeplan apply release.plan --warm   (then request every purged file item, 8 at a time, 20/s)
  $ purgeplan apply release.plan --warm 200 --warm-rate 10 --warm-strict
  $ purgeplan apply --record-only --auto-approve   (adopt a site: record its build without purging it)
  $ purgeplan apply release.plan --check-drift   (token also needs Zone > Cache Rules > Read)
  $ purgeplan apply release.plan --wait-for https://www.example.com/version.txt --expect "$BUILD_ID" --repurge-after 2m --warm`)
    .action(async (planfile: string | undefined, options, command: Command) => {
      finishing();
      const { applyCommand } = await import('./apply.js');
      const configGiven = command.getOptionValueSource('config') === 'cli';
      const concurrencyGiven = command.getOptionValueSource('concurrency') === 'cli';
      setExit(await applyCommand(planfile, { ...options, groups: options.group, configGiven, concurrencyGiven, verifySettleMs: Math.round(options.verifySettle * 1000) }, await makeIo(options.color)));
    });
}
