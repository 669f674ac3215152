// GitLab: the merge request's notes over REST v4 (docs/ci.md): GET/POST
// /projects/:id/merge_requests/:iid/notes (pages by the x-next-page header), PUT/DELETE
// /projects/:id/merge_requests/:iid/notes/:note_id. GitLab cannot minimize a note, so older plans
// are folded instead (see sticky.ts `foldOutdated`).
import { UserError } from '../errors.js';
import { apiUrl, createForgeHttp, ForgeError, parseForgeUrl, requireToken } from './http.js';
import type { ExistingComment } from './sticky.js';
import type { ForgeClient } from './types.js';

/** GitLab refuses longer notes: 400 "Note {:note=>["is too long (maximum is 1000000 characters)"]}". */
const GITLAB_NOTE_LIMIT = 1_000_000;
const PER_PAGE = '100';

export interface GitLabOptions {
  readonly tokenEnv?: string;
  readonly mergeRequest?: number;
}

export interface GitLabTarget {
  readonly apiUrl: URL;
  readonly project: string;
  readonly mergeRequest: number;
  readonly token: string;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export function gitlabTarget(env: NodeJS.ProcessEnv, options: GitLabOptions): GitLabTarget {
  const tokenEnv = options.tokenEnv ?? 'GITLAB_TOKEN';
  const token = requireToken(env, tokenEnv, `a project access token with the api scope, in a masked CI/CD variable named ${tokenEnv}`);
  if (!env.CI_API_V4_URL) throw new UserError('CI_API_V4_URL is not set: which GitLab API to post to?', { hint: 'GitLab CI sets it; elsewhere: CI_API_V4_URL=https://gitlab.com/api/v4' });
  const base = parseForgeUrl(env.CI_API_V4_URL, 'CI_API_V4_URL');
  const project = env.CI_PROJECT_ID;
  if (!project) throw new UserError('CI_PROJECT_ID is not set: which project is the merge request in?', { hint: 'GitLab CI sets it; elsewhere: CI_PROJECT_ID=1234 (or group/project)' });
  let mergeRequest = options.mergeRequest;
  if (mergeRequest === undefined) {
    const iid = env.CI_MERGE_REQUEST_IID;
    if (!iid) throw new UserError('no merge request to comment on: --merge-request was not given and CI_MERGE_REQUEST_IID is not set', { hint: 'run in a merge request pipeline (rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"), or pass --merge-request N' });
    if (!/^\d+$/.test(iid) || Number(iid) < 1) throw new UserError(`CI_MERGE_REQUEST_IID "${iid}" is not a merge request number`);
    mergeRequest = Number(iid);
  }
  return { apiUrl: base, project, mergeRequest, token };
}

interface RestNote { id: number; body?: string | null; system?: boolean; author?: { username?: unknown } | null }

const isRestNote = (value: unknown): value is RestNote => typeof value === 'object' && value !== null && typeof (value as RestNote).id === 'number';

/** GitLab's error bodies: `{"message": "401 Unauthorized"}`, `{"message": {"note": [...]}}`, `{"error": "..."}`. */
function gitlabMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { message, error } = json as { message?: unknown; error?: unknown };
  if (typeof message === 'string') return message;
  if (typeof message === 'object' && message !== null) return JSON.stringify(message);
  if (typeof error === 'string') return error;
  return undefined;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function createGitLabClient(target: GitLabTarget): Promise<ForgeClient> {
  const http = await createForgeHttp({
    forge: 'GitLab',
    headers: { 'private-token': target.token, accept: 'application/json' },
    token: target.token,
    origins: [target.apiUrl.origin],
    errorMessage: gitlabMessage,
  });
  const notesPath = `/projects/${encodeURIComponent(target.project)}/merge_requests/${target.mergeRequest}/notes`;
  const noteUrl = (id: string) => apiUrl(target.apiUrl, `${notesPath}/${encodeURIComponent(id)}`);

  async function list(): Promise<ExistingComment[]> {
    const notes: ExistingComment[] = [];
    let page: string | null = '1';
    for (let count = 0; page !== null; count++) {
      if (count >= 1000) throw new ForgeError('GitLab: more than 1,000 pages of notes; stopping', 0);
      const url = apiUrl(target.apiUrl, notesPath, { sort: 'asc', order_by: 'created_at', per_page: PER_PAGE, page });
      const answer = await http.send('GET', url);
      if (!Array.isArray(answer.json)) throw new ForgeError(`GitLab answered GET ${url.pathname} with something other than a list of notes`, answer.status);
      for (const note of answer.json) {
        if (!isRestNote(note) || note.system) continue;
        const username = note.author?.username;
        const author = !('author' in note) ? undefined : typeof username === 'string' ? username : null;
        notes.push({ id: String(note.id), body: note.body ?? '', ...(author === undefined ? {} : { author }) });
      }
      // x-next-page is empty on the last page; it stays when x-total is left out (over 10,000 records).
      const next = (answer.headers['x-next-page'] ?? '').trim();
      page = /^\d+$/.test(next) && next !== page ? next : null;
    }
    return notes;
  }

  /** Who the token is (GET /user: a project access token's bot user, or a person); null when GitLab will not say. */
  async function identity(): Promise<string | null> {
    try {
      const answer = await http.send('GET', apiUrl(target.apiUrl, '/user'));
      const username = (answer.json as { username?: unknown } | null)?.username;
      return typeof username === 'string' && username !== '' ? username : null;
    } catch (error) {
      if (!(error instanceof ForgeError)) throw error;
      return null;
    }
  }

  async function create(body: string): Promise<{ id: string; url: string | null }> {
    const answer = await http.send('POST', apiUrl(target.apiUrl, notesPath), { body });
    return { id: isRestNote(answer.json) ? String(answer.json.id) : '', url: null };
  }

  async function update(id: string, body: string): Promise<void> {
    await http.send('PUT', noteUrl(id), { body });
  }

  async function remove(id: string): Promise<void> {
    await http.send('DELETE', noteUrl(id));
  }

  return {
    forge: 'GitLab',
    limit: GITLAB_NOTE_LIMIT,
    target: `merge request !${target.mergeRequest} of project ${target.project}`,
    minimizes: false,
    // The bot users GitLab makes for project and group access tokens: project_123_bot_<hex>.
    presumedOwn: (author) => /^(project|group)_\d+_bot(_[0-9a-f]+)?\d*$/.test(author),
    identity,
    list, create, update, remove,
    minimize: async () => undefined,
    close: () => http.close(),
  };
}
