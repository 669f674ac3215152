// Spec §12 under a flaky network: GitHub's rate limits (a 429, or a 403 with retry-after or
// x-ratelimit-remaining: 0, "You have exceeded a secondary rate limit") refuse a request without
// carrying it out, so it is sent again after the time GitHub asks, whatever its method; a server
// error is retried only where sending twice cannot post twice. A rate limit is never mistaken for
// a fork's read-only token. Built CLI against the loopback stand-in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitWait, retryDelay, ForgeError } from '../src/forge/http.js';
import { startGitHubStandin } from './support/github-standin.js';
import type { GitHubFault, GitHubRequest, GitHubStandin } from './support/github-standin.js';
import { Site } from './support/site.js';
import type { CliResult } from './support/site.js';
import { GITHUB_TOKEN, assertNoStack, assertNoToken, smallConfig } from './support/comment-fixtures.js';

const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

async function withGitHub(fault: (request: GitHubRequest) => number | GitHubFault | undefined, body: (standin: GitHubStandin, run: () => Promise<CliResult>) => Promise<void>): Promise<void> {
  const standin = await startGitHubStandin({ tokens: [GITHUB_TOKEN], fault });
  const site = new Site().write('purge.yaml', smallConfig()).write('event.json', JSON.stringify({ pull_request: { number: 7 } }));
  const outputs: CliResult[] = [];
  const run = async () => {
    const result = await site.run(['comment', 'github', '--all'], {
      env: { GITHUB_TOKEN, GITHUB_API_URL: standin.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_EVENT_PATH: 'event.json', GITHUB_STEP_SUMMARY: 'summary.md' },
    });
    outputs.push(result);
    assertNoStack(result);
    return result;
  };
  try {
    await body(standin, run);
    assertNoToken(GITHUB_TOKEN, ...outputs);
  } finally {
    await standin.close();
    site.remove();
  }
}

/** Answers `fault` to the first `times` requests matching `method`. */
const failing = (method: string, fault: number | GitHubFault, times = 1) => (request: GitHubRequest) => (request.method === method && times-- > 0 ? fault : undefined);
const sent = (standin: GitHubStandin, method: string) => standin.requests.filter((r) => r.method === method).length;

describe('comment github: rate limits and server errors', () => {
  it('a secondary rate limit on creating (403, retry-after: 1) waits and posts once', async () => {
    await withGitHub(failing('POST', { status: 403, message: SECONDARY, headers: { 'retry-after': '1' } }), async (standin, run) => {
      const started = Date.now();
      const result = await run();
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started >= 1_000, 'waited the second asked');
      assert.equal(sent(standin, 'POST'), 2);
      assert.equal(standin.comments(7).length, 1, 'posted once');
      assert.doesNotMatch(result.stderr, /warning/);
    });
  });

  it('a 429 on listing with x-ratelimit-remaining: 0 waits until x-ratelimit-reset', async () => {
    const reset = () => String(Math.ceil(Date.now() / 1000));
    let left = 1;
    await withGitHub((request) => (request.method === 'GET' && left-- > 0 ? { status: 429, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset() } } : undefined), async (standin, run) => {
      const result = await run();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sent(standin, 'GET'), 2);
      assert.equal(standin.comments(7).length, 1);
    });
  });

  it('a 500 on editing is retried; on creating it is not (it could post twice)', async () => {
    await withGitHub(failing('PATCH', 500), async (standin, run) => {
      const own = standin.seed(7, '<!-- purgeplan:purge.yaml -->\nold plan', 'github-actions[bot]');
      const result = await run();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sent(standin, 'PATCH'), 2);
      assert.match(own.body, /### purgeplan plan/);
    });
    await withGitHub(failing('POST', 500), async (standin, run) => {
      const result = await run();
      assert.equal(result.code, 1);
      assert.equal(sent(standin, 'POST'), 1);
    });
  });

  it('a rate limit that outlasts the retries is an error (exit 1), not a fork\'s read-only warning', async () => {
    await withGitHub(failing('POST', { status: 403, message: SECONDARY, headers: { 'retry-after': '0' } }, 10), async (standin, run) => {
      const result = await run();
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /error: GitHub answered 403 to POST .*secondary rate limit/);
      assert.doesNotMatch(result.stderr, /warning/);
      assert.equal(sent(standin, 'POST'), 3);
    });
  });

  it('a rate limit asking for an hour is not waited for: exit 1 at once', async () => {
    await withGitHub(failing('POST', { status: 429, message: 'API rate limit exceeded', headers: { 'retry-after': '3600' } }), async (standin, run) => {
      const started = Date.now();
      const result = await run();
      assert.equal(result.code, 1);
      assert.ok(Date.now() - started < 20_000);
      assert.equal(sent(standin, 'POST'), 1);
    });
  });
});

describe('retryDelay: the decision table', () => {
  const error = (status: number, headers: Record<string, string> = {}, message = 'x') => new ForgeError(message, status, headers);
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('one line per case', () => {
    assert.equal(retryDelay(new Error('bug'), 'GET', 0, now), null);
    assert.equal(retryDelay(error(502), 'GET', 2, now), null, 'limit reached');
    assert.equal(retryDelay(error(403, { 'retry-after': '5' }), 'POST', 0, now), 5_000, 'rate limited: any method');
    assert.equal(retryDelay(error(429, { 'retry-after': '61' }), 'GET', 0, now), null, 'over a minute');
    assert.equal(retryDelay(error(502), 'POST', 0, now), null);
    assert.equal(retryDelay(error(0), 'PATCH', 0, now), 1_000);
    assert.equal(retryDelay(error(500), 'DELETE', 1, now), 2_000);
    assert.equal(retryDelay(error(422), 'PATCH', 0, now), null);
    assert.equal(retryDelay(error(403, {}, 'Resource not accessible by integration'), 'POST', 0, now), null, 'a read-only token');
  });
  it('rateLimitWait reads retry-after (seconds or a date), then x-ratelimit-reset, then waits a minute', () => {
    assert.equal(rateLimitWait(error(429, { 'retry-after': 'Tue, 01 Dec 2026 12:00:07 GMT' }), now), 7_000);
    assert.equal(rateLimitWait(error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), now), 11_000);
    assert.equal(rateLimitWait(error(403, {}, SECONDARY), now), 60_000);
    assert.equal(rateLimitWait(error(404), now), null);
  });
});
