/**
 * A stand-in for the parts of GitHub's API that `purgeplan comment github` uses, for tests. It
 * listens on 127.0.0.1 (port 0) and speaks the REST shapes of docs.github.com:
 *   GET    /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=   (Link header pages)
 *   POST   /repos/{owner}/{repo}/issues/{number}/comments                  {body} -> 201
 *   PATCH  /repos/{owner}/{repo}/issues/comments/{id}                      {body} -> 200
 *   DELETE /repos/{owner}/{repo}/issues/comments/{id}                      -> 204
 *   POST   /graphql  minimizeComment(input: {subjectId, classifier})       -> data or errors[]
 *   POST   /graphql  query { viewer { login } }                            -> the token's login
 *   GET    /user                                                           -> 403 to an app's token (…[bot]), else {login}
 * It enforces the comment limit (422 "Body is too long (maximum is 65536 characters)", counted in
 * code points), answers 401 "Bad credentials" to unknown tokens, 403 "Resource not accessible by
 * integration" to read-only tokens on writes (a fork's GITHUB_TOKEN), 404 to unknown repositories
 * and pull requests, and records every request. Only Node built-ins.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_LIMIT = 65_536;

export interface GitHubComment {
  id: number;
  node_id: string;
  body: string;
  user: { login: string };
  created_at: string;
  minimized: string | null;
}

export interface GitHubRequest {
  method: string; path: string; authorization: string | undefined; userAgent: string | undefined; body: unknown;
  /** When it arrived: ms on the stand-in's monotonic clock (performance.now()). */
  at: number;
}

/** A fault with GitHub's own message and headers (a secondary rate limit: 403, retry-after). */
export interface GitHubFault { readonly status: number; readonly message?: string; readonly headers?: Readonly<Record<string, string>> }

export interface GitHubStandinOptions {
  /** Tokens that may read and write. */
  readonly tokens: readonly string[];
  /** Tokens that may only read (writes answer 403). */
  readonly readOnlyTokens?: readonly string[];
  readonly repository?: string;
  readonly pulls?: readonly number[];
  /** The most per_page honoured (GitHub: 100); smaller makes pagination cheap to test. */
  readonly maxPerPage?: number;
  /** Links pages under this origin instead of its own (to check the client never follows one elsewhere). */
  readonly linkBase?: string;
  /** The login each token posts as (default github-actions[bot], as an Actions GITHUB_TOKEN). */
  readonly logins?: Readonly<Record<string, string>>;
  /** False: GraphQL does not know `viewer` (to test the fallbacks). */
  readonly viewer?: boolean;
  /** Consulted first for every request: a status to answer instead (a 502 from a gateway, say). */
  readonly fault?: (request: GitHubRequest, seq: number) => number | GitHubFault | undefined;
}

export interface GitHubStandin {
  /** The REST base URL (GITHUB_API_URL). */
  readonly url: string;
  readonly graphqlUrl: string;
  readonly requests: GitHubRequest[];
  comments(pull: number): GitHubComment[];
  /** Adds a comment as another user, as if posted before the run. */
  seed(pull: number, body: string, login?: string): GitHubComment;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  const text = value === undefined ? '' : JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(text);
};
const docs = 'https://docs.github.com/rest';
const codePoints = (text: string) => [...text].length;

export async function startGitHubStandin(options: GitHubStandinOptions): Promise<GitHubStandin> {
  const repository = options.repository ?? 'octo/site';
  const pulls = new Map<number, GitHubComment[]>((options.pulls ?? [7]).map((n) => [n, []]));
  const maxPerPage = options.maxPerPage ?? 100;
  const requests: GitHubRequest[] = [];
  let nextId = 1000;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const byId = new Map<number, GitHubComment>();
  const make = (pull: number, body: string, login: string): GitHubComment => {
    const id = nextId++;
    const comment = { id, node_id: `IC_kwDO${id.toString(36)}`, body, user: { login }, created_at: new Date(clock += 1000).toISOString(), minimized: null };
    pulls.get(pull)!.push(comment);
    byId.set(id, comment);
    return comment;
  };
  const view = (base: string, c: GitHubComment) => ({
    id: c.id, node_id: c.node_id, body: c.body, user: c.user, created_at: c.created_at, updated_at: c.created_at,
    html_url: `${base}/${repository}/pull/${[...pulls].find(([, list]) => list.includes(c))?.[0]}#issuecomment-${c.id}`,
  });

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8').on('data', (chunk: string) => { raw += chunk; });
    request.on('end', () => {
      let body: unknown;
      try { body = raw === '' ? undefined : JSON.parse(raw); } catch { body = raw; }
      const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
      requests.push({ method: request.method ?? '', path: `${url.pathname}${url.search}`, authorization: request.headers.authorization, userAgent: request.headers['user-agent'], body, at: performance.now() });
      const base = `http://${request.headers.host}`;
      const fault = options.fault?.(requests[requests.length - 1]!, requests.length - 1);
      if (typeof fault === 'number') return json(response, fault, { message: fault === 404 ? 'Not Found' : 'Server Error' });
      if (fault !== undefined) return json(response, fault.status, { message: fault.message ?? 'Server Error', documentation_url: docs }, { ...fault.headers });
      // Authentication first, as GitHub does.
      const auth = /^(?:Bearer|token) (.+)$/.exec(request.headers.authorization ?? '');
      const token = auth?.[1];
      const writable = token !== undefined && options.tokens.includes(token);
      const readable = writable || (token !== undefined && (options.readOnlyTokens ?? []).includes(token));
      if (!readable) return json(response, 401, { message: 'Bad credentials', documentation_url: docs, status: '401' });
      if (!request.headers['user-agent']) return json(response, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header', status: '403' });
      const forbidden = () => json(response, 403, { message: 'Resource not accessible by integration', documentation_url: `${docs}/issues/comments#create-an-issue-comment`, status: '403' });
      const notFound = () => json(response, 404, { message: 'Not Found', documentation_url: docs, status: '404' });
      const tooLong = (text: unknown) => typeof text === 'string' && codePoints(text) > GITHUB_LIMIT;
      const invalid = () => json(response, 422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${GITHUB_LIMIT} characters)` }], documentation_url: `${docs}/issues/comments#create-an-issue-comment`, status: '422' });
      const bodyOf = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { body?: unknown }).body : undefined);

      const login = options.logins?.[token!] ?? 'github-actions[bot]';
      if (url.pathname === '/user' && request.method === 'GET') {
        return login.endsWith('[bot]') ? forbidden() : json(response, 200, { login, id: 1, type: 'User' });
      }
      if (url.pathname === '/graphql' && request.method === 'POST') {
        const { query, variables } = (body ?? {}) as { query?: string; variables?: { id?: string } };
        if (options.viewer !== false && typeof query === 'string' && /^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
          return json(response, 200, { data: { viewer: { login } } });
        }
        if (typeof query !== 'string' || !/minimizeComment\s*\(\s*input:\s*\{[^}]*classifier:\s*OUTDATED/.test(query) || !/subjectId:\s*\$id/.test(query)) {
          return json(response, 200, { errors: [{ message: 'this stand-in only knows minimizeComment(input: { subjectId: $id, classifier: OUTDATED })' }] });
        }
        if (!writable) return json(response, 200, { data: { minimizeComment: null }, errors: [{ type: 'FORBIDDEN', path: ['minimizeComment'], message: 'Resource not accessible by integration' }] });
        const comment = [...byId.values()].find((c) => c.node_id === variables?.id);
        if (!comment) return json(response, 200, { data: { minimizeComment: null }, errors: [{ type: 'NOT_FOUND', path: ['minimizeComment'], message: `Could not resolve to a node with the global id of '${variables?.id}'` }] });
        comment.minimized = 'OUTDATED';
        return json(response, 200, { data: { minimizeComment: { minimizedComment: { isMinimized: true } } } });
      }
      const repo = `/repos/${repository}`;
      const list = new RegExp(`^${repo}/issues/(\\d+)/comments$`).exec(url.pathname);
      if (list) {
        const comments = pulls.get(Number(list[1]));
        if (!comments) return notFound();
        if (request.method === 'GET') {
          const perPage = Math.min(maxPerPage, Number(url.searchParams.get('per_page') ?? 30) || 30);
          const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
          const last = Math.max(1, Math.ceil(comments.length / perPage));
          const link = (n: number) => `<${options.linkBase ?? base}${repo}/issues/${list[1]}/comments?per_page=${perPage}&page=${n}>`;
          const links = [page < last ? `${link(page + 1)}; rel="next"` : '', page < last ? `${link(last)}; rel="last"` : '', page > 1 ? `${link(1)}; rel="first"` : '', page > 1 ? `${link(page - 1)}; rel="prev"` : ''].filter(Boolean);
          return json(response, 200, comments.slice((page - 1) * perPage, page * perPage).map((c) => view(base, c)), links.length ? { link: links.join(', ') } : {});
        }
        if (request.method === 'POST') {
          if (!writable) return forbidden();
          const text = bodyOf(body);
          if (typeof text !== 'string') return json(response, 422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
          if (tooLong(text)) return invalid();
          return json(response, 201, view(base, make(Number(list[1]), text, login)));
        }
        return json(response, 404, { message: 'Not Found' });
      }
      const one = new RegExp(`^${repo}/issues/comments/(\\d+)$`).exec(url.pathname);
      if (one) {
        const comment = byId.get(Number(one[1]));
        if (!comment) return notFound();
        if (request.method === 'GET') return json(response, 200, view(base, comment));
        if (!writable) return forbidden();
        if (request.method === 'PATCH') {
          const text = bodyOf(body);
          if (typeof text !== 'string') return json(response, 422, { message: 'Invalid request.', status: '422' });
          if (tooLong(text)) return invalid();
          comment.body = text;
          return json(response, 200, view(base, comment));
        }
        if (request.method === 'DELETE') {
          byId.delete(comment.id);
          for (const comments of pulls.values()) {
            const index = comments.indexOf(comment);
            if (index >= 0) comments.splice(index, 1);
          }
          response.writeHead(204).end();
          return undefined;
        }
      }
      return notFound();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    requests,
    comments: (pull) => pulls.get(pull) ?? [],
    seed: (pull, body, login = 'someone') => make(pull, body, login),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
