// What `purgeplan comment` needs from a forge: list the pull request's comments, create, edit,
// delete, and (GitHub only) minimize. github.ts and gitlab.ts implement it over REST.
import type { ExistingComment } from './sticky.js';

export interface ForgeClient {
  /** "GitHub" or "GitLab", for messages. */
  readonly forge: string;
  /** The most characters one comment may hold. */
  readonly limit: number;
  /** What is commented on, for messages: "pull request #7 of octo/site". */
  readonly target: string;
  /** True when older comments can be minimized (GitHub's "outdated"), false when they are folded instead. */
  readonly minimizes: boolean;
  /** Authors only the forge itself can make (bots of apps and access tokens), presumed to be purgeplan's own. */
  presumedOwn(author: string): boolean;
  /** The token's own login or username, or null when the forge will not say (asked only when needed). */
  identity(): Promise<string | null>;
  /** Every comment, oldest first, across all pages. */
  list(): Promise<ExistingComment[]>;
  create(body: string): Promise<{ readonly id: string; readonly url: string | null }>;
  update(id: string, body: string): Promise<void>;
  remove(id: string): Promise<void>;
  minimize(comment: ExistingComment): Promise<void>;
  close(): Promise<void>;
}
