#!/usr/bin/env node
// commander wiring only: flags -> command function -> exit code. Commands are imported when run,
// so `--help` and `validate` never load what only apply needs (undici, diff).
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG, DEFAULT_MAX_ITEMS } from './defaults.js';
import { UserError } from './errors.js';
import { describeFsError } from './fsutil.js';
import type { Io } from './commands/io.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function positiveInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1 (got "${value}")`);
    return Number(value);
  };
}
const nonNegativeInteger = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a whole number (got "${value}")`);
  return Number(value);
};
function positiveNumber(name: string, allowZero: boolean) {
  return (value: string): number => {
    if (!/^\d+(\.\d+)?$/.test(value) || (!allowZero && Number(value) === 0)) throw new InvalidArgumentError(`${name} must be a number ${allowZero ? 'of at least 0' : 'above 0'} (got "${value}")`);
    return Number(value);
  };
}
const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface Common { config: string; color: boolean }

function common(command: Command): Command {
  return command
    .option('-c, --config <file>', 'the purge configuration', DEFAULT_CONFIG)
    .option('--no-color', 'plain output without colours (also: NO_COLOR=1)');
}

function planningOptions(command: Command): Command {
  return command
    .option('--group <name>', 'only this group, planned as forced (repeatable)', collect, [])
    .option('--all', 'ignore the baseline: every group is due', false)
    .option('--base <ref>', 'git baseline: compare with purge.yaml and watched files at this commit')
    .option('--state <file>', 'state file (default: .purgeplan/state.json beside purge.yaml; .purgeplan/NAME.state.json for NAME.yaml)')
    .option('--max-items <n>', 'refuse plans larger than this many purge items', positiveInteger('--max-items'), DEFAULT_MAX_ITEMS)
    .option('--strict', 'warnings fail like errors', false);
}

async function makeIo(color: boolean): Promise<Io> {
  const { processIo } = await import('./commands/io.js');
  return processIo(color);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('purgeplan')
    .description('Declarative, reviewable Cloudflare cache purges: plan every cached variant, apply within the rate limits.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText('after', `
Examples:
  $ purgeplan validate                         check purge.yaml
  $ purgeplan plan                             what would be purged (no token needed)
  $ purgeplan plan --base origin/main --markdown > plan.md
  $ purgeplan plan --out release.plan          save a plan for review
  $ purgeplan apply release.plan               purge exactly that plan
  $ purgeplan show release.plan --json
  $ purgeplan fmt --check                      is purge.yaml in canonical form?
  $ purgeplan comment github --base "origin/$GITHUB_BASE_REF"   the plan on the pull request

Environment:
  CLOUDFLARE_API_TOKEN  API token for apply (or the variable named by a zone's token_env)
  PURGEPLAN_API_URL     Cloudflare API base URL (default https://api.cloudflare.com/client/v4)
  GITHUB_TOKEN, GITLAB_TOKEN  tokens for comment github|gitlab (see purgeplan comment github --help)
  NO_COLOR              disable colours
  PURGEPLAN_DEBUG=1     show stack traces of internal errors`);

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
      const { validateCommand } = await import('./commands/validate.js');
      setExit(validateCommand(options, await makeIo(options.color)));
    });

  planningOptions(common(program.command('plan')))
    .description('validate, expand every cache variant, compare with the baseline and show the purges')
    .option('--out <file>', 'save the plan, to apply exactly it later; - writes it to stdout (the human plan then goes to stderr)')
    .addOption(new Option('--json', 'print the plan as one JSON document').default(false).conflicts('markdown'))
    .option('--markdown', 'print the plan as a pull-request comment', false)
    .option('--detailed-exitcode', 'exit 0 when nothing is due, 2 when purges are planned', false)
    .addHelpText('after', `
Exit codes: 0 success (with --detailed-exitcode: nothing to purge), 1 error, 2 purges planned (--detailed-exitcode).

Examples:
  $ purgeplan plan
  $ purgeplan plan --json | jq .summary
  $ purgeplan plan --base origin/main --markdown > comment.md
  $ purgeplan plan --group posts --out posts.plan
  $ purgeplan plan --out - | ssh release-host 'cat > release.plan'
  $ purgeplan plan --all --detailed-exitcode`)
    .action(async (options) => {
      const { planCommand } = await import('./commands/plan.js');
      setExit(await planCommand({ ...options, groups: options.group }, await makeIo(options.color)));
    });

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
  $ purgeplan apply release.plan --check-drift   (token also needs Zone > Cache Rules > Read)`)
    .action(async (planfile: string | undefined, options, command: Command) => {
      finishing();
      const { applyCommand } = await import('./commands/apply.js');
      const configGiven = command.getOptionValueSource('config') === 'cli';
      setExit(await applyCommand(planfile, { ...options, groups: options.group, configGiven, verifySettleMs: Math.round(options.verifySettle * 1000) }, await makeIo(options.color)));
    });

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
      const { explainCommand } = await import('./commands/explain.js');
      setExit(explainCommand(url, { ...options, configGiven: command.getOptionValueSource('config') === 'cli' }, await makeIo(options.color)));
    });

  common(program.command('coverage'))
    .description('what real traffic cached that the plan would leave stale: Logpush http_requests records against the plan')
    .requiredOption('--logs <file...>', 'Logpush http_requests NDJSON files (.gz by suffix or content; - for stdin)')
    .option('--top <n>', 'missed values shown per dimension', positiveInteger('--top'), 10)
    .option('--plan <file>', 'against this saved plan instead of every group')
    .option('--base <ref>', 'only the groups due against purge.yaml at this git commit')
    .option('--state <file>', 'only the groups due against this state file')
    .option('--cache-key <name>', "build every entry with this cache_keys profile (default: the zone's)")
    .option('--json', 'print one JSON document', false)
    .option('--markdown', 'print a pull-request comment', false)
    .addHelpText('after', `
Exit codes: 0 nothing missed, 2 missed entries, 1 error.

Examples:
  $ purgeplan coverage --logs logs/20261130/*.log.gz
  $ zcat logs/*.gz | purgeplan coverage --logs - --json | jq .coverage
  $ purgeplan coverage --logs today.log.gz --base origin/main --markdown > coverage.md`)
    .action(async (options, command: Command) => {
      const { coverageCommand } = await import('./commands/coverage.js');
      const io = await makeIo(options.color);
      setExit(await coverageCommand({ ...options, configGiven: command.getOptionValueSource('config') === 'cli' }, io, { stdin: process.stdin, stderrIsTTY: Boolean(process.stderr.isTTY), now: () => Date.now() }));
    });

  // -c is accepted as on every command; a saved plan already names its configuration.
  common(program.command('show'))
    .description('render a saved plan')
    .argument('<planfile>', 'a plan saved by `plan --out`')
    .addOption(new Option('--json', 'as one JSON document').default(false).conflicts('markdown'))
    .option('--markdown', 'as a pull-request comment', false)
    .addHelpText('after', `
Examples:
  $ purgeplan show release.plan
  $ purgeplan show release.plan --markdown > comment.md`)
    .action(async (planfile: string, options: { json: boolean; markdown: boolean; color: boolean }) => {
      const { showCommand } = await import('./commands/show.js');
      setExit(await showCommand(planfile, options, await makeIo(options.color)));
    });

  common(program.command('init'))
    .description('write a commented starter purge.yaml (never overwrites)')
    .addHelpText('after', `
Examples:
  $ purgeplan init
  $ purgeplan init -c sites/docs/purge.yaml`)
    .action(async (options: Common) => {
      finishing();
      const { initCommand } = await import('./commands/init.js');
      setExit(initCommand(options, await makeIo(options.color)));
    });
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
      const { driftCommand } = await import('./commands/drift.js');
      setExit(await driftCommand(options, await makeIo(options.color)));
    });

  common(program.command('import'))
    .description("print the cache_keys block (and each group's cache_key) that matches a zone's Cache Rules; writes no file")
    .option('--zone <name>', 'only this zone (default: every zone)')
    .option('--api-url <url>', 'Cloudflare API base URL (env PURGEPLAN_API_URL)')
    .option('--max-retries <n>', 'retries for 5xx answers, timeouts and connection errors', nonNegativeInteger, 5)
    .addHelpText('after', `
Examples:
  $ purgeplan import > cache-keys.yaml
  $ purgeplan import --zone www`)
    .action(async (options) => {
      const { importCommand } = await import('./commands/import.js');
      setExit(await importCommand(options, await makeIo(options.color)));
    });

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
      const { fmtCommand } = await import('./commands/fmt.js');
      setExit(await fmtCommand(files, options, await makeIo(options.color)));
    });

  addCommentCommand(program, setExit);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** `comment github|gitlab [PLANFILE]` (spec §12). */
function addCommentCommand(program: Command, setExit: (code: number) => void): void {
  const comment = program.command('comment')
    .description('post the plan on the pull request (GitHub) or merge request (GitLab), as one sticky comment')
    .exitOverride();
  const behavior = (value: string): string => {
    if (!['update', 'new', 'hide-and-new'].includes(value)) throw new InvalidArgumentError(`must be update, new or hide-and-new (got "${value}")`);
    return value;
  };
  for (const forge of ['github', 'gitlab'] as const) {
    const github = forge === 'github';
    const command = planningOptions(common(comment.command(forge)))
      .description(github ? 'post the plan as a comment on the pull request of this GitHub Actions run' : 'post the plan as a note on the merge request of this GitLab CI pipeline')
      .argument('[planfile]', 'a plan saved by `plan --out` (default: plan now, with the planning flags)')
      .option('--tag <tag>', 'names this configuration\'s comment in its hidden marker (default: the config path)')
      .option('--behavior <how>', 'update: edit the comment in place; new: always a new one; hide-and-new: mark older ones outdated, then a new one', behavior, 'update')
      .option('--skip-no-changes', 'when nothing is due, post nothing (with update: edit an existing comment to say so)', false)
      .option('--token-env <name>', `the variable holding the token (default ${github ? 'GITHUB_TOKEN' : 'GITLAB_TOKEN'})`)
      .option(github ? '--pull-request <n>' : '--merge-request <n>', github ? 'the pull request (default: pull_request.number in GITHUB_EVENT_PATH)' : 'the merge request IID (default CI_MERGE_REQUEST_IID)', positiveInteger(github ? '--pull-request' : '--merge-request'))
      .addHelpText('after', github ? `
Environment: GITHUB_TOKEN (or --token-env), GITHUB_API_URL (default https://api.github.com; http: only
on loopback), GITHUB_REPOSITORY (owner/repo), GITHUB_EVENT_PATH (the pull request), GITHUB_STEP_SUMMARY
(the plan is appended to it, up to 1 MiB). The workflow needs permissions: pull-requests: write.
A plan over 65,536 characters is split into up to 10 comments ("part i of n").
Exit codes: 0 posted, skipped, or refused with 403/404 (a fork's read-only token: a warning); 1 error.

Examples:
  $ purgeplan comment github --base "origin/$GITHUB_BASE_REF"
  $ purgeplan plan --out pr.plan && purgeplan comment github pr.plan --skip-no-changes
  $ purgeplan comment github -c sites/shop/purge.yaml --tag shop --behavior hide-and-new
  $ GITHUB_REPOSITORY=octo/site purgeplan comment github --pull-request 42 --all` : `
Environment: GITLAB_TOKEN (or --token-env: a project access token with the api scope), CI_API_V4_URL,
CI_PROJECT_ID, CI_MERGE_REQUEST_IID (all set by GitLab CI in merge request pipelines).
GitLab cannot minimize notes: with --behavior hide-and-new, older plans are folded into a closed
<details> and marked outdated. A plan over 1,000,000 characters is split into up to 10 notes.
Exit codes: 0 posted, skipped, or refused with 403/404 (a warning); 1 error.

Examples:
  $ purgeplan comment gitlab --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
  $ purgeplan comment gitlab mr.plan --skip-no-changes
  $ purgeplan comment gitlab --token-env PURGEPLAN_GITLAB_TOKEN --merge-request 7`)
      .action(async (planfile: string | undefined, options) => {
        finishing();
        const { commentCommand } = await import('./commands/comment.js');
        setExit(await commentCommand(forge, planfile, { ...options, groups: options.group }, await makeIo(options.color)));
      });
    command.exitOverride();
  }
}

/**
 * A reader that closed the pipe early is not an error. A command that only prints
 * (`purgeplan plan --json | head`) ends there, quietly; one that changes something (apply's
 * purges, journal and state; a comment; a formatted file) stops writing to the closed stream and
 * finishes its work, with its own exit code. Output that could not be written for another reason
 * (`> file` on a full disk) is an error naming the stream: at once for a command that only
 * prints, after the work for one that changes something.
 */
let finishWhenOutputFails = false;
let lostOutput: string | null = null;
function finishing(): void {
  finishWhenOutputFails = true;
}

function watchOutput(stream: NodeJS.WriteStream, name: 'stdout' | 'stderr'): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    const closedEarly = error.code === 'EPIPE';
    if (finishWhenOutputFails) {
      if (!closedEarly) lostOutput ??= `cannot write to ${name}: ${describeFsError(error)}`;
      return;
    }
    if (closedEarly) process.exit(process.exitCode ?? 0);
    if (name === 'stdout' && !process.stderr.destroyed) process.stderr.write(`error: cannot write to stdout: ${describeFsError(error)}\n`);
    process.exit(1);
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  watchOutput(process.stdout, 'stdout');
  watchOutput(process.stderr, 'stderr');
  let exitCode = 0;
  const program = buildProgram((code) => { exitCode = code; });
  try {
    await program.parseAsync(argv as string[]);
    if (lostOutput === null) return exitCode;
    process.stderr.write(`error: ${lostOutput}; the command finished its work, but part of its output is lost\n`);
    return exitCode === 0 ? 1 : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`internal error: ${message}\nThis is a bug in purgeplan; please report it with the command you ran.${process.env.PURGEPLAN_DEBUG === '1' ? '' : ' Set PURGEPLAN_DEBUG=1 to see the stack trace.'}\n`);
    if (process.env.PURGEPLAN_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return 1;
  }
}

main(process.argv).then((code) => { process.exitCode = code; });
