// `purgeplan comment github|gitlab`: their flags and help (docs/commands.md), registered with the
// program; the command itself is imported only when it runs.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { common, finishing, makeIo, planningOptions, positiveInteger } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

/** `comment github|gitlab [PLANFILE]`. */
export function registerComment(program: Command, setExit: SetExit): void {
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
        const { commentCommand } = await import('./comment.js');
        setExit(await commentCommand(forge, planfile, { ...options, groups: options.group }, await makeIo(options.color)));
      });
    command.exitOverride();
  }
}
