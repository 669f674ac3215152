/**
 * A stand-in for GitLab's merge request notes API (REST v4), for `purgeplan comment gitlab` tests.
 * It listens on 127.0.0.1 (port 0) under /api/v4 and speaks the shapes of docs.gitlab.com/api/notes:
 *   GET    /projects/:id/merge_requests/:iid/notes?sort=&order_by=&per_page=&page=
 *          (default order: created_at desc, as GitLab's; x-page, x-per-page, x-next-page (empty on
 *          the last page), x-prev-page, x-total, x-total-pages and Link headers)
 *   POST   /projects/:id/merge_requests/:iid/notes           {body} -> 201
 *   PUT    /projects/:id/merge_requests/:iid/notes/:note_id  {body} -> 200
 *   DELETE /projects/:id/merge_requests/:iid/notes/:note_id  -> 204
 *   GET    /user                                             -> the token's user {id, username}
 * Tokens come in PRIVATE-TOKEN; unknown -> 401 {"message":"401 Unauthorized"}, read-only writes ->
 * 403 {"message":"403 Forbidden"}. A note over 1,000,000 characters -> 400
 * {"message":"Note {:note=>[\"is too long (maximum is 1000000 characters)\"]}"}. `:id` is the
 * numeric id or the URL-encoded path. Every request is recorded. Only Node built-ins.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITLAB_LIMIT = 1_000_000;

export interface GitLabNote { id: number; body: string; system: boolean; author: { username: string }; created_at: string }
export interface GitLabRequest { method: string; path: string; privateToken: string | undefined; authorization: string | undefined; body: unknown }

export interface GitLabStandinOptions {
  readonly tokens: readonly string[];
  readonly readOnlyTokens?: readonly string[];
  /** The project's numeric id and its path. */
  readonly project?: { readonly id: number; readonly path: string };
  readonly mergeRequests?: readonly number[];
  readonly maxPerPage?: number;
  /** The username each token posts as (default purgeplan-bot). */
  readonly usernames?: Readonly<Record<string, string>>;
  /** False: GET /user answers 404 (to test the fallback). */
  readonly user?: boolean;
}

export interface GitLabStandin {
  /** CI_API_V4_URL. */
  readonly url: string;
  readonly requests: GitLabRequest[];
  /** The notes of a merge request, oldest first. */
  notes(iid: number): GitLabNote[];
  seed(iid: number, body: string, options?: { system?: boolean; username?: string }): GitLabNote;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
};

export async function startGitLabStandin(options: GitLabStandinOptions): Promise<GitLabStandin> {
  const project = options.project ?? { id: 42, path: 'group/site' };
  const mergeRequests = new Map<number, GitLabNote[]>((options.mergeRequests ?? [3]).map((n) => [n, []]));
  const maxPerPage = options.maxPerPage ?? 100;
  const requests: GitLabRequest[] = [];
  let nextId = 500;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const make = (iid: number, body: string, system = false, username = 'purgeplan-bot'): GitLabNote => {
    const note = { id: nextId++, body, system, author: { username }, created_at: new Date(clock += 1000).toISOString() };
    mergeRequests.get(iid)!.push(note);
    return note;
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8').on('data', (chunk: string) => { raw += chunk; });
    request.on('end', () => {
      let body: unknown;
      try { body = raw === '' ? undefined : JSON.parse(raw); } catch { body = raw; }
      const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
      const privateToken = request.headers['private-token'] as string | undefined;
      requests.push({ method: request.method ?? '', path: `${url.pathname}${url.search}`, privateToken, authorization: request.headers.authorization, body });
      const writable = privateToken !== undefined && options.tokens.includes(privateToken);
      const readable = writable || (privateToken !== undefined && (options.readOnlyTokens ?? []).includes(privateToken));
      if (!readable) return json(response, 401, { message: '401 Unauthorized' });
      const username = options.usernames?.[privateToken!] ?? 'purgeplan-bot';
      if (url.pathname === '/api/v4/user' && request.method === 'GET') {
        return options.user === false ? json(response, 404, { error: '404 Not Found' }) : json(response, 200, { id: 7, username, name: username, state: 'active' });
      }
      // The path is matched raw: an encoded project path (group%2Fsite) stays one segment.
      const rawPath = (request.url ?? '/').split('?')[0]!;
      const match = /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(rawPath);
      if (!match) return json(response, 404, { error: '404 Not Found' });
      const projectId = decodeURIComponent(match[1]!);
      if (projectId !== String(project.id) && projectId !== project.path) return json(response, 404, { message: '404 Project Not Found' });
      const notes = mergeRequests.get(Number(match[2]));
      if (!notes) return json(response, 404, { message: '404 Not found' });
      const text = typeof body === 'object' && body !== null ? (body as { body?: unknown }).body : undefined;
      const tooLong = () => json(response, 400, { message: `Note {:note=>["is too long (maximum is ${GITLAB_LIMIT} characters)"]}` });
      if (match[3] === undefined) {
        if (request.method === 'GET') {
          const ascending = url.searchParams.get('sort') === 'asc';
          const ordered = ascending ? [...notes] : [...notes].reverse();
          const perPage = Math.min(maxPerPage, Number(url.searchParams.get('per_page') ?? 20) || 20);
          const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
          const totalPages = Math.max(1, Math.ceil(ordered.length / perPage));
          const link = (n: number, rel: string) => {
            const target = new URL(url.href);
            target.searchParams.set('page', String(n));
            target.searchParams.set('per_page', String(perPage));
            return `<${target.href}>; rel="${rel}"`;
          };
          return json(response, 200, ordered.slice((page - 1) * perPage, page * perPage), {
            'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(ordered.length), 'x-total-pages': String(totalPages),
            'x-next-page': page < totalPages ? String(page + 1) : '', 'x-prev-page': page > 1 ? String(page - 1) : '',
            link: [page < totalPages ? link(page + 1, 'next') : '', page > 1 ? link(page - 1, 'prev') : '', link(1, 'first'), link(totalPages, 'last')].filter(Boolean).join(', '),
          });
        }
        if (request.method === 'POST') {
          if (!writable) return json(response, 403, { message: '403 Forbidden' });
          if (typeof text !== 'string' || text === '') return json(response, 400, { error: 'body is missing' });
          if ([...text].length > GITLAB_LIMIT) return tooLong();
          return json(response, 201, make(Number(match[2]), text, false, username));
        }
        return json(response, 405, { error: '405 Method Not Allowed' });
      }
      const note = notes.find((n) => n.id === Number(match[3]));
      if (!note) return json(response, 404, { message: '404 Note Not Found' });
      if (!writable) return json(response, 403, { message: '403 Forbidden' });
      if (request.method === 'PUT') {
        if (typeof text !== 'string') return json(response, 400, { error: 'body is missing' });
        if ([...text].length > GITLAB_LIMIT) return tooLong();
        note.body = text;
        return json(response, 200, note);
      }
      if (request.method === 'DELETE') {
        notes.splice(notes.indexOf(note), 1);
        response.writeHead(204).end();
        return undefined;
      }
      return json(response, 405, { error: '405 Method Not Allowed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v4`,
    requests,
    notes: (iid) => mergeRequests.get(iid) ?? [],
    seed: (iid, body, seedOptions = {}) => make(iid, body, seedOptions.system ?? false, seedOptions.username ?? 'someone'),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
