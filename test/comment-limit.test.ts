// docs/ci.md: "A comment never exceeds the forge's limit", not even later, when hide-and-new marks it
// outdated in place (its marker grows by " (outdated)"). A plan just under GitHub's 65,536
// characters is posted so that re-marking it still fits. Built CLI against the loopback stand-in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GITHUB_LIMIT, startGitHubStandin } from './support/github-standin.js';
import { Site, ZONE_ID } from './support/site.js';
import { GITHUB_TOKEN, assertNoStack } from './support/comment-fixtures.js';

const MARKER = '<!-- purgeplan:purge.yaml -->';
const config = (description: number) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  posts:
    description: "${'a'.repeat(description)}"
    urls: ["https://www.example.com/posts/1/"]
`;

describe('comment github: a plan at the limit', () => {
  it('a plan of exactly 65,536 characters with its marker is split, so hide-and-new can still re-mark it', async () => {
    const standin = await startGitHubStandin({ tokens: [GITHUB_TOKEN] });
    const site = new Site().write('purge.yaml', config(1000)).write('event.json', JSON.stringify({ pull_request: { number: 7 } }));
    try {
      const measured = await site.run(['plan', '--markdown', '--all']);
      // The description's length that makes marker + "\n" + plan exactly the limit.
      const size = GITHUB_LIMIT - (MARKER.length + 1 + measured.stdout.replace(/\n+$/, '').length) + 1000;
      site.write('purge.yaml', config(size));
      const env = { GITHUB_TOKEN, GITHUB_API_URL: standin.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_EVENT_PATH: 'event.json' };
      const first = await site.run(['comment', 'github', '--all'], { env });
      assert.equal(first.code, 0, first.stderr);
      // comment prints the whole plan: with its marker, exactly the limit.
      assert.equal(MARKER.length + 1 + first.stdout.replace(/\n+$/, '').length, GITHUB_LIMIT);
      const second = await site.run(['comment', 'github', '--all', '--behavior', 'hide-and-new'], { env });
      assert.equal(second.code, 0, second.stderr);
      assertNoStack(second);
      for (const comment of standin.comments(7)) assert.ok([...comment.body].length <= GITHUB_LIMIT);
      assert.ok(standin.comments(7).some((c) => c.minimized === 'OUTDATED' && c.body.startsWith('<!-- purgeplan:purge.yaml (outdated) -->')));
    } finally {
      await standin.close();
      site.remove();
    }
  });
});
