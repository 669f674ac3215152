// docs/ci.md, `purgeplan comment github`: the built CLI against a loopback stand-in of GitHub's REST
// and GraphQL APIs (test/support/github-standin.ts), as a pull-request workflow runs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGitHubStandin } from './support/github-standin.js';
import type { GitHubStandin } from './support/github-standin.js';
import { Site } from './support/site.js';
import { GITHUB_TOKEN, assertNoStack, assertNoToken, largeConfig, smallConfig } from './support/comment-fixtures.js';
import { withGitHub } from './support/forge-world.js';

const MARKER = '<!-- purgeplan:purge.yaml -->';

const writes = (standin: GitHubStandin) => standin.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

describe('comment github: one sticky comment', () => {
  it('creates the comment, then updates the same comment in place', async () => {
    await withGitHub({}, smallConfig(3), async ({ site, standin, run }) => {
      const first = await run(['--all']);
      assert.equal(first.code, 0, first.stderr);
      const [comment] = standin.comments(7);
      assert.equal(standin.comments(7).length, 1);
      assert.ok(comment!.body.startsWith(`${MARKER}\n### purgeplan plan\n`));
      assert.match(comment!.body, /\| posts \| www \| new \| 3 \| ✅ \|/);
      assert.match(first.stdout, /^### purgeplan plan\n/, 'the whole markdown on stdout');
      assert.match(first.stderr, /Posted the plan on pull request #7 of octo\/site: 1 comment created\./);

      site.write('purge.yaml', smallConfig(5));
      const second = await run(['--all']);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(standin.comments(7).length, 1, 'still one comment');
      assert.equal(standin.comments(7)[0]!.id, comment!.id, 'the same comment');
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \| 5 \| ✅ \|/);
      assert.deepEqual(writes(standin), ['POST /repos/octo/site/issues/7/comments', `PATCH /repos/octo/site/issues/comments/${comment!.id}`]);
      assert.match(second.stderr, /1 comment updated/);

      const third = await run(['--all']);
      assert.equal(third.code, 0);
      assert.equal(writes(standin).length, 2, 'an unchanged plan is not re-sent');
      assert.match(third.stderr, /already up to date/);
    });
  });

  it('sends the token as a Bearer token with a User-Agent and GitHub\'s API version', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      for (const request of standin.requests) {
        assert.equal(request.authorization, `Bearer ${GITHUB_TOKEN}`);
        assert.equal(request.userAgent, 'purgeplan');
      }
    });
  });

  it('--tag keeps one comment per configuration; each run edits only its own', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      site.write('shop.yaml', smallConfig(2));
      assert.equal((await run(['--all'])).code, 0);
      assert.equal((await run(['--all', '-c', 'shop.yaml'])).code, 0);
      assert.equal((await run(['--all', '-c', 'shop.yaml', '--tag', 'shop'])).code, 0);
      const markers = standin.comments(7).map((c) => c.body.split('\n')[0]);
      assert.deepEqual(markers, [MARKER, '<!-- purgeplan:shop.yaml -->', '<!-- purgeplan:shop -->']);
      site.write('shop.yaml', smallConfig(4));
      assert.equal((await run(['--all', '-c', 'shop.yaml', '--tag', 'shop'])).code, 0);
      assert.equal(standin.comments(7).length, 3);
      assert.match(standin.comments(7)[2]!.body, /\| posts \| www \| new \| 4 \|/);
      assert.match(standin.comments(7)[1]!.body, /\| posts \| www \| new \| 2 \|/, 'the other tag\'s comment is untouched');
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \| 3 \|/);
    });
  });

  it('a tag that would break the hidden marker is refused before anything is sent', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      const result = await run(['--all', '--tag', 'a-->b']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--tag "a-->b"/);
      assert.equal(standin.requests.length, 0);
    });
  });
});

describe('comment github: --behavior', () => {
  it('new: a new comment every run', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all', '--behavior', 'new'])).code, 0);
      assert.equal((await run(['--all', '--behavior', 'new'])).code, 0);
      assert.equal(standin.comments(7).length, 2);
      assert.ok(standin.comments(7).every((c) => c.body.startsWith(MARKER)));
    });
  });

  it('hide-and-new: older plans minimized as OUTDATED and re-marked, then a new comment', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const hidden = await run(['--all', '--behavior', 'hide-and-new']);
      assert.equal(hidden.code, 0, hidden.stderr);
      const [old, latest] = standin.comments(7);
      assert.equal(old!.minimized, 'OUTDATED');
      assert.equal(old!.body.split('\n')[0], '<!-- purgeplan:purge.yaml (outdated) -->');
      assert.ok(latest!.body.startsWith(`${MARKER}\n`));
      assert.equal(latest!.minimized, null);
      assert.match(hidden.stderr, /1 older comment marked outdated, 1 comment created/);
      const graphql = standin.requests.filter((r) => r.path === '/graphql');
      assert.equal(graphql.length, 1);
      assert.deepEqual((graphql[0]!.body as { variables: unknown }).variables, { id: old!.node_id });

      // A third run hides only the plan of the second: the first is no longer matched.
      assert.equal((await run(['--all', '--behavior', 'hide-and-new'])).code, 0);
      assert.equal(standin.requests.filter((r) => r.path === '/graphql').length, 2);
      assert.deepEqual(standin.comments(7).map((c) => c.minimized), ['OUTDATED', 'OUTDATED', null]);
      // And update, afterwards, edits the live one.
      assert.equal((await run(['--all', '--behavior', 'update', '--group', 'posts'])).code, 0);
      assert.equal(standin.comments(7).length, 3);
      assert.match(standin.comments(7)[2]!.body, /forced/);
    });
  });

  it('an unknown behavior is refused with the choices', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      const result = await run(['--behavior', 'sticky']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /update, new or hide-and-new/);
      assert.equal(standin.requests.length, 0);
    });
  });
});

describe('comment github: --skip-no-changes', () => {
  function gitSite(site: Site): void {
    site.initGit();
    site.commit('initial');
  }

  it('nothing due and no comment yet: nothing posted', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      gitSite(site);
      const result = await run(['--base', 'HEAD', '--skip-no-changes']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.comments(7).length, 0);
      assert.deepEqual(writes(standin), []);
      assert.match(result.stderr, /Nothing is due: no comment posted/);
    });
  });

  it('nothing due with update: the existing comment is edited to say so; with new: nothing', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      gitSite(site);
      assert.equal((await run(['--all'])).code, 0);
      assert.equal((await run(['--base', 'HEAD', '--skip-no-changes', '--behavior', 'new'])).code, 0);
      assert.equal(standin.comments(7).length, 1);
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \|/);
      assert.equal((await run(['--base', 'HEAD', '--skip-no-changes'])).code, 0);
      assert.equal(standin.comments(7).length, 1);
      assert.match(standin.comments(7)[0]!.body, /No purges planned/);
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| unchanged \|/);
    });
  });

  it('without --skip-no-changes a plan with nothing due is still posted', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      gitSite(site);
      assert.equal((await run(['--base', 'HEAD'])).code, 0);
      assert.match(standin.comments(7)[0]!.body, /No purges planned/);
    });
  });
});

describe('comment github: long plans', () => {
  it('a plan over 65,536 characters: several parts, each under the limit, numbered, marked; the table in the first', async () => {
    await withGitHub({}, largeConfig(64), async ({ site, standin, run }) => {
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      const parts = standin.comments(7);
      assert.ok(result.stdout.length > 65_536 * 2, `the plan is ${result.stdout.length} characters`);
      assert.ok(parts.length >= 3 && parts.length <= 10, `${parts.length} parts`);
      parts.forEach((part, i) => {
        assert.ok([...part.body].length <= 65_536, `part ${i + 1}: ${part.body.length}`);
        assert.ok(part.body.startsWith(`${MARKER}\n_purgeplan plan, part ${i + 1} of ${parts.length}_\n\n`), `part ${i + 1} header`);
      });
      assert.match(parts[0]!.body, /\| Group \| Zone \| Status \| Items \| Due \|\n\|---\|---\|---\|--:\|:-:\|\n(\| section-\d{3} \|.*\n){64}/, 'the whole table in part 1');
      // Every item line of the job output is in exactly one part, in order.
      const items = (text: string) => text.split('\n').filter((line) => line.startsWith('  https://'));
      assert.deepEqual(parts.flatMap((p) => items(p.body)), items(result.stdout));
      assert.doesNotMatch(parts[parts.length - 1]!.body, /too long for 10 comments/);

      // A smaller plan later: the same first comment, the extra parts deleted.
      const firstId = parts[0]!.id;
      site.write('purge.yaml', smallConfig());
      assert.equal((await run(['--all'])).code, 0);
      assert.equal(standin.comments(7).length, 1);
      assert.equal(standin.comments(7)[0]!.id, firstId);
      assert.ok(standin.comments(7)[0]!.body.startsWith(`${MARKER}\n### purgeplan plan`));
    });
  });

  it('past 10 comments the plan is cut with a note; the step summary stops at 1 MiB with its own note', async () => {
    await withGitHub({}, largeConfig(500), async ({ site, standin, run }) => {
      site.write('summary.md', '## earlier step\n');
      const result = await run(['--all'], { GITHUB_STEP_SUMMARY: 'summary.md' });
      assert.equal(result.code, 0, result.stderr);
      const parts = standin.comments(7);
      assert.equal(parts.length, 10);
      for (const part of parts) assert.ok([...part.body].length <= 65_536);
      assert.match(parts[9]!.body, /> This plan is too long for 10 comments: the rest is cut here\. The whole plan is in the job's output and the run's step summary\.$/);
      assert.match(result.stderr, /cut after 10 comments/);
      const summary = site.read('summary.md');
      assert.ok(summary.startsWith('## earlier step\n### purgeplan plan\n'), 'appended after what was there');
      assert.ok(result.stdout.length > 1024 * 1024, 'the plan is longer than 1 MiB');
      assert.ok(Buffer.byteLength(summary) - '## earlier step\n'.length <= 1024 * 1024);
      assert.match(summary, /Cut at the step summary's 1 MiB limit: the whole plan is in the job's output\.\n$/);
    });
  });
});

describe('comment github: the step summary', () => {
  it('with GITHUB_STEP_SUMMARY set, the same markdown is appended to it', async () => {
    await withGitHub({}, smallConfig(), async ({ site, run }) => {
      site.write('summary.md', 'before\n');
      const result = await run(['--all'], { GITHUB_STEP_SUMMARY: 'summary.md' });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(site.read('summary.md'), `before\n${result.stdout}`);
      assertNoToken(GITHUB_TOKEN, site.read('summary.md'));
    });
  });
});

describe('comment github: refusals and failures', () => {
  it('a fork\'s read-only token (403): a warning, the summary still written, exit 0', async () => {
    await withGitHub({ tokens: [], readOnlyTokens: [GITHUB_TOKEN] }, smallConfig(), async ({ site, standin, run }) => {
      const result = await run(['--all'], { GITHUB_STEP_SUMMARY: 'summary.md' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^warning: GitHub answered 403 to POST \/repos\/octo\/site\/issues\/7\/comments: Resource not accessible by integration/m);
      assert.match(result.stderr, /fork/);
      assert.equal(standin.comments(7).length, 0);
      assert.match(site.read('summary.md'), /### purgeplan plan/);
      assertNoStack(result);
    });
  });

  it('a 404 on posting (the comment or pull request out of the token\'s reach) is a warning too', async () => {
    await withGitHub({ fault: (request) => (request.method === 'PATCH' ? 404 : undefined) }, smallConfig(), async ({ standin, run }) => {
      standin.seed(7, `${MARKER}\nold plan`, 'github-actions[bot]');
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^warning: GitHub answered 404 to PATCH \/repos\/octo\/site\/issues\/comments\/\d+/m);
      assert.equal(standin.comments(7)[0]!.body, `${MARKER}\nold plan`);
    });
  });

  it('hide-and-new with a read-only token: the refused minimize is a warning too', async () => {
    await withGitHub({ readOnlyTokens: ['ro-token'] }, smallConfig(), async ({ standin, run }) => {
      assert.equal((await run(['--all'])).code, 0);
      const result = await run(['--all', '--behavior', 'hide-and-new'], { GITHUB_TOKEN: 'ro-token' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^warning: GitHub refused to minimize comment \d+: Resource not accessible by integration/m);
      assert.equal(standin.comments(7).length, 1);
    });
  });

  it('a pull request that does not exist: listing fails, exit 1 with GitHub\'s message', async () => {
    await withGitHub({}, smallConfig(), async ({ run }) => {
      const result = await run(['--all', '--pull-request', '8']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: GitHub answered 404 to GET \/repos\/octo\/site\/issues\/8\/comments: Not Found/);
      assertNoStack(result);
    });
  });

  it('a bad token (401): exit 1 with "Bad credentials", the token never printed', async () => {
    await withGitHub({ tokens: ['another-token'] }, smallConfig(), async ({ run }) => {
      const result = await run(['--all']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: GitHub answered 401 to GET \/repos\/octo\/site\/issues\/7\/comments: Bad credentials/);
      assert.match(result.stderr, /hint: the GitHub token was refused/);
      assertNoStack(result);
    });
  });

  it('the stand-in holds GitHub\'s limit: 65,536 characters pass, one more is a 422 "Body is too long"', async () => {
    await withGitHub({}, smallConfig(), async ({ standin }) => {
      const post = (body: string) => fetch(`${standin.url}/repos/octo/site/issues/7/comments`, { method: 'POST', headers: { authorization: `Bearer ${GITHUB_TOKEN}`, 'user-agent': 'test' }, body: JSON.stringify({ body }) });
      assert.equal((await post('é'.repeat(65_536))).status, 201);
      const refused = await post('x'.repeat(65_537));
      assert.equal(refused.status, 422);
      assert.match(JSON.stringify(await refused.json()), /Body is too long \(maximum is 65536 characters\)/);
    });
  });

  it('nothing answering at GITHUB_API_URL: exit 1 naming the failure', async () => {
    await withGitHub({}, smallConfig(), async ({ run }) => {
      const result = await run(['--all'], { GITHUB_API_URL: 'http://127.0.0.1:9' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /GitHub did not answer GET \/repos\/octo\/site\/issues\/7\/comments/);
      assertNoStack(result);
    });
  });
});

describe('comment github: settings', () => {
  it('each missing variable is named; nothing is planned or sent', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      const cases: [NodeJS.ProcessEnv, RegExp][] = [
        [{ GITHUB_TOKEN: undefined }, /error: GITHUB_TOKEN is not set/],
        [{ GITHUB_TOKEN: '' }, /error: GITHUB_TOKEN is empty/],
        [{ GITHUB_REPOSITORY: undefined }, /error: GITHUB_REPOSITORY is not set/],
        [{ GITHUB_REPOSITORY: 'octo' }, /error: GITHUB_REPOSITORY "octo" is not owner\/repo/],
        [{ GITHUB_EVENT_PATH: undefined }, /error: no pull request to comment on: --pull-request was not given and GITHUB_EVENT_PATH is not set/],
        [{ GITHUB_EVENT_PATH: 'missing.json' }, /error: cannot read the event file GITHUB_EVENT_PATH=missing\.json: no such file/],
        [{ GITHUB_EVENT_PATH: 'purge.yaml' }, /error: cannot read the event file .*not JSON/],
        [{ GITHUB_API_URL: 'http://api.example.com' }, /error: refusing plain http GITHUB_API_URL "http:\/\/api\.example\.com\/"/],
      ];
      for (const [env, message] of cases) {
        const result = await run(['--all'], env);
        assert.equal(result.code, 1, `${JSON.stringify(env)}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stdout, '', 'nothing planned');
        assertNoStack(result);
      }
      assert.equal(standin.requests.length, 0);
    });
  });

  it('--token-env names another variable', async () => {
    await withGitHub({}, smallConfig(), async ({ standin, run }) => {
      const missing = await run(['--all', '--token-env', 'PURGEPLAN_GITHUB_TOKEN']);
      assert.match(missing.stderr, /PURGEPLAN_GITHUB_TOKEN is not set/);
      const result = await run(['--all', '--token-env', 'PURGEPLAN_GITHUB_TOKEN'], { GITHUB_TOKEN: undefined, PURGEPLAN_GITHUB_TOKEN: GITHUB_TOKEN });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.comments(7).length, 1);
    });
  });

  it('an event that is not a pull request is refused; --pull-request wins over the event', async () => {
    await withGitHub({ pulls: [7, 9] }, smallConfig(), async ({ site, standin, run }) => {
      site.write('push.json', JSON.stringify({ ref: 'refs/heads/main' }));
      const push = await run(['--all'], { GITHUB_EVENT_PATH: 'push.json' });
      assert.equal(push.code, 1);
      assert.match(push.stderr, /not about a pull request \(no pull_request\.number\)/);
      assert.equal((await run(['--all', '--pull-request', '9'])).code, 0);
      assert.equal(standin.comments(9).length, 1);
      site.write('comment.json', JSON.stringify({ issue: { number: 9, pull_request: { url: 'x' } } }));
      assert.equal((await run(['--all'], { GITHUB_EVENT_PATH: 'comment.json' })).code, 0);
      assert.equal(standin.comments(9).length, 1, 'an issue_comment event on the pull request finds the same comment');
    });
  });

  it('a saved plan file is posted as saved, tagged with its config path', async () => {
    await withGitHub({}, smallConfig(), async ({ site, standin, run }) => {
      const saved = await site.run(['plan', '--all', '--out', 'pr.plan']);
      assert.equal(saved.code, 0, saved.stderr);
      site.write('purge.yaml', smallConfig(9));
      const result = await run(['pr.plan']);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(standin.comments(7)[0]!.body.startsWith(`${MARKER}\n`));
      assert.match(standin.comments(7)[0]!.body, /\| posts \| www \| new \| 3 \|/);
    });
  });

  it('an invalid configuration: its diagnostics, exit 1, nothing sent', async () => {
    await withGitHub({}, 'version: 1\nzones: {}\ngroups: { a: { urls: [1] } }\n', async ({ standin, run }) => {
      const result = await run(['--all']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:\d+:\d+: error/);
      assert.equal(standin.requests.length, 0);
    });
  });
});

describe('comment github: pagination', () => {
  it('finds its comment on a later page (Link rel="next") and edits it', async () => {
    await withGitHub({ maxPerPage: 5 }, smallConfig(), async ({ standin, run }) => {
      for (let i = 0; i < 17; i++) standin.seed(7, `comment ${i}`);
      standin.seed(7, `${MARKER}\nold plan`, 'github-actions[bot]');
      for (let i = 0; i < 6; i++) standin.seed(7, `later ${i}`);
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      const pages = standin.requests.filter((r) => r.method === 'GET').map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1');
      assert.deepEqual(pages, ['1', '2', '3', '4', '5']);
      assert.equal(standin.comments(7).length, 24, 'edited, not added');
      assert.match(standin.comments(7)[17]!.body, /### purgeplan plan/);
      assert.deepEqual(writes(standin).map((w) => w.split(' ')[0]), ['PATCH']);
    });
  });

  it('never follows a Link to another origin with the token', async () => {
    const elsewhere = await startGitHubStandin({ tokens: [GITHUB_TOKEN] });
    try {
      await withGitHub({ maxPerPage: 2, linkBase: elsewhere.url }, smallConfig(), async ({ standin, run }) => {
        for (let i = 0; i < 5; i++) standin.seed(7, `comment ${i}`);
        const result = await run(['--all']);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /GitHub pointed to http:\/\/127\.0\.0\.1:\d+, which is not its API's origin: not following it with the token/);
        assert.equal(elsewhere.requests.length, 0);
        assert.equal(standin.comments(7).length, 5, 'nothing posted');
      });
    } finally {
      await elsewhere.close();
    }
  });

  it('a gateway error on listing or editing is retried; on creating it is not (it could post twice)', async () => {
    const failOnce = new Set(['GET', 'PATCH']);
    const fault = (request: { method: string }) => {
      if (!failOnce.has(request.method)) return undefined;
      failOnce.delete(request.method);
      return 502;
    };
    await withGitHub({ fault }, smallConfig(), async ({ standin, run }) => {
      standin.seed(7, `${MARKER}\nold plan`, 'github-actions[bot]');
      const result = await run(['--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(standin.requests.map((r) => r.method), ['GET', 'GET', 'PATCH', 'PATCH']);
      assert.match(standin.comments(7)[0]!.body, /### purgeplan plan/);
    });
    await withGitHub({ fault: (request) => (request.method === 'POST' ? 502 : undefined) }, smallConfig(), async ({ standin, run }) => {
      const result = await run(['--all']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: GitHub answered 502 to POST \/repos\/octo\/site\/issues\/7\/comments: Server Error/);
      assert.equal(standin.requests.filter((r) => r.method === 'POST').length, 1);
    });
  });
});
