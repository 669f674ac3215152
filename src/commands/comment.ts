// `purgeplan comment github|gitlab [PLANFILE]` (spec §12): the whole markdown plan on the pull
// request, in one sticky comment per configuration (split over at most 10 when long), and in the
// GitHub step summary. Order: settings from the environment (fail before planning), the plan, the
// job output and step summary (so they exist whatever the forge says), then the forge.
import { appendFileSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { looksLikeToken } from '../config/token-env.js';
import { ForgeError, rateLimitWait } from '../forge/http.js';
import { measureUtf8Bytes, splitMarkdown } from '../forge/split.js';
import { printable } from '../format.js';
import { carriesMarker, defaultTag, foldOutdated, markerFor, outdatedMarkerFor, ownComment, partLine, reMarked, stickyActions } from '../forge/sticky.js';
import type { Behavior, CommentAction, ExistingComment } from '../forge/sticky.js';
import type { ForgeClient } from '../forge/types.js';
import type { Plan } from '../plan/types.js';
import { renderMarkdownWhole } from '../render/markdown.js';
import type { Io } from './io.js';
import { makePlan } from './plan.js';
import type { PlanningOptions } from './plan.js';
import { readPlanFile } from '../plan/planfile.js';

export type Forge = 'github' | 'gitlab';

export interface CommentOptions extends PlanningOptions {
  readonly tag?: string;
  readonly behavior: Behavior;
  readonly skipNoChanges: boolean;
  readonly tokenEnv?: string;
  readonly pullRequest?: number;
  readonly mergeRequest?: number;
}

/** A plan longer than this many comments is cut (spec §12). */
export const MAX_COMMENTS = 10;
/** "each step is restricted to a maximum size of 1MiB" (cloudflare-reality.md §4). */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

export async function commentCommand(forge: Forge, planfile: string | undefined, options: CommentOptions, io: Io): Promise<number> {
  // The settings first: a missing variable or a bad --tag is reported before any planning.
  const connect = await connector(forge, options, io);
  if (options.tag !== undefined) markerFor(options.tag);
  let plan: Plan;
  if (planfile === undefined) {
    const planned = makePlan(options, io);
    if (planned === 1) return 1;
    plan = planned.plan;
  } else {
    plan = readPlanFile(planfile, io.cwd);
  }
  const markdown = renderMarkdownWhole(plan);
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
    const existing = await ownOnly(listed, marker, client, io);
    const actions = stickyActions({ behavior: options.behavior, marker, parts, existing, skip: nothingDue && options.skipNoChanges });
    if (actions.length === 0) {
      io.stderr(nothingDue && options.skipNoChanges
        ? `Nothing is due: no comment posted on ${client.target} (--skip-no-changes).\n`
        : `The plan comment on ${client.target} is already up to date.\n`);
      return 0;
    }
    const done = await carryOut(actions, client, tag, io);
    if (done === 'refused') return 0;
    io.stderr(`Posted the plan on ${client.target}: ${done}${cut ? ` (cut after ${MAX_COMMENTS} comments)` : ''}.\n`);
    return 0;
  } finally {
    await client.close();
  }
}

/**
 * The comments purgeplan may edit, delete or hide: anyone can copy the marker into a comment of
 * their own, so a marked comment by another author is left alone (with a note). Who the token is
 * is asked only when a marked comment's author is not a forge-made bot.
 */
async function ownOnly(comments: readonly ExistingComment[], marker: string, client: ForgeClient, io: Io): Promise<ExistingComment[]> {
  const marked = comments.filter((c) => carriesMarker(c, marker));
  const unsure = marked.some((c) => typeof c.author === 'string' && c.author !== '' && !client.presumedOwn(c.author));
  const ownership = { presumedOwn: (author: string) => client.presumedOwn(author), identity: unsure ? await client.identity() : null };
  const foreign = marked.filter((c) => !ownComment(c, ownership));
  if (foreign.length > 0) {
    const authors = [...new Set(foreign.map((c) => (c.author ? printable(c.author) : 'a deleted account')))].join(', ');
    io.stderr(`note: left alone ${foreign.length === 1 ? '1 comment' : `${foreign.length} comments`} carrying this plan's marker but written by ${authors}, not by this token's account.\n`);
  }
  return comments.filter((c) => !foreign.includes(c));
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

/**
 * Runs the actions in order. A 403 or 404 on a write is what a read-only token gets (a pull request
 * from a fork): a warning, and the rest is skipped ('refused'). Anything else fails the command.
 */
async function carryOut(actions: readonly CommentAction[], client: ForgeClient, tag: string, io: Io): Promise<string | 'refused'> {
  const counts = { created: 0, updated: 0, deleted: 0, hidden: 0 };
  const outdated = outdatedMarkerFor(tag);
  for (const action of actions) {
    try {
      switch (action.kind) {
        case 'create':
          await client.create(action.body);
          counts.created++;
          break;
        case 'update':
          await client.update(action.id, action.body);
          counts.updated++;
          break;
        case 'delete':
          await client.remove(action.id);
          counts.deleted++;
          break;
        case 'hide':
          if (client.minimizes) {
            await client.minimize(action.comment);
            await client.update(action.comment.id, reMarked(action.comment.body, outdated));
          } else {
            await client.update(action.comment.id, foldOutdated(action.comment.body, outdated, client.limit));
          }
          counts.hidden++;
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown comment action ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      if (!(error instanceof ForgeError)) throw error;
      if (isReadOnlyRefusal(error)) {
        io.stderr(`warning: ${error.message}\n  The token cannot write comments on ${client.target} (a pull request from a fork gets a read-only token); the plan is in the job's output${io.env.GITHUB_STEP_SUMMARY ? ' and the step summary' : ''}.\n`);
        return 'refused';
      }
      throw new UserError(error.message, { hint: hintFor(error, client) });
    }
  }
  const said = [
    counts.hidden ? `${counts.hidden} older comment${counts.hidden === 1 ? '' : 's'} marked outdated` : '',
    counts.updated ? `${counts.updated} comment${counts.updated === 1 ? '' : 's'} updated` : '',
    counts.created ? `${counts.created} comment${counts.created === 1 ? '' : 's'} created` : '',
    counts.deleted ? `${counts.deleted} comment${counts.deleted === 1 ? '' : 's'} deleted` : '',
  ].filter(Boolean);
  return said.join(', ');
}

/** 403 and 404 without a rate limit behind them: the token may read but not write. */
function isReadOnlyRefusal(error: ForgeError): boolean {
  if (error.status !== 403 && error.status !== 404) return false;
  return rateLimitWait(error, Date.now()) === null;
}

function hintFor(error: ForgeError, client: ForgeClient): string | undefined {
  if (error.status === 401) return `the ${client.forge} token was refused: check the token variable (and that it has not expired)`;
  if (error.status === 0) return `check the ${client.forge} API URL and the network`;
  if (error.status === 404) return `check that ${client.target} exists and the token can see it`;
  return undefined;
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
