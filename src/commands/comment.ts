// `purgeplan comment github|gitlab [PLANFILE]` (docs/commands.md "comment"): the whole markdown plan on the pull
// request, in one sticky comment per configuration (split over at most 10 when long), and in the
// GitHub step summary. Order: settings from the environment (fail before planning), the plan, the
// job output and step summary (so they exist whatever the forge says), then the forge.
import { appendFileSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { looksLikeToken } from '../config/token-env.js';
import { ForgeError } from '../forge/http.js';
import { carryOut, hintFor, ownOnly } from '../forge/post.js';
import { measureUtf8Bytes, splitMarkdown } from '../forge/split.js';
import { defaultTag, markerFor, outdatedMarkerFor, partLine, stickyActions } from '../forge/sticky.js';
import type { Behavior } from '../forge/sticky.js';
import type { ForgeClient } from '../forge/types.js';
import type { ListedPlan } from '../render/items.js';
import { renderMarkdownWhole } from '../render/markdown.js';
import type { Io } from './io.js';
import { makePlan } from './plan.js';
import type { PlanningOptions } from './plan.js';
import { readPlanFile } from '../plan/planfile.js';
import { withSavedItems } from './saved-items.js';

export type Forge = 'github' | 'gitlab';

export interface CommentOptions extends PlanningOptions {
  readonly tag?: string;
  readonly behavior: Behavior;
  readonly skipNoChanges: boolean;
  readonly tokenEnv?: string;
  readonly pullRequest?: number;
  readonly mergeRequest?: number;
}

/** A plan longer than this many comments is cut (docs/commands.md "comment"). */
const MAX_COMMENTS = 10;
/** "each step is restricted to a maximum size of 1MiB" (GitHub's docs on job summaries). */
const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function commentCommand(forge: Forge, planfile: string | undefined, options: CommentOptions, io: Io): Promise<number> {
  // The settings first: a missing variable or a bad --tag is reported before any planning.
  const connect = await connector(forge, options, io);
  if (options.tag !== undefined) markerFor(options.tag);
  let listed: ListedPlan;
  if (planfile === undefined) {
    const planned = await makePlan(options, io);
    if (planned === 1) return 1;
    listed = planned;
  } else {
    // Each group's items are listed from its purge.yaml when that is unchanged (docs/commands.md, "show").
    listed = withSavedItems(readPlanFile(planfile, io.cwd), planfile, io.cwd);
  }
  const { plan } = listed;
  const markdown = renderMarkdownWhole(listed);
  io.stdout(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  const summaryPath = io.env.GITHUB_STEP_SUMMARY;
  if (summaryPath) writeStepSummary(summaryPath, markdown);

  const tag = options.tag ?? defaultTag(plan.config.path);
  const marker = markerFor(tag);
  const nothingDue = plan.requests.length === 0;
  const client = await connect();
  try {
    const where = summaryPath ? "the job's output and the run's step summary" : "the job's output";
    const { parts, cut } = splitMarkdown(markdown, {
      // Room for the longer outdated marker: a later hide-and-new re-marks the comment in place.
      limit: client.limit - (outdatedMarkerFor(tag).length - marker.length),
      maxParts: MAX_COMMENTS,
      header: (part, count) => (count === 1 ? marker : `${marker}\n${partLine(part, count)}\n`),
      overflowNote: `> [!WARNING]\n> This plan is too long for ${MAX_COMMENTS} comments: the rest is cut here. The whole plan is in ${where}.`,
    });
    const listed = await client.list().catch((error: unknown) => {
      throw error instanceof ForgeError ? new UserError(error.message, { hint: hintFor(error, client) }) : error;
    });
    const existing = await ownOnly(listed, marker, client, io.stderr);
    const actions = stickyActions({ behavior: options.behavior, marker, parts, existing, skip: nothingDue && options.skipNoChanges });
    if (actions.length === 0) {
      io.stderr(nothingDue && options.skipNoChanges
        ? `Nothing is due: no comment posted on ${client.target} (--skip-no-changes).\n`
        : `The plan comment on ${client.target} is already up to date.\n`);
      return 0;
    }
    const done = await carryOut(actions, client, tag, io.stderr, `the job's output${io.env.GITHUB_STEP_SUMMARY ? ' and the step summary' : ''}`);
    if (done === 'refused') return 0;
    io.stderr(`Posted the plan on ${client.target}: ${done}${cut ? ` (cut after ${MAX_COMMENTS} comments)` : ''}.\n`);
    return 0;
  } finally {
    await client.close();
  }
}

/** Resolves the forge's settings now (errors naming what is missing) and connects later. */
async function connector(forge: Forge, options: CommentOptions, io: Io): Promise<() => Promise<ForgeClient>> {
  // A token pasted in place of the variable's name would be quoted back by every message naming it.
  if (options.tokenEnv !== undefined && looksLikeToken(options.tokenEnv)) {
    throw new UserError('--token-env looks like a token, not the name of an environment variable (the value is not shown)', { hint: `put the token in an environment variable and name that variable, e.g. --token-env ${forge === 'github' ? 'GITHUB_TOKEN' : 'GITLAB_TOKEN'}; if the command line was logged, roll the token` });
  }
  if (forge === 'github') {
    const { githubTarget, createGitHubClient } = await import('../forge/github.js');
    const target = githubTarget(io.env, options, (path) => readFileSync(path, 'utf8'));
    return () => createGitHubClient(target);
  }
  const { gitlabTarget, createGitLabClient } = await import('../forge/gitlab.js');
  const target = gitlabTarget(io.env, options);
  return () => createGitLabClient(target);
}

/** Appends the whole markdown to the step summary, cut at a line below 1 MiB with a note when longer. */
function writeStepSummary(path: string, markdown: string): void {
  const { parts } = splitMarkdown(markdown, {
    limit: STEP_SUMMARY_LIMIT_BYTES - 1,
    maxParts: 1,
    header: () => '',
    overflowNote: "> [!WARNING]\n> Cut at the step summary's 1 MiB limit: the whole plan is in the job's output.",
    measure: measureUtf8Bytes,
  });
  try {
    appendFileSync(path, `${parts[0] ?? ''}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot append to the step summary GITHUB_STEP_SUMMARY=${path}: ${code === 'ENOENT' ? 'no such directory' : code ?? 'error'}`);
  }
}
