// Posting the plan's sticky comments (docs/commands.md "comment"): which marked comments are ours
// to change, carrying out the actions, and what a forge's refusal means.
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { ForgeError, rateLimitWait } from './http.js';
import { carriesMarker, foldOutdated, outdatedMarkerFor, ownComment, reMarked } from './sticky.js';
import type { CommentAction, ExistingComment } from './sticky.js';
import type { ForgeClient } from './types.js';

/**
 * The comments purgeplan may edit, delete or hide: anyone can copy the marker into a comment of
 * their own, so a marked comment by another author is left alone (with a note). Who the token is
 * is asked only when a marked comment's author is not a forge-made bot.
 */
export async function ownOnly(comments: readonly ExistingComment[], marker: string, client: ForgeClient, note: (text: string) => void): Promise<ExistingComment[]> {
  const marked = comments.filter((c) => carriesMarker(c, marker));
  const unsure = marked.some((c) => typeof c.author === 'string' && c.author !== '' && !client.presumedOwn(c.author));
  const ownership = { presumedOwn: (author: string) => client.presumedOwn(author), identity: unsure ? await client.identity() : null };
  const foreign = marked.filter((c) => !ownComment(c, ownership));
  if (foreign.length > 0) {
    const authors = [...new Set(foreign.map((c) => (c.author ? printable(c.author) : 'a deleted account')))].join(', ');
    note(`note: left alone ${foreign.length === 1 ? '1 comment' : `${foreign.length} comments`} carrying this plan's marker but written by ${authors}, not by this token's account.\n`);
  }
  return comments.filter((c) => !foreign.includes(c));
}

/**
 * Runs the actions in order. A 403 or 404 on a write is what a read-only token gets (a pull request
 * from a fork): a warning (`warn`, saying the plan is in `planIsIn`), and the rest is skipped
 * ('refused'). Anything else fails the command. Returns what was done, in words.
 */
export async function carryOut(actions: readonly CommentAction[], client: ForgeClient, tag: string, warn: (text: string) => void, planIsIn: string): Promise<string | 'refused'> {
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
        warn(`warning: ${error.message}\n  The token cannot write comments on ${client.target} (a pull request from a fork gets a read-only token); the plan is in ${planIsIn}.\n`);
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

export function hintFor(error: ForgeError, client: ForgeClient): string | undefined {
  if (error.status === 401) return `the ${client.forge} token was refused: check the token variable (and that it has not expired)`;
  if (error.status === 0) return `check the ${client.forge} API URL and the network`;
  if (error.status === 404) return `check that ${client.target} exists and the token can see it`;
  return undefined;
}
