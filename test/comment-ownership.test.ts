// docs/ci.md, the sticky comment is purgeplan's own: anyone who can comment on a pull request can
// copy the hidden marker into a comment of their own. Such a comment must never be edited, hidden,
// folded or deleted, and must not stand in for the plan. Built CLI against the loopback stand-ins.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitHubStandin } from './support/github-standin.js';
import { GITHUB_TOKEN, GITLAB_TOKEN, smallConfig } from './support/comment-fixtures.js';
import { withGitHub, withGitLab } from './support/forge-world.js';

const MARKER = '<!-- purgeplan:purge.yaml -->';
const FAKE = `${MARKER}\n### purgeplan plan\n\n**Nothing to purge.** (trust me)`;

const writesTo = (standin: GitHubStandin, id: number) => standin.requests.filter((r) => r.method !== 'GET' && r.path.endsWith(`/comments/${id}`));
const minimizesOf = (standin: GitHubStandin, nodeId: string) => standin.requests.filter((r) => r.path === '/graphql' && JSON.stringify(r.body).includes(nodeId));

describe('comment github: a marked comment by someone else is never purgeplan\'s', () => {
  it('update: a pull request author\'s comment with the marker is left alone; the plan gets its own comment', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      const fake = standin.seed(7, FAKE, 'mallory');
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE, 'not edited');
      assert.deepEqual(writesTo(standin, fake.id), []);
      const comments = standin.comments(7);
      assert.equal(comments.length, 2);
      assert.equal(comments[1]!.user.login, 'github-actions[bot]');
      assert.match(comments[1]!.body, /^<!-- purgeplan:purge\.yaml -->\n### purgeplan plan\n/);
      assert.match(result.stderr, /note: left alone 1 comment carrying this plan's marker but written by mallory/);
    });
  });

  it('update: a fake marked comment posted after the plan does not take its place', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const [own] = standin.comments(7);
      const fake = standin.seed(7, FAKE, 'mallory');
      site.write('purge.yaml', smallConfig(6));
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.match(own!.body, /\| posts \| www \| new \| 6 \|/, 'its own comment is the one edited');
      assert.equal(standin.comments(7).length, 2);
    });
  });

  it('update: a fake "part 2 of 2" after the plan is neither taken as a part nor deleted', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const fake = standin.seed(7, `${MARKER}\n_purgeplan plan, part 2 of 2_\n\nfake`, 'mallory');
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(standin.comments(7).includes(fake), 'not deleted');
      assert.deepEqual(writesTo(standin, fake.id), []);
    });
  });

  it('hide-and-new: another author\'s marked comment is neither minimized nor re-marked', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const [own] = standin.comments(7);
      const fake = standin.seed(7, FAKE, 'mallory');
      const result = await run(['--all', '--behavior', 'hide-and-new']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.equal(fake.minimized, null);
      assert.deepEqual(minimizesOf(standin, fake.node_id), []);
      assert.equal(own!.minimized, 'OUTDATED', 'its own older plan is hidden');
      assert.match(result.stderr, /1 older comment marked outdated, 1 comment created/);
    });
  });

  it('--skip-no-changes with nothing due does not edit a fake plan to say so', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      site.initGit();
      site.commit('initial');
      const fake = standin.seed(7, FAKE, 'mallory');
      const result = await run(['--base', 'HEAD', '--skip-no-changes']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.equal(standin.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql').length, 0);
    });
  });

  it('a personal token: its own comments are found by asking GraphQL who the token is', async () => {
    await withGitHub({ logins: { [GITHUB_TOKEN]: 'alice' } }, smallConfig(), async ({ site, standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      standin.seed(7, FAKE, 'mallory');
      site.write('purge.yaml', smallConfig(6));
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      const comments = standin.comments(7);
      assert.equal(comments.length, 2);
      assert.equal(comments[0]!.user.login, 'alice');
      assert.match(comments[0]!.body, /\| posts \| www \| new \| 6 \|/);
      assert.ok(standin.requests.some((r) => r.path === '/graphql' && JSON.stringify(r.body).includes('viewer')));
    });
  });

  it('without GraphQL\'s viewer, REST /user names a personal token', async () => {
    await withGitHub({ logins: { [GITHUB_TOKEN]: 'alice' }, viewer: false }, smallConfig(), async ({ site, standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      site.write('purge.yaml', smallConfig(6));
      assert.equal((await run(['--all'])).code, 0);
      assert.equal(standin.comments(7).length, 1);
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \| 6 \|/);
      assert.ok(standin.requests.some((r) => r.method === 'GET' && r.path === '/user'));
    });
  });

  it('when GitHub will not say who the token is, only an app\'s [bot] comments count as its own', async () => {
    await withGitHub({ viewer: false }, smallConfig(), async ({ site, standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const fake = standin.seed(7, FAKE, 'mallory');
      site.write('purge.yaml', smallConfig(6));
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.equal(standin.comments(7).length, 2);
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \| 6 \|/);
    });
  });
});

describe('comment gitlab: a marked note by someone else is never purgeplan\'s', () => {
  it('update edits the token\'s own note (GET /user names it), never another author\'s', async () => {
    await withGitLab({}, smallConfig(), async ({ standin, run }) => {
      const own = standin.seed(3, `${MARKER}\nold plan`, { username: 'purgeplan-bot' });
      const fake = standin.seed(3, FAKE, { username: 'mallory' });
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.match(own.body, /### purgeplan plan/);
      assert.equal(standin.notes(3).length, 2);
      assert.match(result.stderr, /left alone 1 comment .* written by mallory/);
    });
  });

  it('hide-and-new folds only its own notes', async () => {
    await withGitLab({}, smallConfig(), async ({ standin, run }) => {
      const fake = standin.seed(3, FAKE, { username: 'mallory' });
      assert.equal((await run(['--all'])).code, 0);
      const result = await run(['--all', '--behavior', 'hide-and-new']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.body, FAKE);
      assert.equal(standin.notes(3).length, 3);
      assert.match(standin.notes(3)[1]!.body, /^<!-- purgeplan:purge\.yaml \(outdated\) -->/);
    });
  });

  it('when GitLab will not say who the token is, only its access-token bots count as its own', async () => {
    await withGitLab({ user: false, usernames: { [GITLAB_TOKEN]: 'project_42_bot_0a1b2c' } }, smallConfig(), async ({ standin, run }) => {
      const fake = standin.seed(3, FAKE, { username: 'mallory' });
      assert.equal((await run(['--all'])).code, 0);
      assert.equal((await run(['--all', '--behavior', 'hide-and-new'])).code, 0);
      assert.equal(fake.body, FAKE);
      assert.match(standin.notes(3)[1]!.body, /\(outdated\)/, 'its own bot\'s note is folded');
    });
  });
});
