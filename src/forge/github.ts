// GitHub: the pull request's issue comments over REST, and GraphQL's minimizeComment for hiding
// older plans (docs/ci.md). REST: GET/POST /repos/{owner}/{repo}/issues/{number}/comments (Link
// header pagination), PATCH/DELETE /repos/{owner}/{repo}/issues/comments/{id}.
import { UserError } from '../errors.js';
import { apiUrl, createForgeHttp, ForgeError, nextLink, parseForgeUrl, requireToken } from './http.js';
import type { ExistingComment } from './sticky.js';
import type { ForgeClient } from './types.js';

/** GitHub refuses longer comment bodies: 422 "Body is too long (maximum is 65536 characters)" (docs/cloudflare.md). */
const GITHUB_COMMENT_LIMIT = 65_536;
const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
const PER_PAGE = '100';

export interface GitHubOptions {
  readonly tokenEnv?: string;
  readonly pullRequest?: number;
}

export interface GitHubTarget {
  readonly apiUrl: URL;
  readonly graphqlUrl: URL;
  readonly owner: string;
  readonly repo: string;
  readonly pullRequest: number;
  readonly token: string;
}

/** Reads the run's settings from the environment Actions provides (and the flags); fails naming what is missing. */
// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export function githubTarget(env: NodeJS.ProcessEnv, options: GitHubOptions, readText: (path: string) => string): GitHubTarget {
  const tokenEnv = options.tokenEnv ?? 'GITHUB_TOKEN';
  const token = requireToken(env, tokenEnv, `in a workflow: env: ${tokenEnv}: \${{ github.token }}, with permissions: pull-requests: write`);
  const base = parseForgeUrl(env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL, 'GITHUB_API_URL');
  const graphqlUrl = env.GITHUB_GRAPHQL_URL ? parseForgeUrl(env.GITHUB_GRAPHQL_URL, 'GITHUB_GRAPHQL_URL') : graphqlOf(base);
  const repository = env.GITHUB_REPOSITORY;
  if (!repository) throw new UserError('GITHUB_REPOSITORY is not set: which repository is the pull request in?', { hint: 'GitHub Actions sets it; elsewhere: GITHUB_REPOSITORY=owner/repo' });
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) throw new UserError(`GITHUB_REPOSITORY "${repository}" is not owner/repo`);
  const pullRequest = options.pullRequest ?? pullRequestOfEvent(env, readText);
  return { apiUrl: base, graphqlUrl, owner: match[1]!, repo: match[2]!, pullRequest, token };
}

/** GitHub Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql; github.com at / and /graphql. */
function graphqlOf(base: URL): URL {
  const url = new URL(base.href);
  const path = base.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/v3') ? `${path.slice(0, -'/v3'.length)}/graphql` : `${path}/graphql`;
  return url;
}

function pullRequestOfEvent(env: NodeJS.ProcessEnv, readText: (path: string) => string): number {
  const hint = 'pass --pull-request N, or run on a pull_request event';
  const path = env.GITHUB_EVENT_PATH;
  if (!path) throw new UserError('no pull request to comment on: --pull-request was not given and GITHUB_EVENT_PATH is not set', { hint });
  let event: unknown;
  try {
    event = JSON.parse(readText(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read the event file GITHUB_EVENT_PATH=${path}: ${code === 'ENOENT' ? 'no such file' : code ?? 'it is not JSON'}`, { hint });
  }
  const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined);
  const root = record(event);
  // pull_request and pull_request_target events carry pull_request.number; comments on a pull
  // request (issue_comment) carry issue.number with an issue.pull_request object.
  const number = record(root?.pull_request)?.number ?? (record(record(root?.issue)?.pull_request) ? record(root?.issue)?.number : undefined);
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw new UserError(`the event in GITHUB_EVENT_PATH is not about a pull request (no pull_request.number)`, { hint });
  }
  return number;
}

interface RestComment { id: number; node_id?: string; body?: string | null; html_url?: string; user?: { login?: unknown } | null }

/** The author of a REST comment: its login, null for a deleted account ("ghost"), undefined when not given. */
function authorOf(comment: RestComment): string | null | undefined {
  if (!('user' in comment)) return undefined;
  const login = comment.user?.login;
  return typeof login === 'string' ? login : null;
}

const isRestComment = (value: unknown): value is RestComment => typeof value === 'object' && value !== null && typeof (value as RestComment).id === 'number';

function githubMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { message, errors } = json as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.map((e) => (typeof e === 'string' ? e : typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : '')).filter(Boolean)
    : [];
  const text = [typeof message === 'string' ? message : '', ...details].filter(Boolean).join(': ');
  return text || undefined;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function createGitHubClient(target: GitHubTarget): Promise<ForgeClient> {
  const http = await createForgeHttp({
    forge: 'GitHub',
    headers: { authorization: `Bearer ${target.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    token: target.token,
    origins: [...new Set([target.apiUrl.origin, target.graphqlUrl.origin])],
    errorMessage: githubMessage,
  });
  const repoPath = `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
  const commentsUrl = apiUrl(target.apiUrl, `${repoPath}/issues/${target.pullRequest}/comments`);

  async function list(): Promise<ExistingComment[]> {
    const comments: ExistingComment[] = [];
    let url: URL | null = apiUrl(target.apiUrl, `${repoPath}/issues/${target.pullRequest}/comments`, { per_page: PER_PAGE });
    for (let page = 0; url !== null; page++) {
      if (page >= 1000) throw new ForgeError('GitHub: more than 1,000 pages of comments; stopping', 0);
      const answer = await http.send('GET', url);
      if (!Array.isArray(answer.json)) throw new ForgeError(`GitHub answered GET ${url.pathname} with something other than a list of comments`, answer.status);
      for (const comment of answer.json) {
        if (!isRestComment(comment)) continue;
        const author = authorOf(comment);
        comments.push({ id: String(comment.id), ...(comment.node_id ? { nodeId: comment.node_id } : {}), body: comment.body ?? '', ...(author === undefined ? {} : { author }) });
      }
      const next = nextLink(answer.headers.link);
      url = next === null ? null : new URL(next, url);
    }
    return comments;
  }

  /**
   * Who the token is: GraphQL's viewer (an Actions GITHUB_TOKEN is github-actions[bot]), else
   * REST's /user (a personal token); null when neither says.
   */
  async function identity(): Promise<string | null> {
    try {
      const answer = await http.send('POST', target.graphqlUrl, { query: 'query { viewer { login } }' });
      const login = (answer.json as { data?: { viewer?: { login?: unknown } | null } | null } | null)?.data?.viewer?.login;
      if (typeof login === 'string' && login !== '') return login;
    } catch (error) {
      if (!(error instanceof ForgeError)) throw error;
    }
    try {
      const answer = await http.send('GET', apiUrl(target.apiUrl, '/user'));
      const login = (answer.json as { login?: unknown } | null)?.login;
      if (typeof login === 'string' && login !== '') return login;
    } catch (error) {
      if (!(error instanceof ForgeError)) throw error;
    }
    return null;
  }

  async function create(body: string): Promise<{ id: string; url: string | null }> {
    const answer = await http.send('POST', commentsUrl, { body });
    const created = isRestComment(answer.json) ? answer.json : null;
    return { id: created ? String(created.id) : '', url: created?.html_url ?? null };
  }

  async function update(id: string, body: string): Promise<void> {
    await http.send('PATCH', apiUrl(target.apiUrl, `${repoPath}/issues/comments/${encodeURIComponent(id)}`), { body });
  }

  async function remove(id: string): Promise<void> {
    await http.send('DELETE', apiUrl(target.apiUrl, `${repoPath}/issues/comments/${encodeURIComponent(id)}`));
  }

  async function minimize(comment: ExistingComment): Promise<void> {
    if (!comment.nodeId) return;
    const answer = await http.send('POST', target.graphqlUrl, {
      query: 'mutation($id: ID!) { minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized } } }',
      variables: { id: comment.nodeId },
    });
    // GraphQL reports refusals in `errors` with a 200; FORBIDDEN and NOT_FOUND mean what a 403 and 404 mean.
    const errors = (answer.json as { errors?: { type?: string; message?: string }[] } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const type = errors[0]?.type;
      const status = type === 'FORBIDDEN' ? 403 : type === 'NOT_FOUND' ? 404 : 400;
      throw new ForgeError(http.scrub(`GitHub refused to minimize comment ${comment.id}: ${errors.map((e) => e.message ?? e.type ?? 'error').join('; ')}`), status);
    }
  }

  return {
    forge: 'GitHub',
    limit: GITHUB_COMMENT_LIMIT,
    target: `pull request #${target.pullRequest} of ${target.owner}/${target.repo}`,
    minimizes: true,
    // Only a GitHub App posts as name[bot]; no pull request author can.
    presumedOwn: (author) => /\[bot\]$/i.test(author),
    identity,
    list, create, update, remove, minimize,
    close: () => http.close(),
  };
}
