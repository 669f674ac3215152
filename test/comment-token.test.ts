// docs/commands.md and docs/ci.md: a token an HTTP header cannot carry (a secret saved with a line break, say) is
// a clear error naming the variable, before anything is sent, and the token is never shown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGitHubStandin } from './support/github-standin.js';
import { startGitLabStandin } from './support/gitlab-standin.js';
import { Site } from './support/site.js';
import { assertNoStack, smallConfig } from './support/comment-fixtures.js';

describe('comment: a malformed token', () => {
  it('github: a line break, whitespace or a control character in the token is refused before anything is sent', async () => {
    const standin = await startGitHubStandin({ tokens: ['ghs_good'] });
    const site = new Site().write('purge.yaml', smallConfig());
    try {
      for (const [token, what] of [['ghs_Sekr1t\n', 'a line break'], ['ghs Sekr1t', 'whitespace'], ['ghs_Sekr1t\u0007', 'a control character'], ['ghs_Sékr1t', 'a character outside printable ASCII']] as const) {
        const result = await site.run(['comment', 'github', '--all', '--pull-request', '7'], { env: { GITHUB_TOKEN: token, GITHUB_API_URL: standin.url, GITHUB_REPOSITORY: 'octo/site' } });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`error: GITHUB_TOKEN holds ${what}`));
        assert.ok(!`${result.stdout}${result.stderr}`.includes('Sekr1t') && !`${result.stdout}${result.stderr}`.includes('Sékr1t'), 'the token is never shown');
        assertNoStack(result);
      }
      assert.equal(standin.requests.length, 0);
    } finally {
      await standin.close();
      site.remove();
    }
  });

  it('gitlab: --token-env names the variable in the error', async () => {
    const standin = await startGitLabStandin({ tokens: ['glpat-good'] });
    const site = new Site().write('purge.yaml', smallConfig());
    try {
      const result = await site.run(['comment', 'gitlab', '--all', '--token-env', 'MY_TOKEN'], { env: { MY_TOKEN: 'glpat-Sekr1t\r\n', CI_API_V4_URL: standin.url, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '3' } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: MY_TOKEN holds a line break/);
      assert.ok(!result.stderr.includes('Sekr1t'));
      assert.equal(standin.requests.length, 0);
    } finally {
      await standin.close();
      site.remove();
    }
  });
});
