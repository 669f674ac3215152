// docs/ci.md, `purgeplan comment gitlab`: the built CLI against a loopback stand-in of GitLab's merge
// request notes API (test/support/gitlab-standin.ts), as a merge request pipeline runs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitLabStandin } from './support/gitlab-standin.js';
import { GITLAB_TOKEN, assertNoStack, assertNoToken, largeConfig, smallConfig } from './support/comment-fixtures.js';
import { withGitLab } from './support/forge-world.js';

const MARKER = '<!-- purgeplan:purge.yaml -->';

const writes = (standin: GitLabStandin) => standin.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

describe('comment gitlab', () => {
  it('creates the note, then updates the same note in place; the token goes in PRIVATE-TOKEN', async () => {
    await withGitLab({}, smallConfig(3), async ({ site, standin, run }) => {
      const first = await run(['--all']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(standin.notes(3).length, 1);
      const id = standin.notes(3)[0]!.id;
      assert.ok(standin.notes(3)[0]!.body.startsWith(`${MARKER}\n### purgeplan plan\n`));
      assert.match(first.stderr, /Posted the plan on merge request !3 of project 42: 1 comment created\./);
      site.write('purge.yaml', smallConfig(6));
      assert.equal((await run(['--all'])).code, 0);
      assert.equal(standin.notes(3).length, 1);
      assert.equal(standin.notes(3)[0]!.id, id);
      assert.match(standin.notes(3)[0]!.body, /\| posts \| www \| new \| 6 \|/);
      assert.deepEqual(writes(standin), ['POST /api/v4/projects/42/merge_requests/3/notes', `PUT /api/v4/projects/42/merge_requests/3/notes/${id}`]);
      for (const request of standin.requests) {
        assert.equal(request.privateToken, GITLAB_TOKEN);
        assert.equal(request.authorization, undefined);
      }
    });
  });

  it('a project given by path is URL-encoded; --merge-request wins over CI_MERGE_REQUEST_IID', async () => {
    await withGitLab({ mergeRequests: [3, 5] }, smallConfig(), async ({ standin, run }) => {
      const result = await run(['--all', '--merge-request', '5'], { CI_PROJECT_ID: 'group/site' });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.notes(5).length, 1);
      assert.ok(standin.requests.every((r) => r.path.startsWith('/api/v4/projects/group%2Fsite/merge_requests/5/notes')));
    });
  });

  it('lists every page, oldest first, skipping system notes, and edits the note it finds', async () => {
    await withGitLab({ maxPerPage: 4 }, smallConfig(), async ({ standin, run }) => {
      standin.seed(3, `${MARKER}\nfirst plan`, { username: 'purgeplan-bot' });
      for (let i = 0; i < 9; i++) standin.seed(3, `added commit ${i}`, { system: true });
      standin.seed(3, `${MARKER}\nlatest plan`, { username: 'purgeplan-bot' });
      for (let i = 0; i < 5; i++) standin.seed(3, `review ${i}`);
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      const lists = standin.requests.filter((r) => r.method === 'GET' && r.path.includes('/notes')).map((r) => new URL(r.path, 'http://x').searchParams);
      assert.deepEqual(lists.map((q) => q.get('page')), ['1', '2', '3', '4']);
      assert.ok(lists.every((q) => q.get('sort') === 'asc' && q.get('order_by') === 'created_at'));
      assert.equal(standin.notes(3)[0]!.body, `${MARKER}\nfirst plan`, 'the older run is left alone');
      assert.match(standin.notes(3)[10]!.body, /### purgeplan plan/, 'the latest run is edited');
      assert.deepEqual(writes(standin).map((w) => w.split(' ')[0]), ['PUT']);
    });
  });

  it('--behavior new adds a note; hide-and-new folds older plans and marks them outdated', async () => {
    await withGitLab({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      assert.equal((await run(['--all', '--behavior', 'new'])).code, 0);
      assert.equal(standin.notes(3).length, 2);
      const hidden = await run(['--all', '--behavior', 'hide-and-new']);
      assert.equal(hidden.code, 0, hidden.stderr);
      const notes = standin.notes(3);
      assert.equal(notes.length, 3);
      for (const old of notes.slice(0, 2)) {
        assert.match(old.body, /^<!-- purgeplan:purge\.yaml \(outdated\) -->\n> \*\*Outdated:\*\* a newer purgeplan plan is posted below\.\n\n<details><summary>Outdated plan<\/summary>\n\n### purgeplan plan\n/);
        assert.ok(old.body.endsWith('\n\n</details>'));
      }
      assert.ok(notes[2]!.body.startsWith(`${MARKER}\n`));
      assert.match(hidden.stderr, /2 older comments marked outdated, 1 comment created/);
    });
  });

  it('--skip-no-changes: nothing due edits the existing note to say so; without one, nothing is posted', async () => {
    await withGitLab({}, smallConfig(), async ({ site, standin, run }) => {
      site.initGit();
      site.commit('initial');
      assert.equal((await run(['--base', 'HEAD', '--skip-no-changes'])).code, 0);
      assert.equal(standin.notes(3).length, 0);
      assert.equal((await run(['--all'])).code, 0);
      assert.equal((await run(['--base', 'HEAD', '--skip-no-changes'])).code, 0);
      assert.equal(standin.notes(3).length, 1);
      assert.match(standin.notes(3)[0]!.body, /No purges planned/);
    });
  });

  it('a plan over 1,000,000 characters is split into numbered notes under the limit', async () => {
    await withGitLab({}, largeConfig(500), async ({ standin, run }) => {
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      const notes = standin.notes(3);
      assert.equal(notes.length, 2);
      notes.forEach((note, i) => {
        assert.ok([...note.body].length <= 1_000_000);
        assert.ok(note.body.startsWith(`${MARKER}\n_purgeplan plan, part ${i + 1} of 2_\n\n`));
      });
    });
  });

  it('403 on posting: a warning, exit 0; 401: exit 1 with GitLab\'s message', async () => {
    await withGitLab({ readOnlyTokens: ['glpat-readonly-0123'] }, smallConfig(), async ({ standin, run }) => {
      const refused = await run(['--all'], { GITLAB_TOKEN: 'glpat-readonly-0123' });
      assert.equal(refused.code, 0, refused.stderr);
      assert.match(refused.stderr, /^warning: GitLab answered 403 to POST \/api\/v4\/projects\/42\/merge_requests\/3\/notes: 403 Forbidden/m);
      assert.equal(standin.notes(3).length, 0);
      const bad = await run(['--all'], { GITLAB_TOKEN: 'glpat-wrong' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /error: GitLab answered 401 to GET \/api\/v4\/projects\/42\/merge_requests\/3\/notes: 401 Unauthorized/);
      assertNoToken('glpat-wrong', bad);
      assertNoToken('glpat-readonly-0123', refused);
      assertNoStack(bad);
    });
  });

  it('the stand-in holds GitLab\'s limit: a note over 1,000,000 characters is a 400', async () => {
    await withGitLab({}, smallConfig(), async ({ standin }) => {
      const post = (body: string) => fetch(`${standin.url}/projects/42/merge_requests/3/notes`, { method: 'POST', headers: { 'private-token': GITLAB_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify({ body }) });
      assert.equal((await post('x'.repeat(1_000_000))).status, 201);
      const refused = await post('x'.repeat(1_000_001));
      assert.equal(refused.status, 400);
      assert.match(JSON.stringify(await refused.json()), /is too long \(maximum is 1000000 characters\)/);
    });
  });

  it('each missing variable is named; nothing is sent', async () => {
    await withGitLab({}, smallConfig(), async ({ standin, run }) => {
      const cases: [NodeJS.ProcessEnv, RegExp][] = [
        [{ GITLAB_TOKEN: undefined }, /error: GITLAB_TOKEN is not set/],
        [{ CI_API_V4_URL: undefined }, /error: CI_API_V4_URL is not set/],
        [{ CI_PROJECT_ID: undefined }, /error: CI_PROJECT_ID is not set/],
        [{ CI_MERGE_REQUEST_IID: undefined }, /error: no merge request to comment on: --merge-request was not given and CI_MERGE_REQUEST_IID is not set/],
        [{ CI_MERGE_REQUEST_IID: 'abc' }, /error: CI_MERGE_REQUEST_IID "abc" is not a merge request number/],
        [{ CI_API_V4_URL: 'http://gitlab.example.com/api/v4' }, /error: refusing plain http CI_API_V4_URL/],
      ];
      for (const [env, message] of cases) {
        const result = await run(['--all'], env);
        assert.equal(result.code, 1, `${JSON.stringify(env)}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assertNoStack(result);
      }
      assert.equal(standin.requests.length, 0);
    });
  });
});
